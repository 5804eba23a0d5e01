"""Camera siting: greedy (CELF) against the exact optimum by brute force, geometry oracles
computed with plain shapely unions, and the audit re-run with the chosen sites added."""

from __future__ import annotations

import itertools
import math
import subprocess
import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import scipy.sparse as sp
import shapely

from lever_grid.core.action.candidates import heading_set, road_candidates
from lever_grid.core.action.celf import lazy_greedy
from lever_grid.core.action.siting import site_cameras
from lever_grid.core.pipeline import analyse
from tests.conftest import METRIC, ROOT, SAMPLE

BOUND = 1 - 1 / math.e
OX, OY = 470_000.0, 2_530_000.0  # near the sample village: EPSG:4547 is true metres there


def frame(geoms, crs=METRIC, **cols) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(cols, geometry=list(geoms), crs=crs)


def plain_greedy(cover: np.ndarray, w: np.ndarray, need: np.ndarray, k: int, group=None):
    need = need.copy()
    banned = np.zeros(cover.shape[1], bool)
    chosen = []
    for _ in range(k):
        gains = cover.T @ (w * (need > 0))
        gains[banned] = -1
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        chosen.append(j)
        need[cover[:, j] > 0] -= 1
        need = np.maximum(need, 0)
        banned[j] = True
        if group is not None:
            banned[group == group[j]] = True
    return chosen


def value(cover, w, need, subset) -> float:
    hits = cover[:, list(subset)].sum(axis=1) if len(subset) else np.zeros(len(w))
    return float((w * np.minimum(hits, need)).sum())


@pytest.mark.parametrize("seed", range(40))
def test_lazy_greedy_equals_plain_greedy_and_near_optimum(seed):
    rng = np.random.default_rng(seed)
    n_dem, n_opt, k = rng.integers(8, 30), rng.integers(5, 11), int(rng.integers(1, 4))
    cover = (rng.random((n_dem, n_opt)) < rng.uniform(0.1, 0.5)).astype(float)
    w = rng.exponential(1.0, n_dem)
    need = rng.integers(1, 3, n_dem)
    got = lazy_greedy(sp.csc_matrix(cover), w, need, k)
    assert got.options.tolist() == plain_greedy(cover, w, need, k)
    best = max(value(cover, w, need, s) for s in itertools.combinations(range(n_opt), k))
    mine = value(cover, w, need, got.options)
    assert mine == pytest.approx(got.gains.sum(), rel=1e-12)
    assert mine >= 0.95 * best - 1e-12 and mine >= BOUND * best - 1e-12


# ----------------------------------------------------------------------------- geometry
CELL = shapely.box(OX, OY, OX + 200, OY + 200)


def small_case(seed: int, n_cand: int = 8):
    rng = np.random.default_rng(seed)
    existing = shapely.points(rng.uniform(20, 180, (3, 2)) + (OX, OY))
    cand = shapely.points(rng.uniform(0, 200, (n_cand, 2)) + (OX, OY))
    cells = frame([CELL], cell_id=[1])
    cams = frame(existing, camera_id=["E1", "E2", "E3"], kind="public2", range_m=35.0)
    cands = frame(cand, candidate_id=[f"P{k}" for k in range(n_cand)])
    blind = shapely.difference(CELL, shapely.union_all(shapely.buffer(existing, 35, quad_segs=16)))
    return cells, cams, cands, cand, blind


def oracle_gain(points, blind, radius=40.0, heading=None, fov=360.0):
    if heading is None:
        views = shapely.buffer(points, radius, quad_segs=16)
    else:
        from lever_grid.core.coverage.views import view_polygons

        views = view_polygons(points, np.full(len(points), radius), np.asarray(heading, float),
                              np.full(len(points), fov))
    return shapely.area(shapely.intersection(shapely.union_all(views), blind))


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("k", [1, 2, 3])
def test_omni_sites_against_brute_force(seed, k):
    cells, cams, cands, pts, blind = small_case(seed)
    out = site_cameras(cells, cams, k, candidates=cands, range_m=40.0)
    sites = out["sites"]
    chosen = [int(c[1:]) for c in sites["candidate_id"]]
    mine = oracle_gain(pts[chosen], blind)
    assert sites["cumulative_gain_m2"].iloc[-1] == pytest.approx(mine, rel=1e-7)
    single = [oracle_gain(pts[[j]], blind) for j in range(len(pts))]
    assert sites["gain_m2"].iloc[0] == pytest.approx(max(single), rel=1e-7)
    assert single[chosen[0]] == pytest.approx(max(single), rel=1e-9)  # (ties: any of them)
    best = max(oracle_gain(pts[list(s)], blind) for s in itertools.combinations(range(8), k))
    assert mine >= 0.95 * best and mine >= BOUND * best
    # positions are the candidates' own, ids their candidate_id field
    xy = shapely.get_coordinates(pts[chosen])
    assert np.allclose(sites[["x", "y"]].to_numpy(), xy, atol=1e-9)
    assert sites["rank"].tolist() == list(range(1, k + 1))


@pytest.mark.parametrize("seed", range(3))
def test_headings_against_brute_force(seed):
    cells, cams, cands, pts, blind = small_case(seed, n_cand=5)
    heads = heading_set(90.0)
    out = site_cameras(cells, cams, 2, candidates=cands, range_m=40.0, fov_deg=90.0)
    sites = out["sites"]
    chosen = [int(c[1:]) for c in sites["candidate_id"]]
    mine = oracle_gain(pts[chosen], blind, heading=sites["heading_deg"], fov=90.0)
    assert sites["cumulative_gain_m2"].iloc[-1] == pytest.approx(mine, rel=1e-7)
    best = 0.0
    for pair in itertools.combinations(range(5), 2):
        for h in itertools.product(heads, repeat=2):
            best = max(best, oracle_gain(pts[list(pair)], blind, heading=h, fov=90.0))
    assert mine >= 0.95 * best
    assert set(sites["heading_deg"]) <= set(heads)
    assert (sites["fov_deg"] == 90).all() and (sites["range_m"] == 40).all()


def test_existing_cameras_are_locked_and_a_duplicate_site_gains_nothing():
    cells, cams, cands, pts, blind = small_case(1)
    on_existing = frame(cams.geometry, candidate_id=["X1", "X2", "X3"])
    both = pd.concat([on_existing, cands], ignore_index=True)
    out = site_cameras(cells, cams, 3, candidates=both, range_m=35.0)
    assert not set(out["sites"]["candidate_id"]) & {"X1", "X2", "X3"}
    only = site_cameras(cells, cams, 3, candidates=on_existing, range_m=35.0)
    assert len(only["sites"]) == 0  # they would see nothing new


def test_candidate_row_order_does_not_matter():
    cells, cams, cands, pts, blind = small_case(4)
    a = site_cameras(cells, cams, 3, candidates=cands, range_m=40.0)["sites"]
    b = site_cameras(cells, cams, 3, candidates=cands.iloc[::-1], range_m=40.0)["sites"]
    assert a["candidate_id"].tolist() == b["candidate_id"].tolist()
    assert a["gain_m2"].to_numpy() == pytest.approx(b["gain_m2"].to_numpy(), rel=1e-9)


def test_candidate_ids_default_to_row_numbers():
    cells, cams, cands, pts, blind = small_case(2)
    out = site_cameras(cells, cams, 1, candidates=cands.drop(columns="candidate_id"),
                       range_m=40.0)
    single = [oracle_gain(pts[[j]], blind) for j in range(len(pts))]
    assert out["sites"]["candidate_id"].tolist() == [str(int(np.argmax(single)) + 1)]


def test_backup_counts_places_seen_a_second_time():
    cells, cams, cands, pts, blind = small_case(3, n_cand=6)
    seen = shapely.buffer(cams.geometry.to_numpy(), 35, quad_segs=16)
    with np.errstate(invalid="ignore"):  # GEOS flags empty intersections of the oracle
        once = shapely.difference(shapely.intersection(shapely.union_all(seen), CELL),
                                  shapely.union_all([shapely.intersection(a, b) for a, b in
                                                     itertools.combinations(seen, 2)]))

    def objective(sub):
        views = shapely.buffer(pts[list(sub)], 40, quad_segs=16)
        first = shapely.area(shapely.intersection(shapely.union_all(views), blind))
        twice = shapely.union_all([shapely.intersection(a, b) for a, b in
                                   itertools.combinations(views, 2)]) if len(sub) > 1 \
            else shapely.Polygon()
        second = shapely.area(shapely.intersection(twice, blind))
        backup = shapely.area(shapely.intersection(shapely.union_all(views), once))
        return first + second + backup, first

    out = site_cameras(cells, cams, 2, candidates=cands, range_m=40.0, backup=True)
    sites = out["sites"]
    chosen = [int(c[1:]) for c in sites["candidate_id"]]
    with np.errstate(invalid="ignore"):  # GEOS flags empty intersections of the oracle
        total, first = objective(chosen)
        best = max(objective(s)[0] for s in itertools.combinations(range(6), 2))
    assert sites["cumulative_gain"].iloc[-1] == pytest.approx(total, rel=1e-6)
    assert sites["cumulative_gain_m2"].iloc[-1] == pytest.approx(first, rel=1e-6)
    assert total >= 0.95 * best


def test_weight_roads_and_incidents_pick_the_best_single_candidate():
    cells, cams, cands, pts, blind = small_case(5)
    roads = frame([shapely.LineString([(OX, OY + 30), (OX + 200, OY + 30)]),
                   shapely.LineString([(OX + 150, OY), (OX + 150, OY + 200)])], road_id=[1, 2])
    out = site_cameras(cells, cams, 1, candidates=cands, range_m=40.0, weight="roads",
                       roads=roads)
    lines = shapely.union_all(roads.geometry.to_numpy())
    by_road = [shapely.length(shapely.intersection(lines, shapely.intersection(
        shapely.buffer(p, 40, quad_segs=16), blind))) for p in pts]
    assert out["sites"]["candidate_id"].tolist() == [f"P{int(np.argmax(by_road))}"]
    assert out["sites"]["gain"].iloc[0] == pytest.approx(max(by_road), rel=1e-7)
    rng = np.random.default_rng(9)
    where = shapely.points(rng.uniform(0, 200, (60, 2)) + (OX, OY))
    inc = frame(where, incident_id=[str(k) for k in range(60)],
                occurred_at=pd.Timestamp("2025-03-01"))
    out = site_cameras(cells, cams, 1, candidates=cands, range_m=40.0, weight="incidents",
                       incidents=inc)
    counts = [int(shapely.intersects(shapely.intersection(
        shapely.buffer(p, 40, quad_segs=16), blind), where).sum()) for p in pts]
    assert out["sites"]["gain"].iloc[0] == max(counts)
    assert counts[int(out["sites"]["candidate_id"].iloc[0][1:])] == max(counts)


def test_road_candidates_at_junctions_and_every_spacing():
    plus = np.array([shapely.LineString([(-100, 0), (100, 0)]),
                     shapely.LineString([(0, -100), (0, 100)])])
    pts, kind = road_candidates(plus, 20.0)
    xy = shapely.get_coordinates(pts)
    assert kind[0] == "junction" and tuple(xy[0]) == (0.0, 0.0)
    # four arms of 100 m, 5 points each at 10, 30, ... 90 m from the junction
    assert len(pts) == 1 + 20 and (kind == "road").sum() == 20
    assert sorted(np.round(np.abs(xy[kind == "road"]).sum(axis=1))) == sorted(
        [10.0, 30.0, 50.0, 70.0, 90.0] * 4)


@pytest.fixture(scope="module")
def sample():
    return {n: gpd.read_file(SAMPLE, layer=n) for n in ("cells", "cameras", "buildings",
                                                         "roads")}


def test_analyse_with_the_sites_reproduces_the_gain(sample):
    s = sample
    out = site_cameras(s["cells"], s["cameras"], 4, roads=s["roads"], buildings=s["buildings"],
                       fov_deg=90.0, cell_ids=["3", "5"])
    sites = out["sites"]
    assert len(sites) == 4 and set(sites["cell_id"].dropna()) <= {3, 5}
    new = gpd.GeoDataFrame({"camera_id": [f"S{r}" for r in sites["rank"]], "kind": "public2",
                            "range_m": sites["range_m"], "heading_deg": sites["heading_deg"],
                            "fov_deg": sites["fov_deg"]}, geometry=sites.geometry,
                           crs=sites.crs)
    sel = s["cells"]["cell_id"].isin([3, 5]).to_numpy()

    def blind(cams):
        st = analyse(s["cells"], cams, buildings=s["buildings"], min_blind_area=0.0,
                     overlap=False)["cell_stats"]
        return float(st["blind_m2"].to_numpy()[sel].sum())

    drop = blind(s["cameras"]) - blind(pd.concat([s["cameras"], new], ignore_index=True))
    assert drop == pytest.approx(sites["cumulative_gain_m2"].iloc[-1], rel=1e-3)
    assert out["site_gain"]["cumulative_gain_m2"].tolist() == \
        sites["cumulative_gain_m2"].tolist()
    assert (np.diff(sites["gain_m2"]) <= 1e-6).all()  # greedy gains never grow


def test_cli_site_writes_layers_and_refuses_bad_input(tmp_path):
    out = tmp_path / "sites.gpkg"
    env = {"PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "lever_grid", "site", "--cells", str(SAMPLE), "--cameras",
            str(SAMPLE)]
    ok = subprocess.run(base + ["--roads", str(SAMPLE), "--count", "2", "--in-cells", "7",
                                "--out", str(out)], capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    assert {n for n, _ in pyogrio.list_layers(out)} == {"sites", "site_gain"}
    sites = gpd.read_file(out, layer="sites")
    assert sites.crs.to_epsg() == 4547
    assert list(sites.columns[:10]) == ["rank", "candidate_id", "cell_id", "x", "y",
                                         "heading_deg", "fov_deg", "range_m", "gain_m2",
                                         "cumulative_gain_m2"]
    roads = ["--roads", str(SAMPLE), "--count", "2"]
    for extra, needle in ((["--count", "0"], "--count"), (["--count", "2"], "--candidates"),
                          (roads + ["--in-cells", "99"], "cell_id '99'"),
                          (roads + ["--fov", "0"], "--fov"),
                          (roads + ["--spacing", "-3"], "--spacing"),
                          (roads + ["--weight", "incidents"], "needs --incidents"),
                          (roads + ["--kind", "robot"], "'robot'"),
                          (["--candidates", f"{SAMPLE}|layername=buildings", "--count", "2"],
                           "layer buildings, feature 1, field geometry")):
        bad = subprocess.run(base + extra + ["--out", str(tmp_path / "x.gpkg")],
                             capture_output=True, text=True, env=env)
        assert bad.returncode == 2 and needle in bad.stderr
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.gpkg").exists()


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857"])
def test_same_sites_in_degrees_and_web_mercator(sample, crs):
    s = sample
    kwargs = {"roads": s["roads"], "buildings": s["buildings"], "cell_ids": ["7"]}
    ref = site_cameras(s["cells"], s["cameras"], 3, **kwargs)["sites"]
    moved = {k: v.to_crs(crs) for k, v in kwargs.items() if k != "cell_ids"}
    got = site_cameras(s["cells"].to_crs(crs), s["cameras"].to_crs(crs), 3, cell_ids=["7"],
                       **moved)["sites"]
    assert got.crs == crs  # (generated candidates may be numbered in another order)
    assert got["cumulative_gain_m2"].to_numpy() == pytest.approx(
        ref["cumulative_gain_m2"].to_numpy(), rel=1e-3)
    back = got.to_crs(ref.crs)
    assert shapely.distance(back.geometry.to_numpy(), ref.geometry.to_numpy()).max() < 0.01
