"""Install dependencies… from PyPI on stock Debian 12 / QGIS 3.22 (`make test-pypi`).

Not part of `make test`: it needs PyPI and compiles shapely and pyogrio (about 3–5 min on
two cores; pip 23.0 of Debian 12 does not cache wheels built with --no-binary), which is
over the desktop tier's time budget. Run it after changing lever_grid/deps.py's installer.
"""

from __future__ import annotations

import pytest

from tests.conftest import ARTIFACTS, ROOT, SAMPLE
from tests.desktop.cell_stats import assert_same_stats, params
from tests.desktop.desktop import CACHE, Stock, install_plugin_zip, run_desktop, tracebacks

pytestmark = pytest.mark.desktop
ZIP = ROOT / "dist" / "lever_grid.zip"


def test_stock_installer_builds_shapely_and_pyogrio_from_pypi(tmp_path_factory,
                                                             host_cli):
    """Install dependencies… on stock Debian 12 / QGIS 3.22 from PyPI: the shapely and
    pyogrio wheels carry their own GEOS/GDAL, so the installer compiles them against the
    system's (libgeos-dev, libgdal-dev, a compiler: what `make install` puts on this
    machine); pandas, geopandas and tzdata come as wheels, numpy/pyproj stay Debian's.
    The plugin then activates in the same session and its analysis equals the CLI's.
    pip's cache (built wheels) is kept in CACHE/pip, so only the first run compiles."""
    base = tmp_path_factory.mktemp("stockpypi")
    install_plugin_zip(ZIP, base)
    shot = base / "stock_installed.png"
    job = {"install": {"wheels": None, "timeout": 1200},
           "runs": {"full": params(str(SAMPLE), str(base / "out.gpkg"))},
           "open_dock": True, "screenshot": str(shot)}
    result = run_desktop(job, base, timeout=1500, where=Stock(base / "home"),
                         PIP_CONFIG_FILE="/dev/null", PIP_CACHE_DIR=str(CACHE / "pip"))
    assert "error" not in result, result.get("error")
    install = result["install"]
    assert install is not None and install["ok"], install
    names = {n.split("==")[0].lower() for n in install["installed"]}
    assert {"shapely", "pyogrio", "pandas", "geopandas"} <= names, install
    assert not {"numpy", "pyproj"} & names, install  # QGIS's own stay
    assert "shapely, pyogrio built from source" in install["message"], install
    assert result["activated"] is True and "levergrid" in result["providers"]
    assert result["dock_visible"] is True
    assert tracebacks(result) == [] and result["returncode"] == 0, result["stderr"]
    assert "double free" not in result["stderr"]
    assert_same_stats(result["cell_stats"]["full"], host_cli)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot.replace(ARTIFACTS / "stock_qgis322_installed.png")
