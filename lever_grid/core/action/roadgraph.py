"""The road graph of one cell: noded road pieces as a length-weighted networkx multigraph."""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np
import shapely
from shapely.ops import substring

__all__ = ["EDGE_TOLERANCE_M", "RoadGraph", "cell_roads", "road_graph", "prune_stubs"]


#: Roads within this distance of a cell's outline are the cell's roads (its edges).
EDGE_TOLERANCE_M = 0.5


@dataclass
class RoadGraph:
    """``graph``: MultiGraph on node ids with edge attributes ``length`` and ``geom``
    (the LineString drawn from its lower to its higher node id); ``xy``: node coordinates;
    ``access``: the node of each access point given to :func:`road_graph`."""

    graph: nx.MultiGraph
    xy: np.ndarray
    access: np.ndarray


def cell_roads(cell: shapely.Geometry, roads: np.ndarray) -> np.ndarray:
    """The parts of ``roads`` inside ``cell`` or along its outline (within 0.5 m)."""
    roads = np.asarray(roads, dtype=object)
    zone = shapely.buffer(cell, EDGE_TOLERANCE_M)
    near = shapely.STRtree(roads).query(zone, predicate="intersects")
    parts = shapely.get_parts(shapely.intersection(roads[near], zone))
    parts = parts[np.isin(shapely.get_type_id(parts), (1, 2))]
    return parts[shapely.length(parts) > 0]


def road_graph(lines: np.ndarray, access: np.ndarray | None = None) -> RoadGraph:
    """Node ``lines`` where they cross, split them at the ``access`` points (their nearest
    points on the roads), and build the graph."""
    lines = np.asarray(lines, dtype=object)
    noded = shapely.get_parts(shapely.node(shapely.union_all(lines)))
    noded = noded[shapely.length(noded) > 0]
    access = np.asarray(access if access is not None else [], dtype=object)
    cuts: dict[int, list[float]] = {}
    at_xy = np.empty((len(access), 2))
    if len(access):
        tree = shapely.STRtree(noded)
        near = tree.query_nearest(access, return_distance=False, all_matches=False)[1]
        for k, (p, li) in enumerate(zip(access, near, strict=True)):
            d = float(shapely.line_locate_point(noded[li], p))
            cuts.setdefault(int(li), []).append(d)
            at_xy[k] = shapely.get_coordinates(shapely.line_interpolate_point(noded[li], d))[0]
    kept = [noded[i] for i in range(len(noded)) if i not in cuts]
    for li, ds in cuts.items():
        line = noded[li]
        stops = np.unique(np.clip(np.r_[0.0, ds, line.length], 0.0, line.length))
        for a, b in zip(stops[:-1], stops[1:], strict=True):
            if b > a:
                kept.append(substring(line, a, b))
    pieces = np.array(kept, dtype=object)
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    # access points sit exactly on a piece end (same interpolation); snap within 1 mm
    key = np.round(ends / 1e-3).astype(np.int64)
    uniq, inverse = np.unique(key, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    xy = np.zeros((len(uniq), 2))
    xy[inverse] = ends
    u, v = inverse[: len(pieces)], inverse[len(pieces):]
    graph = nx.MultiGraph()
    graph.add_nodes_from(range(len(uniq)))
    length = shapely.length(pieces)
    for a, b, g, w in zip(u, v, pieces, length, strict=True):
        if a > b:
            a, b, g = b, a, shapely.reverse(g)
        graph.add_edge(int(a), int(b), length=float(w), geom=g)
    acc = np.empty(len(access), dtype=np.int64)
    if len(access):
        akey = np.round(at_xy / 1e-3).astype(np.int64)
        pos = {tuple(k): i for i, k in enumerate(uniq.tolist())}
        acc = np.array([pos[tuple(k)] for k in akey.tolist()], dtype=np.int64)
    return RoadGraph(graph, xy, acc)


def prune_stubs(rg: RoadGraph, cell: shapely.Geometry) -> None:
    """Drop the dead-end stubs (at most 1 m long) that clipping with the tolerance leaves
    where a road leaves the cell: a node of degree 1 outside the cell, not an access
    point, and its edge, repeatedly."""
    keep = set(rg.access.tolist())
    outside = shapely.distance(cell, shapely.points(rg.xy)) > 1e-6
    while True:
        drop = [n for n, d in rg.graph.degree() if d == 1 and outside[n] and n not in keep
                and next(iter(rg.graph.edges(n, data="length")))[2]
                <= 2 * EDGE_TOLERANCE_M]
        if not drop:
            return
        rg.graph.remove_nodes_from(drop)
