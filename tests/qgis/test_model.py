"""The Graphical Modeler model in tests/data/models chains levergrid algorithms.

incidentstats counts incidents per cell; its cell_incidents layer is the CELLS input of
analyse. Run in-process here; tests/desktop/test_desktop_gui.py runs the same file
through qgis_process.bin with the packaged plugin.
"""

from __future__ import annotations

import pyogrio
import pytest

from tests.conftest import ROOT, SAMPLE
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis

MODEL = ROOT / "tests" / "data" / "models" / "incidents_then_coverage.model3"


def model_params(out_dir) -> dict:
    return {
        "cells": f"{SAMPLE}|layername=cells",
        "incidents": f"{SAMPLE}|layername=incidents",
        "cameras": f"{SAMPLE}|layername=cameras",
        "buildings": f"{SAMPLE}|layername=buildings",
        "period": "2025-01-01/2025-05-31",
        "compare": "2024-01-01/2024-05-31",
        "analyse:analysis": str(out_dir / "analysis.gpkg"),
        "incidentstats:incident_report": str(out_dir / "incidents.gpkg"),
    }


def test_model_is_valid_and_documented(levergrid):
    from qgis.core import QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    assert model.fromFile(str(MODEL))
    ok, errors = model.validate()
    assert ok, errors
    assert {c.algorithmId() for c in model.childAlgorithms().values()} == {
        "levergrid:incidentstats", "levergrid:analyse"}
    source = model.childAlgorithm("analyse").parameterSources()["CELLS"][0]
    assert (source.outputChildId(), source.outputName()) == ("incidentstats", "CELL_INCIDENTS")
    helps = model.helpContent()
    assert helps.get("ALG_DESC")
    for definition in model.parameterDefinitions():
        if not definition.isDestination():
            assert helps.get(definition.name()), definition.name()


def test_model_runs_and_matches_the_algorithms_alone(levergrid, tmp_path):
    from qgis.core import QgsProcessingModelAlgorithm

    model = QgsProcessingModelAlgorithm()
    model.fromFile(str(MODEL))
    params = model_params(tmp_path)
    results = run_alg(model, params)
    assert results["analyse:analysis"] == params["analyse:analysis"]
    stats = pyogrio.read_dataframe(params["analyse:analysis"], layer="cell_stats")
    counted = pyogrio.read_dataframe(params["incidentstats:incident_report"],
                                     layer="cell_incidents")
    assert len(stats) == len(counted) == 14
    assert list(stats["incidents_current"]) == list(counted["incidents_current"])
    alone = tmp_path / "alone.gpkg"
    run_alg("levergrid:analyse", {
        "CELLS": f"{SAMPLE}|layername=cells", "CAMERAS": f"{SAMPLE}|layername=cameras",
        "BUILDINGS": f"{SAMPLE}|layername=buildings",
        "INCIDENTS": f"{SAMPLE}|layername=incidents", "PERIOD": params["period"],
        "COMPARE": params["compare"], "OUTPUT": str(alone)})
    direct = pyogrio.read_dataframe(alone, layer="cell_stats")
    assert list(stats["blind_m2"]) == pytest.approx(list(direct["blind_m2"]), rel=1e-9)
    assert list(stats["change_pct"].fillna(0)) == list(direct["change_pct"].fillna(0))
