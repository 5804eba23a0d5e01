"""True metres in every CRS: where distances and areas are computed, and coordinate checks."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import shapely
from pyproj import CRS, Proj, Transformer

from .errors import InputError
from .geometry import clean_polygons
from .progress import Progress

__all__ = [
    "LOCAL", "UNITS", "MAX_AREAL_DISTORTION", "MetricFrame", "metric_frame", "metric_crs",
    "local_crs", "areal_distortion", "to_metric", "MAX_PROJECTED", "check_coordinates",
    "defined_crs", "unit_factor",
]

#: Marker for a site plan with no geodetic CRS (``--assume-crs local``).
LOCAL = "local"

#: Metres per unit of a local site plan (``--units``; CAD plans are often in millimetres).
UNITS = {"m": 1.0, "mm": 0.001, "cm": 0.01, "ft": 0.3048}

#: A projected CRS in metres is used as it is only when its areal scale factor stays within
#: this of 1 over the data's extent (pyproj ``get_factors``); otherwise a local CRS is used.
MAX_AREAL_DISTORTION = 1e-3

#: Longitude/latitude box where CGCS2000 Gauss-Krüger zones are chosen (China).
_CHINA = (73.5, 3.0, 136.5, 54.0)


def _gk_cgcs2000(lon: float) -> CRS:
    """CGCS2000 3-degree Gauss-Kruger zone (CM given) for a longitude in 73.5..136.5."""
    cm = int(round(lon / 3.0)) * 3
    cm = min(max(cm, 75), 135)
    return CRS.from_epsg(4534 + (cm - 75) // 3)


def _utm(lon: float, lat: float) -> CRS:
    zone = int((lon + 180.0) // 6.0) % 60 + 1
    return CRS.from_epsg((32600 if lat >= 0 else 32700) + zone)


def local_crs(lon: float, lat: float) -> CRS:
    """The local metric CRS for data centred at ``lon``/``lat``: a CGCS2000 3-degree
    Gauss-Krüger zone in China, the UTM zone elsewhere."""
    x0, y0, x1, y1 = _CHINA
    if x0 <= lon <= x1 and y0 <= lat <= y1:
        return _gk_cgcs2000(lon)
    return _utm(lon, lat)


def _lonlat_grid(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[np.ndarray,
                                                                                 np.ndarray]:
    """Longitude/latitude of a 3 x 3 grid over ``bounds`` (given in ``crs``)."""
    xs = np.linspace(bounds[0], bounds[2], 3)
    ys = np.linspace(bounds[1], bounds[3], 3)
    gx, gy = np.meshgrid(xs, ys)
    to_ll = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    lon, lat = to_ll.transform(gx.ravel(), gy.ravel())
    return np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)


def areal_distortion(crs: CRS, bounds: tuple[float, float, float, float]) -> float:
    """Largest ``|areal scale - 1|`` of a projected ``crs`` over ``bounds`` (inf if unknown)."""
    try:
        lon, lat = _lonlat_grid(crs, bounds)
        factors = Proj(crs).get_factors(lon, lat)
        scale = np.asarray(factors.areal_scale, dtype=float)
    except Exception:  # noqa: BLE001 - PROJ cannot tell for some projections
        return float("inf")
    if not np.isfinite(scale).all():
        return float("inf")
    return float(np.max(np.abs(scale - 1.0)))


def _in_metres(crs: CRS) -> bool:
    units = {(a.unit_name or "").lower() for a in crs.axis_info[:2]}
    factors = {a.unit_conversion_factor for a in crs.axis_info[:2]}
    return bool(units) and units <= {"metre", "meter", "m"} and factors == {1.0}


def _centre(crs: CRS, bounds: tuple[float, float, float, float]) -> tuple[float, float]:
    cx, cy = (bounds[0] + bounds[2]) / 2.0, (bounds[1] + bounds[3]) / 2.0
    if crs.is_geographic:
        return float(cx), float(cy)
    to_ll = Transformer.from_crs(crs, CRS.from_epsg(4326), always_xy=True)
    lon, lat = to_ll.transform(cx, cy)
    return float(lon), float(lat)


def _label(crs: CRS) -> str:
    code = crs.to_epsg()
    return f"EPSG:{code} ({crs.name})" if code else crs.name


def choose_metric(crs: CRS | None, bounds: tuple[float, float, float, float]
                  ) -> tuple[CRS | None, str]:
    """The CRS distances and areas are computed in, and why (one line, empty if kept).

    A projected ``crs`` whose axes are in metres and whose areal scale stays within
    :data:`MAX_AREAL_DISTORTION` of 1 over ``bounds`` is kept. Anything else (degrees,
    feet, US survey feet, Web Mercator, a zone far from its central meridian) is computed
    in :func:`local_crs` of the data's centre. ``None`` (a local site plan) stays ``None``.
    """
    if crs is None:
        return None, ""
    crs = CRS.from_user_input(crs)
    if crs.is_projected and _in_metres(crs):
        distortion = areal_distortion(crs, bounds)
        if distortion <= MAX_AREAL_DISTORTION:
            return crs, ""
        why = (f"areal scale off by {distortion:.2%}" if np.isfinite(distortion)
               else "scale distortion unknown")
    elif crs.is_projected:
        unit = crs.axis_info[0].unit_name if crs.axis_info else "unknown units"
        why = f"its unit is {unit}, not the metre"
    else:
        why = "it is in degrees"
    target = local_crs(*_centre(crs, bounds))
    if target == crs:
        return crs, ""
    return target, (f"CRS {_label(crs)} is not in true metres here ({why}); distances and "
                    f"areas are computed in {_label(target)}")


def metric_crs(crs: CRS | None, bounds: tuple[float, float, float, float]) -> CRS | None:
    """The CRS distances and areas are computed in (see :func:`choose_metric`)."""
    return choose_metric(crs, bounds)[0]


def unit_factor(gdf: gpd.GeoDataFrame) -> float:
    """Metres per coordinate unit of a local site plan (1 for any other layer)."""
    if gdf.crs is not None or not gdf.attrs.get("local"):
        return 1.0
    return float(gdf.attrs.get("unit_factor", 1.0))


def _scaled(gdf: gpd.GeoDataFrame, factor: float) -> gpd.GeoDataFrame:
    geoms = shapely.transform(gdf.geometry.to_numpy(), lambda xy: xy * factor)
    out = gdf.set_geometry(geoms, crs=gdf.crs)
    out.attrs.update(gdf.attrs)
    return out


def to_metric(gdf: gpd.GeoDataFrame, target: CRS | None) -> gpd.GeoDataFrame:
    """``gdf`` in ``target``, or a local plan scaled to metres (no-op when already there)."""
    if gdf.crs is None:
        factor = unit_factor(gdf)
        if factor == 1.0:
            return gdf
        out = _scaled(gdf, factor)
        out.attrs["unit_factor"] = 1.0
        return out
    if target is None or CRS.from_user_input(gdf.crs) == target:
        return gdf
    out = gdf.to_crs(target)
    out.attrs.update(gdf.attrs)
    return out


@dataclass(frozen=True)
class MetricFrame:
    """Where a job computes (true metres) and where its outputs go back to.

    ``source`` is the reference layer's CRS (the cells'; ``None`` for a local plan),
    ``crs`` the CRS distances and areas are computed in, ``unit`` the metres per unit of
    a local plan, ``note`` the log line when the data is moved to another CRS.
    """

    source: CRS | None
    crs: CRS | None
    unit: float = 1.0
    note: str = ""

    @classmethod
    def of(cls, reference: gpd.GeoDataFrame, progress: Progress | None = None) -> MetricFrame:
        """The frame chosen from a reference layer (its CRS, extent and units); a move to
        another CRS is logged through ``progress``."""
        frame = cls._chosen(reference)
        if frame.note and progress is not None:
            progress.info(frame.note)
        return frame

    @classmethod
    def _chosen(cls, reference: gpd.GeoDataFrame) -> MetricFrame:
        source = defined_crs(reference.crs)
        if source is None:
            return cls(None, None, unit_factor(reference))
        present = reference.geometry.notna().to_numpy() & ~reference.geometry.is_empty.to_numpy()
        bounds = reference.geometry[present].total_bounds if present.any() else np.zeros(4)
        target, note = choose_metric(source, (bounds[0], bounds[1], bounds[2], bounds[3]))
        return cls(source, target, 1.0, note)

    @property
    def local(self) -> bool:
        return self.source is None

    def forward(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``gdf`` in true metres (reprojected, or a local plan scaled)."""
        return to_metric(gdf, self.crs)

    def back(self, gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """A frame computed in metres, back in the reference's CRS and units."""
        if self.local:
            out = gdf.set_crs(None, allow_override=True) if gdf.crs is not None else gdf
            return _repaired(_scaled(out, 1.0 / self.unit)) if self.unit != 1.0 else out
        if gdf.crs is None:
            gdf = gdf.set_crs(self.crs)
        if self.source is not None and CRS.from_user_input(gdf.crs) != self.source:
            return _repaired(gdf.to_crs(self.source))
        return gdf


def _repaired(gdf: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Polygons that reprojection made invalid (a hole touching its shell now crossing it
    by a nanometre) repaired with ``make_valid``; the area is kept."""
    geoms = gdf.geometry.to_numpy()
    polygon = np.isin(shapely.get_type_id(geoms), (3, 6))
    bad = polygon & ~shapely.is_valid(geoms)
    if not bad.any():
        return gdf
    geoms = geoms.copy()
    geoms[bad] = clean_polygons(geoms[bad])
    out = gdf.set_geometry(geoms, crs=gdf.crs)
    out.attrs.update(gdf.attrs)
    return out


def metric_frame(
    layers: Mapping[str, gpd.GeoDataFrame | None],
    reference: gpd.GeoDataFrame,
    progress: Progress | None = None,
) -> tuple[MetricFrame, dict[str, gpd.GeoDataFrame | None]]:
    """The :class:`MetricFrame` of ``reference`` and every layer of ``layers`` in it.

    Refuses a mix of local site plans (no CRS) and layers with a CRS. The move to another
    CRS is logged once through ``progress``.
    """
    frame = MetricFrame.of(reference, progress)
    out: dict[str, gpd.GeoDataFrame | None] = {}
    for name, gdf in layers.items():
        if gdf is None:
            out[name] = None
            continue
        local = defined_crs(gdf.crs) is None
        if local != frame.local:
            raise InputError(
                "mixes a local site plan (no CRS) with layers that have a CRS; give every "
                "layer the same --assume-crs", file=gdf.attrs.get("file"),
                layer=gdf.attrs.get("layer", name),
            )
        if local and gdf.crs is not None:
            gdf = gdf.set_crs(None, allow_override=True)
        moved = frame.forward(gdf)
        moved.attrs.update(gdf.attrs)
        moved.attrs["unit_factor"] = 1.0
        out[name] = moved
    return frame, out


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
