"""The bad-input corpus through the command line (a subprocess per case).

Every case of ``tests/bad_cases.py`` runs ``python -m lever_grid`` on its own copy of
``tests/data/bad``; the copies run side by side (one per CPU) in a session fixture, and
each test then checks its case: the exit code, exactly one ``error:`` line naming what the
case says, or the logged repair, or the documented success; never a traceback or a stray
warning; every input byte-identical afterwards (sha256); no output and no ``.part`` file
after an error.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyogrio
import pytest

from tests.bad_cases import (
    BY_ID,
    CASES,
    CHECKS,
    CORPUS,
    INPUT_OPTIONS,
    OPTION_PARAMS,
    OUTPUT_OPTIONS,
    Case,
    qgis_cases,
)
from tests.conftest import ROOT

#: Layers a successful run must have written, by command.
LAYERS = {"analyse": {"cells", "camera_views", "overlap", "blind_spots", "cell_stats",
                      "office_stats"},
          "incidents": {"cell_incidents", "office_stats"}, "cells": {"cells"},
          "validate": {"problems"}}


def sha256_tree(folder: Path) -> dict[str, str]:
    """sha256 of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def copy_corpus(target: Path) -> Path:
    shutil.copytree(CORPUS, target, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    return target


@dataclass
class Run:
    case: Case
    corpus: Path
    out: Path
    out_existed: bool
    returncode: int
    stdout: str
    stderr: str
    before: dict[str, str]
    after: dict[str, str]
    leftovers: list[str]
    seconds: float


def run_case(case: Case, base: Path) -> Run:
    run_dir = base / case.id
    run_dir.mkdir(parents=True)
    corpus = copy_corpus(run_dir / "corpus")
    out = case.output(run_dir, corpus)
    existed = out.exists()
    before = sha256_tree(corpus)
    started = time.perf_counter()
    res = subprocess.run([sys.executable, "-m", "lever_grid", *case.cli_args(corpus, out)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600,
                         env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    seconds = time.perf_counter() - started
    leftovers = sorted(str(p) for p in run_dir.rglob("*") if ".part" in p.name)
    return Run(case, corpus, out, existed, res.returncode, res.stdout, res.stderr, before,
               sha256_tree(corpus), leftovers, seconds)


@pytest.fixture(scope="session")
def cli_runs(request, tmp_path_factory) -> dict[str, Run]:
    """Run every selected case's CLI once, in parallel; results by case id."""
    wanted = [item.callspec.params["case"] for item in request.session.items
              if getattr(item, "originalname", "") == "test_bad_input_cli"]
    base = tmp_path_factory.mktemp("bad_cli")
    workers = max(2, os.cpu_count() or 2)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        runs = list(pool.map(lambda case: run_case(case, base), wanted))
    return {run.case.id: run for run in runs}


def _param(case: Case):
    marks = []
    if case.known is not None:
        marks.append(pytest.mark.xfail(strict=case.known.strict, reason=case.known.reason))
    return pytest.param(case, id=case.id, marks=marks)


def no_output(out: Path) -> bool:
    """Nothing written: no file (an output folder may exist, but empty)."""
    return not out.exists() or (out.is_dir() and not any(out.iterdir()))


def assert_clean(run: Run) -> None:
    """What every case must satisfy, whatever its outcome."""
    case, text = run.case, run.stdout + run.stderr
    assert "Traceback" not in text, text
    stray = [ln for ln in run.stderr.splitlines() if ln and not ln.startswith("lever-grid: ")]
    assert not stray, f"stderr lines not from lever-grid: {stray}"
    assert run.after == run.before, "an input file was modified"
    errors = [ln for ln in run.stderr.splitlines() if "error:" in ln]
    outcome = case.outcome()
    if outcome == "error":
        assert run.returncode == 2, (run.returncode, run.stderr)
        assert len(errors) == 1, run.stderr
        for part in case.substrings(run.corpus):
            assert part in errors[0], f"{part!r} not in {errors[0]!r}"
        assert run.out_existed or no_output(run.out), "output written despite the error"
        assert not run.leftovers, run.leftovers
        return
    assert run.returncode == 0, (run.returncode, run.stderr)
    assert not errors, run.stderr
    for part in case.substrings(run.corpus):
        lines = run.stderr.splitlines() if outcome == "repair" else text.splitlines()
        assert any(part in ln for ln in lines), f"{part!r} not logged:\n{text}"
    assert not run.leftovers, run.leftovers
    if case.command in LAYERS:
        assert LAYERS[case.command] <= set(pyogrio.list_layers(run.out)[:, 0])
    if case.check:
        CHECKS[case.check](run.out, run.corpus)


@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_input_cli(case: Case, cli_runs: dict[str, Run]) -> None:
    assert_clean(cli_runs[case.id])


# ---------------------------------------------------------------------------- the corpus


def test_corpus_is_intact():
    """The committed files are exactly what make_corpus.py wrote (SHA256SUMS)."""
    listed = {}
    for line in (CORPUS / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split("  ", 1)
        listed[name] = digest
    have = {k: v for k, v in sha256_tree(CORPUS).items()
            if k != "SHA256SUMS" and not k.endswith(".py") and "__pycache__" not in k}
    assert have == listed
    assert sum((CORPUS / name).stat().st_size for name in listed) < 2_000_000


def test_corpus_regenerates_identically(tmp_path):
    """make_corpus.py is deterministic: a fresh run gives the committed bytes."""
    res = subprocess.run([sys.executable, str(CORPUS / "make_corpus.py"), str(tmp_path)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert (tmp_path / "SHA256SUMS").read_text() == (CORPUS / "SHA256SUMS").read_text()


def test_case_table_is_consistent():
    assert len(CASES) >= 40
    docs = (ROOT / "docs" / "robustness.md").read_text(encoding="utf-8")
    assert not [c.id for c in CASES if f"`{c.id}`" not in docs], "list every case in the docs"
    assert set(BY_ID) == {c.id for c in CASES}
    names = set(sha256_tree(CORPUS))
    for case in CASES:
        assert case.outcome() in ("error", "repair", "ok"), case.id
        assert case.check is None or case.check in CHECKS, case.id
        assert case.expect != "error" or case.says, case.id
        for role, value in {**case.inputs, **case.qgis_inputs}.items():
            assert role in (*INPUT_OPTIONS, "gpkg"), (case.id, role)
            path = value.removeprefix("delimitedtext:").split("|")[0].split("?")[0]
            assert path in names or path.startswith("a_directory") or path == "missing.gpkg", \
                (case.id, path)
        if case in qgis_cases():
            opts = [o for o in case.options[::2] if o not in OUTPUT_OPTIONS]
            assert all(o in OPTION_PARAMS for o in opts), (case.id, opts)
        else:
            assert case.qgis_why_not, f"{case.id}: say why it does not run in Processing"


def test_error_messages_are_one_line():
    from lever_grid.core.errors import InputError

    err = InputError("GDAL said:\n  something\r\nelse ", file="a.gpkg", layer="x", feature=3,
                     field="kind")
    assert str(err) == "file a.gpkg, layer x, feature 3, field kind: GDAL said: something else"
