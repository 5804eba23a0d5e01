"""Benchmark: grid cells on the real road networks of tests/data/real and a tree-like
suburb: time, faces, balance, compactness, the share of cell edges on roads, the share
of the outline covered and the road length left outside every cell (measured with
shapely on the input lines). Prints a Markdown table (the one in docs/cells.md).

Run: ``.venv/bin/python bench/bench_cells_real.py``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from lever_grid.core.crs import MetricFrame  # noqa: E402
from lever_grid.core.grid.outline import derive_outline  # noqa: E402
from lever_grid.core.grid.partition import build_cells  # noqa: E402
from tests.core.test_cells_real import tree_suburb  # noqa: E402

REAL = ROOT / "tests" / "data" / "real"
CASES = [
    ("Prague Bubeneč (35 streets)", "prague_bubenec", "streets", (6, 14)),
    ("New York Upper West Side (73 OSM edges)", "nyc_upper_west_side", "streets", (6, 14)),
    ("Kotka Karhula (331 OSM lines)", "kotka_karhula", "roads", (6, 14)),
    ("Helsinki centre (2,469 OSM lines)", "helsinki_centre", "roads", (14, 42)),
    ("tree-like suburb (65 roads, no block)", None, None, (6, 14)),
]


def measure(roads: gpd.GeoDataFrame, n: int) -> dict:
    started = time.perf_counter()
    cells, report = build_cells(roads, n)
    seconds = time.perf_counter() - started
    frame = MetricFrame.of(roads)
    lines = frame.forward(roads).geometry.to_numpy()
    geoms = frame.forward(cells).geometry.to_numpy()
    outline = derive_outline(lines)
    union = shapely.union_all(geoms)
    network = shapely.union_all(lines)
    road = cells["road_length_m"].to_numpy()
    return {
        "faces": report["faces"], "seconds": seconds, "balance": road.max() / road.min(),
        "pp_min": report["pp_min"], "edge_share": report["road_edge_share"],
        "cover": shapely.area(shapely.intersection(union, outline)) / shapely.area(outline),
        "outside_m": shapely.length(shapely.difference(network, shapely.buffer(union, 1e-6))),
        "valid": bool(shapely.is_valid(geoms).all() and (shapely.get_type_id(geoms) == 3).all()),
    }


def main() -> int:
    print("| network | N | faces | balance | PP min | edges on roads | outline covered "
          "| road outside | valid polygons | time |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for label, name, layer, counts in CASES:
        roads = tree_suburb() if name is None else gpd.read_file(REAL / f"{name}.gpkg",
                                                                  layer=layer)
        for n in counts:
            with np.errstate(invalid="ignore"):
                r = measure(roads, n)
            print(f"| {label} | {n} | {r['faces']:,} | {r['balance']:.2f} | {r['pp_min']:.2f} "
                  f"| {100 * r['edge_share']:.0f} % | {100 * r['cover']:.2f} % "
                  f"| {r['outside_m']:.2f} m | {'yes' if r['valid'] else 'NO'} "
                  f"| {r['seconds']:.1f} s |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
