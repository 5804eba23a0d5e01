"""Outputs are complete or absent: kill -9 during a write, failures midway, stale temp files.

``io.write_layers`` writes to ``.<stem>-<pid>-<random>.part.gpkg`` beside the target and
renames it into place when complete; the next write removes temporary files whose writer
is gone. Source files are never touched (sha256 before and after).
"""

from __future__ import annotations

import glob
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from lever_grid.core import fs as io
from lever_grid.core.errors import InputError
from tests.bad_cases import CORPUS
from tests.conftest import METRIC, ROOT

#: Cells in the big input: writing its output takes about a second (long enough to kill).
BIG = 20_000


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def cli(*args: object) -> list[str]:
    return [sys.executable, "-m", "lever_grid", *map(str, args)]


@pytest.fixture(scope="module")
def big_input(tmp_path_factory) -> Path:
    """20,000 cells of 20 m and an empty cameras layer: quick to analyse, slow to write."""
    path = tmp_path_factory.mktemp("big") / "big.gpkg"
    side = int(np.ceil(np.sqrt(BIG)))
    i = np.arange(BIG)
    x0 = 470000.0 + (i % side) * 20.0
    y0 = 2530000.0 + (i // side) * 20.0
    gpd.GeoDataFrame({"cell_id": i + 1}, geometry=shapely.box(x0, y0, x0 + 20, y0 + 20),
                     crs=METRIC).to_file(path, layer="cells")
    gpd.GeoDataFrame({"camera_id": ["x"], "kind": ["public1"]},
                     geometry=[shapely.Point(x0[0], y0[0])], crs=METRIC).iloc[:0].to_file(
        path, layer="cameras")
    return path


def _parts(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if ".part" in p.name)


def _size(path: str) -> int:
    """Size of a file that may be renamed away at any moment (0 when gone)."""
    try:
        return os.path.getsize(path)
    except FileNotFoundError:
        return 0


def _kill_while_writing(args: list[str], out: Path, timeout: float = 120.0) -> int:
    """Start the CLI, SIGKILL it once its temporary GeoPackage holds data; its size then."""
    proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    pattern = os.path.join(glob.escape(str(out.parent)), f".{out.stem}-*{io.PART_SUFFIX}")
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            parts = glob.glob(pattern)
            size = max((_size(p) for p in parts), default=0)
            if size > 64 * 1024:  # header and at least one table written: mid-write
                proc.send_signal(signal.SIGKILL)
                proc.wait()
                return size
            if proc.poll() is not None:
                pytest.fail(f"the CLI finished (exit {proc.returncode}) before it was killed")
            time.sleep(0.002)
        pytest.fail("no temporary output appeared")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    return 0


@pytest.mark.parametrize("previous", [True, False], ids=["previous_output", "no_output"])
def test_sigkill_while_writing_leaves_previous_output_or_none(big_input, tmp_path, previous):
    out = tmp_path / "out.gpkg"
    good = CORPUS / "good.gpkg"
    small = ("analyse", "--cells", f"{good}|layername=cells", "--cameras",
             f"{good}|layername=cameras", "--out", out)
    if previous:
        assert subprocess.run(cli(*small), cwd=ROOT, capture_output=True).returncode == 0
        before = sha256(out)
    source = sha256(big_input)

    size = _kill_while_writing(cli("analyse", "--cells", f"{big_input}|layername=cells",
                                   "--cameras", f"{big_input}|layername=cameras",
                                   "--out", out), out)
    assert size > 0
    assert sha256(big_input) == source, "the input was modified"
    if previous:
        assert sha256(out) == before, "the previous output changed"
        assert "cell_stats" in pyogrio.list_layers(out)[:, 0]
    else:
        assert not out.exists(), "a half-written output is in place"
    left = _parts(tmp_path)
    assert left, "the kill came too late to leave a temporary file"
    assert all(io.PART_SUFFIX in name for name in left if not name.endswith(
        ("-journal", "-wal", "-shm"))), left

    # the next run finishes, replaces the output and removes the dead run's temporary file
    res = subprocess.run(cli(*small), cwd=ROOT, capture_output=True, text=True)
    assert res.returncode == 0, res.stderr
    assert _parts(tmp_path) == []
    assert "cell_stats" in pyogrio.list_layers(out)[:, 0]


def _small() -> dict:
    return {"cells": gpd.GeoDataFrame({"cell_id": [1]}, geometry=[shapely.box(0, 0, 1, 1)],
                                      crs=METRIC),
            "office_stats": gpd.pd.DataFrame({"police_office": ["A"], "cells": [1]})}


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_stale_temporary_files_are_cleaned_live_ones_kept(tmp_path):
    out = tmp_path / "out.gpkg"
    dead = _dead_pid()
    stale = tmp_path / f".out-{dead}-abc123.part.gpkg"
    stale_journal = tmp_path / f".out-{dead}-abc123.part.gpkg-journal"
    mine = tmp_path / f".out-{os.getpid()}-live01.part.gpkg"  # a write in progress here
    parent = tmp_path / f".out-{os.getppid()}-old999.part.gpkg"  # alive writer, but old
    other = tmp_path / f".other-{dead}-zzz.part.gpkg"  # another target's: not ours to clean
    keep = tmp_path / "out.gpkg.bak"
    for path in (stale, stale_journal, mine, parent, other, keep):
        path.write_bytes(b"partial")
    old = time.time() - io.STALE_AFTER_S - 60
    os.utime(parent, (old, old))

    io.write_layers(out, _small())
    assert not stale.exists() and not stale_journal.exists() and not parent.exists()
    assert mine.exists() and other.exists() and keep.exists()
    assert set(pyogrio.list_layers(out)[:, 0]) == {"cells", "office_stats"}
    assert _parts(tmp_path) == sorted([mine.name, other.name])


def test_failure_midway_keeps_the_previous_output(tmp_path, monkeypatch):
    out = tmp_path / "out.gpkg"
    io.write_layers(out, _small())
    before = sha256(out)
    real = io._write_one
    calls = []

    def second_layer_fails(frame, path, name):
        calls.append(name)
        if len(calls) == 2:
            raise RuntimeError("disk trouble")
        real(frame, path, name)

    monkeypatch.setattr(io, "_write_one", second_layer_fails)
    with pytest.raises(RuntimeError, match="disk trouble"):
        io.write_layers(out, _small())
    assert sha256(out) == before
    assert _parts(tmp_path) == []


def test_output_that_is_a_folder_is_refused(tmp_path):
    with pytest.raises(InputError, match="folder"):
        io.write_layers(tmp_path, _small())
    assert _parts(tmp_path) == []


def test_geojson_export_is_atomic(tmp_path):
    from lever_grid.core.briefing.geojson import write_geojson

    path = tmp_path / "cells.geojson"
    write_geojson({"type": "FeatureCollection", "features": []}, path)
    before = sha256(path)
    with pytest.raises(ValueError):
        write_geojson({"type": "FeatureCollection", "features": [], "x": float("nan")}, path)
    assert sha256(path) == before
    assert _parts(tmp_path) == []
