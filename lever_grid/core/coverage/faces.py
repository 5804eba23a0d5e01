"""Faces of noded linework, traced in numpy (a replacement for ``shapely.polygonize``).

The linework of each group (one noded (Multi)LineString per group, as ``shapely.node``
or ``union_all`` return it: lines meet only at their end points) is read as a planar
graph whose edges are the line parts. Half-edges are sorted by angle around their origin; the next
half-edge of a face is the one just clockwise of the twin, so every bounded face is
traced counter-clockwise and the outside of each connected component clockwise. A
component lying inside a face of another component becomes a hole of the smallest
such face.

Unlike ``shapely.polygonize`` (which holds the GIL, so threads wait on each other) the
work is numpy sorting and gathering. A group whose graph is not what clean noding gives
(edges leaving a vertex in one direction, an edge with the same face on both sides, a
component without exactly one outside) is reported as not traced, so the caller can
node it again. Crossings that noding missed are not looked for: the caller nodes with
GEOS's iterated noder (which stops only when a pass finds none) or checks that the
linework is simple (``shapely.is_simple``). A face whose boundary touches itself at a
vertex is mended with ``make_valid`` (the touching loop becomes a hole, as GEOS's
polygonize makes it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from ..geometry import expand_pairs, run_steps
from .rings import FaceRings

__all__ = ["Traced", "trace", "trace_faces"]


@dataclass
class Traced:
    """Faces of each group's noded linework (``rings``), and the edges between them.

    ``part``, ``left`` and ``right`` describe the edges of the traced groups: the noded
    part each edge is (an index into ``shapely.get_parts(noded)``) and the face on its
    left and on its right as the part runs (-1: the outside of everything). ``ends``
    holds the first and last x, y of every noded part, ``part_group`` its group.
    """

    rings: FaceRings
    group: np.ndarray
    ok: np.ndarray
    part: np.ndarray
    left: np.ndarray
    right: np.ndarray
    ends: np.ndarray
    part_group: np.ndarray

    @property
    def faces(self) -> np.ndarray:
        """The faces as Polygons (made on each call)."""
        return self.rings.polygons()


def trace_faces(noded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Bounded faces of each group's noded linework.

    Returns the faces (Polygons, holes included), the group of each face, and per group
    whether its linework could be traced (the faces of a group that could not are left
    out). Dangles and cut edges (an edge with the same face on both sides: a slit in an
    occluded view, say) are dropped and the group traced again, as GEOS's polygonize
    drops them.
    """
    traced = trace(noded)
    return traced.faces, traced.group, traced.ok


def trace(noded: np.ndarray) -> Traced:
    """:func:`trace_faces`, with the edges between the faces."""
    noded = np.asarray(noded, dtype=object)
    ok = np.ones(len(noded), dtype=bool)
    xy, start, end, group, part, ends, part_group = _edges(noded, ok)
    none = np.empty(0, dtype=np.int64)
    rounds = [(FaceRings.empty(), none, none, none, none)]
    n_faces = 0
    for _ in range(_PRUNE_ROUNDS):
        if len(start) == 0:
            break
        f, g, cut, edge, left, right = _trace(xy, start, end, group, ok)
        rounds.append((f, g, part[edge], _shift(left, n_faces), _shift(right, n_faces)))
        n_faces += len(f)
        again = np.isin(group, group[cut]) & ~cut
        start, end, group, part = start[again], end[again], group[again], part[again]
    # still cut edges after the last round (such groups never made faces: a group's faces
    # come from the one round in which it had no cut edge)
    ok[np.unique(group)] = False
    faces = FaceRings.concat([r[0] for r in rounds])
    face_group, e_part, e_left, e_right = (np.concatenate([r[j] for r in rounds])
                                           for j in range(1, 5))
    return Traced(faces, face_group, ok, e_part, e_left, e_right, ends, part_group)


def _shift(face: np.ndarray, by: int) -> np.ndarray:
    return np.where(face >= 0, face + by, -1)


#: Rounds of dropping dangles and cut edges (each round drops the outermost edge of a
#: dangling chain; noded view outlines have chains of one or two edges).
_PRUNE_ROUNDS = 6


_Round = tuple[FaceRings, np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]


def _trace(xy, start, end, group, ok) -> _Round:
    """One round of :func:`trace` on the edges ``start..end`` of ``xy``: the faces of the
    groups without cut edges, which edges are cut edges (their groups are left for the
    next round; other faults clear ``ok``), and the edges of the faces with the face on
    their left and right (-1: none)."""
    none = np.empty(0, dtype=np.int64)
    graph = _half_edges(xy, start, end, group, len(ok))
    ok &= graph.ok
    cycle, rank = _cycles(graph.nxt)
    n_cycles = int(cycle.max()) + 1
    twin = np.arange(len(cycle)) ^ 1
    cut = cycle[0::2] == cycle[1::2]
    retry = np.zeros(len(ok), dtype=bool)  # groups with cut edges: no faces this round
    retry[group[cut]] = True
    cycle_group = np.zeros(n_cycles, dtype=np.int64)
    cycle_group[cycle] = graph.group
    rings = _Rings(xy, *_ring_coordinates(graph, cycle, rank))
    area = _signed_areas(xy[rings.idx, 0], xy[rings.idx, 1], rings.ring_of, rings.first)
    component = _components(cycle, twin, n_cycles)
    outside = area <= 0
    per_component = np.bincount(component[outside], minlength=int(component.max()) + 1)
    odd = np.unique(cycle_group[per_component[component] != 1])  # (cut edges make some)
    ok[odd[~retry[odd]]] = False
    usable = ok & ~retry
    shells = np.flatnonzero(~outside & usable[cycle_group])
    if len(shells) == 0:
        return FaceRings.empty(), none, cut, none, none, none
    parent = _parent_faces(rings, shells, area, cycle_group, component,
                           np.flatnonzero(outside & usable[cycle_group]))
    holes = np.flatnonzero(parent >= 0)
    owner = np.concatenate([shells, parent[holes]])
    is_hole = np.concatenate([np.zeros(len(shells), bool), np.ones(len(holes), bool)])
    order = np.lexsort((is_hole, owner))
    faces = rings.face_rings(np.concatenate([shells, holes])[order],
                             np.searchsorted(shells, owner[order]))
    pinched = _pinched(graph.org, cycle, n_cycles)[np.concatenate([shells, holes])]
    fix = np.unique(np.searchsorted(shells, owner[pinched]))
    if len(fix):
        holes_area = np.zeros(len(shells))  # (outside cycles have negative areas)
        np.add.at(holes_area, np.searchsorted(shells, parent[holes]), area[holes])
        faces, bad = _mend_pinched(faces, fix, area[shells[fix]] + holes_area[fix])
        ok[cycle_group[shells[fix[bad]]]] = False
    keep = ok[cycle_group[shells]]
    face_of = np.full(n_cycles, -1, dtype=np.int64)  # a hole belongs to its shell's face
    face_of[shells[keep]] = np.arange(int(keep.sum()))
    face_of[holes] = face_of[parent[holes]]
    edge = np.flatnonzero(ok[group] & ~retry[group])
    return (faces.take(keep), cycle_group[shells][keep], cut, edge, face_of[cycle[2 * edge]],
            face_of[cycle[2 * edge + 1]])


def _edges(noded: np.ndarray, ok: np.ndarray) -> tuple[np.ndarray, ...]:
    """The coordinates of every line part; the first / last coordinate, group and part
    index of the parts that are edges (degenerate parts mark their group not ``ok``);
    the first and last x, y and the group of every part."""
    read = _line_parts(noded)
    if read is None:
        parts, part_group = shapely.get_parts(noded, return_index=True)
        xy, part_of = shapely.get_coordinates(parts, return_index=True)
        size = np.bincount(part_of, minlength=len(parts))
    else:
        xy, size, part_group = read
    start = (np.cumsum(size) - size).astype(np.int64)
    end = start + size - 1
    closed = np.zeros(len(size), dtype=bool)
    some = size > 0
    closed[some] = np.all(xy[start[some]] == xy[end[some]], axis=1)
    real = (size >= 4) | ((size >= 2) & ~closed)
    ok[np.unique(part_group[some & ~real])] = False
    ends = np.full((len(size), 4), np.nan)
    ends[some] = np.hstack([xy[start[some]], xy[end[some]]])
    return (xy, start[real], end[real], part_group[real], np.flatnonzero(real), ends,
            part_group)


def _line_parts(noded: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The coordinates of each group's (Multi)LineString, the number of points of every
    part and the group of every part, read from their WKB: no object per part
    (making and freeing a million line parts holds the GIL for about a second on the
    synthetic city). ``None`` when some group is of another type."""
    present = np.flatnonzero(~shapely.is_missing(noded))
    blobs = shapely.to_wkb(noded[present], byte_order=1, output_dimension=2)
    size = np.fromiter(map(len, blobs), dtype=np.int64, count=len(blobs))
    buf = np.frombuffer(b"".join(blobs), dtype=np.uint8)
    base = np.cumsum(size) - size
    kind = _uint32(buf, base + 1)
    if not np.isin(kind, (_WKB_LINE, _WKB_MULTILINE)).all():
        return None
    multi = kind == _WKB_MULTILINE
    left = np.where(multi, _uint32(buf, base + 5), 1)
    at = np.where(multi, base + 9, base)  # the first part's header
    part_group = np.repeat(present, left)
    # part j of the blob b goes to slot first[b] + j
    slot = np.cumsum(left) - left
    n_parts = int(left.sum())
    part_at = np.zeros(n_parts, dtype=np.int64)
    points = np.zeros(n_parts, dtype=np.int64)
    while len(at):  # one round per part rank, over every blob that has so many
        keep = left > 0
        at, left, slot = at[keep], left[keep], slot[keep]
        n = _uint32(buf, at + 5)
        part_at[slot], points[slot] = at, n
        at, left, slot = at + 9 + 16 * n, left - 1, slot + 1
    # the coordinates: the buffer without its headers (9 bytes a multi and a part)
    head = np.concatenate([base[multi], part_at])
    coordinate = np.ones(len(buf), dtype=bool)
    coordinate[(head[:, None] + np.arange(9)).reshape(-1)] = False
    xy = buf[coordinate].view("<f8").reshape(-1, 2)
    return xy, points, part_group


_WKB_LINE, _WKB_MULTILINE = 2, 5


def _uint32(buf: np.ndarray, at: np.ndarray) -> np.ndarray:
    """The little-endian unsigned 32-bit integers at byte offsets ``at`` of ``buf``."""
    return buf[at[:, None] + np.arange(4)].view("<u4")[:, 0].astype(np.int64)


def _mend_pinched(faces: FaceRings, fix: np.ndarray, want: np.ndarray
                  ) -> tuple[FaceRings, np.ndarray]:
    """The faces with those ``fix`` mended (their boundary touches itself at a vertex:
    one cycle passes there twice, and GEOS's polygonize makes the touching loop a hole,
    as ``make_valid`` does); and which of ``fix`` could not be mended to one polygon of
    area ``want``."""
    fixed = shapely.make_valid(faces.take(fix).polygons())
    good = (shapely.get_type_id(fixed) == 3) & (
        np.abs(shapely.area(fixed) - want) <= 1e-9 * want + 1e-12)
    order = np.arange(len(faces))
    order[fix[good]] = len(faces) + np.arange(int(good.sum()))
    both = FaceRings.concat([faces, FaceRings.from_polygons(fixed[good])])
    return both.take(order), ~good


def _pinched(org: np.ndarray, cycle: np.ndarray, n_cycles: int) -> np.ndarray:
    """Per cycle: whether it passes through one vertex twice.

    Only vertices of degree 4 or more can be passed twice (at degree 3 two corners of one
    face would share an edge: a cut edge, dropped before), so only their half-edges are
    sorted, on one key.
    """
    out = np.zeros(n_cycles, dtype=bool)
    busy = np.flatnonzero(np.bincount(org)[org] >= 4)
    if len(busy) == 0:
        return out
    base = int(org.max()) + 1
    key = cycle[busy].astype(np.int64) * base + org[busy]
    key.sort()
    again = key[1:] == key[:-1]
    out[key[1:][again] // base] = True
    return out


class _Graph:
    """Half-edges 2p (kept part p forwards) and 2p+1 (backwards)."""

    def __init__(self, nxt, group, org, first, count, forward, ok):
        self.nxt = nxt          # next half-edge of the same face
        self.group = group      # group of each half-edge
        self.org = org          # its origin vertex
        self.first = first      # index of its first coordinate
        self.count = count      # coordinates it adds to its ring (the last is the next's)
        self.forward = forward  # +1 forwards, -1 backwards
        self.ok = ok            # per group: no two edges leave a vertex in one direction


def _half_edges(xy, start, end, group, n_groups: int) -> _Graph:
    """The half-edge graph of the parts ``start..end`` of ``xy``."""
    n = len(start)
    tail = np.empty(2 * n, dtype=np.int64)
    tail[0::2], tail[1::2] = start, end
    step = np.empty(2 * n, dtype=np.int64)
    step[0::2], step[1::2] = start + 1, end - 1
    hgroup = np.repeat(group, 2)
    x, y = xy[:, 0], xy[:, 1]
    vx, vy = x[tail] + 0.0, y[tail] + 0.0  # (+ 0.0 makes -0.0 into 0.0)
    dx, dy = x[step] - vx, y[step] - vy
    org = _vertex_ids(vx, vy, hgroup)
    ok = np.ones(n_groups, dtype=bool)
    ok[np.unique(hgroup[(dx == 0) & (dy == 0)])] = False
    angle = np.arctan2(dy, dx)
    order = _around_vertices(org, angle)
    pos = np.empty(2 * n, dtype=np.int64)
    pos[order] = np.arange(2 * n)
    around = org[order]
    first_at = np.searchsorted(around, np.arange(int(around[-1]) + 1))
    degree = np.diff(np.r_[first_at, 2 * n])
    tie = (around[1:] == around[:-1]) & (angle[order][1:] == angle[order][:-1])
    ok[np.unique(hgroup[order[1:][tie]])] = False
    head = org[np.arange(2 * n) ^ 1]
    # the next half-edge of a face: clockwise of the twin around the head vertex
    p = pos[np.arange(2 * n) ^ 1] - first_at[head]
    nxt = order[first_at[head] + (p - 1) % degree[head]]
    count = np.repeat(end - start, 2)
    forward = np.tile(np.array([1, -1]), n)
    return _Graph(nxt, hgroup, org, tail, count, forward, ok)


def _around_vertices(org: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Half-edges sorted by (origin vertex, angle), exactly as a two-key sort would.

    One sort of 8 * vertex + angle + 4 (angle + 4 is in 0.8..7.2) does it, except where
    rounding that key could swap two edges of a vertex less than 1e-7 rad apart: the
    edges of those vertices are sorted again on both keys. (Past 1e7 vertices the key's
    rounding nears 1e-7 rad: then the two-key sort does all.)
    """
    if len(org) and org.max() > 10_000_000:
        return np.lexsort((angle, org))
    order = np.argsort(org * 8.0 + (angle + 4.0))
    around, turned = org[order], angle[order]
    near = (around[1:] == around[:-1]) & ~(turned[1:] - turned[:-1] > 1e-7)
    if near.any():
        sel = np.flatnonzero(np.isin(around, around[1:][near]))
        sub = order[sel]
        order[sel] = sub[np.lexsort((angle[sub], org[sub]))]
    return order


def _vertex_ids(x: np.ndarray, y: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Ids 0..k-1 of the distinct (group, x, y), equal points equal ids.

    Equal points are brought together by one sort of a 64-bit hash of their bits; should
    two different points share a hash (checked), a three-key sort does it instead.
    """
    bits = [np.ascontiguousarray(v).view(np.uint64) for v in (x, y)]
    h = bits[0] * np.uint64(0x9E3779B97F4A7C15) ^ bits[1] * np.uint64(0xC2B2AE3D27D4EB4F) ^ (
        group.astype(np.uint64) * np.uint64(0x165667B19E3779F9))
    h ^= h >> np.uint64(29)
    h *= np.uint64(0xBF58476D1CE4E5B9)
    order = np.argsort(h)
    same = [v[order][1:] == v[order][:-1] for v in (x, y, group)]
    point_same = same[0] & same[1] & same[2]
    if ((h[order][1:] == h[order][:-1]) & ~point_same).any():  # a collision: sort fully
        order = np.lexsort((y, x, group))
        point_same = (x[order][1:] == x[order][:-1]) & (y[order][1:] == y[order][:-1]) & (
            group[order][1:] == group[order][:-1])
    ids = np.empty(len(x), dtype=np.int64)
    ids[order] = np.cumsum(np.r_[True, ~point_same]) - 1
    return ids


def _cycles(nxt: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cycle id (0..k-1) of each element of the permutation ``nxt`` and its rank along the
    cycle from the cycle's smallest element (pointer doubling, no Python loop per item)."""
    n = len(nxt)
    label = np.arange(n)
    jump = nxt.copy()
    while True:
        new = np.minimum(label, label[jump])
        if np.array_equal(new, label):
            break
        label = new
        jump = jump[jump]
    # rank: steps from the cycle's leader, by doubling on the predecessor links
    prev = np.empty(n, dtype=np.int64)
    prev[nxt] = np.arange(n)
    leader = label == np.arange(n)
    rank = (~leader).astype(np.int64)
    link = np.where(leader, np.arange(n), prev)
    while not leader[link].all():  # rank: steps from link to the element (leader: 0)
        rank = rank + rank[link]
        link = link[link]
    cycle = np.unique(label, return_inverse=True)[1]
    return cycle.reshape(-1), rank


def _components(cycle: np.ndarray, twin: np.ndarray, n_cycles: int) -> np.ndarray:
    """Connected component of each cycle (cycles sharing an edge are connected)."""
    adj = coo_matrix((np.ones(len(cycle)), (cycle, cycle[twin])), shape=(n_cycles, n_cycles))
    return connected_components(adj, directed=False)[1]


def _ring_coordinates(graph: _Graph, cycle, rank) -> tuple[np.ndarray, np.ndarray]:
    """Indices of every cycle's coordinates in the order of the cycle, and their cycle."""
    order = np.lexsort((rank, cycle))
    count = graph.count[order]
    idx = np.repeat(graph.first[order], count) + np.repeat(graph.forward[order], count) * (
        run_steps(count))
    return idx, np.repeat(cycle[order], count)


def _signed_areas(x: np.ndarray, y: np.ndarray, ring_of: np.ndarray, first: np.ndarray
                  ) -> np.ndarray:
    """Signed area (counter-clockwise positive) of rings given as runs of coordinates
    (``first``: where each run starts), each taken relative to its ring's first point (no
    cancellation far from the origin)."""
    x = x - np.repeat(x[first], np.diff(np.r_[first, len(x)]))
    y = y - np.repeat(y[first], np.diff(np.r_[first, len(y)]))
    # the closing segment runs from the last point back to the first (0, 0): no term
    cross = x[:-1] * y[1:] - x[1:] * y[:-1]
    cross[np.flatnonzero(ring_of[1:] != ring_of[:-1])] = 0.0
    return 0.5 * np.bincount(ring_of[:-1], weights=cross, minlength=len(first))


class _Rings:
    """Cycles as coordinate runs; polygons made on demand."""

    def __init__(self, xy, idx, ring_of):
        self.xy, self.idx, self.ring_of = xy, idx, ring_of
        self.first = np.searchsorted(ring_of, np.arange(int(ring_of[-1]) + 1))
        self._bounds: tuple[np.ndarray, ...] | None = None

    def face_rings(self, which: np.ndarray, polygon_of: np.ndarray) -> FaceRings:
        """The cycles ``which`` (in that order) as faces: cycle ``which[j]`` is a ring of
        face ``polygon_of[j]`` (sorted, shell first, every face 0..k-1 present)."""
        size = np.diff(np.r_[self.first, len(self.ring_of)])[which] + 1
        step = run_steps(size)
        ring_end = np.cumsum(size)
        step[ring_end - 1] = 0  # each ring closed by its first point again
        closed = self.idx[np.repeat(self.first[which], size) + step]
        return FaceRings(self.xy[closed], np.r_[0, ring_end],
                         np.r_[0, np.cumsum(np.bincount(polygon_of))])

    def polygons(self, which: np.ndarray, polygon_of: np.ndarray) -> np.ndarray:
        """:meth:`face_rings` made Polygons, in one call from the coordinates (no
        LinearRing objects in between: several times cheaper than rings then polygons)."""
        return self.face_rings(which, polygon_of).polygons()

    def first_point(self, which: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """x and y of the first point of the cycles ``which``."""
        at = self.idx[self.first[which]]
        return self.xy[at, 0], self.xy[at, 1]

    def bounds(self, which: np.ndarray) -> tuple[np.ndarray, ...]:
        """xmin, ymin, xmax, ymax of the cycles ``which``."""
        if self._bounds is None:
            x, y = self.xy[self.idx, 0], self.xy[self.idx, 1]
            self._bounds = tuple(f.reduceat(v, self.first) for f, v in (
                (np.minimum, x), (np.minimum, y), (np.maximum, x), (np.maximum, y)))
        return tuple(b[which] for b in self._bounds)


def _parent_faces(rings: _Rings, shells, area, cycle_group, component, outsides
                  ) -> np.ndarray:
    """For each cycle: the shell cycle it is a hole of (-1 where none).

    An outside cycle of a component lies in the smallest face (of another component of
    its group) that contains one of its points; none for the outermost components.
    Candidates are the shells of its group whose bounding box holds the point; only
    those are made into polygons and tested.
    """
    parent = np.full(len(area), -1, dtype=np.int64)
    if len(outsides) == 0 or len(shells) == 0:
        return parent
    per_group = np.bincount(cycle_group[outsides], minlength=int(cycle_group.max()) + 1)
    outsides = outsides[per_group[cycle_group[outsides]] > 1]
    if len(outsides) == 0:
        return parent
    px, py = rings.first_point(outsides)
    pt_i, sh_i = expand_pairs(cycle_group[shells], np.arange(len(shells)),
                              cycle_group[outsides])
    sh_i = shells[sh_i]
    x0, y0, x1, y1 = rings.bounds(sh_i)
    near = (component[sh_i] != component[outsides[pt_i]]) & (x0 < px[pt_i]) & (
        px[pt_i] < x1) & (y0 < py[pt_i]) & (py[pt_i] < y1)
    pt_i, sh_i = pt_i[near], sh_i[near]
    if len(pt_i) == 0:
        return parent
    cand, at = np.unique(sh_i, return_inverse=True)
    polys = rings.polygons(cand, np.arange(len(cand)))
    inside = shapely.contains_xy(polys[at.reshape(-1)], px[pt_i], py[pt_i])
    pt_i, sh_i = pt_i[inside], sh_i[inside]
    if len(pt_i) == 0:
        return parent
    best = np.lexsort((area[sh_i], pt_i))
    first = best[np.r_[True, pt_i[best][1:] != pt_i[best][:-1]]]
    parent[outsides[pt_i[first]]] = sh_i[first]
    return parent
