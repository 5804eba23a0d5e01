"""Small vectorised geometry helpers shared by the analyses."""

from __future__ import annotations

import numpy as np
import shapely

__all__ = ["group_union", "polygonal", "clean_polygons"]


def group_union(geoms: np.ndarray, groups: np.ndarray, n_groups: int) -> np.ndarray:
    """Union of ``geoms`` per group id (0..n_groups-1); ``None`` for an empty group.

    Pads the pairs into an ``n_groups x max_count`` array so GEOS does every union in
    one vectorised ``shapely.union_all(axis=1)`` call instead of a Python loop.
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
    unions = shapely.union_all(table, axis=1)
    out[counts > 0] = unions[counts > 0]
    return out


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


def road_pieces(cells: np.ndarray, roads: np.ndarray):
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
    piece_i, cell_i = shapely.STRtree(cells).query(mid, predicate="intersects")
    share = np.bincount(piece_i, minlength=len(pieces))
    return pieces[piece_i], cell_i, 1.0 / share[piece_i]
