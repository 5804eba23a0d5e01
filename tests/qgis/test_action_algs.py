"""levergrid:sitecameras, levergrid:hotspots and levergrid:patrol inside real QGIS: the
same figures as the core (independently checked in tests/core), outputs and errors."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import shapely

from tests.conftest import SAMPLE
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis


def layer(name: str) -> str:
    return f"{SAMPLE}|layername={name}"


@pytest.mark.parametrize("alg_id,keys", [
    ("levergrid:sitecameras", {"CELLS", "CAMERAS", "CANDIDATES", "ROADS", "SPACING", "COUNT",
                               "KIND", "RANGE", "FOV", "WEIGHT", "BUILDINGS", "INCIDENTS",
                               "PERIOD", "IN_CELLS", "BACKUP", "OUTPUT"}),
    ("levergrid:hotspots", {"CELLS", "INCIDENTS", "SIZE", "PERIOD", "PERMUTATIONS", "SEED",
                            "NEAR_DISTANCE", "NEAR_DAYS", "BANDS", "ON", "ROADS", "SNAP",
                            "OUTPUT"}),
    ("levergrid:patrol", {"CELLS", "ROADS", "CELL", "START", "ALL_ROADS", "MAX_LENGTH",
                          "BLIND_SPOTS", "HOTSPOTS", "SPEED", "OUTPUT", "GPX"}),
])
def test_provider_lists_the_action_algorithms(levergrid, alg_id, keys):
    alg = levergrid.algorithmById(alg_id)
    assert alg is not None and alg.shortHelpString()
    params = {p.name(): p for p in alg.parameterDefinitions()}
    assert set(params) == keys
    assert all(p.help() for p in params.values())


def test_sitecameras_matches_the_core(levergrid, tmp_path):
    from lever_grid.core.action.siting import site_cameras

    out = tmp_path / "sites.gpkg"
    res = run_alg("levergrid:sitecameras", {
        "CELLS": layer("cells"), "CAMERAS": layer("cameras"), "ROADS": layer("roads"),
        "BUILDINGS": layer("buildings"), "COUNT": 3, "IN_CELLS": "3,5", "OUTPUT": str(out)})
    assert res["SITES"] == f"{out}|layername=sites"
    sites = gpd.read_file(out, layer="sites")
    assert sites.crs.to_epsg() == 4547 and sites["rank"].tolist() == [1, 2, 3]
    core = site_cameras(*(gpd.read_file(SAMPLE, layer=n) for n in ("cells", "cameras")), 3,
                        roads=gpd.read_file(SAMPLE, layer="roads"),
                        buildings=gpd.read_file(SAMPLE, layer="buildings"),
                        cell_ids=["3", "5"])["sites"]
    assert sites["candidate_id"].astype(str).tolist() == core["candidate_id"].tolist()
    assert np.allclose(sites["cumulative_gain_m2"], core["cumulative_gain_m2"], rtol=1e-9)
    assert {n for n, _ in pyogrio.list_layers(out)} == {"sites", "site_gain"}


def test_hotspots_counts_and_classes(levergrid, tmp_path):
    out = tmp_path / "hot.gpkg"
    run_alg("levergrid:hotspots", {"CELLS": layer("cells"), "INCIDENTS": layer("incidents"),
                                   "SEED": 1, "PERMUTATIONS": 199, "OUTPUT": str(out)})
    grid = gpd.read_file(out, layer="hotspots")
    assert grid["count"].sum() == 125  # the sample's January-May 2025 incidents
    assert (shapely.get_coordinates(grid.geometry.to_numpy()) % 100 == 0).all()
    assert set(grid["class"]) <= {"hot_99", "hot_95", "hot_90", "none", "cold_90",
                                  "cold_95", "cold_99"}
    near = pyogrio.read_dataframe(out, layer="near_repeat")
    assert len(near) == 16
    roads_out = tmp_path / "hot_roads.gpkg"
    res = run_alg("levergrid:hotspots", {"CELLS": layer("cells"), "INCIDENTS": layer("incidents"),
                                         "ON": 1, "ROADS": layer("roads"), "SEED": 1,
                                         "PERMUTATIONS": 99, "OUTPUT": str(roads_out)})
    assert res["ROAD_HOTSPOTS"] == f"{roads_out}|layername=road_hotspots"
    segs = gpd.read_file(roads_out, layer="road_hotspots")
    assert segs.geom_type.eq("LineString").all() and segs["count"].sum() == 125


def test_patrol_all_roads_and_gpx(levergrid, tmp_path):
    out = tmp_path / "patrol.gpkg"
    res = run_alg("levergrid:patrol", {"CELLS": layer("cells"), "ROADS": layer("roads"),
                                       "CELL": "3", "ALL_ROADS": True, "OUTPUT": str(out)})
    route = gpd.read_file(out, layer="patrol")
    coords = shapely.get_coordinates(route.geometry.to_numpy())
    assert np.allclose(coords[0], coords[-1])
    summary = pyogrio.read_dataframe(out, layer="patrol_summary")
    assert summary["length_m"].iloc[0] == pytest.approx(route["length_m"].sum())
    assert res["GPX_FILE"] == str(tmp_path / "patrol.gpx")
    assert "<trkpt" in (tmp_path / "patrol.gpx").read_text(encoding="utf-8")


def test_patrol_unknown_cell_is_one_line_error(levergrid, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="cell_id '99'"):
        run_alg("levergrid:patrol", {"CELLS": layer("cells"), "ROADS": layer("roads"),
                                     "CELL": "99", "ALL_ROADS": True,
                                     "OUTPUT": str(tmp_path / "x.gpkg")})
    assert not (tmp_path / "x.gpkg").exists()
