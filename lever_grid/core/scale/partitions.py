"""Partitions of a large analysis: tiles of cells in Hilbert order and what reaches them.

A cell's coverage depends only on the views, buildings and roads that meet it, so cells
can be computed tile by tile. Each tile (a run of cells along a Hilbert curve through
their centres, so tiles are compact) carries:

- the views that intersect its cells (a view is computed once, by its camera's chunk,
  and then used by every tile it reaches: the camera range is the halo);
- the buildings and roads that intersect its cells (they shape the watch areas);
- the incidents inside the tile's bounding box (candidates; each partition assigns them
  to its own cells and the merge keeps, for every incident, the lowest cell_id, the rule
  of :func:`~lever_grid.core.stats.incidents.assign_cells`).

Cameras are chunked the same way for the views: a chunk carries the buildings within
range of its cameras. Indices are kept ascending inside every partition, so each cell
sees its views in the same order as in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely

from ..geometry import balanced_chunks

__all__ = ["CellPart", "auto_partitions", "camera_chunks", "cell_parts", "hilbert_keys",
           "incident_candidates"]


#: Above these sizes a single-machine run is chunked automatically.
AUTO_CELLS = 4000
AUTO_CAMERAS = 80_000


def hilbert_keys(x: np.ndarray, y: np.ndarray, order: int = 16) -> np.ndarray:
    """Distance along a Hilbert curve of order ``order`` through the box of the points.

    Examples
    --------
    >>> hilbert_keys(np.array([0.0, 0.0, 1.0, 1.0]), np.array([0.0, 1.0, 1.0, 0.0]), 1).tolist()
    [0, 1, 2, 3]
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = 1 << order
    if len(x) == 0:
        return np.zeros(0, dtype=np.int64)

    def grid(v: np.ndarray) -> np.ndarray:
        lo, hi = float(np.min(v)), float(np.max(v))
        span = hi - lo if hi > lo else 1.0
        return np.clip(((v - lo) / span * (n - 1)).round(), 0, n - 1).astype(np.int64)

    xi, yi = grid(x), grid(y)
    d = np.zeros(len(x), dtype=np.int64)
    s = n >> 1
    while s > 0:
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        turn = ry == 0
        flip = turn & (rx == 1)
        xi = np.where(flip, n - 1 - xi, xi)
        yi = np.where(flip, n - 1 - yi, yi)
        xi, yi = np.where(turn, yi, xi), np.where(turn, xi, yi)
        s >>= 1
    return d


def _centres(geoms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    b = shapely.bounds(np.asarray(geoms, dtype=object))
    return (b[:, 0] + b[:, 2]) / 2.0, (b[:, 1] + b[:, 3]) / 2.0


def _hilbert_runs(geoms: np.ndarray, n_parts: int, weights: np.ndarray | None = None
                  ) -> list[np.ndarray]:
    """``n_parts`` runs of about equal weight along the Hilbert curve, each ascending."""
    x, y = _centres(geoms)
    ok = np.isfinite(x) & np.isfinite(y)
    keys = np.full(len(x), -1, dtype=np.int64)  # missing geometry: first tile
    keys[ok] = hilbert_keys(x[ok], y[ok])
    order = np.argsort(keys, kind="stable")
    w = np.ones(len(order)) if weights is None else np.asarray(weights, dtype=float)[order]
    return [np.sort(order[run]) for run in balanced_chunks(w, n_parts)]


@dataclass
class CellPart:
    """One tile: positions of its cells, and of the views, buildings, roads and incident
    candidates it needs (all ascending, positions in the whole run's arrays)."""

    cells: np.ndarray
    views: np.ndarray
    buildings: np.ndarray | None
    roads: np.ndarray | None
    incidents: np.ndarray | None


def _reaching(cell_geoms: np.ndarray, part_of: np.ndarray, n_parts: int,
              geoms: np.ndarray | None) -> list[Any]:
    """For each part, the ascending positions of ``geoms`` intersecting one of its cells."""
    if geoms is None:
        return [None] * n_parts
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return [np.zeros(0, dtype=np.int64) for _ in range(n_parts)]
    cell_i, g_i = shapely.STRtree(geoms).query(cell_geoms, predicate="intersects")
    keys = np.unique(part_of[cell_i].astype(np.int64) * len(geoms) + g_i)
    part, g = keys // len(geoms), keys % len(geoms)
    cuts = np.searchsorted(part, np.arange(n_parts + 1))
    return [g[cuts[k]:cuts[k + 1]] for k in range(n_parts)]


def incident_candidates(points: np.ndarray, boxes: np.ndarray) -> list[np.ndarray]:
    """Ascending positions of the ``points`` inside (or on) each box (minx, miny, maxx, maxy)."""
    xy = shapely.get_coordinates(np.asarray(points, dtype=object))
    if len(xy) != len(points):  # empty points: coordinates one by one
        xy = np.array([[np.nan, np.nan] if p is None or p.is_empty else p.coords[0]
                       for p in points], dtype=float).reshape(-1, 2)
    order = np.argsort(xy[:, 0], kind="stable")
    xs = xy[order, 0]
    out = []
    for minx, miny, maxx, maxy in boxes:
        lo, hi = np.searchsorted(xs, minx, "left"), np.searchsorted(xs, maxx, "right")
        sel = order[lo:hi]
        yv = xy[sel, 1]
        out.append(np.sort(sel[(yv >= miny) & (yv <= maxy)]))
    return out


def cell_parts(
    cell_geoms: np.ndarray,
    n_parts: int,
    views: np.ndarray,
    *,
    buildings: np.ndarray | None = None,
    roads: np.ndarray | None = None,
    incidents: np.ndarray | None = None,
) -> list[CellPart]:
    """Tiles of ``cell_geoms`` (metres) in Hilbert order with what reaches each of them.

    Tiles are balanced on the number of views that reach each cell (the arrangement's
    cost), so crowded districts get smaller tiles.
    """
    cell_geoms = np.asarray(cell_geoms, dtype=object)
    views = np.asarray(views, dtype=object)
    n = len(cell_geoms)
    usable = ~(shapely.is_missing(views) | shapely.is_empty(views))
    weight = np.ones(n)
    if usable.any():
        cell_i, _ = shapely.STRtree(views[usable]).query(cell_geoms, predicate="intersects")
        weight += np.bincount(cell_i, minlength=n)
    runs = _hilbert_runs(cell_geoms, max(1, min(n_parts, n)), weight) if n else []
    part_of = np.zeros(n, dtype=np.int64)
    for k, run in enumerate(runs):
        part_of[run] = k
    k = len(runs)
    view_parts = _reaching(cell_geoms, part_of, k, views)
    bld_parts = _reaching(cell_geoms, part_of, k, buildings)
    road_parts = _reaching(cell_geoms, part_of, k, roads)
    if incidents is None:
        inc_parts: list = [None] * k
    else:
        boxes = np.array([shapely.total_bounds(cell_geoms[run]) for run in runs]).reshape(-1, 4)
        inc_parts = incident_candidates(incidents, boxes)
    return [CellPart(run, v, b, r, i) for run, v, b, r, i in
            zip(runs, view_parts, bld_parts, road_parts, inc_parts, strict=True)]


def camera_chunks(points: np.ndarray, range_m: np.ndarray, n_chunks: int,
                  buildings: np.ndarray | None = None
                  ) -> list[tuple[np.ndarray, np.ndarray | None]]:
    """Cameras in ``n_chunks`` Hilbert runs, each with the buildings within its cameras'
    range (the only ones that can cut their views)."""
    points = np.asarray(points, dtype=object)
    if len(points) == 0:
        return []
    runs = _hilbert_runs(points, max(1, min(n_chunks, len(points))))
    if buildings is None or len(buildings) == 0:
        return [(run, None if buildings is None else np.zeros(0, dtype=np.int64))
                for run in runs]
    chunk_of = np.zeros(len(points), dtype=np.int64)
    for k, run in enumerate(runs):
        chunk_of[run] = k
    cam_i, b_i = shapely.STRtree(np.asarray(buildings, dtype=object)).query(
        points, predicate="dwithin", distance=np.asarray(range_m, dtype=float))
    keys = np.unique(chunk_of[cam_i] * len(buildings) + b_i)
    part, b = keys // len(buildings), keys % len(buildings)
    cuts = np.searchsorted(part, np.arange(len(runs) + 1))
    return [(run, b[cuts[k]:cuts[k + 1]]) for k, run in enumerate(runs)]


def auto_partitions(n_cells: int, n_cameras: int) -> int:
    """Tiles for a single-machine run: 1 for a village or town, more for a city."""
    return max(1, int(np.ceil(max(n_cells / AUTO_CELLS, n_cameras / AUTO_CAMERAS))))
