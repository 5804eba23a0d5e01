"""Line occluders (walls, fences), mounts and watch points: hand cases, a brute-force
line-of-sight oracle, and generated invariants."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from lever_grid.core.coverage.occlusion import DIP_M, occlude_views
from lever_grid.core.coverage.views import QUAD_SEGS, view_polygons
from lever_grid.core.coverage.watchpoints import points_seen
from lever_grid.core.errors import InputError
from lever_grid.core.pipeline import analyse
from tests.conftest import METRIC
from tests.core.conftest import PROPERTY_SETTINGS

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def views_for(points, ranges, heading=None, fov=None):
    n = len(points)
    heading = np.full(n, np.nan) if heading is None else np.asarray(heading, float)
    fov = np.full(n, 360.0) if fov is None else np.asarray(fov, float)
    return view_polygons(np.array(points, dtype=object), np.asarray(ranges, float), heading, fov)


def seen(cams, ranges, walls, heading=None, fov=None, **kw):
    cams = np.array(cams, dtype=object)
    plain = views_for(cams, ranges, heading, fov)
    h = np.full(len(cams), np.nan) if heading is None else np.asarray(heading, float)
    return plain, occlude_views(cams, plain, kw.pop("buildings", None),
                                walls=np.array(walls, dtype=object), heading_deg=h, **kw)


def line(*xy):
    return shapely.LineString(xy)


# ------------------------------------------------------------------ brute-force oracle


def los_oracle(cam, r, heading, fov, pt, walls, buildings=(), wall_h=None, cam_h=np.nan):
    """True/False/None (ambiguous: within 1 mm of the view's edge or a wall) by direct
    geometry: distance, bearing, and whether the sight line crosses an occluder."""
    d = cam.distance(pt)
    inner = r * np.cos(np.pi / (4 * QUAD_SEGS))  # the polygon circle's inradius
    if inner - 1e-3 < d < r + 1e-3:
        return None
    if d >= r:
        return False
    if np.isfinite(heading) and fov < 360:
        bearing = np.degrees(np.arctan2(pt.x - cam.x, pt.y - cam.y)) % 360
        off = abs((bearing - heading + 180) % 360 - 180)
        margin = np.degrees(1e-3 / max(d, 1e-9)) + 90 / QUAD_SEGS  # arc chords cut corners
        if abs(off - fov / 2) < margin:
            return None
        if off > fov / 2:
            return False
    sight = shapely.LineString([cam, pt])
    for k, w in enumerate(walls):
        if w.distance(pt) < 1e-3:
            return None
        low = wall_h is not None and np.isfinite(wall_h[k]) and wall_h[k] < cam_h
        if not low and sight.intersects(w):
            return False
    for b in buildings:
        if b.distance(pt) < 1e-3:
            return None
        if sight.crosses(b) or b.contains(pt):
            return False
    return True


# ------------------------------------------------------------------------ hand cases


def test_wall_between_camera_and_target():
    cam = shapely.Point(0, 0)
    plain, view = seen([cam], [50], [line((10, -5), (10, 5))])
    view = view[0]
    assert not view.contains(shapely.Point(30, 0))  # straight behind the wall
    assert view.contains(shapely.Point(30, 20))  # beside the shadow
    assert view.contains(shapely.Point(5, 0))  # in front of the wall
    # hidden = the sector between the rays through (10, ±5) minus the triangle in front
    # of the wall: 50²·atan(0.5) − 50 = 1109.12 m² for the true circle (1 % slack: the
    # view is a 64-gon)
    assert plain[0].area - view.area == pytest.approx(50**2 * np.arctan(0.5) - 50, rel=1e-2)
    # against the same wall drawn as a 20 cm thick building: the line hides less, by
    # the wall's own 2 m² plus the 20 cm-deeper shadow's slice (the building's view ends
    # up to DIP_M inside its wall)
    _, thick = seen([cam], [50], [], buildings=np.array([shapely.box(10, -5, 10.2, 5)]))
    assert thick[0].within(view.buffer(DIP_M))


def test_wall_hides_the_points_the_oracle_hides():
    cam = shapely.Point(0.013, -0.007)
    walls = [line((10, -5), (10, 5)), line((-20, 10), (-5, 25), (5, 25))]
    _, view = seen([cam], [40], walls)
    grid = np.arange(-41, 42, 1.7) + 0.0317
    checked = 0
    for x in grid:
        for y in grid:
            p = shapely.Point(x, y)
            want = los_oracle(cam, 40, np.nan, 360, p, walls)
            if want is None:
                continue
            checked += 1
            assert view[0].intersects(p) == want, (x, y)
    assert checked > 1500


def test_camera_on_a_wall_sees_its_own_side_only():
    wall = line((-40, 0), (40, 0))
    cam = shapely.Point(0, 0)
    plain, view = seen([cam], [30], [wall], heading=[0], fov=[270])
    north = shapely.box(-50, 0, 50, 50)
    # the 270° sector reaches south of the wall; the camera on it sees only the north
    # half: the sector clipped by the half-plane (an intersection, no shadows involved)
    assert view[0].symmetric_difference(plain[0].intersection(north)).area < 1e-6
    assert view[0].area == pytest.approx(plain[0].intersection(north).area, rel=1e-12)
    # heading south: the south half
    plain_s, view_s = seen([cam], [30], [wall], heading=[180], fov=[270])
    assert view_s[0].symmetric_difference(
        plain_s[0].difference(north)).area < 1e-6
    # omnidirectional on the wall: both sides, the whole circle
    plain_o, view_o = seen([cam], [30], [wall])
    assert view_o[0].symmetric_difference(plain_o[0]).area < 1e-9
    # 5 mm off the wall counts as on it; a pole 5 mm off it is not on it: the wall
    # hides the other side
    near = shapely.Point(0, 0.005)
    plain_p, view_p = seen([near], [30], [wall], mount=np.array(["pole"], dtype=object))
    assert view_p[0].area == pytest.approx(plain_p[0].intersection(
        shapely.box(-50, 0.005, 50, 50)).area, rel=1e-3)
    plain_w, view_w = seen([near], [30], [wall])
    assert view_w[0].symmetric_difference(plain_w[0]).area < 1e-9


def test_camera_on_a_wall_is_still_hidden_by_another_wall():
    walls = [line((-40, 0), (40, 0)), line((5, 10), (15, 10))]
    cam = shapely.Point(0, 0)
    plain, view = seen([cam], [30], walls, heading=[0], fov=[180])
    assert not view[0].contains(shapely.Point(12, 20))  # behind the second wall
    assert view[0].contains(shapely.Point(-10, 20))
    assert not view[0].intersects(shapely.Point(0, -5))


def test_low_fence_under_a_high_camera():
    fence = [line((10, -20), (10, 20))]
    cam = [shapely.Point(0, 0)]
    plain = views_for(cam, [40])
    kw = {"wall_height": np.array([1.8])}
    _, high = seen(cam, [40], fence, camera_height=np.array([6.0]), **kw)
    _, low = seen(cam, [40], fence, camera_height=np.array([1.5]), **kw)
    _, unknown_cam = seen(cam, [40], fence, **kw)
    _, unknown_fence = seen(cam, [40], fence, camera_height=np.array([6.0]))
    assert high[0].equals(plain[0])  # a 1.8 m fence under a 6 m camera blocks nothing
    # a 1.5 m camera behind it: the shadow between the rays through (10, ±20) minus the
    # triangle in front: 40²·atan(2) − 200 = 1571.4 m² (true circle, 1 % slack)
    for v in (low, unknown_cam, unknown_fence):
        assert plain[0].area - v[0].area == pytest.approx(40**2 * np.arctan(2) - 200, rel=1e-2)


def test_zero_length_wall_changes_nothing():
    cam = [shapely.Point(0, 0)]
    plain, view = seen(cam, [30], [line((10, 0), (10, 0))])
    assert view[0].equals(plain[0])


# --------------------------------------------------------------- indoor and the pipeline


X0, Y0 = 470000.0, 2530000.0  # near EPSG:4547's central meridian: true metres there


def _at(geoms):
    """Hand-made site coordinates moved to the two_cells origin in EPSG:4547."""
    return list(shapely.transform(np.asarray(geoms, dtype=object), lambda xy: xy + (X0, Y0)))


def _site(cams, *, buildings=(), walls=(), wall_h=None, points=None):
    """analyse() on one 150 m cell; every geometry is given in site coordinates and comes
    back in them."""
    cells = gpd.GeoDataFrame({"cell_id": [1]}, geometry=_at([shapely.box(-50, -50, 100, 100)]),
                             crs=METRIC)
    cameras = gpd.GeoDataFrame(cams, geometry=_at([shapely.Point(c.pop("x"), c.pop("y"))
                                                   for c in cams]), crs=METRIC)
    kw = {}
    if buildings:
        kw["buildings"] = gpd.GeoDataFrame(geometry=_at(buildings), crs=METRIC)
    if walls:
        data = {} if wall_h is None else {"height_m": wall_h}
        kw["walls"] = gpd.GeoDataFrame(data, geometry=_at(walls), crs=METRIC)
    if points is not None:
        kw["watch_points"] = gpd.GeoDataFrame(
            {"name": [n for n, _ in points]},
            geometry=_at([shapely.Point(p) for _, p in points]), crs=METRIC)
    out = analyse(cells, cameras, **kw)
    for name, layer in out.items():
        if isinstance(layer, gpd.GeoDataFrame) and len(layer):
            out[name] = layer.set_geometry(shapely.transform(layer.geometry.to_numpy(),
                                                             lambda xy: xy - (X0, Y0)))
    return out


def test_indoor_camera_sees_only_its_hall_which_is_then_watched():
    hall = shapely.box(0, 0, 40, 20)
    shed = shapely.box(60, 60, 70, 70)
    out = _site([{"camera_id": "in", "kind": "enterprise", "mount": "indoor", "x": 10, "y": 10,
                  "range_m": 50}], buildings=[hall, shed])
    view = out["camera_views"].geometry.iloc[0]
    # every point of the hall is within 31.7 m of (10, 10): the view is the whole hall
    assert view.symmetric_difference(hall).area < 1e-6
    stats = out["cell_stats"].iloc[0]
    assert stats["covered_m2"] == pytest.approx(800.0, rel=1e-9)
    assert stats["watch_m2"] == pytest.approx(150 * 150 - 100, rel=1e-12)  # minus the shed
    # a partition wall in the hall hides its far side from the indoor camera
    part = _site([{"camera_id": "in", "kind": "enterprise", "mount": "indoor", "x": 10,
                   "y": 10, "range_m": 50}], buildings=[hall, shed],
                 walls=[line((20, -1), (20, 21))])
    assert part["cell_stats"].iloc[0]["covered_m2"] == pytest.approx(400.0, rel=1e-9)
    # the same camera with no mount sees out of the hall and the hall is not watched
    out2 = _site([{"camera_id": "c", "kind": "enterprise", "x": 10, "y": 10, "range_m": 50}],
                 buildings=[hall, shed])
    assert out2["cell_stats"].iloc[0]["watch_m2"] == pytest.approx(150 * 150 - 900, rel=1e-12)


def test_indoor_camera_outside_every_building_is_refused():
    with pytest.raises(InputError, match="stands in no building footprint") as err:
        _site([{"camera_id": "x", "kind": "enterprise", "mount": "indoor", "x": 90, "y": 90}],
              buildings=[shapely.box(0, 0, 10, 10)])
    assert "field mount" in err.value.line() or "mount" in err.value.line()


def test_unknown_mount_is_refused():
    with pytest.raises(InputError, match="unknown mount 'roof'"):
        _site([{"camera_id": "x", "kind": "enterprise", "mount": "roof", "x": 9, "y": 9}])


def test_gates_are_seen_by_exactly_the_cameras_the_oracle_says():
    rng = np.random.default_rng(16)
    walls = [line(*rng.uniform(-40, 90, (rng.integers(2, 4), 2))) for _ in range(14)]
    buildings = [shapely.box(x, y, x + 8, y + 6) for x, y in rng.uniform(-40, 80, (6, 2))]
    n = 25
    cams = shapely.points(rng.uniform(-45, 95, (n, 2)))
    heading = np.where(rng.random(n) < 0.4, np.nan, rng.uniform(0, 360, n))
    fov = np.where(np.isnan(heading), 360.0, rng.uniform(40, 200, n))
    ranges = rng.uniform(20, 60, n)
    occl = shapely.union_all(walls + buildings)
    away = shapely.distance(cams, occl) > 0.05  # not on a wall: the plain line-of-sight rule
    cams, heading, fov, ranges = cams[away], heading[away], fov[away], ranges[away]
    gates = shapely.points(rng.uniform(-40, 90, (60, 2)))
    gates = gates[~shapely.intersects(gates, shapely.union_all(buildings))]
    rows = [{"camera_id": f"C{k}", "kind": "enterprise", "range_m": ranges[k],
             "heading_deg": heading[k] if np.isfinite(heading[k]) else None, "fov_deg": fov[k],
             "x": cams[k].x, "y": cams[k].y} for k in range(len(cams))]
    out = _site(rows, buildings=buildings, walls=walls,
                points=[(f"G{i}", (g.x, g.y)) for i, g in enumerate(gates)])
    wp = out["watch_points"]
    compared = 0
    for i, g in enumerate(gates):
        want, unsure = [], False
        for k in range(len(cams)):
            verdict = los_oracle(cams[k], ranges[k], heading[k], fov[k], g, walls, buildings)
            unsure |= verdict is None
            if verdict:
                want.append(f"C{k}")
        if unsure:
            continue
        compared += 1
        got = [c for c in wp["camera_ids"].iloc[i].split(",") if c]
        assert sorted(got) == sorted(want), f"G{i}"
        assert wp["seen"].iloc[i] == bool(want)
        assert wp["n_cameras"].iloc[i] == len(want)
    assert compared >= 40
    assert wp["seen"].any() and not wp["seen"].all()
    assert list(wp.columns) == ["point_id", "name", "cell_id", "seen", "n_cameras",
                                "camera_ids", "geometry"]


def test_points_seen_counts_boundary_points():
    views = np.array([shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], dtype=object)
    n, ids = points_seen(shapely.points([[10, 5], [5, 5], [30, 5]]), views,
                         np.array(["A", "B"], dtype=object))
    assert n.tolist() == [2, 1, 0]
    assert ids == ["A,B", "A", ""]


# ------------------------------------------------------------------------- invariants


@st.composite
def wall_scenes(draw):
    """Cameras and wall segments in a 100 m square, no camera within 5 cm of a wall."""
    coord = st.floats(0.0, 100.0)
    walls = [line((draw(coord), draw(coord)), (draw(coord), draw(coord)))
             for _ in range(draw(st.integers(1, 8)))]
    walls = [w for w in walls if w.length > 0.5]
    assume(walls)
    cams = [shapely.Point(draw(coord), draw(coord)) for _ in range(draw(st.integers(1, 4)))]
    union = shapely.union_all(walls)
    cams = [c for c in cams if c.distance(union) > 0.05]
    assume(cams)
    m = len(cams)
    heading = np.array([draw(st.one_of(st.just(np.nan), st.floats(0.0, 359.9)))
                        for _ in range(m)])
    fov = np.array([360.0 if np.isnan(h) else draw(st.floats(10.0, 300.0)) for h in heading])
    ranges = np.array([draw(st.floats(10.0, 80.0)) for _ in range(m)])
    extra = line((draw(coord), draw(coord)), (draw(coord), draw(coord)))
    return cams, walls, heading, fov, ranges, extra


@settings(**PROPERTY_SETTINGS)
@given(wall_scenes())
def test_adding_a_wall_never_grows_a_view(scene):
    cams, walls, heading, fov, ranges, extra = scene
    _, before = seen(cams, ranges, walls, heading, fov)
    _, after = seen(cams, ranges, walls + [extra], heading, fov)
    assert shapely.is_valid(after).all()
    assert (shapely.area(shapely.difference(after, before)) < 1e-6).all()
    assert (shapely.area(after) <= shapely.area(before) + 1e-6).all()


@settings(**PROPERTY_SETTINGS)
@given(wall_scenes(), st.floats(0.0, 100.0), st.floats(0.0, 100.0))
def test_a_zero_length_wall_changes_nothing(scene, x, y):
    cams, walls, heading, fov, ranges, _ = scene
    _, before = seen(cams, ranges, walls, heading, fov)
    _, after = seen(cams, ranges, walls + [line((x, y), (x, y))], heading, fov)
    assert all(a.equals(b) for a, b in zip(after, before, strict=True))


def thin_polygon(wall: shapely.LineString, width: float) -> shapely.Polygon:
    (ax, ay), (bx, by) = shapely.get_coordinates(wall)
    length = np.hypot(bx - ax, by - ay)
    nx, ny = -(by - ay) / length * width / 2, (bx - ax) / length * width / 2
    return shapely.Polygon([(ax + nx, ay + ny), (bx + nx, by + ny), (bx - nx, by - ny),
                            (ax - nx, ay - ny)])


@settings(**PROPERTY_SETTINGS)
@given(wall_scenes())
def test_walls_as_lines_or_as_thin_polygons_give_the_same_views(scene):
    cams, walls, heading, fov, ranges, _ = scene
    _, as_lines = seen(cams, ranges, walls, heading, fov)
    thin = np.array([thin_polygon(w, 1e-10) for w in walls], dtype=object)
    plain = views_for(np.array(cams, dtype=object), ranges, heading, fov)
    as_polygons = occlude_views(np.array(cams, dtype=object), plain, thin)
    diff = shapely.area(shapely.symmetric_difference(as_lines, as_polygons))
    assert (diff < 1e-6).all(), diff.max()


# -------------------------------------------------------------------------- bad input


@pytest.fixture(scope="module")
def bad_site(tmp_path_factory):
    g = tmp_path_factory.mktemp("bad") / "site.gpkg"
    frames = {
        "cells": gpd.GeoDataFrame({"cell_id": [1]}, geometry=_at([shapely.box(0, 0, 100, 100)])),
        "cameras": gpd.GeoDataFrame({"camera_id": ["a"], "kind": ["public1"],
                                     "mount": ["indoor"]}, geometry=_at([shapely.Point(5, 5)])),
        "walls": gpd.GeoDataFrame({"height_m": ["tall"]},
                                  geometry=_at([shapely.LineString([(0, 0), (9, 9)])])),
        "high": gpd.GeoDataFrame({"height_m": [250.0]},
                                 geometry=_at([shapely.LineString([(0, 0), (9, 9)])])),
        "boxes": gpd.GeoDataFrame({"x": [1]}, geometry=_at([shapely.box(0, 0, 1, 1)])),
    }
    for name, frame in frames.items():
        frame.set_crs(METRIC).to_file(g, layer=name)
    return g


@pytest.mark.parametrize("extra, says", [
    (["--walls", "walls"], "layer walls, feature 1, field height_m: 'tall' is not a number"),
    (["--walls", "high"], "layer high, feature 1, field height_m: height_m must be within "
     "0-100 m, got 250.0"),
    (["--walls", "boxes"], "layer boxes, feature 1, field geometry: Polygon geometry where "
     "walls must be LineString or MultiLineString"),
    (["--watch-points", "boxes"], "field geometry: Polygon geometry where watch points must "
     "be Point"),
    ([], "layer cameras, feature 1, field mount: indoor camera 'a' stands in no building "
     "footprint (give --buildings)"),
])
def test_bad_walls_and_mounts_are_one_line(bad_site, tmp_path, extra, says):
    import subprocess
    import sys

    from tests.conftest import ROOT

    args = [sys.executable, "-m", "lever_grid", "analyse", "--cells",
            f"{bad_site}|layername=cells", "--cameras", f"{bad_site}|layername=cameras",
            *([extra[0], f"{bad_site}|layername={extra[1]}"] if extra else []),
            "--out", str(tmp_path / "o.gpkg")]
    res = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if "error:" in ln]
    assert len(errors) == 1 and says in errors[0], res.stderr
    assert not (tmp_path / "o.gpkg").exists()
