"""Metamorphic: the same answers whatever CRS (or local plan units) the layers come in.

Every input layer of the sample village and of the synthetic town is reprojected into
degrees (WGS84, CGCS2000), another Gauss-Krüger zone, UTM, Web Mercator, US survey feet,
and a local site plan (offset, in metres and in millimetres). The analysis and the cells
built from roads must not notice: per-cell figures within 0.2 % (counts and ids exactly),
and every output layer, brought back, lies on the reference (intersection over union >
0.999). The reference is the same data in its own EPSG:4547, whose areal distortion over
the village is about 2e-5.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from bench.bench_coverage import make_data
from lever_grid.core.crs import MetricFrame
from lever_grid.core.grid.partition import build_cells
from lever_grid.core.inputs.incidents import normalize_incidents
from lever_grid.core.pipeline import analyse
from lever_grid.core.progress import Progress
from tests.conftest import METRIC, SAMPLE

#: Where the layers are moved: EPSG codes, or a local plan in metres / millimetres.
TARGETS = ["EPSG:4326", "EPSG:4490", "EPSG:4497", "EPSG:32649", "EPSG:3857", "EPSG:2229",
           "local-m", "local-mm"]
#: Origin of the local plans (metres in EPSG:4547).
ORIGIN = (469_000.0, 2_529_000.0)
AREA_RTOL = 2e-3
COUNTS = ["cameras", "incidents_current", "incidents_previous", "incidents_in_blind"]
AREAS = ["area_m2", "watch_m2", "covered_m2", "blind_m2", "road_length_m"]


def _quiet() -> Progress:
    return Progress(log=lambda _m: None)


def moved(gdf: gpd.GeoDataFrame | None, target: str) -> gpd.GeoDataFrame | None:
    """``gdf`` (EPSG:4547) in ``target``; a local plan loses its CRS and is offset/scaled."""
    if gdf is None:
        return None
    if not target.startswith("local"):
        out = gdf.to_crs(target)
        out.attrs.update(gdf.attrs)
        return out
    scale = 1000.0 if target == "local-mm" else 1.0
    geoms = shapely.transform(gdf.geometry.to_numpy(),
                              lambda xy: (xy - np.array(ORIGIN)) * scale)
    out = gpd.GeoDataFrame(gdf.drop(columns=gdf.geometry.name), geometry=geoms, crs=None)
    out.attrs.update(gdf.attrs, local=True, unit_factor=1.0 / scale)
    return out


def back(gdf: gpd.GeoDataFrame, target: str) -> gpd.GeoSeries:
    """Output geometry of a run in ``target`` back in EPSG:4547 (for overlay checks)."""
    if not target.startswith("local"):
        assert gdf.crs is not None and gdf.crs == gpd.GeoSeries([], crs=target).crs
        return gdf.geometry.to_crs(METRIC)
    assert gdf.crs is None
    scale = 1000.0 if target == "local-mm" else 1.0
    return gpd.GeoSeries(shapely.transform(gdf.geometry.to_numpy(),
                                           lambda xy: xy / scale + np.array(ORIGIN)), crs=METRIC)


def _polygons(geoms: gpd.GeoSeries) -> np.ndarray:
    """Polygon parts (our reprojection back to EPSG:4547 may make a touching hole cross)."""
    parts = shapely.get_parts(shapely.get_parts(shapely.make_valid(geoms.to_numpy())))
    return parts[shapely.get_type_id(parts) == 3]


def iou(a: gpd.GeoSeries, b: gpd.GeoSeries) -> float:
    grid = 1e-3  # 1 mm: reprojected polygons need a precision model to be overlaid
    ua = shapely.union_all(_polygons(a), grid_size=grid)
    ub = shapely.union_all(_polygons(b), grid_size=grid)
    union = shapely.area(shapely.union(ua, ub, grid_size=grid))
    inter = shapely.area(shapely.intersection(ua, ub, grid_size=grid))
    return 1.0 if union == 0 else float(inter / union)


def _sample() -> dict[str, gpd.GeoDataFrame]:
    layers = {name: gpd.read_file(SAMPLE, layer=name)
              for name in ("cells", "cameras", "buildings", "roads")}
    layers["incidents"] = normalize_incidents(gpd.read_file(SAMPLE, layer="incidents"))
    return layers


def _town() -> dict[str, gpd.GeoDataFrame]:
    data = make_data("town")
    data["incidents"] = normalize_incidents(data["incidents"])
    return {"cells": data["cells"], "cameras": data["cameras"],
            "incidents": data["incidents"], "buildings": None, "roads": None}


def run(layers: dict, target: str) -> dict:
    m = {name: moved(gdf, target) for name, gdf in layers.items()}
    return analyse(m["cells"], m["cameras"], buildings=m["buildings"], roads=m["roads"],
                   incidents=m["incidents"], progress=_quiet())


@pytest.fixture(scope="module", params=["sample", "town"])
def case(request):
    layers = _sample() if request.param == "sample" else _town()
    return request.param, layers, run(layers, METRIC)


@pytest.mark.parametrize("target", TARGETS)
def test_analysis_does_not_depend_on_the_crs(case, target):
    name, layers, ref = case
    out = run(layers, target)
    a = ref["cell_stats"].set_index("cell_id")
    b = out["cell_stats"].set_index("cell_id")
    assert list(b.index) == list(a.index)
    for col in COUNTS:
        assert b[col].tolist() == a[col].tolist(), (name, target, col)
    for col in AREAS:
        np.testing.assert_allclose(b[col].to_numpy(), a[col].to_numpy(), rtol=AREA_RTOL,
                                   atol=1e-6, err_msg=f"{name} {target} {col}")
    assert b["blind_m2"].sum() == pytest.approx(a["blind_m2"].sum(), rel=AREA_RTOL)
    assert b["change_pct"].fillna(-1e9).tolist() == a["change_pct"].fillna(-1e9).tolist()
    # every output layer lies on the reference once brought back
    overlaid = ("cells", "cell_stats", "blind_spots", "camera_views", "overlap")
    for layer in overlaid if name == "sample" else overlaid[:3]:
        assert shapely.is_valid(out[layer].geometry.to_numpy()).all(), (name, target, layer)
        assert iou(back(out[layer], target), ref[layer].geometry) > 0.999, (name, target, layer)
    # the town's 3,000 views and their arrangement: areas per camera and per (cell, n); a
    # piece of the arrangement may gain or lose under 1 m² (the blind-spot floor) when the
    # overlay runs on coordinates of another magnitude (seen: 0.92 m² of a 205 m² piece)
    for layer, keys, atol in (("camera_views", ["camera_id"], 1e-3),
                              ("overlap", ["cell_id", "n_cameras"], 1.0)):
        got = out[layer].groupby(keys)["area_m2"].sum()
        want = ref[layer].groupby(keys)["area_m2"].sum()
        assert list(got.index) == list(want.index), (name, target, layer)
        np.testing.assert_allclose(got.to_numpy(), want.to_numpy(), rtol=AREA_RTOL, atol=atol)
    assert iou(back(out["cell_stats"], target), layers["cells"].geometry) > 0.999
    pd.testing.assert_frame_equal(out["office_stats"].reset_index(drop=True),
                                  ref["office_stats"].reset_index(drop=True))


@pytest.fixture(scope="module")
def sample_roads() -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer="roads")


@pytest.fixture(scope="module")
def reference_cells(sample_roads):
    return build_cells(sample_roads, 14, progress=_quiet())[0]


@pytest.mark.parametrize("target", TARGETS)
def test_cells_from_roads_do_not_depend_on_the_crs(sample_roads, reference_cells, target):
    cells, _ = build_cells(moved(sample_roads, target), 14, progress=_quiet())
    assert cells["cell_id"].tolist() == reference_cells["cell_id"].tolist()
    np.testing.assert_allclose(cells["area_m2"], reference_cells["area_m2"], rtol=AREA_RTOL)
    np.testing.assert_allclose(cells["road_length_m"], reference_cells["road_length_m"],
                               rtol=AREA_RTOL)
    geoms = back(cells, target)
    for got, want in zip(geoms.to_numpy(), reference_cells.geometry.to_numpy(), strict=True):
        inter = shapely.area(shapely.intersection(got, want))
        assert inter / shapely.area(shapely.union(got, want)) > 0.999


@pytest.mark.parametrize("crs, kept", [
    ("EPSG:4547", True),    # CGCS2000 GK CM 114E over the village: distortion ~2e-5
    ("EPSG:32649", False),  # UTM 49N, 2.7° from its meridian: areas 0.11 % too large
    ("EPSG:3857", False),   # Web Mercator at 23° N: areas 18 % too large
    ("EPSG:2229", False),   # US survey feet
    ("EPSG:4326", False),   # degrees
])
def test_the_computing_crs_is_true_metres(crs, kept):
    cells = gpd.read_file(SAMPLE, layer="cells").to_crs(crs)
    frame = MetricFrame.of(cells)
    assert (frame.crs == frame.source) is kept
    assert frame.crs.to_epsg() == 4547  # the village's own Gauss-Krüger zone
    assert bool(frame.note) is not kept
    # analytic check of the threshold: the areal scale of a transverse Mercator at
    # distance d from its meridian is (k0 (1 + d²/2R²))², documented limit 0.1 %
    if crs == "EPSG:32649":
        lon = cells.to_crs(4326).geometry.get_coordinates()["x"].mean()
        d = np.radians(lon - 111.0) * np.cos(np.radians(22.9)) * 6_371_000.0
        areal = (0.9996 * (1 + d**2 / (2 * 6_371_000.0**2))) ** 2
        assert abs(areal - 1) > 1e-3
