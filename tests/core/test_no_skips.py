"""No test hides: with CI=true a skip fails in every tier, and no test skips at all (a
missing tool or font fails with the package that brings it)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys

from tests.conftest import ROOT

#: What a skip looks like in a test file.
SKIP = re.compile(r"skipif\(|pytest\.skip\(|mark\.skip\b|importorskip")


def _run(tmp_path, ci: bool) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "CI"}
    if ci:
        env["CI"] = "true"
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:pytest_qgis", "-q",
                           "-p", "no:cacheprovider", str(tmp_path / "tests" / "core")],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)


def test_a_core_skip_fails_under_ci(tmp_path):
    tests = tmp_path / "tests"
    (tests / "core").mkdir(parents=True)
    shutil.copy(ROOT / "tests" / "conftest.py", tests / "conftest.py")
    (tests / "__init__.py").write_text("")
    (tests / "core" / "__init__.py").write_text("")
    (tests / "core" / "test_x.py").write_text(
        "import pytest\n\ndef test_skips():\n    pytest.skip('no reason')\n\n"
        "def test_passes():\n    assert True\n")
    res = _run(tmp_path, ci=False)
    assert res.returncode == 0, res.stdout
    assert "1 passed, 1 skipped" in res.stdout
    res = _run(tmp_path, ci=True)
    assert res.returncode == 1, res.stdout
    assert "CI=true: tests must not skip" in res.stdout and "1 failed, 1 passed" in res.stdout


def test_no_test_skips():
    assert SKIP.search('pytest.skip("x")') and SKIP.search("@pytest.mark.skipif(True)")
    found = []
    for path in sorted((ROOT / "tests").rglob("*.py")):
        if path.name == "test_no_skips.py":
            continue
        text = path.read_text(encoding="utf-8")
        assert "except ImportError" not in text or path.name in ("conftest.py", "test_cli.py"), \
            path  # conftest: the QGIS header line; test_cli: a script that blocks qgis
        found += [f"{path.relative_to(ROOT).as_posix()}: {m[0]}" for m in SKIP.finditer(text)]
    assert found == []
