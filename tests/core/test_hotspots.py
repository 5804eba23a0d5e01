"""Hot spots and near repeats against PySAL (esda Gi*, pointpats Knox) used as oracles,
a planted cluster, and uniform incidents under the false-discovery level."""

from __future__ import annotations

import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import scipy.sparse as sp
import shapely

from lever_grid.core.action.hotspots import (
    bh_adjust,
    gi_star,
    hotspot_layers,
    permutation_p,
    queen_neighbours,
    square_grid,
)
from lever_grid.core.action.knox import knox_table
from tests.conftest import METRIC, ROOT, SAMPLE

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # libpysal warns that remote example data is offline
    import esda
    import libpysal
    from pointpats.spacetime import Knox


def esda_gi(counts, pairs, permutations=0, seed=None):
    n = len(counts)
    w = libpysal.weights.WSP(sp.csr_matrix((np.ones(len(pairs[0])), pairs),
                                           shape=(n, n))).to_W(silence_warnings=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return esda.G_Local(np.asarray(counts, float), w, transform="B", star=True,
                            permutations=permutations, seed=seed, n_jobs=1)


def grid_case(seed):
    rng = np.random.default_rng(seed)
    idx = np.array([(i, j) for j in range(9) for i in range(11)])
    idx = idx[rng.random(len(idx)) > 0.2]  # holes: fewer than 8 neighbours in places
    counts = rng.poisson(rng.uniform(0.5, 3), len(idx))
    counts[rng.integers(len(idx))] += 12
    return idx, counts


def test_queen_neighbours_by_brute_force():
    idx, _ = grid_case(0)
    i, j = queen_neighbours(idx)
    got = set(zip(i.tolist(), j.tolist(), strict=True))
    want = {(a, b) for a in range(len(idx)) for b in range(len(idx))
            if np.abs(idx[a] - idx[b]).max() <= 1}
    assert got == want


@pytest.mark.parametrize("seed", range(5))
def test_gi_star_z_equals_esda(seed):
    idx, counts = grid_case(seed)
    pairs = queen_neighbours(idx)
    g, z = gi_star(counts, pairs)
    ref = esda_gi(counts, pairs)
    assert np.abs(z - ref.Zs).max() <= 1e-9
    assert np.abs(g - ref.Gs).max() <= 1e-12


@pytest.mark.parametrize("seed", range(2))
def test_permutation_p_within_monte_carlo_error_of_esda(seed):
    idx, counts = grid_case(seed)
    # continuous values: no ties, where esda's folding and ours are the same definition
    values = counts + np.random.default_rng(seed).exponential(0.5, len(counts))
    pairs = queen_neighbours(idx)
    r = 4999
    mine = permutation_p(values, pairs, r, seed=seed)
    ref = esda_gi(values, pairs, permutations=r, seed=seed + 100).p_sim
    # two independent Monte Carlo estimates of the same p: 4.5 standard errors apart at most
    p = (mine + ref) / 2
    se = np.sqrt(2 * p * (1 - p) / r) + 1 / r
    assert (np.abs(mine - ref) <= 4.5 * se).all()
    assert mine.min() >= 1 / (r + 1) and mine.max() <= 0.5 + 1 / r


def test_ties_count_in_both_tails():
    # 25 squares in a 5 x 5 block; incidents only in the top-right corner square
    idx = np.array([(i, j) for j in range(5) for i in range(5)])
    counts = np.zeros(25)
    counts[24] = 9
    pairs = queen_neighbours(idx)
    p = permutation_p(counts, pairs, 999, seed=1)
    # the opposite corner (nothing there nor around it) draws 3 of the 24 other squares:
    # the draw ties with it unless it holds the 9, P = 1 - 3/24 = 0.875: no cold spot
    # (esda counts the ties as higher only and reports 0.001)
    assert abs(p[0] - 0.875) < 4.5 * np.sqrt(0.875 * 0.125 / 999)
    ref = esda_gi(counts, pairs, permutations=999, seed=1).p_sim
    assert ref[0] == pytest.approx(1 / 1000)


def test_bh_adjust_against_the_definition():
    rng = np.random.default_rng(3)
    p = rng.random(30) ** 3
    m = len(p)
    want = np.array([min(1.0, min(p[np.argsort(p)][k:] * m / np.arange(k + 1, m + 1)))
                     for k in range(m)])
    got = bh_adjust(p)
    assert np.allclose(np.sort(got), want)
    assert np.allclose(got[np.argsort(p)], want)


def test_square_grid_aligned_and_overlapping():
    area = shapely.Polygon([(130, 40), (400, 60), (300, 300)])  # edges on lines x=400 ...
    idx, squares = square_grid(area, 100.0)
    assert (shapely.get_coordinates(squares) % 100 == 0).all()
    with np.errstate(invalid="ignore"):  # GEOS flags empty intersections
        assert (shapely.area(shapely.intersection(squares, area)) > 0).all()
        # every aligned square sharing area with the triangle is there; (4, 0) touches it
        want = {(i, j) for i in range(0, 6) for j in range(0, 5)
                if shapely.area(shapely.intersection(
                    shapely.box(i * 100, j * 100, i * 100 + 100, j * 100 + 100), area)) > 0}
    assert (4, 0) not in want and (3, 2) in want
    assert set(map(tuple, idx.tolist())) == want


def incidents_frame(xy, days, crs=METRIC):
    return gpd.GeoDataFrame({"incident_id": [str(k) for k in range(len(xy))],
                             "occurred_at": pd.Timestamp("2025-01-01")
                             + pd.to_timedelta(days, unit="D")},
                            geometry=shapely.points(xy), crs=crs)


OX, OY = 470_000.0, 2_530_000.0  # near the sample village: EPSG:4547 is true metres there
CELLS = gpd.GeoDataFrame({"cell_id": [1, 2]},
                         geometry=[shapely.box(OX, OY, OX + 1000, OY + 2000),
                                   shapely.box(OX + 1000, OY, OX + 2000, OY + 2000)],
                         crs=METRIC)


def test_planted_cluster_is_hot():
    rng = np.random.default_rng(7)
    xy = np.vstack([rng.uniform(0, 2000, (300, 2)),
                    rng.normal((1450, 650), 60, (60, 2))]) + (OX, OY)
    out = hotspot_layers(CELLS, incidents_frame(xy, rng.uniform(0, 100, len(xy))),
                         permutations=9999, seed=1)  # BH over 400 squares needs small p
    grid = out["hotspots"]
    assert len(grid) == 20 * 20 and list(grid.columns[3:8]) == [
        "count", "gi_z", "p_sim", "p_fdr", "class"]
    assert grid["count"].sum() == len(xy)
    centre = grid[(grid.ix == 4714) & (grid.iy == 25306)].iloc[0]
    assert centre["class"] == "hot_99" and centre["gi_z"] > 5
    hot = grid[grid["class"].str.startswith("hot")]
    assert shapely.distance(shapely.Point(OX + 1450, OY + 650),
                            hot.geometry.to_numpy()).max() < 250


def test_uniform_incidents_stay_under_the_fdr_level():
    rng = np.random.default_rng(11)
    runs, with_hot = 30, 0
    for k in range(runs):
        xy = rng.uniform(0, 2000, (400, 2)) + (OX, OY)
        grid = hotspot_layers(CELLS, incidents_frame(xy, rng.uniform(0, 100, 400)),
                              size=200.0, permutations=199, seed=k)["hotspots"]
        with_hot += grid["class"].str.startswith("hot").any()
    # complete null: P(any discovery at FDR 0.10) <= 0.10, so about 3 of 30 at most;
    # binomial(30, 0.1) exceeds 7 with probability 0.007
    assert with_hot <= 7


def test_knox_table_equals_pointpats():
    rng = np.random.default_rng(2)
    xy = rng.uniform(0, 1000, (150, 2))
    t = rng.uniform(0, 120, 150)
    xy[:15] = xy[0] + rng.normal(0, 30, (15, 2))  # a burst of near repeats
    t[:15] = t[0] + rng.uniform(0, 5, 15)
    r = 1999
    tab = knox_table(xy, t, distance=100, distance_bands=3, time=7, time_bands=3,
                     permutations=r, seed=1)
    assert tab["pairs"].sum() == sum(
        int((np.hypot(*(xy[i] - xy[j])) <= 300) & (abs(t[i] - t[j]) <= 21))
        for i in range(150) for j in range(i + 1, 150))
    np.random.seed(0)
    for d_band, t_band in ((0, 0), (1, 1), (2, 2), (0, 2)):
        row = tab[(tab.distance_to_m == 100 * (d_band + 1)) & (tab.days_to == 7 * (t_band + 1))]
        ref = Knox(xy, t[:, None], delta=100 * (d_band + 1), tau=7 * (t_band + 1),
                   permutations=r)
        assert int(row["cumulative_pairs"].iloc[0]) == ref.statistic_
        cells = tab[(tab.distance_to_m <= 100 * (d_band + 1)) & (tab.days_to <= 7 * (t_band + 1))]
        assert cells["expected"].sum() == pytest.approx(ref.expected[0, 0], rel=1e-9)
        p = float(row["cumulative_p_sim"].iloc[0])
        se = np.sqrt(2 * ref.p_sim * (1 - ref.p_sim) / r) + 1 / r
        assert abs(p - ref.p_sim) <= 4.5 * se
    assert tab.loc[0, "p_sim"] < 0.01 and tab.loc[0, "ratio"] > 2


def test_hotspots_are_invariant_to_row_order_and_seeded():
    rng = np.random.default_rng(5)
    xy = rng.uniform(0, 2000, (200, 2)) + (OX, OY)
    inc = incidents_frame(xy, rng.uniform(0, 100, 200))
    a = hotspot_layers(CELLS, inc, permutations=99, seed=3)["hotspots"]
    b = hotspot_layers(CELLS, inc.iloc[::-1], permutations=99, seed=3)["hotspots"]
    assert a["count"].tolist() == b["count"].tolist()
    assert np.allclose(a["gi_z"], b["gi_z"])
    assert a["p_sim"].tolist() == b["p_sim"].tolist()


def test_hotspots_in_degrees_are_squares_of_metres(tmp_path):
    rng = np.random.default_rng(6)
    xy = rng.uniform(0, 2000, (100, 2)) + (OX, OY)
    cells = CELLS.copy()
    inc = incidents_frame(xy, rng.uniform(0, 10, 100))
    ref = hotspot_layers(cells, inc, permutations=9, seed=1)["hotspots"]
    wgs = hotspot_layers(cells.to_crs(4326), inc.to_crs(4326), permutations=9,
                         seed=1)["hotspots"]
    assert wgs.crs.to_epsg() == 4326
    assert ref["count"].sum() == wgs["count"].sum() == 100
    assert wgs["class"].isin(["none", "hot_90", "hot_95", "hot_99", "cold_90", "cold_95",
                              "cold_99"]).all()


def test_cli_hotspots(tmp_path):
    out = tmp_path / "hot.gpkg"
    env = {"PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "lever_grid", "hotspots", "--cells", str(SAMPLE),
            "--incidents", str(SAMPLE)]
    ok = subprocess.run(base + ["--seed", "1", "--permutations", "199", "--out", str(out)],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert {n for n, _ in pyogrio.list_layers(out)} == {"hotspots", "near_repeat"}
    grid = gpd.read_file(out, layer="hotspots")
    assert grid["count"].sum() == 125  # the sample's 2025 January-May incidents
    for extra, needle in ((["--size", "0"], "--size"), (["--permutations", "-1"],
                                                        "--permutations")):
        bad = subprocess.run(base + extra + ["--out", str(tmp_path / "x.gpkg")],
                             capture_output=True, text=True, env=env)
        assert bad.returncode == 2 and needle in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.gpkg").exists()


def street_grid(n: int = 6, step: float = 100.0):
    """Streets of an n x n block grid (each street one line) near the sample village."""
    lines = [shapely.LineString([(OX, OY + k * step), (OX + (n - 1) * step, OY + k * step)])
             for k in range(n)]
    lines += [shapely.LineString([(OX + k * step, OY), (OX + k * step, OY + (n - 1) * step)])
              for k in range(n)]
    return gpd.GeoDataFrame({"road_id": range(len(lines))}, geometry=lines, crs=METRIC)


def test_road_segments_and_their_neighbours_by_brute_force():
    from lever_grid.core.action.hotspots import road_segments

    roads = street_grid(4)
    segs, (i, j) = road_segments(roads.geometry.to_numpy(), shapely.box(OX - 1, OY - 1,
                                                                         OX + 301, OY + 301))
    assert len(segs) == 2 * 4 * 3  # 4 streets each way, 3 blocks long
    assert np.allclose(shapely.length(segs), 100.0)
    ends = [{tuple(np.round(c, 6)) for c in (s.coords[0], s.coords[-1])} for s in segs]
    want = {(a, b) for a in range(len(segs)) for b in range(len(segs)) if ends[a] & ends[b]}
    assert set(zip(i.tolist(), j.tolist(), strict=True)) == want


def test_road_hot_spots_find_a_planted_street_and_match_esda():
    roads = street_grid(6)
    cells = gpd.GeoDataFrame({"cell_id": [1]}, geometry=[shapely.box(OX - 5, OY - 5, OX + 505,
                                                                      OY + 505)], crs=METRIC)
    rng = np.random.default_rng(3)
    background = rng.uniform(0, 500, (150, 2)) + (OX, OY)
    # 60 incidents along three blocks of the street y = 200, x = 100 .. 400 (Gi* with
    # conditional permutation asks whether a segment's neighbours are busy too)
    planted = np.c_[rng.uniform(100, 400, 60), 200 + rng.normal(0, 3, 60)] + (OX, OY)
    xy = np.vstack([background, planted])
    out = hotspot_layers(cells, incidents_frame(xy, rng.uniform(0, 100, len(xy))),
                         on="roads", roads=roads, permutations=9999, seed=2)
    segs = out["road_hotspots"]
    assert list(segs.columns[:7]) == ["segment_id", "length_m", "count", "gi_z", "p_sim",
                                      "p_fdr", "class"]
    assert len(segs) == 60 and segs.geom_type.eq("LineString").all()
    block = shapely.LineString([(OX + 200, OY + 200), (OX + 300, OY + 200)])
    at = int(np.argmin(shapely.hausdorff_distance(segs.geometry.to_numpy(), block)))
    assert segs["class"].iloc[at].startswith("hot") and segs["gi_z"].iloc[at] == segs[
        "gi_z"].max()
    hot = segs[segs["class"].str.startswith("hot")].geometry.to_numpy()
    assert (shapely.distance(hot, block) < 150).all()
    # each incident counted once, for its nearest segment within 30 m
    d = shapely.distance(shapely.points(xy)[:, None], segs.geometry.to_numpy()[None, :])
    assert segs["count"].sum() == int((d.min(axis=1) <= 30).sum())
    # z-scores on the segment adjacency are esda's
    from lever_grid.core.action.hotspots import road_segments

    _, pairs = road_segments(roads.geometry.to_numpy(), cells.geometry.iloc[0])
    ref = esda_gi(segs["count"].to_numpy(), pairs)
    assert np.abs(segs["gi_z"].to_numpy() - ref.Zs).max() <= 1e-9


def test_cli_hotspots_on_roads_needs_roads(tmp_path):
    bad = subprocess.run([sys.executable, "-m", "lever_grid", "hotspots", "--cells", str(SAMPLE),
                          "--incidents", str(SAMPLE), "--on", "roads", "--out",
                          str(tmp_path / "x.gpkg")], capture_output=True, text=True,
                         env={"PYTHONPATH": str(ROOT)})
    assert bad.returncode == 2 and "--on roads needs --roads" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1 and not (tmp_path / "x.gpkg").exists()
