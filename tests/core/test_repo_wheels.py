"""`.ci/wheels.py` (`make repo`'s dist/repo/wheels): the pip command lines it builds.

Nothing is downloaded here (that needs PyPI; `make repo` does it). The requirements are
the table of docs/install.md, spelled out by hand.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

from tests.conftest import ROOT


def _wheels():
    spec = importlib.util.spec_from_file_location("ci_wheels", ROOT / ".ci" / "wheels.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


wheels = _wheels()

DOCUMENTED = ["numpy>=1.24", "shapely>=2.1,<2.2", "pandas>=2.0", "pyproj>=3.4", "scipy>=1.10",
              "pyogrio>=0.7", "geopandas>=1.0", "networkx>=2.6"]


def _option(cmd: list[str], name: str) -> list[str]:
    return [cmd[i + 1] for i, arg in enumerate(cmd) if arg == name]


def test_debian13_command_line():
    dest = Path("/x/wheels")
    cmd = wheels.download_command("debian13", dest, python="py")
    assert cmd[:4] == ["py", "-m", "pip", "download"]
    assert _option(cmd, "--only-binary") == [":all:"]  # the installer takes wheels only
    assert _option(cmd, "--python-version") == ["3.13"]
    assert _option(cmd, "--implementation") == ["cp"] and _option(cmd, "--abi") == ["cp313"]
    assert set(_option(cmd, "--platform")) == {"manylinux_2_28_x86_64", "manylinux_2_27_x86_64",
                                               "manylinux_2_17_x86_64", "manylinux2014_x86_64"}
    assert _option(cmd, "-d") == [str(dest)]
    assert cmd[-len(DOCUMENTED) - 1:] == DOCUMENTED + ["numpy==2.2.4"]  # Debian 13's numpy
    assert "--no-index" not in cmd and "--no-deps" not in cmd  # the closure, from PyPI


def test_windows_command_line():
    cmd = wheels.download_command("windows", Path("w"), python="py")
    assert _option(cmd, "--python-version") == ["3.12"] and _option(cmd, "--abi") == ["cp312"]
    assert _option(cmd, "--platform") == ["win_amd64"]
    assert cmd[-len(DOCUMENTED):] == DOCUMENTED


def test_check_resolves_from_the_folder_alone():
    dest, scratch = Path("/x/wheels"), Path("/x/scratch")
    for target in ("debian13", "windows"):
        cmd = wheels.check_command(target, dest, scratch, python="py")
        assert "--no-index" in cmd and _option(cmd, "--find-links") == [str(dest)]
        assert _option(cmd, "-d") == [str(scratch)]
        download = wheels.download_command(target, dest, python="py")
        assert _option(cmd, "--platform") == _option(download, "--platform")
        # the same requirements and pins as the download
        assert cmd[cmd.index(str(scratch)) + 1:] == download[download.index(str(dest)) + 1:]


def test_print_downloads_nothing(tmp_path):
    dest = tmp_path / "wheels"
    res = subprocess.run([sys.executable, ".ci/wheels.py", "--print", str(dest)], cwd=ROOT,
                         capture_output=True, text=True, timeout=60)
    assert res.returncode == 0, res.stderr
    lines = res.stdout.splitlines()
    assert len(lines) == 4 and all(" -m pip download " in ln for ln in lines)
    assert not dest.exists()
