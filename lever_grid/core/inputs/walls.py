"""Wall, fence and hedge lines (line occluders) and named watch points (gates, doors)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, location_of
from ..progress import Progress

__all__ = ["MAX_WALL_HEIGHT_M", "normalize_walls", "normalize_watch_points"]


#: Highest plausible wall height (m).
MAX_WALL_HEIGHT_M = 100.0



def _drop_missing(gdf: gpd.GeoDataFrame, role: str, progress: Progress) -> gpd.GeoDataFrame:
    geoms = gdf.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    if missing.any():
        progress.info(f"{role}: {int(missing.sum())} feature(s) without geometry left out "
                      f"(first: feature {gdf.index[missing][0]})")
        gdf = gdf.loc[~missing]
    return gdf


def normalize_walls(walls: gpd.GeoDataFrame, progress: Progress | None = None
                    ) -> gpd.GeoDataFrame:
    """Wall lines in 2D with ``height_m`` (NaN where unknown; checked 0-100 m)."""
    progress = progress or Progress()
    where = location_of(walls, "walls")
    walls = _drop_missing(walls, "walls", progress)
    if "height_m" in walls.columns:
        raw = walls["height_m"]
        height = pd.to_numeric(raw, errors="coerce")
        text = raw.astype(str).str.strip()
        bad = height.isna() & raw.notna() & (text != "")
        if bad.any():
            raise InputError(f"{raw[bad].iloc[0]!r} is not a number",
                             feature=walls.index[bad.to_numpy()][0], field="height_m", **where)
        bad = height.notna() & ((height < 0) | (height > MAX_WALL_HEIGHT_M))
        if bad.any():
            raise InputError(f"height_m must be within 0-{MAX_WALL_HEIGHT_M:g} m, got "
                             f"{height[bad].iloc[0]}", feature=walls.index[bad.to_numpy()][0],
                             field="height_m", **where)
        height = height.to_numpy(dtype=float)
    else:
        height = np.full(len(walls), np.nan)
    out = gpd.GeoDataFrame({"height_m": height},
                           geometry=shapely.force_2d(walls.geometry.to_numpy()),
                           crs=walls.crs, index=walls.index)
    out.attrs.update(walls.attrs)
    return out


def normalize_watch_points(points: gpd.GeoDataFrame, progress: Progress | None = None
                           ) -> gpd.GeoDataFrame:
    """Named points to check (gates, doors): columns point_id (1..n), name, geometry.

    The name comes from a ``name`` field, else a DXF text entity's ``Text``, else the
    feature id; points must be single points.
    """
    progress = progress or Progress()
    where = location_of(points, "watch points")
    points = _drop_missing(points, "watch points", progress)
    geoms = points.geometry.to_numpy()
    bad = shapely.get_type_id(geoms) != 0
    if bad.any():
        raise InputError(f"{geoms[bad][0].geom_type} geometry; a watch point must be a single "
                         "Point", feature=points.index[bad][0], field="geometry", **where)
    field = next((f for f in ("name", "Name", "NAME", "Text") if f in points.columns), None)
    if field is None:
        names = np.array([str(i) for i in points.index], dtype=object)
    else:
        names = points[field].fillna("").astype(str).str.strip().to_numpy(dtype=object)
        blank = names == ""
        names[blank] = [str(i) for i in points.index[blank]]
    out = gpd.GeoDataFrame({"point_id": np.arange(1, len(points) + 1), "name": names},
                           geometry=shapely.force_2d(geoms), crs=points.crs, index=points.index)
    out.attrs.update(points.attrs)
    return out
