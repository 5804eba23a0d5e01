"""Facts about the bundled sample village ``resources/sample/yangwu.gpkg``."""

from __future__ import annotations

import importlib.util
import re
from itertools import combinations
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely
from pyproj import Transformer

SAMPLE = Path(__file__).resolve().parents[2] / "resources" / "sample"
GPKG = SAMPLE / "yangwu.gpkg"
LAYERS = {
    "roads": "LineString",
    "roads_broken": "LineString",
    "boundary": "Polygon",
    "cells": "Polygon",
    "buildings": "Polygon",
    "cameras": "Point",
    "incidents": "Point",
}
KINDS = {"public1", "public2", "smart_eye", "social", "enterprise"}
CATEGORIES = {"盗窃", "诈骗", "纠纷", "交通", "其他"}


@pytest.fixture(scope="module")
def lay() -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(GPKG, layer=name) for name in LAYERS}


def window(inc: gpd.GeoDataFrame, start: str, end: str) -> gpd.GeoDataFrame:
    """Incidents with start <= occurred_at < end (ISO strings compare as dates)."""
    return inc[(inc.occurred_at >= start) & (inc.occurred_at < end)]


def components(lines: np.ndarray) -> int:
    """Connected components of a line network (union-find on noded segment ends)."""
    parts = shapely.get_parts(shapely.node(shapely.multilinestrings(lines)))
    ends = shapely.get_coordinates(shapely.boundary(parts)).reshape(-1, 2, 2).round(6)
    keys = {tuple(p): i for i, p in enumerate(np.unique(ends.reshape(-1, 2), axis=0))}
    parent = list(range(len(keys)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for a, b in ends:
        parent[find(keys[tuple(a)])] = find(keys[tuple(b)])
    return len({find(i) for i in range(len(keys))})


def test_layers_crs_and_place(lay):
    assert {n: t for n, t in pyogrio.list_layers(GPKG)} == LAYERS
    for gdf in lay.values():
        assert gdf.crs.to_epsg() == 4547
    c = lay["boundary"].geometry.iloc[0].centroid
    lon, lat = Transformer.from_crs(4547, 4326, always_xy=True).transform(c.x, c.y)
    assert abs(lon - 113.72) < 0.01 and abs(lat - 22.88) < 0.01


def test_roads_count_ids_names(lay):
    roads = lay["roads"]
    assert len(roads) == 58
    assert sorted(roads.road_id) == list(range(1, 59))
    assert all(re.search(r"[\u4e00-\u9fff]", n) for n in roads.name)
    assert "环村路" in set(roads.name)
    assert shapely.is_simple(roads.geometry.values).all()


def test_roads_one_network_split_at_junctions(lay):
    geoms = lay["roads"].geometry.values
    assert components(geoms) == 1
    # noding adds no split point: roads meet only at their ends
    assert len(shapely.get_parts(shapely.node(shapely.multilinestrings(geoms)))) == 58
    ends = shapely.get_coordinates(shapely.boundary(geoms)).round(6)
    _, deg = np.unique(ends, axis=0, return_counts=True)
    assert 3 <= (deg == 1).sum() <= 8  # dead-end lanes and roads leaving the village
    assert (deg == 2).sum() == 0  # every end is a junction or a dangle
    boundary = lay["boundary"].geometry.iloc[0]
    leaving = [g for g in geoms if not boundary.buffer(1e-6).covers(g)]
    assert 1 <= len(leaving) <= 2
    assert all(g.length > 100 and g.difference(boundary).length > 100 for g in leaving)


def test_boundary_follows_ring_road(lay):
    bnd = lay["boundary"]
    assert len(bnd) == 1 and bnd.name.iloc[0] == "杨屋村"
    poly = bnd.geometry.iloc[0]
    ring = shapely.union_all(lay["roads"][lay["roads"].name == "环村路"].geometry.values)
    assert shapely.equals(poly.exterior, ring)
    xmin, ymin, xmax, ymax = poly.bounds
    assert 1300 < xmax - xmin < 1800 and 950 < ymax - ymin < 1350


def test_cells_tile_the_boundary(lay):
    cells = lay["cells"]
    boundary = lay["boundary"].geometry.iloc[0]
    assert len(cells) == 14 and list(cells.cell_id) == list(range(1, 15))
    assert (cells.geom_type == "Polygon").all() and cells.is_valid.all()
    union = shapely.union_all(cells.geometry.values)
    assert abs(union.area - boundary.area) <= 1e-9 * boundary.area
    assert union.symmetric_difference(boundary).area <= 1e-9 * boundary.area
    for a, b in combinations(cells.geometry.values, 2):
        assert a.intersection(b).area == 0


def test_cells_are_unions_of_road_faces(lay):
    cells = np.asarray(lay["cells"].geometry.values)
    faces = shapely.get_parts(shapely.polygonize(lay["roads"].geometry.values))
    assert len(faces) >= 14
    assert abs(shapely.area(faces).sum() - lay["boundary"].area.iloc[0]) < 1e-6
    tree = shapely.STRtree(cells)
    for face in faces:  # each face lies in exactly one cell
        near = cells[tree.query(face, predicate="intersects")]
        shares = shapely.area(shapely.intersection(near, face)) / face.area
        assert sorted(shares.round(9))[-2:] == [0.0, 1.0] or list(shares.round(9)) == [1.0]


def test_cell_attributes_and_balance(lay):
    cells = lay["cells"]
    assert 2 <= cells.police_office.nunique() <= 3
    assert (cells.locked == 0).all()
    assert cells.name.str.fullmatch(r"杨屋第\d+网格").all()
    assert all(re.fullmatch(r"[\u4e00-\u9fff]{2,4}", n) for n in cells.officer)
    net = shapely.union_all(lay["roads"].geometry.values)
    geoms = cells.geometry.values
    shared = [sum(g.intersection(h).length for h in geoms if h is not g) for g in geoms]
    per_cell = shapely.length(shapely.intersection(geoms, net)) - 0.5 * np.array(shared)
    assert per_cell.max() / per_cell.min() < 2.0
    cy = cells.centroid.y.values
    assert cy[:3].mean() > cy[-3:].mean()  # numbered from the north


def test_buildings(lay):
    b = lay["buildings"]
    assert 300 <= len(b) <= 600
    assert set(b.kind) == {"house", "factory", "shop"}
    assert b.building_id.is_unique
    factory = b[b.building_id == 1].geometry.iloc[0]
    assert b[b.building_id == 1].kind.iloc[0] == "factory"
    sides = np.diff(shapely.get_coordinates(factory.minimum_rotated_rectangle)[:3], axis=0)
    assert sorted(np.hypot(*sides.T).round()) == [64, 110]  # the 10,000-worker factory
    houses = b[b.kind != "factory"]
    assert houses.area.between(60, 700).all()
    boundary = lay["boundary"].geometry.iloc[0]
    assert boundary.contains(b.geometry.values).all()
    net = shapely.union_all(lay["roads"].geometry.values)
    assert shapely.distance(b.geometry.values, net).min() >= 4.0
    tree = shapely.STRtree(b.geometry.values)
    left, right = tree.query(b.geometry.values, predicate="intersects")
    assert (left == right).all()


def test_cameras(lay):
    cam = lay["cameras"]
    assert 55 <= len(cam) <= 65
    assert cam.camera_id.str.fullmatch(r"C\d{3}").all() and cam.camera_id.is_unique
    assert set(cam.kind) == KINDS
    assert (cam.status == "offline").sum() == 4 and set(cam.status) == {"online", "offline"}
    assert 8 <= cam.range_m.isna().sum() <= 12
    assert cam.range_m.dropna().between(30, 80).all()
    omni = cam.heading_deg.isna()
    assert 15 <= omni.sum() <= 25
    assert (cam.fov_deg.isna() == omni).all()
    assert cam.heading_deg.dropna().between(0, 360, inclusive="left").all()
    assert cam.fov_deg.dropna().between(60, 120).all()
    assert cam.height_m.between(3, 8).all()
    assert lay["boundary"].geometry.iloc[0].contains(cam.geometry.values).all()


def test_cameras_not_inside_buildings(lay):
    cam = lay["cameras"].geometry.values
    walls = shapely.union_all(lay["buildings"].geometry.values)
    inner = shapely.union_all(lay["buildings"].buffer(-0.01).values)
    assert not shapely.intersects(inner, cam).any()
    on_wall = shapely.distance(walls.boundary, cam) < 1e-6
    assert 5 <= on_wall.sum() <= 15
    heading = np.radians(lay["cameras"].heading_deg.values[on_wall])
    xy = shapely.get_coordinates(cam[on_wall])
    ahead = shapely.points(xy + 1.0 * np.stack([np.sin(heading), np.cos(heading)], -1))
    assert not shapely.intersects(walls, ahead).any()  # wall cameras look outward
    net = shapely.union_all(lay["roads"].geometry.values)
    assert (shapely.distance(cam, net) < 6).sum() >= 35  # mostly at junctions and roads


def test_blind_spot_round_the_factory(lay):
    factory = lay["buildings"].geometry.iloc[0]
    cam = lay["cameras"]
    near = cam[cam.distance(factory) < 140]
    assert (near.kind == "enterprise").all() and (near.distance(factory) < 10).all()
    assert 1 <= len(near) <= 3  # the factory's own yard cameras only
    thefts = window(lay["incidents"], "2024-01-01", "2025-01-01")
    thefts = thefts[(thefts.category == "盗窃") & (thefts.distance(factory) < 180)]
    assert len(thefts) >= 40
    pts, cams = np.asarray(thefts.geometry.values), np.asarray(cam.geometry.values)
    far = shapely.distance(pts[:, None], cams[None, :]) > 60
    assert far.all(axis=1).mean() > 0.5
    inc = lay["incidents"][lay["incidents"].distance(factory) < 180]
    jan_may = [
        window(inc, f"{y}-01-01", f"{y}-06-01").category.eq("盗窃").sum() for y in (2024, 2025)
    ]
    assert jan_may[0] >= 3 * jan_may[1]


def test_incident_totals(lay):
    inc = lay["incidents"]
    n24 = len(window(inc, "2024-01-01", "2024-06-01"))
    n25 = len(window(inc, "2025-01-01", "2025-06-01"))
    assert (n24, n25) == (307, 125)
    assert round((n25 - n24) / n24 * 100, 2) == -59.28
    assert 300 <= len(window(inc, "2024-06-01", "2025-01-01")) <= 400
    assert inc.occurred_at.min() >= "2024-01-01" and inc.occurred_at.max() < "2025-06-01"
    assert inc.occurred_at.max() >= "2025-05-01"
    assert inc.occurred_at.str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()
    assert inc.incident_id.str.fullmatch(r"I202[45]-\d{4}").all() and inc.incident_id.is_unique
    assert (inc.incident_id.str[1:5] == inc.occurred_at.str[:4]).all()
    assert set(inc.category) == CATEGORIES


def test_incident_private_fields(lay):
    inc = lay["incidents"]
    assert inc.victim_name.str.fullmatch(r"[\u4e00-\u9fff]{2,3}").all()
    assert inc.victim_phone.str.fullmatch(r"1\d{10}").all()


def test_incident_places(lay):
    pts = lay["incidents"].geometry.values
    assert lay["boundary"].geometry.iloc[0].contains(pts).all()
    assert not shapely.intersects(shapely.union_all(lay["buildings"].geometry.values), pts).any()
    net = shapely.union_all(lay["roads"].geometry.values)
    assert shapely.distance(pts, net).max() <= 15


def test_incidents_per_cell(lay):
    inc, cells = lay["incidents"], lay["cells"]

    def per_cell(start: str, end: str) -> np.ndarray:
        pts = window(inc, start, end)
        joined = gpd.sjoin(pts, cells[["cell_id", "geometry"]], predicate="within")
        assert len(joined) == len(pts)  # every incident in exactly one cell
        return joined.cell_id.value_counts().reindex(cells.cell_id, fill_value=0).values

    before, now = per_cell("2024-01-01", "2024-06-01"), per_cell("2025-01-01", "2025-06-01")
    assert before.min() >= 5 and now.min() >= 1
    change = now / before - 1
    assert 1 <= (change > 0).sum() <= 2
    assert (change < -0.5).sum() >= 3


def test_roads_broken(lay):
    roads, broken = lay["roads"], lay["roads_broken"]
    assert len(broken) == 58
    assert (broken.road_id.values == roads.road_id.values).all()
    assert (broken.name.values == roads.name.values).all()
    a = shapely.get_coordinates(shapely.boundary(roads.geometry.values)).reshape(-1, 2, 2)
    b = shapely.get_coordinates(shapely.boundary(broken.geometry.values)).reshape(-1, 2, 2)
    moved = np.hypot(*(a - b).transpose(2, 0, 1))
    assert moved.max() <= 2.5 + 1e-9 and (moved > 0.1).sum() >= 80
    ends = shapely.points(b.reshape(-1, 2))
    others = [shapely.union_all(np.delete(broken.geometry.values, i)) for i in range(58)]
    gap = shapely.distance(ends, np.repeat(others, 2)) > 1e-6
    gap &= moved.ravel() > 0  # a moved end that touches nothing: undershoot
    geoms = broken.geometry.values
    tree = shapely.STRtree(geoms)
    left, right = tree.query(geoms, predicate="crosses")
    assert gap.sum() >= 10 and (left != right).sum() >= 10  # undershoots and overshoots
    assert components(geoms) > 1


def test_sample_is_reproducible(lay, tmp_path):
    spec = importlib.util.spec_from_file_location("make_sample", SAMPLE / "make_sample.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    out = tmp_path / "again.gpkg"
    module.build_sample(out)
    for name, gdf in lay.items():
        again = gpd.read_file(out, layer=name)
        assert again.drop(columns="geometry").equals(gdf.drop(columns="geometry")), name
        assert shapely.equals_exact(again.geometry.values, gdf.geometry.values, 0).all(), name
