"""Incident statistics per cell and police office as output layers (no camera analysis)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from .analysis import metric_frame
from .cell_layer import normalize_cells
from .incidents import incident_stats
from .progress import Progress

__all__ = ["incident_layers"]


def incident_layers(
    cells: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    period: tuple | None = None,
    compare: tuple | None = None,
    progress: Progress | None = None,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Layers ``cell_incidents`` (cell polygons with counts, change, rank, categories)
    and ``office_stats``, in the CRS of ``cells``."""
    progress = progress or Progress()
    cells = normalize_cells(cells, progress)
    _, m = metric_frame({"cells": cells, "incidents": incidents}, cells)
    stats = incident_stats(m["incidents"], m["cells"].geometry.to_numpy(),
                           cells["cell_id"].to_numpy(), cells["police_office"].to_numpy(),
                           period=period, compare=compare, progress=progress)
    per_cell = stats.cells.reset_index(drop=True)
    head = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy(),
                         "name": cells["name"].to_numpy(),
                         "police_office": cells["police_office"].to_numpy()})
    frame = pd.concat([head, per_cell], axis=1)
    frame["period"] = _label(stats.current)
    frame["compare"] = _label(stats.previous)
    layer = gpd.GeoDataFrame(frame, geometry=cells.geometry.to_numpy(), crs=cells.crs)
    return {"cell_incidents": layer, "office_stats": stats.offices}


def _label(window: tuple[pd.Timestamp, pd.Timestamp]) -> str:
    start, end = window
    last = end - pd.Timedelta(days=1) if end == end.normalize() else end
    return f"{start.date().isoformat()}/{last.date().isoformat()}"
