"""Keep GEOS floating-point flags off the user's terminal.

GEOS sets the processor's "invalid value" flag inside some predicates and overlays even
when the result is right (an empty intersection, a zero-length segment); numpy turns the
flag into a ``RuntimeWarning``. The grid functions run under :func:`quiet`.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

import numpy as np

__all__ = ["quiet"]


F = TypeVar("F", bound=Callable)


def quiet(fn: F) -> F:
    """Run ``fn`` with numpy's floating-point warnings off (the results are checked)."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return fn(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
