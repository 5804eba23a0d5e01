"""Hot spots: Getis-Ord Gi* on a regular square grid, permutation inference, FDR control.

Written with numpy/scipy only (no PySAL at run time); the tests check it against
``esda.G_Local(star=True)``.

- Grid: squares of ``size`` metres aligned to multiples of the size in the metric CRS,
  kept where they overlap the cells (touching only an outline is not enough); an
  incident belongs to the square ``floor(x / size), floor(y / size)`` (half-open
  squares: a point on a shared edge counts once, in the square to its upper right).
- Neighbourhood: the square itself and the up to 8 squares around it that belong to the
  grid (queen contiguity including self), binary weights.
- Gi* (Ord and Getis 1995): ``G_i = sum_j w_ij x_j / sum_j x_j`` with z-score from its
  analytical mean ``W_i / n`` and variance ``W_i (n - W_i) / (n - 1) / n^2 * s^2 / xbar^2``
  (s^2 the population variance of the counts).
- Conditional permutation inference (Anselin 1995): the count of square i stays, the
  counts of ``W_i - 1`` other squares drawn at random without replacement take the places
  of its neighbours; the pseudo p-value is ``(m + 1) / (R + 1)`` where m is the smaller
  of the numbers of the R draws at least as high and at least as low as observed (one-sided
  in the observed direction). Without ties this is the folded value esda reports; esda
  counts ties only in the upper tail, which makes a square with no incidents among
  neighbours with none look like a significant cold spot, so ties count in both tails here.
- Benjamini-Hochberg adjusted p-values over all squares; class ``hot_99`` / ``hot_95`` /
  ``hot_90`` where z > 0 and the adjusted p <= 0.01 / 0.05 / 0.10, ``cold_*`` likewise
  for z < 0, else ``none``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np
import shapely

from ..errors import InputError
from ..progress import Progress
from .quiet import quiet

if TYPE_CHECKING:  # geopandas is imported where it is used
    import geopandas as gpd

__all__ = ["DEFAULT_SIZE_M", "DEFAULT_PERMUTATIONS", "DEFAULT_SNAP_M", "CLASSES",
           "square_grid", "queen_neighbours", "road_segments", "gi_star", "permutation_p",
           "bh_adjust", "classify", "hotspot_layers"]


DEFAULT_SIZE_M = 100.0
DEFAULT_PERMUTATIONS = 999

#: With ``on="roads"``: an incident counts for the nearest road segment within this (m).
DEFAULT_SNAP_M = 30.0

#: Output classes, hottest first.
CLASSES = ("hot_99", "hot_95", "hot_90", "none", "cold_90", "cold_95", "cold_99")


def square_grid(area: shapely.Geometry, size: float) -> tuple[np.ndarray, np.ndarray]:
    """Integer square indices (k x 2: ix, iy) of the ``size`` squares that overlap
    ``area`` (share some of its area: a square meeting it only along an edge or at a
    corner is left out), and the squares as polygons; ordered by iy then ix."""
    if not size > 0:
        raise InputError(f"--size must be > 0 metres, got {size}")
    x0, y0, x1, y1 = shapely.bounds(area)
    ix = np.arange(np.floor(x0 / size), np.floor(x1 / size) + 1).astype(np.int64)
    iy = np.arange(np.floor(y0 / size), np.floor(y1 / size) + 1).astype(np.int64)
    if len(ix) * len(iy) > 5_000_000:
        raise InputError(f"--size {size:g} m gives {len(ix) * len(iy)} squares; choose a "
                         "larger size")
    gy, gx = np.meshgrid(iy, ix, indexing="ij")
    gx, gy = gx.ravel(), gy.ravel()
    boxes = shapely.box(gx * size, gy * size, (gx + 1) * size, (gy + 1) * size)
    shapely.prepare(area)
    keep = shapely.intersects(area, boxes)
    keep[keep] = ~shapely.touches(area, boxes[keep])  # a common edge or corner is not enough
    return np.column_stack([gx[keep], gy[keep]]), boxes[keep]


def queen_neighbours(index: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(i, j) pairs of squares that are the same or queen neighbours (share an edge or a
    corner), for squares given by integer indices (k x 2)."""
    index = np.asarray(index, dtype=np.int64)
    if len(index) == 0:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    lo = index.min(axis=0) - 1
    span = index.max(axis=0) - lo + 2
    key = (index[:, 1] - lo[1]) * span[0] + (index[:, 0] - lo[0])
    order = np.argsort(key)
    skey = key[order]
    ii, jj = [], []
    for dx in (-1, 0, 1):
        for dy in (-1, 0, 1):
            want = key + dy * span[0] + dx
            at = np.clip(np.searchsorted(skey, want), 0, len(skey) - 1)
            hit = skey[at] == want
            ii.append(np.flatnonzero(hit))
            jj.append(order[at[hit]])
    return np.concatenate(ii), np.concatenate(jj)


def road_segments(roads: np.ndarray, area: shapely.Geometry
                  ) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]:
    """Road segments inside ``area`` and their neighbourhood pairs (self included).

    The roads are clipped to the area and noded where they cross; a segment is a piece
    between two nodes (junctions or dead ends). Two segments are neighbours when they
    share a node (within 1 mm).
    """
    roads = np.asarray(roads, dtype=object)
    near = shapely.STRtree(roads).query(area, predicate="intersects")
    clipped = shapely.intersection(roads[near], area)
    noded = shapely.get_parts(shapely.node(shapely.union_all(clipped)))
    segs = noded[(shapely.get_type_id(noded) == 1) & (shapely.length(noded) > 0)]
    n = len(segs)
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(segs, 0)),
                           shapely.get_coordinates(shapely.get_point(segs, -1))])
    _, node = np.unique(np.round(ends / 1e-3).astype(np.int64), axis=0, return_inverse=True)
    node = node.reshape(-1)
    seg = np.r_[np.arange(n), np.arange(n)]
    # segments meeting at a node: join the (node, segment) incidences on the node
    order = np.argsort(node, kind="stable")
    node_s, seg_s = node[order], seg[order]
    starts = np.searchsorted(node_s, node_s, side="left")
    stops = np.searchsorted(node_s, node_s, side="right")
    counts = stops - starts
    i = np.repeat(seg_s, counts)
    j = seg_s[np.concatenate([np.arange(a, b) for a, b in zip(starts, stops, strict=True)])] \
        if n else np.empty(0, np.int64)
    key = np.unique(np.r_[np.c_[i, j], np.c_[np.arange(n), np.arange(n)]], axis=0)
    return segs, (key[:, 0], key[:, 1])


def gi_star(counts: np.ndarray, pairs: tuple[np.ndarray, np.ndarray]
            ) -> tuple[np.ndarray, np.ndarray]:
    """Gi* statistic and its analytical z-score for binary weights given as (i, j) pairs
    (self pairs included)."""
    x = np.asarray(counts, dtype=float)
    n = len(x)
    i, j = pairs
    lag = np.bincount(i, weights=x[j], minlength=n)
    w = np.bincount(i, minlength=n).astype(float)
    total = x.sum()
    with np.errstate(invalid="ignore", divide="ignore"):
        g = lag / total
        mean = total / n
        var = (x * x).sum() / n - mean * mean
        expected = w / n
        variance = w * (n - w) / (n - 1) / n**2 * var / mean**2
        z = (g - expected) / np.sqrt(variance)
    return g, z


def permutation_p(counts: np.ndarray, pairs: tuple[np.ndarray, np.ndarray],
                  permutations: int, seed: int | None, progress: Progress | None = None
                  ) -> np.ndarray:
    """Folded one-sided pseudo p-values of Gi* by conditional permutation (see module)."""
    progress = progress or Progress()
    x = np.asarray(counts, dtype=float)
    n = len(x)
    i, j = pairs
    lag = np.bincount(i, weights=x[j], minlength=n)
    others = np.bincount(i, minlength=n) - 1  # neighbours besides the square itself
    k_max = int(others.max(initial=0))
    if n < 2 or k_max == 0 or permutations < 1:
        return np.ones(n)
    rng = np.random.default_rng(seed)
    larger = np.zeros(n, dtype=np.int64)
    smaller = np.zeros(n, dtype=np.int64)
    tol = 1e-9 * np.maximum(np.abs(lag), 1.0)
    done = 0
    step = max(1, min(permutations, 2_000_000 // max(n, 1)))
    while done < permutations:
        r = min(step, permutations - done)
        # r draws of k_max distinct positions among the n - 1 other squares
        # (the k_max smallest of n - 1 random keys, in increasing order: a uniformly
        # random ordered sample, so its first k are a uniform k-subset for every k)
        keys = rng.random((r, n - 1))
        draw = np.argpartition(keys, k_max - 1, axis=1)[:, :k_max] if k_max < n - 1 \
            else np.tile(np.arange(n - 1), (r, 1))
        draw = np.take_along_axis(draw, np.argsort(np.take_along_axis(keys, draw, axis=1),
                                                   axis=1), axis=1)
        chunk = max(1, 4_000_000 // (r * k_max))
        for start in range(0, n, chunk):
            sq = np.arange(start, min(n, start + chunk))
            pick = draw[None, :, :] + (draw[None, :, :] >= sq[:, None, None])  # skip self
            sums = np.cumsum(x[pick], axis=2)  # (squares, r, k_max)
            kk = others[sq]
            sim = np.where(kk[:, None] > 0,
                           np.take_along_axis(sums, np.maximum(kk - 1, 0)[:, None, None],
                                              axis=2)[:, :, 0], 0.0) + x[sq][:, None]
            larger[sq] += (sim >= (lag[sq] - tol[sq])[:, None]).sum(axis=1)
            smaller[sq] += (sim <= (lag[sq] + tol[sq])[:, None]).sum(axis=1)
        done += r
        progress.step(done / permutations)
    return (np.minimum(larger, smaller) + 1.0) / (permutations + 1.0)


def bh_adjust(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (step-up, monotone, at most 1)."""
    p = np.asarray(p, dtype=float)
    m = len(p)
    if m == 0:
        return p.copy()
    order = np.argsort(p, kind="stable")
    scaled = p[order] * m / np.arange(1, m + 1)
    adj = np.minimum.accumulate(scaled[::-1])[::-1]
    out = np.empty(m)
    out[order] = np.minimum(adj, 1.0)
    return out


def classify(z: np.ndarray, p_fdr: np.ndarray) -> np.ndarray:
    """hot_99 ... cold_99 or none from the z-score's sign and the adjusted p-value."""
    z = np.asarray(z, dtype=float)
    p = np.asarray(p_fdr, dtype=float)
    out = np.full(len(z), "none", dtype=object)
    for level, name in ((0.10, "90"), (0.05, "95"), (0.01, "99")):
        sig = p <= level
        out[sig & (z > 0)] = f"hot_{name}"
        out[sig & (z < 0)] = f"cold_{name}"
    return out


@quiet
def hotspot_layers(
    cells: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    size: float = DEFAULT_SIZE_M,
    period: tuple | None = None,
    permutations: int = DEFAULT_PERMUTATIONS,
    seed: int | None = None,
    near_distance: float = 100.0,
    near_days: float = 7.0,
    bands: int = 4,
    on: str = "squares",
    roads: gpd.GeoDataFrame | None = None,
    snap: float = DEFAULT_SNAP_M,
    progress: Progress | None = None,
) -> dict:
    """Layers ``hotspots`` (the Gi* grid, in the cells' CRS) and ``near_repeat`` (the
    Knox table) for the incidents of ``period`` (default: the current period, as in
    ``analyse``). With ``on="roads"`` the units are the road segments of ``roads`` in the
    cells (layer ``road_hotspots``; an incident counts for the nearest segment within
    ``snap`` metres) instead of squares."""
    import geopandas as gpd

    from ..crs import metric_frame
    from ..inputs.cells import normalize_cells
    from .incidents import current_incidents

    progress = progress or Progress()
    if int(permutations) != permutations or permutations < 0:
        raise InputError(f"--permutations must be a whole number >= 0, got {permutations}")
    if not size > 0:
        raise InputError(f"--size must be > 0 metres, got {size:g}")
    if not (near_distance > 0 and near_days > 0 and int(bands) == bands and bands >= 1):
        raise InputError("near repeats need --near-distance > 0, --near-days > 0 and "
                         f"--bands >= 1 (got {near_distance:g}, {near_days:g}, {bands})")
    if on not in ("squares", "roads"):
        raise InputError(f"--on must be squares or roads, got {on!r}")
    if on == "roads" and roads is None:
        raise InputError("--on roads needs --roads")
    if on == "roads" and not snap > 0:
        raise InputError(f"--snap must be > 0 metres, got {snap:g}")
    cells_n = normalize_cells(cells, progress)
    inc = current_incidents(incidents, period, progress, "hotspots")
    frame, moved = metric_frame({"cells": cells_n, "incidents": inc, "roads": roads},
                                cells_n, progress)
    m: dict[str, Any] = dict(moved)  # present where the options say so
    area = shapely.union_all(m["cells"].geometry.to_numpy())
    if on == "roads":
        return _road_layers(m, area, frame, float(snap), int(permutations), seed,
                            (near_distance, near_days, int(bands)), progress)
    index, squares = square_grid(area, float(size))
    pts = m["incidents"].geometry.to_numpy()
    xy = shapely.get_coordinates(pts)
    sq = np.floor(xy / size).astype(np.int64)
    lo = index.min(axis=0)
    span = index.max(axis=0) - lo + 1
    inside = ((sq >= lo) & (sq < lo + span)).all(axis=1)
    key_sq = (index[:, 1] - lo[1]) * span[0] + (index[:, 0] - lo[0])
    key_pt = (sq[inside, 1] - lo[1]) * span[0] + (sq[inside, 0] - lo[0])
    order = np.argsort(key_sq)
    at = np.clip(np.searchsorted(key_sq[order], key_pt), 0, len(order) - 1)
    hit = key_sq[order][at] == key_pt
    counts = np.bincount(order[at[hit]], minlength=len(squares))
    progress.info(f"hotspots: {len(squares)} squares of {size:g} m, {int(counts.sum())} "
                  f"of {len(pts)} incidents in them")
    progress.step(0.1)
    pairs = queen_neighbours(index)
    _, z = gi_star(counts, pairs)
    if counts.sum() == 0:
        progress.info("hotspots: no incident in the squares; every class is none")
        p_sim = np.ones(len(counts))
    else:
        p_sim = permutation_p(counts, pairs, int(permutations), seed, progress.sub(0.1, 0.8))
    p_fdr = bh_adjust(p_sim)
    klass = classify(np.nan_to_num(z), p_fdr)
    grid = gpd.GeoDataFrame(
        {"square_id": np.arange(1, len(squares) + 1), "ix": index[:, 0], "iy": index[:, 1],
         "count": counts, "gi_z": z, "p_sim": p_sim, "p_fdr": p_fdr, "class": klass},
        geometry=squares, crs=m["cells"].crs)
    grid = frame.back(grid)
    near = _near_repeats(m, (near_distance, near_days, int(bands)), int(permutations), seed,
                         progress.sub(0.8, 1.0))
    _log_classes(klass, progress)
    return {"hotspots": grid, "near_repeat": near}


def _log_classes(klass: np.ndarray, progress: Progress) -> None:
    hot = {c: int((klass == c).sum()) for c in CLASSES if c != "none"}
    progress.info("hotspots: " + ", ".join(f"{k} {v}" for k, v in hot.items()))


def _near_repeats(m, near: tuple, permutations: int, seed, progress: Progress):
    from .knox import knox_table

    xy = shapely.get_coordinates(m["incidents"].geometry.to_numpy())
    when = m["incidents"]["occurred_at"]
    day = ((when - when.min()) / np.timedelta64(1, "D")).to_numpy(dtype=float) \
        if len(when) else np.empty(0)
    return knox_table(xy, day, distance=near[0], distance_bands=near[2], time=near[1],
                      time_bands=near[2], permutations=permutations, seed=seed,
                      progress=progress)


def _road_layers(m, area, frame, snap: float, permutations: int, seed, near: tuple,
                 progress: Progress) -> dict:
    """Gi* per road segment: the ``road_hotspots`` layer and the near-repeat table."""
    import geopandas as gpd

    segs, pairs = road_segments(m["roads"].geometry.to_numpy(), area)
    if len(segs) == 0:
        raise InputError("no road inside the cells", file=m["roads"].attrs.get("file"),
                         layer=m["roads"].attrs.get("layer", "roads"))
    pts = m["incidents"].geometry.to_numpy()
    p_i, s_i = shapely.STRtree(segs).query_nearest(pts, max_distance=snap, all_matches=False)
    counts = np.bincount(s_i, minlength=len(segs))
    progress.info(f"hotspots: {len(segs)} road segments, {int(counts.sum())} of {len(pts)} "
                  f"incidents within {snap:g} m of one")
    progress.step(0.1)
    _, z = gi_star(counts, pairs)
    p_sim = permutation_p(counts, pairs, permutations, seed, progress.sub(0.1, 0.8)) \
        if counts.sum() else np.ones(len(counts))
    p_fdr = bh_adjust(p_sim)
    klass = classify(np.nan_to_num(z), p_fdr)
    layer = gpd.GeoDataFrame(
        {"segment_id": np.arange(1, len(segs) + 1), "length_m": shapely.length(segs),
         "count": counts, "gi_z": z, "p_sim": p_sim, "p_fdr": p_fdr, "class": klass},
        geometry=segs, crs=m["cells"].crs)
    table = _near_repeats(m, near, permutations, seed, progress.sub(0.8, 1.0))
    _log_classes(klass, progress)
    return {"road_hotspots": frame.back(layer), "near_repeat": table}
