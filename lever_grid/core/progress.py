"""Progress and cancellation callbacks shared by core functions."""

from __future__ import annotations

from collections.abc import Callable

from .errors import Cancelled

__all__ = ["Log", "Progress"]


ProgressFn = Callable[[float], None]


CancelFn = Callable[[], bool]


Log = Callable[[str], None]


class Progress:
    """Adapts optional ``progress(fraction)`` / ``cancelled()`` / ``log(msg)`` callbacks.

    ``step(fraction)`` reports overall progress in [0, 1] and raises
    :class:`Cancelled` when the caller asked to stop.
    """

    def __init__(
        self,
        progress: ProgressFn | None = None,
        cancelled: CancelFn | None = None,
        log: Log | None = None,
    ) -> None:
        self._progress = progress
        self._cancelled = cancelled
        self._log = log
        self.messages: list[str] = []

    def step(self, fraction: float) -> None:
        if self._cancelled is not None and self._cancelled():
            raise Cancelled("cancelled by the user")
        if self._progress is not None:
            self._progress(min(max(float(fraction), 0.0), 1.0))

    def info(self, message: str) -> None:
        self.messages.append(message)
        if self._log is not None:
            self._log(message)

    def sub(self, start: float, end: float) -> Progress:
        """A child reporter mapping its [0, 1] onto [start, end] of this one."""
        child = Progress(
            (lambda f: self.step(start + (end - start) * f)) if self._progress else None,
            self._cancelled,
            self.info,
        )
        return child
