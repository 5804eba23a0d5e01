"""Reading and checking a cells layer (grid cells drawn by officers or built from roads)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..geometry import clean_polygons
from ..progress import Progress

__all__ = ["CELL_FIELDS", "normalize_polygons", "normalize_cells"]


#: Optional descriptive fields carried from input cells to outputs.
CELL_FIELDS = ("name", "police_office", "officer", "locked")


def _where(gdf: gpd.GeoDataFrame, role: str) -> dict:
    return {"file": gdf.attrs.get("file"), "layer": gdf.attrs.get("layer", role)}


def normalize_polygons(
    gdf: gpd.GeoDataFrame, role: str, progress: Progress | None = None
) -> gpd.GeoDataFrame:
    """Drop null/empty polygons (logged), repair invalid ones with make_valid (logged)."""
    progress = progress or Progress()
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        progress.info(f"{role}: {int(missing.sum())} feature(s) without geometry left out "
                      f"(first: feature {gdf.index[missing][0]})")
        gdf = gdf.loc[~missing].copy()
        geoms = geoms[~missing]
    geoms = shapely.force_2d(geoms)
    invalid = ~shapely.is_valid(geoms)
    if invalid.any():
        reasons = shapely.is_valid_reason(geoms[invalid])
        progress.info(f"{role}: repaired {int(invalid.sum())} invalid polygon(s) with make_valid "
                      f"(first: feature {gdf.index[invalid][0]}: {reasons[0]})")
        geoms = geoms.copy()
        geoms[invalid] = clean_polygons(geoms[invalid])
    out = gdf.set_geometry(geoms, crs=gdf.crs)
    out.attrs.update(gdf.attrs)
    return out


def normalize_cells(cells: gpd.GeoDataFrame, progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Check a cells layer: cell_id present, non-empty and unique; polygons repaired.

    Returns the cells with columns cell_id, name, police_office, officer, locked and
    geometry; optional fields are filled with empty values.
    """
    where = _where(cells, "cells")
    if "cell_id" not in cells.columns:
        raise InputError(
            f"required field is missing (fields: {', '.join(map(str, cells.columns[:-1]))})",
            field="cell_id", **where,
        )
    if len(cells) == 0:
        raise InputError("the cells layer has no features", **where)
    ids = cells["cell_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        raise InputError("cell_id is empty", feature=cells.index[blank.to_numpy()][0],
                         field="cell_id", **where)
    dup = ids.duplicated()
    if dup.any():
        raise InputError(f"duplicate cell_id {ids[dup].iloc[0]!r}",
                         feature=cells.index[dup.to_numpy()][0], field="cell_id", **where)
    cells = normalize_polygons(cells, "cells", progress)
    if len(cells) == 0:
        raise InputError("no cell has a geometry", **where)
    numeric = pd.to_numeric(cells["cell_id"], errors="coerce")
    cell_id = numeric.astype("int64") if numeric.notna().all() and (numeric % 1 == 0).all() \
        else cells["cell_id"].astype(str)
    data = {"cell_id": cell_id.to_numpy()}
    for field in CELL_FIELDS:
        if field in cells.columns:
            col = cells[field]
            data[field] = (pd.to_numeric(col, errors="coerce").fillna(0).astype(int).to_numpy()
                           if field == "locked" else col.fillna("").astype(str).to_numpy())
        else:
            data[field] = np.zeros(len(cells), dtype=int) if field == "locked" else \
                np.full(len(cells), "", dtype=object)
    out = gpd.GeoDataFrame(data, geometry=cells.geometry.to_numpy(), crs=cells.crs,
                           index=cells.index)
    out.attrs.update(cells.attrs)
    return out
