"""Grid cells from roads: N contiguous, balanced, compact unions of road faces.

``build_cells`` repairs the road network (:mod:`lever_grid.core.roadnet`), takes the faces
(blocks) the roads enclose and partitions them into exactly N cells:

1. start: recursive inertial bisection of the face centroids, each cut at the weighted
   quantile that gives both halves their share of the balanced quantity;
2. contiguity: a region falling apart keeps its heaviest piece, the other pieces go to
   the neighbour they share most edge with;
3. local search (AZP-like, vectorised): boundary faces move to a neighbouring region when
   that lowers ``sum(log(w_r / T)^2) + MU * sum((1 - PP_r)^2)`` (T = total / N, PP the
   Polsby–Popper compactness) and the region left behind stays connected
   (``scipy.sparse.csgraph.connected_components``); moves between disjoint pairs of
   regions are applied together, round after round;
4. ejection chains for the extremes: the heaviest region hands a face to a neighbour
   downhill in the diffusion potential (``L phi = w - T`` on the region graph), which hands
   on a face of about that weight, until a region can keep it; the lightest region pulls
   the same way; then a pass on ``log(w_r / T)^8``, and a compactness pass whose moves keep
   every region between the current lightest and heaviest;
5. few faces per cell (under ``MULTI_START_BELOW``, up to ``MULTI_START_FACES`` faces):
   four starts (bisection, bisection cut first along x, along y, balanced region growing),
   the best max/min ratio kept.

Everything is deterministic: lines are put in canonical order, faces sorted by centroid,
ties broken by index; the input row order never matters.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from ..crs import MetricFrame, check_coordinates, to_metric
from ..errors import InputError, location_of
from ..geometry import group_union, road_pieces, run_steps
from ..inputs.cells import normalize_polygons
from ..progress import Progress
from .levels import road_levels
from .outline import CLOSE_M, MARGIN_M, derive_outline
from .quiet import quiet
from .roadnet import Faces, build_faces, repair_network

__all__ = [
    "BALANCE", "polsby_popper", "cell_order", "partition_faces", "build_cells", "cell_road_length",
]


BALANCE = ("road_length", "incidents", "area")


#: Weight of compactness against balance in the local search.
MU = 0.2


#: Faces per cell under which several starts are tried and the best kept.
MULTI_START_BELOW = 6.0


#: ... and at most this many faces (the region growing start is one step per face).
MULTI_START_FACES = 3000


NAME = "网格 {}"


#: The road-length balance (max/min per cell) aimed for; above it the faces are split
#: further once, and the log names the face that keeps the ratio up.
BALANCE_GOAL = 2.0


#: ... faces with more road than this share of a cell's are then split.
SPLIT_SHARE = 0.5


_LINES = ("LineString", "MultiLineString")


def polsby_popper(geoms: np.ndarray) -> np.ndarray:
    """Polsby–Popper compactness ``4 pi A / P^2`` (1 for a circle, 0.785 for a square)."""
    perim = shapely.length(geoms)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(perim > 0, 4.0 * np.pi * shapely.area(geoms) / perim**2, 0.0)


def cell_order(geoms: np.ndarray, row_height: float) -> np.ndarray:
    """Order cells north-west to south-east: rows of ``row_height`` from the top by centroid
    y, then centroid x ascending within a row. Returns the permutation."""
    xy = shapely.get_coordinates(shapely.centroid(geoms))
    top = xy[:, 1].max() if len(xy) else 0.0
    row = np.floor((top - xy[:, 1]) / max(row_height, 1e-9) + 1e-9)
    return np.lexsort((-xy[:, 1], xy[:, 0], row))


class _Graph:
    """Face graph of one connected group of faces plus the per-face numbers."""

    def __init__(self, adjacency: sparse.csr_matrix, weight: np.ndarray, area: np.ndarray,
                 perimeter: np.ndarray, xy: np.ndarray) -> None:
        self.m = adjacency.tocsr()
        self.coo = self.m.tocoo()
        self.w = np.asarray(weight, dtype=float)
        self.a = np.asarray(area, dtype=float)
        self.p = np.asarray(perimeter, dtype=float)
        self.xy = np.asarray(xy, dtype=float)
        self.n = len(self.w)
        self.outer = self.p - np.asarray(self.m.sum(axis=1)).ravel()

    def neighbours(self, faces: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(face, neighbour, shared length) for every edge of the given faces."""
        start, stop = self.m.indptr[faces], self.m.indptr[faces + 1]
        n = stop - start
        pos = run_steps(n) + np.repeat(start, n)
        return np.repeat(faces, n), self.m.indices[pos], self.m.data[pos]

    def connected(self, faces: np.ndarray) -> bool:
        """Whether the faces form one piece (a small set: a plain graph search)."""
        if len(faces) <= 1:
            return len(faces) == 1
        members = set(faces.tolist())
        indptr, indices = self.m.indptr, self.m.indices
        seen = {int(faces[0])}
        stack = [int(faces[0])]
        while stack:  # a region's faces: a few dozen at most
            u = stack.pop()
            for v in indices[indptr[u]:indptr[u + 1]].tolist():
                if v in members and v not in seen:
                    seen.add(v)
                    stack.append(v)
        return len(seen) == len(members)

    def onehot(self, labels: np.ndarray, k: int) -> sparse.csr_matrix:
        return sparse.csr_matrix((np.ones(self.n), (np.arange(self.n), labels)),
                                 shape=(self.n, k))

    def pieces(self, labels: np.ndarray) -> np.ndarray:
        """Component id of every face in the graph cut between regions."""
        same = labels[self.coo.row] == labels[self.coo.col]
        g = sparse.coo_matrix((np.ones(int(same.sum())), (self.coo.row[same],
                                                          self.coo.col[same])),
                              shape=(self.n, self.n))
        return connected_components(g, directed=False)[1]


def _rcb(g: _Graph, k: int, axis_first: int | None = None) -> np.ndarray:
    """Recursive inertial bisection into k parts of about equal weight."""
    labels = np.zeros(g.n, dtype=np.int64)
    total_w, total_a = g.w.sum(), g.a.sum()
    split_w: np.ndarray = g.w + 0.01 * g.a * (total_w / total_a if total_w > 0 else 1.0)
    if split_w.sum() <= 0:
        split_w = np.ones(g.n)
    stack = [(np.arange(g.n), k, 0, 0)]
    while stack:
        idx, parts, base, depth = stack.pop()
        if parts == 1:
            labels[idx] = base
            continue
        k1 = parts // 2
        pts = g.xy[idx] - g.xy[idx].mean(axis=0)
        if axis_first is not None and depth == 0:
            axis = np.eye(2)[axis_first]
        else:
            cov = pts.T @ (pts * split_w[idx, None])
            axis = np.linalg.eigh(cov)[1][:, -1]
            if axis[0] < 0 or (axis[0] == 0 and axis[1] < 0):
                axis = -axis
        proj = pts @ axis
        order = np.lexsort((idx, proj))
        cum = np.cumsum(split_w[idx][order])
        target = cum[-1] * k1 / parts
        lo, hi = k1, len(idx) - (parts - k1)
        cut = np.clip(np.searchsorted(cum, target) + 1, lo, hi)
        alt = np.clip(cut - 1, lo, hi)
        if abs(cum[alt - 1] - target) < abs(cum[cut - 1] - target):
            cut = alt
        stack.append((idx[order[:cut]], k1, base, depth + 1))
        stack.append((idx[order[cut:]], parts - k1, base + k1, depth + 1))
    return labels


def _grow(g: _Graph, k: int) -> np.ndarray:
    """Balanced region growing from farthest-point seeds (lightest region grows first)."""
    seeds = [int(np.argmax(np.hypot(*(g.xy - g.xy.mean(axis=0)).T)))]
    dist = np.hypot(*(g.xy - g.xy[seeds[0]]).T)
    for _ in range(k - 1):
        nxt = int(np.argmax(dist))
        seeds.append(nxt)
        dist = np.minimum(dist, np.hypot(*(g.xy - g.xy[nxt]).T))
    labels = np.full(g.n, -1)
    labels[seeds] = np.arange(k)
    weight = g.w[seeds].astype(float)
    while (labels < 0).any():
        free = labels < 0
        assigned = ~free
        rows = g.coo.row
        mask = free[rows] & assigned[g.coo.col]
        if not mask.any():
            break
        f, r, length = rows[mask], labels[g.coo.col[mask]], g.coo.data[mask]
        # the lightest region takes the frontier face it shares most edge with
        reg_w = weight[r]
        order = np.lexsort((f, -length, reg_w))
        best_r = r[order[0]]
        take = order[r[order] == best_r][0]
        labels[f[take]] = best_r
        weight[best_r] += g.w[f[take]]
    labels[labels < 0] = 0
    return labels


def _repair(g: _Graph, labels: np.ndarray, k: int) -> np.ndarray:
    """Make every region connected (and non-empty); stray pieces go to neighbours."""
    labels = labels.copy()
    for _ in range(g.n + 1):
        comp = g.pieces(labels)
        ncomp = comp.max() + 1
        comp_region = np.zeros(ncomp, dtype=np.int64)
        comp_region[comp] = labels
        comp_w = np.bincount(comp, weights=g.w + 1e-9 * g.a, minlength=ncomp)
        comp_min = np.full(ncomp, g.n)
        np.minimum.at(comp_min, comp, np.arange(g.n))
        order = np.lexsort((comp_min, -comp_w, comp_region))
        first = np.concatenate([[True], comp_region[order][1:] != comp_region[order][:-1]])
        keep = np.zeros(ncomp, dtype=bool)
        keep[order[first]] = True
        stray = ~keep[comp]
        if not stray.any():
            break
        labels[stray] = -1
        while (labels < 0).any():
            free = labels < 0
            rows, cols, data = g.coo.row, g.coo.col, g.coo.data
            mask = free[rows] & ~free[cols]
            if not mask.any():
                labels[free] = 0
                break
            f, r, length = rows[mask], labels[cols[mask]], data[mask]
            key = f * k + r
            uniq, inv = np.unique(key, return_inverse=True)
            tot = np.bincount(inv, weights=length)
            uf, ur = uniq // k, uniq % k
            order = np.lexsort((ur, -tot, uf))
            firsts = np.concatenate([[True], uf[order][1:] != uf[order][:-1]])
            labels[uf[order][firsts]] = ur[order][firsts]
    # empty regions (should not happen): give each the lightest splittable face
    return labels


class _Search:
    """Vectorised local search over face moves between neighbouring regions."""

    def __init__(self, g: _Graph, k: int, mu: float) -> None:
        self.g, self.k, self.mu = g, k, mu
        self.target = max(g.w.sum() / k, 1e-12)
        self.floor = 0.02 * self.target
        self.scale = 1.0
        self.bounds: tuple[float, float] | None = None

    def _cost(self, w: np.ndarray, power: int, scale: float | None = None) -> np.ndarray:
        scale = self.scale if scale is None else scale
        return (np.log(np.maximum(w, self.floor) / self.target) / scale) ** power

    def _set_scale(self, labels: np.ndarray, power: int) -> None:
        """Power 2: plain squared log deviations; higher powers: relative to the largest."""
        self.scale = 1.0
        if power > 2:
            w = np.bincount(labels, weights=self.g.w, minlength=self.k)
            self.scale = max(float(np.abs(self._cost(w, 1)).max()), 1e-6)

    def _pp(self, a: np.ndarray, p: np.ndarray) -> np.ndarray:
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(p > 0, 4.0 * np.pi * a / p**2, 0.0)

    def objective(self, labels: np.ndarray, power: int = 2) -> float:
        g, k = self.g, self.k
        self._set_scale(labels, power)
        w = np.bincount(labels, weights=g.w, minlength=k)
        a = np.bincount(labels, weights=g.a, minlength=k)
        lf = self._own_shared(labels)
        p = np.bincount(labels, weights=g.p - lf, minlength=k)
        return float(self._cost(w, power).sum() + self.mu * self._loose(self._pp(a, p)).sum())

    @staticmethod
    def _loose(pp: np.ndarray) -> np.ndarray:
        """Compactness penalty of a region: ``(1 - PP)^2``, steepest for the worst shapes."""
        return (1.0 - pp) ** 2

    def _own_shared(self, labels: np.ndarray) -> np.ndarray:
        g = self.g
        same = labels[g.coo.row] == labels[g.coo.col]
        return np.bincount(g.coo.row[same], weights=g.coo.data[same], minlength=g.n)

    def run(self, labels: np.ndarray, power: int = 2, max_rounds: int = 400,
            progress: Progress | None = None, guard: bool = False) -> np.ndarray:
        """Apply improving face moves until none is left.

        ``guard``: only moves that keep both regions within the current lightest and
        heaviest weights (polishing compactness without widening the max/min ratio).
        """
        g, k = self.g, self.k
        labels = labels.copy()
        self._set_scale(labels, power)
        self.bounds = None
        if guard:
            w = np.bincount(labels, weights=g.w, minlength=k)
            self.bounds = (float(w.min()), float(w.max()))
        blocked = np.zeros(g.n, dtype=bool)
        enclosed0 = self._enclosed(labels)
        for rnd in range(max_rounds):
            if progress is not None and rnd % 10 == 0:
                progress.step(min(rnd / max_rounds, 1.0))
            moves = self._moves(labels, blocked, power)
            if moves is None:
                break
            f, r, s = moves
            new = labels.copy()
            new[f] = s
            bad = self._broken(new, r)
            bad |= self._encloses(new, f, r, s, enclosed0)
            blocked[f[bad]] = True
            ok = ~bad
            if not ok.any():
                continue
            labels[f[ok]] = s[ok]
            touched = np.zeros(k, dtype=bool)
            touched[r[ok]] = True
            touched[s[ok]] = True
            blocked &= ~touched[labels]
        return labels

    def _moves(self, labels: np.ndarray, blocked: np.ndarray, power: int):
        g, k = self.g, self.k
        lf = (g.m @ self._onehot(labels)).tocoo()
        f, s, lfs = lf.row, lf.col, lf.data
        own = labels[f] == s
        lfr = np.zeros(g.n)
        lfr[f[own]] = lfs[own]
        size = np.bincount(labels, minlength=k)
        r = labels[f]
        cand = ~own & (size[r] > 1) & ~blocked[f]
        f, s, lfs, r = f[cand], s[cand], lfs[cand], r[cand]
        if len(f) == 0:
            return None
        w = np.bincount(labels, weights=g.w, minlength=k)
        if self.bounds is not None:
            lo, hi = self.bounds
            inside = (w[r] - g.w[f] >= lo) & (w[s] + g.w[f] <= hi)
            f, s, lfs, r = f[inside], s[inside], lfs[inside], r[inside]
            if len(f) == 0:
                return None
        a = np.bincount(labels, weights=g.a, minlength=k)
        p = np.bincount(labels, weights=g.p - lfr, minlength=k)
        wf, af, pf = g.w[f], g.a[f], g.p[f]
        d_bal = (self._cost(w[r] - wf, power) + self._cost(w[s] + wf, power)
                 - self._cost(w[r], power) - self._cost(w[s], power))
        pp_r0, pp_s0 = self._pp(a[r], p[r]), self._pp(a[s], p[s])
        pp_r1 = self._pp(a[r] - af, p[r] - pf + 2 * lfr[f])
        pp_s1 = self._pp(a[s] + af, p[s] + pf - 2 * lfs)
        loose = self._loose
        delta = d_bal + self.mu * (loose(pp_r1) + loose(pp_s1) - loose(pp_r0) - loose(pp_s0))
        scale = max(abs(float(self._cost(w, power).sum())), 1e-12)
        good = np.flatnonzero(delta < -1e-9 * max(scale, self.mu))
        if len(good) == 0:
            return None
        order = good[np.lexsort((s[good], f[good], delta[good]))]
        rank = np.empty(len(f), dtype=np.int64)
        rank[order] = np.arange(len(order))
        best = np.full(k, np.iinfo(np.int64).max)
        np.minimum.at(best, r[order], rank[order])
        np.minimum.at(best, s[order], rank[order])
        pick = order[(best[r[order]] == rank[order]) & (best[s[order]] == rank[order])]
        return f[pick], r[pick], s[pick]

    def _onehot(self, labels: np.ndarray) -> sparse.csr_matrix:
        return self.g.onehot(labels, self.k)

    def _n_pieces(self, labels: np.ndarray) -> np.ndarray:
        comp = self.g.pieces(labels)
        n_comp = np.zeros(self.k, dtype=np.int64)
        pairs = np.unique(np.stack([labels, comp], axis=1), axis=0)
        np.add.at(n_comp, pairs[:, 0], 1)
        return n_comp

    def potentials(self, labels: np.ndarray) -> np.ndarray:
        """Solve the region graph's Laplacian for the excess weight, ``L phi = w - T``:
        weight flows downhill in ``phi`` from heavy regions to light ones."""
        from scipy.sparse.linalg import spsolve

        g, k = self.g, self.k
        oh = self._onehot(labels)
        rr = (oh.T @ g.m @ oh).tocoo()
        off = rr.row != rr.col
        adj = sparse.csr_matrix((np.ones(int(off.sum())), (rr.row[off], rr.col[off])),
                                shape=(k, k))
        deg = np.asarray(adj.sum(axis=1)).ravel()
        lap = sparse.diags(deg + 1e-6 * max(float(deg.max()), 1.0)) - adj
        w = np.bincount(labels, weights=g.w, minlength=k)
        return np.asarray(spsolve(lap.tocsc(), (w - self.target) / self.target))

    def chains(self, labels: np.ndarray, max_chains: int | None = None,
               progress: Progress | None = None) -> np.ndarray:
        """Ejection chains for the extremes (the max/min ratio).

        The heaviest region hands a face to a neighbour downhill in the diffusion potential,
        which hands on a face of about the weight it received, and so on until a region
        can keep what it got; the lightest region pulls faces the same way uphill. A chain
        is kept when it lowers the extremes (``sum((l_r / l_max)^8)`` over the regions it
        touched, ``l = log(w / T)``); every region stays connected and non-empty.
        """
        g, k = self.g, self.k
        labels = labels.copy()
        max_chains = max_chains or max(100, min(2 * k, 3000))
        tried = 0
        for _ in range(12):  # passes; the potential is renewed between them
            phi = self.potentials(labels)
            w = np.bincount(labels, weights=g.w, minlength=k)
            dev = np.log(np.maximum(w, self.floor) / self.target)
            worst = float(np.abs(dev).max())
            if worst <= 1e-9:
                break
            queue = np.flatnonzero(np.abs(dev) >= 0.6 * worst)
            queue = queue[np.lexsort((queue, -np.abs(dev[queue])))]
            accepted = 0
            for start in queue:
                if tried >= max_chains:
                    break
                if progress is not None and tried % 20 == 0:
                    progress.step(tried / max_chains)
                tried += 1
                w = np.bincount(labels, weights=g.w, minlength=k)
                d = np.log(np.maximum(w[start], self.floor) / self.target)
                if abs(d) < 0.6 * worst:
                    continue
                new = self._chain(labels, w, phi, int(start), push=d > 0)
                if new is not None and self._newly_enclosed(labels, new):
                    new = None  # a chain must not leave a region inside another one
                if new is not None:
                    labels, accepted = new, accepted + 1
            if accepted == 0 or tried >= max_chains:
                break
        return labels

    def _chain(self, labels: np.ndarray, w: np.ndarray, phi: np.ndarray, start: int,
               push: bool) -> np.ndarray | None:
        g, t = self.g, self.target
        new = labels.copy()
        wn = w.copy()
        dev = np.log(np.maximum(w, self.floor) / t)
        scale = max(float(np.abs(dev).max()), 1e-6)
        others = np.delete(dev, start)
        # the chain ends in a region that does not become a new extreme
        hi = max(t * np.exp(float(others.max())), t) if len(others) else t
        lo = min(t * np.exp(float(others.min())), t) if len(others) else t
        visited = [start]
        r = start
        for _ in range(40):
            need = (wn[r] - t) if push else (t - wn[r])
            if need <= 0:
                break
            move = self._pick(new, wn, r, need, phi, visited, push, hi, lo)
            if move is None:
                return None
            f, s = move
            if push:
                new[f] = s
                wn[r] -= g.w[f]
                wn[s] += g.w[f]
                done = wn[s] <= hi
            else:
                new[f] = r
                wn[s] -= g.w[f]
                wn[r] += g.w[f]
                done = wn[s] >= lo
            r = s
            visited.append(s)
            if done:
                break
        else:
            return None
        touched = np.asarray(visited)
        before = ((dev[touched] / scale) ** 8).sum()
        after = ((np.log(np.maximum(wn[touched], self.floor) / t) / scale) ** 8).sum()
        if after >= before * (1 - 1e-9):
            return None
        return new

    def _pick(self, labels: np.ndarray, wn: np.ndarray, r: int, need: float, phi: np.ndarray,
              visited: list, push: bool, hi: float, lo: float):
        """Best face move for a chain step at region r: returns (face, other region).

        A move into (push) or out of (pull) a region that can take it without becoming an
        extreme ends the chain and is preferred; otherwise the chain goes on downhill
        (push) or uphill (pull) in the potential, with a face weighing about ``need``.
        """
        g, t = self.g, self.target
        faces_r = np.flatnonzero(labels == r)
        if push and len(faces_r) < 2:
            return None
        if push:  # faces of r next to another region
            rows = faces_r
        else:  # faces of neighbouring regions next to r
            nbr = g.neighbours(faces_r)[1]
            rows = np.unique(nbr[labels[nbr] != r])
        f, nb, length = g.neighbours(rows)
        if push:
            s = labels[nb]
            ok = (s != r) & ~np.isin(s, visited)
        else:
            s = labels[f]
            ok = (labels[nb] == r) & ~np.isin(s, visited)
        if not ok.any():
            return None
        f, s, length = f[ok], s[ok], length[ok]
        uniq, inv = np.unique(f * self.k + s, return_inverse=True)
        shared = np.bincount(inv, weights=length)
        f, s = uniq // self.k, uniq % self.k
        wf = g.w[f]
        attach = shared / g.p[f]
        if push:
            ends = wn[s] + wf <= hi
            end_cost = (self._cost(wn[r] - wf, 8) + self._cost(wn[s] + wf, 8))
            slope = phi[s] - phi[r]
        else:
            ends = (wn[s] - wf >= lo) & (self._owner_size(labels, s) > 1)
            end_cost = (self._cost(wn[r] + wf, 8) + self._cost(wn[s] - wf, 8))
            slope = phi[r] - phi[s]
        go_on = np.abs(wf - need) / t + 2.0 * slope - 0.25 * attach
        score = np.where(ends, -1e6 + end_cost - 0.01 * attach, go_on)
        for i in np.lexsort((f, score))[:8]:
            owner = r if push else s[i]
            idx = np.flatnonzero(labels == owner)
            if len(idx) >= 2 and g.connected(idx[idx != f[i]]):
                return int(f[i]), int(s[i])
        return None

    def _newly_enclosed(self, old: np.ndarray, new: np.ndarray) -> bool:
        """Whether a region near the faces that changed is enclosed in ``new`` only."""
        g = self.g
        moved = np.flatnonzero(old != new)
        near = np.unique(np.concatenate([new[g.neighbours(moved)[1]], new[moved], old[moved]]))
        for region in near:  # the few regions a chain touched
            if self._is_enclosed(new, region) and not self._is_enclosed(old, region):
                return True
        return False

    def _is_enclosed(self, labels: np.ndarray, region: int) -> bool:
        g = self.g
        faces = np.flatnonzero(labels == region)
        if g.outer[faces].sum() > 1e-6 * max(g.p.max(), 1.0):
            return False
        other = labels[g.neighbours(faces)[1]]
        return len(np.unique(other[other != region])) == 1

    def _owner_size(self, labels: np.ndarray, regions: np.ndarray) -> np.ndarray:
        return np.bincount(labels, minlength=self.k)[regions]

    def _broken(self, labels: np.ndarray, sources: np.ndarray) -> np.ndarray:
        """For each move, whether its source region fell apart."""
        return self._n_pieces(labels)[sources] > 1

    def _enclosed(self, labels: np.ndarray) -> np.ndarray:
        """Regions surrounded by a single other region (that region then has a hole)."""
        g, k = self.g, self.k
        oh = self._onehot(labels)
        rr = (oh.T @ g.m @ oh).tolil()
        rr.setdiag(0)
        rr = rr.tocsr()
        rr.eliminate_zeros()
        outer = np.bincount(labels, weights=g.outer, minlength=k)
        return (np.diff(rr.indptr) == 1) & (outer <= 1e-6 * max(g.p.max(), 1.0))

    def _encloses(self, labels: np.ndarray, f: np.ndarray, r: np.ndarray, s: np.ndarray,
                  before: np.ndarray) -> np.ndarray:
        """Moves that leave a region newly enclosed by another one."""
        new = self._enclosed(labels) & ~before
        if not new.any():
            return np.zeros(len(f), dtype=bool)
        bad = new[r] | new[s]
        g = self.g
        near = np.zeros(g.n, dtype=bool)  # faces bordering a newly enclosed region
        touch = new[labels[g.coo.col]]
        near[g.coo.row[touch]] = True
        return bad | near[f]


def partition_faces(
    adjacency: sparse.csr_matrix,
    weight: np.ndarray,
    area: np.ndarray,
    perimeter: np.ndarray,
    xy: np.ndarray,
    k: int,
    *,
    mu: float = MU,
    progress: Progress | None = None,
) -> np.ndarray:
    """Partition one connected face graph into ``k`` contiguous, balanced, compact regions.

    Parameters
    ----------
    adjacency : symmetric sparse matrix of shared edge lengths (the graph must be connected).
    weight : the quantity to balance per face.
    area, perimeter, xy : face areas, perimeters and centroids (compactness, seeding).
    k : number of regions, ``1 <= k <= number of faces``.

    Returns
    -------
    Region label 0..k-1 per face.

    Examples
    --------
    >>> import numpy as np, shapely
    >>> from scipy import sparse
    >>> boxes = shapely.box(np.arange(4), 0, np.arange(4) + 1, 1)   # four unit squares
    >>> adj = sparse.csr_matrix(np.eye(4, k=1) + np.eye(4, k=-1))
    >>> partition_faces(adj, np.ones(4), np.ones(4), np.full(4, 4.0),
    ...                 np.c_[np.arange(4) + 0.5, np.full(4, 0.5)], 2).tolist()
    [0, 0, 1, 1]
    """
    progress = progress or Progress()
    n = len(weight)
    if k >= n:
        return np.arange(n)
    if k <= 1:
        return np.zeros(n, dtype=np.int64)
    g = _Graph(adjacency, weight, area, perimeter, xy)
    search = _Search(g, k, mu)
    starts = [_rcb(g, k)]
    if n / k < MULTI_START_BELOW and n <= MULTI_START_FACES:
        starts += [_rcb(g, k, 0), _rcb(g, k, 1), _grow(g, k)]
    best, best_key = None, None
    for i, start in enumerate(starts):
        sub = progress.sub(i / len(starts), (i + 1) / len(starts))
        labels = _repair(g, start, k)
        labels = search.run(labels, 2, progress=sub.sub(0.0, 0.3))
        labels = search.chains(labels, progress=sub.sub(0.3, 0.7))
        labels = search.run(labels, 8, progress=sub.sub(0.7, 0.85))
        labels = search.run(labels, 2, progress=sub.sub(0.85, 1.0), guard=True)
        key = _quality(g, labels, k)
        if best_key is None or key < best_key:
            best, best_key = labels, key
    assert best is not None  # there is always a first start
    return best


def _quality(g: _Graph, labels: np.ndarray, k: int) -> tuple:
    """Sort key of a finished partition: max/min ratio (rounded to 0.1 %), then compactness."""
    w = np.bincount(labels, weights=g.w, minlength=k)
    lo = w.min()
    ratio = w.max() / lo if lo > 0 else np.inf
    search = _Search(g, k, MU)
    return (round(float(np.log(ratio)), 3) if np.isfinite(ratio) else np.inf,
            round(search.objective(labels, 2), 6))



def _check_args(count, balance: str, incidents, snap: float) -> int:
    if isinstance(count, bool) or not isinstance(count, int | np.integer):
        try:
            as_float = float(count)
        except (TypeError, ValueError):
            raise InputError(f"N = {count!r} is not a whole number of cells") from None
        if not as_float.is_integer():
            raise InputError(f"N = {count!r} is not a whole number of cells")
        count = int(as_float)
    if count < 1:
        raise InputError(f"N = {count}: the number of cells must be at least 1")
    if balance not in BALANCE:
        raise InputError(f"balance {balance!r} is not one of {', '.join(BALANCE)}")
    if balance == "incidents" and incidents is None:
        raise InputError("balance by incidents needs an incidents layer (--incidents)")
    if not np.isfinite(snap) or snap < 0:
        raise InputError(f"snap distance {snap!r} must be a number >= 0 (metres)")
    return int(count)


def _check_roads(roads: gpd.GeoDataFrame, progress: Progress) -> gpd.GeoDataFrame:
    where = location_of(roads, "roads")
    if roads is None or not isinstance(roads, gpd.GeoDataFrame):
        raise InputError("roads must be a line layer", **where)
    geoms = roads.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy()
    types = geoms.geom_type.to_numpy()
    bad = ~missing & ~np.isin(types, _LINES)
    if bad.any():
        raise InputError(f"{types[bad][0]} geometry where roads must be LineString or "
                         "MultiLineString (give road centrelines, not areas)",
                         feature=roads.index[bad][0], field="geometry", **where)
    if missing.any():
        progress.info(f"roads: {int(missing.sum())} feature(s) without geometry left out")
        roads = roads.loc[~missing]
    if len(roads) == 0:
        raise InputError("the roads layer has no line features", **where)
    if roads.crs is None and not roads.attrs.get("local"):
        raise InputError("the layer has no CRS; pass --assume-crs EPSG:NNNN (or 'local' for a "
                         "site plan in metres)", **where)
    check_coordinates(roads, file=where.get("file"), layer=where.get("layer"))
    return roads


def _polygons(gdf: gpd.GeoDataFrame | None, role: str, metric, roads_crs,
              progress: Progress) -> gpd.GeoDataFrame | None:
    if gdf is None:
        return None
    where = location_of(gdf, role)
    types = gdf.geometry.geom_type.to_numpy()
    null = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    bad = ~null & ~np.isin(types, ("Polygon", "MultiPolygon"))
    if bad.any():
        raise InputError(f"{types[bad][0]} geometry where {role} must be Polygon or "
                         "MultiPolygon", feature=gdf.index[bad][0], field="geometry", **where)
    if gdf.crs is None and roads_crs is not None:
        gdf = gdf.set_crs(roads_crs)
    check_coordinates(gdf, file=where.get("file"), layer=where.get("layer"))
    gdf = normalize_polygons(gdf, role, progress)
    return to_metric(gdf, metric)


def _incident_points(incidents: gpd.GeoDataFrame, metric, roads_crs) -> np.ndarray:
    where = location_of(incidents, "incidents")
    if incidents.crs is None and roads_crs is not None:
        incidents = incidents.set_crs(roads_crs)
    geoms = incidents.geometry
    ok = ~(geoms.isna() | geoms.is_empty).to_numpy()
    types = geoms.geom_type.to_numpy()
    bad = ok & (types != "Point")
    if bad.any():
        raise InputError(f"{types[bad][0]} geometry where incidents must be points",
                         feature=incidents.index[bad][0], field="geometry", **where)
    return to_metric(incidents.loc[ok], metric).geometry.to_numpy()


def _face_weights(faces: Faces, balance: str, points: np.ndarray | None,
                  progress: Progress) -> np.ndarray:
    if balance == "road_length":
        return faces.road_length.copy()
    if balance == "area":
        return faces.area.copy()
    assert points is not None  # balance by incidents needs them (checked by _check_args)
    pt_i, face_i = shapely.STRtree(faces.geoms).query(points, predicate="intersects")
    order = np.lexsort((face_i, pt_i))
    pt_i, face_i = pt_i[order], face_i[order]
    first = np.concatenate([[True], pt_i[1:] != pt_i[:-1]]) if len(pt_i) else np.empty(0, bool)
    counts = np.bincount(face_i[first], minlength=len(faces)).astype(float)
    outside = len(points) - int(first.sum())
    progress.info(f"incidents: {int(first.sum())} in the faces"
                  + (f", {outside} outside the village left out" if outside else ""))
    return counts


def _allocate(weights: np.ndarray, sizes: np.ndarray, total: int) -> np.ndarray:
    """Cells per face group: >= 1 and <= faces each, proportional to weight otherwise."""
    n = len(weights)
    share = weights / weights.sum() if weights.sum() > 0 else sizes / sizes.sum()
    out = np.ones(n, dtype=np.int64)
    for _ in range(total - n):  # few groups: a loop over the cells handed out
        room = out < sizes
        gain = np.where(room, share * total - out, -np.inf)
        out[int(np.argmax(gain))] += 1
    return out


def _locked_ids(locked: gpd.GeoDataFrame, count: int, progress: Progress) -> np.ndarray | None:
    if "cell_id" not in locked.columns:
        return None
    ids = pd.to_numeric(locked["cell_id"], errors="coerce")
    ok = ids.notna().all() and (ids % 1 == 0).all() and ids.between(1, count).all() \
        and not ids.duplicated().any()
    if not ok:
        progress.info("locked cells: cell_id values are not unique whole numbers in "
                      f"1..{count}; every cell is renumbered")
        return None
    return ids.astype(np.int64).to_numpy()


@quiet
def build_cells(
    roads: gpd.GeoDataFrame,
    count: int,
    *,
    boundary: gpd.GeoDataFrame | None = None,
    balance: str = "road_length",
    incidents: gpd.GeoDataFrame | None = None,
    locked: gpd.GeoDataFrame | None = None,
    snap: float = 3.0,
    no_node_field: str | None = None,
    margin: float = MARGIN_M,
    progress: Progress | None = None,
) -> tuple[gpd.GeoDataFrame, dict]:
    """Split the village outline into ``count`` grid cells.

    Parameters
    ----------
    roads : road centrelines ((Multi)LineString) in any CRS; a layer without CRS is
        accepted only when ``roads.attrs["local"]`` is True (site plan in metres).
    count : number of cells N (locked cells included).
    boundary : village outline, tiled exactly by the cells; roads outside it are clipped
        (and reported). Default: derived from the roads
        (:func:`lever_grid.core.grid.outline.derive_outline` with ``margin``), holding
        every road metre.
    balance : ``road_length`` (a road on a cell border counts half to each side),
        ``incidents`` (points per cell; needs ``incidents``) or ``area``.
    locked : cells kept as they are; faces whose representative point falls in one belong
        to it, the other faces make the remaining ``count - len(locked)`` cells.
    snap : repair tolerance in metres (see :mod:`lever_grid.core.grid.roadnet`).
    no_node_field : field giving grade levels instead of OSM ``bridge``/``tunnel``/
        ``layer`` (see :mod:`lever_grid.core.grid.levels`).
    margin : metres between the outer roads and a derived outline.

    Returns
    -------
    (cells, report) : cells in the roads' CRS with cell_id (1..N, north-west to
        south-east), name, area_m2, road_length_m, police_office, officer, locked and a
        Polygon geometry; report with ``summary`` lines and the numbers behind them.
    """
    progress = progress or Progress()
    count = _check_args(count, balance, incidents, snap)
    if not np.isfinite(margin) or margin < 0:
        raise InputError(f"margin {margin!r} must be a number >= 0 (metres)")
    roads = _check_roads(roads, progress)
    roads_crs = roads.crs
    frame = MetricFrame.of(roads, progress)
    metric = frame.crs
    roads_m = frame.forward(roads)
    boundary_m = _polygons(boundary, "boundary", metric, roads_crs, progress)
    locked_m = _polygons(locked, "locked cells", metric, roads_crs, progress)
    points = (_incident_points(incidents, metric, roads_crs) if incidents is not None
              else None)
    progress.step(0.02)

    levels = road_levels(roads_m, no_node_field)
    pieces, piece_level, repair = repair_network(roads_m.geometry.to_numpy(), levels,
                                                 snap=snap, progress=progress)
    progress.step(0.1)
    ground, elevated = pieces[piece_level == 0], pieces[piece_level != 0]
    if boundary_m is not None and len(boundary_m):
        outline = shapely.union_all(boundary_m.geometry.to_numpy())
        progress.info(f"outline: the boundary given, {shapely.area(outline):,.0f} m²")
    else:
        outline = derive_outline(pieces, margin)
        progress.info(f"outline: derived from the roads (every road grown by {margin:g} m, "
                      f"gaps under {2 * CLOSE_M:g} m between roads closed, holes filled), "
                      f"{shapely.area(outline):,.0f} m²")
    faces = build_faces(ground, outline, snap=snap, progress=progress, elevated=elevated,
                        tessellate=True)
    progress.step(0.2)
    where = location_of(roads, "roads")
    if len(faces) == 0:
        raise InputError(f"the roads enclose no closed face ({repair['parts']} road line(s)); "
                         "cells need roads that form closed loops, or a boundary", **where)
    if count > len(faces):
        raise InputError(f"N = {count} but the roads enclose only {len(faces)} faces", **where)
    weight = _face_weights(faces, balance, points, progress)

    labels, n_locked, locked_geoms = _assign_locked(faces, locked_m, count, progress)
    free = labels < 0
    k_free = count - n_locked
    target = float(weight.sum()) / count
    splittable = balance == "road_length" and n_locked == 0
    # a face heavier than BALANCE_GOAL times the mean of the other cells makes the goal
    # impossible: go straight to the finer faces; otherwise partition and split only when
    # the goal is missed
    heaviest = float(weight.max()) if len(weight) else 0.0
    rest = (float(weight.sum()) - heaviest) / max(count - 1, 1)
    coarse = splittable and count > 1 and heaviest > BALANCE_GOAL * max(rest, 1e-12)
    ratio = np.inf
    if not coarse:
        _partition_free(faces, weight, labels, free, k_free, n_locked,
                        progress.sub(0.2, 0.75))
        ratio = _ratio(np.bincount(labels, weights=weight, minlength=count))
    if ratio > BALANCE_GOAL and splittable:
        # heavy faces: split them along the midlines between their roads
        finer = build_faces(ground, outline, snap=snap, progress=Progress(),
                            elevated=elevated, tessellate=True,
                            split_above=SPLIT_SHARE * target)
        if len(finer) > len(faces) or coarse:
            f_weight = _face_weights(finer, balance, points, Progress())
            f_labels = np.full(len(finer), -1, dtype=np.int64)
            _partition_free(finer, f_weight, f_labels, f_labels < 0, count, 0,
                            progress.sub(0.75 if not coarse else 0.2, 0.9))
            f_ratio = _ratio(np.bincount(f_labels, weights=f_weight, minlength=count))
            if f_ratio < ratio or coarse:
                was = f"{ratio:.2f}" if np.isfinite(ratio) else (
                    f"a face with {float(weight.max()):,.0f} m against {target:,.0f} m "
                    "per cell")
                progress.info(f"balance: {len(finer) - len(faces)} more face(s) from splitting "
                              f"faces with over {SPLIT_SHARE * target:,.0f} m of road along the "
                              f"midlines between their roads (max/min before: {was}; "
                              f"after: {f_ratio:.2f})")
                faces, weight, labels, ratio = finer, f_weight, f_labels, f_ratio
    if ratio > BALANCE_GOAL:
        _explain_balance(faces, weight, count, ratio, progress)
    cells = _assemble(faces, labels, count, locked_m, locked_geoms, roads_m, progress)
    report = _report(cells, faces, repair, weight, labels, count, balance)
    cells = frame.back(cells)
    progress.step(1.0)
    return cells, report


def _explain_balance(faces: Faces, weight: np.ndarray, count: int, ratio: float,
                     progress: Progress) -> None:
    """Log the face that keeps the max/min ratio above the goal, when one does."""
    heavy = int(np.argmax(weight))
    total = float(weight.sum())
    rest = (total - weight[heavy]) / max(count - 1, 1)
    bound = weight[heavy] / rest if rest > 0 and count > 1 else 1.0
    x, y = faces.xy[heavy]
    if bound > 1.0:
        progress.info(f"balance: max/min {ratio:.2f} is above {BALANCE_GOAL:g}; face "
                      f"{heavy + 1} (centroid {x:.1f}, {y:.1f}; {weight[heavy]:,.0f}, "
                      f"{faces.area[heavy]:,.0f} m²) is heavier than the other cells can be "
                      f"on average ({rest:,.0f}), so no partition beats {bound:.2f}")
    else:
        light = int(np.argmin(np.where(weight > 0, weight, np.inf)))
        progress.info(f"balance: max/min {ratio:.2f} is above {BALANCE_GOAL:g}; the faces "
                      f"are too coarse for {count} cells (heaviest face {heavy + 1}: "
                      f"{weight[heavy]:,.0f}, lightest face {light + 1}: "
                      f"{weight[light]:,.0f})")


def _assign_locked(faces: Faces, locked_m, count: int, progress: Progress):
    labels = np.full(len(faces), -1, dtype=np.int64)
    if locked_m is None or len(locked_m) == 0:
        return labels, 0, None
    where = location_of(locked_m, "locked cells")
    geoms = locked_m.geometry.to_numpy()
    n_locked = len(geoms)
    if n_locked > count:
        raise InputError(f"N = {count} but {n_locked} cells are locked", **where)
    rep = shapely.point_on_surface(faces.geoms)
    face_i, lock_i = shapely.STRtree(geoms).query(rep, predicate="intersects")
    order = np.lexsort((lock_i, face_i))
    face_i, lock_i = face_i[order], lock_i[order]
    first = np.concatenate([[True], face_i[1:] != face_i[:-1]]) if len(face_i) else \
        np.empty(0, bool)
    labels[face_i[first]] = lock_i[first]
    n_free = int((labels < 0).sum())
    if n_locked == count and n_free:
        raise InputError(f"N = {count} cells are all locked but {n_free} face(s) lie outside "
                         "them; raise N", **where)
    if count - n_locked > n_free:
        raise InputError(f"N = {count} with {n_locked} locked cell(s) needs {count - n_locked} "
                         f"more cells but only {n_free} face(s) lie outside the locked cells",
                         **where)
    empty = n_locked - len(np.unique(labels[labels >= 0]))
    progress.info(f"locked cells: {n_locked} kept as drawn, holding "
                  f"{int((labels >= 0).sum())} face(s)"
                  + (f"; {empty} hold no face" if empty else ""))
    return labels, n_locked, geoms


def _partition_free(faces: Faces, weight: np.ndarray, labels: np.ndarray, free: np.ndarray,
                    k_free: int, offset: int, progress: Progress) -> None:
    if k_free == 0:
        return
    idx = np.flatnonzero(free)
    adj = faces.adjacency[idx][:, idx]
    n_comp, comp = connected_components(adj, directed=False)
    if n_comp > k_free:
        raise InputError(f"N = {k_free + offset} is too small: the faces fall into {n_comp} "
                         "separate groups (networks not joined by a shared road), each needs "
                         "its own cell; raise N or give a boundary that joins them")
    sizes = np.bincount(comp, minlength=n_comp)
    alloc = _allocate(np.bincount(comp, weights=weight[idx], minlength=n_comp), sizes, k_free)
    if n_comp > 1:
        progress.info(f"faces: {n_comp} separate groups get {', '.join(map(str, alloc))} "
                      "cell(s)")
    next_label = offset
    for c in range(n_comp):  # a handful of disconnected networks at most
        members = idx[comp == c]
        sub_adj = faces.adjacency[members][:, members]
        part = partition_faces(sub_adj, weight[members], faces.area[members],
                               faces.perimeter[members], faces.xy[members], int(alloc[c]),
                               progress=progress.sub(c / n_comp, (c + 1) / n_comp))
        labels[members] = next_label + part
        next_label += int(alloc[c])


def _assemble(faces: Faces, labels: np.ndarray, count: int, locked_m, locked_geoms,
              roads_m: gpd.GeoDataFrame, progress: Progress) -> gpd.GeoDataFrame:
    n_locked = 0 if locked_geoms is None else len(locked_geoms)
    geoms = group_union(faces.geoms, labels, count)
    if n_locked:
        geoms[:n_locked] = locked_geoms
        locked_union = shapely.union_all(locked_geoms)
        free = geoms[n_locked:]
        cut = shapely.intersects(free, locked_union)
        if cut.any():
            free = free.copy()
            free[cut] = _largest_polygon(shapely.difference(free[cut], locked_union))
            geoms[n_locked:] = free
    geoms = _largest_polygon(geoms)
    if n_locked:  # locked cells keep their own outline: measure on the geometry
        road_len = cell_road_length(geoms, faces.roads)
    else:
        road_len = _face_road_length(faces, labels, count)
    area = shapely.area(geoms)
    row_h = float(np.sqrt(area.sum() / count))
    ids = np.zeros(count, dtype=np.int64)
    kept = _locked_ids(locked_m, count, progress) if n_locked else None
    order = cell_order(geoms, row_h)
    if kept is not None:
        ids[:n_locked] = kept
        rest = np.setdiff1d(np.arange(1, count + 1), kept)
        free_order = order[order >= n_locked]
        ids[free_order] = rest
    else:
        ids[order] = np.arange(1, count + 1)
    names = np.array([NAME.format(i) for i in ids], dtype=object)
    office = np.full(count, "", dtype=object)
    officer = np.full(count, "", dtype=object)
    is_locked = np.zeros(count, dtype=np.int64)
    if n_locked:
        is_locked[:n_locked] = 1
        for col, out in (("police_office", office), ("officer", officer), ("name", names)):
            if col in locked_m.columns:
                vals = locked_m[col].fillna("").astype(str).str.strip().to_numpy()
                has = vals != ""
                out[:n_locked][has] = vals[has]
    cells = gpd.GeoDataFrame({
        "cell_id": ids, "name": names, "area_m2": np.round(area, 2),
        "road_length_m": np.round(road_len, 2), "police_office": office, "officer": officer,
        "locked": is_locked,
    }, geometry=geoms, crs=roads_m.crs)
    return cells.sort_values("cell_id", kind="stable").reset_index(drop=True)


def _largest_polygon(geoms: np.ndarray) -> np.ndarray:
    """Polygons as they are; for a multi-part geometry its largest polygon."""
    geoms = np.asarray(geoms, dtype=object).copy()
    multi = shapely.get_type_id(geoms) != 3
    for i in np.flatnonzero(multi):  # rare: a locked cell cutting a free one in two
        parts = shapely.get_parts(geoms[i])
        parts = parts[shapely.get_type_id(parts) == 3]
        geoms[i] = parts[np.argmax(shapely.area(parts))] if len(parts) else shapely.Polygon()
    return geoms


def _face_road_length(faces: Faces, labels: np.ndarray, count: int) -> np.ndarray:
    """Road length per cell from the faces each road piece lies between: a piece between
    two cells counts half to each, one inside a cell or on the outline fully."""
    side = faces.road_sides
    cell = np.where(side >= 0, labels[np.maximum(side, 0)], -1)
    length = shapely.length(faces.roads)
    a, b = cell[:, 0], cell[:, 1]
    two = (a >= 0) & (b >= 0) & (a != b)
    share = np.where(two, 0.5, 1.0) * length
    first = np.where(a >= 0, a, b)
    out = np.bincount(first[first >= 0], weights=share[first >= 0], minlength=count)
    out += np.bincount(b[two], weights=share[two], minlength=count)
    return out


def cell_road_length(cells: np.ndarray, roads: np.ndarray) -> np.ndarray:
    """Road length per cell; a road along the edge shared by two cells counts half to each.

    The one road-length rule of the project (:func:`lever_grid.core.geometry.road_pieces`,
    which the coverage statistics use too).
    """
    pieces, cell_i, weight = road_pieces(np.asarray(cells, dtype=object), roads)
    return np.bincount(cell_i, weights=shapely.length(pieces) * weight, minlength=len(cells))


def _road_edge_share(faces: Faces, labels: np.ndarray) -> float:
    """Share of the length of edges between two cells that runs along a road."""
    table = faces.edge_table
    if table is None or len(table) == 0:
        return 0.0
    left, right = table[:, 0].astype(np.int64), table[:, 1].astype(np.int64)
    both = (left >= 0) & (right >= 0)
    between = np.zeros(len(table), dtype=bool)
    between[both] = labels[left[both]] != labels[right[both]]
    total = float(table[between, 2].sum())
    return float(table[between & (table[:, 3] > 0), 2].sum()) / total if total > 0 else 1.0


def _ratio(values: np.ndarray) -> float:
    lo = float(values.min()) if len(values) else 0.0
    return float(values.max()) / lo if lo > 0 else float("inf")


def _report(cells: gpd.GeoDataFrame, faces: Faces, repair: dict, weight: np.ndarray,
            labels: np.ndarray, count: int, balance: str) -> dict:
    geoms = cells.geometry.to_numpy()
    pp = polsby_popper(geoms)
    road = cells["road_length_m"].to_numpy()
    if balance == "road_length":
        measure = road
    elif balance == "area":
        measure = cells["area_m2"].to_numpy()
    else:
        measure = np.bincount(labels, weights=weight, minlength=count)
    ratio = _ratio(measure)
    share = _road_edge_share(faces, labels)
    report = {
        "road_edge_share": round(share, 4),
        "faces": len(faces), "cells": count, "balance": balance,
        "balance_ratio": round(ratio, 4), "road_length_ratio": round(_ratio(road), 4),
        "pp_min": round(float(pp.min()), 4), "pp_mean": round(float(pp.mean()), 4),
        **{f"repair_{k}": v for k, v in repair.items()},
        **{f"faces_{k}": v for k, v in faces.counts.items() if k != "faces"},
    }
    unit = {"road_length": "m of road", "area": "m²", "incidents": "incidents"}[balance]
    report["summary"] = [
        f"repair: {repair['junctions']} junction(s) joined, {repair['undershoots']} "
        f"undershoot(s) closed ({repair['ends_moved']} end(s) moved, max "
        f"{repair.get('moved_max_m', 0):.2f} m, median {repair.get('moved_median_m', 0):.2f} "
        f"m), {repair['overshoots']} overshoot(s) trimmed, {repair['duplicates']} "
        f"duplicate(s) merged, {repair['zero_length']} zero-length dropped",
        f"faces: {len(faces)} ({faces.counts.get('dangles_m', 0):g} m of dead ends inside "
        f"faces, {faces.counts.get('clipped_m', 0):g} m of road outside clipped)",
        f"cells: {count}; {balance.replace('_', ' ')} per cell {measure.min():,.0f}–"
        f"{measure.max():,.0f} {unit}, balance ratio max/min {ratio:.2f}",
        f"compactness (Polsby–Popper): min {pp.min():.2f}, mean {pp.mean():.2f}",
        f"cell edges on roads: {100 * share:.1f} % of the edges between cells",
    ]
    return report
