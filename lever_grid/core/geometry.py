"""Small vectorised geometry helpers shared by the analyses."""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import TypeVar

import numpy as np
import shapely

__all__ = [
    "group_union", "snap_grid", "worker_threads", "balanced_chunks", "map_threads",
    "private_copies", "interior_points", "polygonal", "clean_polygons", "road_pieces",
    "expand_pairs", "run_steps", "collector_paused",
]


T = TypeVar("T")


R = TypeVar("R")


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector off for the block (or decorated function).

    shapely geometries are objects the collector tracks: a city's coverage creates
    millions (faces, their interior points, the pieces merged per cell), and every 700
    new ones start a collection that walks the young objects, now and then all of them.
    On the synthetic city that was about a fifth of the CPU time, spent holding the GIL,
    so the geometry threads waited too. Geometry holds no reference cycles, so reference
    counting frees it all the same. The collector is turned back on afterwards unless it
    was already off (so nesting and threads are safe).
    """
    was_on = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_on:
            gc.enable()


#: Environment variable that sets how many threads the heavy geometry steps use
#: (default: the number of CPUs, at most 4; ``1`` runs everything in the calling thread).
THREADS_ENV = "LEVER_GRID_THREADS"


def group_union(geoms: np.ndarray, groups: np.ndarray, n_groups: int,
                grid_size: float | None = None) -> np.ndarray:
    """Union of ``geoms`` per group id (0..n_groups-1); ``None`` for an empty group.

    Pads the pairs into an ``n_groups x max_count`` array so GEOS does every union in
    one vectorised ``shapely.union_all(axis=1)`` call instead of a Python loop.
    ``grid_size`` makes GEOS snap-round the result to that grid (fully robust noding).
    """
    out = np.full(n_groups, None, dtype=object)
    if len(geoms) == 0:
        return out
    order = np.argsort(groups, kind="stable")
    groups = np.asarray(groups)[order]
    geoms = np.asarray(geoms, dtype=object)[order]
    counts = np.bincount(groups, minlength=n_groups)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    rank = np.arange(len(groups)) - starts[groups]
    width = int(counts.max())
    table = np.full((n_groups, width), None, dtype=object)
    table[groups, rank] = geoms
    unions = shapely.union_all(table, axis=1, grid_size=grid_size)
    out[counts > 0] = unions[counts > 0]
    return out


def snap_grid(geoms: np.ndarray) -> float:
    """A base unit for snap-rounding ``geoms``: 16 units in the last place of their
    largest coordinate (7.5e-9 m at 2.5e6 m). Grids a few thousand times coarser are
    still far below any surveyed detail; finer ones are not robust in GEOS 3.11."""
    bounds = shapely.total_bounds(np.asarray(geoms, dtype=object))
    top = float(np.nanmax(np.abs(bounds))) if np.isfinite(bounds).any() else 1.0
    return float(2.0 ** (np.frexp(max(top, 1.0))[1] - 49))


def worker_threads() -> int:
    """Threads for the heavy geometry steps: ``$LEVER_GRID_THREADS`` or min(CPUs, 4).

    shapely releases the GIL inside GEOS, so independent groups of cells run in parallel.
    """
    text = os.environ.get(THREADS_ENV, "").strip()
    if text.isdigit() and int(text) > 0:
        return int(text)
    return max(1, min(os.cpu_count() or 1, 4))


def balanced_chunks(weights: np.ndarray, n_chunks: int) -> list[np.ndarray]:
    """Split item indices 0..n-1 into at most ``n_chunks`` runs of about equal weight."""
    weights = np.asarray(weights, dtype=float)
    n = len(weights)
    if n == 0:
        return []
    n_chunks = max(1, min(n_chunks, n))
    total = np.cumsum(weights + 1e-9)
    cuts = np.searchsorted(total, total[-1] * np.arange(1, n_chunks) / n_chunks)
    bounds = np.unique(np.concatenate([[0], cuts, [n]]))
    return [np.arange(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


def map_threads(fn: Callable[[T], R], items: Sequence[T], workers: int | None = None
                ) -> Iterator[R]:
    """``map(fn, items)`` on ``workers`` threads (results in order, lazily).

    The threads run under the caller's numpy error state (``np.errstate`` is per thread).
    """
    workers = worker_threads() if workers is None else workers
    if workers <= 1 or len(items) <= 1:
        yield from map(fn, items)
        return
    state = np.geterr()

    def call(item: T) -> R:
        with np.errstate(**state):
            return fn(item)

    with ThreadPoolExecutor(max_workers=workers) as pool:
        futures = [pool.submit(call, item) for item in items]
        try:
            for future in futures:
                yield future.result()
        finally:
            for future in futures:
                future.cancel()


def private_copies(geoms: np.ndarray) -> np.ndarray:
    """New geometry objects equal to ``geoms``, for one thread's exclusive use.

    GEOS 3.11 fills some caches lazily (prepared-geometry indexes, envelopes), so a
    geometry shared between threads must not be prepared or first measured in two of
    them at once; each thread works on its own copies instead.
    """
    geoms = np.asarray(geoms, dtype=object)
    if len(geoms) == 0:
        return geoms.copy()
    return shapely.transform(geoms, lambda xy: xy)


def interior_points(polygons: np.ndarray, clearance: float = 1e-7) -> np.ndarray:
    """A point well inside each (non-empty) polygon.

    ``point_on_surface`` first. GEOS 3.11 now and then returns a point on the boundary
    instead (the first vertex of some concave faces, a point a few ulps from the edge of
    slivers); where the point is not at least ``clearance`` inside, the centroid of the
    polygon's largest constrained-Delaunay triangle is used instead, so that a test "is
    this face inside that polygon?" made on the point does not hang on rounding.
    """
    polygons = np.asarray(polygons, dtype=object)
    points = shapely.point_on_surface(polygons)
    if len(polygons) == 0:
        return points
    gap = shapely.distance(points, shapely.boundary(polygons))
    near = np.flatnonzero(~(gap >= clearance))
    if len(near):
        try:
            tris = shapely.constrained_delaunay_triangles(polygons[near])
        except shapely.errors.GEOSException:  # rare: degenerate slivers, one at a time
            tris = np.array([_triangles_or_empty(g) for g in polygons[near]], dtype=object)
        parts, which = shapely.get_parts(tris, return_index=True)
        if len(parts):
            area = shapely.area(parts)
            order = np.lexsort((-area, which))
            first = order[np.r_[True, which[order][1:] != which[order][:-1]]]
            points[near[which[first]]] = shapely.centroid(parts[first])
    return points


def _triangles_or_empty(polygon):
    try:
        return shapely.constrained_delaunay_triangles(polygon)
    except shapely.errors.GEOSException:
        return shapely.GeometryCollection()


def polygonal(geoms: np.ndarray) -> np.ndarray:
    """Keep only the polygonal parts of each geometry (drops slivers of lower dimension)."""
    geoms = np.asarray(geoms, dtype=object)
    out = np.empty(len(geoms), dtype=object)
    types = shapely.get_type_id(geoms)
    simple = (types == 3) | (types == 6) | (types == -1)
    out[simple] = geoms[simple]
    for i in np.flatnonzero(~simple):  # rare: GeometryCollections from overlays
        parts = shapely.get_parts(geoms[i])
        parts = parts[np.isin(shapely.get_type_id(parts), (3, 6))]
        out[i] = shapely.union_all(parts) if len(parts) else shapely.Polygon()
    return out


def clean_polygons(geoms: np.ndarray) -> np.ndarray:
    """``make_valid`` then keep polygonal parts; ``None`` stays ``None``."""
    geoms = np.asarray(geoms, dtype=object)
    valid = shapely.make_valid(geoms)
    return polygonal(valid)


def road_pieces(cells: np.ndarray, roads: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Split roads by cells: ``(pieces, cell_index, weight)``.

    A piece inside a cell has weight 1; a piece running along the edge shared by two
    cells counts half to each (roads are usually cell edges); duplicated roads count once.
    Pieces outside every cell are dropped.
    """
    cells = np.asarray(cells, dtype=object)
    lines = shapely.get_parts(np.asarray(roads, dtype=object))
    empty = np.empty(0, dtype=object), np.empty(0, dtype=int), np.empty(0)
    if len(lines) == 0 or len(cells) == 0:
        return empty
    network = shapely.union_all(lines)
    edges = shapely.union_all(shapely.boundary(cells))
    inner = shapely.get_parts(shapely.difference(network, edges))
    along = shapely.get_parts(shapely.intersection(network, edges))
    pieces = np.concatenate([inner, along])
    pieces = pieces[np.isin(shapely.get_type_id(pieces), (1, 2)) & (shapely.length(pieces) > 0)]
    if len(pieces) == 0:
        return empty
    mid = shapely.line_interpolate_point(pieces, 0.5, normalized=True)
    # a midpoint on a shared edge can sit a rounding hair off either cell: 1 µm tolerance
    piece_i, cell_i = shapely.STRtree(cells).query(mid, predicate="dwithin", distance=1e-6)
    share = np.bincount(piece_i, minlength=len(pieces))
    return pieces[piece_i], cell_i, 1.0 / share[piece_i]


def run_steps(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., ``counts[k] - 1`` for every k, concatenated: each item's position in
    its run when runs of those lengths are laid end to end."""
    counts = np.asarray(counts, dtype=np.int64)
    return np.arange(int(counts.sum())) - np.repeat(np.cumsum(counts) - counts, counts)


def expand_pairs(keys: np.ndarray, values: np.ndarray,
                 queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For each query k, every ``values[j]`` whose ``keys[j] == queries[k]``.

    Returns ``(k, value)`` arrays (a vectorised one-to-many join without a Python loop).
    """
    order = np.argsort(keys, kind="stable")
    keys, values = np.asarray(keys)[order], np.asarray(values)[order]
    start = np.searchsorted(keys, queries, "left")
    n = np.searchsorted(keys, queries, "right") - start
    k = np.repeat(np.arange(len(queries)), n)
    pos = run_steps(n) + np.repeat(start, n)
    return k, values[pos]
