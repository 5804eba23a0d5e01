"""Where the partitions run: in this process, one after the other, or on Dask.

A runner has ``put`` (data that several tasks share), ``submit`` (a task; its arguments
may be results of earlier tasks) and ``wait`` (results in order, reporting progress and
checking cancel after each finished task). The serial runner keeps one partition's
intermediate results at a time, so memory stays bounded by the largest tile.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from ..progress import Progress

__all__ = ["Runner", "SerialRunner"]


class _Task:
    __slots__ = ("fn", "args", "done", "value")

    def __init__(self, fn: Callable, args: tuple) -> None:
        self.fn: Callable | None = fn
        self.args, self.done, self.value = args, False, None

    def result(self) -> Any:
        if not self.done:
            assert self.fn is not None
            self.value = self.fn(*(a.result() if isinstance(a, _Task) else a
                                   for a in self.args))
            self.done, self.fn, self.args = True, None, ()
        return self.value

    def release(self) -> None:
        self.value = None


class Runner:
    """The runner interface (also a context manager)."""

    workers = 1

    def put(self, obj: Any) -> Any:
        return obj

    def submit(self, fn: Callable, *args: Any) -> Any:
        raise NotImplementedError

    def wait(self, handles: Sequence[Any], progress: Progress,
             finished: Callable[[int], None] | None = None) -> list[Any]:
        """Results of ``handles`` in order; ``finished(i)`` after handle i is done (to let
        go of what only that task needed)."""
        raise NotImplementedError

    def release(self, handles: Sequence[Any]) -> None:
        """Forget results no later task needs (``None`` entries are skipped)."""

    def __enter__(self) -> Runner:
        return self

    def __exit__(self, *exc: object) -> None:
        return None


class SerialRunner(Runner):
    """Tasks run lazily in this process, in order, when ``wait`` asks for them.

    ``timings`` collects (task name, seconds) of every task run (for bench/).
    """

    def __init__(self) -> None:
        self.timings: list[tuple[str, float]] = []

    def submit(self, fn: Callable, *args: Any) -> _Task:
        return _Task(fn, args)

    def wait(self, handles: Sequence[_Task], progress: Progress,
             finished: Callable[[int], None] | None = None) -> list[Any]:
        out = []
        for done, task in enumerate(handles, start=1):
            name = getattr(task.fn, "__name__", "task")
            if name == "unit_of":  # reading its unit runs the watch task it is given
                name = "watch_task"
            started = time.perf_counter()
            out.append(task.result())
            self.timings.append((name, time.perf_counter() - started))
            if finished is not None:
                finished(done - 1)
            progress.step(done / max(len(handles), 1))
        return out

    def release(self, handles: Sequence[Any]) -> None:
        for task in handles:
            if isinstance(task, _Task):  # what ``put`` gave back is the data itself
                task.release()
