"""Sector views against QGIS's own wedges: native:wedgebuffers → segmentizebymaxangle.

What QGIS 3.22 does (seen here, and in QgsGeometryUtils::segmentizeArc): a wedge is a
curved polygon; segmentized by a maximum angle it gets ``n = ceil(Δ / step)`` equal arc
steps, Δ being the arc's angle as measured with atan2 from the circle recomputed through
the arc's three points. When fov is a multiple of the step, Δ lands a hair above or below
it, so n is one more about half of the time. ``lever_grid.core.cameras.sector_segments``
repeats that arithmetic; these tests check vertex for vertex and blind area for blind
area. At exactly fov = 180° QGIS sometimes draws the half disc behind the camera (both
halves are "the shortest arc"); ours always faces the heading (tested separately).
"""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from lever_grid.core.coverage.views import sector_segments, view_polygons
from tests.conftest import METRIC, SAMPLE
from tests.qgis.conftest import run_alg
from tests.qgis.oracle import (
    native_blind_mixed,
    native_blind_sectors,
    native_wedges,
    sample_cameras,
)

pytestmark = pytest.mark.qgis

X0, Y0 = 470000.0, 2530000.0
HAND = [(h, f) for h in (0.0, 90.0, 350.0) for f in (30.0, 90.0, 180.0, 359.0)] + [
    (45.0, 45.0), (270.0, 135.0), (123.4, 61.0)]


def hand_cameras() -> gpd.GeoDataFrame:
    """One sector camera per hand case, each in the middle of its own 200 m cell."""
    rows = []
    for i, (heading, fov) in enumerate(HAND):
        rows.append({"camera_id": f"h{i}", "kind": "public1", "status": "online",
                     "range_m": 40.0 + 2.5 * (i % 3), "heading_deg": heading, "fov_deg": fov,
                     "x": X0 + 100 + 200 * (i % 5) + 0.37 * i,
                     "y": Y0 + 100 + 200 * (i // 5) + 0.21 * i})
    frame = gpd.GeoDataFrame(rows)
    return gpd.GeoDataFrame(frame.drop(columns=["x", "y"]),
                            geometry=gpd.points_from_xy(frame.x, frame.y), crs=METRIC)


def hand_cells() -> gpd.GeoDataFrame:
    boxes = [shapely.box(X0 + 200 * i, Y0 + 200 * j, X0 + 200 * (i + 1), Y0 + 200 * (j + 1))
             for j in range(3) for i in range(5)]
    return gpd.GeoDataFrame({"cell_id": range(1, 16)}, geometry=boxes, crs=METRIC)


def wedge_geometries(cameras) -> dict:
    """camera_id -> QGIS's segmentized wedge (shapely)."""
    layer = native_wedges(cameras)
    return {f["camera_id"]: shapely.from_wkb(bytes(f.geometry().asWkb()))
            for f in layer.getFeatures()}


def ours(cams: gpd.GeoDataFrame) -> dict:
    views = view_polygons(cams.geometry.to_numpy(), cams["range_m"].to_numpy(float),
                          cams["heading_deg"].to_numpy(float), cams["fov_deg"].to_numpy(float))
    return dict(zip(cams["camera_id"], views, strict=True))


def test_hand_wedges_are_our_sectors_vertex_for_vertex(levergrid, tmp_path):
    cams = hand_cameras()
    path = tmp_path / "hand.gpkg"
    cams.to_file(path, layer="cameras")
    qgis = wedge_geometries(f"{path}|layername=cameras")
    mine = ours(cams)
    counts = []
    for row in cams.itertuples():
        q, m = qgis[row.camera_id], mine[row.camera_id]
        x, y = row.geometry.x, row.geometry.y
        n = shapely.get_num_coordinates(q) - 3  # QGIS's own count: apex, n + 1, closing
        counts.append(n)
        assert int(sector_segments([x], [y], [row.range_m], [row.heading_deg],
                                   [row.fov_deg])[0]) == n, row.camera_id
        assert shapely.get_num_coordinates(m) == n + 3, row.camera_id
        # same vertices up to rounding (QGIS walks the arc from a recomputed centre)
        assert shapely.hausdorff_distance(q, m) < 1e-6, row.camera_id
        assert m.area == pytest.approx(q.area, rel=1e-9), row.camera_id
    # the cases cover both outcomes of QGIS's rounding at multiples of 5.625°
    exact = [math.ceil(f / 5.625) for _, f in HAND]
    assert any(c == e + 1 for c, e in zip(counts, exact, strict=True))
    assert any(c == e for c, e, (_, f) in zip(counts, exact, HAND, strict=True)
               if f % 5.625 == 0)


def test_the_core_tests_sector_gets_17_steps_in_qgis(levergrid, tmp_path):
    """tests/core/test_coverage.py's camera (20 m, heading 45°, 90°, at X0, Y0): QGIS's
    wedge segmentized by 5.625° has 17 steps there, not 16; so does ours."""
    cams = gpd.GeoDataFrame({"camera_id": ["q"], "kind": ["public1"], "range_m": [20.0],
                             "heading_deg": [45.0], "fov_deg": [90.0]},
                            geometry=[shapely.Point(X0, Y0)], crs=METRIC)
    path = tmp_path / "q.gpkg"
    cams.to_file(path, layer="cameras")
    q = wedge_geometries(f"{path}|layername=cameras")["q"]
    assert shapely.get_num_coordinates(q) == 17 + 3
    assert shapely.get_num_coordinates(ours(cams)["q"]) == 17 + 3
    assert ours(cams)["q"].area == pytest.approx(q.area, rel=1e-9)


def test_qgis_default_segmentation_is_one_degree(levergrid, tmp_path):
    """Curved wedges sent to GEOS (dissolve, difference) are segmentized by 1°."""
    cams = hand_cameras()
    path = tmp_path / "hand.gpkg"
    cams.to_file(path, layer="cameras")
    curved = native_wedges(f"{path}|layername=cameras", step_deg=None)
    for f in curved.getFeatures():
        row = cams.set_index("camera_id").loc[f["camera_id"]]
        n = int(sector_segments([row.geometry.x], [row.geometry.y], [row.range_m],
                                [row.heading_deg], [row.fov_deg], step_deg=1.0)[0])
        assert f.geometry().constGet().segmentize().nCoordinates() == n + 3


def test_qgis_half_disc_may_face_backwards(levergrid, tmp_path):
    """A QGIS 3.22 defect we do not copy: a 180° wedge can face away from its azimuth."""
    cams = gpd.GeoDataFrame({"camera_id": ["b"], "kind": ["public1"], "range_m": [50.0],
                             "heading_deg": [45.0], "fov_deg": [180.0]},
                            geometry=[shapely.Point(X0, Y0)], crs=METRIC)
    path = tmp_path / "half.gpkg"
    cams.to_file(path, layer="cameras")
    q = wedge_geometries(f"{path}|layername=cameras")["b"]
    m = ours(cams)["b"]
    apex = shapely.Point(X0, Y0)
    qc, mc = q.centroid, m.centroid
    heading = np.radians(45.0)
    toward = lambda c: (c.x - X0) * np.sin(heading) + (c.y - Y0) * np.cos(heading)  # noqa: E731
    assert toward(mc) > 10 and toward(qc) < -10  # ours faces north-east, QGIS's south-west
    mirrored = shapely.affinity.rotate(q, 180, origin=apex)
    assert shapely.hausdorff_distance(mirrored, m) < 1e-6  # same polygon, turned around


def test_hand_cases_blind_area_equals_wedge_chain(levergrid, tmp_path):
    path = tmp_path / "hand.gpkg"
    hand_cells().to_file(path, layer="cells")
    hand_cameras().to_file(path, layer="cameras")
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {"CELLS": f"{path}|layername=cells",
                                  "CAMERAS": f"{path}|layername=cameras",
                                  "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out)})
    stats = pyogrio.read_dataframe(out, layer="cell_stats").set_index("cell_id")
    native = native_blind_sectors(f"{path}|layername=cells", f"{path}|layername=cameras")
    assert len(native) == len(HAND)
    for cell_id, area in native.items():
        assert stats.loc[int(cell_id), "blind_m2"] == pytest.approx(area, rel=1e-6), cell_id
        assert stats.loc[int(cell_id), "covered_m2"] > 0


def test_sample_sector_cameras_blind_equals_wedge_chain(levergrid, tmp_path):
    cameras, cams = sample_cameras(tmp_path / "sectors.gpkg", sectors_only=True)
    assert len(cams) >= 30
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {"CELLS": f"{SAMPLE}|layername=cells", "CAMERAS": cameras,
                                  "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out)})
    stats = pyogrio.read_dataframe(out, layer="cell_stats")
    ours_blind = {str(k): v for k, v in zip(stats.cell_id, stats.blind_m2, strict=True)}
    native = native_blind_sectors(f"{SAMPLE}|layername=cells", cameras)
    assert set(native) == set(ours_blind) and len(native) == 14
    for cell_id, area in native.items():
        assert ours_blind[cell_id] == pytest.approx(area, rel=1e-6), cell_id
    assert sum(ours_blind.values()) < stats.area_m2.sum()


def test_sample_all_cameras_blind_equals_buffer_and_wedge_chain(levergrid, tmp_path):
    cameras, cams = sample_cameras(tmp_path / "mixed.gpkg")
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {"CELLS": f"{SAMPLE}|layername=cells", "CAMERAS": cameras,
                                  "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out)})
    stats = pyogrio.read_dataframe(out, layer="cell_stats")
    ours_blind = {str(k): v for k, v in zip(stats.cell_id, stats.blind_m2, strict=True)}
    native = native_blind_mixed(f"{SAMPLE}|layername=cells", cameras)
    assert len(native) == 14
    for cell_id, area in native.items():
        assert ours_blind[cell_id] == pytest.approx(area, rel=1e-6), cell_id
    views = pyogrio.read_dataframe(out, layer="camera_views")
    assert len(views) == len(cams)
