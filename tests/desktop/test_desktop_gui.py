"""The dock in the real QGIS desktop (Xvfb) from dist/lever_grid.zip, in English and in
Chinese, with screenshots; and the Graphical Modeler model through qgis_process.bin.

Screenshots: tests/artifacts/dock_en.png, dock_zh_CN.png (QGIS locale zh_CN: QGIS has no
zh_CN translation of its own, so only the dock is Chinese) and dock_zh-Hans.png (QGIS's
简体中文: everything Chinese; the one in docs/images/dock_zh_CN.png); the dock alone at 280
and 600 px wide, every step expanded: dock_<lang>_<width>.png (the visible part) and
dock_<lang>_<width>_full.png (the whole scrolled content).

At 280 px (narrower than QGIS's default dock width, 298 px) and at 600 px no label, button
or check box may be cut or elided and no widget may lie out of view without a scroll bar;
at 280 px the dock needs no sideways scrolling. Results and the sample copy must go to a
lasting place (beside the chosen results GeoPackage, or the user's QGIS profile folder when
the project has no file), so QGIS considers no layer temporary (QGIS runs with TMPDIR in the
throw-away folder: files under the temporary folder count as temporary layers).
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
from tests.desktop.desktop import (
    Chroot,
    Venv,
    install_plugin_zip,
    qgis_process,
    run_desktop_script,
)

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


WIDTHS = (280, 600)


def run_dock(locale: str, tmp_path_factory, debian13: bool = False,
             results: str | None = None) -> dict:
    """The dock workflow; ``debian13``: in stock QGIS 3.40 on Debian 13 (the chroot);
    ``results``: the results GeoPackage the user picks, relative to the throw-away folder
    (None: the default, in the profile folder as the project has no file)."""
    assert ZIP.exists(), "run `make package` first (make test does)"
    base = tmp_path_factory.mktemp(f"qgis_{locale}")
    install_plugin_zip(ZIP, base, locale=locale)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = f"{'debian13_' if debian13 else ''}dock_{'en' if locale.startswith('en') else locale}"
    shot = ARTIFACTS / f"{name}.png"
    where = Chroot(base) if debian13 else Venv()
    shots = base / "shots" if debian13 else ARTIFACTS  # where QGIS saves its screenshots
    shots.mkdir(exist_ok=True)
    job = {"screenshot": where.path(shots / shot.name), "edit": face_edit(),
           "fit_widths": list(WIDTHS), "fit_shot": where.path(shots / f"{name}_{{width}}.png")}
    if results:
        job["results"] = where.path(base / results)
    tmp = base / "tmp"
    tmp.mkdir()
    result = run_desktop_script(SCRIPT, job, base, timeout=600,
                                where=where if debian13 else None, TMPDIR=where.path(tmp))
    if debian13:
        for picture in shots.glob("*.png"):
            shutil.copyfile(picture, ARTIFACTS / picture.name)
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
    check_fit(result, where)
    # results and the sample copy (which the edits went to) in a lasting place; paths in
    # the result are as QGIS sees them (where.path)
    gpkg = base / results if results else \
        base / "profiles" / "default" / "lever_grid" / "lever_grid.gpkg"
    copy = gpkg.parent / "yangwu_sample.gpkg"
    assert result["results_gpkg"] == where.path(gpkg)
    assert gpkg.exists() and copy.exists()
    assert result["temporary"] == [], result["temporary"]
    assert all(not source.startswith(where.path(tmp)) for source in result["sources"])
    layers_from = {s for s in result["sources"] if s.endswith(".gpkg")}
    assert layers_from == {where.path(gpkg), where.path(copy)}, layers_from
    # a picked GeoPackage is remembered in the project; the default needs no entry
    assert result["results_entry"] == ([where.path(gpkg), True] if results else ["", False])
    return result


def check_fit(result: dict, where: Venv) -> None:
    for width in WIDTHS:
        fit = result["fit"][str(width)]
        assert abs(fit["width"] - width) <= 1, fit
        assert fit["cut"] == [], f"{width} px: cut texts: {fit['cut']}"
        assert fit["outside"] == [], f"{width} px: out of view: {fit['outside']}"
        assert where.host(fit["shot"]).stat().st_size > 10_000
    narrow = result["fit"][str(WIDTHS[0])]
    assert not narrow["hbar"] and narrow["content"][0] <= narrow["view"][0], narrow


def test_dock_in_english(tmp_path_factory):
    result = run_dock("en_US", tmp_path_factory, results="village/village_results.gpkg")
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
