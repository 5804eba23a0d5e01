"""Benchmark: wall lines as occluders on the synthetic town.

The town of ``bench_coverage.py`` (300 cells, 3,000 cameras, 8,000 buildings) plus
20,000 wall lines (straight segments 5-30 m, random directions, seeded). Times the
occlusion of all camera views (in this process, best of ``--repeat``):

``lines``     ``occlude_views(..., buildings, walls=lines)``: the wall path;
``polygons``  the same walls as 1e-6 m thin rectangles added to the buildings (the
              building path), every camera's view compared with ``lines``;
``brute``     a brute-force reference on a sample of cameras: 400 random points per
              camera, seen when within range and bearing and the sight line crosses no
              wall and no building (shapely, point by point); agreement with ``lines``.

Run: ``.venv/bin/python bench/bench_walls.py [--repeat 1] [--sample 30]``
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import shapely

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_coverage import X0, Y0, filled_cameras, make_data  # noqa: E402

from lever_grid.core.coverage.occlusion import occlude_views  # noqa: E402
from lever_grid.core.coverage.views import view_polygons  # noqa: E402
from lever_grid.core.inputs.cameras import normalize_cameras  # noqa: E402

N_WALLS = 20_000
THIN_M = 1e-6


def walls(rng: np.random.Generator, width: float, height: float, n: int) -> np.ndarray:
    """``n`` straight wall segments, 5-30 m long, uniformly placed over the town."""
    a = np.column_stack([X0 + rng.uniform(0, width, n), Y0 + rng.uniform(0, height, n)])
    angle = rng.uniform(0, np.pi, n)
    length = rng.uniform(5, 30, n)
    b = a + np.column_stack([np.cos(angle), np.sin(angle)]) * length[:, None]
    return shapely.linestrings(np.stack([a, b], axis=1))


def thin(lines: np.ndarray, width: float) -> np.ndarray:
    """Each segment as a rectangle ``width`` wide (the building path's input)."""
    c = shapely.get_coordinates(lines).reshape(-1, 2, 2)
    d = c[:, 1] - c[:, 0]
    n = np.column_stack([-d[:, 1], d[:, 0]]) / np.hypot(d[:, 0], d[:, 1])[:, None] * width / 2
    ring = np.stack([c[:, 0] + n, c[:, 1] + n, c[:, 1] - n, c[:, 0] - n, c[:, 0] + n], axis=1)
    return shapely.polygons(ring)


def best(fn, repeat: int):
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def brute(cam, r, heading, fov, pts, tree, occluders, own) -> np.ndarray:
    """Line-of-sight for each point of ``pts`` from ``cam`` (True = seen)."""
    d = shapely.distance(cam, pts)
    ok = d < r
    if np.isfinite(heading):
        xy = shapely.get_coordinates(pts) - shapely.get_coordinates(cam)
        bearing = np.degrees(np.arctan2(xy[:, 0], xy[:, 1])) % 360
        ok &= np.abs((bearing - heading + 180) % 360 - 180) <= fov / 2
    sight = shapely.linestrings(np.stack([np.repeat(shapely.get_coordinates(cam), len(pts), 0),
                                          shapely.get_coordinates(pts)], axis=1))
    line_i, occ_i = tree.query(sight, predicate="intersects")
    keep = ~np.isin(occ_i, own)
    blocked = np.zeros(len(pts), dtype=bool)
    blocked[line_i[keep]] = True
    return ok & ~blocked


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--sample", type=int, default=30)
    args = ap.parse_args(argv)
    data = make_data("town")
    cams = normalize_cameras(filled_cameras(data["cameras"]))
    cams = cams[cams["online"]]
    b = data["cells"].total_bounds
    rng = np.random.default_rng(16)
    lines = walls(rng, b[2] - b[0], b[3] - b[1], N_WALLS)
    bld = data["buildings"].geometry.to_numpy()
    pts = cams.geometry.to_numpy()
    heading = cams["heading_deg"].to_numpy()
    plain = view_polygons(pts, cams["range_m"].to_numpy(), heading, cams["fov_deg"].to_numpy())
    print(f"town: {len(cams):,} online cameras, {len(bld):,} buildings, {N_WALLS:,} wall lines")

    t_none, base = best(lambda: occlude_views(pts, plain, bld), args.repeat)
    t_lines, seen = best(lambda: occlude_views(pts, plain, bld, walls=lines,
                                               heading_deg=heading), args.repeat)
    as_poly = np.concatenate([bld, thin(lines, THIN_M)])
    t_poly, seen_poly = best(lambda: occlude_views(pts, plain, as_poly), args.repeat)
    diff = shapely.area(shapely.symmetric_difference(seen, seen_poly))
    on_wall = np.zeros(len(pts), dtype=bool)
    on_wall[shapely.STRtree(lines).query(pts, predicate="dwithin", distance=0.01)[0]] = True
    print(f"buildings only:                {t_none:7.2f} s")
    print(f"buildings + wall lines:        {t_lines:7.2f} s")
    print(f"buildings + walls as polygons: {t_poly:7.2f} s  (x{t_poly / t_lines:.2f} of lines)")
    print(f"  lines vs {THIN_M:g} m polygons: max |Δ area| per view {diff[~on_wall].max():.2e} m²"
          f" ({int(on_wall.sum())} cameras on a wall left out: lines give them one side, a "
          f"polygon they touch blocks nothing), visible area of the others "
          f"{shapely.area(seen[~on_wall]).sum():,.1f} vs "
          f"{shapely.area(seen_poly[~on_wall]).sum():,.1f} m²")

    # brute force on a sample
    sample = rng.choice(len(pts), size=min(args.sample, len(pts)), replace=False)
    occluders = np.concatenate([lines, bld])
    tree = shapely.STRtree(occluders)
    t0 = time.perf_counter()
    agree = total = 0
    for k in sample:
        r = cams["range_m"].iloc[k] * 0.995  # stay off the 64-gon's edge band
        ang = rng.uniform(0, 2 * np.pi, 400)
        rad = r * np.sqrt(rng.uniform(0, 1, 400))
        cx, cy = shapely.get_coordinates(pts[k])[0]
        probe = shapely.points(cx + rad * np.sin(ang), cy + rad * np.cos(ang))
        own = tree.query(pts[k], predicate="dwithin", distance=0.01)
        own = own[own >= len(lines)]  # own footprints only (the wall rule differs)
        want = brute(pts[k], r, heading[k], cams["fov_deg"].iloc[k], probe, tree, occluders,
                     own)
        got = shapely.intersects(seen[k], probe)
        agree += int((want == got).sum())
        total += len(probe)
    t_brute = time.perf_counter() - t0
    print(f"brute force, {len(sample)} cameras x 400 points: {t_brute:.2f} s "
          f"({t_brute / len(sample) * len(pts) / 60:.1f} min extrapolated to all cameras, "
          f"and only at 400 points each); agreement {agree}/{total} "
          f"({100 * agree / total:.2f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
