"""Bad cameras through the command line: exit 2, one line naming the place, nothing written.

Each case writes a cameras GeoPackage with one bad feature among good ones and runs
``python -m lever_grid analyse`` in a subprocess, as a user would.
"""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pyogrio
import pytest
import shapely

from tests.conftest import METRIC, ROOT, cameras_frame

GOOD = [
    {"camera_id": "g1", "kind": "public1", "range_m": 30.0, "heading_deg": None,
     "fov_deg": None, "x": 50.0, "y": 50.0},
    {"camera_id": "g2", "kind": "social", "range_m": 25.0, "heading_deg": 90.0,
     "fov_deg": 60.0, "x": 150.0, "y": 50.0},
]


def run_cli(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lever_grid", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


def cameras_file(tmp_path, bad: dict | None) -> str:
    """GOOD cameras plus ``bad`` (third feature, fid 3) in cameras.gpkg|layername=cams."""
    rows = [dict(r) for r in GOOD] + ([bad] if bad else [])
    frame = cameras_frame(rows)
    path = tmp_path / "cameras.gpkg"
    frame.to_file(path, layer="cams")
    return f"{path}|layername=cams"


@pytest.fixture
def cells(tmp_path, two_cells) -> str:
    path = tmp_path / "cells.gpkg"
    two_cells.to_file(path, layer="cells")
    return f"{path}|layername=cells"


def one_error_line(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [ln for ln in res.stderr.splitlines() if "error:" in ln]
    assert len(lines) == 1, res.stderr
    return lines[0]


BAD = {
    "range_zero": ({"range_m": 0.0}, "range_m", "range_m must be > 0, got 0.0"),
    "range_negative": ({"range_m": -5.0}, "range_m", "range_m must be > 0, got -5.0"),
    "heading_400": ({"heading_deg": 400.0, "fov_deg": 60.0}, "heading_deg",
                    "heading_deg must be within 0-360 (clockwise from north), got 400.0"),
    "fov_zero": ({"heading_deg": 10.0, "fov_deg": 0.0}, "fov_deg",
                 "fov_deg must be > 0 and <= 360, got 0.0"),
    "fov_over_360": ({"heading_deg": 10.0, "fov_deg": 361.0}, "fov_deg",
                     "fov_deg must be > 0 and <= 360, got 361.0"),
    "unknown_kind": ({"kind": "police_car"}, "kind",
                     "unknown camera kind 'police_car'; allowed: public1, public2, smart_eye, "
                     "social, enterprise"),
    "duplicate_id": ({"camera_id": "g1"}, "camera_id", "duplicate camera_id 'g1'"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_value_exits_2_naming_file_layer_feature_field(tmp_path, cells, case):
    change, field, message = BAD[case]
    bad = {"camera_id": "b3", "kind": "public2", "range_m": 40.0, "heading_deg": None,
           "fov_deg": None, "x": 120.0, "y": 30.0, **change}
    cams = cameras_file(tmp_path, bad)
    out = tmp_path / "out.gpkg"
    line = one_error_line(run_cli("analyse", "--cells", cells, "--cameras", cams,
                                  "--out", out))
    path = cams.split("|")[0]
    assert line.startswith(f"lever-grid: error: file {path}, layer cams, feature 3, "
                           f"field {field}: "), line
    assert message in line
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


def test_multipoint_camera(tmp_path, cells):
    frame = cameras_frame([dict(r) for r in GOOD])
    multi = gpd.GeoDataFrame({"camera_id": ["m3"], "kind": ["public1"]},
                             geometry=[shapely.MultiPoint([(470010, 2530010),
                                                           (470020, 2530010)])], crs=METRIC)
    path = tmp_path / "cameras.gpkg"
    mixed = gpd.GeoDataFrame(
        {"camera_id": [*frame.camera_id, "m3"], "kind": [*frame.kind, "public1"]},
        geometry=[*frame.geometry, multi.geometry.iloc[0]], crs=METRIC)
    pyogrio.write_dataframe(mixed, path, layer="cams", geometry_type="Unknown",
                            promote_to_multi=False)
    out = tmp_path / "out.gpkg"
    line = one_error_line(run_cli("analyse", "--cells", cells, "--cameras",
                                  f"{path}|layername=cams", "--out", out))
    assert f"file {path}, layer cams, feature 3, field geometry" in line
    assert "MultiPoint" in line and not out.exists()


def test_empty_cameras_layer_is_all_blind(tmp_path, cells):
    frame = cameras_frame([dict(r) for r in GOOD]).iloc[:0]
    path = tmp_path / "cameras.gpkg"
    frame.to_file(path, layer="cams")
    out = tmp_path / "out.gpkg"
    res = run_cli("analyse", "--cells", cells, "--cameras", f"{path}|layername=cams",
                  "--out", out)
    assert res.returncode == 0, res.stderr
    assert "cameras: the layer is empty; every cell is blind" in res.stderr
    stats = pyogrio.read_dataframe(out, layer="cell_stats")
    assert (stats.covered_m2 == 0).all() and (stats.cameras == 0).all()
    assert stats.blind_m2.tolist() == pytest.approx([10000.0, 10000.0])
    assert len(pyogrio.read_dataframe(out, layer="camera_views")) == 0


def test_degrees_under_a_metric_crs(tmp_path, cells):
    frame = cameras_frame([dict(r) for r in GOOD]).to_crs(4326)
    lonlat = gpd.GeoDataFrame(frame.drop(columns="geometry"),
                              geometry=frame.geometry.to_numpy(), crs=METRIC)
    path = tmp_path / "cameras.gpkg"
    lonlat.to_file(path, layer="cams")
    out = tmp_path / "out.gpkg"
    line = one_error_line(run_cli("analyse", "--cells", cells, "--cameras",
                                  f"{path}|layername=cams", "--out", out))
    # a property of the whole layer's extent: the line names file, layer and field
    assert f"file {path}, layer cams, field geometry" in line
    assert "coordinates look like degrees" in line and not out.exists()
