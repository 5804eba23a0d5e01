"""Reporting periods and period-on-period change.

Periods are half-open ``[start, end)``; a period given as dates includes its last day.
``change_pct = (current - previous) / previous * 100`` rounded half away from zero to
2 decimals, NaN when previous is 0.

Examples
--------
>>> change_pct(125, 307)
-59.28
>>> parse_period("2025-01-01/2025-05-31")
(Timestamp('2025-01-01 00:00:00'), Timestamp('2025-06-01 00:00:00'))"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

from ..errors import InputError

__all__ = ["parse_period", "default_periods", "window", "year_before", "change_pct", "NEW",
           "change_text"]


_ISO_POINT = re.compile(
    r"^(?P<y>\d{4})(?:-(?P<m>\d{2})(?:-(?P<d>\d{2})"
    r"(?P<t>[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)?)?$"
)


def _period_end(text: str, start: bool) -> pd.Timestamp:
    """Instant of an ISO date/datetime; a date (or year, month) as END means its end."""
    text = text.strip()
    compact = re.fullmatch(r"(\d{4})(\d{2})(\d{2})", text)
    if compact:
        text = "-".join(compact.groups())
    match = _ISO_POINT.match(text)
    if not match:
        raise ValueError(f"{text!r} is not an ISO date")
    stamp = pd.Timestamp(text.replace(" ", "T"))
    if start or match["t"]:
        return stamp
    if match["d"]:
        return stamp + pd.Timedelta(days=1)
    if match["m"]:
        return stamp + pd.DateOffset(months=1)
    return stamp + pd.DateOffset(years=1)


def parse_period(text: str, *, option: str = "--period") -> tuple[pd.Timestamp, pd.Timestamp]:
    """Parse ``START/END`` (ISO dates or datetimes) into a half-open ``[start, end)``.

    A date END includes that whole day (``2025-05-31`` ends at 2025-06-01 00:00); a
    datetime END is the exclusive end instant. ``2025`` and ``2025-05`` stand for the
    whole year or month.

    Raises
    ------
    InputError
        Text that is not a period, naming ``option``.
    """
    raw = str(text).strip()
    example = "use START/END with ISO dates, e.g. 2025-01-01/2025-05-31"
    parts = raw.split("/")
    if len(parts) != 2:
        raise InputError(f"{option} {raw!r} is not a period; {example}")
    try:
        start = _period_end(parts[0], True)
        end = _period_end(parts[1], False)
    except ValueError as exc:
        raise InputError(f"{option} {raw!r}: {exc}; {example}") from None
    if end <= start:
        raise InputError(f"{option} {raw!r} ends before it starts; {example}")
    return start, end


def year_before(window: tuple[pd.Timestamp, pd.Timestamp]) -> tuple[pd.Timestamp, pd.Timestamp]:
    """The same window one year earlier, by calendar date (29 Feb -> 28 Feb)."""
    start, end = window
    year = pd.DateOffset(years=1)
    if end == end.normalize():
        last_day = end - pd.Timedelta(days=1)
        return start - year, (last_day - year) + pd.Timedelta(days=1)
    return start - year, end - year


def default_periods(
    dates: pd.Series,
) -> tuple[tuple[pd.Timestamp, pd.Timestamp], tuple[pd.Timestamp, pd.Timestamp]]:
    """(current, previous) windows: 1 January of the latest incident's year through its day,
    and the same window one year earlier.

    Examples
    --------
    >>> cur, prev = default_periods(pd.Series([pd.Timestamp("2024-03-01"),
    ...                                        pd.Timestamp("2025-05-20 08:00")]))
    >>> cur
    (Timestamp('2025-01-01 00:00:00'), Timestamp('2025-05-21 00:00:00'))
    >>> prev
    (Timestamp('2024-01-01 00:00:00'), Timestamp('2024-05-21 00:00:00'))
    """
    latest = pd.to_datetime(pd.Series(dates)).max()
    if pd.isna(latest):
        raise InputError("no dated incidents to derive the default period from; give "
                         "--period START/END", field="occurred_at")
    day = pd.Timestamp(latest).normalize()
    current = (pd.Timestamp(year=day.year, month=1, day=1), day + pd.Timedelta(days=1))
    return current, year_before(current)


def window(value: object, option: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    """A period given as "START/END" text or a (start, end) pair, checked."""
    if isinstance(value, str):
        return parse_period(value, option=option)
    if not isinstance(value, tuple | list) or len(value) != 2:
        raise InputError(f"{option} {value!r} is not a (start, end) pair")
    start, end = value
    try:
        return pd.Timestamp(start), pd.Timestamp(end)
    except (TypeError, ValueError):
        raise InputError(f"{option} {value!r} is not a (start, end) pair") from None


def _round_half_away(values: np.ndarray) -> np.ndarray:
    return np.sign(values) * np.floor(np.abs(values) * 100.0 + 0.5 + 1e-9) / 100.0


def change_pct(current: ArrayLike, previous: ArrayLike) -> np.ndarray | float:
    """``(current - previous) / previous * 100`` to 2 decimals (half away from zero).

    NaN where ``previous`` is 0. Integer counts are rounded exactly.

    Examples
    --------
    >>> change_pct(1185, 3198), change_pct([125, 5], [307, 0]).tolist()
    (-62.95, [-59.28, nan])
    """
    cur = np.asarray(current, dtype=float)
    prev = np.asarray(previous, dtype=float)
    zero = prev == 0
    safe = np.where(zero, 1.0, prev)
    exact = (np.all(cur == np.round(cur)) and np.all(prev == np.round(prev))
             and np.all(np.abs(cur) < 1e12) and np.all(np.abs(prev) < 1e12))
    if exact:
        num = (cur - prev).astype(np.int64) * 10000
        den = safe.astype(np.int64)
        sign = np.sign(num) * np.sign(den)
        hundredths = (2 * np.abs(num) + np.abs(den)) // (2 * np.abs(den))
        pct = sign * hundredths / 100.0
    else:
        pct = _round_half_away((cur - prev) / safe * 100.0)
    pct = np.where(zero, np.nan, pct)
    return float(pct) if pct.ndim == 0 else pct


#: How a rise from a zero baseline is shown (the percentage is undefined).
NEW = "new"


def change_text(current: object, previous: object, change: object = None, *,
                decimals: int = 2, unit: str = " %") -> str:
    """The change as people read it: ``+12.50 %``, ``new`` for a rise from 0, else ``""``.

    ``""`` when a count is unknown (masked) or both are 0. ``change`` defaults to
    :func:`change_pct` of the counts; never ``nan``.

    Examples
    --------
    >>> change_text(5, 0), change_text(3, 4), change_text(0, 0), change_text(None, 3)
    ('new', '-25.00 %', '', '')
    """
    try:
        cur, prev = float(current), float(previous)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    if not (np.isfinite(cur) and np.isfinite(prev)):
        return ""
    if prev == 0:
        return NEW if cur > 0 else ""
    try:
        value = float(change) if change is not None else float(change_pct(cur, prev))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        value = float(change_pct(cur, prev))
    if not np.isfinite(value):
        value = float(change_pct(cur, prev))
    return f"{value:+.{decimals}f}{unit}"
