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
from .quiet import quiet

__all__ = ["Faces", "repair_roads", "repair_network", "build_faces"]


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
    edge_table : ``(E, 4)`` per edge: face left, face right (-1: none), length, 1 if the
        edge lies on a (ground) road else 0.
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
    edge_table: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.geoms)

    @property
    def outline(self) -> object:
        """The area the faces cover: the boundary when one was given, else their union
        (None without faces)."""
        if self.boundary is not None:
            return self.boundary
        return shapely.union_all(self.geoms) if len(self.geoms) else None


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


def _canonical_levels(lines: np.ndarray, level: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, int]:
    """:func:`_canonical` per grade level (a bridge drawn over a road is no duplicate)."""
    out, out_level, dropped = [], [], 0
    for lv in np.unique(level):  # a handful of levels
        kept, n = _canonical(lines[level == lv])
        out.append(kept)
        out_level.append(np.full(len(kept), lv, dtype=np.int64))
        dropped += n
    if not out:
        return lines, level, 0
    return np.concatenate(out), np.concatenate(out_level), dropped


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


def _touching(lines: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Whether each road end already meets another road exactly (on its end or along it),
    or closes its own road into a loop. Such ends are never moved."""
    points = shapely.points(ends)
    end_i, line_i = shapely.STRtree(lines).query(points, predicate="dwithin", distance=ON_LINE)
    touch = np.zeros(len(ends), dtype=bool)
    touch[end_i[line_i != end_i // 2]] = True
    closed = np.repeat(shapely.is_closed(lines), 2)
    return touch | closed


def _end_directions(lines: np.ndarray) -> np.ndarray:
    """Unit vector pointing out of the road at each end ``(2L, 2)``."""
    coords, index = shapely.get_coordinates(lines, return_index=True)
    counts = np.bincount(index, minlength=len(lines))
    first = np.concatenate([[0], np.cumsum(counts)[:-1]])
    last = first + counts - 1
    out = np.stack([coords[first] - coords[first + 1], coords[last] - coords[last - 1]],
                   axis=1).reshape(-1, 2)
    norm = np.hypot(out[:, 0], out[:, 1])
    return out / np.maximum(norm, 1e-300)[:, None]


#: Two road ends side by side (outward directions within 25°, the gap between them more
#: than 60° off that direction) belong to parallel lines, not to a broken junction.
PARALLEL_COS = float(np.cos(np.radians(25.0)))


SIDEWAYS_COS = float(np.cos(np.radians(60.0)))


def _side_by_side(ends: np.ndarray, directions: np.ndarray, pairs: np.ndarray) -> np.ndarray:
    a, b = pairs[:, 0], pairs[:, 1]
    same_way = (directions[a] * directions[b]).sum(axis=1) > PARALLEL_COS
    gap = ends[b] - ends[a]
    dist = np.hypot(gap[:, 0], gap[:, 1])
    along = np.abs((gap * directions[a]).sum(axis=1)) / np.maximum(dist, 1e-300)
    return same_way & (along < SIDEWAYS_COS) & (dist > 0)


def _cluster_ends(ends: np.ndarray, reach: float, touch: np.ndarray | None = None,
                  snap: float | None = None, directions: np.ndarray | None = None
                  ) -> np.ndarray:
    """Cluster labels of road ends: single linkage within ``reach``, except between the two
    ends of one road; a cluster wider than ``reach`` is split by complete linkage.

    With ``touch`` (ends that already meet a road exactly): two such ends join only when
    they coincide (two exact junctions a few metres apart stay apart), and a dangling end
    joins a touching one only within ``snap``. With ``directions`` (see
    :func:`_end_directions`), ends side by side of parallel lines never join.
    """
    n = len(ends)
    pairs = cKDTree(ends).query_pairs(reach, output_type="ndarray") if reach > 0 else \
        np.empty((0, 2), dtype=int)
    if touch is not None and len(pairs):
        ta, tb = touch[pairs[:, 0]], touch[pairs[:, 1]]
        d = np.hypot(*(ends[pairs[:, 0]] - ends[pairs[:, 1]]).T)
        one = ta != tb
        keep = ~(ta & tb) & (~one | (d <= (reach / 2 if snap is None else snap)))
        pairs = pairs[keep]
    if directions is not None and len(pairs):
        pairs = pairs[~_side_by_side(ends, directions, pairs)]
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


def _cluster_points(ends: np.ndarray, labels: np.ndarray,
                    touch: np.ndarray | None = None) -> np.ndarray:
    """The point each cluster of ends is joined at.

    Where ends of a cluster already meet a road exactly (``touch``; by default: two or
    more ends at the same coordinates), that junction is kept (the most ends, then the
    lowest coordinates): a clean junction does not move for one road drawn a little long
    or short. Otherwise the mean of the ends, summed in a fixed order.
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
    sel = np.ones(len(ends), dtype=bool) if touch is None else touch
    rows = np.column_stack([labels[sel], ends[sel]])
    if len(rows) == 0:
        return points
    uniq, mult = np.unique(rows, axis=0, return_counts=True)
    shared = mult >= 2 if touch is None else np.ones(len(uniq), dtype=bool)
    if shared.any():
        uniq, mult = uniq[shared], mult[shared]
        pick = np.lexsort((uniq[:, 2], uniq[:, 1], -mult, uniq[:, 0]))
        lab = uniq[pick, 0].astype(np.int64)
        firsts = np.concatenate([[True], lab[1:] != lab[:-1]])
        points[lab[firsts]] = uniq[pick][firsts, 1:]
    return points


def _snap_to_roads(lines: np.ndarray, points_xy: np.ndarray, labels: np.ndarray,
                   snap: float, free: np.ndarray | None = None,
                   level: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Move cluster points within ``snap`` of a road they neither touch nor cross onto it.

    ``free``: clusters that may move (made of dangling ends only); ``level``: the grade
    level per line (an end is snapped only onto a road of its own level).
    """
    k = labels.max() + 1
    points = shapely.points(points_xy)
    tree = shapely.STRtree(lines)
    c_i, l_i = tree.query(points, predicate="dwithin", distance=snap)
    keep = shapely.length(lines[l_i]) > 0  # roads collapsed to a point are dropped later
    c_i, l_i = c_i[keep], l_i[keep]
    if free is not None:
        keep = free[c_i]
        c_i, l_i = c_i[keep], l_i[keep]
    if level is not None and len(c_i):
        first_end = np.full(k, -1)
        first_end[labels[::-1]] = np.arange(len(labels))[::-1]
        keep = level[first_end[c_i] // 2] == level[l_i]
        c_i, l_i = c_i[keep], l_i[keep]
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
    """Pieces to keep: not dead-end pieces shorter than ``snap`` at junctions, nor tiny
    isolated pieces."""
    if len(pieces) == 0:
        return np.zeros(0, dtype=bool), 0, 0
    node, deg = _degrees(pieces)
    d = deg[node]
    closed = node[:, 0] == node[:, 1]
    short = shapely.length(pieces) < snap
    stub = short & ~closed & (((d[:, 0] == 1) & (d[:, 1] >= 3)) | ((d[:, 1] == 1) & (d[:, 0] >= 3)))
    lonely = short & ~closed & (d[:, 0] == 1) & (d[:, 1] == 1)
    return ~(stub | lonely), int(stub.sum()), int(lonely.sum())


def _node_levels(lines: np.ndarray, level: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Node each grade level on its own (no junction where levels differ)."""
    out, out_level = [], []
    for lv in np.unique(level):  # a handful of levels
        pieces = _node(lines[level == lv])
        out.append(pieces)
        out_level.append(np.full(len(pieces), lv, dtype=np.int64))
    if not out:
        return lines[:0], np.zeros(0, dtype=np.int64)
    return np.concatenate(out), np.concatenate(out_level)


def repair_roads(
    geoms: np.ndarray, snap: float = 3.0, progress: Progress | None = None
) -> tuple[np.ndarray, dict]:
    """Repair a road network (metres): returns ``(pieces, counts)``.

    ``pieces`` are LineStrings noded at every junction and crossing, in
    a canonical order. ``counts`` holds the repair counts (also logged through
    ``progress.info``): parts, zero_length, duplicates, junctions, ends_moved,
    moved_max_m, moved_median_m, undershoots, overshoots, collapsed, tiny, overlap_m.
    See :func:`repair_network` for roads on several grade levels.

    Examples
    --------
    >>> from shapely import LineString
    >>> broken = np.array([LineString([(0, 0), (99, 0)]), LineString([(100.5, 1), (100, 90)])])
    >>> pieces, counts = repair_roads(broken, snap=3.0)
    >>> len(pieces), counts["junctions"]
    (2, 1)
    """
    pieces, _, counts = repair_network(geoms, snap=snap, progress=progress)
    return pieces, counts


@quiet
def repair_network(
    geoms: np.ndarray, levels: np.ndarray | None = None, *, snap: float = 3.0,
    progress: Progress | None = None,
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Repair a road network whose lines lie on grade ``levels`` (see
    :mod:`lever_grid.core.grid.levels`; default all 0): ``(pieces, piece_levels, counts)``.

    Only what is broken is repaired: a road end that already meets another road exactly
    (at its end or along it) never moves; dangling ends join each other (within
    ``2 * snap``) or a junction (within ``snap``), or are snapped onto a road of their own
    level (undershoots). Lines are noded per level, so roads on different levels cross
    without a junction. Parallel lines (sidewalks, dual carriageways) stay separate unless
    they are exact duplicates.
    """
    progress = progress or Progress()
    snap = max(float(snap), 0.0)
    geoms = np.asarray(geoms, dtype=object)
    if levels is None:
        levels = np.zeros(len(geoms), dtype=np.int64)
    parts, index = shapely.get_parts(shapely.force_2d(geoms), return_index=True)
    line = shapely.get_type_id(parts) == 1  # LineString (LinearRing parts are 2)
    lines, level = parts[line], np.asarray(levels, dtype=np.int64)[index[line]]
    counts: dict = {"parts": int(len(lines))}
    zero = shapely.length(lines) <= 0
    counts["zero_length"] = int(zero.sum())
    lines, level = lines[~zero], level[~zero]
    lines, level, counts["duplicates"] = _canonical_levels(lines, level)
    total_in = float(shapely.length(lines).sum())
    if len(lines) == 0:
        counts.update(junctions=0, ends_moved=0, moved_max_m=0.0, moved_median_m=0.0,
                      undershoots=0, overshoots=0, collapsed=0, tiny=0, overlap_m=0.0)
        return lines, level, counts
    progress.info(f"roads: {counts['parts']} line(s); dropped {counts['zero_length']} "
                  f"zero-length and {counts['duplicates']} exact duplicate(s)")

    ends0 = _ends(lines)
    touch = _touching(lines, ends0)
    labels = _cluster_ends(ends0, 2.0 * snap, touch, snap, _end_directions(lines))
    # a short dead end off a junction is no broken junction: its free end stays
    stub = (labels[0::2] == labels[1::2]) & (touch[0::2] ^ touch[1::2])
    free_end = 2 * np.flatnonzero(stub) + touch[0::2][stub].astype(np.int64)
    labels[free_end] = labels.max() + 1 + np.arange(len(free_end))
    points = _cluster_points(ends0, labels, touch)
    size = np.bincount(labels)
    anchored = np.zeros(labels.max() + 1, dtype=bool)
    anchored[labels[touch]] = True
    ends = points[labels]
    ends[touch] = ends0[touch]  # an end that meets a road exactly never moves
    moved = np.any(ends != ends0, axis=1)
    counts["junctions"] = int(len(np.unique(labels[moved & (size[labels] >= 2)])))
    lines = _set_ends(lines, ends)
    points, snapped, onto = _snap_to_roads(lines, points, labels, snap, ~anchored, level)
    counts["undershoots"] = int(len(snapped))
    ends = points[labels]
    ends[touch] = ends0[touch]
    lines = _insert_vertices(_set_ends(lines, ends), points[snapped], onto)
    dist = np.hypot(*(ends - ends0).T)
    moved = dist > 0
    counts["ends_moved"] = int(moved.sum())
    counts["moved_max_m"] = round(float(dist.max()), 3) if moved.any() else 0.0
    counts["moved_median_m"] = round(float(np.median(dist[moved])), 3) if moved.any() else 0.0
    same = labels[0::2] == labels[1::2]
    collapsed = same & ~(shapely.is_closed(lines) & (shapely.length(lines) > 4.0 * snap))
    collapsed &= ~(touch[0::2] & touch[1::2])
    collapsed |= shapely.length(lines) <= 0
    counts["collapsed"] = int(collapsed.sum())
    lines, level = lines[~collapsed], level[~collapsed]
    progress.info(f"roads: {int(touch.sum())} end(s) already meet a road and stay; joined "
                  f"{counts['junctions']} junction(s) whose ends lay apart and closed "
                  f"{counts['undershoots']} undershoot(s): {counts['ends_moved']} end(s) "
                  f"moved (max {counts['moved_max_m']:.2f} m, median "
                  f"{counts['moved_median_m']:.2f} m; limit {2 * snap:g} m)"
                  + (f", {counts['collapsed']} road(s) shorter than the snap distance "
                     f"collapsed" if counts["collapsed"] else ""))

    pieces, level = _node_levels(lines, level)
    counts["overlap_m"] = round(max(total_in - float(shapely.length(pieces).sum()), 0.0), 1)
    keep, counts["overshoots"], counts["tiny"] = _trim_overshoots(pieces, snap)
    pieces, level = pieces[keep], level[keep]
    order = _order(pieces)
    pieces, level = pieces[order], level[order]
    n_up = int((level != 0).sum())
    progress.info(f"roads: noded into {len(pieces)} piece(s)"
                  + (f" ({n_up} on bridges or in tunnels, crossing without a junction)"
                     if n_up else "")
                  + f"; trimmed {counts['overshoots']} overshoot(s) under {snap:g} m, dropped "
                  f"{counts['tiny']} tiny isolated piece(s); overlapping roads dissolved "
                  f"({counts['overlap_m']:g} m, including overshoots)")
    return pieces, level, counts


def _order(geoms: np.ndarray) -> np.ndarray:
    """Canonical order of geometries: by bounds, then WKB."""
    b = shapely.bounds(geoms)
    order = np.lexsort((b[:, 3], b[:, 2], b[:, 1], b[:, 0]))
    sb = b[order]
    tie = np.all(sb[1:] == sb[:-1], axis=1)
    if not tie.any():
        return order
    # WKB only for the few geometries with equal bounds (a padded bytes array of every
    # geometry costs as much as its longest one, e.g. an outline ring, times the count)
    group = np.concatenate([[0], np.cumsum(~tie)])
    sizes = np.bincount(group)
    for g in np.flatnonzero(sizes > 1):  # rare ties
        idx = np.flatnonzero(group == g)
        wkb = [shapely.to_wkb(geoms[order[i]], byte_order=1) for i in idx]
        order[idx] = order[idx][sorted(range(len(idx)), key=wkb.__getitem__)]
    return order


@quiet
def build_faces(
    pieces: np.ndarray,
    boundary: object | None = None,
    *,
    snap: float = 3.0,
    progress: Progress | None = None,
    elevated: np.ndarray | None = None,
    tessellate: bool = False,
    split_above: float | None = None,
) -> Faces:
    """Faces enclosed by repaired road ``pieces`` (see :func:`repair_roads`).

    With a ``boundary`` polygon the roads are clipped to it and its rings become edges
    too, so the faces tile the boundary (the enclosures of momepy: areas bounded by roads
    and the outline). Without one, the outline is the union of the faces the roads
    enclose; roads outside it (dead ends leaving the village) are clipped.
    Faces thinner than ``snap`` (twice area over perimeter: strips between two copies of
    a road) are merged into the neighbour they share most edge with.

    ``elevated``: road pieces on bridges or in tunnels; they bound no face but count for
    road length in the faces they run over. ``tessellate`` (with a boundary): split the
    outline area and enclosures holding much dead-end road (or more road than
    ``split_above``) along the midlines between their roads, see :func:`_tessellate`.
    """
    progress = progress or Progress()
    counts: dict = {}
    roads = np.asarray(pieces, dtype=object)
    elevated = np.empty(0, dtype=object) if elevated is None else \
        np.asarray(elevated, dtype=object)
    edges = roads
    if boundary is not None and shapely.is_empty(boundary):
        boundary = None
    if boundary is not None:
        inside = _clip(roads, boundary)
        up = _clip(elevated, boundary)
        counts["clipped_m"] = round(float(shapely.length(roads).sum()
                                          + shapely.length(elevated).sum()
                                          - shapely.length(inside).sum()
                                          - shapely.length(up).sum()), 1)
        elevated = up
        rings = _lines(shapely.boundary(boundary))
        edges = _node(np.concatenate([inside, rings]))
        edges = edges[_order(edges)]
        roads = inside
    faces = _polygonize(edges, boundary)
    if len(faces) == 0:
        return _empty_faces(roads, counts)
    counts["enclosures"] = int(len(faces))
    counts["tessellated"] = counts["outline_pieces_merged"] = 0
    if tessellate and boundary is not None:
        faces, edges, counts["tessellated"], counts["outline_pieces_merged"] = _tessellate(
            faces, edges, roads, boundary, split_above)
    faces, merged = _merge_thin(faces, edges, snap)
    faces, absorbed = _absorb_slivers(faces)
    counts["thin_merged"] = merged + absorbed
    xy = shapely.get_coordinates(shapely.centroid(faces))
    order = np.lexsort((xy[:, 0], -xy[:, 1]))
    faces, xy = faces[order], xy[order]
    left, right = _sides(faces, edges)
    road = np.ones(len(edges), dtype=bool) if roads is edges else _is_road(edges, roads)
    kept = (left >= 0) | (right >= 0)
    on = road & kept
    road_pieces, sides = edges[on], np.stack([left[on], right[on]], axis=1)
    if len(elevated):
        up_pieces, up_sides = _overlay(elevated, faces, edges)
        road_pieces = np.concatenate([road_pieces, up_pieces])
        sides = np.concatenate([sides, up_sides])
        counts["elevated_m"] = round(float(shapely.length(up_pieces).sum()), 1)
    road_length = _road_length(len(faces), sides[:, 0], sides[:, 1], shapely.length(road_pieces))
    adjacency = _adjacency(len(faces), left, right, shapely.length(edges))
    dangle = road & (left == right) & kept
    counts["faces"] = int(len(faces))
    counts["dangles_m"] = round(float(shapely.length(edges[dangle]).sum()), 1)
    counts["road_m"] = round(float(road_length.sum()), 1)
    if boundary is None:
        counts["clipped_m"] = round(float(shapely.length(edges[~kept]).sum()), 1)
    progress.info(f"faces: {len(faces)} "
                  + (f"from {counts['enclosures']} enclosure(s) of the roads and the outline"
                     f" ({counts['tessellated']} split along the midlines between their "
                     f"roads, {counts['outline_pieces_merged']} outline piece(s) without a "
                     "road of their own joined to the block across the road)"
                     if tessellate and boundary is not None else "enclosed by the roads")
                  + (f" ({merged} thin strip(s) merged)" if merged else "")
                  + f"; {counts['clipped_m']:g} m of road outside the "
                  + ("outline" if boundary is not None else "network's outer edge")
                  + " clipped")
    table = np.column_stack([left, right, shapely.length(edges), road]).astype(float)
    return Faces(faces, road_length, adjacency, shapely.area(faces), shapely.length(faces), xy,
                 boundary, road_pieces, sides, counts, table)


def _clip(lines: np.ndarray, boundary) -> np.ndarray:
    """The parts of ``lines`` inside ``boundary`` (lines inside it kept as they are)."""
    if len(lines) == 0:
        return lines
    shapely.prepare(boundary)
    whole = shapely.contains_properly(boundary, lines)
    cut = _lines(shapely.intersection(lines[~whole], boundary))
    out = np.concatenate([lines[whole], cut])
    return out[shapely.length(out) > 0]


def _polygonize(edges: np.ndarray, boundary) -> np.ndarray:
    faces = shapely.get_parts(shapely.polygonize(edges))
    if boundary is not None and len(faces):
        shapely.prepare(boundary)  # contains(prepared polygon, points): fast
        faces = faces[shapely.contains(boundary, shapely.point_on_surface(faces))]
    return faces[shapely.area(faces) > 0]


#: An enclosure holding at least this much dead-end road (metres) ...
DEAD_END_M = 60.0


#: ... that is at least this share of its road length is tessellated.
DEAD_END_SHARE = 0.3


def _tessellate(faces: np.ndarray, edges: np.ndarray, roads: np.ndarray, boundary,
                split_above: float | None) -> tuple[np.ndarray, np.ndarray, int, int]:
    """Split enclosures along the midlines between their roads.

    Tessellated are:

    - the *outline area*: an enclosure touching the outline and bordering at least three
      other enclosures across roads, or one or two with at least 40 % of its perimeter on
      the outline (the land between the outer roads and the outline, which also joins
      separate groups of blocks; a block that a boundary cuts is not one);
    - enclosures whose dead-end road is at least ``DEAD_END_M`` and ``DEAD_END_SHARE`` of
      their road length;
    - with ``split_above``: enclosures with more road than that.

    A piece of the outline area with less than ``DEAD_END_M`` of road of its own then
    joins the face across the road it lies behind, so the blocks reach the outline (a
    short lane leaving the village goes with the block it starts from).
    Returns (faces, edges, enclosures tessellated, outline pieces merged).
    """
    from .tessellation import road_midlines

    left, right = _sides(faces, edges)
    road = _is_road(edges, roads) if len(roads) else np.zeros(len(edges), dtype=bool)
    length = shapely.length(edges)
    n = len(faces)
    weight = _road_length(n, left[road], right[road], length[road])
    inner = road & (left == right) & (left >= 0)
    dead = np.bincount(left[inner], weights=length[inner], minlength=n)
    ring = ~road & ((left >= 0) ^ (right >= 0))
    side = np.where(left >= 0, left, right)
    ring_m = np.bincount(side[ring], weights=length[ring], minlength=n)
    pair = road & (left >= 0) & (right >= 0) & (left != right)
    links = np.unique(np.stack([np.concatenate([left[pair], right[pair]]),
                                np.concatenate([right[pair], left[pair]])], 1), axis=0)
    degree = np.bincount(links[:, 0], minlength=n) if len(links) else np.zeros(n, np.int64)
    outer = (ring_m > 0) & ((degree >= 3) | ((degree >= 1)
                                             & (ring_m >= 0.4 * shapely.length(faces))))
    selected = outer | ((dead >= DEAD_END_M) & (dead >= DEAD_END_SHARE * weight))
    if split_above is not None:
        selected |= weight > split_above
    if not selected.any():
        return faces, edges, 0, 0
    near = road & (np.isin(left, np.flatnonzero(selected)) | np.isin(right,
                                                                  np.flatnonzero(selected)))
    midlines = road_midlines(faces, edges[near], selected)
    if len(midlines) == 0:
        return faces, edges, 0, 0
    edges = _node(np.concatenate([edges, midlines]))
    edges = edges[_order(edges)]
    pieces = _polygonize(edges, boundary)
    # pieces of the outline area without a road of their own join the face across
    rep = shapely.point_on_surface(pieces)
    outer_faces = faces[outer]
    shapely.prepare(outer_faces)
    _, p_i = shapely.STRtree(rep).query(outer_faces, predicate="contains")
    in_outer = np.zeros(len(pieces), dtype=bool)
    in_outer[p_i] = True
    left, right = _sides(pieces, edges)
    road = _is_road(edges, roads)
    length = shapely.length(edges)
    m = len(pieces)
    own_edge = road & ((left == right) | (left < 0) | (right < 0))
    own_face = np.where(left >= 0, left, right)
    own = np.bincount(own_face[own_edge & (own_face >= 0)],
                      weights=length[own_edge & (own_face >= 0)], minlength=m)
    lonely = in_outer & (own < DEAD_END_M)
    if not lonely.any():
        return pieces, edges, int(selected.sum()), 0
    across = road & (left >= 0) & (right >= 0) & (left != right)
    a = np.concatenate([left[across], right[across]])
    b = np.concatenate([right[across], left[across]])
    w = np.concatenate([length[across], length[across]])
    other = (left >= 0) & (right >= 0) & (left != right)  # fallback: any shared edge
    a = np.concatenate([a, left[other], right[other]])
    b = np.concatenate([b, right[other], left[other]])
    w = np.concatenate([w, 1e-9 * length[other], 1e-9 * length[other]])
    keep = lonely[a]
    a, b, w = a[keep], b[keep], w[keep]
    key, inv = np.unique(a * m + b, return_inverse=True)
    tot = np.bincount(inv, weights=w)
    ka, kb = key // m, key % m
    order = np.lexsort((kb, -tot, ka))
    ka, kb = ka[order], kb[order]
    first = np.concatenate([[True], ka[1:] != ka[:-1]])
    ka, kb = ka[first], kb[first]
    graph = sparse.coo_matrix((np.ones(len(ka)), (ka, kb)), shape=(m, m))
    _, group = connected_components(graph, directed=False)
    merged = shapely.normalize(group_union(pieces, group, group.max() + 1))
    merged = shapely.get_parts(merged)  # a group joined only at a point: separate faces
    return merged[shapely.get_type_id(merged) == 3], edges, int(selected.sum()), len(ka)


def _overlay(lines: np.ndarray, faces: np.ndarray, edges: np.ndarray
             ) -> tuple[np.ndarray, np.ndarray]:
    """Pieces of ``lines`` cut by the face edges, with the face on each side
    (``(f, f)`` inside a face, ``(a, b)`` along the edge between two faces)."""
    network = shapely.union_all(lines)
    border = shapely.union_all(edges)
    parts = np.concatenate([shapely.get_parts(shapely.difference(network, border)),
                            shapely.get_parts(shapely.intersection(network, border))])
    parts = _lines(parts)
    parts = parts[shapely.length(parts) > 0]
    mid = shapely.line_interpolate_point(parts, 0.5, normalized=True)
    p_i, f_i = shapely.STRtree(faces).query(mid, predicate="dwithin", distance=ON_LINE)
    order = np.lexsort((f_i, p_i))
    p_i, f_i = p_i[order], f_i[order]
    sides = np.full((len(parts), 2), -1, dtype=np.int64)
    first = np.concatenate([[True], p_i[1:] != p_i[:-1]]) if len(p_i) else np.empty(0, bool)
    sides[p_i[first], 0] = f_i[first]
    sides[p_i[first], 1] = f_i[first]
    sides[p_i[~first], 1] = f_i[~first]
    inside = sides[:, 0] >= 0
    return parts[inside], sides[inside]


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
    shapely.prepare(faces)  # a face against many probe points: prepared, tree of points
    face_i, pt_i = shapely.STRtree(probes).query(faces, predicate="intersects")
    order = np.lexsort((face_i, pt_i))
    pt_i, face_i = pt_i[order], face_i[order]
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


#: Faces smaller than this (m²) are slivers between nearly coincident lines.
SLIVER_M2 = 0.5


def _absorb_slivers(faces: np.ndarray) -> tuple[np.ndarray, int]:
    """Unite slivers (under ``SLIVER_M2``, too thin for the side probes to find their
    neighbours) with the face whose boundary they share most; split multi-part faces."""
    faces = shapely.get_parts(faces)
    faces = faces[shapely.get_type_id(faces) == 3]
    tiny = np.flatnonzero(shapely.area(faces) < SLIVER_M2)
    if len(tiny) == 0 or len(faces) < 2:
        return faces, 0
    t_i, f_i = shapely.STRtree(faces).query(faces[tiny], predicate="dwithin",
                                            distance=ON_LINE)
    keep = tiny[t_i] != f_i
    t_i, f_i = t_i[keep], f_i[keep]
    shared = shapely.length(shapely.intersection(shapely.boundary(faces[tiny[t_i]]),
                                                 shapely.buffer(shapely.boundary(faces[f_i]),
                                                                ON_LINE * 10)))
    shared = np.where(np.isin(f_i, tiny), -1.0, shared)  # into a proper face
    order = np.lexsort((f_i, -shared, t_i))
    t_i, f_i = t_i[order], f_i[order]
    first = np.concatenate([[True], t_i[1:] != t_i[:-1]]) if len(t_i) else \
        np.empty(0, dtype=bool)
    target = np.arange(len(faces))
    target[tiny[t_i[first]]] = f_i[first]
    _, group = np.unique(target, return_inverse=True)
    merged = shapely.normalize(group_union(faces, group, group.max() + 1))
    merged = shapely.get_parts(merged)
    merged = merged[(shapely.get_type_id(merged) == 3) & (shapely.area(merged) > 0)]
    return merged, int(first.sum())


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
