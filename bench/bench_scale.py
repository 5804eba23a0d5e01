"""Benchmark: the partitioned engines (chunked single machine, Dask) from town to province.

Synthetic data from :func:`bench_coverage.make_data` (scales ``town``, ``city``,
``city+bld`` = the city with 100,000 buildings, ``province`` = 50,000 cells, 1,000,000
cameras, 10,000,000 incidents, 1,000,000 buildings). Every case runs in a fresh process
(data generated there, outside the timing); all layers are on (overlap included).

Cases:

``one``       ``analyse`` in one pass (the reference for the comparisons);
``chunked``   ``analyse_scaled(engine="single", partitions=P)``;
``dask``      ``analyse_scaled`` on a LocalCluster of ``--workers`` processes with
              ``--ppc`` partitions per worker (1, 2, 4 by default);
``naive``     the naive geopandas chain of bench_coverage (blind area only).

Reported: wall time, CPU seconds (driver + workers; on a busy machine the steadier
figure), peak RSS of the driver process and of each Dask worker, time per
camera and per incident, the tasks' own times (views, watch, coverage: count, sum, max:
the per-partition costs docs/scale.md extrapolates from) and the largest difference from
``one`` (blind_m2, covered_m2 relative; cameras and incident counts exactly).

Run: ``.venv/bin/python bench/bench_scale.py [--scale city] [--cases one,chunked,dask,naive]
[--workers 2] [--ppc 1,2,4] [--partitions 8] [--save runs.jsonl]``; the scaling table
from town to province: ``bench/bench_scale.py --table runs.jsonl``. Machine load
(``os.getloadavg``) is printed with each case: figures taken on a busy machine are upper
bounds.
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

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT), str(HERE)]

from bench_coverage import SCALES, make_data, naive_blind  # noqa: E402

COLUMNS = ("blind_m2", "covered_m2", "cameras", "incidents_current", "incidents_in_blind")


def _peak_rss_gb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2


def _summary(layers: dict) -> dict:
    stats = layers["cell_stats"]
    return {c: [float(v) for v in stats[c].to_numpy()] for c in COLUMNS} | {
        "overlap_rows": len(layers["overlap"]), "blind_rows": len(layers["blind_spots"]),
        "overlap_m2": float(layers["overlap"]["area_m2"].sum())}


def _stage_costs(pairs: list[tuple[str, float]]) -> dict:
    out: dict = {}
    for name, seconds in pairs:
        entry = out.setdefault(name, {"n": 0, "sum_s": 0.0, "max_s": 0.0})
        entry["n"] += 1
        entry["sum_s"] += seconds
        entry["max_s"] = max(entry["max_s"], seconds)
    return out


def run_case(case: str, scale: str, workers: int, ppc: int, partitions: int) -> dict:
    """One case in this process; a JSON-able record."""
    from lever_grid.core.pipeline import analyse
    from lever_grid.core.progress import Progress
    from lever_grid.core.scale.engine import analyse_scaled

    data = make_data(scale)
    kw = dict(incidents=data["incidents"],
              buildings=data["buildings"] if len(data["buildings"]) else None,
              min_blind_area=0.0, progress=Progress(log=lambda _m: None))
    record: dict = {"case": case, "scale": scale, "load": os.getloadavg()[0]}
    t0, cpu0 = time.perf_counter(), _cpu_s()
    if case == "naive":
        blind = naive_blind(data)
        record["summary"] = {"blind_m2": [float(v) for v in blind]}
    elif case == "one":
        record["summary"] = _summary(analyse(data["cells"], data["cameras"], **kw))
    elif case == "chunked":
        from lever_grid.core.scale.runners import SerialRunner

        runner = SerialRunner()
        record["summary"] = _summary(analyse_scaled(data["cells"], data["cameras"],
                                                    runner=runner, partitions=partitions, **kw))
        record["partitions"] = partitions
        record["tasks"] = _stage_costs(runner.timings)
    else:
        from distributed import get_task_stream

        from lever_grid.core.scale.dask_engine import DaskRunner

        with DaskRunner(workers, processes=True) as runner:
            started = time.perf_counter()
            with get_task_stream(runner.client) as stream:
                layers = analyse_scaled(data["cells"], data["cameras"], runner=runner,
                                        partitions=workers * ppc, **kw)
            record["cluster_start_s"] = started - t0
            record["run_s"] = time.perf_counter() - started
            record["summary"] = _summary(layers)
            record["worker_rss_gb"] = sorted(
                v / 1024**2 for v in runner.client.run(_worker_rss).values())
            record["worker_cpu_s"] = sorted(runner.client.run(_cpu_s).values())
            pairs = []
            for task in stream.data:
                name = str(task["key"][0] if isinstance(task["key"], tuple) else task["key"])
                name = name.split("-", 1)[0]  # fn-<uuid>
                if name == "unit_of":
                    continue
                compute = [s for s in task["startstops"] if s["action"] == "compute"]
                pairs += [(name, s["stop"] - s["start"]) for s in compute]
            record["tasks"] = _stage_costs(pairs)
        record["partitions"] = workers * ppc
        record["workers"] = workers
    record["seconds"] = time.perf_counter() - t0
    record["rss_gb"] = _peak_rss_gb()
    record["cpu_s"] = _cpu_s() - cpu0
    return record


def _cpu_s() -> float:
    use = resource.getrusage(resource.RUSAGE_SELF)
    return use.ru_utime + use.ru_stime


def _worker_rss() -> int:
    """The worker process's own peak RSS in kB: VmHWM (``ru_maxrss`` would do, but Linux
    keeps it across the fork and exec that start a worker, so a worker would report the
    driver's size at that moment if that was larger than its own peak)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource as res

    return res.getrusage(res.RUSAGE_SELF).ru_maxrss


def _child(case: str, scale: str, workers: int, ppc: int, partitions: int) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--case", case, "--scale", scale,
                           "--workers", str(workers), "--ppc", str(ppc),
                           "--partitions", str(partitions)],
                          capture_output=True, text=True, cwd=ROOT,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"{case}/{scale} failed:\n{proc.stdout}\n{proc.stderr[-3000:]}")
    return json.loads(lines[-1])


def _worst(got: dict, want: dict) -> str:
    out = []
    for col in COLUMNS:
        if col not in got or col not in want:
            continue
        a, b = np.asarray(got[col]), np.asarray(want[col])
        if col.endswith("_m2"):
            big = np.abs(b) > 0
            rel = float(np.max(np.abs(a - b)[big] / np.abs(b[big]))) if big.any() else 0.0
            out.append(f"{col} {rel:.1e}")
        else:
            out.append(f"{col} {'=' if np.array_equal(a, b) else 'DIFF'}")
    return ", ".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=tuple(SCALES), default="city")
    parser.add_argument("--cases", default="one,chunked,dask,naive")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--ppc", default="1,2,4", help="Dask partitions per worker")
    parser.add_argument("--partitions", type=int, default=8, help="chunked: partitions")
    parser.add_argument("--save", type=Path, help="append every record (JSON lines) here")
    parser.add_argument("--table", type=Path, nargs="+",
                        help="print the scaling table of saved records and stop")
    parser.add_argument("--case", help=argparse.SUPPRESS)  # internal: one case, JSON out
    args = parser.parse_args(argv)
    if args.table:
        return scaling_table(args.table)
    if args.case:
        print(json.dumps(run_case(args.case, args.scale, args.workers, int(args.ppc),
                                  args.partitions)))
        return 0
    spec = SCALES[args.scale]
    n_cells = spec["grid"][0] * spec["grid"][1]
    print(f"{args.scale}: {n_cells:,} cells, {spec['cameras']:,} cameras, "
          f"{spec['incidents']:,} incidents, {spec['buildings']:,} buildings; all layers on")
    results = []
    for case in args.cases.split(","):
        for ppc in (args.ppc.split(",") if case == "dask" else ["1"]):
            print(f"running {case} (ppc {ppc}) ...", flush=True)
            res = _child(case, args.scale, args.workers, int(ppc), args.partitions)
            results.append(res)
            if args.save:
                with args.save.open("a", encoding="utf-8") as fh:
                    fh.write(json.dumps(res) + "\n")
            print(json.dumps({k: v for k, v in res.items() if k not in ("summary", "tasks")}),
                  flush=True)
    base = next((r for r in results if r["case"] == "one"), None)
    print(f"\n{'case':8} {'parts':>5} {'wall s':>8} {'cpu s':>7} {'load':>5} {'driver':>7} "
          f"{'worker max':>10} {'us/camera':>9} {'us/incid.':>9}  vs one")
    for r in results:
        worker = max(r.get("worker_rss_gb", [0.0])) or float("nan")
        cpu = r.get("cpu_s", float("nan")) + sum(r.get("worker_cpu_s", []))
        print(f"{r['case']:8} {r.get('partitions', 1):5d} {r['seconds']:8.1f} {cpu:7.1f} "
              f"{r['load']:5.1f} "
              f"{r['rss_gb']:6.2f}G {worker:9.2f}G "
              f"{1e6 * r['seconds'] / spec['cameras']:9.1f} "
              f"{1e6 * r['seconds'] / spec['incidents']:9.2f}  "
              + (_worst(r["summary"], base["summary"]) if base and r is not base else "")
              + (f"  (cluster start {r['cluster_start_s']:.1f} s, run {r['run_s']:.1f} s)"
                 if "run_s" in r else ""))
        for name, t in sorted(r.get("tasks", {}).items()):
            print(f"{'':8} {name:>22}: {t['n']:4d} tasks, {t['sum_s']:8.2f} s in all, "
                  f"max {t['max_s']:.2f} s")
    return 0


def scaling_table(files: list[Path]) -> int:
    """Town to province from saved records: time and CPU per camera, per incident, per cell.

    The CPU column adds the driver's and the workers' CPU seconds; on this 2-CPU machine
    it is the steadier figure (wall time depends on the load, printed with each row).
    """
    records = [json.loads(line) for f in files for line in f.read_text().splitlines()
               if line.strip()]
    print(f"{'scale':9} {'case':8} {'parts':>5} {'cells':>7} {'cameras':>9} {'incidents':>10} "
          f"{'buildings':>9} {'wall s':>8} {'CPU s':>8} {'load':>5} {'ms CPU/cell':>11} "
          f"{'us CPU/camera':>13} {'us CPU/incid.':>13} {'driver GB':>9} {'worker GB':>9}")
    for r in records:
        spec = SCALES[r["scale"]]
        cells = spec["grid"][0] * spec["grid"][1]
        cpu = r.get("cpu_s", float("nan")) + sum(r.get("worker_cpu_s", []))
        worker = max(r.get("worker_rss_gb", [float("nan")]))
        print(f"{r['scale']:9} {r['case']:8} {r.get('partitions', 1):5d} {cells:7,d} "
              f"{spec['cameras']:9,d} {spec['incidents']:10,d} {spec['buildings']:9,d} "
              f"{r['seconds']:8.1f} {cpu:8.1f} {r['load']:5.1f} {1e3 * cpu / cells:11.2f} "
              f"{1e6 * cpu / spec['cameras']:13.1f} {1e6 * cpu / spec['incidents']:13.2f} "
              f"{r['rss_gb']:9.2f} {worker:9.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
