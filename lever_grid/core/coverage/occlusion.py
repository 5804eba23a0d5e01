"""Building occlusion: cut each camera view by the shadows of building footprints.

The visible part of a view is the view minus, for every building near the camera, the
shadow the building casts away from the camera (a 2D isovist). The shadow of a building
is the union of the shadows of its edges that face the camera: a ray from the camera
into a footprint always crosses such an edge first, so the footprint itself lies in
them too, but for a thin triangle behind the middle of each facing wall (at most
:data:`DIP_M` deep): a view ends a hair inside the wall rather than along it, so views of
different cameras never share a wall's line, where GEOS's iterated noder gives up (see
:func:`_dips`). A building that contains or touches the camera (within 1 cm: a camera on
a wall or inside a gatehouse) is not an occluder for that camera: it sees outward.

Footprints are expected valid (``cell_layer.normalize_polygons`` repairs them).
"""

from __future__ import annotations

import numpy as np
import shapely

from ..geometry import group_union, polygonal
from ..progress import Progress
from .rings import ragged_polygons
from .shadows import TOUCH_M, cut_views, edge_shadows, far_middle
from .walls import wall_shadows

__all__ = ["DIP_M", "occlude_views", "shadow_polygons", "edge_shadows", "cut_views",
           "indoor_halls", "footprint_parts"]


_TOUCH_M = TOUCH_M  # a camera this close to a footprint is on its wall

#: How far (m, at most) a shadow's near side dips into the footprint behind the middle of
#: each wall it is cast from, and so how far a view reaches into a building that blocks it.
DIP_M = 1e-4

#: Shallower dips than this (m: footprints with vertices this close) are not made.
_MIN_DIP_M = 1e-6


def occlude_views(
    points: np.ndarray,
    views: np.ndarray,
    buildings: np.ndarray | None = None,
    progress: Progress | None = None,
    *,
    walls: np.ndarray | None = None,
    mount: np.ndarray | None = None,
    heading_deg: np.ndarray | None = None,
    camera_height: np.ndarray | None = None,
    wall_height: np.ndarray | None = None,
) -> np.ndarray:
    """Views cut by the shadows of ``buildings`` and ``walls`` (same order as ``views``).

    ``walls`` are line occluders (wall, fence, hedge lines; see :mod:`.walls` for the
    wall-mounted and height rules). ``mount`` per camera ('' | 'pole' | 'wall' |
    'indoor', see :data:`lever_grid.core.inputs.cameras.MOUNTS`): '' and 'wall' see
    outward from a footprint they touch; 'pole' is on no wall, every occluder near it
    blocks; 'indoor' sees only within the footprint it stands in.

    Examples
    --------
    >>> cam, wall = shapely.Point(0, 0), shapely.box(10, -5, 12, 5)
    >>> view = shapely.buffer(cam, 50, quad_segs=16)
    >>> seen = occlude_views([cam], [view], [wall])[0]
    >>> seen.contains(shapely.Point(30, 0)), seen.contains(shapely.Point(30, 25))
    (False, True)
    """
    progress = progress or Progress()
    points = np.asarray(points, dtype=object)
    views = np.asarray(views, dtype=object)
    n = len(views)
    if n == 0:
        return views
    mount = np.full(n, "", dtype=object) if mount is None else np.asarray(mount, dtype=object)
    envelope = shapely.bounds(views)
    reach = np.hypot(envelope[:, 2] - envelope[:, 0], envelope[:, 3] - envelope[:, 1]) * 2 + 1
    shadows, owner = [], []
    parts = footprint_parts(buildings)
    if len(parts):
        s, o = _building_shadows(points, views, parts, mount, reach)
        shadows.append(s)
        owner.append(o)
    if walls is not None and len(walls):
        s, o = wall_shadows(points, views, walls, reach, mount=mount, heading_deg=heading_deg,
                            camera_height=camera_height, wall_height=wall_height)
        shadows.append(s)
        owner.append(o)
    progress.step(0.3)
    out = views
    if shadows:
        out = cut_views(views, np.concatenate(shadows), np.concatenate(owner),
                        progress.sub(0.3, 0.95))
    indoor = mount == "indoor"
    if indoor.any():
        hall = indoor_halls(points[indoor], parts)
        out = out.copy()
        out[indoor] = polygonal(shapely.intersection(out[indoor], hall))
    progress.step(1.0)
    return out


def footprint_parts(buildings: np.ndarray | None) -> np.ndarray:
    """Single polygons of the non-empty ``buildings``."""
    if buildings is None:
        return np.empty(0, dtype=object)
    buildings = np.asarray(buildings, dtype=object)
    buildings = buildings[~(shapely.is_missing(buildings) | shapely.is_empty(buildings))]
    parts = shapely.get_parts(buildings)
    return parts[shapely.get_type_id(parts) == 3]


def indoor_halls(points: np.ndarray, parts: np.ndarray) -> np.ndarray:
    """For each point, the footprint (union of parts) it stands in or on, within 1 cm.

    An empty polygon where there is none (the pipeline refuses such indoor cameras).
    """
    points = np.asarray(points, dtype=object)
    hall = np.full(len(points), shapely.Polygon(), dtype=object)
    if len(parts) == 0 or len(points) == 0:
        return hall
    pt_i, part_i = shapely.STRtree(parts).query(points, predicate="dwithin", distance=_TOUCH_M)
    if len(pt_i):
        merged = group_union(parts[part_i], pt_i, len(points))
        has = np.array([m is not None for m in merged], dtype=bool)
        hall[has] = merged[has]
    return hall


def _building_shadows(points, views, parts, mount, reach):
    """Shadows of footprint ``parts`` and the index of the view each one cuts."""
    view_i, part_i = shapely.STRtree(parts).query(views, predicate="intersects")
    own = shapely.dwithin(points[view_i], parts[part_i], _TOUCH_M) & (mount[view_i] != "pole")
    view_i, part_i = view_i[~own], part_i[~own]
    if len(view_i) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=np.intp)
    used, inverse = np.unique(part_i, return_inverse=True)
    clearance = shapely.minimum_clearance(parts[used])[inverse.reshape(-1)]
    shadows, pair = shadow_polygons(points[view_i], parts[part_i], reach[view_i], clearance)
    return shadows, view_i[pair]


def _oriented_edges(polygons: np.ndarray):
    """Edges (a, b) of every ring with the polygon's interior on their left.

    Returns a, b (k x 2 arrays), the index of the polygon each edge belongs to and of its
    ring (edges of a ring are consecutive, in the ring's order).
    """
    rings, ring_poly = shapely.get_rings(polygons, return_index=True)
    coords, vertex_ring = shapely.get_coordinates(rings, return_index=True)
    same = vertex_ring[1:] == vertex_ring[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    edge_ring = vertex_ring[:-1][same]
    # shoelace: > 0 for a counter-clockwise ring
    twice_area = np.bincount(edge_ring, weights=a[:, 0] * b[:, 1] - b[:, 0] * a[:, 1],
                             minlength=len(rings))
    first = np.ones(len(rings), dtype=bool)  # the exterior comes first in get_rings
    first[1:] = ring_poly[1:] != ring_poly[:-1]
    # exterior rings counter-clockwise, holes clockwise: the interior is on the left
    flip = np.where(first, twice_area < 0, twice_area > 0)[edge_ring]
    a, b = np.where(flip[:, None], b, a), np.where(flip[:, None], a, b)
    # a flipped ring runs backwards: put its edges back in the order they now chain up
    order = np.lexsort((np.where(flip, -np.arange(len(a)), np.arange(len(a))), edge_ring))
    return a[order], b[order], ring_poly[edge_ring][order], edge_ring[order]


#: Facing edges that chain up are cast as one shadow while they span at most this angle
#: seen from the eye (radians); an edge wider than it casts its own.
_CHAIN_SPAN = np.pi / 3


def shadow_polygons(
    eyes: np.ndarray, buildings: np.ndarray, reach: np.ndarray,
    clearance: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Shadows cast by the edges of ``buildings[k]`` (polygons) facing ``eyes[k]``.

    Each edge (a, b) seen from its outer side gives the polygon a, b, b', m', a' where
    a' and b' are a and b pushed ``reach[k]`` further away from the eye and m' lies far
    out on the bisector, so the shadow reaches past the view's range even for edges that
    subtend nearly 180°. Consecutive facing edges of a ring cast one polygon together
    (a1 … an, b', m', a1': the chain turns one way seen from the eye), in runs spanning
    up to 2 × :data:`_CHAIN_SPAN`, with the far points pushed out past twice the chain's
    distance, so the far side never comes back across the chain: half as many polygons
    for the union, and no shared rays. The near side dips into the footprint behind the
    middle of each edge (:func:`_dips`; ``clearance``: ``shapely.minimum_clearance`` of
    each building, found here if not given). The polygons are valid by construction.
    Returns the shadows and, for each, the pair index k it came from.
    """
    eyes = np.asarray(eyes, dtype=object)
    buildings = np.asarray(buildings, dtype=object)
    reach = np.asarray(reach, dtype=float)
    if clearance is None:
        clearance = shapely.minimum_clearance(buildings)
    a, b, pair, ring = _oriented_edges(buildings)
    eye = shapely.get_coordinates(eyes)[pair]
    da, db = a - eye, b - eye
    la = np.hypot(da[:, 0], da[:, 1])
    lb = np.hypot(db[:, 0], db[:, 1])
    # cross(b - a, eye - a) < 0: the eye is on the right, outside the footprint
    facing = (b[:, 0] - a[:, 0]) * (-da[:, 1]) - (b[:, 1] - a[:, 1]) * (-da[:, 0])
    cross = da[:, 0] * db[:, 1] - da[:, 1] * db[:, 0]
    ok = (facing < 0) & (np.abs(cross) > 1e-12 * (la * lb)) & (la > 0) & (lb > 0)
    edge = np.flatnonzero(ok)
    angle = np.arctan2(np.abs(cross[edge]), np.einsum("ij,ij->i", da[edge], db[edge]))
    chain = _chains(edge, ring[edge], b[edge], a[edge], angle)
    dip, dipped = _dips(eye[edge], a[edge], b[edge], np.asarray(clearance)[pair[edge]])
    return _chain_shadows(eye[edge], a[edge], b[edge], la[edge], lb[edge],
                          reach[pair[edge]], chain, dip, dipped), pair[edge][_firsts(chain)]


def _chains(edge, ring, b, a, angle) -> np.ndarray:
    """Chain id of each facing edge: runs of consecutive edges of one ring (each starting
    where the last ended) spanning up to 2 x :data:`_CHAIN_SPAN`; wide edges alone."""
    follows = np.zeros(len(edge), dtype=bool)
    follows[1:] = ((edge[1:] == edge[:-1] + 1) & (ring[1:] == ring[:-1])
                   & (a[1:] == b[:-1]).all(axis=1))
    run = np.cumsum(~follows) - 1
    done = np.cumsum(angle) - angle  # angle before each edge, from its run's start
    done -= done[np.flatnonzero(~follows)][run]
    bucket = np.floor(done / _CHAIN_SPAN)
    wide = angle > _CHAIN_SPAN
    new = ~follows
    new[1:] |= (bucket[1:] != bucket[:-1]) | wide[1:] | wide[:-1]
    return np.cumsum(new) - 1


def _firsts(chain: np.ndarray) -> np.ndarray:
    return np.flatnonzero(np.r_[True, chain[1:] != chain[:-1]])


def _dips(eye, a, b, clearance) -> tuple[np.ndarray, np.ndarray]:
    """The point behind the middle of each facing edge (a, b: interior on the left) where
    a shadow's near side dips into the footprint (a, dip, b), and whether there is one.

    The triangle a, dip, b lies inside the footprint: its depth is at most :data:`DIP_M`,
    a quarter of the edge and half the footprint's minimum clearance (so no other edge
    comes within it, and the edges at a and b turn away by more than its angles there).
    The depth varies with where the eye sees the edge from (smoothly, between 0.1 and 1
    of that bound): the near sides of two cameras' shadows then never coincide, so their
    views never share a segment behind a wall. An edge seen so nearly edge-on that its
    dip would not lie strictly between a and b seen from the eye keeps a straight side.
    """
    d = b - a
    length = np.hypot(d[:, 0], d[:, 1])
    mid = 0.5 * (a + b)
    em = mid - eye
    wobble = 0.55 + 0.45 * np.sin(7.0 * np.arctan2(em[:, 1], em[:, 0])
                                  + np.hypot(em[:, 0], em[:, 1]))
    depth = np.minimum(np.minimum(DIP_M, 0.25 * length), 0.5 * clearance) * wobble
    inward = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.maximum(length, 1e-300)[:, None]
    dip = mid + inward * depth[:, None]
    ea, ec, eb = a - eye, dip - eye, b - eye
    turn = np.sign(ea[:, 0] * eb[:, 1] - ea[:, 1] * eb[:, 0])
    margin = 1e-9 * np.hypot(ec[:, 0], ec[:, 1])
    before = (ea[:, 0] * ec[:, 1] - ea[:, 1] * ec[:, 0]) * turn
    after = (ec[:, 0] * eb[:, 1] - ec[:, 1] * eb[:, 0]) * turn
    dipped = ((depth >= _MIN_DIP_M) & (before > margin * np.hypot(ea[:, 0], ea[:, 1]))
              & (after > margin * np.hypot(eb[:, 0], eb[:, 1])))
    return dip, dipped


def _chain_shadows(eye, a, b, la, lb, reach, chain, dip, dipped) -> np.ndarray:
    """One polygon a1, dip1, … an, dipn, bn, bn', m', a1' per chain (edges sorted by
    chain; a dip only where ``dipped``)."""
    if len(chain) == 0:
        return np.empty(0, dtype=object)
    first = _firsts(chain)
    last = np.r_[first[1:], len(chain)] - 1
    size = last - first + 1
    near = np.maximum.reduceat(np.maximum(la, lb), first)
    # one edge: as far as the view reaches; several: past twice the chain's distance too
    far = reach[first] + np.where(size > 1, 2.0 * near, 0.0)
    e0, a0, b1 = eye[first], a[first], b[last]
    u0 = (a0 - e0) / la[first][:, None]
    u1 = (b1 - e0) / lb[last][:, None]
    m_far = far_middle(e0, u0, u1, ((near + far) * 2.0)[:, None])
    tail = np.stack([b1, b1 + u1 * far[:, None], m_far,
                     a0 + u0 * far[:, None], a0], axis=1)
    slots = 1 + dipped.astype(np.int64)  # a, and its dip where it has one
    taken = np.cumsum(slots) - slots  # slots before each edge, from the first chain's start
    per = np.add.reduceat(slots, first) + 5
    start = np.cumsum(per) - per
    at = start[chain] + taken - taken[first][chain]
    xy = np.empty((int(per.sum()), 2))
    xy[at] = a
    xy[at[dipped] + 1] = dip[dipped]
    xy[(start + per - 5)[:, None] + np.arange(5)] = tail
    return ragged_polygons(xy, np.r_[0, np.cumsum(per)], np.arange(len(per) + 1))
