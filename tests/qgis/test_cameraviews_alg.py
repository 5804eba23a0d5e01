"""levergrid:cameraviews inside real QGIS: parameters, outputs, CRS, buildings, errors."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from lever_grid.core.coverage.occlusion import DIP_M
from lever_grid.core.inputs.cameras import KINDS
from tests.conftest import METRIC, SAMPLE, cameras_frame
from tests.qgis.conftest import run_alg
from tests.qgis.oracle import native_views, sample_cameras

pytestmark = pytest.mark.qgis


def circle_area(r: float) -> float:
    return 0.5 * 64 * r * r * math.sin(2 * math.pi / 64)


def test_provider_lists_cameraviews(levergrid):
    alg = levergrid.algorithmById("levergrid:cameraviews")
    assert alg is not None
    params = {p.name(): p for p in alg.parameterDefinitions()}
    assert set(params) == {"CAMERAS", "BUILDINGS", "WALLS", "KINDS", "OUTPUT"}
    assert all(p.help() for p in params.values())
    assert params["BUILDINGS"].flags() & params["BUILDINGS"].FlagOptional
    assert params["WALLS"].flags() & params["WALLS"].FlagOptional
    assert params["KINDS"].allowMultiple() and params["KINDS"].options() == list(KINDS)
    assert {o.name() for o in alg.outputDefinitions()} >= {"OUTPUT", "CAMERA_VIEWS"}
    assert alg.shortHelpString()


def test_sample_views_equal_qgis_buffer_and_wedges(levergrid, tmp_path):
    out = tmp_path / "views.gpkg"
    res = run_alg("levergrid:cameraviews", {"CAMERAS": f"{SAMPLE}|layername=cameras",
                                            "OUTPUT": str(out)})
    assert res["OUTPUT"] == str(out)
    assert res["CAMERA_VIEWS"] == f"{out}|layername=camera_views"
    views = gpd.read_file(out, layer="camera_views")
    assert list(views.columns) == ["camera_id", "kind", "area_m2", "geometry"]
    assert views.crs.to_epsg() == 4547
    cams = gpd.read_file(SAMPLE, layer="cameras")
    online = cams[cams["status"].fillna("online") != "offline"]
    assert sorted(views.camera_id) == sorted(online.camera_id)  # offline ones see nothing
    assert set(views.kind) <= set(KINDS)
    assert views.area_m2.to_numpy() == pytest.approx(views.area.to_numpy(), rel=1e-9)
    # QGIS's own drawing of the same cameras (ranges and fov filled as documented)
    source, _ = sample_cameras(tmp_path / "filled.gpkg")
    native = {f["camera_id"]: shapely.from_wkb(bytes(f.geometry().asWkb()))
              for f in native_views(source).getFeatures()}
    assert len(views) == len(native) == len(online) > 0
    for row in views.itertuples():
        assert shapely.hausdorff_distance(row.geometry, native[row.camera_id]) < 1e-6
        assert row.area_m2 == pytest.approx(native[row.camera_id].area, rel=1e-9)


def test_kinds_buildings_and_defaults(levergrid, tmp_path):
    out = tmp_path / "views.gpkg"
    run_alg("levergrid:cameraviews", {
        "CAMERAS": f"{SAMPLE}|layername=cameras", "BUILDINGS": f"{SAMPLE}|layername=buildings",
        "KINDS": [KINDS.index("public1"), KINDS.index("public2")], "OUTPUT": str(out)})
    cut = gpd.read_file(out, layer="camera_views").set_index("camera_id")
    assert set(cut.kind) == {"public1", "public2"}
    whole = tmp_path / "whole.gpkg"
    run_alg("levergrid:cameraviews", {"CAMERAS": f"{SAMPLE}|layername=cameras",
                                      "OUTPUT": str(whole)})
    plain = gpd.read_file(whole, layer="camera_views").set_index("camera_id")
    assert (cut.area_m2 <= plain.loc[cut.index, "area_m2"] + 1e-6).all()
    assert (cut.area_m2 < plain.loc[cut.index, "area_m2"] - 1).any()  # buildings hide some
    buildings = gpd.read_file(SAMPLE, layer="buildings")
    with np.errstate(invalid="ignore"):
        # (a view ends up to DIP_M inside a wall that blocks it: the cores of the
        # footprints, 1 % more than DIP_M in from their walls)
        cores = shapely.buffer(buildings.geometry.to_numpy(), -1.01 * DIP_M)
        inside = shapely.area(shapely.intersection(cut.geometry.to_numpy()[:, None],
                                                   cores[None, :]))
    on_wall = shapely.dwithin(gpd.read_file(SAMPLE, layer="cameras").set_index(
        "camera_id").loc[cut.index].geometry.to_numpy()[:, None],
        buildings.geometry.to_numpy()[None, :], 0.01)
    assert inside[~on_wall].max() < 1e-6  # no view enters another camera's building
    # C019 (public2, no range_m) gets the public2 default of 60 m
    assert plain.loc["C019", "area_m2"] == pytest.approx(circle_area(60.0), rel=1e-9)


def test_geographic_cameras_come_back_in_their_crs(levergrid, tmp_path):
    cams = cameras_frame([
        {"camera_id": "a", "kind": "public1", "range_m": 30, "x": 50, "y": 50},
        {"camera_id": "b", "kind": "social", "range_m": 20, "heading_deg": 90, "fov_deg": 60,
         "x": 150, "y": 50},
    ])
    path = tmp_path / "wgs.gpkg"
    cams.to_crs(4490).to_file(path, layer="cameras")  # CGCS2000 lon/lat
    out = tmp_path / "views.gpkg"
    run_alg("levergrid:cameraviews", {"CAMERAS": f"{path}|layername=cameras",
                                      "OUTPUT": str(out)})
    views = gpd.read_file(out, layer="camera_views").set_index("camera_id")
    assert views.crs.to_epsg() == 4490
    # measured in CGCS2000 Gauss-Kruger CM 114E, the CRS the cameras were made in
    assert views.loc["a", "area_m2"] == pytest.approx(circle_area(30.0), rel=1e-6)
    assert views.to_crs(METRIC).loc["a"].geometry.area == pytest.approx(circle_area(30.0),
                                                                        rel=1e-6)
    assert views.loc["b"].geometry.bounds[0] > views.loc["a"].geometry.bounds[2]


def test_memory_layer_and_empty_result(levergrid, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    layer = QgsVectorLayer(f"Point?crs={METRIC}&field=camera_id:string&field=kind:string"
                           "&field=status:string", "cams", "memory")
    f = QgsFeature(layer.fields())
    f.setAttributes(["x1", "企业", "离线"])
    f.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(470000, 2530000)))
    layer.dataProvider().addFeatures([f])
    out = tmp_path / "views.gpkg"
    run_alg("levergrid:cameraviews", {"CAMERAS": layer, "OUTPUT": str(out)})
    views = pyogrio.read_dataframe(out, layer="camera_views")
    assert len(views) == 0 and list(views.columns) == ["camera_id", "kind", "area_m2",
                                                       "geometry"]


def test_bad_camera_raises_processing_exception(levergrid, tmp_path):
    from qgis.core import QgsProcessingException

    bad = tmp_path / "bad.gpkg"
    cameras_frame([{"camera_id": "x", "kind": "public1", "range_m": 30, "fov_deg": 400,
                    "heading_deg": 10, "x": 1, "y": 1}]).to_file(bad, layer="cameras")
    with pytest.raises(QgsProcessingException, match="fov_deg must be > 0 and <= 360"):
        run_alg("levergrid:cameraviews", {"CAMERAS": f"{bad}|layername=cameras",
                                          "OUTPUT": str(tmp_path / "o.gpkg")})
    assert not (tmp_path / "o.gpkg").exists()


def test_walls_shrink_views_as_the_core_does(levergrid, tmp_path):
    from lever_grid.core.pipeline import camera_views

    x0, y0 = 470000.0, 2530000.0
    cams = cameras_frame([
        {"camera_id": "a", "kind": "public1", "range_m": 30, "x": 50, "y": 50},
        {"camera_id": "b", "kind": "public1", "range_m": 30, "height_m": 6.0, "x": 150,
         "y": 50},
    ])
    walls = gpd.GeoDataFrame({"height_m": [None, 2.5]}, geometry=[
        shapely.LineString([(x0 + 30, y0 + 10), (x0 + 30, y0 + 90)]),  # 20 m west of a
        shapely.LineString([(x0 + 130, y0 + 10), (x0 + 130, y0 + 90)])],  # low, under b
        crs=METRIC)
    site = tmp_path / "site.gpkg"
    cams.to_file(site, layer="cameras")
    walls.to_file(site, layer="walls")
    out = tmp_path / "views.gpkg"
    run_alg("levergrid:cameraviews", {"CAMERAS": f"{site}|layername=cameras",
                                      "WALLS": f"{site}|layername=walls", "OUTPUT": str(out)})
    views = gpd.read_file(out, layer="camera_views").set_index("camera_id")
    core = camera_views(gpd.read_file(site, layer="cameras"),
                        walls=gpd.read_file(site, layer="walls")).set_index("camera_id")
    assert views.index.tolist() == core.index.tolist() == ["a", "b"]
    for cid in ("a", "b"):
        assert views.loc[cid, "area_m2"] == pytest.approx(core.loc[cid, "area_m2"], rel=1e-12)
        assert shapely.hausdorff_distance(views.loc[cid].geometry,
                                          core.loc[cid].geometry) < 1e-6
    # a (r = 30) loses the circular segment beyond the wall 20 m west of it:
    # r²·acos(d/r) − d·√(r² − d²) = 309.75 m² for the true circle (1 % slack: a 64-gon);
    # b's camera (6 m) stands above its 2.5 m wall, which hides nothing
    hidden = 30**2 * np.arccos(20 / 30) - 20 * np.sqrt(30**2 - 20**2)
    assert circle_area(30.0) - views.loc["a", "area_m2"] == pytest.approx(hidden, rel=1e-2)
    assert views.loc["b", "area_m2"] == pytest.approx(circle_area(30.0), rel=1e-9)
    assert views.loc["a"].geometry.bounds[0] == pytest.approx(x0 + 30, abs=1e-6)
