"""How cameras are mounted (field ``mount``) where it matters to the pipeline: views cut by
buildings and walls with the mount rules, indoor cameras checked, halls they watch."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..errors import InputError
from ..progress import Progress
from .occlusion import footprint_parts, indoor_halls, occlude_views
from .shadows import TOUCH_M

__all__ = ["mounted_views", "check_indoor", "indoor_free"]


def mounted_views(cams: gpd.GeoDataFrame, views: np.ndarray,
                  buildings: gpd.GeoDataFrame | None, walls: gpd.GeoDataFrame | None,
                  progress: Progress | None = None) -> np.ndarray:
    """``views`` of normalised ``cams`` cut by ``buildings`` and ``walls`` (all in metres),
    with the mount and height rules of :mod:`.occlusion` and :mod:`.walls`."""
    check_indoor(cams, buildings)
    bld = buildings.geometry.to_numpy() if buildings is not None and len(buildings) else None
    wall = walls.geometry.to_numpy() if walls is not None and len(walls) else None
    if (bld is None and wall is None) or len(views) == 0:
        return views
    return occlude_views(
        cams.geometry.to_numpy(), views, bld, progress=progress, walls=wall,
        mount=_mount(cams), heading_deg=cams["heading_deg"].to_numpy(),
        camera_height=cams["height_m"].to_numpy() if "height_m" in cams.columns else None,
        wall_height=walls["height_m"].to_numpy() if walls is not None and wall is not None
        else None)


def _mount(cams: gpd.GeoDataFrame) -> np.ndarray:
    if "mount" not in cams.columns:
        return np.full(len(cams), "", dtype=object)
    return cams["mount"].to_numpy(dtype=object)


def check_indoor(cams: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None) -> None:
    """Refuse an indoor camera that stands in no building footprint (field mount)."""
    indoor = _mount(cams) == "indoor"
    if not indoor.any():
        return
    parts = footprint_parts(None if buildings is None else buildings.geometry.to_numpy())
    lost = shapely.is_empty(indoor_halls(cams.geometry.to_numpy()[indoor], parts))
    if lost.any():
        extra = "" if buildings is not None else " (give --buildings)"
        raise InputError(f"indoor camera {cams['camera_id'].to_numpy()[indoor][lost][0]!r} "
                         f"stands in no building footprint{extra}",
                         file=cams.attrs.get("file"), layer=cams.attrs.get("layer", "cameras"),
                         feature=cams.index[indoor][lost][0], field="mount")


def indoor_free(buildings: np.ndarray | None, cams: gpd.GeoDataFrame) -> np.ndarray | None:
    """The footprints without an indoor camera: those with one are watched inside."""
    indoor = _mount(cams) == "indoor"
    if buildings is None or not indoor.any():
        return buildings
    buildings = np.asarray(buildings, dtype=object)
    hit = shapely.STRtree(buildings).query(cams.geometry.to_numpy()[indoor],
                                           predicate="dwithin", distance=TOUCH_M)[1]
    keep = np.ones(len(buildings), dtype=bool)
    keep[hit] = False
    return buildings[keep]
