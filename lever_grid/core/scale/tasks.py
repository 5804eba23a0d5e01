"""The units of work of a partitioned analysis (plain functions: a Dask worker runs them).

Everything here is in metres; nothing imports dask.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np

from ..coverage.arrangement import Coverage, coverage_by_cell, snap_unit, watch_areas
from ..geometry import collector_paused
from ..stats.incidents import assign_cells

__all__ = ["PartResult", "coverage_task", "unit_of", "views_task", "watch_task"]


@collector_paused()
def views_task(cams: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
               walls: gpd.GeoDataFrame | None = None) -> np.ndarray:
    """View polygons of one chunk of cameras, cut by the buildings and walls within their
    range."""
    from ..pipeline import camera_views_metric

    with np.errstate(invalid="ignore"):
        return camera_views_metric(cams, buildings, walls=walls).geoms


@collector_paused()
def watch_task(cells: np.ndarray, views: np.ndarray, buildings: np.ndarray | None,
               roads: np.ndarray | None, road_width: float, overlap: bool
               ) -> tuple[np.ndarray, float]:
    """One tile's watch areas and its snap-rounding unit (0 without overlap)."""
    with np.errstate(invalid="ignore"):
        watch = watch_areas(cells, buildings, roads, road_width)
        return watch, (snap_unit(watch, views) if overlap else 0.0)


def unit_of(watched: tuple[np.ndarray, float]) -> float:
    """The unit of a :func:`watch_task` result (so only a float travels back)."""
    return watched[1]


@dataclass
class PartResult:
    """One tile's coverage (indices local to the tile) and its incident candidates' cells."""

    coverage: Coverage
    incident_rows: np.ndarray
    incident_cells: np.ndarray


@collector_paused()
def coverage_task(cells: np.ndarray, watched: tuple[np.ndarray, float], views: np.ndarray,
                  min_blind_area: float, overlap: bool, grid_unit: float,
                  points: np.ndarray | None, cell_ids: np.ndarray) -> PartResult:
    """Coverage of one tile, with the run's snap unit, and the cells of its incident
    candidates (``points``; -1 outside the tile's cells)."""
    with np.errstate(invalid="ignore"):
        cov = coverage_by_cell(cells, watched[0], views, min_blind_area=min_blind_area,
                               overlap=overlap, grid_unit=grid_unit or None)
        if points is None or len(points) == 0:
            return PartResult(cov, np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
        where = assign_cells(points, cells, cell_ids)
        inside = np.flatnonzero(where >= 0)
        return PartResult(cov, inside, where[inside])
