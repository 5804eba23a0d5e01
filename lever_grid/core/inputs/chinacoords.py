"""Coordinates from Chinese web maps (GCJ-02, BD-09) to WGS84 and back.

Amap/Gaode, Tencent and Google China show points in GCJ-02 ("Mars coordinates"), Baidu in
BD-09. Both are published only as forward transforms from WGS84:

* WGS84 -> GCJ-02: the well-known obfuscation polynomial (Krasovsky ellipsoid,
  a = 6378245 m, e^2 = 0.00669342162296594323) applied to points inside a rough
  bounding box of China (72.004..137.8347 E, 0.8293..55.8271 N). Outside it GCJ-02
  equals WGS84.
* GCJ-02 -> BD-09: Baidu's small polar perturbation (z + 2e-5 sin(y*pi*3000/180),
  theta + 3e-6 cos(x*pi*3000/180)) and the shift (+0.0065, +0.006), applied everywhere.

Method of the inverses
----------------------
There is no closed form for the inverse of either. Both forward maps are the identity
plus a smooth offset of a few hundred metres whose derivative is small (below 1e-2), so
the fixed-point iteration

    w_0 = g,   w_{k+1} = w_k - (f(w_k) - g)

converges geometrically (the error shrinks by a factor of about 1e-2 per step) to the
point ``w`` with ``f(w) = g``. We iterate until every point moves less than 1e-10 degrees
(about 0.01 mm), at most 30 times; in practice 4 to 5 steps. The round trip
``inverse(forward(p))`` is then within 1e-12 degrees of ``p``; the tests require less
than 1 m. BD-09 -> WGS84 inverts the composed forward map
WGS84 -> GCJ-02 -> BD-09 the same way. Because the in-China test is part of the forward
map, points near the bounding box edge come out consistent with it.

All functions take and return numpy arrays (or scalars) of longitudes and latitudes in
degrees, longitude first, and are vectorised.

Examples
--------
>>> lon, lat = wgs84_to_gcj02(113.72, 22.88)
>>> back = gcj02_to_wgs84(lon, lat)
>>> bool(abs(back[0] - 113.72) < 1e-9 and abs(back[1] - 22.88) < 1e-9)
True
>>> wgs84_to_gcj02(2.35, 48.85)  # Paris: outside China, unchanged
(2.35, 48.85)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import ArrayLike

from ..errors import InputError
from ..progress import Progress

__all__ = [
    "SYSTEMS", "in_china", "wgs84_to_gcj02", "gcj02_to_wgs84", "gcj02_to_bd09", "bd09_to_gcj02",
    "wgs84_to_bd09", "bd09_to_wgs84", "to_wgs84", "convert_frame",
]


if TYPE_CHECKING:
    import geopandas as gpd


#: Names accepted by :func:`to_wgs84` (and ``--coords``).
SYSTEMS = ("wgs84", "gcj02", "bd09")


_LABEL = {"wgs84": "WGS84", "gcj02": "GCJ-02", "bd09": "BD-09"}


_A = 6378245.0


_EE = 0.00669342162296594323


_X_PI = np.pi * 3000.0 / 180.0


_TOL = 1e-10


_MAX_ITER = 30


Pair = tuple[np.ndarray, np.ndarray]


def _arrays(lon, lat) -> tuple[np.ndarray, np.ndarray, bool]:
    scalar = np.ndim(lon) == 0 and np.ndim(lat) == 0
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float), scalar


def _out(lon: np.ndarray, lat: np.ndarray, scalar: bool):
    if scalar:
        return float(lon), float(lat)
    return lon, lat


def in_china(lon: ArrayLike, lat: ArrayLike) -> np.ndarray:
    """True where the point lies in the bounding box GCJ-02 is applied in."""
    lon = np.asarray(lon, dtype=float)
    lat = np.asarray(lat, dtype=float)
    return (lon >= 72.004) & (lon <= 137.8347) & (lat >= 0.8293) & (lat <= 55.8271)


def _dlat(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = -100.0 + 2.0 * x + 3.0 * y + 0.2 * y * y + 0.1 * x * y + 0.2 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(y * np.pi) + 40.0 * np.sin(y / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (160.0 * np.sin(y / 12.0 * np.pi) + 320.0 * np.sin(y * np.pi / 30.0)) * 2.0 / 3.0
    return ret


def _dlon(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    ret = 300.0 + x + 2.0 * y + 0.1 * x * x + 0.1 * x * y + 0.1 * np.sqrt(np.abs(x))
    ret += (20.0 * np.sin(6.0 * x * np.pi) + 20.0 * np.sin(2.0 * x * np.pi)) * 2.0 / 3.0
    ret += (20.0 * np.sin(x * np.pi) + 40.0 * np.sin(x / 3.0 * np.pi)) * 2.0 / 3.0
    ret += (150.0 * np.sin(x / 12.0 * np.pi) + 300.0 * np.sin(x / 30.0 * np.pi)) * 2.0 / 3.0
    return ret


def _gcj_forward(lon: np.ndarray, lat: np.ndarray) -> Pair:
    dlat = _dlat(lon - 105.0, lat - 35.0)
    dlon = _dlon(lon - 105.0, lat - 35.0)
    rad = lat / 180.0 * np.pi
    magic = 1.0 - _EE * np.sin(rad) ** 2
    sqrt_magic = np.sqrt(magic)
    dlat = (dlat * 180.0) / ((_A * (1.0 - _EE)) / (magic * sqrt_magic) * np.pi)
    dlon = (dlon * 180.0) / (_A / sqrt_magic * np.cos(rad) * np.pi)
    inside = in_china(lon, lat)
    return np.where(inside, lon + dlon, lon), np.where(inside, lat + dlat, lat)


def _bd_forward(lon: np.ndarray, lat: np.ndarray) -> Pair:
    z = np.sqrt(lon * lon + lat * lat) + 0.00002 * np.sin(lat * _X_PI)
    theta = np.arctan2(lat, lon) + 0.000003 * np.cos(lon * _X_PI)
    return z * np.cos(theta) + 0.0065, z * np.sin(theta) + 0.006


def _wgs_to_bd(lon: np.ndarray, lat: np.ndarray) -> Pair:
    return _bd_forward(*_gcj_forward(lon, lat))


def _invert(forward: Callable[[np.ndarray, np.ndarray], Pair], lon: np.ndarray,
            lat: np.ndarray) -> Pair:
    """Solve ``forward(w) = (lon, lat)`` by fixed-point iteration (see module docstring)."""
    wx, wy = lon.copy(), lat.copy()
    finite = np.isfinite(lon) & np.isfinite(lat)
    for _ in range(_MAX_ITER):
        fx, fy = forward(wx, wy)
        dx = np.where(finite, fx - lon, 0.0)
        dy = np.where(finite, fy - lat, 0.0)
        wx = wx - dx
        wy = wy - dy
        if max(float(np.max(np.abs(dx), initial=0.0)),
               float(np.max(np.abs(dy), initial=0.0))) < _TOL:
            break
    return wx, wy


def wgs84_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 -> GCJ-02 (the forward transform; identity outside China)."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_gcj_forward(x, y), scalar)


def gcj02_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 -> WGS84 by iterative inversion of :func:`wgs84_to_gcj02`."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_invert(_gcj_forward, x, y), scalar)


def gcj02_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """GCJ-02 -> BD-09 (Baidu's forward transform)."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_bd_forward(x, y), scalar)


def bd09_to_gcj02(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 -> GCJ-02 by iterative inversion of :func:`gcj02_to_bd09`."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_invert(_bd_forward, x, y), scalar)


def wgs84_to_bd09(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """WGS84 -> BD-09 (GCJ-02 then Baidu's transform)."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_wgs_to_bd(x, y), scalar)


def bd09_to_wgs84(lon: ArrayLike, lat: ArrayLike) -> tuple[Any, Any]:
    """BD-09 -> WGS84 by iterative inversion of :func:`wgs84_to_bd09`."""
    x, y, scalar = _arrays(lon, lat)
    return _out(*_invert(_wgs_to_bd, x, y), scalar)


def to_wgs84(lon: ArrayLike, lat: ArrayLike, system: str) -> tuple[Any, Any]:
    """Convert from ``system`` ('wgs84', 'gcj02' or 'bd09', case-insensitive) to WGS84.

    Raises
    ------
    ValueError
        For an unknown system name.
    """
    key = _system(system)
    if key == "wgs84":
        x, y, scalar = _arrays(lon, lat)
        return _out(x.copy(), y.copy(), scalar)
    if key == "gcj02":
        return gcj02_to_wgs84(lon, lat)
    if key == "bd09":
        return bd09_to_wgs84(lon, lat)
    raise ValueError(f"unknown coordinate system {system!r}; use one of {', '.join(SYSTEMS)}")


def _system(system: str) -> str:
    return system.strip().lower().replace("-", "").replace("_", "")


def convert_frame(gdf: gpd.GeoDataFrame, system: str, *,
                  progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Points of ``gdf`` read from a Chinese web map (``system``) converted to WGS84.

    ``gdf`` must hold longitude/latitude on a WGS84-like ellipsoid (EPSG:4326, CGCS2000
    EPSG:4490, ...): GCJ-02 and BD-09 are offsets of WGS84 longitude/latitude. The result
    is in EPSG:4326; ``progress.info`` says how many points were converted. ``attrs`` are
    kept.

    Raises
    ------
    InputError
        Unknown system, or data that is not longitude/latitude (names file and layer from
        ``gdf.attrs``).
    """
    from pyproj import CRS

    where = {"file": gdf.attrs.get("file"), "layer": gdf.attrs.get("layer")}
    key = _system(system)
    if key not in SYSTEMS:
        raise InputError(f"--coords {system!r} is unknown; use one of {', '.join(SYSTEMS)}",
                         **where)
    progress = progress or Progress()
    if key == "wgs84":
        return gdf
    crs = CRS.from_user_input(gdf.crs) if gdf.crs is not None else None
    ellipsoid = crs.ellipsoid if crs is not None else None
    if crs is None or ellipsoid is None or not crs.is_geographic or abs(
            ellipsoid.semi_major_metre - 6378137.0) > 1.0:
        name = crs.name if crs is not None else "a local plan without CRS"
        raise InputError(
            f"--coords {key} converts longitude/latitude from Chinese web maps, but the "
            f"coordinates are in {name}", field="geometry", **where)
    import geopandas as gpd
    import shapely

    geoms = gdf.geometry
    valid = (~(geoms.isna() | geoms.is_empty)).to_numpy()
    xs = shapely.get_x(np.asarray(geoms.values))
    ys = shapely.get_y(np.asarray(geoms.values))
    lon, lat = to_wgs84(xs[valid], ys[valid], key)
    new = np.asarray(geoms.values, dtype=object).copy()
    new[valid] = shapely.points(lon, lat)
    out = gdf.set_crs(4326, allow_override=True)
    out[geoms.name] = gpd.GeoSeries(new, index=gdf.index, crs=4326)
    out.attrs.update(gdf.attrs)
    n = int(valid.sum())
    if key == "gcj02":
        china = int(in_china(xs[valid], ys[valid]).sum())
        rest = f" ({n - china} outside China left as they are)" if china < n else ""
        progress.info(f"converted {china} points from GCJ-02 to WGS84{rest}")
    else:
        progress.info(f"converted {n} points from BD-09 to WGS84")
    return out
