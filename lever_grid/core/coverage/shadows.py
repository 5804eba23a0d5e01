"""Shadow polygons of segments seen from an eye, and views cut by a union of shadows: the
machinery building footprints (:mod:`.occlusion`) and wall lines (:mod:`.walls`) share."""

from __future__ import annotations

import numpy as np
import shapely

from ..geometry import balanced_chunks, group_union, map_threads, polygonal, worker_threads
from ..progress import Progress

__all__ = ["TOUCH_M", "SLIVER_M", "edge_shadows", "cut_views", "without_slivers", "slivers",
           "narrow"]


#: A camera this close (m) to a footprint or wall is mounted on it.
TOUCH_M = 0.01

#: Parts of a cut view narrower than this on average (2 x area / perimeter, metres) are
#: debris of the cut's rounding (spikes a few ulps wide along shadow edges), not ground.
SLIVER_M = 1e-6


def cut_views(views: np.ndarray, shadows: np.ndarray, shadow_view: np.ndarray,
              progress: Progress | None = None) -> np.ndarray:
    """``views`` minus the union of the ``shadows`` that belong to each (``shadow_view``)."""
    progress = progress or Progress()
    if len(shadows) == 0:
        return views
    order = np.argsort(shadow_view, kind="stable")
    shadows, shadow_view = shadows[order], shadow_view[order]
    hit = np.unique(shadow_view)
    counts = np.bincount(shadow_view)[hit]
    starts = np.searchsorted(shadow_view, hit)
    workers = worker_threads()
    chunks = balanced_chunks(counts.astype(float), 4 * workers)

    def run(chunk: np.ndarray) -> np.ndarray:
        here = hit[chunk]
        sel = np.concatenate([np.arange(s, s + c) for s, c in
                              zip(starts[chunk], counts[chunk], strict=True)])
        blocked = group_union(shadows[sel], np.searchsorted(here, shadow_view[sel]), len(here))
        return without_slivers(polygonal(shapely.difference(views[here], blocked)))

    out = views.copy()
    for done, (chunk, seen) in enumerate(zip(chunks, map_threads(run, chunks, workers),
                                             strict=True), start=1):
        out[hit[chunk]] = seen
        progress.step(done / len(chunks))
    return out


def without_slivers(polygons: np.ndarray) -> np.ndarray:
    """``polygons`` without their parts narrower than :data:`SLIVER_M` on average."""
    parts, which = shapely.get_parts(polygons, return_index=True)
    thin = slivers(parts)
    if not thin.any():
        return polygons
    bad = np.unique(which[thin])
    keep = ~thin & np.isin(which, bad)
    out = polygons.copy()
    out[bad] = shapely.multipolygons(parts[keep], indices=np.searchsorted(bad, which[keep]),
                                     out=np.full(len(bad), shapely.Polygon(), dtype=object))
    single = np.bincount(which[keep], minlength=len(polygons)) == 1  # (only bad ones kept)
    out[single] = parts[keep][single[which[keep]]]
    return out


def slivers(polygons: np.ndarray) -> np.ndarray:
    """Which ``polygons`` are narrower than :data:`SLIVER_M` on average."""
    return narrow(shapely.area(polygons), shapely.length(polygons))


def narrow(area: np.ndarray, perimeter: np.ndarray) -> np.ndarray:
    """Which shapes of ``area`` and ``perimeter`` are narrower than :data:`SLIVER_M` on
    average (2 x area / perimeter)."""
    return 2.0 * area < SLIVER_M * perimeter


def far_middle(eye: np.ndarray, ua: np.ndarray, ub: np.ndarray,
               radius: np.ndarray) -> np.ndarray:
    """The point ``radius`` from ``eye`` on the bisector of the unit directions ``ua`` and
    ``ub`` (k x 2; ``radius`` k x 1): the far middle corner of a shadow.

    Where the two directions are opposite, the normal to ``ua`` pointing past the edge.
    """
    mid = ua + ub
    mid_len = np.hypot(mid[:, 0], mid[:, 1])[:, None]
    side = np.stack([ua[:, 1], -ua[:, 0]], axis=1)  # away from the eye, past the edge
    mid_dir = np.where(mid_len > 1e-9, mid / np.maximum(mid_len, 1e-12), side)
    return eye + mid_dir * radius


def edge_shadows(eye: np.ndarray, a: np.ndarray, b: np.ndarray, far: np.ndarray) -> np.ndarray:
    """Shadow polygons a, b, b', m', a' of the segments (a, b) seen from ``eye`` (k x 2).

    The segments must not be seen edge-on and must not touch their eye (callers filter).
    """
    da, db = a - eye, b - eye
    la = np.hypot(da[:, 0], da[:, 1])[:, None]
    lb = np.hypot(db[:, 0], db[:, 1])[:, None]
    far = np.asarray(far, dtype=float)[:, None]
    ua, ub = da / la, db / lb
    a_far = a + ua * far
    b_far = b + ub * far
    m_far = far_middle(eye, ua, ub, (np.maximum(la, lb) + far) * 2.0)
    ring = np.stack([a, b, b_far, m_far, a_far, a], axis=1)
    return shapely.polygons(ring)
