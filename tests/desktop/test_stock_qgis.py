"""This machine's stock QGIS 3.22 (Debian 12) WITHOUT the venv, from dist/lever_grid.zip.

QGIS starts with a clean environment (no PYTHONPATH, no venv): Debian 12's own Python has
no shapely 2 and no geopandas. The plugin must load anyway: no Python error dialog, no
traceback anywhere in the message log, ONE message-bar message naming every missing
package and the apt fix, an Install dependencies… action, and no Processing provider. The
oracle for "missing" is Debian's /usr/bin/python3 itself, asked in the same clean
environment which of the packages it can find.
"""

from __future__ import annotations

import json
import subprocess

import pytest

from lever_grid import deps
from tests.conftest import ROOT
from tests.desktop.desktop import (
    Stock,
    install_plugin_zip,
    log_hook,
    qgis_process,
    read_log,
    run_desktop,
    tracebacks,
    wheel_folder,
)

pytestmark = pytest.mark.desktop
ZIP = ROOT / "dist" / "lever_grid.zip"


@pytest.fixture(scope="module")
def missing(tmp_path_factory) -> list[str]:
    """What Debian 12's own Python lacks or has too old, by its own account."""
    home = tmp_path_factory.mktemp("stockhome")
    code = ("import importlib.metadata as m, importlib.util as u, json, sys\n"
            "out = {}\n"
            "for name, dist in json.loads(sys.argv[1]):\n"
            "    try: out[name] = m.version(dist) if u.find_spec(name) else None\n"
            "    except m.PackageNotFoundError: out[name] = '?'\n"
            "print(json.dumps(out))\n")
    names = [[r.module, r.pip_name] for r in deps.REQUIREMENTS]
    res = subprocess.run(["/usr/bin/python3", "-c", code, json.dumps(names)],
                         env={"PATH": "/usr/bin:/bin", "HOME": str(home)},
                         capture_output=True, text=True, check=True)
    found = json.loads(res.stdout)
    minimum = {r.module: r.minimum for r in deps.REQUIREMENTS}
    out = [n for n, v in found.items() if v is None or not deps.at_least(v, minimum[n])]
    assert "geopandas" in out and "shapely" in out, found  # Debian 12: no shapely 2
    return out


@pytest.fixture(scope="module")
def profile(tmp_path_factory):
    assert ZIP.exists(), "run `make package` first (make test does)"
    base = tmp_path_factory.mktemp("stockprofile")
    install_plugin_zip(ZIP, base)
    return base


def test_stock_desktop_names_what_is_missing(profile, missing):
    result = run_desktop({}, profile, where=Stock(profile / "home"))
    assert "error" not in result, result.get("error")
    assert tracebacks(result) == [], tracebacks(result)
    assert "Traceback" not in result["stderr"], result["stderr"]
    assert result["returncode"] == 0, result["stderr"]
    assert result["plugin_loaded"] and result["plugin_class"] == "DependenciesPlugin"
    assert "levergrid" not in result["providers_at_start"]
    ours = [text for title, text in result["messages_at_start"] if title == "Lever Grid"]
    assert len(ours) == 1, result["messages_at_start"]
    for name in missing:
        assert name in ours[0], (name, ours[0])
    present = [r.module for r in deps.REQUIREMENTS if r.module not in missing]
    for name in present:  # numpy, pyproj, scipy: Debian's, recent enough
        assert f"{name} is missing" not in ours[0]
    # Debian 12's own python3-shapely (1.8.5) is too old: the fix is the installer, which
    # compiles shapely and pyogrio, after apt-installing what that needs
    assert ("This system's own packages are too old. Fix: run sudo apt install "
            "build-essential python3-dev libgeos-dev libgdal-dev in a terminal, then click "
            "Install dependencies…") in ours[0]
    logged = [e["text"] for e in result["message_log"] if e["tag"] == "Lever Grid"]
    assert logged and all(name in logged[0] for name in missing), result["message_log"]


def test_stock_qgis_process_loads_without_traceback(profile, missing):
    hook, log = log_hook(profile)
    where = Stock(profile / "home")
    res = qgis_process("list", base=profile, where=where, PYQGIS_STARTUP=str(hook),
                       LEVER_GRID_LOG=str(log))
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stdout + res.stderr, res.stdout[-2000:] + res.stderr[-3000:]
    assert "levergrid:" not in res.stdout
    entries = read_log(log)
    assert tracebacks(entries) == []
    ours = [e["text"] for e in entries if e["tag"] == "Lever Grid"]
    assert len(ours) == 1 and all(name in ours[0] for name in missing), entries


def test_stock_installer_refuses_a_shapely_wheel_with_another_geos(tmp_path_factory, missing):
    """Install dependencies… on Debian 12 from a folder of PyPI wheels for Python 3.11:
    shapely's wheel carries GEOS 3.13, QGIS 3.22 links GEOS 3.11 (the combination that
    killed QGIS with signal 11). The installer must refuse with that reason, leave the
    profile's folder without shapely, and QGIS must go on (no crash, no traceback)."""
    import shapely  # the venv's, built against the system GEOS: QGIS's version

    wheels = wheel_folder("3.11", ["shapely>=2.1", "geopandas>=1.0", "pandas>=2.0",
                                   "pyogrio>=0.7"],
                          constraints=["numpy==1.24.2", "pyproj==3.4.1", "geopandas<1.1"],
                          deps=True)
    assert list(wheels.glob("shapely-2.1*.whl")), list(wheels.iterdir())
    base = tmp_path_factory.mktemp("stockinstall")
    install_plugin_zip(ZIP, base)
    job = {"install": {"wheels": str(wheels), "timeout": 300}}
    result = run_desktop(job, base, where=Stock(base / "home"))
    assert "error" not in result, result.get("error")
    assert result["plugin_class"] == "DependenciesPlugin"
    install = result["install"]
    assert install is not None and install["ok"] is False, install
    host = shapely.geos_version_string
    assert install["message"].startswith("its wheel bundles GEOS 3.13"), install
    assert f"QGIS uses GEOS {host}" in install["message"]
    after = [text for title, text in result["messages_after_install"] if title == "Lever Grid"]
    assert len(after) == 1 and after[0].startswith("Installing the dependencies failed: ")
    assert f"but QGIS uses GEOS {host}" in after[0] and "--no-binary shapely" in after[0]
    assert "There is no source archive of shapely" in after[0]  # wheels only: no build
    deps_dir = base / "profiles" / "default" / "python" / "dependencies"
    assert not (deps_dir / "shapely").exists() and not (deps_dir / "geopandas").exists()
    assert result["activated"] is False and "levergrid" not in result["providers"]
    assert tracebacks(result) == [] and result["returncode"] == 0, result["stderr"]

