"""Fixtures shared by the desktop tests."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.conftest import ROOT, SAMPLE
from tests.desktop.cell_stats import cli_args, params, stats_of


@pytest.fixture(scope="session")
def host_cli(tmp_path_factory) -> dict:
    """cell_stats of the CLI on this machine (QGIS 3.22 venv): the oracle."""
    out = tmp_path_factory.mktemp("cli13") / "cli.gpkg"
    p = params(str(SAMPLE), str(out))
    res = subprocess.run([sys.executable, "-m", "lever_grid", "analyse", *cli_args(p)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    stats = stats_of(out)
    assert sum(r["incidents_current"] for r in stats.values()) > 0
    return stats
