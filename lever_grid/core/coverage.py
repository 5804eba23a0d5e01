"""Camera coverage per cell: covered and blind area, blind spots, overlap counts.

All geometry is expected in one metric CRS. Everything is vectorised with shapely 2:
pairs come from an STRtree, per-cell unions from :func:`group_union`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import shapely

from .geometry import group_union, polygonal, road_pieces
from .progress import Progress

__all__ = ["Coverage", "watch_areas", "coverage_by_cell", "DEFAULT_ROAD_WIDTH_M"]

#: Width of the road corridor used with ``--watch roads`` (metres).
DEFAULT_ROAD_WIDTH_M = 8.0


@dataclass
class Coverage:
    """Per-cell coverage results; arrays are indexed like the cells given."""

    cell_area: np.ndarray
    watch: np.ndarray
    watch_area: np.ndarray
    covered: np.ndarray
    covered_area: np.ndarray
    cameras: np.ndarray
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

    @property
    def blind_by_cell(self) -> np.ndarray:
        return np.bincount(self.blind_cell, weights=self.blind_area,
                           minlength=len(self.cell_area))


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
        corridor = shapely.union_all(shapely.buffer(np.asarray(roads, dtype=object),
                                                    road_width / 2.0, quad_segs=8))
        watch = polygonal(shapely.intersection(watch, corridor))
    if buildings is not None and len(buildings):
        buildings = np.asarray(buildings, dtype=object)
        cell_i, bld_i = shapely.STRtree(buildings).query(cells, predicate="intersects")
        blocked = group_union(buildings[bld_i], cell_i, len(cells))
        has = np.array([b is not None for b in blocked])
        if has.any():
            watch[has] = polygonal(shapely.difference(watch[has], blocked[has]))
    return watch


def coverage_by_cell(
    cells: np.ndarray,
    watch: np.ndarray,
    views: np.ndarray,
    *,
    min_blind_area: float = 1.0,
    roads: np.ndarray | None = None,
    progress: Progress | None = None,
) -> Coverage:
    """Covered area, blind spots and overlap counts of ``views`` in each cell's ``watch``."""
    progress = progress or Progress()
    cells = np.asarray(cells, dtype=object)
    watch = np.asarray(watch, dtype=object)
    views = np.asarray(views, dtype=object)
    n = len(cells)
    progress.step(0.0)

    cell_i, view_i = shapely.STRtree(views).query(watch, predicate="intersects")
    clipped = polygonal(shapely.intersection(views[view_i], watch[cell_i]))
    area = shapely.area(clipped)
    keep = area > 0
    cell_i, view_i, clipped = cell_i[keep], view_i[keep], clipped[keep]
    progress.step(0.3)

    covered = group_union(clipped, cell_i, n)
    has = np.array([c is not None for c in covered], dtype=bool)
    covered_area = np.zeros(n)
    covered_area[has] = shapely.area(covered[has])
    cameras = np.bincount(cell_i, minlength=n)
    progress.step(0.5)

    blind = watch.copy()
    blind[has] = polygonal(shapely.difference(watch[has], covered[has]))
    parts, part_cell = shapely.get_parts(blind, return_index=True)
    part_area = shapely.area(parts)
    big = (part_area >= min_blind_area) & (part_area > 0)
    progress.step(0.6)

    ov_geoms, ov_cell, ov_n = _overlap(clipped, cell_i, n)
    progress.step(0.9)

    result = Coverage(
        cell_area=shapely.area(cells),
        watch=watch,
        watch_area=shapely.area(watch),
        covered=covered,
        covered_area=covered_area,
        cameras=cameras,
        blind_geoms=parts[big],
        blind_cell=part_cell[big],
        blind_area=part_area[big],
        dropped_blind=int((~big & (part_area > 0)).sum()),
        dropped_blind_area=float(part_area[~big].sum()),
        overlap_geoms=ov_geoms,
        overlap_cell=ov_cell,
        overlap_n=ov_n,
    )
    if roads is not None:
        result.road_length, result.road_covered_length = _road_lengths(cells, covered, roads)
    progress.step(1.0)
    return result


def _overlap(clipped: np.ndarray, cell_i: np.ndarray, n: int):
    """Split each cell's covered area by how many views see it (n_cameras = 1, 2, ...)."""
    empty = np.empty(0, dtype=object), np.empty(0, dtype=int), np.empty(0, dtype=int)
    if len(clipped) == 0:
        return empty
    noded = group_union(shapely.boundary(clipped), cell_i, n)
    present = np.flatnonzero([g is not None for g in noded])
    faces_per_cell = shapely.polygonize(noded[present][:, None])
    faces, which = shapely.get_parts(faces_per_cell, return_index=True)
    face_cell = present[which]
    probe = shapely.point_on_surface(faces)
    face_i, clip_i = shapely.STRtree(clipped).query(probe, predicate="within")
    same = cell_i[clip_i] == face_cell[face_i]
    counts = np.bincount(face_i[same], minlength=len(faces))
    seen = counts > 0
    faces, face_cell, counts = faces[seen], face_cell[seen], counts[seen]
    if len(faces) == 0:
        return empty
    key_cell, key_n = face_cell, counts
    keys = key_cell.astype(np.int64) * (int(counts.max()) + 1) + key_n
    uniq, group = np.unique(keys, return_inverse=True)
    merged = group_union(faces, group, len(uniq))
    return merged, uniq // (int(counts.max()) + 1), uniq % (int(counts.max()) + 1)


def _road_lengths(cells: np.ndarray, covered: np.ndarray, roads: np.ndarray):
    """Road centreline length per cell and the part of it inside the covered area."""
    n = len(cells)
    pieces, cell_i, weight = road_pieces(cells, roads)
    length = np.bincount(cell_i, weights=shapely.length(pieces) * weight, minlength=n)
    seen = np.zeros(n)
    cov = covered[cell_i]
    has = np.array([c is not None for c in cov], dtype=bool)
    if has.any():
        inside = shapely.length(shapely.intersection(pieces[has], cov[has]))
        seen = np.bincount(cell_i[has], weights=inside * weight[has], minlength=n)
    return length, seen
