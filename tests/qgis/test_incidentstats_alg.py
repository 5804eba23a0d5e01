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


def test_other_column_names_through_parameters(levergrid, tmp_path):
    """Cells with 派出所/网格编号 read by the alias table, an office column named by
    OFFICE_COLUMN, incidents with death_date/type named by DATE_COLUMN/CATEGORY_COLUMN:
    the same counts as native:countpointsinpolygon on the sample."""
    import geopandas as gpd

    src = tmp_path / "renamed.gpkg"
    cells = gpd.read_file(SAMPLE, layer="cells").rename(
        columns={"cell_id": "网格编号", "police_office": "所属单位"})
    cells.to_file(src, layer="cells")
    inc = gpd.read_file(SAMPLE, layer="incidents").rename(
        columns={"occurred_at": "death_date", "category": "type"})
    inc.to_file(src, layer="incidents")
    out = tmp_path / "inc.gpkg"
    run_alg("levergrid:incidentstats", {
        "CELLS": f"{src}|layername=cells", "INCIDENTS": f"{src}|layername=incidents",
        "OFFICE_COLUMN": "所属单位", "DATE_COLUMN": "death_date", "CATEGORY_COLUMN": "type",
        "UTC_OFFSET": "+08:00", "PERIOD": "2025-01-01/2025-05-31",
        "COMPARE": "2024-01-01/2024-05-31", "OUTPUT": str(out)})
    got = pyogrio.read_dataframe(out, layer="cell_incidents").set_index("cell_id")
    current = native_counts("2025-01-01", "2025-05-31")
    assert got["incidents_current"].to_dict() == current
    assert {c for c in got.columns if c.startswith("cat_")} == {
        f"cat_{c}" for c in inc.loc[inc["death_date"] >= "2025", "type"].unique()}
    offices = pyogrio.read_dataframe(out, layer="office_stats")
    assert sorted(offices["police_office"]) == sorted(cells["所属单位"].unique())
    assert offices["incidents_current"].sum() == 125
