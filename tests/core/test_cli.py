"""The command line: results, bad input (exit 2, one line, no output), no qgis needed."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from tests.conftest import METRIC, ROOT, cameras_frame


def run_cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lever_grid", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, env=env, timeout=300)


@pytest.fixture
def inputs(tmp_path, two_cells) -> Path:
    gpkg = tmp_path / "village.gpkg"
    two_cells.to_file(gpkg, layer="cells")
    cameras_frame([
        {"camera_id": "c1", "kind": "public1", "range_m": 30, "x": 50, "y": 50},
        {"camera_id": "c2", "kind": "二类", "range_m": 20, "heading_deg": 90, "fov_deg": 90,
         "x": 150, "y": 50},
    ]).to_file(gpkg, layer="cameras")
    return gpkg


def test_analyse_writes_contract_layers(inputs, tmp_path):
    out = tmp_path / "out.gpkg"
    res = run_cli("analyse", "--cells", inputs, "--cameras", inputs, "--out", out)
    assert res.returncode == 0, res.stderr
    layers = set(pyogrio.list_layers(out)[:, 0])
    assert {"cells", "camera_views", "overlap", "blind_spots", "cell_stats",
            "office_stats"} <= layers
    stats = gpd.read_file(out, layer="cell_stats").set_index("cell_id")
    assert stats.loc[1, "covered_m2"] == pytest.approx(2822.8936, rel=1e-7)
    # a 90° sector of 20 m split into n equal arc steps: n = 16 in exact arithmetic, 17
    # where QGIS's floating point measures the arc a hair over 90° (tests/qgis checks which)
    views = gpd.read_file(out, layer="camera_views").set_index("camera_id")
    n = shapely.get_num_coordinates(views.geometry["c2"]) - 3
    assert n in (16, 17)
    sector = 0.5 * 20**2 * n * math.sin(math.radians(90 / n))
    assert stats.loc[2, "covered_m2"] == pytest.approx(sector, rel=1e-9)
    assert stats.crs.to_epsg() == 4547
    for col in ("cell_id", "area_m2", "covered_m2", "covered_share", "blind_m2", "cameras"):
        assert col in stats.reset_index().columns


def _one_error_line(res: subprocess.CompletedProcess) -> str:
    assert res.returncode == 2, (res.returncode, res.stdout, res.stderr)
    assert "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1, res.stderr
    return errors[0]


def test_missing_cameras_layer(inputs, tmp_path):
    gpd.GeoDataFrame({"x": [1]}, geometry=[shapely.box(0, 0, 1, 1)], crs=METRIC).to_file(
        inputs, layer="buildings")
    out = tmp_path / "out.gpkg"
    line = _one_error_line(run_cli("analyse", "--cells", f"{inputs}|layername=cells",
                                   "--cameras", f"{inputs}|layername=cams", "--out", out))
    assert f"file {inputs}" in line and "layer cams" in line and "no such layer" in line
    assert not out.exists()


def test_range_not_positive(inputs, tmp_path):
    cams = tmp_path / "cams.gpkg"
    cameras_frame([{"camera_id": "c1", "kind": "public1", "range_m": 0, "x": 5, "y": 5},
                   {"camera_id": "c2", "kind": "public1", "range_m": -3, "x": 9, "y": 5}]
                  ).to_file(cams, layer="cameras")
    out = tmp_path / "out.gpkg"
    line = _one_error_line(run_cli("analyse", "--cells", inputs, "--cameras", cams,
                                   "--out", out))
    assert "layer cameras" in line and "feature 1" in line and "field range_m" in line
    assert "range_m must be > 0" in line and f"file {cams}" in line
    assert not out.exists()


def test_cells_in_degrees(inputs, tmp_path, two_cells):
    # lon/lat numbers stored under a metric CRS: 0.001° squares in "metres"
    bad = tmp_path / "cells_deg.gpkg"
    lonlat = two_cells.to_crs(4326)
    gpd.GeoDataFrame(lonlat.drop(columns="geometry"), geometry=lonlat.geometry.to_numpy(),
                     crs=METRIC).to_file(bad, layer="cells")
    out = tmp_path / "out.gpkg"
    line = _one_error_line(run_cli("analyse", "--cells", bad, "--cameras", inputs,
                                   "--out", out))
    assert "coordinates look like degrees" in line and "layer cells" in line
    assert "field geometry" in line and not out.exists()


def test_empty_file(inputs, tmp_path):
    empty = tmp_path / "cameras.gpkg"
    empty.write_bytes(b"")
    out = tmp_path / "out.gpkg"
    line = _one_error_line(run_cli("analyse", "--cells", inputs, "--cameras", empty,
                                   "--out", out))
    assert f"file {empty}" in line and "empty" in line and not out.exists()


def test_no_crs_needs_assume_crs(tmp_path, two_cells, inputs):
    shp = tmp_path / "cells.shp"
    two_cells.set_crs(None, allow_override=True).to_file(shp)
    out = tmp_path / "out.gpkg"
    line = _one_error_line(run_cli("analyse", "--cells", shp, "--cameras", inputs,
                                   "--out", out))
    assert "no CRS" in line and "--assume-crs" in line
    res = run_cli("analyse", "--cells", shp, "--cameras", inputs, "--assume-crs", "EPSG:4547",
                  "--out", out)
    assert res.returncode == 0, res.stderr and out.exists()


def test_previous_output_survives_a_failed_run(inputs, tmp_path):
    out = tmp_path / "out.gpkg"
    assert run_cli("analyse", "--cells", inputs, "--cameras", inputs, "--out", out).returncode == 0
    before = out.read_bytes()
    bad = run_cli("analyse", "--cells", inputs, "--cameras", tmp_path / "nope.gpkg", "--out", out)
    assert bad.returncode == 2
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir() if ".part" in p.name] == []


BLOCK_QT = textwrap.dedent("""
    import importlib.abc, sys
    class Block(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path=None, target=None):
            if name.split('.')[0] in ('qgis', 'PyQt5', 'sip', 'PyQt6'):
                raise ImportError(f'blocked for this test: {name}')
    sys.meta_path.insert(0, Block())
""")


def test_core_and_cli_work_without_qgis_and_qt(inputs, tmp_path):
    (tmp_path / "sitecustomize.py").write_text(BLOCK_QT)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(tmp_path), str(ROOT)]))
    probe = subprocess.run(
        [sys.executable, "-c", "import lever_grid.core, lever_grid.core.pipeline, "
         "lever_grid.cli\ntry:\n import qgis\nexcept ImportError:\n print('blocked')"],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert probe.returncode == 0, probe.stderr
    assert probe.stdout.strip() == "blocked"
    out = tmp_path / "out.gpkg"
    res = run_cli("analyse", "--cells", inputs, "--cameras", inputs, "--out", out, env=env)
    assert res.returncode == 0, res.stderr
    assert "blind_spots" in pyogrio.list_layers(out)[:, 0]
    modules = subprocess.run(
        [sys.executable, "-c", "import sys, lever_grid.cli, lever_grid.core.pipeline, "
         "lever_grid.core.briefing.geojson, lever_grid.core.briefing.mapping\n"
         "print(sorted(m for m in sys.modules if m.split('.')[0] in ('qgis','PyQt5')))"],
        capture_output=True, text=True, env=env, cwd=tmp_path)
    assert modules.stdout.strip() == "[]"


def test_core_sources_never_import_qgis_or_qt():
    for path in (ROOT / "lever_grid" / "core").rglob("*.py"):
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            assert not stripped.startswith(("import qgis", "from qgis", "import PyQt",
                                            "from PyQt")), f"{path}: {line}"


def test_no_overlap_gives_the_same_figures(tmp_path):
    from tests.conftest import SAMPLE

    base = ["analyse", "--cells", f"{SAMPLE}|layername=cells", "--cameras",
            f"{SAMPLE}|layername=cameras", "--buildings", f"{SAMPLE}|layername=buildings"]
    full, fast = tmp_path / "full.gpkg", tmp_path / "fast.gpkg"
    assert run_cli(*base, "--out", full).returncode == 0
    assert run_cli(*base, "--no-overlap", "--out", fast).returncode == 0
    a = pyogrio.read_dataframe(full, layer="cell_stats")
    b = pyogrio.read_dataframe(fast, layer="cell_stats")
    assert len(pyogrio.read_dataframe(fast, layer="overlap")) == 0
    assert len(pyogrio.read_dataframe(full, layer="overlap")) > 14
    for col in ("covered_m2", "blind_m2", "cameras"):
        assert np.allclose(a[col], b[col], rtol=1e-9), col
