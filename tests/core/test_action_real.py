"""The action commands on real third-party data (tests/data/real): John Snow's 1854
cholera deaths, an OSM street grid of Manhattan, Prague's streets and buildings."""

from __future__ import annotations

import warnings

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
import shapely
from scipy.optimize import Bounds, LinearConstraint, milp

from lever_grid.core.action.hotspots import hotspot_layers, queen_neighbours
from lever_grid.core.action.patrol import patrol_route
from lever_grid.core.action.siting import site_cameras
from lever_grid.core.pipeline import analyse
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # libpysal warns that remote example data is offline
    import esda
    import libpysal


def one_cell(layer: gpd.GeoDataFrame, pad: float = 1.0) -> gpd.GeoDataFrame:
    x0, y0, x1, y1 = layer.total_bounds
    return gpd.GeoDataFrame({"cell_id": [1]}, geometry=[shapely.box(x0 - pad, y0 - pad,
                                                                    x1 + pad, y1 + pad)],
                            crs=layer.crs)


def test_snow_cholera_deaths_are_hot_at_the_broad_street_pump():
    path = REAL / "london_soho_1854.gpkg"
    deaths = gpd.read_file(path, layer="deaths")
    pumps = gpd.read_file(path, layer="pumps")
    streets = gpd.read_file(path, layer="streets")
    # one incident per death (the layer counts deaths per address)
    rows = deaths.loc[deaths.index.repeat(deaths["Count"])].reset_index(drop=True)
    incidents = gpd.GeoDataFrame({"incident_id": [str(k) for k in range(len(rows))],
                                  "occurred_at": pd.Timestamp("1854-09-01")},
                                 geometry=rows.geometry.to_numpy(), crs=deaths.crs)
    out = hotspot_layers(one_cell(streets), incidents, size=100.0, permutations=9999,
                         seed=1)
    grid = out["hotspots"]
    assert grid.crs == deaths.crs and grid["count"].sum() == 392  # Count sums to 392
    # the Broad Street pump (51.513341 N, 0.136668 W, where the handle was removed)
    utm = "EPSG:32630"
    broad = gpd.GeoSeries([shapely.Point(-0.136668, 51.513341)], crs=4326).to_crs(utm)[0]
    pump_utm = pumps.to_crs(utm).geometry
    nearest = pump_utm.distance(broad).idxmin()
    assert pump_utm.distance(broad).min() < 30
    top = grid.loc[grid["gi_z"].idxmax()]
    square = gpd.GeoSeries([top.geometry], crs=grid.crs).to_crs(utm)[0]
    assert square.distance(pump_utm[nearest]) < 100
    assert top["class"] == "hot_99"
    hot = grid[grid["class"].str.startswith("hot")].to_crs(utm)
    assert shapely.distance(hot.geometry.to_numpy(), pump_utm[nearest]).max() < 350
    # the z-scores of the real grid are esda's
    idx = grid[["ix", "iy"]].to_numpy()
    i, j = queen_neighbours(idx)
    w = libpysal.weights.WSP(sp.csr_matrix((np.ones(len(i)), (i, j)),
                                           shape=(len(idx),) * 2)).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ref = esda.G_Local(grid["count"].to_numpy(float), w, transform="B", star=True,
                           permutations=0)
    assert np.abs(grid["gi_z"].to_numpy() - ref.Zs).max() <= 1e-9


def milp_postman(lines: np.ndarray) -> float:
    """Shortest closed walk over every line of a connected network, solved exactly as a
    minimum T-join integer programme (scipy's HiGHS): duplicate edges x_e in {0, 1} so
    that every node gets even degree: sum of x_e at v - 2 y_v = deg(v) mod 2."""
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(lines, 0)),
                           shapely.get_coordinates(shapely.get_point(lines, -1))])
    _, node = np.unique(np.round(ends / 1e-3).astype(np.int64), axis=0, return_inverse=True)
    node = node.reshape(-1)
    m = len(lines)
    u, v = node[:m], node[m:]
    n = int(node.max()) + 1
    g = nx.MultiGraph()
    g.add_edges_from(zip(u.tolist(), v.tolist(), strict=True))
    assert nx.is_connected(g)
    deg = np.bincount(np.r_[u, v], minlength=n)
    length = shapely.length(lines)
    inc = sp.lil_matrix((n, m + n))
    for e in range(m):
        inc[u[e], e] += 1
        inc[v[e], e] += 1
    for k in range(n):
        inc[k, m + k] = -2
    res = milp(np.r_[length, np.zeros(n)], integrality=np.ones(m + n),
               bounds=Bounds(np.zeros(m + n), np.r_[np.ones(m), np.full(n, np.inf)]),
               constraints=LinearConstraint(inc.tocsr(), deg % 2, deg % 2))
    assert res.success
    return float(length.sum() + res.fun)


def test_manhattan_all_roads_loop_is_the_exact_optimum():
    streets = gpd.read_file(REAL / "nyc_upper_west_side.gpkg", layer="streets")
    out = patrol_route(one_cell(streets, pad=10.0), streets, 1, all_roads=True)
    route = out["patrol"]
    noded = shapely.get_parts(shapely.node(shapely.union_all(streets.geometry.to_numpy())))
    optimum = milp_postman(noded[shapely.length(noded) > 0])
    length = out["patrol_summary"]["length_m"].iloc[0]
    assert length == pytest.approx(optimum, rel=1e-9) and length <= 1.1 * optimum
    assert length > streets.length.sum() > 8000  # dead ends are walked twice
    walked = shapely.union_all(route.geometry.to_numpy())
    assert shapely.length(shapely.difference(shapely.union_all(streets.geometry.to_numpy()),
                                             shapely.buffer(walked, 0.01))) < 1e-6
    xy = shapely.get_coordinates(route.geometry.to_numpy())
    assert np.allclose(xy[0], xy[-1])


def test_prague_sites_reproduce_the_gain_through_web_mercator():
    path = REAL / "prague_bubenec.gpkg"
    streets = gpd.read_file(path, layer="streets")
    buildings = gpd.read_file(path, layer="buildings")
    cells = one_cell(streets)
    rng = np.random.default_rng(4)
    on_streets = shapely.line_interpolate_point(
        streets.geometry.to_numpy()[rng.integers(len(streets), size=8)], rng.random(8),
        normalized=True)
    cams = gpd.GeoDataFrame({"camera_id": [f"C{k}" for k in range(8)], "kind": "public2"},
                            geometry=on_streets, crs=streets.crs)
    out = site_cameras(cells, cams, 3, roads=streets, spacing=30.0, buildings=buildings,
                       fov_deg=90.0)
    sites = out["sites"]
    assert sites.crs == streets.crs and len(sites) == 3
    new = gpd.GeoDataFrame({"camera_id": [f"S{r}" for r in sites["rank"]], "kind": "public2",
                            "heading_deg": sites["heading_deg"], "fov_deg": sites["fov_deg"]},
                           geometry=sites.geometry, crs=sites.crs)

    def blind(c):
        return analyse(cells, c, buildings=buildings, min_blind_area=0.0,
                       overlap=False)["cell_stats"]["blind_m2"].sum()

    drop = blind(cams) - blind(pd.concat([cams, new], ignore_index=True))
    assert drop == pytest.approx(sites["cumulative_gain_m2"].iloc[-1], rel=1e-3)
    # areas are true metres (Web Mercator's are 1.6 times larger at Prague's latitude)
    assert sites["gain_m2"].iloc[0] < 0.25 * np.pi * 60**2 * 1.01
