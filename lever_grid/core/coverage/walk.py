"""How many views see each face, found by walking across the arrangement's edges.

With every outline oriented so that its polygon's interior lies on its right
(``shapely.normalize``), crossing an edge of a view's outline from its left face to its
right face adds that view to the count, and crossing an edge of the watch area's
outline enters the watch area. So a point test on one face per watch ring fixes the
count of every face of its cell: the values spread along a breadth-first tree of the
faces, and every edge of the cell is then checked against them. A cell where an edge
disagrees, a face is not reached, or the noded parts cannot be traced back to the lines
they came from is left to the point-per-face test.
"""

from __future__ import annotations

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import breadth_first_order

__all__ = ["part_lines", "walk"]


def part_lines(ends: np.ndarray, part_group: np.ndarray, line_ends: np.ndarray,
               line_group: np.ndarray) -> np.ndarray:
    """The input line each noded part comes from; -1 throughout a group whose parts do
    not chain up line after line.

    The noder returns each line's parts in order, line after line (``ends``: first and
    last x, y of each part, ``part_group`` sorted; the lines likewise, sorted by group).
    A part that does not start where the one before it ended starts a new line; the
    group is matched when it has as many such runs as lines, each starting and ending
    where its line does (a part the noder dropped as a duplicate breaks that).
    """
    out = np.full(len(part_group), -1, dtype=np.int64)
    if len(part_group) == 0:
        return out
    new = np.ones(len(part_group), dtype=bool)
    new[1:] = (part_group[1:] != part_group[:-1]) | np.any(ends[1:, :2] != ends[:-1, 2:], axis=1)
    n_groups = int(max(part_group.max(), line_group.max(initial=-1))) + 1
    runs = np.bincount(part_group[new], minlength=n_groups)
    lines = np.bincount(line_group, minlength=n_groups)
    run = np.cumsum(new) - 1
    line = (np.cumsum(lines) - lines)[part_group] + run - (np.cumsum(runs) - runs)[part_group]
    good = runs == lines
    last = np.r_[new[1:], True]
    sel = good[part_group]
    first_ok = np.all(ends[new & sel, :2] == line_ends[line[new & sel], :2], axis=1)
    last_ok = np.all(ends[last & sel, 2:] == line_ends[line[last & sel], 2:], axis=1)
    good[part_group[new & sel][~first_ok]] = False
    good[part_group[last & sel][~last_ok]] = False
    keep = good[part_group]
    out[keep] = line[keep]
    return out


def walk(n_faces: int, left: np.ndarray, right: np.ndarray, step: np.ndarray,
         roots: np.ndarray, root_value: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values per face from the values at ``roots`` and, per edge, the change ``step``
    (one column per quantity) from its ``left`` face to its ``right`` face.

    Returns the values (``n_faces`` rows) and which faces are settled: reached from a
    root and with no edge at them that disagrees.
    """
    k = step.shape[1]
    both = (left >= 0) & (right >= 0)
    left, right, step = left[both], right[both], step[both]
    top = n_faces  # one extra vertex joined to every root
    src = np.concatenate([left, right, np.full(len(roots), top)])
    dst = np.concatenate([right, left, roots])
    change = np.concatenate([step, -step, root_value])
    graph = coo_matrix((np.ones(len(src)), (src, dst)), shape=(top + 1, top + 1)).tocsr()
    order, pred = breadth_first_order(graph, top, directed=True, return_predecessors=True)
    reached = order[1:]
    key = src.astype(np.int64) * (top + 1) + dst
    by_key = np.argsort(key)
    edge = by_key[np.searchsorted(key[by_key], pred[reached].astype(np.int64) * (top + 1)
                                  + reached)]
    value = np.zeros((top + 1, k), dtype=change.dtype)
    value[reached] = change[edge]
    link = np.full(top + 1, top, dtype=np.int64)
    link[reached] = pred[reached]
    while (link != top).any():  # sum the changes along each path to the top (doubling)
        value = value + value[link]
        link = link[link]
    settled = np.zeros(top + 1, dtype=bool)
    settled[reached] = True
    wrong = np.any(value[right] - value[left] != step, axis=1)
    settled[left[wrong]] = False
    settled[right[wrong]] = False
    return value[:n_faces], settled[:n_faces]
