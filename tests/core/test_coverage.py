"""Coverage, blind spots and overlap on hand-computed cases."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lever_grid.core.coverage.views import QUAD_SEGS, sector_segments, view_polygons
from lever_grid.core.errors import InputError
from lever_grid.core.pipeline import analyse
from tests.conftest import METRIC, cameras_frame

X0, Y0 = 470000.0, 2530000.0


def polygon_circle_area(r: float, quad_segs: int = QUAD_SEGS) -> float:
    """Area of the regular 4*quad_segs-gon inscribed in a circle of radius r."""
    n = 4 * quad_segs
    return 0.5 * n * r * r * math.sin(2 * math.pi / n)


def stats_of(layers) -> dict:
    return layers["cell_stats"].set_index("cell_id").to_dict("index")


def test_one_circle_in_one_cell(two_cells):
    cams = cameras_frame([{"camera_id": "c1", "kind": "public1", "range_m": 30, "x": 50, "y": 50}])
    s = stats_of(analyse(two_cells, cams))
    circle = polygon_circle_area(30)
    assert circle == pytest.approx(2822.8936, rel=1e-7)
    assert s[1]["covered_m2"] == pytest.approx(circle, rel=1e-9)
    assert s[1]["blind_m2"] == pytest.approx(10000 - circle, rel=1e-9)
    assert s[1]["covered_share"] == pytest.approx(circle / 10000, rel=1e-9)
    assert s[1]["cameras"] == 1
    assert s[2]["covered_m2"] == 0 and s[2]["blind_m2"] == pytest.approx(10000)
    assert s[2]["cameras"] == 0


def test_camera_outside_every_cell_counts_for_cells_it_sees(two_cells):
    # A camera 10 m west of cell 1 with range 30: the part of its circle with x >= 0.
    cams = cameras_frame(
        [{"camera_id": "out", "kind": "public2", "range_m": 30, "x": -10, "y": 50}]
    )
    s = stats_of(analyse(two_cells, cams))
    segment = 30**2 * math.acos(10 / 30) - 10 * math.sqrt(30**2 - 10**2)  # true circle
    assert s[1]["cameras"] == 1
    assert s[1]["covered_m2"] == pytest.approx(segment, rel=5e-3)


def test_offline_and_unchosen_kinds_see_nothing(two_cells):
    cams = cameras_frame(
        [
            {
                "camera_id": "a",
                "kind": "public1",
                "status": "offline",
                "range_m": 30,
                "x": 50,
                "y": 50,
            },
            {
                "camera_id": "b",
                "kind": "企业",
                "status": "online",
                "range_m": 30,
                "x": 150,
                "y": 50,
            },
        ]
    )
    s = stats_of(analyse(two_cells, cams))
    assert s[1]["covered_m2"] == 0
    assert s[2]["covered_m2"] == pytest.approx(polygon_circle_area(30), rel=1e-9)
    s = stats_of(analyse(two_cells, cams, kinds="public1,public2"))
    assert s[2]["covered_m2"] == 0 and s[2]["blind_m2"] == pytest.approx(10000)


def test_default_range_by_kind(two_cells):
    cams = cameras_frame([{"camera_id": "s", "kind": "social", "x": 50, "y": 50}])
    s = stats_of(analyse(two_cells, cams))
    assert s[1]["covered_m2"] == pytest.approx(polygon_circle_area(30.0), rel=1e-9)


def sector_area(r: float, fov_deg: float, segments: int) -> float:
    """Area of a sector polygon: apex plus ``segments`` equal chords over ``fov_deg``."""
    return 0.5 * segments * r * r * math.sin(math.radians(fov_deg) / segments)


def test_sector_area(two_cells):
    # A 90° sector of radius 20 looking north-east from the cell's south-west corner.
    cams = cameras_frame(
        [
            {
                "camera_id": "q",
                "kind": "public1",
                "range_m": 20,
                "heading_deg": 45,
                "fov_deg": 90,
                "x": 0.0,
                "y": 0.0,
            }
        ]
    )
    layers = analyse(two_cells, cams)
    # QGIS's wedge segmentized by 5.625° gets 17 steps here, not 16: its measured arc is
    # a hair over 90° at this place (checked with QGIS in tests/qgis/test_sectors_oracle.py
    # ::test_the_core_tests_sector_gets_17_steps_in_qgis); we do the same.
    assert stats_of(layers)[1]["covered_m2"] == pytest.approx(sector_area(20, 90, 17), rel=1e-9)
    view = layers["camera_views"].geometry.iloc[0]
    assert shapely.get_num_coordinates(view) == 17 + 3  # apex, 18 arc vertices, closing
    # the sector opens towards +x +y: its centroid lies north-east of the apex
    assert view.centroid.x > X0 and view.centroid.y > Y0


@pytest.mark.parametrize("heading, fov", [(0, 30), (90, 30), (350, 30), (0, 90), (90, 90),
                                          (350, 90), (0, 180), (90, 180), (350, 180),
                                          (0, 359), (90, 359), (350, 359), (123.4, 61)])
def test_sector_vertices(heading, fov):
    """Apex, then arc vertices at equal steps of fov / n from heading - fov/2 clockwise."""
    x, y, r = X0 + 37.25, Y0 + 11.5, 42.0
    view = view_polygons(shapely.points([[x, y]]), np.array([r]), np.array([heading], float),
                         np.array([fov], float))[0]
    xy = shapely.get_coordinates(view)
    n = len(xy) - 3  # apex, n + 1 arc vertices, closing apex
    # exact arithmetic gives ceil(fov / 5.625); QGIS's floating point one more at times
    assert n in (math.ceil(fov / 5.625), math.ceil(fov / 5.625) + 1)
    assert int(sector_segments([x], [y], [r], [heading], [fov])[0]) == n
    assert (xy[0] == [x, y]).all() and (xy[-1] == [x, y]).all()
    arc = xy[1:-1] - [x, y]
    assert np.hypot(arc[:, 0], arc[:, 1]) == pytest.approx(np.full(n + 1, r), abs=1e-8)
    azimuth = np.degrees(np.arctan2(arc[:, 0], arc[:, 1]))
    expected = heading - fov / 2 + fov * np.arange(n + 1) / n
    assert (azimuth - expected + 180) % 360 - 180 == pytest.approx(np.zeros(n + 1), abs=1e-8)
    assert view.is_valid and view.area == pytest.approx(sector_area(r, fov, n), rel=1e-9)


def test_overlap_two_circles_lens(two_cells):
    r, d = 20.0, 20.0
    cams = cameras_frame(
        [
            {"camera_id": "a", "kind": "public1", "range_m": r, "x": 40, "y": 50},
            {"camera_id": "b", "kind": "public1", "range_m": r, "x": 40 + d, "y": 50},
        ]
    )
    layers = analyse(two_cells, cams)
    ov = layers["overlap"].set_index("n_cameras")["area_m2"]
    lens = 2 * r * r * math.acos(d / (2 * r)) - d / 2 * math.sqrt(4 * r * r - d * d)
    assert ov[2] == pytest.approx(lens, rel=5e-3)
    covered = stats_of(layers)[1]["covered_m2"]
    assert ov[1] + ov[2] == pytest.approx(covered, rel=1e-9)
    assert ov[1] + 2 * ov[2] == pytest.approx(2 * polygon_circle_area(r), rel=1e-9)


def test_blind_spots_and_min_area(two_cells):
    # Four circles that leave a small diamond-shaped hole in the middle of cell 1.
    cams = cameras_frame(
        [
            {
                "camera_id": f"c{i}",
                "kind": "public1",
                "range_m": 50 * math.sqrt(2) + 1,
                "x": x,
                "y": y,
            }
            for i, (x, y) in enumerate([(0, 0), (100, 0), (0, 100), (100, 100)])
        ]
    )
    layers = analyse(two_cells.iloc[:1], cams, min_blind_area=0.0)
    assert len(layers["blind_spots"]) == 0  # fully covered with r > half-diagonal
    cams["range_m"] = 50 * math.sqrt(2) - 1
    layers = analyse(two_cells.iloc[:1], cams, min_blind_area=0.0)
    blind = layers["blind_spots"]
    assert len(blind) == 1 and blind.area_m2.iloc[0] > 0
    s = stats_of(layers)[1]
    assert s["covered_m2"] + s["blind_m2"] == pytest.approx(s["watch_m2"], rel=1e-9)
    layers = analyse(two_cells.iloc[:1], cams, min_blind_area=blind.area_m2.iloc[0] + 1)
    assert len(layers["blind_spots"]) == 0


def test_watch_area_excludes_buildings(two_cells):
    bld = gpd.GeoDataFrame(geometry=[shapely.box(X0 + 10, Y0 + 10, X0 + 30, Y0 + 20)], crs=METRIC)
    cams = cameras_frame([{"camera_id": "a", "kind": "public1", "range_m": 5, "x": 150, "y": 50}])
    s = stats_of(analyse(two_cells, cams, buildings=bld))
    assert s[1]["watch_m2"] == pytest.approx(10000 - 200)
    assert s[1]["blind_m2"] == pytest.approx(9800)


def test_road_length_shared_edges_count_half(two_cells):
    roads = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(X0, Y0 + 50), (X0 + 200, Y0 + 50)]),  # crosses both cells
            shapely.LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 100)]),  # the shared edge
            shapely.LineString([(X0 + 100, Y0), (X0 + 100, Y0 + 100)]),  # a duplicate of it
            shapely.LineString([(X0 - 50, Y0 + 20), (X0, Y0 + 20)]),  # outside
        ],
        crs=METRIC,
    )
    cams = cameras_frame([{"camera_id": "a", "kind": "public1", "range_m": 10, "x": 50, "y": 50}])
    s = stats_of(analyse(two_cells, cams, roads=roads))
    assert s[1]["road_length_m"] == pytest.approx(150)
    assert s[2]["road_length_m"] == pytest.approx(150)
    # the circle of radius 10 covers 20 m of the horizontal road in cell 1
    assert s[1]["road_covered_share"] == pytest.approx(20 / 150, rel=1e-9)
    assert s[2]["road_covered_share"] == 0


@pytest.mark.parametrize(
    "field, value, needle",
    [
        ("range_m", 0, "range_m must be > 0"),
        ("range_m", -5, "range_m must be > 0"),
        ("heading_deg", 400, "heading_deg must be within 0-360"),
        ("fov_deg", 0, "fov_deg must be > 0"),
        ("fov_deg", 361, "fov_deg must be > 0"),
        ("kind", "police_car", "allowed: public1, public2, smart_eye, social, enterprise"),
    ],
)
def test_bad_camera_values_name_feature_and_field(two_cells, field, value, needle):
    row = {
        "camera_id": "a",
        "kind": "public1",
        "range_m": 30,
        "heading_deg": 90,
        "fov_deg": 60,
        "x": 50,
        "y": 50,
    }
    row[field] = value
    cams = cameras_frame([row])
    cams.attrs.update(file="cams.gpkg", layer="cameras")
    with pytest.raises(InputError) as err:
        analyse(two_cells, cams)
    line = str(err.value)
    assert needle in line and f"field {field}" in line
    assert "file cams.gpkg" in line and "layer cameras" in line and "feature 0" in line
    assert "\n" not in line


def test_duplicate_camera_id_and_empty_layer(two_cells):
    cams = cameras_frame(
        [
            {"camera_id": "a", "kind": "public1", "x": 1, "y": 1},
            {"camera_id": "a", "kind": "public1", "x": 2, "y": 2},
        ]
    )
    with pytest.raises(InputError, match="duplicate camera_id 'a'"):
        analyse(two_cells, cams)
    empty = cams.iloc[:0]
    s = stats_of(analyse(two_cells, empty))
    assert s[1]["blind_m2"] == pytest.approx(10000) and s[2]["covered_m2"] == 0


def test_multipoint_camera_refused(two_cells):
    cams = gpd.GeoDataFrame(
        {"camera_id": ["m"], "kind": ["public1"]},
        geometry=[shapely.MultiPoint([(X0, Y0), (X0 + 5, Y0)])],
        crs=METRIC,
    )
    with pytest.raises(InputError, match="MultiPoint geometry; a camera must be a single Point"):
        analyse(two_cells, cams)


def test_geographic_cells_are_measured_in_metres(two_cells):
    cams = cameras_frame([{"camera_id": "c1", "kind": "public1", "range_m": 30, "x": 50, "y": 50}])
    wgs_cells, wgs_cams = two_cells.to_crs(4490), cams.to_crs(4490)  # CGCS2000 geographic
    s = stats_of(analyse(wgs_cells, wgs_cams))
    # metric CRS chosen automatically is CGCS2000 GK CM 114E = the one we started from
    assert s[1]["area_m2"] == pytest.approx(10000, rel=1e-6)
    assert s[1]["covered_m2"] == pytest.approx(polygon_circle_area(30), rel=1e-6)
    layers = analyse(wgs_cells, wgs_cams)
    assert layers["cell_stats"].crs.to_epsg() == 4490


def test_results_indexed_like_cells_and_sorted_ids(two_cells):
    cams = cameras_frame([{"camera_id": "c1", "kind": "public1", "range_m": 30, "x": 150, "y": 50}])
    layers = analyse(two_cells.iloc[::-1], cams)
    assert list(layers["cell_stats"].cell_id) == [2, 1]
    assert np.isclose(layers["cell_stats"].covered_m2.iloc[0], polygon_circle_area(30))


def test_abutting_sectors_from_one_pole_make_valid_overlap(two_cells):
    # two cameras on one pole looking north-east and south-east: their sectors share an
    # edge with the same count (1) on both sides, so the overlap piece must be dissolved
    cams = cameras_frame([
        {"camera_id": "ne", "kind": "public1", "range_m": 30, "heading_deg": 45,
         "fov_deg": 90, "x": 50, "y": 50},
        {"camera_id": "se", "kind": "public1", "range_m": 30, "heading_deg": 135,
         "fov_deg": 90, "x": 50, "y": 50},
    ])
    layers = analyse(two_cells, cams, min_blind_area=0.0)
    ov = layers["overlap"]
    assert shapely.is_valid(ov.geometry.to_numpy()).all()
    assert ov["n_cameras"].tolist() == [1]
    views = layers["camera_views"].geometry.to_numpy()
    assert ov["area_m2"].iloc[0] == pytest.approx(shapely.area(views).sum(), rel=1e-9)
    assert ov.geometry.iloc[0].geom_type == "Polygon"  # one half disc, not two quarters
    s = stats_of(layers)[1]
    assert s["covered_m2"] == pytest.approx(ov["area_m2"].iloc[0], rel=1e-9)
    assert s["cameras"] == 2


def test_overlap_and_blind_agree_with_the_fast_path(two_cells):
    rng = np.random.default_rng(3)
    rows = [{"camera_id": f"c{i}", "kind": "public1", "range_m": float(rng.uniform(10, 40)),
             "heading_deg": float(rng.uniform(0, 360)) if i % 2 else np.nan,
             "fov_deg": float(rng.uniform(30, 200)) if i % 2 else np.nan,
             "x": float(rng.uniform(-10, 210)), "y": float(rng.uniform(-10, 110))}
            for i in range(25)]
    cams = cameras_frame(rows)
    full = analyse(two_cells, cams, min_blind_area=0.0)
    fast = analyse(two_cells, cams, min_blind_area=0.0, overlap=False)
    assert len(fast["overlap"]) == 0 and len(full["overlap"]) > 0
    for col in ("covered_m2", "blind_m2", "watch_m2"):
        np.testing.assert_allclose(full["cell_stats"][col], fast["cell_stats"][col],
                                   rtol=1e-9, atol=1e-7)
    assert full["cell_stats"]["cameras"].tolist() == fast["cell_stats"]["cameras"].tolist()
    ov = full["overlap"].groupby("cell_id")["area_m2"].sum()
    np.testing.assert_allclose(ov.to_numpy(),
                               full["cell_stats"].set_index("cell_id").loc[ov.index,
                                                                           "covered_m2"],
                               rtol=1e-9)


def test_overlap_layer_equals_the_plain_geopandas_chain():
    """Oracle: the naive chain of bench/bench_coverage.py (all view outlines noded at once,
    polygonized, views per face by ``sjoin``, ``overlay`` with the cells, ``dissolve``
    per (cell, n)) on 40 cells of the synthetic town: the same area per (cell, n) and the
    same blind area per cell, within 1e-9 relative."""
    from bench.bench_coverage import OVERLAP_N, make_data, naive_all, overlap_table

    data = make_data("town")
    cells = data["cells"].iloc[:40]
    near = shapely.buffer(shapely.union_all(cells.geometry.to_numpy()), 100)
    cams = data["cameras"].loc[data["cameras"].geometry.intersects(near).to_numpy()]
    small = {"cells": cells, "cameras": cams}
    want = naive_all(small)
    layers = analyse(cells, cams, min_blind_area=0.0)
    blind = layers["cell_stats"]["blind_m2"].to_numpy()
    ov = layers["overlap"]
    assert ov["n_cameras"].max() < OVERLAP_N  # nothing folded into the last column
    table = overlap_table(ov["cell_id"].to_numpy(), ov["n_cameras"].to_numpy(),
                          ov["area_m2"].to_numpy(), cells["cell_id"].to_numpy())
    assert (table > 0).sum() > 150  # many (cell, n) pieces compared
    np.testing.assert_allclose(blind, want[:len(cells)], rtol=1e-9, atol=1e-6)
    np.testing.assert_allclose(table, want[len(cells):], rtol=1e-9, atol=1e-6)
