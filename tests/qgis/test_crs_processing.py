"""levergrid:analyse in real QGIS on layers in degrees and in US survey feet.

The figures must equal the command line's on the same village in its own Gauss-Krüger CRS
(EPSG:4547): areas within 0.2 %, counts and ids exactly; the output cells lie on the
input cells in the input's CRS.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lever_grid.core.inputs.incidents import normalize_incidents
from lever_grid.core.pipeline import analyse
from lever_grid.core.progress import Progress
from tests.conftest import SAMPLE
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis

LAYERS = ("cells", "cameras", "buildings", "roads", "incidents")


@pytest.fixture(scope="module")
def reference():
    layers = {n: gpd.read_file(SAMPLE, layer=n) for n in LAYERS}
    return analyse(layers["cells"], layers["cameras"], buildings=layers["buildings"],
                   roads=layers["roads"], incidents=normalize_incidents(layers["incidents"]),
                   progress=Progress(log=lambda _m: None))["cell_stats"].set_index("cell_id")


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:2229"])
def test_processing_gives_the_same_figures_in_any_crs(levergrid, reference, crs, tmp_path):
    moved = tmp_path / "village.gpkg"
    for name in LAYERS:
        gpd.read_file(SAMPLE, layer=name).to_crs(crs).to_file(moved, layer=name)
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {f"{n.upper()}": f"{moved}|layername={n}" for n in LAYERS}
            | {"OUTPUT": str(out)})
    stats = gpd.read_file(out, layer="cell_stats").set_index("cell_id")
    assert stats.crs == gpd.GeoSeries([], crs=crs).crs
    assert list(stats.index) == list(reference.index)
    for col in ("cameras", "incidents_current", "incidents_previous", "incidents_in_blind"):
        assert stats[col].tolist() == reference[col].tolist(), col
    for col in ("area_m2", "watch_m2", "covered_m2", "blind_m2", "road_length_m"):
        np.testing.assert_allclose(stats[col], reference[col], rtol=2e-3, err_msg=col)
    cells = gpd.read_file(moved, layer="cells").set_index("cell_id")
    for cell_id, geom in stats.geometry.items():
        want = cells.geometry[cell_id]
        inter = shapely.area(shapely.intersection(geom, want))
        assert inter / shapely.area(shapely.union(geom, want)) > 0.999
