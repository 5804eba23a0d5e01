"""Benchmark: grid cells from a synthetic town (~2,000 faces -> 300 cells) and city
(~25,000 faces -> 3,000 cells), and a real city-sized network: central Helsinki from
OpenStreetMap (2,469 lines with sidewalks, steps, bridges and tunnels) -> 300 cells.

The road network is a jittered grid in EPSG:4547 whose blocks shrink towards the centre
(a dense old core, larger blocks outside), with about 12 % of the inner streets missing,
bent streets, dead-end lanes and a few roads running out of town. ``build_cells`` is timed
with its peak memory (each case runs in a child process; peak RSS from
``resource.getrusage``, minus the RSS after imports) and the result measured: balance
ratio (max/min road length per cell, roads on a shared edge counting half) and
Polsby-Popper compactness (min and mean). The faces with their road length and the cells
are written to ``bench/results/<case>.gpkg`` (layers ``faces`` and ``cells``) for
``bench/bench_cells_spopt.py``, which runs spopt on the same faces with the same N (run
it with ``.venv-bench/bin/python``); the spopt figures it left in ``bench/results`` are
printed side by side with ours.

Run: ``.venv/bin/python bench/bench_cells.py [--case town|city|helsinki|all]``
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

RESULTS = ROOT / "bench" / "results"
CRS = "EPSG:4547"
X0, Y0 = 470_000.0, 2_530_000.0
#: case -> (grid nodes per side, street spacing at the edge in m, cells, time target s)
CASES = {"town": (52, 110.0, 300, 5.0), "city": (181, 110.0, 3000, 60.0),
         "helsinki": (0, 0.0, 300, 10.0)}
#: the real city-sized network of ``--case helsinki`` (OSM, see tests/data/README.md)
HELSINKI = ROOT / "tests" / "data" / "real" / "helsinki_centre.gpkg"

__all__ = ["make_roads", "run_case", "main"]


def make_roads(side: int, spacing: float, seed: int = 1):
    """A synthetic road network (GeoDataFrame of LineStrings in EPSG:4547)."""
    import geopandas as gpd

    rng = np.random.default_rng(seed)
    u = np.linspace(-1.0, 1.0, side)
    gx, gy = np.meshgrid(u, u)
    # blocks a third as wide in the centre as at the edge
    warp = lambda t: t * (0.5 + 0.5 * np.abs(t))  # noqa: E731
    half = spacing * (side - 1) / 2.0
    x = X0 + warp(gx) * half + rng.uniform(-0.1, 0.1, gx.shape) * spacing * 0.5
    y = Y0 + warp(gy) * half + rng.uniform(-0.1, 0.1, gy.shape) * spacing * 0.5
    node = np.arange(side * side).reshape(side, side)
    a = np.concatenate([node[:, :-1].ravel(), node[:-1, :].ravel()])
    b = np.concatenate([node[:, 1:].ravel(), node[1:, :].ravel()])
    ia, ja = np.divmod(a, side)
    ib, jb = np.divmod(b, side)
    ring = ((ia == ib) & np.isin(ia, (0, side - 1))) | ((ja == jb) & np.isin(ja, (0, side - 1)))
    drop = ~ring & (rng.random(len(a)) < 0.12)
    a, b = a[~drop], b[~drop]
    xy = np.stack([x.ravel(), y.ravel()], axis=1)
    p, q = xy[a], xy[b]
    d = q - p
    normal = np.stack([-d[:, 1], d[:, 0]], axis=1) / np.hypot(*d.T)[:, None]
    mid = (p + q) / 2 + normal * rng.uniform(-4, 4, (len(p), 1))
    streets = shapely.linestrings(np.stack([p, mid, q], axis=1))
    # dead-end lanes off one street in six, a few roads leaving town
    host = rng.choice(len(p), len(p) // 6, replace=False)
    start = mid[host]
    end = start + normal[host] * rng.choice([-1, 1], (len(host), 1)) * rng.uniform(
        15, 35, (len(host), 1))
    lanes = shapely.linestrings(np.stack([start, end], axis=1))
    edge_nodes = node[0, :: max(side // 6, 1)]
    out_p = xy[edge_nodes]
    exits = shapely.linestrings(np.stack([out_p, out_p - [0, 400.0]], axis=1))
    # streets are split where the lanes join them (junction-to-junction roads)
    split = np.zeros(len(p), dtype=bool)
    split[host] = True
    halves = np.concatenate([shapely.linestrings(np.stack([p[split], mid[split]], 1)),
                             shapely.linestrings(np.stack([mid[split], q[split]], 1))])
    geoms = np.concatenate([streets[~split], halves, lanes, exits])
    return gpd.GeoDataFrame({"road_id": np.arange(1, len(geoms) + 1)}, geometry=geoms, crs=CRS)


def run_case(case: str) -> dict:
    """Build the case's cells in this process and return the figures."""
    import geopandas as gpd

    from lever_grid.core.grid.partition import build_cells, polsby_popper
    from lever_grid.core.grid.roadnet import build_faces, repair_roads

    side, spacing, n_cells, _ = CASES[case]
    if case == "helsinki":
        roads = gpd.read_file(HELSINKI, layer="roads")
    else:
        roads = make_roads(side, spacing)
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    cells, report = build_cells(roads, n_cells)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    road = cells["road_length_m"].to_numpy()
    metric = cells.crs if cells.crs.is_projected else cells.estimate_utm_crs()
    pp = polsby_popper(cells.to_crs(metric).geometry.to_numpy())
    RESULTS.mkdir(parents=True, exist_ok=True)
    out = RESULTS / f"{case}.gpkg"
    out.unlink(missing_ok=True)
    if case != "helsinki":  # the enclosed blocks, for bench_cells_spopt.py
        faces = build_faces(repair_roads(roads.geometry.to_numpy())[0])
        gpd.GeoDataFrame({"face": np.arange(len(faces)), "road_length": faces.road_length},
                         geometry=faces.geoms, crs=CRS).to_file(out, layer="faces")
    cells.to_file(out, layer="cells")
    return {
        "case": case, "roads": len(roads), "faces": report["faces"], "cells": len(cells),
        "seconds": round(seconds, 2), "peak_mb": round(peak / 1024, 1),
        "peak_over_base_mb": round((peak - base_rss) / 1024, 1),
        "balance_ratio": round(float(road.max() / road.min()), 3),
        "pp_min": round(float(pp.min()), 3), "pp_mean": round(float(pp.mean()), 3),
        "road_edge_share": report["road_edge_share"],
    }


def _table(ours: dict, others: list[dict]) -> str:
    """Figures side by side: lever_grid, then every spopt run found in bench/results."""
    cols = [("lever_grid", ours)] + [(o["method"], o) for o in others]
    def done(fmt):
        return lambda r: fmt(r) if r.get("seconds") is not None else "-"

    rows = [
        ("faces -> cells", lambda r: f"{r['faces']} -> {r['cells']}"),
        ("time (s)", lambda r: f"{r['seconds']:.2f}" if r.get("seconds") is not None
         else f"> {r['timeout']} (gave up)"),
        ("peak RSS (MB)", lambda r: f"{r['peak_mb']:.0f} (+{r['peak_over_base_mb']:.0f})"),
        ("balance max/min", done(lambda r: f"{r['balance_ratio']:.3f}")),
        ("PP min / mean", done(lambda r: f"{r['pp_min']:.3f} / {r['pp_mean']:.3f}")),
        ("edges on roads", lambda r: f"{100 * r['road_edge_share']:.1f} %"
         if r.get("road_edge_share") is not None else "-"),
    ]
    width = [18] + [max(len(name) + 2, 22) for name, _ in cols]
    lines = ["".join(c.ljust(w) for c, w in zip([""] + [n for n, _ in cols], width, strict=True))]
    for label, fmt in rows:
        cells = [label] + [fmt(r) for _, r in cols]
        lines.append("".join(c.ljust(w) for c, w in zip(cells, width, strict=True)))
    if not others:
        lines.append("(no spopt figures yet: run .venv-bench/bin/python "
                     "bench/bench_cells_spopt.py --case CASE --method rkm|skater|azp)")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=(*CASES, "all"), default="all")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(run_case(args.case)))
        return 0
    cases = list(CASES) if args.case == "all" else [args.case]
    failed = False
    for case in cases:
        proc = subprocess.run([sys.executable, __file__, "--case", case, "--child"],
                              capture_output=True, text=True, check=True)
        ours = json.loads(proc.stdout.strip().splitlines()[-1])
        (RESULTS / f"{case}_lever_grid.json").write_text(json.dumps(ours))
        others = [json.loads(p.read_text())
                  for p in sorted(RESULTS.glob(f"{case}_spopt_*.json"))]
        target = CASES[case][3]
        ok = ours["seconds"] < target
        failed |= not ok
        print(f"\n== {case}: {ours['roads']} roads; target < {target:g} s: "
              f"{'met' if ok else 'MISSED'}")
        print(_table(ours, others))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
