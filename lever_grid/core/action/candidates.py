"""Candidate camera sites: a planner's points, or points along the roads and at junctions."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..geometry import run_steps

__all__ = ["DEFAULT_SPACING_M", "heading_set", "candidate_ids", "road_candidates"]


#: Distance between generated candidates along a road (metres).
DEFAULT_SPACING_M = 20.0


#: Generated candidates closer than this to one already placed are dropped (metres).
_MERGE_M = 1.0


def heading_set(fov_deg: float) -> np.ndarray:
    """Headings tried for a camera of field of view ``fov_deg`` (degrees from north).

    Omnidirectional (``fov_deg >= 360``): one view, heading NaN. Otherwise the headings
    ``k * 360 / H`` (k = 0 .. H-1) with ``H = ceil(360 / min(45, fov / 2))``: every 45°
    for fields of view of 90° and more (8 headings), finer for narrower cameras so
    neighbouring headings always overlap by at least half the field of view.

    >>> heading_set(90.0).tolist()
    [0.0, 45.0, 90.0, 135.0, 180.0, 225.0, 270.0, 315.0]
    >>> len(heading_set(60.0)), heading_set(360.0).tolist()
    (12, [nan])
    """
    if fov_deg >= 360.0:
        return np.array([np.nan])
    n = int(np.ceil(360.0 / min(45.0, fov_deg / 2.0) - 1e-9))
    return np.arange(n) * (360.0 / n)


def candidate_ids(cands: gpd.GeoDataFrame) -> np.ndarray:
    """The ``candidate_id`` field as text, else the 1-based row number; checked unique."""
    where = {"file": cands.attrs.get("file"), "layer": cands.attrs.get("layer", "candidates")}
    if "candidate_id" not in cands.columns:
        return np.array([str(k) for k in range(1, len(cands) + 1)], dtype=object)
    raw = cands["candidate_id"]
    text = np.array(["" if pd.isna(v) else str(v).strip() for v in raw], dtype=object)
    text = np.array([t[:-2] if t.endswith(".0") and t[:-2].isdigit() else t for t in text],
                    dtype=object)
    blank = text == ""
    if blank.any():
        raise InputError("candidate_id is empty", feature=cands.index[blank][0],
                         field="candidate_id", **where)
    dup = pd.Series(text).duplicated().to_numpy()
    if dup.any():
        raise InputError(f"duplicate candidate_id {text[dup][0]!r}",
                         feature=cands.index[dup][0], field="candidate_id", **where)
    return text


def road_candidates(roads: np.ndarray, spacing: float, area: shapely.Geometry | None = None
                    ) -> tuple[np.ndarray, np.ndarray]:
    """Candidate points on ``roads`` (metric CRS): junctions first, then along each road.

    Roads are noded where they cross (snap-rounded to 1 cm); a junction is a node where
    three or more road pieces meet. Along every piece between nodes, points lie at ``spacing / 2``,
    ``3 spacing / 2`` ... from its start (so pieces shorter than ``spacing`` get their
    midpoint). Points within 1 m of one placed before are dropped. With ``area`` only
    the points inside it (or within 1 cm of its edge) are kept. Returns the points and their kind
    ("junction" or "road").
    """
    if not spacing > 0:
        raise InputError(f"--spacing must be > 0 metres, got {spacing}")
    roads = np.asarray(roads, dtype=object)
    roads = roads[~(shapely.is_missing(roads) | shapely.is_empty(roads))]
    if len(roads) == 0:
        return np.empty(0, dtype=object), np.empty(0, dtype=object)
    # noded on a 1 cm grid: the same pieces whatever tiny rounding a reprojection left
    noded = shapely.get_parts(shapely.line_merge(shapely.union_all(roads, grid_size=0.01)))
    noded = noded[shapely.length(noded) > 0]
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(noded, 0)),
                           shapely.get_coordinates(shapely.get_point(noded, -1))])
    key = np.round(ends / 0.01).astype(np.int64)
    uniq, inverse, degree = np.unique(key, axis=0, return_inverse=True, return_counts=True)
    first = np.zeros(len(uniq), dtype=np.int64)
    first[inverse.reshape(-1)[::-1]] = np.arange(len(ends))[::-1]
    junction_xy = ends[first[degree >= 3]]
    length = shapely.length(noded)
    per = np.floor(length / spacing + 0.5).astype(np.int64)
    per = np.maximum(per, 1)
    line_i = np.repeat(np.arange(len(noded)), per)
    k = run_steps(per)
    step = length[line_i] / per[line_i]
    along = shapely.line_interpolate_point(noded[line_i], (k + 0.5) * step[line_i])
    xy = np.concatenate([junction_xy, shapely.get_coordinates(along)])
    kind = np.array(["junction"] * len(junction_xy) + ["road"] * len(along), dtype=object)
    keep = _thin(xy, _MERGE_M)
    xy, kind = xy[keep], kind[keep]
    points = shapely.points(xy)
    if area is not None:  # on its edge too: within 1 cm, whatever the rounding
        inside = shapely.dwithin(area, points, 0.01)
        points, kind = points[inside], kind[inside]
    return points, kind


def _thin(xy: np.ndarray, radius: float) -> np.ndarray:
    """Indices of points kept when each point within ``radius`` of an earlier kept one goes."""
    from scipy.spatial import cKDTree

    if len(xy) == 0:
        return np.empty(0, dtype=np.int64)
    pairs = cKDTree(xy).query_pairs(radius, output_type="ndarray")
    if len(pairs) == 0:
        return np.arange(len(xy))
    later = np.sort(pairs, axis=1)
    order = np.lexsort((later[:, 1], later[:, 0]))
    later = later[order]
    dropped = np.zeros(len(xy), dtype=bool)
    for a, b in later:  # only the near pairs: few
        if not dropped[a]:
            dropped[b] = True
    return np.flatnonzero(~dropped)
