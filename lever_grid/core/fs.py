"""The one atomic writer: outputs are complete or not there."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import InputError

__all__ = ["atomic_path", "PART_SUFFIX", "write_layers", "clean_stale_parts"]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it into place only on success.

    The temporary name keeps the suffix (writers choose the format by it) and files are
    created with the usual permissions (umask), unlike :func:`tempfile.mkstemp`.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.stem}.{uuid.uuid4().hex[:8]}.part{path.suffix}")
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


#: Suffix of the temporary file an output is written to before it is renamed into place.
PART_SUFFIX = ".part.gpkg"


#: SQLite side files that may sit beside a GeoPackage being written.
_SIDECARS = ("", "-journal", "-wal", "-shm")


#: A temporary output older than this is stale even when its writer cannot be checked.
STALE_AFTER_S = 3600.0


def write_layers(
    out: str | os.PathLike,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
) -> Path:
    """Write ``layers`` into one GeoPackage atomically.

    Everything goes to a temporary file beside ``out`` (``.<stem>-<pid>-<random>.part.gpkg``)
    that is flushed to disk and renamed into place only when complete, so ``out`` is either
    the previous file, absent, or the full result. Temporary files left by a run that was
    killed are removed first (:func:`clean_stale_parts`). An ``out`` that is a folder or
    cannot be written raises :class:`InputError`.
    """
    out = Path(out)
    if out.is_dir():
        raise InputError("the output is a folder; give a GeoPackage file name such as "
                         f"{out / 'analysis.gpkg'}", file=str(out))
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        clean_stale_parts(out)
        fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-{os.getpid()}-", suffix=PART_SUFFIX,
                                   dir=out.parent)
        os.close(fd)
        os.unlink(tmp)
    except OSError as exc:
        raise InputError(f"cannot write here ({exc.strerror or exc})", file=str(out)) from None
    try:
        for name, frame in layers.items():
            _write_one(frame, tmp, name)
        _fsync(tmp)
        os.replace(tmp, out)
        _fsync(str(out.parent))
    except BaseException as exc:
        for suffix in _SIDECARS:
            if os.path.exists(tmp + suffix):
                os.unlink(tmp + suffix)
        if isinstance(exc, OSError):
            raise InputError(f"cannot write the output ({exc.strerror or exc}); is it open in "
                             "another program?", file=str(out)) from None
        raise
    return out


def _fsync(path: str) -> None:
    """Flush a file (or, on POSIX, a folder's entries) to disk; best effort."""
    if os.path.isdir(path) and os.name == "nt":
        return
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _writer_alive(name: str) -> bool:
    """Whether the process that named a temporary file ``.<stem>-<pid>-...`` still runs."""
    if os.name == "nt":  # os.kill(pid, 0) is not a probe on Windows: rely on the age
        return True
    try:
        pid = int(name.rsplit(PART_SUFFIX, 1)[0].split("-")[-2])
    except (IndexError, ValueError):
        return True
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # e.g. another user's process
        return True
    return True


def clean_stale_parts(out: str | os.PathLike) -> list[str]:
    """Remove temporary files a killed run left beside ``out``; returns what was removed.

    A ``.<stem>-*.part.gpkg`` file (and its SQLite side files) is stale when the process
    that wrote it no longer runs (POSIX) or it was last modified more than
    :data:`STALE_AFTER_S` ago. Files in use by another program are left alone.
    """
    out = Path(out)
    pattern = os.path.join(glob.escape(str(out.parent)), f".{glob.escape(out.stem)}-*{PART_SUFFIX}")
    removed = []
    now = time.time()
    for part in glob.glob(pattern):
        try:
            age = now - os.path.getmtime(part)
        except OSError:
            continue
        if _writer_alive(os.path.basename(part)) and age < STALE_AFTER_S:
            continue
        for suffix in _SIDECARS:
            try:
                os.unlink(part + suffix)
                removed.append(part + suffix)
            except OSError:
                pass
    return removed


def _write_one(frame: gpd.GeoDataFrame | pd.DataFrame, path: str, name: str) -> None:
    kwargs = {"layer": name, "driver": "GPKG", "append": os.path.exists(path)}
    frame = frame.reset_index(drop=True)
    if isinstance(frame, gpd.GeoDataFrame):
        pyogrio.write_dataframe(frame, path, promote_to_multi=False, **kwargs)
    else:
        pyogrio.write_dataframe(frame, path, **kwargs)
