"""The dock in the real QGIS desktop (Xvfb) from dist/lever_grid.zip, in English and in
Chinese, with screenshots; and the Graphical Modeler model through qgis_process.bin.

Screenshots: tests/artifacts/dock_en.png, dock_zh_CN.png (QGIS locale zh_CN: QGIS has no
zh_CN translation of its own, so only the dock is Chinese) and dock_zh-Hans.png (QGIS's
简体中文: everything Chinese; the one in docs/images/dock_zh_CN.png).
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.conftest import ARTIFACTS, ROOT, SAMPLE
from tests.desktop.desktop import Chroot, install_plugin_zip, qgis_process, run_desktop_script

pytestmark = pytest.mark.desktop
ZIP = ROOT / "dist" / "lever_grid.zip"
SCRIPT = Path(__file__).with_name("inside_qgis_gui.py")
MODEL = ROOT / "tests" / "data" / "models" / "incidents_then_coverage.model3"


def face_edit() -> dict:
    """A face of a cell with several faces that borders another cell (the live edit)."""
    import numpy as np

    from lever_grid.core.grid.roadnet import build_faces, repair_roads

    cells = gpd.read_file(SAMPLE, layer="cells").set_index("cell_id")
    roads = gpd.read_file(SAMPLE, layer="roads").geometry.to_numpy()
    pieces, _ = repair_roads(roads)
    outline = shapely.union_all(cells.geometry.to_numpy())
    faces = build_faces(pieces, outline).geoms
    with np.errstate(invalid="ignore"):
        owner = [max(cells.index, key=lambda c, f=f: shapely.area(
            shapely.intersection(f, cells.geometry[c]))) for f in faces]
        for face, donor in zip(faces, owner, strict=True):
            if owner.count(donor) < 2:
                continue
            for active in sorted(cells.index):
                shared = shapely.length(shapely.intersection(
                    shapely.boundary(face), shapely.boundary(cells.geometry[active])))
                if active != donor and shared > 10:
                    probe = shapely.point_on_surface(face)
                    return {"active": int(active), "donor": int(donor),
                            "face_point": [probe.x, probe.y]}
    pytest.fail("no face to move in the sample (the committed sample changed?)")


def run_dock(locale: str, tmp_path_factory, debian13: bool = False) -> dict:
    """The dock workflow; ``debian13``: in stock QGIS 3.40 on Debian 13 (the chroot)."""
    assert ZIP.exists(), "run `make package` first (make test does)"
    base = tmp_path_factory.mktemp(f"qgis_{locale}")
    install_plugin_zip(ZIP, base, locale=locale)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"{'debian13_' if debian13 else ''}dock_{'en' if locale.startswith('en') else locale}"
    shot = ARTIFACTS / f"{name}.png"
    where = Chroot(base) if debian13 else None
    inside = base / "dock.png" if debian13 else shot
    job = {"screenshot": where.path(inside) if where else str(shot), "edit": face_edit(),
           "out_dir": where.path(base / "out") if where else str(base / "out")}
    result = run_desktop_script(SCRIPT, job, base, timeout=600, where=where)
    if debian13 and inside.exists():
        shutil.copyfile(inside, shot)
    assert "error" not in result, result.get("error")
    assert result["plugin_loaded"] and result["dock_visible"] and result["action_checked"]
    assert result["analysis_ok"], result.get("log")
    assert "double free" not in result["stderr"] and "Aborted" not in result["stderr"]
    assert result["returncode"] == 0, result["stderr"]
    layers = result["layers"]
    assert set(layers) == {"blind_spots", "overlap", "camera_views", "cell_stats",
                           "office_stats"}
    assert layers["cell_stats"][1] == 14 and layers["cell_stats"][2] == "graduatedSymbol"
    assert layers["blind_spots"][1] > 0 and layers["camera_views"][1] > 0
    edit = job["edit"]
    assert sorted(result["edited"]) == sorted([str(edit["active"]), str(edit["donor"])])
    assert result["live_seconds"] < 0.5
    assert shot.exists() and shot.stat().st_size > 50_000
    assert (base / "out" / "yangwu_sample.gpkg").exists()  # the copy the edits went to
    return result


def test_dock_in_english(tmp_path_factory):
    result = run_dock("en_US", tmp_path_factory)
    assert result["group"] == "Lever Grid results"
    assert result["layers"]["blind_spots"][0] == "Blind spots"
    assert "Analyse coverage and incidents" in result["texts"]
    assert result["status"].startswith("Coverage of cells "), result["status"]


@pytest.mark.parametrize("locale", ["zh_CN", "zh-Hans"])
def test_dock_in_chinese(tmp_path_factory, locale):
    """zh_CN: the locale name of the system; zh-Hans: what QGIS's Options dialog writes
    for 简体中文 (QGIS's own UI is then Chinese too). Both load lever_grid_zh_CN.qm."""
    result = run_dock(locale, tmp_path_factory)
    untranslated = [t for t in result["texts"] if not any("\u4e00" <= c <= "\u9fff" for c in t)]
    assert untranslated == [], untranslated
    assert result["group"] == "网格分析结果"
    assert result["layers"]["blind_spots"][0] == "盲区"
    assert result["roles"]["cells"] == "网格"
    assert "分析覆盖与警情" in result["texts"]
    assert result["status"].startswith("网格 ") and "的覆盖已更新" in result["status"], \
        result["status"]


def test_model_runs_through_qgis_process(tmp_path_factory):
    assert ZIP.exists(), "run `make package` first (make test does)"
    base = tmp_path_factory.mktemp("qgis_model")
    install_plugin_zip(ZIP, base)
    out = base / "out"
    out.mkdir()
    params = {
        "cells": f"{SAMPLE}|layername=cells", "incidents": f"{SAMPLE}|layername=incidents",
        "cameras": f"{SAMPLE}|layername=cameras", "buildings": f"{SAMPLE}|layername=buildings",
        "period": "2025-01-01/2025-05-31",
        "analyse:analysis": str(out / "analysis.gpkg"),
        "incidentstats:incident_report": str(out / "incidents.gpkg"),
    }
    res = qgis_process("run", str(MODEL), "--json", "--",
                       *[f"{k}={v}" for k, v in params.items()], base=base)
    assert res.returncode == 0, res.stderr[-3000:]
    payload = json.loads(res.stdout[res.stdout.index("{"):])
    assert payload["results"]["analyse:analysis"] == params["analyse:analysis"]
    stats = pyogrio.read_dataframe(params["analyse:analysis"], layer="cell_stats")
    counted = pyogrio.read_dataframe(params["incidentstats:incident_report"],
                                     layer="cell_incidents")
    assert len(stats) == 14
    assert list(stats["incidents_current"]) == list(counted["incidents_current"])
    assert stats["blind_m2"].sum() > 0
