"""Closed tours on a road graph: Chinese postman (every road) and a prize-collecting loop.

- :func:`postman_tour`: the shortest closed walk over every edge (Edmonds and Johnson
  1973): the odd-degree nodes are paired by a minimum-weight perfect matching on their
  shortest-path distances (networkx's exact blossom matching), the matched paths are
  walked twice, and an Eulerian circuit is taken from the start. Optimal.
- :func:`prize_tour`: a loop from the start through spots worth a prize within a length
  budget (the prize-collecting / orienteering problem is NP-hard; this is the classic
  insertion heuristic): starting from the empty loop, repeatedly insert the spot with the
  highest prize per metre of detour at its cheapest position, as long as the loop stays
  within the budget, and shorten the visiting order with 2-opt after every insertion.
  Distances are shortest paths on the road graph (Dijkstra).
"""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np

__all__ = ["postman_tour", "prize_tour", "walk_edges"]


def _cheapest(graph: nx.MultiGraph, u: int, v: int) -> int:
    data = graph.get_edge_data(u, v)
    return min(data, key=lambda k: data[k]["length"])


def walk_edges(graph: nx.MultiGraph, nodes: list[int]) -> list[tuple[int, int, int]]:
    """(u, v, key) of the shortest parallel edge between consecutive ``nodes``."""
    return [(a, b, _cheapest(graph, a, b)) for a, b in itertools.pairwise(nodes)]


def postman_tour(graph: nx.MultiGraph, start: int) -> list[tuple[int, int, int]]:
    """Edges (u, v, key) of a shortest closed walk from ``start`` covering every edge of
    ``graph`` (connected); repeated edges carry the key of the edge they repeat."""
    if graph.number_of_edges() == 0:
        return []
    odd = [n for n, d in graph.degree() if d % 2 == 1]
    aug = nx.MultiGraph(graph)
    if odd:
        dist, paths = {}, {}
        for a in odd:
            d, p = nx.single_source_dijkstra(graph, a, weight="length")
            dist[a], paths[a] = d, p
        complete = nx.Graph()
        for a, b in itertools.combinations(odd, 2):
            complete.add_edge(a, b, weight=dist[a][b])
        for a, b in nx.min_weight_matching(complete, weight="weight"):
            for x, y in itertools.pairwise(paths[a][b]):
                k = _cheapest(graph, x, y)
                aug.add_edge(x, y, copy_of=k, **graph.edges[x, y, k])
    circuit = nx.eulerian_circuit(aug, source=start, keys=True)
    return [(u, v, aug.edges[u, v, k].get("copy_of", k)) for u, v, k in circuit]


def _tour_length(order: list[int], dist: np.ndarray) -> float:
    return float(sum(dist[a, b] for a, b in itertools.pairwise(order)))


def _two_opt(order: list[int], dist: np.ndarray) -> list[int]:
    """Improve a closed order (first == last) by reversing segments while it shortens."""
    best = order[:]
    improved = True
    while improved:
        improved = False
        for i in range(1, len(best) - 2):
            for j in range(i + 1, len(best) - 1):
                a, b, c, d = best[i - 1], best[i], best[j], best[j + 1]
                if dist[a, c] + dist[b, d] < dist[a, b] + dist[c, d] - 1e-9:
                    best[i:j + 1] = best[i:j + 1][::-1]
                    improved = True
    return best


def prize_tour(dist: np.ndarray, prize: np.ndarray, budget: float) -> list[int]:
    """Order of stops (0 = the start, k = spot k - 1; begins and ends with 0) of a loop
    within ``budget`` that collects much prize; ``dist`` is (spots + 1) square."""
    n = len(prize)
    order = [0, 0]
    length = 0.0
    left = set(range(1, n + 1))
    while left:
        best = None
        for k in sorted(left):
            if not np.isfinite(dist[0, k]):
                continue
            detour = [dist[a, k] + dist[k, b] - dist[a, b] for a, b in itertools.pairwise(order)]
            at = int(np.argmin(detour))
            extra = max(detour[at], 0.0)
            if length + extra > budget + 1e-9:
                continue
            score = (prize[k - 1] / extra if extra > 1e-9 else np.inf, prize[k - 1], -k)
            if best is None or score > best[0]:
                best = (score, k, at)
        if best is None:
            break
        _, k, at = best
        order.insert(at + 1, k)
        left.discard(k)
        order = _two_opt(order, dist)
        length = _tour_length(order, dist)
    return order
