"""Benchmark: camera siting (``lever-grid site``) at town and city scale.

Synthetic data from ``bench_coverage.make_data`` (seeded, EPSG:4547): ``town`` (300 cells,
3,000 existing cameras) with 5,000 candidates and K = 50; ``city`` (3,000 cells, 60,000
existing cameras) with 100,000 candidates and K = 500. Candidates are uniform over the
area (seeded), omnidirectional public2 cameras (60 m). Each case runs in a fresh
subprocess; time = wall clock of ``site_cameras`` (audit, candidate views, demand
arrangement, greedy) and the CPU time of the process (the machine is shared: the load
average is printed too), memory = peak RSS of that subprocess. The target for ``city`` is
< 120 s and < 3 GB on this machine.

``--scale sample`` is the small case timed against spopt's MCLP: the sample village as in
docs/action.md (724 road candidates, K = 5, 60 m, omnidirectional). It writes the greedy's
demand x candidate matrix (pieces of blind area x candidate views, 0/1, with the pieces'
areas; pieces no candidate sees are left out, pieces seen by the same set of candidates
are merged, which changes neither problem) to ``bench/results/siting_sample_mclp.npz``;
``bench/bench_siting_spopt.py`` (in ``.venv-bench``) solves the same maximal covering
problem exactly with spopt + CBC and leaves its figures in
``bench/results/siting_sample_spopt.json``, printed here beside the greedy's.

Run: ``.venv/bin/python bench/bench_siting.py [--scale town|city|sample|all]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

SCALES = {"town": (5_000, 50), "city": (100_000, 500)}
RESULTS = ROOT / "bench" / "results"
SAMPLE = ROOT / "resources" / "sample" / "yangwu.gpkg"
MCLP_MATRIX = RESULTS / "siting_sample_mclp.npz"
SPOPT_FIGURES = RESULTS / "siting_sample_spopt.json"
SAMPLE_K = 5


def run_sample(k: int = SAMPLE_K) -> dict:
    """The sample village (K sites); the greedy's matrix is saved for the spopt run."""
    import scipy.sparse as sp

    from lever_grid.core.action import siting

    seen: dict = {}
    greedy = siting.lazy_greedy

    def timed_greedy(cover, weight, need, count, **kw):
        t = time.perf_counter()
        choice = greedy(cover, weight, need, count, **kw)
        seen.update(cover=sp.csr_matrix(cover), weight=np.asarray(weight, float),
                    seconds=time.perf_counter() - t, options=choice.options)
        return choice

    siting.lazy_greedy = timed_greedy
    layers = {n: gpd.read_file(SAMPLE, layer=n) for n in ("cells", "cameras", "roads",
                                                            "buildings")}
    started = time.perf_counter()
    out = siting.site_cameras(layers["cells"], layers["cameras"], k,
                              roads=layers["roads"], buildings=layers["buildings"])
    seconds = time.perf_counter() - started
    cover, weight = seen["cover"], seen["weight"]
    covered = np.asarray(cover[:, seen["options"]].sum(axis=1)).ravel() > 0
    # the same problem, smaller: drop pieces no candidate sees, merge identical rows
    reach = np.diff(cover.indptr) > 0
    rows = cover[reach].tolil().rows
    keys: dict[tuple, int] = {}
    merged_w: list[float] = []
    merged_rows: list[list[int]] = []
    for r, w in zip(rows, weight[reach], strict=True):
        row = keys.setdefault(tuple(r), len(merged_w))
        if row == len(merged_w):
            merged_w.append(0.0)
            merged_rows.append(list(r))
        merged_w[row] += w
    indptr = np.cumsum([0] + [len(r) for r in merged_rows])
    indices = np.concatenate([np.asarray(r, np.int64) for r in merged_rows])
    RESULTS.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(MCLP_MATRIX, indptr=indptr, indices=indices,
                        n_options=cover.shape[1], weight=np.asarray(merged_w), k=k)
    sites = out["sites"]
    return {"scale": "sample", "cameras": len(layers["cameras"]), "candidates": cover.shape[1],
            "k": k, "chosen": len(sites), "seconds": round(seconds, 1),
            "greedy_seconds": round(seen["seconds"], 3),
            "pieces": cover.shape[0], "rows": len(merged_w),
            "objective_m2": float(weight[covered].sum()),
            "gain_m2": float(sites["cumulative_gain_m2"].iloc[-1]),
            "share": float(sites["cumulative_share"].iloc[-1]),
            "cpu_seconds": round(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]), 1),
            "load": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "log": []}


def run_case(scale: str, k: int = SAMPLE_K) -> dict:
    if scale == "sample":
        return run_sample(k)
    from bench_coverage import CRS, make_data

    from lever_grid.core.action.siting import site_cameras
    from lever_grid.core.progress import Progress

    data = make_data(scale)
    n_cand, k = SCALES[scale]
    x0, y0, x1, y1 = data["cells"].total_bounds
    rng = np.random.default_rng(7)
    cands = gpd.GeoDataFrame(geometry=shapely.points(
        np.column_stack([rng.uniform(x0, x1, n_cand), rng.uniform(y0, y1, n_cand)])), crs=CRS)
    steps: list[tuple[float, str]] = []
    started = time.perf_counter()
    log = Progress(log=lambda m: steps.append((time.perf_counter() - started, m)))
    out = site_cameras(data["cells"], data["cameras"], k, candidates=cands, progress=log)
    seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    sites = out["sites"]
    return {"scale": scale, "cameras": len(data["cameras"]), "candidates": n_cand, "k": k,
            "chosen": len(sites), "seconds": round(seconds, 1),
            "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
            "load": round(os.getloadavg()[0], 1),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            "gain_m2": float(sites["cumulative_gain_m2"].iloc[-1]) if len(sites) else 0.0,
            "share": float(sites["cumulative_share"].iloc[-1]) if len(sites) else 0.0,
            "log": [f"{t:7.1f} s  {m}" for t, m in steps]}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scale", choices=(*SCALES, "sample", "all"), default="all")
    p.add_argument("--k", type=int, default=SAMPLE_K, help="sites in the sample case")
    p.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case here
    args = p.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case, args.k)))
        return 0
    for scale in (*SCALES, "sample") if args.scale == "all" else (args.scale,):
        done = subprocess.run([sys.executable, __file__, "--case", scale, "--k", str(args.k)],
                              capture_output=True, text=True, cwd=ROOT)
        if done.returncode:
            print(done.stderr[-2000:])
            return 1
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(f"{r['scale']}: {r['cameras']} cameras, {r['candidates']} candidates, K = "
              f"{r['k']}: {r['chosen']} sites, +{r['gain_m2']:.0f} m² "
              f"({100 * r['share']:.1f} % of the blind area) in {r['seconds']} s "
              f"({r['cpu_seconds']} s CPU, load {r['load']}), peak {r['peak_rss_mb']} MB")
        for line in r["log"]:
            print("   ", line)
        if scale == "sample":
            print(sample_side_by_side(r))
    return 0


def sample_side_by_side(r: dict) -> str:
    """The greedy beside spopt's exact MCLP on the same matrix (if it was run)."""
    lines = [f"    greedy (lazy, lever_grid): {r['greedy_seconds']} s on {r['pieces']} pieces x "
             f"{r['candidates']} candidates, covers {r['objective_m2']:.1f} m²"]
    if not SPOPT_FIGURES.exists():
        lines.append("    (no spopt figures yet: run .venv-bench/bin/python "
                     "bench/bench_siting_spopt.py)")
        return "\n".join(lines)
    s = json.loads(SPOPT_FIGURES.read_text())
    lines.append(f"    spopt MCLP + CBC ({s['rows']} merged rows): build {s['build_seconds']} s, "
                 f"solve {s['solve_seconds']} s, covers {s['objective_m2']:.1f} m² "
                 f"(greedy / optimum = {r['objective_m2'] / s['objective_m2']:.4f}), "
                 f"peak {s['peak_rss_mb']} MB")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
