"""Stock QGIS 3.40 LTR on Debian 13, from dist/lever_grid.zip alone (issue 13).

The root filesystem comes from Debian's packages (``.ci/debian13-qgis``, cached outside the
repository): qgis, python3-qgis, python3-geopandas, python3-pyogrio, python3-scipy, Xvfb;
nothing of this repository but the zip and the sample village goes in. There,
``qgis_process`` and the real desktop (Xvfb; plugin loaded, dock opened, analyse run
in-process) must give the same cell_stats as the CLI on this machine's QGIS 3.22 venv, to
1e-9 relative, computed in the same test run (the oracle is the host CLI, not a number).

The installer: a throw-away copy of that root filesystem without Debian's python3-shapely
and python3-geopandas, no network at all, a folder of wheels downloaded for Python 3.13:
Install dependencies… puts them into the profile, the plugin activates, and a fresh
qgis_process with the same profile runs the analysis.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from tests.conftest import ARTIFACTS, ROOT, SAMPLE
from tests.desktop.cell_stats import assert_same_stats, params, stats_of
from tests.desktop.desktop import (
    Chroot,
    install_plugin_zip,
    qgis_process,
    run_desktop,
    tracebacks,
    wheel_folder,
)

pytestmark = pytest.mark.desktop
ZIP = ROOT / "dist" / "lever_grid.zip"
#: What the offline folder holds: wheels for Debian 13's Python 3.13 (manylinux x86_64).
WHEELS = ["shapely>=2.1,<2.2", "geopandas==1.0.1"]
@pytest.fixture(scope="module")
def debian13() -> Path:
    return Chroot.ensure()


def new_work(tmp_path_factory, name: str) -> Path:
    assert ZIP.exists(), "run `make package` first (make test does)"
    work = tmp_path_factory.mktemp(name)
    shutil.copyfile(SAMPLE, work / "yangwu.gpkg")
    install_plugin_zip(ZIP, work / "qgis")
    return work


@pytest.fixture(scope="module")
def work(debian13, tmp_path_factory) -> Path:
    return new_work(tmp_path_factory, "debian13")


def test_debian13_has_stock_qgis_340(debian13, work):
    where = Chroot(work)
    res = where.run("python3", "-c", "import json, shapely, geopandas, pyogrio, qgis.core as q;"
                    "print(json.dumps([q.Qgis.QGIS_VERSION, shapely.__version__, "
                    "shapely.geos_version_string, q.Qgis.geosVersion(), geopandas.__version__,"
                    " shapely.__file__]))")
    assert res.returncode == 0, res.stderr
    qgis, shp, geos, qgis_geos, gpd, origin = json.loads(res.stdout.strip().splitlines()[-1])
    assert qgis.startswith("3.40.") and shp.startswith("2.1") and gpd.startswith("1.0")
    assert geos.split(".")[:2] == qgis_geos.split(".")[:2] == ["3", "13"]
    assert origin.startswith("/usr/lib/python3/dist-packages/")  # Debian's, no venv


def test_qgis_process_debian13_matches_host_cli(work, host_cli):
    where = Chroot(work)
    out = work / "qp.gpkg"
    p = params(where.path(work / "yangwu.gpkg"), where.path(out))
    base = work / "qgis"
    res = qgis_process("run", "levergrid:analyse", "--json", "--",
                       *[f"{k}={v}" for k, v in p.items()], base=base, where=where, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stdout + res.stderr
    payload = json.loads(res.stdout[res.stdout.index("{"):])
    assert payload["results"]["CELL_STATS"] == f"{p['OUTPUT']}|layername=cell_stats"
    assert_same_stats(stats_of(out), host_cli)


def test_desktop_debian13_dock_and_analyse(work, host_cli):
    where = Chroot(work)
    shot = work / "desktop13.png"
    job = {"runs": {"full": params(where.path(work / "yangwu.gpkg"),
                                   where.path(work / "desktop.gpkg"))},
           "open_dock": True, "screenshot": where.path(shot)}
    result = run_desktop(job, work / "qgis", timeout=600, where=where)
    assert "error" not in result, result.get("error")
    assert result["qgis_version"].startswith("3.40.")
    assert result["plugin_loaded"] and result["plugin_class"] == "LeverGridPlugin"
    assert "levergrid" in result["providers_at_start"]
    assert result["dock_visible"] is True
    assert result["geos_in_process"].startswith("3.13")
    assert tracebacks(result) == []
    assert result["returncode"] == 0, result["stderr"]
    assert "double free" not in result["stderr"] and "Aborted" not in result["stderr"]
    assert_same_stats(result["cell_stats"]["full"], host_cli)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(shot, ARTIFACTS / "debian13_desktop.png")
    assert shot.stat().st_size > 20_000


# --- the offline installer ----------------------------------------------------------------

def test_installer_offline_on_debian13(debian13, host_cli, tmp_path_factory):
    work = new_work(tmp_path_factory, "installer13")
    wheels = work / "wheels"
    shutil.copytree(wheel_folder("3.13", WHEELS), wheels)
    where = Chroot(work, overlay=work / "overlay", net=False)
    # a Debian 13 QGIS without Debian's shapely and geopandas (the copy, not the cache)
    res = where.run("dpkg", "--remove", "--force-depends", "python3-geopandas",
                    "python3-shapely")
    assert res.returncode == 0, res.stderr
    probe = where.run("python3", "-c", "import importlib.util as u, socket\n"
                      "print(u.find_spec('shapely'), u.find_spec('geopandas'))\n"
                      "try:\n socket.create_connection(('151.101.0.223', 443), timeout=5)\n"
                      "except OSError as e:\n print('blocked', e)\n")
    assert probe.stdout.startswith("None None") and "blocked" in probe.stdout, probe

    shot = work / "installer13.png"
    job = {"install": {"wheels": where.path(wheels), "timeout": 300},
           "runs": {"full": params(where.path(work / "yangwu.gpkg"),
                                   where.path(work / "installed.gpkg"))},
           "open_dock": True, "screenshot": where.path(shot)}
    result = run_desktop(job, work / "qgis", timeout=600, where=where)
    assert "error" not in result, result.get("error")
    assert result["plugin_class"] == "DependenciesPlugin"
    assert "levergrid" not in result["providers_at_start"]
    start = [text for title, text in result["messages_at_start"] if title == "Lever Grid"]
    assert len(start) == 1 and "shapely is missing" in start[0] \
        and "geopandas is missing" in start[0], result["messages_at_start"]
    assert "sudo apt install python3-shapely python3-geopandas" in start[0]
    assert result["install"]["ok"], result["install"]
    names = sorted(n.split("==")[0].lower() for n in result["install"]["installed"])
    assert names == ["geopandas", "shapely"], result["install"]
    assert "--no-index" in result["install"]["log"]
    assert result["activated"] is True and "levergrid" in result["providers"]
    assert result["dock_visible"] is True
    assert tracebacks(result) == [] and result["returncode"] == 0, result["stderr"]
    assert_same_stats(result["cell_stats"]["full"], host_cli)
    deps_dir = work / "qgis" / "profiles" / "default" / "python" / "dependencies"
    assert (deps_dir / "shapely").is_dir() and (deps_dir / "geopandas").is_dir()
    shutil.copyfile(shot, ARTIFACTS / "debian13_installed.png")

    # a fresh start with the same profile: the plugin works from the profile's folder
    out = work / "after.gpkg"
    p = params(where.path(work / "yangwu.gpkg"), where.path(out))
    res = qgis_process("run", "levergrid:analyse", "--json", "--",
                       *[f"{k}={v}" for k, v in p.items()], base=work / "qgis", where=where,
                       timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stdout + res.stderr
    assert_same_stats(stats_of(out), host_cli)


def test_chroot_mounts_never_outlive_the_command(debian13, tmp_path):
    """A failing or killed command leaves no mount behind (private mount namespace)."""
    where = Chroot(tmp_path)
    failed = where.run("sh", "-c", "test -d /proc/self && test -c /dev/null && exit 7")
    assert failed.returncode == 7, failed.stderr
    killed = where.run("sh", "-c", "kill -9 $$")
    assert killed.returncode != 0
    mounts = Path("/proc/self/mountinfo").read_text()
    assert str(debian13) not in mounts
    assert str(tmp_path) not in mounts


def test_dock_workflow_debian13(debian13, tmp_path_factory):
    """The whole dock workflow of test_desktop_gui.py (sample, analyse in a task, styled
    results, a live face edit under 0.5 s) in stock QGIS 3.40."""
    from tests.desktop.test_desktop_gui import run_dock

    result = run_dock("en_US", tmp_path_factory, debian13=True)
    assert result["group"] == "Lever Grid results"
    assert result["status"].startswith("Coverage of cells "), result["status"]
