"""Choosing a metric CRS and checking that coordinates fit their CRS."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
from pyproj import CRS

from .errors import InputError

__all__ = ["LOCAL", "metric_crs", "to_metric", "MAX_PROJECTED", "check_coordinates", "defined_crs"]


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


#: Largest plausible coordinate in a projected or local CRS: the Earth's circumference is
#: 4e7 m, zone prefixes and false eastings add less than 1e8; anything beyond is a typo or a
#: unit mix-up, and GEOS overlays lose all precision on it.
MAX_PROJECTED = 1e9


def check_coordinates(gdf: gpd.GeoDataFrame, *, file: str | None, layer: str | None) -> None:
    """Refuse coordinates that cannot be in the layer's CRS.

    Any CRS: non-finite coordinates. Geographic CRS: longitudes outside -180..180 or
    latitudes outside -90..90 (with a hint when x and y look swapped). Projected or local
    CRS: coordinates beyond +-1e9 (:data:`MAX_PROJECTED`), and a layer whose whole extent
    fits in lon/lat ranges and spans more than 0 but less than 1 unit, which looks like
    degrees labelled as metres (a cell of a few square millimetres).
    """
    present = ~(gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
    gdf = gdf.loc[present]
    if gdf.empty:
        return
    bounds = gdf.geometry.bounds.to_numpy()
    where = {"file": file, "layer": layer, "field": "geometry"}
    finite = np.isfinite(bounds).all(axis=1)
    if not finite.all():
        bad = gdf.index[~finite][0]
        raise InputError("geometry has non-finite coordinates", feature=bad, **where)
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    if crs is not None and crs.is_geographic:
        out = (bounds[:, 0] < -180) | (bounds[:, 2] > 180) | (bounds[:, 1] < -90) | (
            bounds[:, 3] > 90
        )
        if out.any():
            bad = gdf.index[out][0]
            swapped = (np.abs(bounds[:, [0, 2]]) <= 90).all() and (
                np.abs(bounds[:, [1, 3]]) <= 180).all()
            hint = "; x and y look swapped (latitude given as x?)" if swapped else ""
            x0, y0, x1, y1 = bounds[out][0]
            raise InputError(
                f"coordinates outside longitude/latitude ranges for {crs.name} "
                f"(x {x0:.6g}..{x1:.6g}, y {y0:.6g}..{y1:.6g}){hint}",
                feature=bad, **where,
            )
        return
    huge = (np.abs(bounds) > MAX_PROJECTED).any(axis=1)
    if huge.any():
        bad = gdf.index[huge][0]
        value = bounds[huge][0][np.argmax(np.abs(bounds[huge][0]))]
        unit = crs.name if crs is not None else "a local CRS in metres"
        raise InputError(
            f"coordinate {value:.6g} is beyond +-{MAX_PROJECTED:.0e}, which cannot be a "
            f"position in {unit}", feature=bad, **where,
        )
    minx, miny = bounds[:, 0].min(), bounds[:, 1].min()
    maxx, maxy = bounds[:, 2].max(), bounds[:, 3].max()
    in_degrees = minx >= -180 and maxx <= 180 and miny >= -90 and maxy <= 90
    span = max(maxx - minx, maxy - miny)
    # a single point (span 0) says nothing: one camera at (25, 25) of a site plan is fine
    if in_degrees and 0 < span < 1.0 and (abs(minx) > 1 or abs(miny) > 1):
        unit = crs.name if crs is not None else "a local CRS in metres"
        raise InputError(
            f"coordinates look like degrees (x {minx:.4f}..{maxx:.4f}, y {miny:.4f}..{maxy:.4f})"
            f" but the CRS is {unit}; give the layer its geographic CRS",
            file=file, layer=layer, field="geometry",
        )


def defined_crs(crs: object) -> CRS | None:
    """``crs`` as a pyproj CRS, or ``None`` when absent or GDAL's "Undefined ... SRS".

    A GeoPackage written without CRS (a local site plan) reads back with GDAL's
    *Undefined geographic SRS*, which is not longitude/latitude.
    """
    if crs is None:
        return None
    crs = CRS.from_user_input(crs)
    return None if crs.name.lower().startswith("undefined") else crs
