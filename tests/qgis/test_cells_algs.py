"""levergrid:buildcells and levergrid:validatecells inside real QGIS: same results as the
command line on the sample village."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import pytest
import shapely

from tests.conftest import ROOT, SAMPLE
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis


@pytest.fixture(scope="module")
def algs(levergrid):
    """The registry with buildcells and validatecells (added here until provider.py has them)."""
    from lever_grid.qgis_plugin.processing.buildcells import BuildCellsAlgorithm
    from lever_grid.qgis_plugin.processing.validatecells import ValidateCellsAlgorithm

    provider = levergrid.providerById("levergrid")
    for alg in (BuildCellsAlgorithm(), ValidateCellsAlgorithm()):
        if levergrid.algorithmById(f"levergrid:{alg.name()}") is None:
            provider.addAlgorithm(alg)
    return levergrid


def layer(name: str) -> str:
    return f"{SAMPLE}|layername={name}"


def test_parameters_and_help(algs):
    build = algs.algorithmById("levergrid:buildcells")
    names = {p.name() for p in build.parameterDefinitions()}
    assert {"ROADS", "BOUNDARY", "COUNT", "BALANCE", "INCIDENTS", "LOCKED", "SNAP",
            "MARGIN", "NO_NODE_FIELD", "OUTPUT"} <= names
    assert build.parameterDefinition("BALANCE").options() == ["road_length", "incidents",
                                                              "area"]
    validate = algs.algorithmById("levergrid:validatecells")
    assert {p.name() for p in validate.parameterDefinitions()} >= {
        "CELLS", "ROADS", "BOUNDARY", "REPAIR", "TOLERANCE", "OUTPUT"}
    for alg in (build, validate):
        assert all(p.help() for p in alg.parameterDefinitions())
        assert alg.shortHelpString()


@pytest.mark.parametrize("roads", ["roads", "roads_broken"])
def test_buildcells_matches_the_cli(algs, tmp_path, roads):
    out_qgis = tmp_path / "qgis.gpkg"
    res = run_alg("levergrid:buildcells", {"ROADS": layer(roads), "COUNT": 14,
                                           "OUTPUT": str(out_qgis)})
    assert res["OUTPUT"] == str(out_qgis)
    assert res["CELLS"] == f"{out_qgis}|layername=cells"
    assert res["FACES"] == 20  # 18 blocks + the lanes leaving the village (every road metre)
    assert 0.0 < res["ROAD_EDGE_SHARE"] <= 1.0
    assert res["BALANCE_RATIO"] <= 2.0
    out_cli = tmp_path / "cli.gpkg"
    cli = subprocess.run([sys.executable, "-m", "lever_grid", "cells", "--roads", layer(roads),
                          "--count", "14", "--out", str(out_cli)],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert cli.returncode == 0, cli.stderr
    a = gpd.read_file(out_qgis, layer="cells")
    b = gpd.read_file(out_cli, layer="cells")
    assert a.drop(columns="geometry").equals(b.drop(columns="geometry"))
    sym = shapely.area(shapely.symmetric_difference(a.geometry.to_numpy(),
                                                    b.geometry.to_numpy()))
    assert sym.max() < 1e-6
    assert a.cell_id.tolist() == list(range(1, 15))
    assert a.crs.to_epsg() == 4547


def test_buildcells_with_boundary_and_incidents(algs, tmp_path):
    out = tmp_path / "cells.gpkg"
    res = run_alg("levergrid:buildcells", {
        "ROADS": layer("roads"), "BOUNDARY": layer("boundary"), "COUNT": 14, "BALANCE": 1,
        "INCIDENTS": layer("incidents"), "OUTPUT": str(out)})
    cells = gpd.read_file(out, layer="cells")
    assert len(cells) == 14
    incidents = gpd.read_file(SAMPLE, layer="incidents")
    per_cell = gpd.sjoin(incidents, cells, predicate="within").groupby("cell_id").size()
    assert per_cell.sum() == len(incidents)
    assert res["BALANCE_RATIO"] == pytest.approx(per_cell.max() / per_cell.min(), rel=1e-4)


def test_buildcells_bad_count_is_a_processing_error(algs, tmp_path):
    from qgis.core import QgsProcessingException

    with pytest.raises(QgsProcessingException, match="N = 30 but the roads enclose only 20"):
        run_alg("levergrid:buildcells", {"ROADS": layer("roads"), "COUNT": 30,
                                         "OUTPUT": str(tmp_path / "x.gpkg")})
    assert not (tmp_path / "x.gpkg").exists()


def test_validatecells_sample_and_a_broken_copy(algs, tmp_path):
    out = tmp_path / "problems.gpkg"
    res = run_alg("levergrid:validatecells", {"CELLS": layer("cells"), "ROADS": layer("roads"),
                                              "BOUNDARY": layer("boundary"),
                                              "OUTPUT": str(out)})
    assert res["COUNT"] == 0
    assert res["PROBLEMS"] == f"{out}|layername=problems"
    broken = tmp_path / "broken.gpkg"
    cells = gpd.read_file(SAMPLE, layer="cells")
    cells.loc[13, "cell_id"] = 1
    cells.to_file(broken, layer="cells")
    res = run_alg("levergrid:validatecells", {"CELLS": f"{broken}|layername=cells",
                                              "OUTPUT": str(tmp_path / "p2.gpkg")})
    assert res["COUNT"] == 1
    problems = gpd.read_file(tmp_path / "p2.gpkg", layer="problems")
    assert problems.problem.tolist() == ["duplicate_id"]


def test_validatecells_repair_matches_the_cli(algs, tmp_path):
    from tests.core.test_repair_cells import damaged

    true, bad = damaged()
    src = tmp_path / "drawn.gpkg"
    bad.to_file(src, layer="cells")
    out = tmp_path / "fixed.gpkg"
    res = run_alg("levergrid:validatecells", {
        "CELLS": f"{src}|layername=cells", "ROADS": layer("roads"),
        "BOUNDARY": layer("boundary"), "REPAIR": True, "OUTPUT": str(out)})
    assert res["COUNT"] == 0
    assert res["CELLS"] == f"{out}|layername=cells"
    fixed = gpd.read_file(out, layer="cells")
    hd = shapely.hausdorff_distance(fixed.geometry.to_numpy(), true.geometry.to_numpy())
    assert hd.max() < 0.5
    changes = gpd.read_file(out, layer="problems")
    assert set(changes.problem) == {"snapped", "overlap_removed", "gap_closed"}


def test_buildcells_on_a_real_osm_suburb_with_a_level_field(algs, tmp_path):
    kotka = ROOT / "tests" / "data" / "real" / "kotka_karhula.gpkg"
    out = tmp_path / "kotka.gpkg"
    res = run_alg("levergrid:buildcells", {"ROADS": f"{kotka}|layername=roads", "COUNT": 6,
                                           "NO_NODE_FIELD": "layer", "MARGIN": 20.0,
                                           "OUTPUT": str(out)})
    cells = gpd.read_file(out, layer="cells")
    assert len(cells) == 6 and cells.is_valid.all()
    assert (cells.geom_type == "Polygon").all()
    assert res["BALANCE_RATIO"] <= 2.0
    assert 0.0 < res["ROAD_EDGE_SHARE"] < 1.0
