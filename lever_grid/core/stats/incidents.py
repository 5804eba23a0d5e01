"""Incidents attached to cells: counts per cell and police office for two periods."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..progress import Progress
from .periods import change_pct, default_periods, window, year_before

__all__ = ["SMALL_COUNT", "assign_cells", "IncidentStats", "incident_stats"]


#: ``small_count`` flags a previous-period count below this: percentages are unstable.
SMALL_COUNT = 10


def assign_cells(points: np.ndarray, cells: np.ndarray, cell_ids: np.ndarray) -> np.ndarray:
    """Position in ``cells`` of the cell each point falls in; -1 outside every cell.

    A point on an edge (or in an overlap) of several cells goes to the one with the
    lowest ``cell_id``.

    Examples
    --------
    >>> sq = [shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1)]
    >>> assign_cells(shapely.points([[1, 0.5], [0.5, 0.5], [5, 5]]), np.array(sq),
    ...              np.array([2, 1])).tolist()
    [1, 0, -1]
    """
    points = np.asarray(points, dtype=object)
    cells = np.asarray(cells, dtype=object)
    out = np.full(len(points), -1, dtype=np.intp)
    if len(points) == 0 or len(cells) == 0:
        return out
    pi, ci = shapely.STRtree(cells).query(points, predicate="intersects")
    if pi.size == 0:
        return out
    rank = np.unique(np.asarray(cell_ids), return_inverse=True)[1].reshape(-1)
    order = np.lexsort((rank[ci], pi))
    pi, ci = pi[order], ci[order]
    first = np.ones(pi.size, dtype=bool)
    first[1:] = pi[1:] != pi[:-1]
    out[pi[first]] = ci[first]
    return out


@dataclass
class IncidentStats:
    """Result of :func:`incident_stats`.

    ``cells`` is indexed by cell position (0..n-1) with incidents_current,
    incidents_previous, change_pct, small_count, rank and one ``cat_<category>`` count
    per category of the current period (``cat_`` for an empty category). ``offices``
    has police_office, cells, incidents_current, incidents_previous, change_pct,
    small_count and rank, ordered by rank then name.
    """

    cells: pd.DataFrame
    offices: pd.DataFrame
    outside: int
    current: tuple[pd.Timestamp, pd.Timestamp]
    previous: tuple[pd.Timestamp, pd.Timestamp]
    in_current: np.ndarray
    cell_index: np.ndarray


def _with_change(frame: pd.DataFrame) -> pd.DataFrame:
    frame["change_pct"] = change_pct(frame["incidents_current"].to_numpy(),
                                     frame["incidents_previous"].to_numpy())
    frame["small_count"] = frame["incidents_previous"].to_numpy() < SMALL_COUNT
    frame["rank"] = frame["incidents_current"].rank(ascending=False, method="min").astype(
        np.int64)
    return frame


def _offices(police_office: np.ndarray | None, cur: np.ndarray, prev: np.ndarray,
             progress: Progress) -> pd.DataFrame:
    columns = ["police_office", "cells", "incidents_current", "incidents_previous",
               "change_pct", "small_count", "rank"]
    if police_office is None:
        return pd.DataFrame({c: pd.Series(dtype=object if c == "police_office" else float)
                             for c in columns})
    office = pd.Series(np.asarray(police_office, dtype=object))
    office = office.where(office.notna(), "").astype(str).str.strip()
    frame = pd.DataFrame({"police_office": office, "cur": cur, "prev": prev})
    empty = office.eq("").to_numpy()
    if empty.any():
        progress.info(f"{int(empty.sum())} cells have no police_office; their "
                      f"{int(cur[empty].sum())} current incidents are in no office's figures")
    grouped = frame[~empty].groupby("police_office", sort=True).agg(
        cells=("cur", "size"), incidents_current=("cur", "sum"),
        incidents_previous=("prev", "sum")).reset_index()
    grouped = _with_change(grouped)
    return grouped.sort_values(["rank", "police_office"], kind="stable").reset_index(
        drop=True)[columns]


def incident_stats(
    incidents: gpd.GeoDataFrame,
    cells: np.ndarray,
    cell_ids: np.ndarray,
    police_office: np.ndarray | None = None,
    *,
    period: tuple | str | None = None,
    compare: tuple | str | None = None,
    progress: Progress | None = None,
    cell_index: np.ndarray | None = None,
) -> IncidentStats:
    """Incident counts per cell and per police office for two periods.

    Parameters
    ----------
    incidents
        From :func:`read_incidents`, in the same metric CRS as ``cells``.
    cells, cell_ids, police_office
        Cell polygons, their ids and (optionally) their police office, one per cell.
    period, compare
        ``(start, end_exclusive)`` or ``"START/END"``. Defaults: :func:`default_periods`;
        a ``period`` without ``compare`` is compared with the same window a year earlier.
    progress
        Receives report lines (outside incidents, cells without office) and progress.
    cell_index
        The cell of each incident when already known (:func:`assign_cells`; a partitioned
        run assigns them partition by partition).

    Returns
    -------
    IncidentStats
    """
    progress = progress or Progress()
    cells = np.asarray(cells, dtype=object)
    cell_ids = np.asarray(cell_ids)
    dates = incidents["occurred_at"]
    if period is None:
        current, previous = default_periods(dates)
    else:
        current = window(period, "--period")
        previous = year_before(current)
    if compare is not None:
        previous = window(compare, "--compare")
    progress.step(0.05)

    if cell_index is None:
        cell_index = assign_cells(np.asarray(incidents.geometry.values), cells, cell_ids)
    progress.step(0.7)
    stamps = dates.to_numpy(dtype="datetime64[ns]")
    in_current = (stamps >= current[0].to_datetime64()) & (stamps < current[1].to_datetime64())
    in_previous = (stamps >= previous[0].to_datetime64()) & (
        stamps < previous[1].to_datetime64())
    inside = cell_index >= 0
    n = len(cells)
    cur = np.bincount(cell_index[inside & in_current], minlength=n)
    prev = np.bincount(cell_index[inside & in_previous], minlength=n)

    frame = _with_change(pd.DataFrame({"incidents_current": cur, "incidents_previous": prev}))
    sel = inside & in_current
    if "category" in incidents.columns and sel.any():
        category = incidents["category"].to_numpy(dtype=object)[sel]
        codes, names = pd.factorize(pd.Series(category).fillna("").astype(str), sort=True)
        k = len(names)
        table = np.bincount(cell_index[sel] * k + codes, minlength=n * k).reshape(n, k)
        cats = pd.DataFrame(table, columns=[f"cat_{name}" for name in names])
        frame = pd.concat([frame, cats], axis=1)
    progress.step(0.9)

    outside = int((~inside).sum())
    fmt = "%Y-%m-%d"
    for label, (start, end), mask in (("current", current, in_current),
                                      ("previous", previous, in_previous)):
        last = end - pd.Timedelta(days=1) if end == end.normalize() else end
        progress.info(f"{label} period {start.strftime(fmt)} to {last.strftime(fmt)}: "
                      f"{int((mask & inside).sum())} incidents in cells")
    if outside:
        progress.info(f"{outside} incidents lie outside every cell")
    neither = int((~in_current & ~in_previous).sum())
    if neither:
        progress.info(f"{neither} incidents fall in neither period")
    offices = _offices(police_office, cur, prev, progress)
    progress.step(1.0)
    return IncidentStats(cells=frame, offices=offices, outside=outside, current=current,
                         previous=previous, in_current=in_current, cell_index=cell_index)
