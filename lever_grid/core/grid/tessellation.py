"""Road-based tessellation: split an enclosure along the midlines between its roads.

Each piece of a tessellated enclosure is the area nearer to one road stretch than to any
other (a Voronoi diagram of points spaced along the roads, dissolved per stretch and cut
by the enclosure), so the pieces' edges run along roads where a road exists and halfway
between roads elsewhere (behind the frontages). A stretch is a noded road piece, split
into equal parts when it is longer than ``STRETCH_M`` (so one long cul-de-sac can be
shared between two cells).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..geometry import group_union, run_steps

__all__ = ["SPACING_M", "STRETCH_M", "road_midlines"]


#: Distance between the road points the Voronoi diagram is built from (metres).
SPACING_M = 4.0


#: Longest road stretch that makes one piece (metres).
STRETCH_M = 400.0


_ON = 1e-6


#: How far the midlines reach past the enclosure edges they end on (metres).
OVERLAP_M = 0.05


def _stretches(roads: np.ndarray, stretch_m: float) -> np.ndarray:
    """Road pieces cut into equal parts no longer than ``stretch_m``."""
    length = shapely.length(roads)
    n = np.maximum(np.ceil(length / stretch_m), 1).astype(np.int64)
    if (n == 1).all():
        return roads
    line = np.repeat(np.arange(len(roads)), n)
    k = run_steps(n)
    return _substrings(roads[line], k / n[line], (k + 1) / n[line])


def _substrings(lines: np.ndarray, start: np.ndarray, end: np.ndarray) -> np.ndarray:
    """Parts of ``lines`` between the normalised positions ``start`` and ``end``."""
    from shapely.ops import substring

    out = np.empty(len(lines), dtype=object)
    for i, (g, a, b) in enumerate(zip(lines, start, end, strict=True)):  # long roads only
        out[i] = g if (a == 0 and b == 1) else substring(g, a, b, normalized=True)
    return out


def _dissolve(cells: np.ndarray, group: np.ndarray, n: int) -> np.ndarray:
    """Union of Voronoi cells per group. They form a coverage (edges shared exactly), so
    GEOS' coverage union is used: faster, and it never meets the topology errors the
    overlay union can on thousands of slim cells."""
    out = np.full(n, None, dtype=object)
    order = np.argsort(group, kind="stable")
    group, cells = group[order], cells[order]
    counts = np.bincount(group, minlength=n)
    rank = np.arange(len(group)) - np.repeat(np.cumsum(counts) - counts, counts)[
        np.arange(len(group))] if len(group) else group
    table = np.full((n, int(counts.max()) if len(group) else 1), None, dtype=object)
    table[group, rank] = cells
    try:
        unions = shapely.coverage_union_all(table, axis=1)
    except shapely.errors.GEOSException:  # not a clean coverage after all: snap-round
        unions = group_union(cells, group, n, grid_size=1e-6)
    out[counts > 0] = np.asarray(unions, dtype=object)[counts > 0]
    return out


def road_midlines(enclosures: np.ndarray, roads: np.ndarray, selected: np.ndarray,
                  spacing: float = SPACING_M, stretch_m: float = STRETCH_M) -> np.ndarray:
    """Midlines between the road stretches ``roads`` (those inside or round the ``selected``
    enclosures).

    Returns LineStrings lying inside those enclosures (to be noded with the roads and
    polygonized into the pieces).
    """
    empty = np.empty(0, dtype=object)
    sel = np.asarray(enclosures, dtype=object)[np.asarray(selected, dtype=bool)]
    roads = np.asarray(roads, dtype=object)
    if len(sel) == 0 or len(roads) == 0:
        return empty
    near = roads
    if len(near) < 2:
        return empty
    parts = _stretches(near, stretch_m)
    length = shapely.length(parts)
    n = np.maximum(np.ceil(length / spacing), 2).astype(np.int64)
    label = np.repeat(np.arange(len(parts)), n)
    k = run_steps(n)
    points = shapely.line_interpolate_point(parts[label], (k + 0.5) / n[label], normalized=True)
    xy = shapely.get_coordinates(points)
    _, first = np.unique(np.round(xy, 6), axis=0, return_index=True)
    first = np.sort(first)
    points, label = points[first], label[first]
    region = shapely.union_all(sel)
    extent = shapely.buffer(shapely.envelope(region), 10.0 * spacing)
    cells = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(points),
                                                       extend_to=extent))
    shapely.prepare(cells)
    cell_i, pt_i = shapely.STRtree(points).query(cells, predicate="contains")
    owner = np.full(len(cells), -1)
    owner[cell_i] = label[pt_i]
    keep = owner >= 0
    dissolved = _dissolve(cells[keep], owner[keep], len(parts))
    dissolved = dissolved[dissolved != np.array(None)]
    edges = shapely.union_all(shapely.boundary(dissolved))
    # cut a little outside the enclosures, so each midline crosses the road or outline it
    # ends on and noding joins them (a cut exactly on the edge can end a hair short)
    reach = shapely.buffer(region, OVERLAP_M, quad_segs=2)
    lines = shapely.get_parts(shapely.line_merge(shapely.intersection(edges, reach)))
    lines = lines[(shapely.get_type_id(lines) == 1) & (shapely.length(lines) > 0)]
    return lines
