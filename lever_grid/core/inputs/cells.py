"""Reading and checking a cells layer (grid cells drawn by officers or built from roads)."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, location_of
from ..geometry import clean_polygons
from ..progress import Progress
from .fields import canonical_ids, log_missing, rename_fields

__all__ = ["CELL_FIELDS", "normalize_polygons", "normalize_cells"]


#: Optional descriptive fields carried from input cells to outputs.
CELL_FIELDS = ("name", "police_office", "officer", "locked")



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


def normalize_cells(
    cells: gpd.GeoDataFrame,
    progress: Progress | None = None,
    *,
    columns: Mapping[str, str | None] | None = None,
) -> gpd.GeoDataFrame:
    """Check a cells layer: cell_id present, non-empty and unique; polygons repaired.

    Field names are taken through the alias table (:mod:`.fields`: Shapefile-truncated
    and Chinese headers) or ``columns`` (field → column, e.g. from ``--office-column``);
    each optional field that is absent is reported once. Ids become integers only when
    every id's text round-trips exactly (``"01"`` and ``"1"`` stay two cells, as text);
    duplicates are checked on the final ids.

    Returns the cells with columns cell_id, name, police_office, officer, locked and
    geometry; optional fields are filled with empty values.
    """
    progress = progress or Progress()
    where = location_of(cells, "cells")
    cells = rename_fields(cells, "cells", columns, progress)
    if "cell_id" not in cells.columns:
        shown = ", ".join(map(str, cells.columns.drop(cells.geometry.name, errors="ignore")))
        raise InputError(
            f"required field is missing (nor 网格编号, 网格号; name it with --cell-id-column; "
            f"fields: {shown})", field="cell_id", **where,
        )
    if len(cells) == 0:
        raise InputError("the cells layer has no features", **where)
    ids = cells["cell_id"]
    blank = ids.isna() | (ids.astype(str).str.strip() == "")
    if blank.any():
        raise InputError("cell_id is empty", feature=cells.index[blank.to_numpy()][0],
                         field="cell_id", **where)
    ids = canonical_ids(ids)
    dup = ids.duplicated()
    if dup.any():
        raise InputError(f"duplicate cell_id {ids[dup].iloc[0]!r}",
                         feature=cells.index[dup.to_numpy()][0], field="cell_id", **where)
    log_missing(cells, "cells", progress)
    cells = cells.assign(cell_id=ids)
    cells = normalize_polygons(cells, "cells", progress)
    if len(cells) == 0:
        raise InputError("no cell has a geometry", **where)
    data = {"cell_id": cells["cell_id"].to_numpy()}
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
