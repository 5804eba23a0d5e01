"""Near repeats: the Knox test over bands of distance and time, Monte Carlo significance.

For every pair of incidents, the distance band ``[0, d], (d, 2d], ...`` and the time band
``[0, t], (t, 2t], ...`` (days) they fall in; the table counts the pairs of each band pair.
Expected counts are Knox's ``N_s * N_t / N`` (pairs in the distance band times pairs in
the time band over all pairs); the Monte Carlo p-value permutes the dates among the
incidents R times and is ``(m + 1) / (R + 1)``, m the number of permutations with at
least as many pairs in the cell (one-sided: more near repeats than chance). The ratio
observed / expected is the Near Repeat Calculator's Knox ratio (Ratcliffe 2009).
Checked against ``pointpats.Knox`` (cumulative cell ``d <= D, t <= T``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from ..errors import InputError
from ..progress import Progress

__all__ = ["knox_table"]


def _band(values: np.ndarray, width: float) -> np.ndarray:
    """Band index of each value: 0 for [0, w], k for (k w, (k + 1) w]."""
    return np.maximum(np.ceil(values / width - 1e-12).astype(np.int64) - 1, 0)


def knox_table(
    xy: np.ndarray,
    days: np.ndarray,
    *,
    distance: float = 100.0,
    distance_bands: int = 4,
    time: float = 7.0,
    time_bands: int = 4,
    permutations: int = 999,
    seed: int | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """The near-repeat table: one row per (distance band, time band).

    ``xy`` (n x 2, metres) and ``days`` (n, in days, any origin) of the incidents. Columns
    distance_from_m, distance_to_m, days_from, days_to, pairs, expected, ratio, p_sim,
    and ``cumulative_pairs`` / ``cumulative_p_sim``: the same for all pairs within
    distance_to_m and days_to (the classic single Knox test at those thresholds).
    """
    progress = progress or Progress()
    if not (distance > 0 and time > 0 and distance_bands >= 1 and time_bands >= 1):
        raise InputError("near-repeat bands need a distance > 0, a time > 0 and at least "
                         "one band of each")
    xy = np.asarray(xy, dtype=float)
    days = np.asarray(days, dtype=float)
    n = len(xy)
    nd, nt = distance_bands, time_bands
    max_d, max_t = distance * nd, time * nt
    pairs = cKDTree(xy).query_pairs(max_d * (1 + 1e-12), output_type="ndarray") if n > 1 \
        else np.empty((0, 2), np.int64)
    dist = np.hypot(*(xy[pairs[:, 0]] - xy[pairs[:, 1]]).T) if len(pairs) else np.empty(0)
    keep = dist <= max_d
    pairs, dist = pairs[keep], dist[keep]
    dband = _band(dist, distance)
    a, b = pairs[:, 0], pairs[:, 1]

    def table(t: np.ndarray) -> np.ndarray:
        dt = np.abs(t[a] - t[b])
        near = dt <= max_t
        cell = dband[near] * nt + _band(dt[near], time)
        return np.bincount(cell, minlength=nd * nt).reshape(nd, nt)

    observed = table(days)
    rng = np.random.default_rng(seed)
    ge = np.zeros((nd, nt), dtype=np.int64)
    ge_cum = np.zeros((nd, nt), dtype=np.int64)
    cum_obs = observed.cumsum(0).cumsum(1)
    for r in range(permutations):
        sim = table(rng.permutation(days))
        ge += sim >= observed
        ge_cum += sim.cumsum(0).cumsum(1) >= cum_obs
        if r % 50 == 0:
            progress.step(r / max(permutations, 1))
    # expected: pairs in the distance band x pairs in the time band / all pairs
    all_pairs = n * (n - 1) / 2
    ns = np.bincount(dband, minlength=nd).astype(float)
    st = np.sort(days)
    upto = np.array([_pairs_within(st, (k + 1) * time) for k in range(nt)], dtype=float)
    nt_band = np.diff(np.r_[0.0, upto])
    with np.errstate(invalid="ignore", divide="ignore"):
        expected = np.outer(ns, nt_band) / all_pairs if all_pairs else np.zeros((nd, nt))
        ratio = observed / expected
    di, ti = np.meshgrid(np.arange(nd), np.arange(nt), indexing="ij")
    denom = permutations + 1.0
    progress.step(1.0)
    return pd.DataFrame({
        "distance_from_m": (di * distance).ravel().astype(float),
        "distance_to_m": ((di + 1) * distance).ravel().astype(float),
        "days_from": (ti * time).ravel().astype(float),
        "days_to": ((ti + 1) * time).ravel().astype(float),
        "pairs": observed.ravel(),
        "expected": expected.ravel(),
        "ratio": ratio.ravel(),
        "p_sim": ((ge + 1) / denom).ravel() if permutations else np.nan,
        "cumulative_pairs": cum_obs.ravel(),
        "cumulative_p_sim": ((ge_cum + 1) / denom).ravel() if permutations else np.nan,
    })


def _pairs_within(sorted_days: np.ndarray, window: float) -> int:
    """Pairs of values (i < j) at most ``window`` apart, from sorted values."""
    hi = np.searchsorted(sorted_days, sorted_days + window * (1 + 1e-12), side="right")
    return int((hi - np.arange(len(sorted_days)) - 1).sum())
