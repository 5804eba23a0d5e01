"""Camera coverage per cell: covered and blind area, blind spots, overlap counts.

All geometry is expected in one metric CRS. The work is done per cell on the planar
subdivision ("arrangement") of the cell's watch area by the outlines of the views that
reach it:

1. the view outlines (cut to a box around the watch area) and the watch area's outline,
   all oriented with their polygon's interior on the right, are noded together (GEOS's
   iterated noder, one ``shapely.node`` per cell) and their faces traced
   (:func:`~lever_grid.core.coverage.faces.trace`, numpy);
2. how many views see each face, and whether it lies in the watch area, follow from
   walking across the edges (:mod:`~lever_grid.core.coverage.walk`: crossing a view's
   outline from left to right enters that view) from one point test per watch ring;
   where that cannot be done (the noder dropped a duplicate edge, say) a point inside
   each face is tested against an STRtree of the views; cells the floating-point noding
   fails are snap-rounded (``union_all`` on a grid) and tested that way;
3. covered area = faces seen at least once, blind spots = faces seen by none, overlap =
   faces grouped by their count (faces of a group rarely share an edge, so they are
   gathered rather than unioned; see :func:`~lever_grid.core.coverage.rings.gather`), and
   made from the faces' coordinates in one call (:class:`~.rings.FaceRings`).

Everything is vectorised with shapely 2; groups of cells run on a few threads (GEOS
releases the GIL, see :func:`~lever_grid.core.geometry.worker_threads`), with the
cyclic garbage collector paused (:func:`~lever_grid.core.geometry.collector_paused`).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from ..geometry import (
    balanced_chunks,
    collector_paused,
    expand_pairs,
    group_union,
    interior_points,
    map_threads,
    polygonal,
    private_copies,
    road_pieces,
    snap_grid,
    worker_threads,
)
from ..progress import Progress
from .faces import Traced, trace
from .rings import FaceRings, gather
from .shadows import narrow, slivers
from .walk import part_lines, walk

__all__ = ["DEFAULT_ROAD_WIDTH_M", "Coverage", "watch_areas", "coverage_by_cell", "snap_unit",
           "road_lengths"]


#: Width of the road corridor used with ``--watch roads`` (metres).
DEFAULT_ROAD_WIDTH_M = 8.0


_EMPTY_GEOMS = np.empty(0, dtype=object)


_EMPTY_INTS = np.empty(0, dtype=np.int64)


@dataclass
class Coverage:
    """Per-cell coverage results; arrays are indexed like the cells given.

    ``blind_all`` is each cell's whole blind area (pieces under the minimum included;
    ``None`` when nothing is blind); ``covered`` (the covered geometry, ``None`` where
    nothing is covered) is derived from it on first use.
    """

    cell_area: np.ndarray
    watch: np.ndarray
    watch_area: np.ndarray
    covered_area: np.ndarray
    cameras: np.ndarray
    blind_all: np.ndarray
    blind_geoms: np.ndarray
    blind_cell: np.ndarray
    blind_area: np.ndarray
    dropped_blind: int
    dropped_blind_area: float
    overlap_geoms: np.ndarray
    overlap_cell: np.ndarray
    overlap_n: np.ndarray
    road_length: np.ndarray = field(default_factory=lambda: np.zeros(0))
    road_covered_length: np.ndarray = field(default_factory=lambda: np.zeros(0))
    _covered: np.ndarray | None = field(default=None, repr=False)

    @property
    def blind_by_cell(self) -> np.ndarray:
        return np.bincount(self.blind_cell, weights=self.blind_area,
                           minlength=len(self.cell_area))

    @property
    def covered(self) -> np.ndarray:
        """Covered geometry per cell (watch area minus its blind area), ``None`` if none."""
        if self._covered is None:
            self._covered = _covered_geoms(self.watch, self.blind_all, self.covered_area)
        return self._covered


def watch_areas(
    cells: np.ndarray,
    buildings: np.ndarray | None = None,
    roads: np.ndarray | None = None,
    road_width: float = DEFAULT_ROAD_WIDTH_M,
) -> np.ndarray:
    """The area to watch in each cell: the cell minus building footprints, or with
    ``roads`` given, the road corridor (``road_width`` wide) inside the cell."""
    cells = np.asarray(cells, dtype=object)
    watch = cells.copy()
    if roads is not None and len(roads):
        roads = np.asarray(roads, dtype=object)
        corridor = shapely.buffer(roads, road_width / 2.0, quad_segs=8)
        cell_i, road_i = shapely.STRtree(corridor).query(cells, predicate="intersects")
        near = group_union(corridor[road_i], cell_i, len(cells))
        has = np.array([c is not None for c in near], dtype=bool)
        watch = np.full(len(cells), shapely.Polygon(), dtype=object)
        if has.any():
            watch[has] = polygonal(shapely.intersection(cells[has], near[has]))
    if buildings is not None and len(buildings):
        watch = _without_footprints(watch, np.asarray(buildings, dtype=object))
    return watch


def _without_footprints(areas: np.ndarray, buildings: np.ndarray) -> np.ndarray:
    """``areas`` minus the footprints that reach each, on a few threads.

    Footprints rarely overlap, so those of an area are collected into one MultiPolygon
    and subtracted at once; only where that collection is not valid (footprints that
    overlap or share a wall) are they unioned first.
    """
    parts = shapely.get_parts(buildings)
    parts = parts[shapely.get_type_id(parts) == 3]
    area_i, part_i = shapely.STRtree(parts).query(areas, predicate="intersects")
    hit = np.unique(area_i)
    if len(hit) == 0:
        return areas
    counts = np.bincount(area_i)[hit]
    starts = np.searchsorted(area_i, hit)  # (the pairs come sorted by area)
    workers = worker_threads()

    def run(chunk: np.ndarray) -> np.ndarray:
        sel = np.concatenate([np.arange(s, s + c) for s, c in
                              zip(starts[chunk], counts[chunk], strict=True)])
        here = hit[chunk]
        blocked = gather(parts[part_i[sel]], np.searchsorted(here, area_i[sel]), len(here))
        return polygonal(shapely.difference(areas[here], blocked))

    chunks = balanced_chunks(counts.astype(float), 4 * workers)
    out = areas.copy()
    for chunk, cut in zip(chunks, map_threads(run, chunks, workers), strict=True):
        out[hit[chunk]] = cut
    return out


@collector_paused()
def coverage_by_cell(
    cells: np.ndarray,
    watch: np.ndarray,
    views: np.ndarray,
    *,
    min_blind_area: float = 1.0,
    roads: np.ndarray | None = None,
    overlap: bool = True,
    progress: Progress | None = None,
    grid_unit: float | None = None,
) -> Coverage:
    """Covered area, blind spots and overlap counts of ``views`` in each cell's ``watch``.

    A camera counts for a cell when its view covers a positive area of the cell's watch
    area. Blind pieces (connected parts of the blind area) under ``min_blind_area`` are
    dropped from ``blind_geoms`` (and counted in ``dropped_blind``).

    With ``overlap=False`` the overlap layer is left empty and the blind area is the
    watch area minus the cell's views, subtracted one after the other (the same figures
    for several times less work on dense networks: no face of the arrangement is built).

    ``grid_unit`` is the snap-rounding base (:func:`snap_unit` of all the cells' watch
    areas and views); a partitioned run passes the largest of its partitions' units so
    that every cell is computed exactly as in one pass (default: this call's own unit).
    """
    progress = progress or Progress()
    cells = np.asarray(cells, dtype=object)
    watch = np.asarray(watch, dtype=object)
    views = np.asarray(views, dtype=object)
    n = len(cells)
    progress.step(0.0)

    watch_ok, cell_i, view_i = _pairs(watch, views)
    # each watch area is used by one thread only; views are shared: threads read them and
    # copy those they prepare
    shapely.prepare(watch[watch_ok])
    progress.step(0.05)

    if not overlap:
        return _coverage_by_subtraction(cells, watch, views, watch_ok, cell_i, view_i,
                                        min_blind_area, roads, progress)
    seen_cells = np.unique(cell_i)
    pairs_per_cell = np.bincount(cell_i, minlength=n)[seen_cells]
    starts = np.searchsorted(cell_i, seen_cells)
    workers = worker_threads()
    chunks = balanced_chunks(pairs_per_cell.astype(float) ** 1.5, 4 * workers)
    views = _normalised(views, np.unique(view_i))

    fine = grid_unit or snap_grid(np.concatenate([watch[watch_ok], views[np.unique(view_i)]]))
    grids = (fine * 2.0**12, fine * 2.0**16)  # about 3e-5 and 5e-4 m at 2.5e6 m

    def run(chunk: np.ndarray) -> tuple:
        here = seen_cells[chunk]
        sel = np.concatenate([np.arange(s, s + c) for s, c in
                              zip(starts[chunk], pairs_per_cell[chunk], strict=True)])
        return _cell_faces(here, watch, views, cell_i[sel], view_i[sel], grids)

    watch_area = np.zeros(n)
    watch_area[watch_ok] = shapely.area(watch[watch_ok])
    covered_area = np.zeros(n)
    cameras = np.zeros(n, dtype=np.int64)
    # blind: the faces nobody sees, plus the whole watch area of cells no view reaches
    unseen = np.setdiff1d(np.flatnonzero(watch_ok), seen_cells)
    blind_all = np.full(n, None, dtype=object)
    blind_all[unseen] = watch[unseen]
    overlaps = []
    for done, (here, blind, covered, cams, ov) in enumerate(
            map_threads(run, chunks, workers), start=1):
        blind_all[here] = blind
        covered_area[here] = covered
        cameras[here] = cams
        overlaps.append(ov)
        progress.step(0.05 + 0.8 * done / max(len(chunks), 1))
    progress.step(0.85)
    ov = tuple(np.concatenate([o[k] for o in overlaps]) if overlaps else empty
               for k, empty in enumerate((_EMPTY_GEOMS, _EMPTY_INTS, _EMPTY_INTS)))
    return _result(cells, watch, watch_area, covered_area, cameras, blind_all, ov,
                   min_blind_area, roads, views, progress)


def _pairs(watch: np.ndarray, views: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Usable watch areas and the (cell, view) pairs that intersect, sorted by cell, view."""
    usable = np.flatnonzero(~(shapely.is_missing(views) | shapely.is_empty(views)))
    watch_ok = ~(shapely.is_missing(watch) | shapely.is_empty(watch))
    cell_i, view_i = (np.empty(0, dtype=np.int64),) * 2
    if len(usable):
        cell_i, k = shapely.STRtree(views[usable]).query(watch, predicate="intersects")
        view_i = usable[k]
        keep = watch_ok[cell_i]
        cell_i, view_i = cell_i[keep], view_i[keep]
        order = np.lexsort((view_i, cell_i))
        cell_i, view_i = cell_i[order], view_i[order]
    return watch_ok, cell_i, view_i


def snap_unit(watch: np.ndarray, views: np.ndarray) -> float:
    """The snap-rounding base :func:`coverage_by_cell` uses for these watch areas and views.

    It grows with the largest coordinate only, so the unit of a whole run is the largest
    unit of its partitions.
    """
    watch = np.asarray(watch, dtype=object)
    views = np.asarray(views, dtype=object)
    watch_ok, _, view_i = _pairs(watch, views)
    return snap_grid(np.concatenate([watch[watch_ok], views[np.unique(view_i)]]))


def road_lengths(cells: np.ndarray, views: np.ndarray, roads: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Road length per cell and the part of it some view reaches (see ``coverage_by_cell``)."""
    return _road_lengths(np.asarray(cells, dtype=object), views, roads)


def _cell_faces(here: np.ndarray, watch: np.ndarray, views: np.ndarray, cell_i: np.ndarray,
                view_i: np.ndarray, grids: tuple[float, ...]) -> tuple:
    """Everything one group of cells needs from its arrangement (run in a worker thread):
    the cells, their blind area, covered area, camera count and overlap pieces."""
    faces, face_cell, face_n, thin, touch, cam_cell, snapped = _arrangement(
        here, watch, views, cell_i, view_i, grids)
    k = len(here)
    local = np.searchsorted(here, face_cell)
    seen = face_n > 0
    covered = np.bincount(local[seen], weights=faces.area()[seen], minlength=k)
    cameras = np.bincount(np.searchsorted(here, cam_cell), minlength=k)
    dark = ~seen & ~np.isin(face_cell, snapped)
    # only where two faces of a group share an edge must they be dissolved
    check = np.bincount(local[dark & touch], minlength=k) > 0
    blind = gather(faces.take(dark), local[dark], k, check)
    if len(snapped):
        # faces of snapped cells are off by up to the grid: their blind and covered
        # areas come from exact floating-point subtraction instead (overlap keeps faces)
        sel = np.isin(cell_i, snapped)
        pieces, which = _subtract_views(watch[snapped], np.searchsorted(snapped, cell_i[sel]),
                                        _own_views(views, view_i[sel]))
        merged = gather(pieces, which, len(snapped))
        at = np.searchsorted(here, snapped)
        blind[at] = merged
        blind_area = np.array([0.0 if g is None else shapely.area(g) for g in merged])
        covered[at] = np.maximum(shapely.area(watch[snapped]) - blind_area, 0.0)
    # slivers between a wall and a view's edge along it (a few ulps apart, about 3 % of
    # the faces with buildings) would join faces of one group: left out of the overlap
    lit = seen & ~thin
    ov = _overlap(faces.take(lit), face_cell[lit], face_n[lit], touch[lit])
    return here, blind, covered, cameras, ov


def _result(cells, watch, watch_area, covered_area, cameras, blind_all, ov, min_blind_area,
            roads, views, progress: Progress) -> Coverage:
    """The Coverage record: blind pieces, the minimum-area filter and road lengths."""
    pieces, piece_cell = shapely.get_parts(blind_all, return_index=True)
    piece_area = shapely.area(pieces)
    big = (piece_area >= min_blind_area) & (piece_area > 0)
    result = Coverage(
        cell_area=shapely.area(cells),
        watch=watch,
        watch_area=watch_area,
        covered_area=covered_area,
        cameras=cameras,
        blind_all=blind_all,
        blind_geoms=pieces[big],
        blind_cell=piece_cell[big],
        blind_area=piece_area[big],
        dropped_blind=int((~big & (piece_area > 0)).sum()),
        dropped_blind_area=float(piece_area[~big].sum()),
        overlap_geoms=ov[0],
        overlap_cell=ov[1],
        overlap_n=ov[2],
    )
    progress.step(0.95)
    if roads is not None:
        result.road_length, result.road_covered_length = _road_lengths(cells, views, roads)
    progress.step(1.0)
    return result


def _coverage_by_subtraction(cells, watch, views, watch_ok, cell_i, view_i, min_blind_area,
                             roads, progress: Progress) -> Coverage:
    """Blind area = watch area minus the cell's views, one view after the other.

    Every cell's blind area is kept as separate pieces; round r subtracts each cell's
    r-th view (largest first) from the pieces it reaches, and drops the pieces it
    contains. Pieces shrink fast, so later rounds are cheap; no overlap faces are built.
    """
    n = len(cells)
    cameras = np.zeros(n, dtype=np.int64)
    if len(cell_i):
        # a camera counts where its view's interior meets the watch area (not a mere
        # touch): sure when a point inside the view lies inside the watch area
        inner = shapely.point_on_surface(views[view_i])
        sure = shapely.contains(watch[cell_i], inner)
        unsure = np.flatnonzero(~sure)
        touch = _touches(watch[cell_i[unsure]], views[view_i[unsure]])
        meets = sure.copy()
        meets[unsure[~touch]] = True
        cell_i, view_i = cell_i[meets], view_i[meets]
        cameras = np.bincount(cell_i, minlength=n)
    workers = worker_threads()
    seen_cells = np.unique(cell_i)
    counts = np.bincount(cell_i, minlength=n)[seen_cells]
    starts = np.searchsorted(cell_i, seen_cells)
    chunks = balanced_chunks(counts.astype(float), 4 * workers)

    def run(chunk: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        here = seen_cells[chunk]
        sel = np.concatenate([np.arange(s, s + c) for s, c in
                              zip(starts[chunk], counts[chunk], strict=True)])
        return _subtract_views(watch[here], np.searchsorted(here, cell_i[sel]),
                               _own_views(views, view_i[sel]))

    piece_list, cell_list = [], []
    for done, (chunk, (pieces, local)) in enumerate(
            zip(chunks, map_threads(run, chunks, workers), strict=True), start=1):
        piece_list.append(pieces)
        cell_list.append(seen_cells[chunk][local])
        progress.step(0.05 + 0.8 * done / len(chunks))
    unseen = np.setdiff1d(np.flatnonzero(watch_ok), seen_cells)
    blind_all = np.full(n, None, dtype=object)
    blind_all[unseen] = watch[unseen]
    if piece_list:
        pieces, piece_cell = np.concatenate(piece_list), np.concatenate(cell_list)
        merged = gather(pieces, piece_cell, n)
        has = np.array([g is not None for g in merged], dtype=bool)
        blind_all[has] = merged[has]
    watch_area = np.zeros(n)
    watch_area[watch_ok] = shapely.area(watch[watch_ok])
    blind_area = np.zeros(n)
    has = np.array([b is not None for b in blind_all], dtype=bool)
    blind_area[has] = shapely.area(blind_all[has])
    covered_area = np.where(cameras > 0, np.maximum(watch_area - blind_area, 0.0), 0.0)
    empty_ov = (_EMPTY_GEOMS, _EMPTY_INTS, _EMPTY_INTS)
    return _result(cells, watch, watch_area, covered_area, cameras, blind_all, empty_ov,
                   min_blind_area, roads, views, progress)


def _touches(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``shapely.touches`` that survives GEOS's relate failing on near-coincident edges
    (then, for the failing pairs only: the intersection has no area)."""
    try:
        return shapely.touches(a, b)
    except shapely.errors.GEOSException:
        out = np.zeros(len(a), dtype=bool)
        for k in range(len(a)):  # rare: only after a robustness failure
            try:
                out[k] = shapely.touches(a[k], b[k])
            except shapely.errors.GEOSException:
                out[k] = shapely.area(shapely.intersection(a[k], b[k])) == 0
        return out


def _subtract_views(areas: np.ndarray, view_area: np.ndarray, views: np.ndarray
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Polygon pieces of ``areas[k]`` minus the union of the ``views`` with
    ``view_area == k``; returns the pieces and the index k of each."""
    k = len(areas)
    size = shapely.area(views)
    order = np.lexsort((-size, view_area))
    view_area, views = view_area[order], views[order]
    counts = np.bincount(view_area, minlength=k)
    rank = np.arange(len(views)) - (np.cumsum(counts) - counts)[view_area]
    view_at = np.full((k, int(counts.max(initial=0))), -1, dtype=np.int64)
    view_at[view_area, rank] = np.arange(len(views))
    pieces, piece_of = shapely.get_parts(areas, return_index=True)
    for r in range(view_at.shape[1]):
        v = view_at[piece_of, r]
        cand = np.flatnonzero(v >= 0)
        if len(cand) == 0:
            continue
        cand = cand[shapely.intersects(views[v[cand]], pieces[cand])]
        if len(cand) == 0:
            continue
        gone = shapely.contains(views[v[cand]], pieces[cand])
        cut = cand[~gone]
        rest, which = shapely.get_parts(shapely.difference(pieces[cut], views[v[cut]]),
                                        return_index=True)
        area_like = shapely.get_type_id(rest) == 3
        keep = np.ones(len(pieces), dtype=bool)
        keep[cand] = False
        pieces = np.concatenate([pieces[keep], rest[area_like]])
        piece_of = np.concatenate([piece_of[keep], piece_of[cut][which][area_like]])
    nonempty = shapely.area(pieces) > 0
    return pieces[nonempty], piece_of[nonempty]


def _arrangement(cells_here: np.ndarray, watch: np.ndarray, views: np.ndarray,
                 cell_i: np.ndarray, view_i: np.ndarray, grids: tuple[float, ...]) -> tuple:
    """Faces of ``cells_here``'s watch areas cut by the outlines of their views.

    Outlines are noded with floating precision; a cell whose noding fails, or whose faces
    do not add up to its watch area, is noded again with snap-rounding on each of
    ``grids`` in turn (GEOS 3.11 sometimes loses or fails to node edges that run along
    building walls, where the watch outline and occluded views nearly coincide). Returns
    (faces, their cell, how many views see each, which are slivers (:func:`.slivers`),
    which may share an edge with a face of the same count that is not a sliver (for
    faces seen by none: any face seen by none), cell of each camera that sees a positive
    area of that cell, cells that needed snapping); faces outside the watch area are
    left out.
    """
    local = np.searchsorted(cells_here, cell_i)
    k = len(cells_here)
    mine = views[view_i]  # (normalised, shared by the threads: read only)
    own_watch = shapely.normalize(watch[cells_here])  # (outlines: interior on the right)
    shapely.prepare(own_watch)
    lines, line_cell, line_role = _clipped_outlines(shapely.boundary(mine), local, own_watch)
    area = shapely.area(own_watch)
    todo = np.arange(k)
    found: list[tuple] = []
    snapped = np.zeros(k, dtype=bool)
    perimeter = shapely.length(own_watch)
    for noder, grid in (("node", None), ("union", None), *(("union", g) for g in grids)):
        take = np.isin(line_cell, todo)
        which_line = np.searchsorted(todo, line_cell[take])
        if noder == "node":
            noded, traced, face_n, inside, pairs = _walked_faces(
                lines[take], which_line, line_role[take], todo, own_watch, local, mine)
        else:
            noded = group_union(lines[take], which_line, len(todo), grid_size=grid)
            traced = trace(noded)
            traced.ok &= shapely.is_simple(noded)
            face_n, inside, pairs = _probed_faces(traced, traced.ok, todo, own_watch, local,
                                                  mine)
        which = traced.group
        face_area = traced.rings.area()
        total = np.bincount(which[inside], weights=face_area[inside], minlength=len(todo))
        # snap-rounding moves each vertex by up to the grid: so much area may change
        slack = 1e-9 * area[todo] + 1e-9 + (0.0 if grid is None else grid * perimeter[todo])
        good = traced.ok & (np.abs(total - area[todo]) <= slack)
        keep = inside & good[which]
        thin = narrow(face_area, traced.rings.length())
        touch = _touching(traced, face_n, inside & ((face_n == 0) | ~thin))
        found.append((traced.rings.take(keep), todo[which[keep]], face_n[keep], thin[keep],
                      touch[keep], pairs[good[np.searchsorted(todo, local[pairs])]]))
        if grid is not None:
            snapped[todo[good]] = True
        todo = todo[~good]
        if len(todo) == 0:
            break
    if len(todo):  # nothing nodes these cells cleanly: keep the floating-point faces
        snapped[todo] = True
        take = np.isin(line_cell, todo)
        noded = group_union(lines[take], np.searchsorted(todo, line_cell[take]), len(todo))
        faces, which = shapely.get_parts(shapely.polygonize(noded[:, None]), return_index=True)
        probe = interior_points(faces)
        inside = shapely.contains(own_watch[todo[which]], probe)
        face_n, pairs = _probe_counts(probe[inside], todo[which[inside]], local, mine)
        faces = faces[inside]
        found.append((FaceRings.from_polygons(faces), todo[which[inside]], face_n,
                      slivers(faces), np.ones(len(faces), dtype=bool), pairs))
    faces = FaceRings.concat([f[0] for f in found])
    face_local, counts, thin, touch, pairs = (np.concatenate([f[j] for f in found])
                                              for j in range(1, 6))
    cam_pairs = np.unique(pairs)  # (cell, view) pairs that see a face of the cell
    return (faces, cells_here[face_local], counts, thin, touch, cell_i[cam_pairs],
            cells_here[snapped])


def _touching(traced: Traced, value: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Which faces share an edge with another face of the same ``value`` (both
    ``usable``)."""
    left, right = traced.left, traced.right
    both = (left >= 0) & (right >= 0)
    left, right = left[both], right[both]
    same = usable[left] & usable[right] & (value[left] == value[right])
    touch = np.zeros(len(traced.rings), dtype=bool)
    touch[left[same]] = True
    touch[right[same]] = True
    return touch


def _walked_faces(lines, which_line, line_role, todo, own_watch, local, mine) -> tuple:
    """The floating-point pass of :func:`_arrangement`: faces and their view counts by
    walking the arrangement (:mod:`.walk`), by a point in each face where that fails.

    Returns the noded linework, the traced faces, views per face, which faces lie in the
    watch area, and the (cell, view) pairs that see a face inside.
    """
    n = len(todo)
    noded, done, parts, part_group, part_role = _node(lines, which_line, n, line_role)
    traced = trace(noded)
    traced.ok &= done
    line_ends = np.hstack([shapely.get_coordinates(shapely.get_point(parts, j)) for j in (0, -1)])
    line_of = part_lines(traced.ends, traced.part_group, line_ends, part_group)
    e_line = line_of[traced.part]
    e_group = traced.part_group[traced.part]
    walkable = traced.ok.copy()
    walkable[e_group[e_line < 0]] = False
    role = np.where(e_line >= 0, part_role[np.maximum(e_line, 0)], -2)
    step = np.stack([role >= 0, role == -1], axis=1).astype(np.int64)
    # roots: the face on the inner side of each watch ring's first part
    ring = np.flatnonzero((role == -1) & walkable[e_group])
    ring = ring[np.unique(e_line[ring], return_index=True)[1]]
    roots = np.unique(traced.right[ring])
    walkable[e_group[ring][traced.right[ring] < 0]] = False
    roots = roots[roots >= 0]
    root_n, root_pairs = _point_counts(interior_points(traced.rings.take(roots).polygons()),
                                       todo[traced.group[roots]], local, mine)
    value, settled = walk(len(traced.rings), traced.left, traced.right, step, roots,
                          np.stack([root_n, np.ones(len(roots), dtype=np.int64)], axis=1))
    walkable[traced.group[~settled]] = False
    walked = walkable[traced.group]
    face_n = value[:, 0]
    inside = walked & (value[:, 1] == 1)
    sees = (role >= 0) & walkable[e_group] & (traced.right >= 0)
    sees[sees] = inside[traced.right[sees]]
    pairs = [role[sees], root_pairs[walkable[np.searchsorted(todo, local[root_pairs])]]]
    rest = ~walkable
    if rest.any():
        probed_n, probed_inside, probed_pairs = _probed_faces(traced, rest, todo, own_watch,
                                                              local, mine)
        face_n = np.where(walked, face_n, probed_n)
        inside |= probed_inside
        pairs.append(probed_pairs)
    return noded, traced, face_n, inside, np.concatenate(pairs)


def _probed_faces(traced: Traced, groups: np.ndarray, todo, own_watch, local, mine) -> tuple:
    """Views per face and which faces lie in the watch area, by a point inside each face
    of the traced ``groups`` (bool per group); and the (cell, view) pairs that see one."""
    face_n = np.zeros(len(traced.rings), dtype=np.int64)
    inside = np.zeros(len(traced.rings), dtype=bool)
    sel = np.flatnonzero(groups[traced.group] & traced.ok[traced.group])
    probe = interior_points(traced.rings.take(sel).polygons())
    cell = todo[traced.group[sel]]
    inside[sel] = shapely.contains(own_watch[cell], probe)
    sel, probe, cell = sel[inside[sel]], probe[inside[sel]], cell[inside[sel]]
    face_n[sel], pairs = _probe_counts(probe, cell, local, mine)
    return face_n, inside, pairs


def _probe_counts(probe: np.ndarray, probe_cell: np.ndarray, local: np.ndarray,
                  mine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How many of its cell's views contain each probe point (``local``: the cell of each
    view in ``mine``), and the views that contain one."""
    near = np.flatnonzero(np.isin(local, probe_cell))
    own = private_copies(mine[near])
    shapely.prepare(own)
    face_j, j = shapely.STRtree(probe).query(own, predicate="contains")[::-1]
    pair_j = near[j]
    same = local[pair_j] == probe_cell[face_j]
    return np.bincount(face_j[same], minlength=len(probe)), pair_j[same]


def _point_counts(points: np.ndarray, point_cell: np.ndarray, local: np.ndarray,
                  mine: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_probe_counts` for a few points (one per watch ring): each tested against
    its cell's views directly, with no tree and nothing prepared."""
    k, pair_j = expand_pairs(local, np.arange(len(local)), point_cell)
    x, y = shapely.get_coordinates(points).T
    hit = shapely.contains_xy(mine[pair_j], x[k], y[k])
    return np.bincount(k[hit], minlength=len(points)), pair_j[hit]


def _node(lines: np.ndarray, group: np.ndarray, n: int, role: np.ndarray) -> tuple:
    """Each group's lines noded in floating point, and where that worked; and the line
    parts as noded (in each group's order), their group and their ``role``.

    GEOS's iterated noder (``shapely.node``) repeats its pass until one finds no crossing
    left inside a segment, so what it returns needs no simplicity check; a group it gives
    up on (it raises: walls nearly along the watch outline) is marked not done, for the
    caller to node another way.
    """
    parts, which = shapely.get_parts(lines, return_index=True)
    order = np.argsort(group[which], kind="stable")
    parts, which = parts[order], which[order]
    multi = shapely.multilinestrings(parts, indices=group[which],
                                     out=np.full(n, None, dtype=object))
    done = ~shapely.is_missing(multi)
    noded = np.full(n, None, dtype=object)
    for k in np.flatnonzero(done):  # one call per group: a failure costs only its group
        try:
            noded[k] = shapely.node(multi[k])
        except shapely.errors.GEOSException:
            done[k] = False
    return noded, done, parts, group[which], role[which]


def _clipped_outlines(outlines: np.ndarray, local: np.ndarray, watch: np.ndarray
                      ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The lines to node for each watch area: its outline, and its views' outlines cut to
    a box a little larger than the watch area (closed by that box's outline); with the
    watch area of each line and its role (the view it outlines, -1: the watch area's
    outline, -2: the box).

    What lies outside the box only makes faces outside the watch area, which are thrown
    away: a third of all faces on the synthetic city. The box's edges run 2 % of its size
    (at least 1 mm) outside the watch area, so they never meet its outline.
    """
    box = shapely.bounds(watch)
    pad = np.maximum(0.02 * np.max(box[:, 2:] - box[:, :2], axis=1), 1e-3)
    box = box + pad[:, None] * np.array([-1.0, -1.0, 1.0, 1.0])
    ext = shapely.bounds(outlines)
    out = (ext[:, :2] < box[local, :2]).any(axis=1) | (ext[:, 2:] > box[local, 2:]).any(axis=1)
    outlines = outlines.copy()
    cut = np.flatnonzero(out)
    cut = cut[np.argsort(local[cut], kind="stable")]
    cut_cells, first = np.unique(local[cut], return_index=True)
    for c, sel in zip(cut_cells, np.split(cut, first[1:]) if len(cut) else [], strict=True):
        outlines[sel] = shapely.clip_by_rect(outlines[sel], *box[c])  # one call per area
    frames = shapely.boundary(shapely.box(*box[cut_cells].T))
    lines = np.concatenate([shapely.boundary(watch), outlines, frames])
    line_cell = np.concatenate([np.arange(len(watch)), local, cut_cells])
    role = np.concatenate([np.full(len(watch), -1), np.arange(len(outlines)),
                           np.full(len(cut_cells), -2)])
    keep = ~shapely.is_empty(lines)
    return lines[keep], line_cell[keep], role[keep]


def _own_views(views: np.ndarray, view_i: np.ndarray) -> np.ndarray:
    """``views[view_i]`` as prepared copies private to the calling thread."""
    uniq, inverse = np.unique(view_i, return_inverse=True)
    own = private_copies(views[uniq])
    shapely.prepare(own)
    return own[inverse.reshape(-1)]


def _normalised(views: np.ndarray, used: np.ndarray) -> np.ndarray:
    """``views`` with the ``used`` ones normalised (exterior rings clockwise, holes
    anticlockwise: the interior lies on the right of every ring), made here, before the
    threads, with their envelopes computed, so that the threads only read them."""
    out = views.copy()
    out[used] = shapely.normalize(views[used])
    shapely.bounds(out[used])  # (GEOS 3.11 computes envelopes on first use)
    return out


def _overlap(faces: FaceRings, face_cell: np.ndarray, face_n: np.ndarray,
             touch: np.ndarray | None = None):
    """Seen faces merged per (cell, n_cameras); ``touch``: the faces that may share an
    edge with a face of their group (``None``: any)."""
    if len(faces) == 0:
        return _EMPTY_GEOMS, _EMPTY_INTS, _EMPTY_INTS
    top = int(face_n.max()) + 1
    keys = face_cell.astype(np.int64) * top + face_n
    uniq, group = np.unique(keys, return_inverse=True)
    group = group.reshape(-1)
    check = None if touch is None else np.bincount(group[touch], minlength=len(uniq)) > 0
    merged = gather(faces, group, len(uniq), check)
    return merged, uniq // top, uniq % top


def _covered_geoms(watch: np.ndarray, blind_all: np.ndarray, covered_area: np.ndarray
                   ) -> np.ndarray:
    """Watch area minus blind area per cell; ``None`` where nothing is covered."""
    out = np.full(len(watch), None, dtype=object)
    seen = covered_area > 0
    whole = seen & np.array([b is None for b in blind_all], dtype=bool)
    out[whole] = watch[whole]
    part = seen & ~whole
    if part.any():
        out[part] = polygonal(shapely.difference(watch[part], blind_all[part]))
    return out


def _road_lengths(cells: np.ndarray, views: np.ndarray, roads: np.ndarray):
    """Road centreline length per cell and the part of it some view reaches.

    A road is seen where it lies inside a view. Views are not cut at cell edges, so a
    road running along an edge is seen when a view reaches over it, whichever cell the
    view belongs to (testing against each cell's covered area, whose outline is that very
    edge, would leave it to rounding). Shared edges count half to each cell.
    """
    n = len(cells)
    pieces, cell_i, weight = road_pieces(cells, roads)
    length = np.bincount(cell_i, weights=shapely.length(pieces) * weight, minlength=n)
    views = np.asarray(views, dtype=object)
    views = views[~(shapely.is_missing(views) | shapely.is_empty(views))]
    if len(pieces) == 0 or len(views) == 0:
        return length, np.zeros(n)
    piece_j, view_j = shapely.STRtree(views).query(pieces, predicate="intersects")
    reach = group_union(views[view_j], piece_j, len(pieces))
    has = np.array([r is not None for r in reach], dtype=bool)
    inside = np.zeros(len(pieces))
    if has.any():
        inside[has] = shapely.length(shapely.intersection(pieces[has], reach[has]))
    return length, np.bincount(cell_i, weights=inside * weight, minlength=n)
