"""Demand pieces for siting: areas to watch cut by the outlines of the candidate views.

Each demand area (a blind spot, or with backups a place seen by a single camera) is noded
with the outlines of the candidate views that reach it and polygonized into faces, so
every face lies wholly inside or wholly outside each candidate view: the coverage a set of
candidates adds is then exactly the summed area (or road length, or incidents) of the
faces they reach. The sparse face x view matrix is what the greedy choice works on.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely

from ..geometry import group_union, interior_points, snap_grid
from ..progress import Progress

__all__ = ["Demand", "demand_faces", "face_weights"]


@dataclass
class Demand:
    """Faces, the demand area each lies in, and the 0/1 faces x views matrix (CSC)."""

    faces: np.ndarray
    area_of: np.ndarray
    cover: sp.csc_matrix


def demand_faces(areas: np.ndarray, views: np.ndarray, progress: Progress | None = None
                 ) -> Demand:
    """Faces of ``areas`` cut by the outlines of ``views`` (all in one metric CRS).

    An area whose faces do not add up to its own area (GEOS 3.11 now and then fails to
    node nearly coincident edges) is noded again with snap-rounding on a grid a few
    thousand units in the last place (below a micrometre); its faces are then off by that
    grid at most.
    """
    progress = progress or Progress()
    areas = np.asarray(areas, dtype=object)
    views = np.asarray(views, dtype=object)
    ok_views = np.flatnonzero(~(shapely.is_missing(views) | shapely.is_empty(views)))
    area_i, k = (shapely.STRtree(views[ok_views]).query(areas, predicate="intersects")
                 if len(ok_views) and len(areas) else (np.empty(0, np.int64),) * 2)
    view_i = ok_views[k]
    lines = np.concatenate([shapely.boundary(views[view_i]), shapely.boundary(areas)])
    line_of = np.concatenate([area_i, np.arange(len(areas))])
    size = shapely.area(areas)
    shapely.prepare(areas)
    progress.step(0.1)
    todo = np.arange(len(areas))
    grids = [None]
    if len(areas):
        fine = snap_grid(np.concatenate([areas, views[np.unique(view_i)]]))
        grids += [fine * 2.0**12, fine * 2.0**16]
    faces_l, of_l = [], []
    for n, grid in enumerate(grids):
        take = np.isin(line_of, todo)
        noded = group_union(lines[take], np.searchsorted(todo, line_of[take]), len(todo),
                            grid_size=grid)
        faces, which = shapely.get_parts(shapely.polygonize(noded[:, None]),
                                         return_index=True)
        probe = interior_points(faces)
        inside = shapely.contains(areas[todo[which]], probe)
        total = np.bincount(which[inside], weights=shapely.area(faces[inside]),
                            minlength=len(todo))
        good = np.abs(total - size[todo]) <= 1e-9 * size[todo] + 1e-9
        if n == len(grids) - 1:
            good[:] = True
        keep = inside & good[which]
        faces_l.append(faces[keep])
        of_l.append(todo[which[keep]])
        todo = todo[~good]
        progress.step(0.1 + 0.7 * (n + 1) / len(grids))
        if len(todo) == 0:
            break
    faces = np.concatenate(faces_l) if faces_l else np.empty(0, dtype=object)
    area_of = np.concatenate(of_l) if of_l else np.empty(0, dtype=np.int64)
    probe = interior_points(faces)
    pv, pf = (shapely.STRtree(probe).query(views[view_i], predicate="contains")
              if len(faces) and len(view_i) else (np.empty(0, np.int64),) * 2)
    same = area_i[pv] == area_of[pf]  # the view was noded into that face's area
    rows, cols = pf[same], view_i[pv[same]]
    cover = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(faces), len(views)))
    cover.sum_duplicates()
    cover.data[:] = 1.0
    progress.step(1.0)
    return Demand(faces, area_of, cover)


def face_weights(faces: np.ndarray, weight: str, *, roads: np.ndarray | None = None,
                 points: np.ndarray | None = None) -> np.ndarray:
    """What each face is worth: its area (``area``), the road centreline length inside it
    (``roads``; a road along a face's edge counts half to each side) or the number of
    ``points`` in it (``incidents``; a point on a shared edge counts once)."""
    faces = np.asarray(faces, dtype=object)
    if weight == "area":
        return shapely.area(faces)
    out = np.zeros(len(faces))
    if weight == "roads":
        if roads is None or len(roads) == 0 or len(faces) == 0:
            return out
        f, r = shapely.STRtree(roads).query(faces, predicate="intersects")
        inside = shapely.length(shapely.intersection(faces[f], roads[r]))
        edge = shapely.length(shapely.intersection(shapely.boundary(faces[f]), roads[r]))
        return np.bincount(f, weights=inside - 0.5 * edge, minlength=len(faces))
    if weight == "incidents":
        if points is None or len(points) == 0 or len(faces) == 0:
            return out
        p, f = shapely.STRtree(faces).query(points, predicate="intersects")
        first = np.unique(p, return_index=True)[1]
        return np.bincount(f[first], minlength=len(faces)).astype(float)
    raise ValueError(f"unknown weight {weight!r}")
