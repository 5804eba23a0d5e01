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
4. noding: crossing roads are split where they cross, overlapping roads dissolved (an end
   placed on a road in step 3 is also inserted into that road as a vertex, so the two are
   noded exactly; coordinates that need no repair are kept bit for bit);
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

from ..geometry import expand_pairs, group_union
from ..progress import Progress

__all__ = ["Faces", "repair_roads", "build_faces"]


#: Distance (metres) under which a point counts as lying on a line.
ON_LINE = 1e-6


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
    boundary : the boundary polygon given, else None (the outline is the union of faces).
    roads : the repaired road pieces in or on the faces (road length is measured on them).
    road_sides : ``(R, 2)`` face left and right of each of ``roads`` (-1: none; the same
        face twice for a dead end inside it).
    counts : numbers logged while building the faces.
    """

    geoms: np.ndarray
    road_length: np.ndarray
    adjacency: sparse.csr_matrix
    area: np.ndarray
    perimeter: np.ndarray
    xy: np.ndarray
    boundary: object
    roads: np.ndarray
    road_sides: np.ndarray
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
    """The point each cluster of ends is joined at.

    Where two or more ends of a cluster already meet exactly, that junction is kept (the
    most ends, then the lowest coordinates): a clean junction does not move for one road
    drawn a little long or short. Otherwise the mean of the ends, summed in a fixed order.
    """
    k = labels.max() + 1
    order = np.lexsort((ends[:, 1], ends[:, 0], labels))
    first = np.full(k, -1)
    first[labels[order][::-1]] = order[::-1]
    base = ends[first]
    offset = ends - base[labels]
    count = np.bincount(labels, minlength=k)
    mean = np.stack([np.bincount(labels, weights=offset[:, i], minlength=k) for i in (0, 1)], 1)
    points = base + mean / count[:, None]
    rows = np.column_stack([labels, ends])
    uniq, mult = np.unique(rows, axis=0, return_counts=True)
    shared = mult >= 2
    if shared.any():
        uniq, mult = uniq[shared], mult[shared]
        pick = np.lexsort((uniq[:, 2], uniq[:, 1], -mult, uniq[:, 0]))
        lab = uniq[pick, 0].astype(np.int64)
        firsts = np.concatenate([[True], lab[1:] != lab[:-1]])
        points[lab[firsts]] = uniq[pick][firsts, 1:]
    return points


def _snap_to_roads(lines: np.ndarray, ends: np.ndarray, labels: np.ndarray,
                   snap: float) -> tuple[np.ndarray, int]:
    """Move cluster points within ``snap`` of a road they neither touch nor cross onto it."""
    k = labels.max() + 1
    points_xy = _cluster_points(ends, labels)
    points = shapely.points(points_xy)
    tree = shapely.STRtree(lines)
    c_i, l_i = tree.query(points, predicate="dwithin", distance=snap)
    if len(c_i) == 0:
        return points_xy, c_i, l_i
    # roads with an end in the cluster are its own
    own = sparse.csr_matrix((np.ones(len(labels)), (labels, np.arange(len(labels)) // 2)),
                            shape=(k, len(lines)))
    keep = np.asarray(own[c_i, l_i]).ravel() == 0
    c_i, l_i = c_i[keep], l_i[keep]
    dist = shapely.distance(points[c_i], lines[l_i])
    keep = dist > 0
    c_i, l_i, dist = c_i[keep], l_i[keep], dist[keep]
    if len(c_i):
        # a road that one of the cluster's own roads crosses within ``snap`` of the end
        # (an overshoot): noding and trimming handle it
        member = np.flatnonzero(np.isin(labels, c_i))
        pair_c = labels[member]
        m_c, m_end = expand_pairs(pair_c, member, c_i)
        near_end = shapely.intersection(lines[m_end // 2],
                                        shapely.buffer(points[c_i[m_c]], snap, quad_segs=4))
        crossing = shapely.intersects(near_end, lines[l_i[m_c]])
        bad = np.zeros(len(c_i), dtype=bool)
        np.logical_or.at(bad, m_c, crossing)
        c_i, l_i, dist = c_i[~bad], l_i[~bad], dist[~bad]
    if len(c_i) == 0:
        return points_xy, c_i, l_i
    order = np.lexsort((l_i, dist, c_i))
    c_i, l_i = c_i[order], l_i[order]
    first = np.concatenate([[True], c_i[1:] != c_i[:-1]])
    c_i, l_i = c_i[first], l_i[first]
    target = shapely.line_interpolate_point(lines[l_i], shapely.line_locate_point(
        lines[l_i], points[c_i]))
    points_xy = points_xy.copy()
    points_xy[c_i] = shapely.get_coordinates(target)
    return points_xy, c_i, l_i


def _insert_vertices(lines: np.ndarray, points_xy: np.ndarray, line_i: np.ndarray) -> np.ndarray:
    """Insert points (lying on their lines to rounding error) into ``lines[line_i]``."""
    if len(line_i) == 0:
        return lines
    order = np.argsort(line_i, kind="stable")
    uniq, inv = np.unique(line_i[order], return_inverse=True)
    multi = shapely.multipoints(points_xy[order], indices=inv)
    lines = lines.copy()
    lines[uniq] = shapely.snap(lines[uniq], multi, ON_LINE * 1000)
    return lines


def _node(lines: np.ndarray) -> np.ndarray:
    if len(lines) == 0:
        return lines
    merged = shapely.union_all(lines)
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

    ``pieces`` are LineStrings noded at every junction and crossing, in
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
    lines = _set_ends(lines, ends)
    points, snapped, onto = _snap_to_roads(lines, ends, labels, snap)
    counts["undershoots"] = int(len(snapped))
    ends = points[labels]
    lines = _insert_vertices(_set_ends(lines, ends), points[snapped], onto)
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
        inside = _lines(shapely.intersection(roads, boundary))
        inside = inside[shapely.length(inside) > 0]
        counts["clipped_m"] = round(float(shapely.length(roads).sum()
                                          - shapely.length(inside).sum()), 1)
        rings = _lines(shapely.boundary(boundary))
        edges = _node(np.concatenate([inside, rings]))
        edges = edges[_order(edges)]
        roads = inside
    faces = shapely.get_parts(shapely.polygonize(edges))
    if boundary is not None and len(faces):
        faces = faces[shapely.within(shapely.point_on_surface(faces), boundary)]
    faces = faces[shapely.area(faces) > 0]
    if len(faces) == 0:
        return _empty_faces(roads, counts)
    faces, merged = _merge_thin(faces, edges, snap)
    counts["thin_merged"] = merged
    xy = shapely.get_coordinates(shapely.centroid(faces))
    order = np.lexsort((xy[:, 0], -xy[:, 1]))
    faces, xy = faces[order], xy[order]
    left, right = _sides(faces, edges)
    road = np.ones(len(edges), dtype=bool) if roads is edges else _is_road(edges, roads)
    road_length = _road_length(len(faces), left[road], right[road], shapely.length(edges[road]))
    adjacency = _adjacency(len(faces), left, right, shapely.length(edges))
    kept = (left >= 0) | (right >= 0)
    dangle = road & (left == right) & kept
    counts["faces"] = int(len(faces))
    counts["dangles_m"] = round(float(shapely.length(edges[dangle]).sum()), 1)
    counts["road_m"] = round(float(road_length.sum()), 1)
    if boundary is None:
        counts["clipped_m"] = round(float(shapely.length(edges[~kept]).sum()), 1)
    progress.info(f"faces: {len(faces)} enclosed by the roads"
                  + (f" ({merged} thin strip(s) merged)" if merged else "")
                  + f"; {counts['clipped_m']:g} m of road outside the "
                  + ("boundary" if boundary is not None else "network's outer edge")
                  + " clipped")
    on = road & kept
    sides = np.stack([left[on], right[on]], axis=1)
    return Faces(faces, road_length, adjacency, shapely.area(faces), shapely.length(faces), xy,
                 boundary, edges[on], sides, counts)


def _empty_faces(roads: np.ndarray, counts: dict) -> Faces:
    counts.setdefault("clipped_m", 0.0)
    counts.update(faces=0, thin_merged=0, dangles_m=0.0, road_m=0.0)
    empty = np.empty(0, dtype=object)
    return Faces(empty, np.empty(0), sparse.csr_matrix((0, 0)), np.empty(0), np.empty(0),
                 np.empty((0, 2)), None, roads, np.full((len(roads), 2), -1), counts)


def _is_road(edges: np.ndarray, roads: np.ndarray) -> np.ndarray:
    """Edges lying on a road (the others are boundary rings)."""
    mid = shapely.line_interpolate_point(edges, 0.5, normalized=True)
    hit, _ = shapely.STRtree(roads).query(mid, predicate="dwithin", distance=ON_LINE)
    out = np.zeros(len(edges), dtype=bool)
    out[hit] = True
    return out


def _sides(faces: np.ndarray, edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Face on the left and on the right of every edge (-1: none).

    Probes a point a millimetre (at most a quarter of the segment) to each side of the
    middle of the edge's first segment: the same face on both sides is a dead end inside
    it, two faces share the edge, one face means the edge is on the outline.
    """
    coords, index = shapely.get_coordinates(edges, return_index=True)
    first = np.searchsorted(index, np.arange(len(edges)))
    a, b = coords[first], coords[first + 1]
    d = b - a
    seg = np.hypot(d[:, 0], d[:, 1])
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(seg, 1e-300)[:, None]
    eps = np.minimum(1e-3, 0.25 * seg)[:, None]
    mid = (a + b) / 2.0
    probes = shapely.points(np.concatenate([mid + eps * normal, mid - eps * normal]))
    pt_i, face_i = shapely.STRtree(faces).query(probes, predicate="intersects")
    side = np.full(len(probes), -1, dtype=np.int64)
    side[pt_i[::-1]] = face_i[::-1]  # the lowest face index wins on a (degenerate) tie
    return side[: len(edges)], side[len(edges):]


def _road_length(n: int, left: np.ndarray, right: np.ndarray, length: np.ndarray) -> np.ndarray:
    """Road length per face: a road between two faces counts half to each."""
    half = np.where((left >= 0) & (right >= 0), 0.5, 1.0) * length
    out = np.bincount(left[left >= 0], weights=half[left >= 0], minlength=n)
    out += np.bincount(right[right >= 0], weights=half[right >= 0], minlength=n)
    return out


def _adjacency(n: int, left: np.ndarray, right: np.ndarray,
               length: np.ndarray) -> sparse.csr_matrix:
    """Shared edge length between faces (symmetric)."""
    pair = (left >= 0) & (right >= 0) & (left != right)
    a, b, w = left[pair], right[pair], length[pair]
    m = sparse.coo_matrix((np.concatenate([w, w]), (np.concatenate([a, b]),
                                                    np.concatenate([b, a]))), shape=(n, n))
    return m.tocsr()


def _merge_thin(faces: np.ndarray, edges: np.ndarray, snap: float) -> tuple[np.ndarray, int]:
    """Merge faces narrower than ``snap`` (2·area/perimeter) into their longest neighbour."""
    total = 0
    for _ in range(5):  # a thin face next to a thin face needs another pass
        width = 2.0 * shapely.area(faces) / shapely.length(faces)
        thin = width < snap
        if not thin.any() or len(faces) < 2:
            break
        left, right = _sides(faces, edges)
        adj = _adjacency(len(faces), left, right, shapely.length(edges)).tocoo()
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
    return faces, total
