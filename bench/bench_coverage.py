"""Benchmark: camera coverage (blind area per cell) against the naive and the QGIS chains.

Synthetic data, generated here and deterministic (seeded), in EPSG:4547:

* cells: Voronoi cells of a jittered 200 m lattice, clipped to the area (they tile it);
* cameras: five kinds, 5 % offline, 30 % without range_m (default by kind), 55 % with a
  heading (fov 30-150°, 10 % without fov = default 90°), 2 % a little outside the area;
* incidents: uniform, 2 % outside the area, dates 2024-01-01 .. 2025-05-20;
* buildings (occlusion case): non-overlapping rotated rectangles on a jittered lattice.

Scales: ``town`` (300 cells, 3,000 cameras, 30,000 incidents, 8,000 buildings) and
``city`` (3,000 cells, 60,000 cameras, 600,000 incidents).

Chains timed (each case in a fresh subprocess; time = best of ``--repeat`` runs, memory =
peak RSS of that subprocess from ``resource.getrusage``):

``ours``        ``lever_grid.core.analysis.analyse`` in memory: views, coverage, blind
                spots, overlap, road-free cell_stats and incident statistics (the other
                chains leave the incidents out);
``ours-noov``   ``analyse(..., overlap=False)``: the same without the overlap layer (the
                naive and QGIS chains compute blind areas only);
``ours+bld``    ``ours`` with the buildings (occlusion and watch area);
``naive``       geopandas: view polygons → ``union_all`` → ``cells.difference`` per cell;
``naive-all``   ``naive`` plus the overlap layer the geopandas way: view outlines noded
                (``union_all``) → ``polygonize`` → views per face by ``sjoin`` →
                ``overlay`` with the cells → ``dissolve`` per (cell, n);
``qgis``        QGIS Processing in this process (qgis.core, offscreen): native:buffer
                (circles, SEGMENTS=16) + native:wedgebuffers → native:segmentizebymaxangle
                (5.625°) for sectors → native:mergevectorlayers → native:dissolve →
                native:difference with the cells.

Each chain's blind area per cell is compared with ours (max relative difference over the
cells with at least 1 m² blind, and max absolute difference).

Run: ``.venv/bin/python bench/bench_coverage.py [--scale town|city|all] [--skip-qgis]
[--skip-naive] [--repeat 3]``
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

__all__ = ["SCALES", "make_data", "naive_blind", "naive_all", "overlap_table", "qgis_blind",
           "main"]

CRS = "EPSG:4547"
X0, Y0 = 470_000.0, 2_530_000.0
SPACING = 200.0  # lattice of cell seeds (m)
KINDS = np.array(["public1", "public2", "smart_eye", "social", "enterprise"], dtype=object)
CATEGORIES = np.array(["盗窃", "诈骗", "纠纷", "交通", "其他"], dtype=object)

#: (cells nx, ny), cameras, incidents, buildings per scale.
SCALES = {
    "town": {"grid": (20, 15), "cameras": 3_000, "incidents": 30_000, "buildings": 8_000},
    "city": {"grid": (60, 50), "cameras": 60_000, "incidents": 600_000, "buildings": 0},
    # bench_scale.py: the city with buildings (occlusion), and a province
    "city+bld": {"grid": (60, 50), "cameras": 60_000, "incidents": 600_000,
                 "buildings": 100_000},
    "province": {"grid": (250, 200), "cameras": 1_000_000, "incidents": 10_000_000,
                 "buildings": 1_000_000},
}

#: Acceptance targets.
TARGET_QGIS_RATIO = 50.0  # town: ours at least 50x faster than the QGIS chain
TARGET_NAIVE_RATIO = 10.0  # city: ours at least 10x faster than the naive chain
TARGET_OCCLUSION_S = 10.0  # town with buildings
TARGET_CITY_RSS_GB = 3.0


def _cells(rng: np.random.Generator, nx: int, ny: int) -> gpd.GeoDataFrame:
    ix, iy = np.meshgrid(np.arange(nx), np.arange(ny))
    seeds = np.column_stack([X0 + (ix.ravel() + 0.5) * SPACING,
                             Y0 + (iy.ravel() + 0.5) * SPACING])
    seeds += rng.uniform(-0.3, 0.3, seeds.shape) * SPACING
    area = shapely.box(X0, Y0, X0 + nx * SPACING, Y0 + ny * SPACING)
    faces = shapely.get_parts(shapely.voronoi_polygons(shapely.multipoints(seeds),
                                                       extend_to=area))
    faces = shapely.intersection(faces, area)
    # order cells like their seeds (voronoi_polygons does not keep the input order)
    seed_i, face_i = shapely.STRtree(faces).query(shapely.points(seeds), predicate="within")
    order = face_i[np.argsort(seed_i)]
    faces = faces[order]
    office = np.array([f"派出所{k + 1}" for k in range(6)], dtype=object)
    col = np.minimum((seeds[:, 0] - X0) / (nx * SPACING) * 3, 2).astype(int)
    row = np.minimum((seeds[:, 1] - Y0) / (ny * SPACING) * 2, 1).astype(int)
    return gpd.GeoDataFrame({"cell_id": np.arange(1, len(faces) + 1),
                             "police_office": office[row * 3 + col]},
                            geometry=faces, crs=CRS)


def _cameras(rng: np.random.Generator, n: int, width: float, height: float
             ) -> gpd.GeoDataFrame:
    x = rng.uniform(-20, width + 20, n)
    y = rng.uniform(-20, height + 20, n)
    heading = np.where(rng.random(n) < 0.55, rng.uniform(0, 360, n).round(1), np.nan)
    fov = np.where(np.isnan(heading), np.nan, rng.integers(30, 151, n).astype(float))
    fov[rng.random(n) < 0.1] = np.nan
    range_m = np.where(rng.random(n) < 0.3, np.nan, rng.uniform(20, 80, n).round(1))
    status = np.where(rng.random(n) < 0.05, "offline", "online").astype(object)
    return gpd.GeoDataFrame(
        {"camera_id": [f"C{i:06d}" for i in range(n)],
         "kind": KINDS[rng.integers(0, len(KINDS), n)], "status": status, "range_m": range_m,
         "heading_deg": heading, "fov_deg": fov},
        geometry=shapely.points(X0 + x, Y0 + y), crs=CRS)


def _incidents(rng: np.random.Generator, n: int, width: float, height: float
               ) -> gpd.GeoDataFrame:
    x = rng.uniform(0, width, n)
    y = rng.uniform(0, height, n)
    out = rng.random(n) < 0.02
    x[out] = -rng.uniform(1, 50, int(out.sum()))
    start = np.datetime64("2024-01-01T00:00", "s").astype(np.int64)
    end = np.datetime64("2025-05-20T23:59", "s").astype(np.int64)
    when = pd.to_datetime(rng.integers(start, end, n), unit="s").astype("datetime64[ns]")
    return gpd.GeoDataFrame(
        {"incident_id": [f"I{i}" for i in range(n)], "occurred_at": when,
         "category": CATEGORIES[rng.integers(0, len(CATEGORIES), n)]},
        geometry=shapely.points(X0 + x, Y0 + y), crs=CRS)


def _buildings(rng: np.random.Generator, n: int, width: float, height: float
               ) -> gpd.GeoDataFrame:
    """About ``n`` rotated rectangles, one per slot of a lattice, never overlapping."""
    if n == 0:
        return gpd.GeoDataFrame(geometry=[], crs=CRS)
    pitch = np.sqrt(width * height / n)
    ix, iy = np.meshgrid(np.arange(int(width // pitch)), np.arange(int(height // pitch)))
    cx = X0 + (ix.ravel() + 0.5) * pitch
    cy = Y0 + (iy.ravel() + 0.5) * pitch
    k = len(cx)
    half_w = rng.uniform(4, 0.3 * pitch, k)
    half_h = rng.uniform(4, 0.25 * pitch, k)
    angle = rng.uniform(0, np.pi, k)
    reach = np.hypot(half_w, half_h)
    slack = np.maximum(0.5 * pitch - reach, 0)[:, None]
    centre = np.column_stack([cx, cy]) + rng.uniform(-1, 1, (k, 2)) * slack
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1], [-1, -1]], dtype=float)
    local = corners[None, :, :] * np.stack([half_w, half_h], axis=1)[:, None, :]
    cos, sin = np.cos(angle)[:, None], np.sin(angle)[:, None]
    xy = np.stack([local[..., 0] * cos - local[..., 1] * sin,
                   local[..., 0] * sin + local[..., 1] * cos], axis=-1) + centre[:, None, :]
    return gpd.GeoDataFrame({"building_id": np.arange(1, k + 1)},
                            geometry=shapely.polygons(xy), crs=CRS)


def make_data(scale: str, seed: int = 0) -> dict[str, gpd.GeoDataFrame]:
    """The benchmark layers of ``scale``: cells, cameras, incidents, buildings."""
    spec = SCALES[scale]
    rng = np.random.default_rng(seed)
    nx, ny = spec["grid"]
    width, height = nx * SPACING, ny * SPACING
    return {
        "cells": _cells(rng, nx, ny),
        "cameras": _cameras(rng, spec["cameras"], width, height),
        "incidents": _incidents(rng, spec["incidents"], width, height),
        "buildings": _buildings(rng, spec["buildings"], width, height),
    }


# --------------------------------------------------------------------------- chains


def filled_cameras(cameras: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Online cameras with range_m and fov_deg filled from the documented defaults."""
    from lever_grid.core.inputs.cameras import DEFAULT_RANGE_M, DEFAULT_SECTOR_FOV

    cams = cameras[cameras["status"] != "offline"].copy()
    cams["range_m"] = cams["range_m"].fillna(cams["kind"].map(DEFAULT_RANGE_M))
    headed = cams["heading_deg"].notna()
    cams.loc[headed, "fov_deg"] = cams.loc[headed, "fov_deg"].fillna(DEFAULT_SECTOR_FOV)
    return cams


def ours(data: dict, buildings: bool = False, overlap: bool = True) -> np.ndarray:
    """Blind area per cell by ``analyse`` (in memory, everything it computes)."""
    from lever_grid.core.pipeline import analyse
    from lever_grid.core.progress import Progress

    layers = analyse(data["cells"], data["cameras"], incidents=data["incidents"],
                     buildings=data["buildings"] if buildings else None,
                     min_blind_area=0.0, overlap=overlap, progress=Progress(log=lambda _m: None))
    blind = layers["cell_stats"]["blind_m2"].to_numpy()
    if not overlap:
        return blind
    ov = layers["overlap"]
    return np.concatenate([blind, overlap_table(ov["cell_id"].to_numpy(),
                                                 ov["n_cameras"].to_numpy(),
                                                 ov["area_m2"].to_numpy(),
                                                 data["cells"]["cell_id"].to_numpy())])


def naive_blind(data: dict) -> np.ndarray:
    """The straightforward geopandas chain: views → union_all → difference per cell."""
    from lever_grid.core.coverage.views import view_polygons

    cams = filled_cameras(data["cameras"])
    views = view_polygons(cams.geometry.to_numpy(), cams["range_m"].to_numpy(),
                          cams["heading_deg"].to_numpy(), cams["fov_deg"].fillna(360).to_numpy())
    union = gpd.GeoSeries(views, crs=CRS).union_all()
    return data["cells"].geometry.difference(union).area.to_numpy()


def naive_all(data: dict) -> np.ndarray:
    """The naive chain for every area layer: blind area as :func:`naive_blind`, and the
    overlap layer the straightforward geopandas way: all view outlines noded in one
    ``union_all``, polygonized, each face's views counted with ``sjoin`` of a
    representative point, the faces cut by the cells (``overlay``) and dissolved per
    (cell, n). Returns the blind area per cell followed by the overlap area per (cell, n)
    for n = 1..``OVERLAP_N`` (row-major), to be compared with ours."""
    from lever_grid.core.coverage.views import view_polygons

    cams = filled_cameras(data["cameras"])
    views = view_polygons(cams.geometry.to_numpy(), cams["range_m"].to_numpy(),
                          cams["heading_deg"].to_numpy(), cams["fov_deg"].fillna(360).to_numpy())
    cells = data["cells"][["cell_id", "geometry"]]
    series = gpd.GeoSeries(views, crs=CRS)
    blind = cells.geometry.difference(series.union_all()).area.to_numpy()
    noded = shapely.union_all(shapely.boundary(views))
    faces = gpd.GeoDataFrame(geometry=shapely.get_parts(shapely.polygonize([noded])), crs=CRS)
    probes = gpd.GeoDataFrame(geometry=faces.representative_point(), crs=CRS)
    seen = gpd.sjoin(probes, gpd.GeoDataFrame(geometry=series), predicate="within")
    faces["n"] = seen.groupby(level=0).size().reindex(faces.index, fill_value=0)
    pieces = gpd.overlay(faces[faces["n"] > 0], cells, how="intersection", keep_geom_type=True)
    merged = pieces.dissolve(by=["cell_id", "n"])
    return np.concatenate([blind, overlap_table(merged.index.get_level_values(0).to_numpy(),
                                                 merged.index.get_level_values(1).to_numpy(),
                                                 merged.geometry.area.to_numpy(),
                                                 cells["cell_id"].to_numpy())])


#: Overlap counts compared between chains (1..OVERLAP_N; deeper overlap is summed in N).
OVERLAP_N = 12


def overlap_table(cell_id: np.ndarray, n: np.ndarray, area: np.ndarray,
                   ids: np.ndarray) -> np.ndarray:
    """Overlap area per (cell, n) as one row-major vector (cells in ``ids`` order)."""
    row = np.searchsorted(ids, cell_id)
    col = np.minimum(n, OVERLAP_N) - 1
    table = np.zeros((len(ids), OVERLAP_N))
    np.add.at(table, (row, col), area)
    return table.ravel()


def qgis_inputs(data: dict, folder: Path) -> Path:
    """The GeoPackage the QGIS chain reads (written outside the timing)."""
    path = folder / "qgis_inputs.gpkg"
    cams = filled_cameras(data["cameras"])
    data["cells"].to_file(path, layer="cells")
    cams[cams["heading_deg"].isna()].to_file(path, layer="circles")
    cams[cams["heading_deg"].notna()].to_file(path, layer="sectors")
    return path


def qgis_blind(path: Path) -> np.ndarray:
    """Blind area per cell (by cell_id order) from QGIS's own Processing algorithms."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProperty

    def run(alg: str, params: dict):
        return processing.run(alg, dict(params, OUTPUT="memory:"), context=QgsProcessingContext(),
                              feedback=QgsProcessingFeedback())["OUTPUT"]

    circles = run("native:buffer", {
        "INPUT": f"{path}|layername=circles", "DISTANCE": QgsProperty.fromField("range_m"),
        "SEGMENTS": 16, "END_CAP_STYLE": 0, "JOIN_STYLE": 0, "MITER_LIMIT": 2,
        "DISSOLVE": False})
    wedges = run("native:wedgebuffers", {
        "INPUT": f"{path}|layername=sectors", "AZIMUTH": QgsProperty.fromField("heading_deg"),
        "WIDTH": QgsProperty.fromField("fov_deg"),
        "OUTER_RADIUS": QgsProperty.fromField("range_m"), "INNER_RADIUS": 0})
    sectors = run("native:segmentizebymaxangle", {"INPUT": wedges, "ANGLE": 90.0 / 16})
    merged = run("native:mergevectorlayers", {"LAYERS": [circles, sectors], "CRS": None})
    dissolved = run("native:dissolve", {"INPUT": merged})
    blind = run("native:difference", {"INPUT": f"{path}|layername=cells",
                                      "OVERLAY": dissolved})
    area = {f["cell_id"]: f.geometry().area() for f in blind.getFeatures()}
    cells = gpd.read_file(path, layer="cells", columns=["cell_id"])
    return np.array([area.get(c, 0.0) for c in cells["cell_id"]])


def _start_qgis():
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from qgis.core import QgsApplication

    app = QgsApplication([], False)
    app.initQgis()
    sys.path.append("/usr/share/qgis/python/plugins")
    from processing.core.Processing import Processing

    Processing.initialize()
    return app


# --------------------------------------------------------------------------- harness

CASES = ("ours", "ours-noov", "ours+bld", "naive", "naive-all", "qgis")


def run_case(case: str, scale: str, repeat: int) -> dict:
    """Run one case ``repeat`` times in this process; best time, blind areas, peak RSS."""
    from lever_grid.core import pipeline  # noqa: F401 - imported before timing
    from lever_grid.core.stats import incidents  # noqa: F401

    data = make_data(scale)
    if case == "qgis":
        tmp = Path(tempfile.mkdtemp(prefix="bench_coverage_"))
        path = qgis_inputs(data, tmp)
        app = _start_qgis()
        fn = lambda: qgis_blind(path)  # noqa: E731
    elif case == "naive":
        fn = lambda: naive_blind(data)  # noqa: E731
    elif case == "naive-all":
        fn = lambda: naive_all(data)  # noqa: E731
    else:
        fn = lambda: ours(data, buildings=case == "ours+bld", overlap=case != "ours-noov")  # noqa: E731
    best, values = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        values = fn()  # blind area per cell, then (ours, naive-all) the overlap table
        best = min(best, time.perf_counter() - t0)
    if case == "qgis":
        del app
    rss_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    n = len(data["cells"])
    return {"case": case, "scale": scale, "seconds": best, "rss_gb": rss_kb / 1024**2,
            "blind": [float(v) for v in values[:n]],
            "overlap": [float(v) for v in values[n:]], "repeat": repeat}


def _subprocess(case: str, scale: str, repeat: int) -> dict:
    env = dict(os.environ, QT_QPA_PLATFORM=os.environ.get("QT_QPA_PLATFORM", "offscreen"))
    proc = subprocess.run([sys.executable, __file__, "--case", case, "--scale", scale,
                           "--repeat", str(repeat)], capture_output=True, text=True, env=env,
                          cwd=ROOT)
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(f"case {case}/{scale} failed:\n{proc.stdout}\n{proc.stderr}")
    return json.loads(lines[-1])


def _diffs(a: list, b: list) -> tuple[float, float]:
    """Max relative difference (over cells with at least 1 m² blind) and max absolute."""
    a, b = np.asarray(a), np.asarray(b)
    if len(a) == 0:
        return 0.0, 0.0
    big = np.abs(b) >= 1.0
    rel = float(np.max(np.abs(a - b)[big] / np.abs(b[big]))) if big.any() else 0.0
    return rel, float(np.max(np.abs(a - b)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=("town", "city", "all"), default="all")
    parser.add_argument("--repeat", type=int, default=3, help="runs per case (best is kept)")
    parser.add_argument("--skip-qgis", action="store_true", help="leave out the QGIS chain")
    parser.add_argument("--skip-naive", action="store_true", help="leave out the naive chains")
    parser.add_argument("--case", choices=CASES, help=argparse.SUPPRESS)  # internal
    args = parser.parse_args(argv)

    if args.case:  # child process: one case, one JSON line
        print(json.dumps(run_case(args.case, args.scale, args.repeat)))
        return 0

    scales = ("town", "city") if args.scale == "all" else (args.scale,)
    plan = []
    for scale in scales:
        plan.append(("ours", scale))
        plan.append(("ours-noov", scale))
        if scale == "town":
            plan.append(("ours+bld", scale))
            if not args.skip_qgis:
                plan.append(("qgis", scale))
        if not args.skip_naive:
            plan.append(("naive", scale))
            plan.append(("naive-all", scale))
    results = {}
    for case, scale in plan:
        spec = SCALES[scale]
        print(f"running {case:8s} {scale} ({spec['grid'][0] * spec['grid'][1]} cells, "
              f"{spec['cameras']:,} cameras, {spec['incidents']:,} incidents"
              + (f", {spec['buildings']:,} buildings" if case == "ours+bld" else "")
              + f") x{args.repeat} ...", flush=True)
        results[case, scale] = _subprocess(case, scale, args.repeat)

    print()
    print("ours = analyse() in memory, all layers; ours-noov = analyse(overlap=False), every "
          "figure but the overlap layer; ours+bld = ours with the buildings; naive = blind "
          "area only; naive-all = blind area and the overlap layer")
    print(f"{'scale':5} {'chain':9} {'best s':>9} {'peak RSS':>9} {'/ ours':>8} "
          f"{'/ noov':>8} {'blind m2 vs ours: max rel':>26} {'max abs':>9} "
          f"{'overlap m2: max rel':>20} {'max abs':>9}")
    ok = True
    for (case, scale), res in results.items():
        base, fast = results[("ours", scale)], results[("ours-noov", scale)]
        rel, ab = _diffs(res["blind"], base["blind"]) if case != "ours+bld" else (None, None)
        print(f"{scale:5} {case:9} {res['seconds']:9.3f} {res['rss_gb']:8.2f}G "
              f"{res['seconds'] / base['seconds']:7.1f}x {res['seconds'] / fast['seconds']:7.1f}x"
              + ("" if rel is None or case == "ours" else f" {rel:26.2e} {ab:8.1e}m²")
              + ("" if not res["overlap"] or case in ("ours", "ours+bld")
                 else " {:20.2e} {:8.1e}m²".format(*_diffs(res["overlap"], base["overlap"]))))
    print()
    checks = []
    if ("qgis", "town") in results:
        r = results["qgis", "town"]["seconds"] / results["ours", "town"]["seconds"]
        checks.append((f"town: QGIS chain / ours = {r:.1f}x", r >= TARGET_QGIS_RATIO,
                       f">= {TARGET_QGIS_RATIO:.0f}x"))
    if ("naive", "city") in results:
        r = results["naive", "city"]["seconds"] / results["ours-noov", "city"]["seconds"]
        checks.append((f"city: naive chain / ours-noov = {r:.1f}x (same output: blind area "
                       "per cell)", r >= TARGET_NAIVE_RATIO, f">= {TARGET_NAIVE_RATIO:.0f}x"))
        r = results["naive", "city"]["seconds"] / results["ours", "city"]["seconds"]
        checks.append((f"city: naive chain (blind only) / ours (with the overlap layer) = "
                       f"{r:.1f}x", r >= TARGET_NAIVE_RATIO, f">= {TARGET_NAIVE_RATIO:.0f}x"))
    if ("naive-all", "city") in results:
        r = results["naive-all", "city"]["seconds"] / results["ours", "city"]["seconds"]
        checks.append((f"city: naive chain computing the overlap layer too / ours = {r:.1f}x",
                       r >= TARGET_NAIVE_RATIO, f">= {TARGET_NAIVE_RATIO:.0f}x"))
    if ("ours+bld", "town") in results:
        s = results["ours+bld", "town"]["seconds"]
        checks.append((f"town with buildings: {s:.2f} s", s < TARGET_OCCLUSION_S,
                       f"< {TARGET_OCCLUSION_S:.0f} s"))
    if ("ours", "city") in results:
        g = max(results["ours", "city"]["rss_gb"], results["ours-noov", "city"]["rss_gb"])
        checks.append((f"city peak memory (largest of ours, ours-noov): {g:.2f} GB",
                       g < TARGET_CITY_RSS_GB, f"< {TARGET_CITY_RSS_GB:.0f} GB"))
    for label, good, target in checks:
        ok &= good
        print(f"{'OK    ' if good else 'MISSED'} {label} (target {target})")
    print(f"times are the best of {args.repeat} runs; each case ran in a fresh process "
          f"(peak RSS includes the synthetic data); threads: "
          f"{os.environ.get('LEVER_GRID_THREADS', 'default')}, CPUs: {os.cpu_count()}")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
