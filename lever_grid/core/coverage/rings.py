"""Faces kept as coordinate runs, made into shapely geometry only where needed.

A city's arrangement has some 800,000 faces, but its outputs are some 20,000 pieces: the
faces merged per (cell, number of cameras) and the blind area per cell. Making every face
a Polygon, copying it into its piece's MultiPolygon and freeing it held the GIL for about
a quarter of the coverage step. :class:`FaceRings` holds the faces as the ragged arrays
``shapely.from_ragged_array`` reads (closed rings of coordinates, rings of each face, the
shell first), gives their areas and perimeters in numpy, and makes polygons or the
merged pieces in one call; :func:`gather` merges faces per group.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import shapely

from ..geometry import group_union, run_steps

__all__ = ["FaceRings", "gather", "ragged_polygons"]


#: ``shapely.from_ragged_array`` is used for polygons from shapely 2.2 on; with shapely 2.1
#: (Debian 13's, and the QGIS 3.40 installers') it corrupted the heap on the bundled
#: sample (QGIS aborted: "double free or corruption"), so there the rings are made first.
_RAGGED_POLYGONS = tuple(int(v) for v in shapely.__version__.split(".")[:2]) >= (2, 2)


def ragged_polygons(xy: np.ndarray, ring_start: np.ndarray, face_start: np.ndarray
                    ) -> np.ndarray:
    """Polygons from ragged arrays (see :class:`FaceRings`), in one vectorised call."""
    if _RAGGED_POLYGONS:
        return shapely.from_ragged_array(shapely.GeometryType.POLYGON, xy,
                                         (ring_start, face_start))
    ring_of = np.repeat(np.arange(len(ring_start) - 1), np.diff(ring_start))
    rings = shapely.linearrings(np.ascontiguousarray(xy), indices=ring_of)
    face_of = np.repeat(np.arange(len(face_start) - 1), np.diff(face_start))
    return shapely.polygons(rings, indices=face_of)


@dataclass
class FaceRings:
    """Polygons as ragged arrays: face f has rings ``face_start[f]:face_start[f + 1]``
    (shell first), ring r the closed coordinates ``xy[ring_start[r]:ring_start[r + 1]]``."""

    xy: np.ndarray
    ring_start: np.ndarray
    face_start: np.ndarray

    @classmethod
    def empty(cls) -> FaceRings:
        zero = np.zeros(1, dtype=np.int64)
        return cls(np.empty((0, 2)), zero, zero.copy())

    @classmethod
    def from_polygons(cls, polygons: np.ndarray) -> FaceRings:
        """The rings of ``polygons`` (Polygons only)."""
        if len(polygons) == 0:
            return cls.empty()
        _, xy, (ring_start, face_start) = shapely.to_ragged_array(
            np.asarray(polygons, dtype=object))
        return cls(xy[:, :2], ring_start.astype(np.int64), face_start.astype(np.int64))

    @classmethod
    def concat(cls, parts: list[FaceRings]) -> FaceRings:
        parts = [p for p in parts if len(p)] or [cls.empty()]
        coords = np.cumsum([0] + [len(p.xy) for p in parts[:-1]])
        rings = np.cumsum([0] + [len(p.ring_start) - 1 for p in parts[:-1]])
        return cls(np.concatenate([p.xy for p in parts]),
                   np.concatenate([[0]] + [p.ring_start[1:] + c for p, c in
                                           zip(parts, coords, strict=True)]),
                   np.concatenate([[0]] + [p.face_start[1:] + r for p, r in
                                           zip(parts, rings, strict=True)]))

    def __len__(self) -> int:
        return len(self.face_start) - 1

    def take(self, which: np.ndarray) -> FaceRings:
        """The faces ``which`` (indices or a mask), in that order."""
        which = np.asarray(which)
        if which.dtype == bool:
            which = np.flatnonzero(which)
        n_rings = np.diff(self.face_start)[which]
        ring = np.repeat(self.face_start[which], n_rings) + run_steps(n_rings)
        n_coords = np.diff(self.ring_start)[ring]
        coord = np.repeat(self.ring_start[ring], n_coords) + run_steps(n_coords)
        return FaceRings(self.xy[coord], np.r_[0, np.cumsum(n_coords)],
                         np.r_[0, np.cumsum(n_rings)])

    def polygons(self) -> np.ndarray:
        """One Polygon per face."""
        if len(self) == 0:
            return np.empty(0, dtype=object)
        return ragged_polygons(self.xy, self.ring_start, self.face_start)

    def multipolygons(self, counts: np.ndarray) -> np.ndarray:
        """The faces, in order, as MultiPolygons of ``counts[k]`` faces each."""
        if len(counts) == 0:
            return np.empty(0, dtype=object)
        if not _RAGGED_POLYGONS:
            return shapely.multipolygons(self.polygons(),
                                         indices=np.repeat(np.arange(len(counts)), counts))
        return shapely.from_ragged_array(
            shapely.GeometryType.MULTIPOLYGON, self.xy,
            (self.ring_start, self.face_start, np.r_[0, np.cumsum(counts)]))

    def area(self) -> np.ndarray:
        """Area of each face (shell minus holes; each ring taken relative to its first
        point, so no cancellation far from the origin)."""
        ring = self._ring_areas()
        shell = np.zeros(len(ring), dtype=bool)
        shell[self.face_start[:-1][np.diff(self.face_start) > 0]] = True
        signed = np.where(shell, np.abs(ring), -np.abs(ring))
        return self._per_face(signed)

    def length(self) -> np.ndarray:
        """Perimeter of each face (all its rings)."""
        step = np.hypot(*np.diff(self.xy, axis=0).T)
        ends = self.ring_start[1:-1] - 1  # (the step from one ring into the next)
        step[ends] = 0.0
        ring_of = np.repeat(np.arange(len(self.ring_start) - 1), np.diff(self.ring_start))
        ring = np.bincount(ring_of[:-1], weights=step, minlength=len(self.ring_start) - 1)
        return self._per_face(ring)

    def _ring_areas(self) -> np.ndarray:
        n_coords = np.diff(self.ring_start)
        first = self.ring_start[:-1]
        rel = self.xy - np.repeat(self.xy[first], n_coords, axis=0)
        cross = rel[:-1, 0] * rel[1:, 1] - rel[1:, 0] * rel[:-1, 1]
        cross[self.ring_start[1:-1] - 1] = 0.0  # (no step from one ring into the next)
        ring_of = np.repeat(np.arange(len(first)), n_coords)
        return 0.5 * np.bincount(ring_of[:-1], weights=cross, minlength=len(first))

    def _per_face(self, per_ring: np.ndarray) -> np.ndarray:
        face_of = np.repeat(np.arange(len(self)), np.diff(self.face_start))
        return np.bincount(face_of, weights=per_ring, minlength=len(self))


class _Polygons:
    """An array of Polygons seen as :class:`FaceRings` are by :func:`gather`."""

    def __init__(self, geoms: np.ndarray):
        self.geoms = np.asarray(geoms, dtype=object)

    def __len__(self) -> int:
        return len(self.geoms)

    def take(self, which: np.ndarray) -> _Polygons:
        return _Polygons(self.geoms[which])

    def polygons(self) -> np.ndarray:
        return self.geoms

    def multipolygons(self, counts: np.ndarray) -> np.ndarray:
        return shapely.multipolygons(self.geoms, indices=np.repeat(np.arange(len(counts)),
                                                                   counts))


def gather(faces: FaceRings | np.ndarray, groups: np.ndarray, n_groups: int,
           check: np.ndarray | None = None) -> np.ndarray:
    """Faces of a planar subdivision (:class:`FaceRings` or Polygons) gathered per group
    id; ``None`` for an empty group.

    Faces that share no edge with a face of their group (the usual case) are simply
    collected into one (Multi)Polygon, which is valid; the groups where two faces share
    an edge are dissolved with ``union_all``. ``check`` (bool per group) limits the
    validity test to the groups where faces can share an edge at all; by default every
    group of several faces is tested.
    """
    groups = np.asarray(groups)
    out = np.full(n_groups, None, dtype=object)
    if len(faces) == 0:
        return out
    if isinstance(faces, np.ndarray):
        return gather(_Polygons(faces), groups, n_groups, check)  # type: ignore[arg-type]
    order = np.argsort(groups, kind="stable")
    faces, groups = faces.take(order), groups[order]
    present, first, counts = np.unique(groups, return_index=True, return_counts=True)
    single = counts == 1
    out[present[single]] = faces.take(first[single]).polygons()
    if single.all():
        return out
    many = np.repeat(~single, counts)
    multi_groups = present[~single]
    collected = faces.take(many).multipolygons(counts[~single])
    test = np.ones(len(multi_groups), dtype=bool) if check is None else \
        np.asarray(check, dtype=bool)[multi_groups]
    ok = np.ones(len(multi_groups), dtype=bool)
    ok[test] = shapely.is_valid(collected[test])
    if not ok.all():
        bad = multi_groups[~ok]
        sel = np.isin(groups, bad)
        collected[~ok] = group_union(faces.take(sel).polygons(),
                                     np.searchsorted(bad, groups[sel]), len(bad))
    out[multi_groups] = collected
    return out
