"""Road network repair and the faces (blocks) the roads enclose.

Everything here works in metres (a projected or local CRS) on plain shapely arrays.
The repair makes a network whose junctions were digitised a little apart (every road
end moved by up to ``snap`` metres) give the same faces as the clean network:

1. parts: multi-lines are split, zero-length pieces and exact duplicates dropped,
   the rest put in a canonical order (input row order never matters);
2. junctions: road ends closer than ``2 * snap`` to each other are joined at their mean
   point (each end of a junction may have moved up to ``snap``, so two ends of the same
   junction may be up to ``2 * snap`` apart);
3. undershoots: a road end (or joined junction) within ``snap`` of another road that it
   neither touches nor crosses is moved onto that road;
4. noding: crossing roads are split where they cross, overlapping roads dissolved, all on
   a 1 mm grid (snap rounding, so an end placed on a road is noded with it);
5. overshoots: a dead-end piece shorter than ``snap`` hanging off a junction is dropped.

Dead ends (dangles) stay in the network for road length but do not bound faces.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely
from scipy import sparse
from scipy.cluster.hierarchy import fcluster, linkage
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from .geometry import group_union
from .progress import Progress

__all__ = ["GRID", "Faces", "repair_roads", "build_faces"]

#: Coordinate grid (metres) of the repaired network: noding uses snap rounding on it.
GRID = 0.001


@dataclass
class Faces:
    """The faces of a road network and what the partition needs to know about them.

    Attributes
    ----------
    geoms : Polygon per face, in canonical order (centroid y descending, then x).
    road_length : road length per face; a road on the edge between two faces counts half
        to each, a dead end inside a face fully.
    adjacency : symmetric sparse matrix of the edge length two faces share (> 0 only for
        faces sharing an edge, not just a point).
    area, perimeter : per face, metres.
    xy : face centroids, ``(F, 2)``.
    outline : the area the faces cover (boundary, or the union of the faces).
    roads : the repaired road pieces inside the outline.
    counts : numbers logged while building the faces.
    """

    geoms: np.ndarray
    road_length: np.ndarray
    adjacency: sparse.csr_matrix
    area: np.ndarray
    perimeter: np.ndarray
    xy: np.ndarray
    outline: object
    roads: np.ndarray
    counts: dict = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.geoms)


def _lines(geoms: np.ndarray) -> np.ndarray:
    parts = shapely.get_parts(shapely.force_2d(np.asarray(geoms, dtype=object)))
    parts = parts[shapely.get_type_id(parts) == 1]  # LineString (LinearRing parts are 2)
    return parts


def _canonical(lines: np.ndarray) -> tuple[np.ndarray, int]:
    """Normalised lines in a canonical order, exact duplicates removed."""
    lines = shapely.normalize(lines)
    wkb = np.asarray(shapely.to_wkb(lines, output_dimension=2, byte_order=1), dtype=object)
    _, first = np.unique(wkb.astype(bytes), return_index=True)
    return lines[first], len(lines) - len(first)  # sorted by WKB


def _ends(lines: np.ndarray) -> np.ndarray:
    """End coordinates ``(2L, 2)``: start of line i at 2i, end at 2i + 1."""
    start = shapely.get_coordinates(shapely.get_point(lines, 0))
    end = shapely.get_coordinates(shapely.get_point(lines, -1))
    return np.stack([start, end], axis=1).reshape(-1, 2)


def _set_ends(lines: np.ndarray, ends: np.ndarray) -> np.ndarray:
    coords, index = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(index, minlength=len(lines))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    coords = coords.copy()
    coords[first] = ends[0::2]
    coords[first + counts - 1] = ends[1::2]
    return shapely.linestrings(coords, indices=index)


def _cluster_ends(ends: np.ndarray, reach: float) -> np.ndarray:
    """Cluster labels of road ends: single linkage within ``reach``, except between the two
    ends of one road; a cluster wider than ``reach`` is split by complete linkage."""
    n = len(ends)
    pairs = cKDTree(ends).query_pairs(reach, output_type="ndarray") if reach > 0 else \
        np.empty((0, 2), dtype=int)
    exact = _exact_pairs(ends)
    pairs = np.concatenate([pairs, exact]) if len(pairs) else exact
    pairs = pairs[pairs[:, 0] // 2 != pairs[:, 1] // 2] if len(pairs) else pairs
    graph = sparse.coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    lo = np.full((labels.max() + 1, 2), np.inf)
    hi = np.full((labels.max() + 1, 2), -np.inf)
    np.minimum.at(lo, labels, ends)
    np.maximum.at(hi, labels, ends)
    wide = np.flatnonzero(np.hypot(*(hi - lo).T) > reach)
    next_label = labels.max() + 1
    for c in wide:  # rare: junctions closer than 2 * snap chained together
        members = np.flatnonzero(labels == c)
        sub = fcluster(linkage(ends[members], "complete"), reach, criterion="distance")
        labels[members] = next_label + sub - 1
        next_label += sub.max()
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def _exact_pairs(ends: np.ndarray) -> np.ndarray:
    """Pairs of ends at identical coordinates (always joined, even for one road's ends)."""
    order = np.lexsort((ends[:, 1], ends[:, 0]))
    same = np.all(ends[order][1:] == ends[order][:-1], axis=1)
    return np.stack([order[:-1][same], order[1:][same]], axis=1)


def _cluster_points(ends: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Mean point per cluster, summed in a fixed order (identical ends stay bit-exact)."""
    k = labels.max() + 1
    order = np.lexsort((ends[:, 1], ends[:, 0], labels))
    first = np.full(k, -1)
    first[labels[order][::-1]] = order[::-1]
    base = ends[first]
    offset = ends - base[labels]
    count = np.bincount(labels, minlength=k)
    mean = np.stack([np.bincount(labels, weights=offset[:, i], minlength=k) for i in (0, 1)], 1)
    return base + mean / count[:, None]


def _snap_to_roads(lines: np.ndarray, ends: np.ndarray, labels: np.ndarray,
                   snap: float) -> tuple[np.ndarray, int]:
    """Move cluster points within ``snap`` of a road they neither touch nor cross onto it."""
    k = labels.max() + 1
    points_xy = _cluster_points(ends, labels)
    points = shapely.points(points_xy)
    tree = shapely.STRtree(lines)
    c_i, l_i = tree.query(points, predicate="dwithin", distance=snap)
    if len(c_i) == 0:
        return points_xy, 0
    # roads with an end in the cluster are its own
    own = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)) // 2)),
                            shape=(k, len(lines)))
    keep = np.asarray(own[c_i, l_i]).ravel() == 0
    c_i, l_i = c_i[keep], l_i[keep]
    dist = shapely.distance(points[c_i], lines[l_i])
    keep = dist > 0
    c_i, l_i, dist = c_i[keep], l_i[keep], dist[keep]
    if len(c_i):
        # a road that one of the cluster's own roads already crosses: noding handles it
        member, line_of = np.flatnonzero(np.isin(labels, c_i)), None
        line_of = member // 2
        pair_c = labels[member]
        m_c, m_l = _expand(pair_c, line_of, c_i, l_i)
        crossing = shapely.intersects(lines[m_l], lines[l_i[m_c]])
        bad = np.zeros(len(c_i), dtype=bool)
        np.logical_or.at(bad, m_c, crossing)
        c_i, l_i, dist = c_i[~bad], l_i[~bad], dist[~bad]
    if len(c_i) == 0:
        return points_xy, 0
    order = np.lexsort((l_i, dist, c_i))
    c_i, l_i = c_i[order], l_i[order]
    first = np.concatenate([[True], c_i[1:] != c_i[:-1]])
    c_i, l_i = c_i[first], l_i[first]
    target = shapely.line_interpolate_point(lines[l_i], shapely.line_locate_point(
        lines[l_i], points[c_i]))
    points_xy = points_xy.copy()
    points_xy[c_i] = shapely.get_coordinates(target)
    return points_xy, len(c_i)


def _expand(pair_c: np.ndarray, line_of: np.ndarray, c_i: np.ndarray,
            l_i: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """For candidate k = (cluster c_i[k], road l_i[k]): every (k, own road of c_i[k])."""
    order = np.argsort(pair_c, kind="stable")
    pair_c, line_of = pair_c[order], line_of[order]
    start = np.searchsorted(pair_c, c_i, "left")
    stop = np.searchsorted(pair_c, c_i, "right")
    n = stop - start
    cand = np.repeat(np.arange(len(c_i)), n)
    pos = np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n) + np.repeat(start, n)
    return cand, line_of[pos]


def _node(lines: np.ndarray) -> np.ndarray:
    if len(lines) == 0:
        return lines
    merged = shapely.union_all(lines, grid_size=GRID)
    parts = shapely.get_parts(merged)
    parts = parts[(shapely.get_type_id(parts) == 1) & (shapely.length(parts) > 0)]
    return parts


def _degrees(pieces: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node id of each piece end ``(P, 2)`` and the degree of every node."""
    ends = _ends(pieces)
    _, node, deg = np.unique(ends, axis=0, return_inverse=True, return_counts=True)
    return node.reshape(-1, 2), deg


def _trim_overshoots(pieces: np.ndarray, snap: float) -> tuple[np.ndarray, int, int]:
    """Drop dead-end pieces shorter than ``snap`` at junctions, and tiny isolated pieces."""
    if len(pieces) == 0:
        return pieces, 0, 0
    node, deg = _degrees(pieces)
    d = deg[node]
    closed = node[:, 0] == node[:, 1]
    short = shapely.length(pieces) < snap
    stub = short & ~closed & (((d[:, 0] == 1) & (d[:, 1] >= 3)) | ((d[:, 1] == 1) & (d[:, 0] >= 3)))
    lonely = short & ~closed & (d[:, 0] == 1) & (d[:, 1] == 1)
    return pieces[~(stub | lonely)], int(stub.sum()), int(lonely.sum())


def repair_roads(
    geoms: np.ndarray, snap: float = 3.0, progress: Progress | None = None
) -> tuple[np.ndarray, dict]:
    """Repair a road network (metres): returns ``(pieces, counts)``.

    ``pieces`` are LineStrings noded at every junction and crossing, on a 1 mm grid, in
    a canonical order. ``counts`` holds the repair counts (also logged through
    ``progress.info``): parts, zero_length, duplicates, junctions, ends_moved,
    undershoots, overshoots, collapsed, tiny, overlap_m.

    Examples
    --------
    >>> from shapely import LineString
    >>> broken = np.array([LineString([(0, 0), (99, 0)]), LineString([(100.5, 1), (100, 90)])])
    >>> pieces, counts = repair_roads(broken, snap=3.0)
    >>> len(pieces), counts["junctions"]
    (2, 1)
    """
    progress = progress or Progress()
    snap = max(float(snap), 0.0)
    lines = _lines(geoms)
    counts: dict = {"parts": int(len(lines))}
    zero = shapely.length(lines) <= 0
    counts["zero_length"] = int(zero.sum())
    lines, counts["duplicates"] = _canonical(lines[~zero])
    total_in = float(shapely.length(lines).sum())
    if len(lines) == 0:
        counts.update(junctions=0, ends_moved=0, undershoots=0, overshoots=0, collapsed=0,
                      tiny=0, overlap_m=0.0)
        return lines, counts
    progress.info(f"roads: {counts['parts']} line(s); dropped {counts['zero_length']} "
                  f"zero-length and {counts['duplicates']} exact duplicate(s)")

    ends = _ends(lines)
    labels = _cluster_ends(ends, 2.0 * snap)
    points = _cluster_points(ends, labels)
    size = np.bincount(labels)
    moved = np.any(points[labels] != ends, axis=1)
    counts["ends_moved"] = int(moved.sum())
    counts["junctions"] = int(len(np.unique(labels[moved & (size[labels] >= 2)])))
    ends = points[labels]
    points, counts["undershoots"] = _snap_to_roads(_set_ends(lines, ends), ends, labels, snap)
    ends = points[labels]
    lines = _set_ends(lines, ends)
    same = labels[0::2] == labels[1::2]
    collapsed = same & ~(shapely.is_closed(lines) & (shapely.length(lines) > 4.0 * snap))
    collapsed |= shapely.length(lines) <= 0
    counts["collapsed"] = int(collapsed.sum())
    lines = lines[~collapsed]
    progress.info(f"roads: joined {counts['junctions']} junction(s) whose ends lay apart "
                  f"({counts['ends_moved']} end(s) moved, within {2 * snap:g} m), closed "
                  f"{counts['undershoots']} undershoot(s) within {snap:g} m"
                  + (f", {counts['collapsed']} road(s) shorter than the snap distance "
                     f"collapsed" if counts["collapsed"] else ""))

    pieces = _node(lines)
    counts["overlap_m"] = round(max(total_in - float(shapely.length(pieces).sum()), 0.0), 1)
    pieces, counts["overshoots"], counts["tiny"] = _trim_overshoots(pieces, snap)
    pieces = _node(pieces)  # re-merge nothing, but keep the grid and order canonical
    pieces = pieces[_order(pieces)]
    progress.info(f"roads: noded into {len(pieces)} piece(s); trimmed {counts['overshoots']} "
                  f"overshoot(s) under {snap:g} m, dropped {counts['tiny']} tiny isolated "
                  f"piece(s); overlapping roads dissolved ({counts['overlap_m']:g} m, "
                  f"including overshoots)")
    return pieces, counts


def _order(geoms: np.ndarray) -> np.ndarray:
    """Canonical order of geometries: by bounds, then WKB."""
    b = shapely.bounds(geoms)
    wkb = np.asarray(shapely.to_wkb(geoms, byte_order=1), dtype=object).astype(bytes)
    return np.lexsort((wkb, b[:, 3], b[:, 2], b[:, 1], b[:, 0]))


def build_faces(
    pieces: np.ndarray,
    boundary: object | None = None,
    *,
    snap: float = 3.0,
    progress: Progress | None = None,
) -> Faces:
    """Faces enclosed by repaired road ``pieces`` (see :func:`repair_roads`).

    With a ``boundary`` polygon the roads are clipped to it and its rings become edges
    too, so the faces tile the boundary. Without one, the outline is the union of the
    faces the roads enclose; roads outside it (dead ends leaving the village) are clipped.
    Faces thinner than ``snap`` (twice area over perimeter: strips between two copies of
    a road) are merged into the neighbour they share most edge with.
    """
    progress = progress or Progress()
    counts: dict = {}
    roads = np.asarray(pieces, dtype=object)
    edges = roads
    if boundary is not None and shapely.is_empty(boundary):
        boundary = None
    if boundary is not None:
        inside = _lines(shapely.intersection(roads, boundary, grid_size=GRID))
        inside = inside[shapely.length(inside) > 0]
        counts["clipped_m"] = round(float(shapely.length(roads).sum()
                                          - shapely.length(inside).sum()), 1)
        rings = _lines(shapely.boundary(boundary))
        edges = _node(np.concatenate([inside, rings]))
        edges = edges[_order(edges)]
        mid = shapely.line_interpolate_point(edges, 0.5, normalized=True)
        hit, _ = shapely.STRtree(inside).query(mid, predicate="dwithin", distance=2 * GRID)
        is_road = np.zeros(len(edges), dtype=bool)
        is_road[hit] = True
        roads = edges[is_road]
    faces = shapely.get_parts(shapely.polygonize(edges))
    if boundary is not None and len(faces):
        faces = faces[shapely.within(shapely.point_on_surface(faces), boundary)]
    faces = faces[shapely.area(faces) > 0]
    if len(faces) == 0:
        return _empty_faces(roads, counts)
    faces, edges, merged = _merge_thin(faces, edges, snap)
    counts["thin_merged"] = merged
    xy = shapely.get_coordinates(shapely.centroid(faces))
    order = np.lexsort((xy[:, 0], -xy[:, 1]))
    faces, xy = faces[order], xy[order]
    outline = boundary if boundary is not None else shapely.union_all(faces, grid_size=GRID)
    road_length, kept = _road_length(faces, roads)
    adjacency = _adjacency(faces, edges)
    counts["faces"] = int(len(faces))
    counts["dangles_m"] = round(float(_dangle_length(roads[kept], faces)), 1)
    counts["road_m"] = round(float(road_length.sum()), 1)
    if boundary is None:
        counts["clipped_m"] = round(float(shapely.length(roads[~kept]).sum()), 1)
    progress.info(f"faces: {len(faces)} enclosed by the roads"
                  + (f" ({merged} thin strip(s) merged)" if merged else "")
                  + f"; {counts['clipped_m']:g} m of road outside the "
                  + ("boundary" if boundary is not None else "network's outer edge")
                  + " clipped")
    return Faces(faces, road_length, adjacency, shapely.area(faces), shapely.length(faces), xy,
                 outline, roads[kept], counts)


def _empty_faces(roads: np.ndarray, counts: dict) -> Faces:
    counts.setdefault("clipped_m", 0.0)
    counts.update(faces=0, thin_merged=0, dangles_m=0.0)
    empty = np.empty(0, dtype=object)
    return Faces(empty, np.empty(0), sparse.csr_matrix((0, 0)), np.empty(0), np.empty(0),
                 np.empty((0, 2)), shapely.Polygon(), roads, counts)


def _edge_faces(faces: np.ndarray, lines: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(line index, face index) for every line lying in the closure of a face."""
    return shapely.STRtree(faces).query(lines, predicate="covered_by")


def _road_length(faces: np.ndarray, roads: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Road length per face (a piece on two faces' shared edge counts half to each)."""
    pieces = roads
    line_i, face_i = _edge_faces(faces, pieces)
    share = np.bincount(line_i, minlength=len(pieces))
    length = np.bincount(face_i, weights=shapely.length(pieces)[line_i] / share[line_i],
                         minlength=len(faces))
    return length, share > 0


def _dangle_length(roads: np.ndarray, faces: np.ndarray) -> float:
    """Length of the road pieces that bound no face (dead ends inside faces)."""
    on_edge, _ = shapely.STRtree(shapely.boundary(faces)).query(roads, predicate="covered_by")
    free = np.ones(len(roads), dtype=bool)
    free[on_edge] = False
    return float(shapely.length(roads[free]).sum())


def _adjacency(faces: np.ndarray, edges: np.ndarray) -> sparse.csr_matrix:
    """Shared edge length between faces."""
    n = len(faces)
    line_i, face_i = _edge_faces(faces, edges)
    order = np.lexsort((face_i, line_i))
    line_i, face_i = line_i[order], face_i[order]
    pair = np.flatnonzero(line_i[1:] == line_i[:-1])
    a, b = face_i[pair], face_i[pair + 1]
    w = shapely.length(edges)[line_i[pair]]
    m = sparse.coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]),
                                                    np.concatenate([b, a]))), shape=(n, n))
    return m.tocsr()


def _merge_thin(faces: np.ndarray, edges: np.ndarray,
                snap: float) -> tuple[np.ndarray, np.ndarray, int]:
    """Merge faces narrower than ``snap`` (2·area/perimeter) into their longest neighbour."""
    total = 0
    for _ in range(5):
        width = 2.0 * shapely.area(faces) / shapely.length(faces)
        thin = width < snap
        if not thin.any() or len(faces) < 2:
            break
        adj = _adjacency(faces, edges).tocoo()
        keep = thin[adj.row] & ~thin[adj.col]
        if not keep.any():
            break
        row, col, w = adj.row[keep], adj.col[keep], adj.data[keep]
        order = np.lexsort((col, -w, row))
        row, col = row[order], col[order]
        first = np.concatenate([[True], row[1:] != row[:-1]])
        target = np.arange(len(faces))
        target[row[first]] = col[first]
        _, group = np.unique(target, return_inverse=True)
        faces = shapely.normalize(group_union(faces, group, group.max() + 1))
        total += int(first.sum())
    return faces, edges, total
