"""spopt's maximal covering location problem (MCLP) on the matrix of ``bench_siting.py``.

Reads ``bench/results/siting_sample_mclp.npz`` (written by ``bench_siting.py --scale
sample``: demand rows x candidate columns, 0/1, and each row's blind area), solves it
exactly with ``spopt.locate.MCLP.from_cost_matrix`` (cost 0 where a candidate sees the
row, 1 elsewhere, service radius 0.5) and CBC through PuLP, and writes the time to build
the model, the time to solve it, the area covered and the chosen columns to
``bench/results/siting_sample_spopt.json``.

Needs its own virtual environment (spopt pulls wheels of shapely/pyproj with their own
GEOS/PROJ, which must not enter the QGIS venv)::

    /usr/bin/python3 -m venv .venv-bench
    .venv-bench/bin/pip install spopt pulp geopandas shapely pyogrio
    .venv/bin/python bench/bench_siting.py --scale sample
    .venv-bench/bin/python bench/bench_siting_spopt.py
    .venv/bin/python bench/bench_siting.py --scale sample   # prints both
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"


def main() -> int:
    import pulp
    from spopt.locate import MCLP

    data = np.load(RESULTS / "siting_sample_mclp.npz")
    indptr, indices = data["indptr"], data["indices"]
    weight, k, n_options = data["weight"], int(data["k"]), int(data["n_options"])
    seen = np.zeros((len(weight), n_options), dtype=bool)
    seen[np.repeat(np.arange(len(weight)), np.diff(indptr)), indices] = True
    cost = np.where(seen, 0.0, 1.0)
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    model = MCLP.from_cost_matrix(cost, weight, service_radius=0.5, p_facilities=k)
    built = time.perf_counter()
    model.solve(pulp.PULP_CBC_CMD(msg=False), results=False)
    solved = time.perf_counter()
    chosen = [j for j, var in enumerate(model.fac_vars) if var.value() > 0.5]
    figures = {"rows": len(weight), "candidates": n_options, "k": k, "chosen": chosen,
               "objective_m2": float(weight[seen[:, chosen].any(axis=1)].sum()),
               "build_seconds": round(built - started, 2),
               "solve_seconds": round(solved - built, 2),
               "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
               "rss_growth_mb": round((resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
                                       - before) / 1024)}
    (RESULTS / "siting_sample_spopt.json").write_text(json.dumps(figures, indent=1))
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
