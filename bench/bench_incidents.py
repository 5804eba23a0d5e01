"""Benchmark: incident statistics on 600,000 incidents and 3,000 square cells.

A 60 x 50 grid of 100 m squares in EPSG:4547 (CGCS2000 / 3-degree Gauss-Kruger CM 114E,
near 113.72E 22.88N), 600,000 synthetic incidents (2% outside the grid, dates from
2024-01-01 to 2025-05-20, five categories) and six police offices. Times the read-free
statistics (``incident_stats``: attaching incidents to cells plus per-cell and per-office
figures; target < 3 s) and the naive geopandas chain (``gpd.sjoin`` + ``groupby``) on the
same data, checks that both give the same counts and prints the ratio.

Run: ``.venv/bin/python bench/bench_incidents.py [--incidents N] [--repeat R]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lever_grid.core.stats.incidents import assign_cells, incident_stats  # noqa: E402

__all__ = ["make_data", "naive_chain", "main"]

CRS = "EPSG:4547"
X0, Y0, SIZE, NX, NY = 470_000.0, 2_530_000.0, 100.0, 60, 50
CATEGORIES = np.array(["盗窃", "诈骗", "纠纷", "交通", "其他"], dtype=object)
TARGET_S = 3.0


def make_data(n: int, seed: int = 0) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """(incidents, cells) of the benchmark, both in EPSG:4547."""
    rng = np.random.default_rng(seed)
    ix, iy = np.meshgrid(np.arange(NX), np.arange(NY))
    ix, iy = ix.ravel(), iy.ravel()
    boxes = shapely.box(X0 + ix * SIZE, Y0 + iy * SIZE, X0 + (ix + 1) * SIZE,
                        Y0 + (iy + 1) * SIZE)
    office = np.array([f"派出所{k + 1}" for k in range(6)], dtype=object)[ix // 10]
    cells = gpd.GeoDataFrame({"cell_id": np.arange(1, NX * NY + 1), "police_office": office},
                             geometry=boxes, crs=CRS)
    # 2% of the incidents fall in a 50 m band around the grid, outside every cell
    margin = 50.0
    width, height = NX * SIZE, NY * SIZE
    outside_share = 0.02
    k_out = int(n * outside_share)
    xs = rng.uniform(X0, X0 + width, n)
    ys = rng.uniform(Y0, Y0 + height, n)
    xs[:k_out] = X0 - margin * rng.uniform(0.01, 1.0, k_out)
    start = np.datetime64("2024-01-01T00:00", "s").astype(np.int64)
    end = np.datetime64("2025-05-20T23:59", "s").astype(np.int64)
    when = pd.to_datetime(rng.integers(start, end, n), unit="s").astype("datetime64[ns]")
    incidents = gpd.GeoDataFrame(
        {
            "incident_id": pd.Series(np.arange(n)).astype(str).radd("I"),
            "occurred_at": when,
            "category": CATEGORIES[rng.integers(0, len(CATEGORIES), n)],
        },
        geometry=gpd.points_from_xy(xs, ys),
        crs=CRS,
    )
    return incidents, cells


def naive_chain(incidents: gpd.GeoDataFrame, cells: gpd.GeoDataFrame,
                current: tuple, previous: tuple) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The straightforward geopandas way: sjoin, then groupby per period."""
    joined = gpd.sjoin(incidents, cells, how="left", predicate="within")
    t = joined["occurred_at"]
    joined["period"] = np.where((t >= current[0]) & (t < current[1]), "current",
                                np.where((t >= previous[0]) & (t < previous[1]), "previous",
                                         ""))
    inside = joined[joined["cell_id"].notna() & (joined["period"] != "")]
    per_cell = inside.groupby(["cell_id", "period"]).size().unstack(fill_value=0)
    per_cell = per_cell.reindex(cells["cell_id"], fill_value=0)
    per_cell["change_pct"] = ((per_cell["current"] - per_cell["previous"])
                              / per_cell["previous"] * 100).round(2)
    cats = inside[inside["period"] == "current"].groupby(
        ["cell_id", "category"]).size().unstack(fill_value=0)
    per_cell = per_cell.join(cats.add_prefix("cat_"), how="left").fillna(0)
    per_office = inside.groupby(["police_office", "period"]).size().unstack(fill_value=0)
    per_office["change_pct"] = ((per_office["current"] - per_office["previous"])
                                / per_office["previous"] * 100).round(2)
    return per_cell, per_office


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--incidents", type=int, default=600_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    t0 = time.perf_counter()
    incidents, cells = make_data(args.incidents)
    print(f"data: {len(incidents):,} incidents, {len(cells):,} cells "
          f"({NX}x{NY} squares of {SIZE:.0f} m, {CRS}); made in {time.perf_counter() - t0:.2f} s")

    polys = np.asarray(cells.geometry.values)
    ids = cells["cell_id"].to_numpy()
    offices = cells["police_office"].to_numpy()
    points = np.asarray(incidents.geometry.values)

    t_assign, _ = _best(lambda: assign_cells(points, polys, ids), args.repeat)
    t_stats, stats = _best(lambda: incident_stats(incidents, polys, ids, offices),
                           args.repeat)
    t_naive, (naive_cells, naive_offices) = _best(
        lambda: naive_chain(incidents, cells, stats.current, stats.previous), args.repeat)

    same_cells = (np.array_equal(naive_cells["current"].to_numpy(),
                                 stats.cells["incidents_current"].to_numpy())
                  and np.array_equal(naive_cells["previous"].to_numpy(),
                                     stats.cells["incidents_previous"].to_numpy()))
    office_cur = stats.offices.set_index("police_office")["incidents_current"]
    same_offices = bool((naive_offices["current"].reindex(office_cur.index) == office_cur).all())

    print(f"periods: current {stats.current[0]:%Y-%m-%d}..{stats.current[1]:%Y-%m-%d} "
          f"(exclusive), previous {stats.previous[0]:%Y-%m-%d}..{stats.previous[1]:%Y-%m-%d}")
    print(f"in cells: current {int(stats.cells['incidents_current'].sum()):,}, previous "
          f"{int(stats.cells['incidents_previous'].sum()):,}; outside {stats.outside:,}")
    print(f"assign_cells (STRtree + lexsort):        {t_assign:6.3f} s")
    print(f"incident_stats (attach + cell + office): {t_stats:6.3f} s  "
          f"(target < {TARGET_S:.0f} s: {'OK' if t_stats < TARGET_S else 'MISSED'})")
    print(f"naive gpd.sjoin + groupby:               {t_naive:6.3f} s")
    print(f"ratio naive / incident_stats:            {t_naive / t_stats:6.2f}x")
    print(f"same per-cell counts: {same_cells}; same per-office counts: {same_offices}")
    print(f"best of {args.repeat} runs each")
    return 0 if t_stats < TARGET_S and same_cells and same_offices else 1


if __name__ == "__main__":
    raise SystemExit(main())
