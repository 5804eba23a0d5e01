"""`make repo`'s dist/repo/plugins.xml, read by QGIS's own plugin installer code.

pyplugin_installer (shipped with QGIS in /usr/share/qgis/python) fetches the repository
from a ``file://`` URL exactly as the Plugin Manager does for a custom repository
(``Repositories.requestFetching`` -> ``xmlDownloaded``); Lever Grid must be listed with
the version of metadata.txt (read here with configparser, not through .ci/repo.py) and
a download link to the zip beside it, which must be the plugin zip.
"""

from __future__ import annotations

import configparser
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.qgis
QGIS_PYTHON = Path("/usr/share/qgis/python")


@pytest.fixture(scope="module")
def repo(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("repo")
    res = subprocess.run([sys.executable, ".ci/repo.py", str(out)], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    return out


def test_make_repo_writes_dist_repo():
    # WHEELS=0: no PyPI download in make test (tests/core/test_repo_wheels.py covers it)
    res = subprocess.run(["make", "-s", "repo", "WHEELS=0"], cwd=ROOT, capture_output=True,
                         text=True, timeout=600)
    assert res.returncode == 0, res.stderr[-3000:]
    assert (ROOT / "dist" / "repo" / "plugins.xml").is_file()
    assert zipfile.is_zipfile(ROOT / "dist" / "repo" / "lever_grid.zip")


def test_qgis_plugin_installer_lists_lever_grid(qgis_app, repo, monkeypatch):
    monkeypatch.syspath_prepend(str(QGIS_PYTHON))
    from pyplugin_installer import installer_data as data
    from qgis.core import QgsSettings

    url = (repo / "plugins.xml").as_uri()
    settings = QgsSettings()
    settings.remove(data.reposGroup)
    settings.setValue(f"{data.reposGroup}/Intranet/url", url)
    settings.setValue(f"{data.reposGroup}/Intranet/enabled", True)
    repositories = data.Repositories()
    repositories.load()
    data.plugins.clearRepoCache()
    fetched = []
    repositories.repositoryFetched.connect(fetched.append)
    repositories.requestFetching("Intranet")
    deadline = time.monotonic() + 30
    while repositories.fetchingInProgress() and time.monotonic() < deadline:
        qgis_app.processEvents()
        time.sleep(0.01)
    state = repositories.all()["Intranet"]
    assert fetched == ["Intranet"]
    assert state["state"] == data.Repositories.STATE_LOADED, state["error"]

    listed = data.plugins.repoCache["Intranet"]
    assert [p["id"] for p in listed] == ["lever_grid"]
    plugin = listed[0]
    meta = configparser.ConfigParser(interpolation=None)
    meta.read(ROOT / "metadata.txt", encoding="utf-8")
    assert plugin["name"] == meta["general"]["name"] == "Lever Grid"
    assert plugin["version_available"] == meta["general"]["version"]
    assert plugin["download_url"] == (repo / "lever_grid.zip").as_uri()
    assert plugin["filename"] == "lever_grid.zip"
    assert not plugin["experimental"] and not plugin["deprecated"]
    with zipfile.ZipFile(repo / "lever_grid.zip") as zf:
        shipped = configparser.ConfigParser(interpolation=None)
        shipped.read_string(zf.read("lever_grid/metadata.txt").decode("utf-8"))
    assert shipped["general"]["version"] == plugin["version_available"]
    settings.remove(data.reposGroup)


def test_repo_for_an_intranet_server(tmp_path):
    res = subprocess.run([sys.executable, ".ci/repo.py", str(tmp_path),
                          "http://intranet.example/lever-grid"], cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    xml = (tmp_path / "plugins.xml").read_text(encoding="utf-8")
    assert "<download_url>http://intranet.example/lever-grid/lever_grid.zip</download_url>" \
        in xml
