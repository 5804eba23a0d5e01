"""Building occlusion: hand-made cases with known answers and generated invariants."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from lever_grid.core.coverage.occlusion import DIP_M, occlude_views, shadow_polygons
from lever_grid.core.coverage.shadows import edge_shadows
from lever_grid.core.coverage.views import view_polygons
from lever_grid.core.pipeline import analyse
from tests.conftest import METRIC, cameras_frame
from tests.core.conftest import PROPERTY_SETTINGS

REAL_HELSINKI = Path(__file__).resolve().parents[1] / "data" / "real" / "helsinki_centre.gpkg"

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def entered(views, footprints) -> np.ndarray:
    """Area of each view inside its footprint farther than :data:`DIP_M` from its walls
    (a view ends up to DIP_M inside a wall that blocks it, never deeper; 1 % more: the
    erosion's arcs at inner corners are chords, 0.5 % short of the radius)."""
    return shapely.area(shapely.intersection(views, shapely.buffer(footprints, -1.01 * DIP_M)))


def dip_bound(footprints) -> np.ndarray:
    """The most a view can reach into ``footprints`` (m²): a triangle DIP_M deep behind
    each wall."""
    return DIP_M * shapely.length(footprints) / 2.0


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
    # it ends on the wall, up to DIP_M inside it (10 m of wall seen: <= 5e-4 m²)
    assert entered(view, wall) < 1e-12
    assert 0 < view.intersection(wall).area <= DIP_M * 10 / 2
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
    # the 20 x 20 m courtyard, and up to DIP_M into its 80 m of walls
    assert 400.0 <= view.area <= 400.0 + DIP_M * 80 / 2
    assert view.symmetric_difference(shapely.box(10, 10, 30, 30)).area <= DIP_M * 80 / 2
    assert entered(view, block) < 1e-12


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
    # no view enters a building deeper than DIP_M (none of these cameras stands on one)
    assert entered(seen, free).max() < 1e-6
    assert (shapely.area(shapely.intersection(seen, free)) <= dip_bound(free)).all()
    assert (shapely.area(seen) <= shapely.area(plain) + 1e-6).all()
    assert shapely.area(seen).sum() < shapely.area(plain).sum()


def test_nearest_wall_wins_and_far_wall_is_hidden():
    cam = shapely.Point(0, 0)
    near, far = shapely.box(10, -2, 11, 2), shapely.box(30, -10, 31, 10)
    plain = views_for([cam], [60])
    both = occlude_views([cam], plain, np.array([near, far]))[0]
    only_far = occlude_views([cam], plain, np.array([far]))[0]
    assert not both.contains(shapely.Point(20, 0))  # behind the near wall
    assert only_far.contains(shapely.Point(20, 0))
    assert both.contains(shapely.Point(20, 5))  # beside the near wall's shadow
    assert not both.contains(shapely.Point(40, 5))  # behind the far wall
    assert both.area <= only_far.area


def test_camera_on_a_corner_and_sector_behind_its_own_house():
    house = shapely.box(0, 0, 10, 10)
    cam = shapely.Point(10, 10)  # on the north-east corner, looking north-east
    plain = views_for([cam], [25], [45], [90])
    seen = occlude_views([cam], plain, np.array([house]))[0]
    assert seen.equals(plain[0])
    # the same camera looking south-west sees only what is not its own house... which
    # it does not occlude: the rule is that a camera never blinds itself
    back = views_for([cam], [25], [225], [90])
    assert occlude_views([cam], back, np.array([house]))[0].equals(back[0])


def test_shadow_polygons_are_valid_and_cast_away_from_the_eye():
    eye = np.array([shapely.Point(0, 0)] * 3, dtype=object)
    blds = np.array([shapely.box(5, -1, 6, 1), shapely.box(-6, -1, -5, 1),
                     shapely.box(-1, 0.001, 1, 2)], dtype=object)  # eye 1 mm from a wall
    shadows, pair = shadow_polygons(eye, blds, np.full(3, 100.0))
    assert shapely.is_valid(shadows).all()
    assert set(pair.tolist()) == {0, 1, 2}
    for k, bld in enumerate(blds):
        cast = shapely.union_all(shadows[pair == k])
        assert cast.covers(bld.buffer(-DIP_M))  # the footprint is in its own shadow
        assert not cast.contains(shapely.Point(0, 0))
        # nothing between the eye and the building is shadowed
        near = shapely.get_coordinates(shapely.shortest_line(shapely.Point(0, 0), bld))[1]
        assert not cast.contains(shapely.Point(near * 0.5))


def test_chained_shadows_cover_what_the_edges_shadows_cover():
    """Facing edges that chain up cast one polygon: within 60 m of the eye it covers what
    the union of their own edge shadows (a b b' m' a', one per edge, found here edge by
    edge) covers, but for the dips behind the walls, which lie inside the footprints and
    at most DIP_M deep, on Helsinki's OpenStreetMap footprints (courtyards, L shapes,
    vertices a few mm apart) seen from 120 points (those not within 0.5 m of one)."""
    blds = gpd.read_file(REAL_HELSINKI, layer="buildings").to_crs(3067).geometry.to_numpy()
    parts = shapely.get_parts(blds)
    # (footprints are repaired before occlusion: the few invalid ones left out)
    parts = parts[(shapely.get_type_id(parts) == 3) & shapely.is_valid(parts)]
    rng = np.random.default_rng(3)
    x0, y0, x1, y1 = shapely.total_bounds(parts)
    eyes = shapely.points(rng.uniform(x0, x1, 120), rng.uniform(y0, y1, 120))
    tree = shapely.STRtree(parts)
    eyes = np.delete(eyes, tree.query(eyes, predicate="dwithin", distance=0.5)[0])
    reach = shapely.buffer(eyes, 60.0)
    eye_i, part_i = tree.query(reach, predicate="intersects")
    shadows, pair = shadow_polygons(eyes[eye_i], parts[part_i], np.full(len(eye_i), 121.0))
    e, a, b, k = _facing_edges(eyes[eye_i], parts[part_i])
    oracle = edge_shadows(e, a, b, np.full(len(a), 121.0))
    assert shapely.is_valid(shadows).all()
    assert len(shadows) < 0.75 * len(oracle)
    dipped = 0.0
    for j in np.unique(eye_i):
        got = shapely.union_all(shadows[np.isin(pair, np.flatnonzero(eye_i == j))])
        want = shapely.union_all(oracle[np.isin(k, np.flatnonzero(eye_i == j))])
        got, want = shapely.intersection(got, reach[j]), shapely.intersection(want, reach[j])
        assert shapely.area(want) > 0
        near = shapely.union_all(parts[part_i[eye_i == j]])
        assert shapely.area(shapely.difference(got, want)) < 1e-6
        dips = shapely.difference(want, got)
        assert shapely.area(shapely.difference(dips, near)) < 1e-6  # inside the footprints
        # and no deeper than DIP_M (what is left: rounding slivers 1e-11 m wide along rays)
        assert entered(dips, near) < 1e-6
        dipped += shapely.area(dips)
    assert dipped > 0


def _facing_edges(eyes: np.ndarray, polygons: np.ndarray):
    """Brute force: every edge of ``polygons[k]`` whose outer side faces ``eyes[k]``,
    run with the interior on its left; returns eye, a, b (k x 2 arrays) and k."""
    out = []
    for k, (eye, polygon) in enumerate(zip(eyes, polygons, strict=True)):
        ex, ey = eye.x, eye.y
        for r, ring in enumerate([polygon.exterior, *polygon.interiors]):
            xy = np.asarray(ring.coords)
            if ring.is_ccw != (r == 0):  # shells anticlockwise, holes clockwise
                xy = xy[::-1]
            for (ax, ay), (bx, by) in zip(xy[:-1], xy[1:], strict=True):
                side = (bx - ax) * (ey - ay) - (by - ay) * (ex - ax)
                cross = (ax - ex) * (by - ey) - (ay - ey) * (bx - ex)
                span = np.hypot(ax - ex, ay - ey) * np.hypot(bx - ex, by - ey)
                if side < 0 and abs(cross) > 1e-12 * span:
                    out.append(((ex, ey), (ax, ay), (bx, by), k))
    e, a, b, k = (np.array(v) for v in zip(*out, strict=True))
    return e, a, b, k


# ---------------------------------------------------------------------------- generated


@st.composite
def blocks(draw):
    """Non-overlapping buildings on a 40 m lattice (rectangles, L shapes, courtyards)
    and cameras: free-standing ones and some on a wall of a building."""
    n = draw(st.integers(1, 9))
    slots = draw(st.lists(st.integers(0, 24), min_size=n, max_size=n, unique=True))
    buildings = []
    for slot in slots:
        cx, cy = 40.0 * (slot % 5), 40.0 * (slot // 5)
        w = draw(st.floats(6.0, 30.0))
        h = draw(st.floats(6.0, 30.0))
        x0 = cx + draw(st.floats(0.0, 34.0 - w)) if w < 34 else cx
        y0 = cy + draw(st.floats(0.0, 34.0 - h)) if h < 34 else cy
        body = shapely.box(x0, y0, x0 + w, y0 + h)
        shape = draw(st.sampled_from(["box", "L", "yard"]))
        if shape == "L":
            body = body.difference(shapely.box(x0 + w / 2, y0 + h / 2, x0 + w + 1, y0 + h + 1))
        elif shape == "yard" and min(w, h) > 12:
            body = body.difference(shapely.box(x0 + 3, y0 + 3, x0 + w - 3, y0 + h - 3))
        angle = draw(st.floats(0.0, 90.0))
        buildings.append(shapely.affinity.rotate(body, angle, origin=(cx + 17, cy + 17)))
    buildings = np.array(buildings, dtype=object)
    free = shapely.union_all(buildings)
    cams, own = [], []
    for _ in range(draw(st.integers(1, 6))):
        if draw(st.booleans()):
            k = draw(st.integers(0, len(buildings) - 1))
            ring = shapely.get_exterior_ring(buildings[k])
            cams.append(shapely.line_interpolate_point(ring, draw(st.floats(0.0, 1.0)),
                                                       normalized=True))
            own.append(k)
        else:
            p = shapely.Point(draw(st.floats(-20.0, 220.0)), draw(st.floats(-20.0, 220.0)))
            if free.distance(p) < 0.05:
                continue
            cams.append(p)
            own.append(-1)
    if not cams:
        cams, own = [shapely.Point(-30.0, -30.0)], [-1]
    m = len(cams)
    heading = np.array([draw(st.one_of(st.just(np.nan), st.floats(0.0, 359.9)))
                        for _ in range(m)])
    fov = np.array([360.0 if np.isnan(h) else draw(st.floats(10.0, 300.0)) for h in heading])
    ranges = np.array([draw(st.floats(10.0, 90.0)) for _ in range(m)])
    return np.array(cams, dtype=object), np.array(own), ranges, heading, fov, buildings


@settings(**PROPERTY_SETTINGS)
@given(blocks())
def test_occlusion_invariants(case):
    cams, own, ranges, heading, fov, buildings = case
    plain = views_for(cams, ranges, heading, fov)
    seen = occlude_views(cams, plain, buildings)
    assert shapely.is_valid(seen).all()
    # the occluded view lies inside the unoccluded one
    assert (shapely.area(shapely.difference(seen, plain)) < 1e-6).all()
    # no view enters a building other than its own camera's deeper than DIP_M
    inside = entered(seen[:, None], buildings[None, :])
    mine = shapely.dwithin(cams[:, None], buildings[None, :], 0.01)
    assert (inside[~mine] < 1e-6).all()
    # a camera on a wall is not blinded by its own building: removing that building
    # changes nothing, and with it alone the view is whole
    for k in np.flatnonzero(own >= 0):
        others = np.delete(buildings, own[k])
        without = occlude_views(cams[k:k + 1], plain[k:k + 1], others)[0]
        assert shapely.symmetric_difference(seen[k], without).area < 1e-6
        alone = occlude_views(cams[k:k + 1], plain[k:k + 1], buildings[own[k]:own[k] + 1])[0]
        assert shapely.symmetric_difference(alone, plain[k]).area < 1e-6


@settings(**PROPERTY_SETTINGS)
@given(blocks(), st.integers(0, 2**32 - 1))
def test_visible_points_have_a_clear_line_of_sight(case, seed):
    """Brute force: a point of the plain view is in the occluded view exactly when the
    segment from the camera to it crosses no other camera's building."""
    cams, own, ranges, heading, fov, buildings = case
    plain = views_for(cams, ranges, heading, fov)
    seen = occlude_views(cams, plain, buildings)
    rng = np.random.default_rng(seed)
    for k in range(len(cams)):
        x0, y0, x1, y1 = plain[k].bounds
        pts = shapely.points(rng.uniform([x0, y0], [x1, y1], size=(60, 2)))
        pts = pts[shapely.contains(plain[k], pts)]
        # stay clear of every edge: rounding decides there
        edges = shapely.union_all([shapely.boundary(seen[k]), *shapely.boundary(buildings)])
        pts = pts[shapely.distance(pts, edges) > 1e-3]
        blockers = buildings[~shapely.dwithin(cams[k], buildings, 0.01)]
        if len(pts) == 0:
            continue
        sight = shapely.linestrings(np.stack([np.tile(shapely.get_coordinates(cams[k]),
                                                      (len(pts), 1)),
                                              shapely.get_coordinates(pts)], axis=1))
        blocked = (shapely.intersects(sight[:, None], blockers[None, :]).any(axis=1)
                   if len(blockers) else np.zeros(len(pts), dtype=bool))
        assert (shapely.contains(seen[k], pts) == ~blocked).all()


def test_bow_tie_building_is_repaired_logged_and_occludes(two_cells):
    x0, y0 = 470000.0, 2530000.0
    bow_tie = shapely.Polygon([(x0 + 40, y0 + 40), (x0 + 60, y0 + 60), (x0 + 60, y0 + 40),
                               (x0 + 40, y0 + 60), (x0 + 40, y0 + 40)])
    assert not bow_tie.is_valid
    buildings = gpd.GeoDataFrame({"building_id": [1]}, geometry=[bow_tie], crs=METRIC)
    buildings.attrs.update(file="b.gpkg", layer="buildings")
    cams = cameras_frame([{"camera_id": "w", "kind": "public1", "range_m": 45,
                           "x": 20, "y": 50}])
    messages = []
    from lever_grid.core.progress import Progress

    layers = analyse(two_cells, cams, buildings=buildings, min_blind_area=0.0,
                     progress=Progress(log=messages.append))
    assert any("buildings: repaired 1 invalid polygon(s) with make_valid" in m
               and "Self-intersection" in m for m in messages), messages
    repaired = shapely.make_valid(bow_tie)  # two triangles of 100 m² each
    assert repaired.area == pytest.approx(200.0)
    stats = layers["cell_stats"].set_index("cell_id")
    assert stats.loc[1, "watch_m2"] == pytest.approx(10000 - 200, rel=1e-12)
    view = layers["camera_views"].geometry.iloc[0]
    assert not view.contains(shapely.Point(x0 + 62, y0 + 50))  # behind the west triangle
    assert view.contains(shapely.Point(x0 + 35, y0 + 50))  # in front of it
    assert entered(view, repaired) < 1e-9


def test_cut_views_lose_their_rounding_spikes():
    """A part a few ulps wide (the bundled sample's camera C022 had one of 2.5e-10 m²
    along a shadow edge) is dropped; real parts, however small, stay."""
    from lever_grid.core.coverage.shadows import without_slivers

    whole = shapely.box(0, 0, 10, 10)
    small = shapely.box(20, 0, 20.01, 0.01)  # 1 cm², 1 cm wide: kept
    spike = shapely.Polygon([(30, 0), (30 + 1e-10, 0), (30, 5)])
    got = without_slivers(np.array([shapely.MultiPolygon([whole, spike]),
                                    shapely.MultiPolygon([whole, small, spike]), spike,
                                    shapely.MultiPolygon([whole, small])], dtype=object))
    assert shapely.equals(got[0], whole)
    assert shapely.equals(got[1], shapely.MultiPolygon([whole, small]))
    assert shapely.is_empty(got[2])
    assert shapely.equals(got[3], shapely.MultiPolygon([whole, small]))
