"""The one atomic writer: outputs are complete or not there."""

from __future__ import annotations

import contextlib
import glob
import os
import time
import uuid
import warnings
from collections.abc import Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio

from .errors import InputError

__all__ = ["PART", "PART_SUFFIX", "STALE_AFTER_S", "atomic_path", "write_layers",
           "write_parquet_layers", "clean_stale_parts"]


#: Marks the temporary file an output is written to before it is renamed into place.
PART = ".part"
#: Suffix of a temporary GeoPackage (``.<stem>-<pid>-<random>.part.gpkg``).
PART_SUFFIX = PART + ".gpkg"
#: SQLite side files that may sit beside a GeoPackage being written.
_SIDECARS = ("", "-journal", "-wal", "-shm")
#: A temporary output older than this is stale even when its writer cannot be checked.
STALE_AFTER_S = 3600.0


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; it replaces ``path`` only on success.

    The temporary ``.<stem>-<pid>-<random>.part<suffix>`` keeps the suffix (writers choose
    the format by it) and is created with the usual permissions (umask). It is flushed to
    disk before the rename, so ``path`` is either the previous file, absent, or complete;
    on failure it and its SQLite side files are removed. Temporary files left beside
    ``path`` by a killed run are removed first (:func:`clean_stale_parts`).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    clean_stale_parts(path)
    tmp = path.with_name(f".{path.stem}-{os.getpid()}-{uuid.uuid4().hex[:8]}{PART}{path.suffix}")
    try:
        yield tmp
        _fsync(str(tmp))
        os.replace(tmp, path)
        _fsync(str(path.parent))
    finally:
        for side in _SIDECARS:
            with contextlib.suppress(OSError):
                os.unlink(str(tmp) + side)


def write_layers(
    out: str | os.PathLike,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
) -> Path:
    """Write ``layers`` into one GeoPackage atomically (see :func:`atomic_path`).

    An ``out`` that is a folder or cannot be written raises :class:`InputError`.
    """
    out = Path(out)
    if out.suffix.lower() == ".parquet":
        return write_parquet_layers(out, layers)
    if out.is_dir():
        raise InputError("the output is a folder; give a GeoPackage file name such as "
                         f"{out / 'analysis.gpkg'}", file=str(out))
    try:
        with atomic_path(out) as tmp:
            for name, frame in layers.items():
                _write_one(frame, str(tmp), name)
    except OSError as exc:
        raise InputError(f"cannot write the output ({exc.strerror or exc}); is it open in "
                         "another program?", file=str(out)) from None
    return out


def write_parquet_layers(
    out: str | os.PathLike,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
) -> Path:
    """Write ``layers`` as a folder ``out`` (``NAME.parquet``) of ``<layer>.parquet`` files:
    GeoParquet for geometry layers, Parquet for tables; the folder appears complete.

    Needs pyarrow (the optional extra ``dask``); a file in the way or a missing pyarrow
    raises :class:`InputError`.
    """
    import shutil

    out = Path(out)
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError("GeoParquet output needs pyarrow: pip install 'lever-grid[dask]'",
                         file=str(out)) from None
    if out.exists() and not out.is_dir():
        raise InputError("a file of that name is in the way of the GeoParquet folder",
                         file=str(out))
    out.parent.mkdir(parents=True, exist_ok=True)
    tag = f"{os.getpid()}-{uuid.uuid4().hex[:8]}"
    tmp = out.with_name(f".{out.stem}-{tag}{PART}{out.suffix}")
    old = out.with_name(f".{out.stem}-{tag}.old{out.suffix}")
    try:
        tmp.mkdir()
        for name, frame in layers.items():
            target = str(tmp / f"{name}.parquet")
            frame = frame.reset_index(drop=True)
            if isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(target, index=False)
            else:
                pd.DataFrame(frame).to_parquet(target, index=False)
            _fsync(target)
        _fsync(str(tmp))
        if out.exists():
            os.replace(out, old)
        os.replace(tmp, out)
        _fsync(str(out.parent))
    except OSError as exc:
        raise InputError(f"cannot write the output ({exc.strerror or exc})",
                         file=str(out)) from None
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        shutil.rmtree(old, ignore_errors=True)
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
        pid = int(name.rsplit(PART, 1)[0].split("-")[-2])
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

    A ``.<stem>-*.part<suffix>`` file (and its SQLite side files) is stale when the process
    that wrote it no longer runs (POSIX) or it was last modified more than
    :data:`STALE_AFTER_S` ago. Files in use by another program are left alone.
    """
    out = Path(out)
    pattern = os.path.join(glob.escape(str(out.parent)),
                           f".{glob.escape(out.stem)}-*{PART}{glob.escape(out.suffix)}")
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
        with warnings.catch_warnings():
            # a local site plan has no CRS on purpose: "'crs' was not provided"
            warnings.filterwarnings("ignore", message=".*crs.* was not provided")
            pyogrio.write_dataframe(frame, path, promote_to_multi=False, **kwargs)
    else:
        pyogrio.write_dataframe(frame, path, **kwargs)
