"""The pip package in plain venvs on PyPI wheels, on Python 3.11, 3.12 and 3.13.

For each interpreter (pyenv builds under /root/.pyenv/versions, or LEVER_GRID_PYTHONS)
two venvs are kept in /var/cache/lever-grid/venvs (LEVER_GRID_VENVS), rebuilt when
pyproject.toml (the dependencies) changes: "full" with ``WHEEL[map,excel]`` and "plain" with the
wheel alone. The newest dist/lever_grid-*.whl (``make wheel``) is installed into both
before the tests (``--no-deps --force-reinstall``: the code under test, the dependencies
as pip resolved them). Every command runs outside the checkout, so only the installed
package is imported.

The figures are the contract's: the sample village's incidents 307 -> 125 in
January-May, -59.28 %, over 14 cells.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import pytest

from tests.conftest import ROOT

PYENV = Path(os.environ.get("PYENV_ROOT", "/root/.pyenv")) / "versions"
PYTHONS = os.environ.get("LEVER_GRID_PYTHONS", "3.11.7 3.12.1 3.13.0").split()
CACHE = Path(os.environ.get("LEVER_GRID_VENVS", "/var/cache/lever-grid/venvs"))
#: the oldest series the package declares (pyproject: shapely>=2.1), tried on 3.11
OLDEST = {"3.11": ["shapely<2.2"]}

GEOJSON = ("blind_spots", "briefing", "camera_views", "cameras", "cell_stats", "cells",
           "incidents", "overlap")
SUMMARY = ("summary.csv", "summary.md", "summary.html")
VILLAGE = "village: incidents 307 -> 125 (-59.28 %)"
MAP_HINT = "pip install 'lever-grid[map]'"

pytestmark = pytest.mark.package


def wheel() -> Path:
    wheels = sorted((ROOT / "dist").glob("lever_grid-*.whl"), key=lambda p: p.stat().st_mtime)
    assert wheels, "no wheel in dist/: run `make wheel` first (make test does)"
    return wheels[-1]


def key() -> str:
    digest = hashlib.sha256()
    digest.update((ROOT / "pyproject.toml").read_bytes())
    return digest.hexdigest()[:12]


def run(cmd: list, cwd: Path, **kw) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PYTHONNOUSERSITE"] = "1"
    return subprocess.run([str(c) for c in cmd], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=kw.pop("timeout", 900), **kw)


def venv(version: str, kind: str, tmp: Path) -> Path:
    """A cached venv of ``kind`` (full/plain) on pyenv's Python ``version``, with the
    current wheel installed."""
    python = PYENV / version / "bin" / "python"
    if not python.exists():
        pytest.fail(f"Python {version} not found at {python} (set LEVER_GRID_PYTHONS)")
    series = ".".join(version.split(".")[:2])
    target = CACHE / f"py{version}-{kind}-{key()}"
    ready = target / ".ready"
    whl = wheel()
    if not ready.exists():
        for old in CACHE.glob(f"py{version}-{kind}-*"):
            shutil.rmtree(old, ignore_errors=True)
        CACHE.mkdir(parents=True, exist_ok=True)
        res = run([python, "-m", "venv", target], tmp)
        assert res.returncode == 0, res.stderr
        spec = f"{whl}[map,excel]" if kind == "full" else str(whl)
        constraints = tmp / f"constraints-{series}.txt"
        constraints.write_text("\n".join(OLDEST.get(series, [])) + "\n", encoding="utf-8")
        res = run([target / "bin" / "pip", "install", "-q", "-c", constraints, spec], tmp)
        assert res.returncode == 0, res.stderr[-3000:]
        ready.write_text(spec, encoding="utf-8")
    res = run([target / "bin" / "pip", "install", "-q", "--no-deps", "--force-reinstall", whl],
              tmp)
    assert res.returncode == 0, res.stderr[-3000:]
    return target


def gpkg_tables(path: Path) -> dict[str, int]:
    """Layer name -> row count, read with sqlite3 (independent of the package's readers)."""
    with sqlite3.connect(path) as db:
        names = [r[0] for r in db.execute("SELECT table_name FROM gpkg_contents")]
        return {n: db.execute(f'SELECT COUNT(*) FROM "{n}"').fetchone()[0] for n in names}


def demo(env: Path, out: Path) -> subprocess.CompletedProcess:
    res = run([env / "bin" / "lever-grid", "demo", "--out", out], out.parent)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr, res.stderr[-3000:]
    assert VILLAGE in res.stdout, res.stdout
    rows = [line for line in res.stdout.splitlines() if line[:4].strip().isdigit()]
    assert [int(r.split()[0]) for r in rows] == list(range(1, 15))
    tables = gpkg_tables(out / "analysis.gpkg")
    assert tables["cell_stats"] == 14 and tables["cells"] == 14, tables
    for name in ("camera_views", "overlap", "blind_spots", "office_stats", "cameras"):
        assert tables.get(name, 0) > 0, (name, tables)
    for name in GEOJSON:
        assert (out / "geojson" / f"{name}.geojson").stat().st_size > 100, name
    for name in SUMMARY:
        assert (out / "geojson" / name).stat().st_size > 100, name
    return res


@pytest.mark.parametrize("version", PYTHONS)
def test_wheel_with_extras_runs_the_demo(version, tmp_path):
    env = venv(version, "full", tmp_path)
    res = run([env / "bin" / "python", "-c", "import sys, lever_grid.paths as p, numpy, "
               "shapely; print(sys.version_info[:2], p.resources_dir(), numpy.__version__, "
               "shapely.__version__)"], tmp_path)
    assert res.returncode == 0, res.stderr
    assert str(env) in res.stdout and "site-packages/lever_grid/resources" in res.stdout
    assert res.stdout.startswith(f"({version.split('.')[0]}, {version.split('.')[1]})")
    out = tmp_path / "demo"
    demo(env, out)
    assert (out / "map.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert (out / "map.png").stat().st_size > 50_000
    assert (out / "map.pdf").read_bytes()[:5] == b"%PDF-"
    # the factory audit: the bundled CAD plan (DXF through the wheels' GDAL)
    factory = tmp_path / "factory"
    res = run([env / "bin" / "lever-grid", "demo", "--factory", "--out", factory], tmp_path)
    assert res.returncode == 0 and "Traceback" not in res.stderr, res.stderr[-3000:]
    assert "site: 180 incidents" in res.stdout, res.stdout
    # python -m works the same
    res = run([env / "bin" / "python", "-m", "lever_grid", "--help"], tmp_path)
    assert res.returncode == 0 and "demo" in res.stdout


@pytest.mark.parametrize("version", PYTHONS)
def test_plain_wheel_names_the_missing_extras(version, tmp_path):
    env = venv(version, "plain", tmp_path)
    lever = env / "bin" / "lever-grid"
    for module in ("matplotlib", "openpyxl"):
        res = run([env / "bin" / "python", "-c", f"import {module}"], tmp_path)
        assert res.returncode != 0, f"{module} should not be installed without the extra"
    out = tmp_path / "demo"
    res = demo(env, out)  # everything but the map, and how to get the map
    assert not (out / "map.png").exists()
    assert f"lever-grid demo needs matplotlib for the map: {MAP_HINT}" in res.stderr
    res = run([lever, "map", out / "analysis.gpkg", "--png", tmp_path / "m.png"], tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == f"lever-grid map needs matplotlib: {MAP_HINT}"
    sheet = tmp_path / "incidents.xlsx"
    sheet.write_bytes(b"PK")  # never opened: the missing package is named first
    sample = env / "lib" / f"python{'.'.join(version.split('.')[:2])}" / "site-packages" / \
        "lever_grid" / "resources" / "sample" / "yangwu.gpkg"
    res = run([lever, "incidents", "--cells", f"{sample}|layername=cells", "--incidents",
               sheet, "--out", tmp_path / "i.gpkg"], tmp_path)
    assert res.returncode == 2
    assert res.stderr.strip() == ("lever-grid incidents needs openpyxl to read incidents.xlsx: "
                                  "pip install 'lever-grid[excel]' (or save the sheet as CSV)")
    assert not (tmp_path / "i.gpkg").exists()
