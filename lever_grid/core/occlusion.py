"""Building occlusion: cut each camera view by the shadows of building footprints.

The visible part of a view is the view minus, for every building near the camera, the
building itself and the shadow each of its edges casts away from the camera (a 2D
isovist). A building that contains or touches the camera (a camera on a wall or inside
a gatehouse) is not an occluder for that camera: it sees outward.
"""

from __future__ import annotations

import numpy as np
import shapely

from .geometry import group_union, polygonal
from .progress import Progress

__all__ = ["occlude_views", "shadow_polygons"]

_TOUCH_M = 0.01  # a camera this close to a footprint is on its wall


def occlude_views(
    points: np.ndarray,
    views: np.ndarray,
    buildings: np.ndarray,
    progress: Progress | None = None,
) -> np.ndarray:
    """Views cut by building footprints and their shadows (same order as ``views``)."""
    progress = progress or Progress()
    points = np.asarray(points, dtype=object)
    views = np.asarray(views, dtype=object)
    buildings = np.asarray(buildings, dtype=object)
    if len(views) == 0 or len(buildings) == 0:
        return views
    view_i, bld_i = shapely.STRtree(buildings).query(views, predicate="intersects")
    own = shapely.distance(points[view_i], buildings[bld_i]) <= _TOUCH_M
    view_i, bld_i = view_i[~own], bld_i[~own]
    progress.step(0.1)
    radius = np.sqrt(shapely.area(shapely.envelope(views[view_i]))) * 2.0 + 1.0
    shadows, owner = shadow_polygons(points[view_i], buildings[bld_i], radius)
    progress.step(0.5)
    blockers = np.concatenate([buildings[bld_i], shadows])
    blocker_view = np.concatenate([view_i, view_i[owner]])
    blocked = group_union(blockers, blocker_view, len(views))
    progress.step(0.8)
    out = views.copy()
    has = np.array([b is not None for b in blocked], dtype=bool)
    if has.any():
        out[has] = polygonal(shapely.difference(views[has], blocked[has]))
    progress.step(1.0)
    return out


def shadow_polygons(
    eyes: np.ndarray, buildings: np.ndarray, reach: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Shadow polygons cast by every edge of ``buildings[k]`` seen from ``eyes[k]``.

    Each edge (a, b) gives the polygon a, b, b', m', a' where a' and b' are a and b pushed
    ``reach[k]`` further away from the eye and m' lies far out on the bisector, so the
    shadow reaches past the view's range even for edges that subtend nearly 180°.
    Returns the shadows and, for each, the pair index k it came from.
    """
    rings = shapely.get_rings(buildings)
    ring_pair = shapely.get_rings(buildings, return_index=True)[1]
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    same_ring = vertex_ring[1:] == vertex_ring[:-1]
    a, b = coords[:-1][same_ring], coords[1:][same_ring]
    pair = ring_pair[vertex_ring[:-1][same_ring]]
    eye = shapely.get_coordinates(eyes)[pair]
    far = reach[pair][:, None]
    da, db = a - eye, b - eye
    la = np.hypot(*da.T)[:, None]
    lb = np.hypot(*db.T)[:, None]
    cross = da[:, 0] * db[:, 1] - da[:, 1] * db[:, 0]
    ok = (np.abs(cross) > 1e-9 * (la * lb)[:, 0]) & (la[:, 0] > 0) & (lb[:, 0] > 0)
    a, b, da, db, la, lb, eye, far, pair = (
        v[ok] for v in (a, b, da, db, la, lb, eye, far, pair)
    )
    ua, ub = da / la, db / lb
    a_far = a + ua * far
    b_far = b + ub * far
    mid = ua + ub
    mid_len = np.hypot(*mid.T)[:, None]
    mid_dir = np.where(mid_len > 1e-12, mid / np.maximum(mid_len, 1e-12),
                       np.stack([-ua[:, 1], ua[:, 0]], axis=1))
    m_far = eye + mid_dir * (np.maximum(la, lb) + far) * 2.0
    ring = np.stack([a, b, b_far, m_far, a_far, a], axis=1)
    shadows = shapely.polygons(ring)
    shadows = shapely.make_valid(shadows)
    return polygonal(shadows), pair
