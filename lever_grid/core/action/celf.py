"""Greedy maximum coverage with lazy evaluation (Minoux's accelerated greedy / CELF).

The objective is a weighted coverage with demands: demand piece ``i`` has weight ``w[i]``
and still needs ``need[i]`` more views (1 for a blind piece, 2 for a blind piece when
backups count, 1 for a piece seen once); an option ``j`` covering ``i`` is worth ``w[i]``
while ``need[i] > 0``. This is a monotone submodular function of the chosen set, so the
plain greedy choice is within ``1 - 1/e`` of the best K-subset (Nemhauser, Wolsey and
Fisher 1978); when options come in groups of which at most one may be chosen (the headings
of one camera position: a partition matroid), the bound is 1/2 (Fisher, Nemhauser and
Wolsey 1978). Lazy evaluation gives the same choices as the plain greedy: a gain computed
in an earlier round is an upper bound of the current one (submodularity), so a candidate
whose fresh gain tops the heap is the best.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from ..progress import Progress

__all__ = ["Choice", "lazy_greedy"]


@dataclass
class Choice:
    """Options chosen in order, each one's gain, and how many gains were evaluated."""

    options: np.ndarray
    gains: np.ndarray
    evaluations: int


def lazy_greedy(
    cover: sp.spmatrix,
    weight: np.ndarray,
    need: np.ndarray,
    count: int,
    *,
    group: np.ndarray | None = None,
    progress: Progress | None = None,
) -> Choice:
    """Choose up to ``count`` columns of ``cover`` (demand x options, 0/1) greedily.

    ``group[j]`` (optional): options of one group exclude each other. Ties go to the lower
    option index. Stops early when no option adds anything.

    Examples
    --------
    >>> cover = sp.csc_matrix(np.array([[1, 0, 1], [1, 1, 0], [0, 1, 0], [0, 0, 1]]))
    >>> c = lazy_greedy(cover, np.array([1.0, 1.0, 5.0, 1.0]), np.ones(4, int), 2)
    >>> c.options.tolist(), c.gains.tolist()
    ([1, 0], [6.0, 1.0])
    """
    progress = progress or Progress()
    cover = sp.csc_matrix(cover, dtype=np.float64)
    cover.sum_duplicates()
    n_opt = cover.shape[1]
    weight = np.asarray(weight, dtype=float)
    need = np.asarray(need, dtype=np.int64).copy()
    indptr, rows = cover.indptr, cover.indices
    live = weight * (need > 0)
    gains0 = np.asarray(cover.T @ live).ravel()
    heap = [(-g, j, 0) for j, g in enumerate(gains0) if g > 0]
    heapq.heapify(heap)
    banned = np.zeros(n_opt, dtype=bool)
    chosen: list[int] = []
    gains: list[float] = []
    evaluations = n_opt
    rnd = 0
    while heap and len(chosen) < count:
        neg, j, stamp = heapq.heappop(heap)
        if banned[j]:
            continue
        if stamp != rnd:
            r = rows[indptr[j]:indptr[j + 1]]
            g = float(weight[r][need[r] > 0].sum())
            evaluations += 1
            if g > 0:
                heapq.heappush(heap, (-g, j, rnd))
            continue
        chosen.append(j)
        gains.append(-neg)
        r = rows[indptr[j]:indptr[j + 1]]
        need[r] = np.maximum(need[r] - 1, 0)
        banned[j] = True
        if group is not None:
            banned[group == group[j]] = True
        rnd += 1
        progress.step(len(chosen) / max(count, 1))
    return Choice(np.asarray(chosen, dtype=np.int64), np.asarray(gains, dtype=float),
                  evaluations)
