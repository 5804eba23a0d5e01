"""levergrid:analyse inside real QGIS, checked against QGIS's own native chain."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from tests.conftest import METRIC, cameras_frame
from tests.qgis.conftest import run_alg
from tests.qgis.oracle import native_blind_by_cell

pytestmark = pytest.mark.qgis


@pytest.fixture
def village(tmp_path, two_cells):
    gpkg = tmp_path / "v.gpkg"
    two_cells.to_file(gpkg, layer="cells")
    cameras_frame([
        {"camera_id": "a", "kind": "public1", "range_m": 30, "x": 50, "y": 50},
        {"camera_id": "b", "kind": "social", "range_m": 25, "x": 70, "y": 60},
        {"camera_id": "c", "kind": "smart_eye", "range_m": 40, "x": 210, "y": 50},
        {"camera_id": "d", "kind": "public2", "range_m": 40, "status": "offline",
         "x": 150, "y": 50},
    ]).to_file(gpkg, layer="cameras")
    return gpkg


def test_provider_lists_analyse(levergrid):
    alg = levergrid.algorithmById("levergrid:analyse")
    assert alg is not None
    names = {p.name() for p in alg.parameterDefinitions()}
    assert {"CELLS", "CAMERAS", "BUILDINGS", "ROADS", "INCIDENTS", "PERIOD", "COMPARE",
            "KINDS", "WATCH", "MIN_BLIND_AREA", "OUTPUT", "WALLS", "WATCH_POINTS"} <= names
    assert all(p.help() for p in alg.parameterDefinitions())
    outputs = {o.name() for o in alg.outputDefinitions()}
    assert {"OUTPUT", "CELL_STATS", "BLIND_SPOTS", "OVERLAP", "CAMERA_VIEWS"} <= outputs


def test_analyse_matches_native_chain(levergrid, village, tmp_path):
    out = tmp_path / "out.gpkg"
    res = run_alg("levergrid:analyse", {
        "CELLS": f"{village}|layername=cells", "CAMERAS": f"{village}|layername=cameras",
        "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out),
    })
    assert res["OUTPUT"] == str(out)
    assert res["CELL_STATS"] == f"{out}|layername=cell_stats"
    stats = gpd.read_file(out, layer="cell_stats").set_index("cell_id")
    native = native_blind_by_cell(f"{village}|layername=cells", f"{village}|layername=cameras")
    # both 100 m cells are partly blind (circles of at most 40 m): QGIS must give both
    assert sorted(int(c) for c in native) == [1, 2]
    assert len(stats) == 2
    for cell_id, area in native.items():
        assert stats.loc[int(cell_id), "blind_m2"] == pytest.approx(area, rel=1e-6)
    assert stats.loc[2, "cameras"] == 1  # camera c stands outside every cell


def test_walls_and_watch_points(levergrid, village, tmp_path):
    x0, y0 = 470000.0, 2530000.0
    extra = tmp_path / "site.gpkg"
    gpd.GeoDataFrame({"height_m": [2.5]}, geometry=[shapely.LineString(
        [(x0 + 30, y0 + 10), (x0 + 30, y0 + 90)])], crs=METRIC).to_file(extra, layer="walls")
    gpd.GeoDataFrame({"name": ["west gate", "east gate"]},
                     geometry=[shapely.Point(x0 + 25, y0 + 50), shapely.Point(x0 + 40, y0 + 50)],
                     crs=METRIC).to_file(extra, layer="gates")
    out = tmp_path / "out.gpkg"
    res = run_alg("levergrid:analyse", {
        "CELLS": f"{village}|layername=cells", "CAMERAS": f"{village}|layername=cameras",
        "WALLS": f"{extra}|layername=walls", "WATCH_POINTS": f"{extra}|layername=gates",
        "OUTPUT": str(out),
    })
    assert res["WATCH_POINTS"] == f"{out}|layername=watch_points"
    gates = gpd.read_file(out, layer="watch_points").set_index("name")
    assert not gates.loc["west gate", "seen"]  # behind the wall from camera a at (50, 50)
    assert gates.loc["east gate", "camera_ids"] == "a"
    views = gpd.read_file(out, layer="camera_views").set_index("camera_id")
    # camera a (r = 30) loses the circular segment beyond the wall 20 m west of it:
    # r²·acos(d/r) − d·√(r² − d²) = 309.75 m² for the true circle (1 % slack: a 64-gon)
    full = 32 * 30**2 * np.sin(np.pi / 32)
    hidden = 30**2 * np.arccos(20 / 30) - 20 * np.sqrt(30**2 - 20**2)
    assert full - views.loc["a", "area_m2"] == pytest.approx(hidden, rel=1e-2)


def test_bad_camera_raises_processing_exception(levergrid, village, tmp_path):
    from qgis.core import QgsProcessingException

    bad = tmp_path / "bad.gpkg"
    cameras_frame([{"camera_id": "x", "kind": "tank", "x": 1, "y": 1}]).to_file(
        bad, layer="cameras")
    with pytest.raises(QgsProcessingException, match="unknown camera kind 'tank'"):
        run_alg("levergrid:analyse", {
            "CELLS": f"{village}|layername=cells", "CAMERAS": f"{bad}|layername=cameras",
            "OUTPUT": str(tmp_path / "o.gpkg"),
        })
    assert not (tmp_path / "o.gpkg").exists()


def test_memory_layers_work(levergrid, tmp_path):
    from qgis.core import QgsFeature, QgsGeometry, QgsPointXY, QgsVectorLayer

    cells = QgsVectorLayer(f"Polygon?crs={METRIC}&field=cell_id:integer", "cells", "memory")
    cams = QgsVectorLayer(f"Point?crs={METRIC}&field=camera_id:string&field=kind:string"
                          "&field=range_m:double", "cams", "memory")
    f = QgsFeature(cells.fields())
    f.setAttributes([7])
    f.setGeometry(QgsGeometry.fromWkt(shapely.box(0, 0, 50, 50).wkt))
    cells.dataProvider().addFeatures([f])
    g = QgsFeature(cams.fields())
    g.setAttributes(["k1", "一类", 10.0])
    g.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(25, 25)))
    cams.dataProvider().addFeatures([g])
    out = tmp_path / "m.gpkg"
    run_alg("levergrid:analyse", {"CELLS": cells, "CAMERAS": cams, "OUTPUT": str(out)})
    stats = pyogrio.read_dataframe(out, layer="cell_stats")
    assert list(stats.cell_id) == [7]
    assert stats.covered_m2[0] == pytest.approx(0.5 * 64 * 100 * 0.0980171403295606, rel=1e-9)


def test_shapefile_cells_keep_their_police_office(levergrid, tmp_path):
    """A Shapefile truncates police_office to police_off: QGIS hands us that name and the
    office figures still come out (the sample's 3 offices, 125 current incidents)."""
    import warnings

    from tests.conftest import SAMPLE

    shp = tmp_path / "cells.shp"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gpd.read_file(SAMPLE, layer="cells").to_file(shp, encoding="UTF-8")
    assert "police_off" in pyogrio.read_info(shp)["fields"]
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {
        "CELLS": str(shp), "CAMERAS": f"{SAMPLE}|layername=cameras",
        "INCIDENTS": f"{SAMPLE}|layername=incidents", "PERIOD": "2025-01-01/2025-05-31",
        "COMPARE": "2024-01-01/2024-05-31", "OUTPUT": str(out)})
    offices = pyogrio.read_dataframe(out, layer="office_stats")
    assert sorted(offices["police_office"]) == sorted(
        gpd.read_file(SAMPLE, layer="cells")["police_office"].unique())
    assert offices["incidents_current"].sum() == 125
