"""spopt on the same faces as ``bench/bench_cells.py``, for comparison.

Reads the faces (with their road length) that ``bench_cells.py`` wrote to
``bench/results/<case>.gpkg``, builds rook (shared edge) contiguity and partitions them into
the same number of regions with spopt, then prints time, peak memory (``ru_maxrss`` minus the
RSS after imports), balance ratio (max/min road length per region; a face's road length
already counts shared roads half) and Polsby-Popper compactness (min, mean). The figures go
to ``bench/results/<case>_spopt_<method>.json``, which ``bench_cells.py`` prints beside its own.

Methods: ``rkm`` (Region-K-means on the face centroids: compact contiguous regions, no
balancing term), ``skater`` (SKATER on the centroids with a floor of half the mean number
of faces per region; it builds a dense N x N dissimilarity matrix, so it is only run on the
town) and ``azp`` (AZP on road length). None of spopt's methods balances a sum exactly; these
are the closest that finish in reasonable time.

Needs its own virtual environment (spopt pulls wheels of shapely/pyproj with their own
GEOS/PROJ, which must not enter the QGIS venv)::

    /usr/bin/python3 -m venv .venv-bench
    .venv-bench/bin/pip install spopt geopandas shapely pyogrio
    .venv-bench/bin/python bench/bench_cells_spopt.py --case town --method rkm
"""

from __future__ import annotations

import argparse
import json
import resource
import signal
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
CELLS = {"town": 300, "city": 3000}


def _load(case: str) -> gpd.GeoDataFrame:
    path = RESULTS / f"{case}.gpkg"
    if not path.exists():
        sys.exit(f"{path} not found: run .venv/bin/python bench/bench_cells.py first")
    return gpd.read_file(path, layer="faces")


def _solve(method: str, faces: gpd.GeoDataFrame, n: int):
    from libpysal.weights import Rook

    w = Rook.from_dataframe(faces, use_index=False, silence_warnings=True)
    xy = np.c_[faces.geometry.centroid.x, faces.geometry.centroid.y]
    xy = (xy - xy.mean(axis=0)) / xy.std(axis=0)
    if method == "rkm":
        from spopt.region import RegionKMeansHeuristic

        model = RegionKMeansHeuristic(xy, n, w, seed=0)
        model.solve()
        return np.asarray(model.labels_), "spopt Region-K-means"
    frame = faces.assign(x=xy[:, 0], y=xy[:, 1])
    if method == "skater":
        from spopt.region import Skater

        floor = max(int(len(faces) / n / 2), 1)
        model = Skater(frame, w, ["x", "y"], n_clusters=n, floor=floor)
        model.solve()
        return np.asarray(model.labels_), f"spopt SKATER (floor {floor} faces)"
    from spopt.region import AZP

    model = AZP(frame, w, ["road_length"], n_clusters=n, random_state=0)
    model.solve()
    return np.asarray(model.labels_), "spopt AZP"


NAMES = {"rkm": "spopt Region-K-means", "skater": "spopt SKATER", "azp": "spopt AZP"}


class _TimeUp(Exception):
    pass


def _alarm(signum, frame):
    raise _TimeUp


def run(case: str, method: str, timeout: int) -> dict:
    faces = _load(case)
    n = CELLS[case]
    base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(timeout)
    try:
        labels, name = _solve(method, faces, n)
    except _TimeUp:
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return {"method": NAMES[method], "faces": len(faces), "cells": n,
                "seconds": None, "timeout": timeout, "peak_mb": round(peak / 1024, 1),
                "peak_over_base_mb": round((peak - base) / 1024, 1)}
    finally:
        signal.alarm(0)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    labels = np.unique(np.asarray(labels), return_inverse=True)[1].ravel()
    road = np.bincount(labels, weights=faces["road_length"].to_numpy())
    road = road[np.unique(labels)]
    cells = faces.assign(region=labels).dissolve(by="region")
    pp = 4 * np.pi * cells.area.to_numpy() / cells.length.to_numpy() ** 2
    return {
        "method": name, "faces": len(faces), "cells": int(len(np.unique(labels))),
        "seconds": round(seconds, 2), "peak_mb": round(peak / 1024, 1),
        "peak_over_base_mb": round((peak - base) / 1024, 1),
        "balance_ratio": round(float(road.max() / road.min()), 3) if road.min() > 0
        else float("inf"),
        "pp_min": round(float(pp.min()), 3), "pp_mean": round(float(pp.mean()), 3),
        "multipart_regions": int((cells.geom_type != "Polygon").sum()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--case", choices=tuple(CELLS), default="town")
    parser.add_argument("--method", choices=("rkm", "skater", "azp"), default="rkm")
    parser.add_argument("--timeout", type=int, default=1800, metavar="S",
                        help="give up after S seconds and record that (default 1800)")
    args = parser.parse_args(argv)
    result = run(args.case, args.method, args.timeout)
    out = RESULTS / f"{args.case}_spopt_{args.method}.json"
    out.write_text(json.dumps(result))
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
