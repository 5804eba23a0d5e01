"""Benchmark: camera siting (``lever-grid site``) at town and city scale.

Synthetic data from ``bench_coverage.make_data`` (seeded, EPSG:4547): ``town`` (300 cells,
3,000 existing cameras) with 5,000 candidates and K = 50; ``city`` (3,000 cells, 60,000
existing cameras) with 100,000 candidates and K = 500. Candidates are uniform over the
area (seeded), omnidirectional public2 cameras (60 m). Each case runs in a fresh
subprocess; time = wall clock of ``site_cameras`` (audit, candidate views, demand
arrangement, greedy) and the CPU time of the process (the machine is shared: the load
average is printed too), memory = peak RSS of that subprocess. The target for ``city`` is
< 120 s and < 3 GB on this machine.

Run: ``.venv/bin/python bench/bench_siting.py [--scale town|city|all]``
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


def run_case(scale: str) -> dict:
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
    p.add_argument("--scale", choices=(*SCALES, "all"), default="all")
    p.add_argument("--case", help=argparse.SUPPRESS)  # internal: run one case here
    args = p.parse_args(argv)
    if args.case:
        print(json.dumps(run_case(args.case)))
        return 0
    for scale in SCALES if args.scale == "all" else (args.scale,):
        done = subprocess.run([sys.executable, __file__, "--case", scale], capture_output=True,
                              text=True, cwd=ROOT)
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
