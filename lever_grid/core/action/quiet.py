"""GEOS raises the FPU "invalid" flag on some empty overlays; numpy would warn about it."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["quiet"]

F = TypeVar("F", bound=Callable)


def quiet(fn: F) -> F:
    """Run ``fn`` with numpy's floating-point warnings off (they are no news to users)."""

    @functools.wraps(fn)
    def run(*args, **kwargs):
        with np.errstate(invalid="ignore", divide="ignore"):
            return fn(*args, **kwargs)

    return run  # type: ignore[return-value]
