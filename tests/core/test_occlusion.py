"""Building occlusion: hand-made cases with known answers and generated invariants."""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from lever_grid.core.cameras import view_polygons
from lever_grid.core.occlusion import occlude_views


def views_for(points, ranges, heading=None, fov=None):
    n = len(points)
    heading = np.full(n, np.nan) if heading is None else np.asarray(heading, float)
    fov = np.full(n, 360.0) if fov is None else np.asarray(fov, float)
    return view_polygons(np.array(points, dtype=object), np.asarray(ranges, float), heading, fov)


def test_wall_between_camera_and_target():
    cam = shapely.Point(0, 0)
    wall = shapely.box(10, -5, 12, 5)
    view = occlude_views([cam], views_for([cam], [50]), np.array([wall], dtype=object))[0]
    assert not view.contains(shapely.Point(30, 0))  # straight behind the wall
    assert view.contains(shapely.Point(30, 20))  # beside the shadow
    assert view.contains(shapely.Point(5, 0))  # in front of the wall
    assert view.intersection(wall).area == pytest.approx(0, abs=1e-9)
    # hidden = the sector between the rays through (10, ±5) minus the triangle in front
    # of the wall: 0.5·50²·2·atan(0.5) − 0.5·10·10 = 1109.07 m² (true circle; 1 % slack)
    plain = views_for([cam], [50])[0]
    assert plain.area - view.area == pytest.approx(50**2 * np.arctan(0.5) - 50, rel=1e-2)


def test_camera_on_a_wall_sees_outward():
    house = shapely.box(10, -5, 20, 5)
    cam = shapely.Point(10, 0)  # on the west wall, looking west
    view = occlude_views([cam], views_for([cam], [30], [270], [120]), np.array([house]))[0]
    plain = views_for([cam], [30], [270], [120])[0]
    assert view.area == pytest.approx(plain.area, rel=1e-12)  # its own house blocks nothing


def test_camera_in_a_courtyard_sees_only_the_courtyard():
    block = shapely.box(0, 0, 40, 40).difference(shapely.box(10, 10, 30, 30))
    cam = shapely.Point(20, 20)
    view = occlude_views([cam], views_for([cam], [100]), np.array([block]))[0]
    assert view.area == pytest.approx(400.0, rel=1e-9)
    assert view.equals(shapely.box(10, 10, 30, 30).normalize()) or view.symmetric_difference(
        shapely.box(10, 10, 30, 30)).area < 1e-6


def test_generated_invariants():
    rng = np.random.default_rng(7)
    centres = rng.uniform(0, 400, size=(300, 2))
    sizes = rng.uniform(5, 20, size=(300, 2))
    boxes = shapely.box(centres[:, 0], centres[:, 1], centres[:, 0] + sizes[:, 0],
                        centres[:, 1] + sizes[:, 1])
    keep = []
    tree_geoms = []
    for i, b in enumerate(boxes):  # test data only: drop overlapping boxes
        if not any(b.intersects(o) for o in tree_geoms):
            keep.append(i)
            tree_geoms.append(b)
    buildings = boxes[keep]
    free = shapely.union_all(buildings)
    pts = shapely.points(rng.uniform(0, 420, size=(200, 2)))
    pts = pts[~shapely.intersects(pts, free)]
    n = len(pts)
    heading = np.where(rng.random(n) < 0.5, np.nan, rng.uniform(0, 360, n))
    fov = np.where(np.isnan(heading), 360.0, rng.uniform(30, 180, n))
    plain = views_for(pts, rng.uniform(20, 80, n), heading, fov)
    seen = occlude_views(pts, plain, buildings)
    # the occluded view lies inside the unoccluded one
    outside = shapely.area(shapely.difference(seen, plain))
    assert outside.max() < 1e-6
    # no view enters a building (none of these cameras stands on a building)
    assert shapely.area(shapely.intersection(seen, free)).max() < 1e-6
    assert (shapely.area(seen) <= shapely.area(plain) + 1e-6).all()
    assert shapely.area(seen).sum() < shapely.area(plain).sum()
