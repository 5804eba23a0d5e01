"""Choosing a metric CRS and checking that coordinates fit their CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from .errors import InputError

__all__ = ["metric_crs", "to_metric", "check_coordinates", "LOCAL"]

#: Marker for a site plan in metres with no geodetic CRS (``--assume-crs local``).
LOCAL = "local"

_CGCS2000_GEOG = {4490, 4610}


def _gk_cgcs2000(lon: float) -> CRS:
    """CGCS2000 3-degree Gauss-Kruger zone (CM given) for a longitude in 73.5..136.5."""
    cm = int(round(lon / 3.0)) * 3
    cm = min(max(cm, 75), 135)
    return CRS.from_epsg(4534 + (cm - 75) // 3)


def _utm(lon: float, lat: float) -> CRS:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def metric_crs(crs: CRS | None, bounds: tuple[float, float, float, float]) -> CRS | None:
    """The CRS distances and areas are computed in.

    A projected ``crs`` is kept; for a geographic one a local CRS is chosen from the
    centre of ``bounds``: CGCS2000 3-degree Gauss-Kruger when the data is CGCS2000 and
    lies in China's longitudes, UTM otherwise. ``None`` (local site plan) stays ``None``.
    """
    if crs is None:
        return None
    crs = CRS.from_user_input(crs)
    if crs.is_projected:
        return crs
    lon = (bounds[0] + bounds[2]) / 2.0
    lat = (bounds[1] + bounds[3]) / 2.0
    if crs.to_epsg() in _CGCS2000_GEOG and 73.5 <= lon <= 136.5:
        return _gk_cgcs2000(lon)
    return _utm(lon, lat)


def to_metric(gdf: gpd.GeoDataFrame, target: CRS | None) -> gpd.GeoDataFrame:
    """``gdf`` in ``target`` (no-op for local data or when already there)."""
    if target is None or gdf.crs is None:
        return gdf
    if CRS.from_user_input(gdf.crs) == target:
        return gdf
    return gdf.to_crs(target)


def check_coordinates(gdf: gpd.GeoDataFrame, *, file: str, layer: str) -> None:
    """Refuse coordinates that cannot be in the layer's CRS.

    Geographic CRS: longitudes outside -180..180 or latitudes outside -90..90.
    Projected or local CRS: a layer whose whole extent fits in lon/lat ranges and spans
    less than 1 unit looks like degrees labelled as metres (a cell of a few square
    millimetres), which is refused.
    """
    present = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    gdf = gdf.loc[present]
    if gdf.empty:
        return
    bounds = gdf.geometry.bounds.to_numpy()
    finite = np.isfinite(bounds).all(axis=1)
    if not finite.all():
        bad = gdf.index[~finite][0]
        raise InputError("geometry has non-finite coordinates", file=file, layer=layer,
                         feature=bad, field="geometry")
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    if crs is not None and crs.is_geographic:
        out = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (
            bounds[:, 3] > 90
        )
        if out.any():
            bad = gdf.index[out][0]
            raise InputError(
                f"coordinates outside longitude/latitude ranges for {crs.name}",
                file=file, layer=layer, feature=bad, field="geometry",
            )
        return
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    in_degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    if in_degrees and max(maxx - minx, maxy - miny) < 1.0 and (abs(minx) > 1 or abs(miny) > 1):
        unit = crs.name if crs is not None else "a local CRS in metres"
        raise InputError(
            f"coordinates look like degrees (x {minx:.4f}..{maxx:.4f}, y {miny:.4f}..{maxy:.4f})"
            f" but the CRS is {unit}; give the layer its geographic CRS",
            file=file, layer=layer, field="geometry",
        )
