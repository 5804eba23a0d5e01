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
    assert "Fix: in a terminal run sudo apt install " in ours[0]
    assert "Install dependencies…" in ours[0]
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
