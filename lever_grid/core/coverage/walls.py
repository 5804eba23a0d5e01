"""Line occluders: walls, fences and hedges cast shadows like building edges do.

Every segment of a wall line blocks from both sides: its shadow seen from a camera is
the same polygon a building edge casts (:func:`.shadows.edge_shadows`), so walls feed
the same cut as footprints.

Rules (2D, documented in docs/data-model.md):

- **On the wall.** A camera within 1 cm of a wall segment (mount '' or 'wall' or
  'indoor') is mounted on it: that segment casts no shadow for it, and a camera with a
  heading sees only the side of the wall its heading points to (the half-plane bounded
  by the segment's line through the camera); an omnidirectional one sees both sides. A
  camera with mount 'pole' is on no wall: a wall 5 mm from it blocks as any wall does.
- **Height.** When both the wall's ``height_m`` and the camera's ``height_m`` (mount
  height) are known and the wall is lower than the camera, the wall does not block that
  camera at all (a 2D simplification: the strip of ground just behind a low fence that a
  high camera still misses is not modelled). Unknown heights block.
"""

from __future__ import annotations

import numpy as np
import shapely

from .shadows import TOUCH_M, edge_shadows

__all__ = ["wall_segments", "wall_shadows"]


def wall_segments(walls: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Segments of the wall lines: start and end points (k x 2) and the wall index.

    Segments of zero length are left out; lines, multilines and polygon outlines are
    accepted (a polygon contributes its rings).
    """
    walls = np.asarray(walls, dtype=object)
    keep = ~(shapely.is_missing(walls) | shapely.is_empty(walls))
    idx = np.flatnonzero(keep)
    parts, part_wall = shapely.get_parts(walls[keep], return_index=True)
    poly = shapely.get_type_id(parts) == 3
    if poly.any():
        rings, ring_part = shapely.get_rings(parts[poly], return_index=True)
        parts = np.concatenate([parts[~poly], rings])
        part_wall = np.concatenate([part_wall[~poly], part_wall[poly][ring_part]])
    coords, vertex_part = shapely.get_coordinates(parts, return_index=True)
    same = vertex_part[1:] == vertex_part[:-1]
    a, b = coords[:-1][same], coords[1:][same]
    owner = idx[part_wall[vertex_part[:-1][same]]]
    long = np.hypot(b[:, 0] - a[:, 0], b[:, 1] - a[:, 1]) > 0
    return a[long], b[long], owner[long]


def wall_shadows(
    points: np.ndarray,
    views: np.ndarray,
    walls: np.ndarray,
    reach: np.ndarray,
    *,
    mount: np.ndarray | None = None,
    heading_deg: np.ndarray | None = None,
    camera_height: np.ndarray | None = None,
    wall_height: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Blocked regions the walls make for each view, and the view index of each.

    ``reach[i]`` is how far past the view's extent a shadow must go (see
    :func:`.occlusion.occlude_views`). The regions are edge shadows plus, for a camera
    with a heading mounted on a wall, the half-plane behind that wall.
    """
    points = np.asarray(points, dtype=object)
    views = np.asarray(views, dtype=object)
    n = len(views)
    mount = np.full(n, "", dtype=object) if mount is None else np.asarray(mount, dtype=object)
    heading = np.full(n, np.nan) if heading_deg is None else np.asarray(heading_deg, float)
    cam_h = np.full(n, np.nan) if camera_height is None else np.asarray(camera_height, float)
    a, b, owner = wall_segments(walls)
    wall_h = (np.full(len(walls), np.nan) if wall_height is None
              else np.asarray(wall_height, dtype=float))
    none = np.empty(0, dtype=object), np.empty(0, dtype=np.intp)
    if len(a) == 0 or n == 0:
        return none
    segments = shapely.linestrings(np.stack([a, b], axis=1))
    view_i, seg_i = shapely.STRtree(segments).query(views, predicate="intersects")
    low = wall_h[owner[seg_i]] < cam_h[view_i]  # NaN compares False: unknown heights block
    view_i, seg_i = view_i[~low], seg_i[~low]
    eye = shapely.get_coordinates(points)
    on = shapely.dwithin(points[view_i], segments[seg_i], TOUCH_M) & (mount[view_i] != "pole")

    # the half-plane behind the wall a camera with a heading is mounted on
    regions, region_view = [], []
    mounted = on & np.isfinite(heading[view_i])
    if mounted.any():
        mv, ms = view_i[mounted], seg_i[mounted]
        dist = shapely.distance(points[mv], segments[ms])
        order = np.lexsort((dist, mv))
        first = order[np.unique(mv[order], return_index=True)[1]]  # nearest segment per view
        mv, ms = mv[first], ms[first]
        half, ok = _behind(eye[mv], a[ms], b[ms], heading[mv], reach[mv])
        regions.append(half[ok])
        region_view.append(mv[ok])

    view_i, seg_i = view_i[~on], seg_i[~on]
    e, sa, sb = eye[view_i], a[seg_i], b[seg_i]
    da, db = sa - e, sb - e
    la, lb = np.hypot(da[:, 0], da[:, 1]), np.hypot(db[:, 0], db[:, 1])
    cross = da[:, 0] * db[:, 1] - da[:, 1] * db[:, 0]
    ok = (np.abs(cross) > 1e-12 * la * lb) & (la > 0) & (lb > 0)  # not seen edge-on
    # orient each segment with the eye on its right, as building edges facing it are
    flip = (cross > 0)[:, None]
    sa, sb = np.where(flip, sb, sa), np.where(flip, sa, sb)
    regions.append(edge_shadows(e[ok], sa[ok], sb[ok], reach[view_i][ok]))
    region_view.append(view_i[ok])
    return np.concatenate(regions), np.concatenate(region_view).astype(np.intp)


def _behind(eye: np.ndarray, a: np.ndarray, b: np.ndarray, heading_deg: np.ndarray,
            reach: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rectangles covering the side of line (a, b), moved through ``eye``, that the
    heading points away from; ``ok`` False where the heading runs along the wall."""
    u = b - a
    u = u / np.hypot(u[:, 0], u[:, 1])[:, None]
    rad = np.radians(heading_deg)
    h = np.stack([np.sin(rad), np.cos(rad)], axis=1)  # clockwise from north
    side = u[:, 0] * h[:, 1] - u[:, 1] * h[:, 0]  # > 0: heading to the left of a→b
    normal = np.stack([u[:, 1], -u[:, 0]], axis=1)  # points to the right of a→b
    normal = np.where((side > 0)[:, None], normal, -normal)  # away from the heading
    r = reach[:, None]
    p0, p1 = eye - u * r, eye + u * r
    ring = np.stack([p0, p1, p1 + normal * r, p0 + normal * r, p0], axis=1)
    return shapely.polygons(ring), np.abs(side) > 1e-9
