"""The Dask runner: partitions on a LocalCluster it starts, or on an existing scheduler.

dask and distributed are imported here only, when the engine is asked for, so the core
and the QGIS plugin never need them (``pip install 'lever-grid[dask]'``).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Sequence
from typing import Any

from ..errors import InputError
from ..geometry import THREADS_ENV
from ..progress import Progress
from .runners import Runner

__all__ = ["DASK_EXTRA", "DaskRunner", "require_dask"]


#: The optional extra that brings the Dask engine.
DASK_EXTRA = "pip install 'lever-grid[dask]' (dask, distributed, dask-geopandas, pyarrow)"


def require_dask(what: str = "--engine dask") -> None:
    """Raise :class:`InputError` (one line) when dask.distributed is not installed."""
    try:
        import dask  # noqa: F401
        import distributed  # noqa: F401
    except ImportError:
        raise InputError(f"{what} needs the optional extra 'dask': {DASK_EXTRA}") from None


class DaskRunner(Runner):
    """Tasks on Dask: ``scheduler`` (an address) or a LocalCluster of ``workers``.

    The local cluster runs one thread per worker process (``processes=False``: threads
    of this process, quicker to start); each task uses ``threads`` GEOS threads.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None, *,
                 processes: bool = True, threads: int = 1) -> None:
        require_dask()
        from distributed import Client, LocalCluster

        self.cluster = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout="20s")
            except (OSError, TimeoutError, ValueError) as err:
                raise InputError(f"--scheduler {scheduler}: cannot connect ({err})") from None
        else:
            n = max(1, int(workers or os.cpu_count() or 1))
            kwargs: dict[str, Any] = {}
            if processes:
                kwargs["env"] = {THREADS_ENV: str(threads)}
            # no dashboard; the scheduler's own HTTP server (health, metrics) on a free
            # port, so that a second run beside the first does not warn about port 8787
            self.cluster = LocalCluster(n_workers=n, threads_per_worker=1, processes=processes,
                                        dashboard_address=None, silence_logs=logging.CRITICAL,
                                        scheduler_kwargs={"dashboard": False,
                                                          "dashboard_address": ":0"},
                                        **kwargs)
            self.client = Client(self.cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})) or 1)
        self._all: list[Any] = []

    def put(self, obj: Any) -> Any:
        return self.client.scatter([obj], hash=False)[0]

    def submit(self, fn: Callable, *args: Any) -> Any:
        future = self.client.submit(fn, *args, pure=False)
        self._all.append(future)
        return future

    def wait(self, handles: Sequence[Any], progress: Progress,
             finished: Callable[[int], None] | None = None) -> list[Any]:
        """Results in order; each is fetched as soon as its task ends and the task's
        result is then dropped on the worker (``finished(i)`` is told the position), so
        a worker holds the results of its running tasks only."""
        from distributed import as_completed

        position = {f.key: i for i, f in enumerate(handles)}
        out: list[Any] = [None] * len(handles)
        for done, (future, result) in enumerate(
                as_completed(list(handles), with_results=True), start=1):
            i = position[future.key]
            out[i] = result
            future.release()
            if finished is not None:
                finished(i)
            progress.step(done / max(len(handles), 1))
        return out

    def release(self, handles: Sequence[Any]) -> None:
        for f in handles:
            if f is not None:
                f.release()

    def __exit__(self, *exc: object) -> None:
        try:
            if self._all:
                self.client.cancel(self._all)
        finally:
            # a worker heartbeat racing the shutdown logs an ERROR with a traceback on
            # stderr (seen on a loaded 2-core machine): not the user's business
            quiet = [logging.getLogger(n) for n in ("distributed", "tornado", "asyncio")]
            levels = [q.level for q in quiet]
            for q in quiet:
                q.setLevel(logging.CRITICAL)
            try:
                self.client.close()
                if self.cluster is not None:
                    self.cluster.close()
            finally:
                for q, level in zip(quiet, levels, strict=True):
                    q.setLevel(level)
