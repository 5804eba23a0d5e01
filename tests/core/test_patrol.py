"""Patrol loops: the all-roads tour against the exact optimum found by brute force, and
the budget loop checked for closure, roads, spots and length."""

from __future__ import annotations

import heapq
import subprocess
import sys
import xml.etree.ElementTree as ET

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
import shapely

from lever_grid.core.action.patrol import patrol_route
from lever_grid.core.action.roadgraph import road_graph
from lever_grid.core.action.tours import postman_tour
from lever_grid.core.pipeline import analyse
from tests.conftest import ROOT, SAMPLE


def random_grid_lines(seed: int, size: int = 3):
    """Jittered grid streets; a random subset of grid edges that stays connected."""
    rng = np.random.default_rng(seed)
    pts = {(i, j): (i * 100 + rng.uniform(-20, 20), j * 100 + rng.uniform(-20, 20))
           for i in range(size) for j in range(size)}
    edges = [((i, j), (i + 1, j)) for i in range(size - 1) for j in range(size)] + \
            [((i, j), (i, j + 1)) for i in range(size) for j in range(size - 1)]
    while True:
        keep = [e for e in edges if rng.random() < 0.75]
        g = nx.Graph(keep)
        if len(keep) >= 4 and nx.is_connected(g):
            break
    lines = [shapely.LineString([pts[a], pts[b]]) for a, b in keep]
    return lines, pts, keep


def brute_force_postman(lines, start_xy) -> float:
    """Shortest closed walk from start covering every line: Dijkstra on (node, covered)."""
    ends = [tuple(np.round(c, 9)) for ln in lines for c in (ln.coords[0], ln.coords[-1])]
    nodes = {p: k for k, p in enumerate(dict.fromkeys(ends))}
    adj = {k: [] for k in nodes.values()}
    for e, ln in enumerate(lines):
        a, b = nodes[tuple(np.round(ln.coords[0], 9))], nodes[tuple(np.round(ln.coords[-1], 9))]
        adj[a].append((b, e, ln.length))
        adj[b].append((a, e, ln.length))
    s = nodes[tuple(np.round(start_xy, 9))]
    full = (1 << len(lines)) - 1
    best = {(s, 0): 0.0}
    heap = [(0.0, s, 0)]
    while heap:
        d, n, mask = heapq.heappop(heap)
        if (n, mask) == (s, full):
            return d
        if d > best.get((n, mask), np.inf):
            continue
        for m, e, w in adj[n]:
            state = (m, mask | (1 << e))
            if d + w < best.get(state, np.inf):
                best[state] = d + w
                heapq.heappush(heap, (d + w, *state))
    raise AssertionError("not connected")


@pytest.mark.parametrize("seed", range(12))
def test_all_roads_tour_is_optimal_on_small_graphs(seed):
    lines, pts, keep = random_grid_lines(seed)
    rg = road_graph(np.array(lines, dtype=object))
    start = 0
    tour = postman_tour(rg.graph, start)
    length = sum(rg.graph.edges[u, v, k]["length"] for u, v, k in tour)
    optimum = brute_force_postman(lines, rg.xy[start])
    assert length <= 1.1 * optimum and length == pytest.approx(optimum, rel=1e-9)
    # closed, consecutive, and every road walked
    assert tour[0][0] == start and tour[-1][1] == start
    assert all(a[1] == b[0] for a, b in zip(tour[:-1], tour[1:], strict=True))
    walked = {(min(u, v), max(u, v), k) for u, v, k in tour}
    assert walked == {(min(u, v), max(u, v), k) for u, v, k in rg.graph.edges(keys=True)}


@pytest.fixture(scope="module")
def sample():
    layers = {n: gpd.read_file(SAMPLE, layer=n) for n in ("cells", "roads", "cameras",
                                                          "buildings")}
    layers["blind"] = analyse(layers["cells"], layers["cameras"],
                              buildings=layers["buildings"])["blind_spots"]
    return layers


def cell_network(sample, cell_id):
    cell = sample["cells"].set_index("cell_id").geometry[cell_id]
    roads = shapely.union_all(sample["roads"].geometry.to_numpy())
    return cell, shapely.intersection(roads, shapely.buffer(cell, 0.5))


def check_route(route, cell, net):
    coords = [shapely.get_coordinates(g) for g in route.geometry]
    assert np.allclose(coords[0][0], coords[-1][-1])  # closed
    for a, b in zip(coords[:-1], coords[1:], strict=True):
        assert np.allclose(a[-1], b[0])  # continuous
    pieces = route.geometry.to_numpy()
    assert (shapely.distance(pieces, shapely.buffer(cell, 0.5)) < 1e-6).all()
    # every piece lies on the cell's roads
    off = shapely.difference(pieces, shapely.buffer(net, 1e-3))
    assert (shapely.length(off) < 1e-6).all()
    assert route["length_m"].sum() == pytest.approx(shapely.length(pieces).sum(), rel=1e-12)


@pytest.mark.parametrize("cell_id", [3, 5, 9])
def test_all_roads_covers_every_road_of_the_cell(sample, cell_id):
    out = patrol_route(sample["cells"], sample["roads"], cell_id, all_roads=True)
    cell, net = cell_network(sample, cell_id)
    route = out["patrol"]
    check_route(route, cell, net)
    walked = shapely.union_all(route.geometry.to_numpy())
    missed = shapely.get_parts(shapely.difference(net, shapely.buffer(walked, 0.01)))
    # at most the stubs (< 1 m, outside the cell) left where roads leave the cell
    assert (shapely.length(missed) < 1.0).all()
    assert not shapely.intersects(shapely.buffer(cell, -1e-3),
                                  shapely.line_interpolate_point(missed, 0.5, normalized=True)
                                  ).any()
    summary = out["patrol_summary"].iloc[0]
    # (each stub measured up to 2 cm short: the buffer around the walk)
    assert summary["length_m"] >= shapely.length(net) - shapely.length(missed).sum() \
        - 0.02 * len(missed) - 1e-6
    assert summary["walk_minutes"] == pytest.approx(summary["length_m"] / (4000 / 60))


@pytest.mark.parametrize("cell_id,budget", [(3, 800.0), (5, 2500.0), (9, 1500.0)])
def test_budget_loop_is_closed_on_the_roads_and_visits_its_spots(sample, cell_id, budget):
    out = patrol_route(sample["cells"], sample["roads"], cell_id, max_length=budget,
                       blind_spots=sample["blind"])
    cell, net = cell_network(sample, cell_id)
    route, spots = out["patrol"], out["patrol_spots"]
    check_route(route, cell, net)
    assert route["length_m"].sum() <= budget + 1e-6
    seen = spots[spots["visited"]]
    assert len(seen) >= 1 and out["patrol_summary"]["spots_visited"].iloc[0] == len(seen)
    walked = shapely.union_all(route.geometry.to_numpy())
    assert (shapely.distance(seen.geometry.to_numpy(), walked) < 1e-6).all()
    # the spots are the cell's blind spots, each reached at the road point nearest to it
    mine = sample["blind"][sample["blind"]["cell_id"] == cell_id]
    assert len(spots) == min(20, len(mine))
    geoms = mine.set_index("blind_id").geometry
    for row in spots.itertuples():
        spot = geoms[int(row.spot_id.split("-")[1])]
        assert shapely.distance(row.geometry, spot) == pytest.approx(
            shapely.distance(net, spot), abs=1e-6)


def test_generous_budget_visits_every_spot_and_tight_one_none(sample):
    big = patrol_route(sample["cells"], sample["roads"], 5, max_length=1e6,
                       blind_spots=sample["blind"])
    assert big["patrol_spots"]["visited"].all()
    none = patrol_route(sample["cells"], sample["roads"], 5, max_length=1.0,
                        blind_spots=sample["blind"])
    assert len(none["patrol"]) == 0 or none["patrol"]["length_m"].sum() <= 1.0


def test_same_loop_in_degrees(sample):
    a = patrol_route(sample["cells"], sample["roads"], 3, all_roads=True)
    b = patrol_route(sample["cells"].to_crs(4326), sample["roads"].to_crs(4326), 3,
                     all_roads=True)
    assert b["patrol"].crs.to_epsg() == 4326
    assert b["patrol_summary"]["length_m"].iloc[0] == pytest.approx(
        a["patrol_summary"]["length_m"].iloc[0], rel=1e-3)


def test_start_point_is_used(sample):
    cell, net = cell_network(sample, 5)
    corner = shapely.get_coordinates(net)[0]
    out = patrol_route(sample["cells"], sample["roads"], 5, all_roads=True,
                       start=(corner[0] + 3.0, corner[1] + 4.0))
    first = shapely.get_coordinates(out["patrol"].geometry.iloc[0])[0]
    want = shapely.get_coordinates(shapely.get_point(shapely.shortest_line(
        net, shapely.Point(corner[0] + 3, corner[1] + 4)), 0))[0]
    assert np.allclose(first, want, atol=1e-3)
    assert out["patrol_summary"][["start_x", "start_y"]].to_numpy()[0] == pytest.approx(
        want, abs=1e-3)


def test_cli_patrol_writes_gpx_and_refuses_bad_input(tmp_path):
    env = {"PYTHONPATH": str(ROOT)}
    base = [sys.executable, "-m", "lever_grid", "patrol", "--cells", str(SAMPLE), "--roads",
            str(SAMPLE)]
    out = tmp_path / "p.gpkg"
    ok = subprocess.run(base + ["--cell", "3", "--all-roads", "--out", str(out)],
                        capture_output=True, text=True, env=env)
    assert ok.returncode == 0, ok.stderr
    route = gpd.read_file(out, layer="patrol")
    assert route.crs.to_epsg() == 4547 and route["seq"].tolist() == list(
        range(1, len(route) + 1))
    gpx = ET.parse(tmp_path / "p.gpx").getroot()
    ns = {"g": "http://www.topografix.com/GPX/1/1"}
    trk = gpx.findall(".//g:trkpt", ns)
    lat = np.array([float(p.get("lat")) for p in trk])
    lon = np.array([float(p.get("lon")) for p in trk])
    assert len(trk) > 10 and (abs(lat - 22.88) < 0.05).all() and (abs(lon - 113.72) < 0.05).all()
    assert (lat[0], lon[0]) == (lat[-1], lon[-1])
    for extra, needle in ((["--cell", "99", "--all-roads"], "cell_id '99'"),
                          (["--cell", "3", "--max-length", "-5"], "--max-length"),
                          (["--cell", "3", "--all-roads", "--start", "x"], "--start"),
                          (["--cell", "3", "--all-roads", "--analysis", str(SAMPLE)],
                           "blind_spots"),
                          (["--cell", "3", "--all-roads", "--hotspots",
                            f"{SAMPLE}|layername=cells"], "field class"),
                          (["--cell", "3", "--max-length", "900", "--spots", "0"], "--spots")):
        bad = subprocess.run(base + extra + ["--out", str(tmp_path / "x.gpkg")],
                             capture_output=True, text=True, env=env)
        assert bad.returncode == 2 and needle in bad.stderr, bad.stderr
        assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
        assert not (tmp_path / "x.gpkg").exists()
