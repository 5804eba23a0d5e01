"""levergrid:incidentstats against QGIS's native:countpointsinpolygon on the sample."""

from __future__ import annotations

import pyogrio
import pytest

from tests.conftest import SAMPLE
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis


def native_counts(start: str, end: str) -> dict:
    """Incidents per cell in [start, end] by QGIS's own algorithms."""
    picked = run_alg("native:extractbyexpression", {
        "INPUT": f"{SAMPLE}|layername=incidents", "OUTPUT": "memory:",
        "EXPRESSION": f"to_date(\"occurred_at\") >= to_date('{start}') "
                      f"AND to_date(\"occurred_at\") <= to_date('{end}')",
    })["OUTPUT"]
    counted = run_alg("native:countpointsinpolygon", {
        "POLYGONS": f"{SAMPLE}|layername=cells", "POINTS": picked, "FIELD": "NUMPOINTS",
        "OUTPUT": "memory:",
    })["OUTPUT"]
    return {f["cell_id"]: f["NUMPOINTS"] for f in counted.getFeatures()}


def test_counts_equal_countpointsinpolygon(levergrid, tmp_path):
    out = tmp_path / "inc.gpkg"
    res = run_alg("levergrid:incidentstats", {
        "CELLS": f"{SAMPLE}|layername=cells", "INCIDENTS": f"{SAMPLE}|layername=incidents",
        "PERIOD": "2025-01-01/2025-05-31", "COMPARE": "2024-01-01/2024-05-31",
        "OUTPUT": str(out),
    })
    assert res["CELL_INCIDENTS"] == f"{out}|layername=cell_incidents"
    cells = pyogrio.read_dataframe(out, layer="cell_incidents").set_index("cell_id")
    current = native_counts("2025-01-01", "2025-05-31")
    previous = native_counts("2024-01-01", "2024-05-31")
    assert len(current) == 14
    for cell_id in current:
        assert cells.loc[cell_id, "incidents_current"] == current[cell_id]
        assert cells.loc[cell_id, "incidents_previous"] == previous[cell_id]
    assert sum(current.values()) == 125 and sum(previous.values()) == 307
    offices = pyogrio.read_dataframe(out, layer="office_stats")
    assert offices.incidents_current.sum() == 125
    assert offices.incidents_previous.sum() == 307


def test_default_periods_reproduce_the_seed_figures(levergrid, tmp_path):
    out = tmp_path / "inc.gpkg"
    run_alg("levergrid:incidentstats", {
        "CELLS": f"{SAMPLE}|layername=cells", "INCIDENTS": f"{SAMPLE}|layername=incidents",
        "OUTPUT": str(out),
    })
    cells = pyogrio.read_dataframe(out, layer="cell_incidents")
    assert cells.incidents_previous.sum() == 307 and cells.incidents_current.sum() == 125
    assert set(cells.period) == {"2025-01-01/2025-05-31"}
    assert set(cells["compare"]) == {"2024-01-01/2024-05-31"}
