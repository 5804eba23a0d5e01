"""Demand pieces for siting: areas to watch cut by the outlines of the candidate views.

Each demand area (a blind spot, or with backups a place seen by a single camera) is noded
with the outlines of the candidate views that reach it and polygonized into faces, so
every face lies wholly inside or wholly outside each candidate view: the coverage a set of
candidates adds is then exactly the summed area (or road length, or incidents) of the
faces they reach. The sparse face x view matrix is what the greedy choice works on.

Areas are processed in chunks of about equal work on a few threads (GEOS releases the
GIL); only each face's area, weight and views are kept, never the faces themselves, so
memory stays bounded on city-scale data.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import shapely

from ..geometry import (
    balanced_chunks,
    group_union,
    interior_points,
    map_threads,
    private_copies,
    snap_grid,
    worker_threads,
)
from ..progress import Progress

__all__ = ["Demand", "demand_faces", "face_weights"]


Weigh = Callable[[np.ndarray], np.ndarray]


@dataclass
class Demand:
    """Per face: its area, its weight and the demand area it lies in; and the 0/1
    faces x views matrix (CSC)."""

    area: np.ndarray
    weight: np.ndarray
    area_of: np.ndarray
    cover: sp.csc_matrix


def demand_faces(areas: np.ndarray, views: np.ndarray, weigh: Weigh | None = None,
                 progress: Progress | None = None) -> Demand:
    """Faces of ``areas`` cut by the outlines of ``views`` (all in one metric CRS), each
    weighed by ``weigh(faces)`` (default: its area).

    An area whose faces do not add up to its own area (GEOS 3.11 now and then fails to
    node nearly coincident edges) is noded again with snap-rounding on a grid a few
    thousand units in the last place (below a micrometre); its faces are then off by that
    grid at most.
    """
    progress = progress or Progress()
    areas = np.asarray(areas, dtype=object)
    views = np.asarray(views, dtype=object)
    weigh = weigh or shapely.area
    ok_views = np.flatnonzero(~(shapely.is_missing(views) | shapely.is_empty(views)))
    area_i, k = (shapely.STRtree(views[ok_views]).query(areas, predicate="intersects")
                 if len(ok_views) and len(areas) else (np.empty(0, np.int64),) * 2)
    view_i = ok_views[k]
    order = np.lexsort((view_i, area_i))
    area_i, view_i = area_i[order], view_i[order]
    grids: list[float | None] = [None]
    if len(areas):
        fine = snap_grid(np.concatenate([areas, views[np.unique(view_i)]]))
        grids += [fine * 2.0**12, fine * 2.0**16]
    pairs = np.bincount(area_i, minlength=len(areas))
    starts = np.concatenate([[0], np.cumsum(pairs)[:-1]])
    workers = worker_threads()
    chunks = balanced_chunks((pairs + 1.0) ** 1.5, max(4 * workers, len(areas) // 200))
    progress.step(0.05)

    def run(chunk: np.ndarray):
        sel = np.concatenate([np.arange(s, s + c) for s, c in
                              zip(starts[chunk], pairs[chunk], strict=True)]) \
            if len(chunk) else np.empty(0, np.int64)
        return _faces(chunk, private_copies(areas[chunk]), views, area_i[sel], view_i[sel],
                      grids, weigh)

    parts = []
    for done, part in enumerate(map_threads(run, chunks, workers), start=1):
        parts.append(part)
        progress.step(0.05 + 0.95 * done / max(len(chunks), 1))
    if not parts:
        empty = np.empty(0)
        return Demand(empty, empty, np.empty(0, np.int64),
                      sp.csc_matrix((0, len(views))))
    area = np.concatenate([p[0] for p in parts])
    weight = np.concatenate([p[1] for p in parts])
    area_of = np.concatenate([p[2] for p in parts])
    offsets = np.concatenate([[0], np.cumsum([len(p[0]) for p in parts])[:-1]])
    rows = np.concatenate([p[3] + o for p, o in zip(parts, offsets, strict=True)])
    cols = np.concatenate([p[4] for p in parts])
    cover = sp.csc_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(area), len(views)))
    cover.sum_duplicates()
    cover.data[:] = 1.0
    return Demand(area, weight, area_of, cover)


def _faces(here: np.ndarray, mine: np.ndarray, views: np.ndarray, area_i: np.ndarray,
           view_i: np.ndarray, grids: list, weigh: Weigh) -> tuple:
    """Faces of the areas ``here`` (``mine``: private copies) with the pairs (area_i,
    view_i) that reach them: (face area, weight, area index, face row, view) arrays."""
    local = np.searchsorted(here, area_i)
    uniq, inverse = np.unique(view_i, return_inverse=True)
    own = private_copies(views[uniq])
    shapely.prepare(own)
    pair_views = own[inverse.reshape(-1)]
    # only the part of a view's outline near the area matters: clip it to the area's box
    # (the cut ends lie outside the area, where faces are dropped; vertices are unchanged)
    box = shapely.box(*(shapely.bounds(mine) + np.array([-1.0, -1.0, 1.0, 1.0])).T)[local]
    clipped = shapely.intersection(shapely.boundary(pair_views), box)
    lines = np.concatenate([clipped, shapely.boundary(mine)])
    line_of = np.concatenate([local, np.arange(len(here))])
    size = shapely.area(mine)
    shapely.prepare(mine)
    todo = np.arange(len(here))
    faces_l, of_l = [], []
    for n, grid in enumerate(grids):
        take = np.isin(line_of, todo)
        noded = group_union(lines[take], np.searchsorted(todo, line_of[take]), len(todo),
                            grid_size=grid)
        faces, which = shapely.get_parts(shapely.polygonize(noded[:, None]),
                                         return_index=True)
        probe = interior_points(faces)
        inside = shapely.contains(mine[todo[which]], probe)
        total = np.bincount(which[inside], weights=shapely.area(faces[inside]),
                            minlength=len(todo))
        good = np.abs(total - size[todo]) <= 1e-9 * size[todo] + 1e-9
        if n == len(grids) - 1:
            good[:] = True
        keep = inside & good[which]
        faces_l.append(faces[keep])
        of_l.append(todo[which[keep]])
        todo = todo[~good]
        if len(todo) == 0:
            break
    faces = np.concatenate(faces_l)
    face_local = np.concatenate(of_l)
    probe = interior_points(faces)
    pv, pf = (shapely.STRtree(probe).query(pair_views, predicate="contains")
              if len(faces) and len(pair_views) else (np.empty(0, np.int64),) * 2)
    same = local[pv] == face_local[pf]  # the view was noded into that face's area
    return (shapely.area(faces), np.asarray(weigh(faces), dtype=float), here[face_local],
            pf[same], view_i[pv[same]])


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
