"""Which cameras see each watch point (a gate, a door): seen/unseen and the camera ids."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import shapely

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["points_seen"]


def points_seen(points: np.ndarray, views: np.ndarray, camera_ids: np.ndarray
                ) -> tuple[np.ndarray, list[str]]:
    """Number of views containing each point (boundary included) and, per point, the
    comma-separated ids of those cameras in ``camera_ids`` order.

    Examples
    --------
    >>> views = shapely.buffer(shapely.points([[0, 0], [10, 0]]), 6)
    >>> points_seen(shapely.points([[3, 0], [50, 0]]), views, np.array(["A", "B"]))
    (array([1, 0]), ['A', ''])
    """
    points = np.asarray(points, dtype=object)
    views = np.asarray(views, dtype=object)
    camera_ids = np.asarray(camera_ids, dtype=object)
    n = np.zeros(len(points), dtype=int)
    ids = [""] * len(points)
    if len(points) == 0 or len(views) == 0:
        return n, ids
    pt_i, view_i = shapely.STRtree(views).query(points, predicate="intersects")
    order = np.lexsort((view_i, pt_i))
    pt_i, view_i = pt_i[order], view_i[order]
    n = np.bincount(pt_i, minlength=len(points))
    bounds = np.concatenate([[0], np.cumsum(n)])
    for k in np.flatnonzero(n):  # per seen point: joining its (few) ids
        ids[k] = ",".join(str(c) for c in camera_ids[view_i[bounds[k]:bounds[k + 1]]])
    return n, ids


def watch_point_table(points: gpd.GeoDataFrame, cell_geoms: np.ndarray, cell_ids: np.ndarray,
                      camera_ids: np.ndarray, views: np.ndarray) -> gpd.GeoDataFrame:
    """The ``watch_points`` layer: point_id, name, cell_id (None outside every cell),
    seen, n_cameras, camera_ids, for normalized watch ``points`` (metric CRS)."""
    import geopandas as gpd

    geoms = points.geometry.to_numpy()
    n, ids = points_seen(geoms, views, camera_ids)
    cell = np.full(len(geoms), None, dtype=object)
    if len(geoms) and len(cell_geoms):
        pt_i, cell_i = shapely.STRtree(cell_geoms).query(geoms, predicate="intersects")
        first = np.unique(pt_i, return_index=True)[1]  # a point on a shared edge: first cell
        cell[pt_i[first]] = np.asarray(cell_ids, dtype=object)[cell_i[first]]
    return gpd.GeoDataFrame(
        {"point_id": points["point_id"].to_numpy(), "name": points["name"].to_numpy(),
         "cell_id": cell, "seen": n > 0, "n_cameras": n, "camera_ids": ids},
        geometry=geoms, crs=points.crs)
