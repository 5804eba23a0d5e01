"""Layers as they come: Shapefile-truncated and Chinese field names, explicit columns,
cell ids that only look numeric, and GeoPackages written without a CRS."""

from __future__ import annotations

import json
import shutil
import sqlite3
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from lever_grid.cli import main
from lever_grid.core.errors import InputError
from lever_grid.core.inputs.cells import normalize_cells
from lever_grid.core.inputs.fields import ALIASES, SHAPEFILE_NAMES, canonical_ids
from lever_grid.core.inputs.layers import read_layer
from lever_grid.core.pipeline import analyse
from lever_grid.core.progress import Progress
from tests.conftest import SAMPLE

OUR_FIELDS = {"cells": ["cell_id", "name", "police_office", "officer", "locked"],
              "cameras": ["camera_id", "kind", "status", "range_m", "heading_deg", "fov_deg"],
              "incidents": ["incident_id", "occurred_at", "category"]}

CHINESE_CELLS = {"cell_id": "网格编号", "name": "网格名称", "police_office": "派出所",
                 "officer": "社区民警", "locked": "锁定"}
CHINESE_CAMERAS = {"camera_id": "摄像头编号", "kind": "类型", "status": "状态",
                   "range_m": "距离", "heading_deg": "朝向", "fov_deg": "视角"}


def sample(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer=layer)


def cli(capsys, *args) -> tuple[int, list[str]]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.strip().splitlines()


def write_shp(gdf: gpd.GeoDataFrame, path) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "Column names longer than 10 characters ..."
        gdf.to_file(path, encoding="UTF-8")


# ------------------------------------------------------------------------ Shapefiles


def test_the_truncated_names_are_what_gdal_writes(tmp_path):
    """Every field of ours written to a Shapefile and read back: the table knows each name."""
    for role, fields in OUR_FIELDS.items():
        frame = gpd.GeoDataFrame({f: ["1"] for f in fields},
                                 geometry=[shapely.Point(470000, 2530000)], crs=4547)
        path = tmp_path / f"{role}.shp"
        write_shp(frame, path)
        back = [c for c in pyogrio.read_dataframe(path).columns if c != "geometry"]
        assert len(back) == len(fields)
        for field, name in zip(fields, back, strict=True):
            assert name in ALIASES[role][field], (role, field, name)
            assert name == SHAPEFILE_NAMES.get(field, field)


def test_sample_as_shapefiles_gives_the_same_office_figures(tmp_path, capsys):
    """The sample's cells, cameras and incidents saved as Shapefiles: same office_stats."""
    names = {}
    for layer in ("cells", "cameras", "incidents"):
        names[layer] = tmp_path / f"{layer}.shp"
        write_shp(sample(layer), names[layer])
    assert "police_off" in pyogrio.read_info(names["cells"])["fields"]
    period = ("--period", "2025-01-01/2025-05-31", "--compare", "2024-01-01/2024-05-31")
    code, _ = cli(capsys, "analyse", "--cells", f"{SAMPLE}|layername=cells", "--cameras",
                  f"{SAMPLE}|layername=cameras", "--incidents", f"{SAMPLE}|layername=incidents",
                  *period, "--out", tmp_path / "gpkg.gpkg")
    assert code == 0
    code, err = cli(capsys, "analyse", "--cells", names["cells"], "--cameras",
                    names["cameras"], "--incidents", names["incidents"], *period,
                    "--out", tmp_path / "shp.gpkg")
    assert code == 0, err
    assert any("column 'police_off' used as police_office" in line for line in err)
    assert any("column 'heading_de' used as heading_deg" in line for line in err)
    assert any("column 'occurred_a' used as occurred_at" in line for line in err)
    a = gpd.read_file(tmp_path / "gpkg.gpkg", layer="office_stats")
    b = gpd.read_file(tmp_path / "shp.gpkg", layer="office_stats")
    assert len(a) == 3 and a["police_office"].ne("").all()
    pd.testing.assert_frame_equal(a, b)
    a = gpd.read_file(tmp_path / "gpkg.gpkg", layer="cell_stats")
    b = gpd.read_file(tmp_path / "shp.gpkg", layer="cell_stats")
    for col in ("cell_id", "cameras", "incidents_current", "incidents_previous",
                "incidents_in_blind"):
        assert a[col].tolist() == b[col].tolist(), col
    assert b["covered_m2"].to_numpy() == pytest.approx(a["covered_m2"].to_numpy(), rel=1e-6)


# ------------------------------------------------------------------------ Chinese headers


def test_chinese_headers_give_the_same_analysis():
    cells, cams = sample("cells"), sample("cameras")
    ref = analyse(cells, cams)
    progress = Progress()
    got = analyse(cells.rename(columns=CHINESE_CELLS), cams.rename(columns=CHINESE_CAMERAS),
                  progress=progress)
    for name in ("cells", "cell_stats", "camera_views", "blind_spots"):
        pd.testing.assert_frame_equal(pd.DataFrame(ref[name]).drop(columns="geometry"),
                                      pd.DataFrame(got[name]).drop(columns="geometry"))
    assert got["cells"]["police_office"].tolist() == cells["police_office"].tolist()
    assert got["cells"]["police_office"].nunique() == 3
    for ours, theirs in (*CHINESE_CELLS.items(), *CHINESE_CAMERAS.items()):
        assert f"cells: column '{theirs}' used as {ours}" in progress.messages or \
            f"cameras: column '{theirs}' used as {ours}" in progress.messages


def test_警务室_is_taken_before_派出所():
    cells = sample("cells").drop(columns="police_office")
    cells["派出所"] = "城关派出所"
    cells["警务室"] = "杨屋警务室"
    assert normalize_cells(cells)["police_office"].eq("杨屋警务室").all()
    assert normalize_cells(cells.drop(columns="警务室"))["police_office"].eq("城关派出所").all()


def test_explicit_columns_and_a_missing_one(tmp_path, capsys):
    cells = sample("cells").rename(columns={"police_office": "所属单位", "officer": "责任人",
                                            "cell_id": "编码"})
    cells["police_office"] = "wrong"  # the named column wins over a same-named one
    path = tmp_path / "cells.gpkg"
    cells.to_file(path, layer="cells")
    out = tmp_path / "inc.gpkg"
    code, err = cli(capsys, "incidents", "--cells", path, "--incidents",
                    f"{SAMPLE}|layername=incidents", "--cell-id-column", "编码",
                    "--office-column", "所属单位", "--officer-column", "责任人", "--out", out)
    assert code == 0, err
    offices = gpd.read_file(out, layer="office_stats")
    assert sorted(offices["police_office"]) == sorted(sample("cells")["police_office"].unique())
    assert gpd.read_file(out, layer="cell_incidents")["cell_id"].tolist() == list(range(1, 15))
    code, err = cli(capsys, "validate", "--cells", path, "--office-column", "nope",
                    "--out", tmp_path / "p.gpkg")
    assert code == 2
    assert err == [f"lever-grid: error: file {path}, layer cells, field nope: no column "
                   "'nope' (given for police_office); the columns are: 编码, name, 所属单位, "
                   "责任人, locked, police_office"]
    assert not (tmp_path / "p.gpkg").exists()


def test_an_absent_optional_field_is_reported_once():
    cells = sample("cells").drop(columns=["police_office", "officer"])
    cams = sample("cameras").drop(columns=["heading_deg", "fov_deg", "status"])
    progress = Progress()
    analyse(cells, cams, progress=progress)
    for field in ("police_office", "officer"):
        lines = [m for m in progress.messages if m.startswith(f"cells: no {field} field")]
        assert len(lines) == 1, (field, progress.messages)
    assert "office_stats stays empty" in " ".join(progress.messages)
    for field in ("status", "heading_deg"):
        lines = [m for m in progress.messages if m.startswith(f"cameras: no {field} field")]
        assert len(lines) == 1, (field, progress.messages)
    assert not any(m.startswith("cameras: no fov_deg") for m in progress.messages)
    progress = Progress()
    analyse(sample("cells"), sample("cameras"), progress=progress)
    assert not any(" field (nor " in m for m in progress.messages), progress.messages


# ------------------------------------------------------------------------ cell ids


@pytest.mark.parametrize(("ids", "expected"), [
    (["1", "2", "10"], [1, 2, 10]),
    ([1.0, 2.0], [1, 2]),
    (["01", "1"], ["01", "1"]),
    (["1", "1.0"], ["1", "1.0"]),
    (["+1", "2"], ["+1", "2"]),
    (["A3", "7"], ["A3", "7"]),
    ([" 4", "5 "], [4, 5]),
    (["-3", "0"], [-3, 0]),
    (["00", "1"], ["00", "1"]),
])
def test_ids_become_integers_only_when_the_text_round_trips(ids, expected):
    out = canonical_ids(pd.Series(ids)).tolist()
    assert out == expected
    assert [type(v) for v in out] == [type(v) for v in expected]


def test_01_and_1_stay_two_cells(two_cells, tmp_path, capsys):
    cells = two_cells.assign(cell_id=["01", "1"])
    out = normalize_cells(cells)
    assert out["cell_id"].tolist() == ["01", "1"]
    dup = two_cells.assign(cell_id=["1", " 1"])
    with pytest.raises(InputError, match="feature 1, field cell_id: duplicate cell_id 1$"):
        normalize_cells(dup)
    path = tmp_path / "cells.gpkg"
    cells.to_file(path, layer="cells")
    code, err = cli(capsys, "validate", "--cells", path, "--out", tmp_path / "p.gpkg")
    assert code == 0, err
    problems = gpd.read_file(tmp_path / "p.gpkg", layer="problems")
    assert "duplicate_id" not in problems["problem"].tolist()


# ------------------------------------------------------------------------ undefined SRS


def _undefined(tmp_path, kind: str, two_cells) -> str:
    """The two cells as a GeoPackage written without CRS: srs_id 0 (geographic) or -1."""
    path = tmp_path / f"cells_{kind}.gpkg"
    local = two_cells.set_crs(None, allow_override=True)
    local = local.set_geometry(local.translate(-470000, -2530000).geometry)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'crs' was not provided"
        local.to_file(path, layer="cells")
    if kind == "cartesian":
        with sqlite3.connect(path) as db:
            db.execute("UPDATE gpkg_geometry_columns SET srs_id = -1")
            db.execute("UPDATE gpkg_contents SET srs_id = -1")
    expected = {"geographic": "Undefined geographic SRS", "cartesian": "Undefined Cartesian SRS"}
    assert gpd.read_file(path).crs.name == expected[kind]
    return str(path)


@pytest.mark.parametrize("kind", ["geographic", "cartesian"])
def test_undefined_srs_is_no_crs(kind, tmp_path, two_cells, capsys):
    path = _undefined(tmp_path, kind, two_cells)
    gdf = read_layer(path, "cells", assume_crs="local")
    assert gdf.crs is None and gdf.attrs["local"] is True
    with pytest.raises(InputError, match="the layer has no CRS; pass --assume-crs"):
        read_layer(path, "cells")
    cams = tmp_path / "cams.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpd.GeoDataFrame({"camera_id": ["c1"], "kind": ["public1"], "range_m": [30.0]},
                         geometry=[shapely.Point(50, 50)]).to_file(cams, layer="cameras")
    out = tmp_path / "out.gpkg"
    code, err = cli(capsys, "analyse", "--cells", path, "--cameras", cams,
                    "--assume-crs", "local", "--out", out)
    assert code == 0, err
    stats = gpd.read_file(out, layer="cell_stats").set_index("cell_id")
    assert stats.loc[1, "area_m2"] == pytest.approx(10000.0)
    # a 30 m circle around (50, 50) lies inside the 100 m cell: 64 segments → area
    assert stats.loc[1, "covered_m2"] == pytest.approx(
        0.5 * 30**2 * 64 * np.sin(2 * np.pi / 64), rel=1e-9)
    code, err = cli(capsys, "validate", "--cells", path, "--out", tmp_path / "p.gpkg")
    assert code == 2 and len(err) == 1 and "the layer has no CRS" in err[0]


def test_undefined_srs_copy_of_the_sample_cells_validates(tmp_path, capsys):
    src = tmp_path / "sample.gpkg"
    shutil.copy(SAMPLE, src)
    cells = gpd.read_file(src, layer="cells")
    local = tmp_path / "plan.gpkg"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cells.set_crs(None, allow_override=True).to_file(local, layer="cells")
    code, err = cli(capsys, "validate", "--cells", local, "--assume-crs", "local",
                    "--out", tmp_path / "p.gpkg")
    assert code == 0, err


def test_text_ids_survive_analysis_and_export(two_cells, tmp_path, capsys):
    cells = tmp_path / "cells.gpkg"
    two_cells.assign(cell_id=["01", "1"]).to_file(cells, layer="cells")
    cams = tmp_path / "cams.gpkg"
    gpd.GeoDataFrame({"camera_id": ["c"], "kind": ["public1"], "range_m": [30.0]},
                     geometry=[shapely.Point(470050, 2530050)], crs=4547).to_file(
        cams, layer="cameras")
    out = tmp_path / "a.gpkg"
    assert cli(capsys, "analyse", "--cells", cells, "--cameras", cams, "--out", out)[0] == 0
    stats = gpd.read_file(out, layer="cell_stats")
    assert stats["cell_id"].tolist() == ["01", "1"]
    assert stats["cameras"].tolist() == [1, 0]  # the camera stands in the west cell, "01"
    geo = tmp_path / "geo"
    assert cli(capsys, "export", out, "--geojson", geo)[0] == 0
    features = json.loads((geo / "cell_stats.geojson").read_text("utf-8"))["features"]
    assert [f["id"] for f in features] == ["01", "1"]
    rows = (geo / "summary.csv").read_text("utf-8-sig").splitlines()[1:]
    assert sorted(r.split(",")[1] for r in rows) == ["01", "1"]
