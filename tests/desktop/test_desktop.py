"""The packaged plugin inside the real QGIS desktop (Xvfb) and inside qgis_process.bin.

Both run levergrid:analyse from dist/lever_grid.zip on the bundled sample village: once
with cameras as circles of their range (the input QGIS's own native chain reproduces, see
tests/qgis/test_sample_oracle.py) and once with everything (sectors, buildings, roads).
The blind area per cell must agree with the CLI's to 1e-6 relative.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pyogrio
import pytest

from tests.conftest import ARTIFACTS, ROOT, SAMPLE, circle_cameras_gpkg
from tests.desktop.desktop import install_plugin_zip, qgis_process, run_desktop

pytestmark = pytest.mark.desktop
ZIP = ROOT / "dist" / "lever_grid.zip"


def run_params(kind: str, circles, out) -> dict:
    if kind == "circles":
        return {"CELLS": f"{SAMPLE}|layername=cells", "CAMERAS": f"{circles}|layername=cameras",
                "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out)}
    return {"CELLS": f"{SAMPLE}|layername=cells", "CAMERAS": f"{SAMPLE}|layername=cameras",
            "BUILDINGS": f"{SAMPLE}|layername=buildings", "ROADS": f"{SAMPLE}|layername=roads",
            "MIN_BLIND_AREA": 1.0, "OUTPUT": str(out)}


def cli_args(params: dict) -> list[str]:
    keys = {"CELLS": "--cells", "CAMERAS": "--cameras", "BUILDINGS": "--buildings",
            "ROADS": "--roads", "MIN_BLIND_AREA": "--min-blind-area", "OUTPUT": "--out"}
    return [a for k, v in params.items() for a in (keys[k], str(v))]


def blind_of(gpkg) -> dict:
    stats = pyogrio.read_dataframe(gpkg, layer="cell_stats")
    return {str(k): v for k, v in zip(stats.cell_id, stats.blind_m2, strict=True)}


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict:
    """CLI results for both runs: {run: (params-maker, blind per cell)}."""
    tmp = tmp_path_factory.mktemp("cli")
    circles = circle_cameras_gpkg(tmp / "circles.gpkg")
    out = {}
    for kind in ("circles", "full"):
        params = run_params(kind, circles, tmp / f"cli_{kind}.gpkg")
        res = subprocess.run([sys.executable, "-m", "lever_grid", "analyse", *cli_args(params)],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert res.returncode == 0, res.stderr
        out[kind] = (circles, blind_of(params["OUTPUT"]))
        assert len(out[kind][1]) == 14
    return out


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    assert ZIP.exists(), "run `make package` first (make test does)"
    base = tmp_path_factory.mktemp("qgisprofile")
    plugin = install_plugin_zip(ZIP, base)
    assert (plugin / "metadata.txt").exists() and (plugin / "__init__.py").exists()
    return base


def test_desktop_runs_analyse_on_sample(profile, runs, tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "desktop_analyse.png"
    job = {"runs": {k: run_params(k, c, tmp_path / f"desktop_{k}.gpkg")
                    for k, (c, _) in runs.items()},
           "show": "full", "screenshot": str(shot)}
    result = run_desktop(job, profile)
    assert "error" not in result, result.get("error")
    assert result["plugin_loaded"] is True
    assert "levergrid" in result["providers"]
    assert result["geos_in_process"].startswith("3.11")
    assert "double free" not in result["stderr"] and "Aborted" not in result["stderr"]
    assert result["returncode"] == 0, result["stderr"]
    for kind, (_, cli) in runs.items():
        got = result["blind_m2"][kind]
        assert set(got) == set(cli)
        for cell_id, blind in cli.items():
            assert got[cell_id] == pytest.approx(blind, rel=1e-6), (kind, cell_id)
    assert shot.exists() and shot.stat().st_size > 20_000


@pytest.mark.parametrize("kind", ["circles", "full"])
def test_qgis_process_runs_analyse_from_the_zip(profile, runs, tmp_path, kind):
    listing = qgis_process("list", base=profile)
    assert "levergrid:analyse" in listing.stdout, listing.stderr[-2000:]
    out = tmp_path / "qp.gpkg"
    params = run_params(kind, runs[kind][0], out)
    res = qgis_process("run", "levergrid:analyse", "--json", "--",
                       *[f"{k}={v}" for k, v in params.items()], base=profile)
    assert res.returncode == 0, res.stderr[-3000:]
    payload = json.loads(res.stdout[res.stdout.index("{"):])
    assert payload["results"]["CELL_STATS"] == f"{out}|layername=cell_stats"
    got = blind_of(out)
    for cell_id, blind in runs[kind][1].items():
        assert got[cell_id] == pytest.approx(blind, rel=1e-6), cell_id
