"""GeoJSON export (RFC 7946) with privacy by default.

Every layer leaves as one FeatureCollection in WGS84 longitude/latitude, coordinates
rounded to :data:`COORD_DECIMALS` decimal places (1e-7° ≈ 1.1 cm, so areas survive
the round trip to 1e-4 even for slivers), snapped to that grid
so that rings stay valid (re-validated after rounding), exterior rings counter-clockwise
and holes clockwise, no ``crs`` member, a stable ``id`` per feature and only the
properties named in :data:`GEOJSON_FIELDS`. ``briefing.geojson`` combines them.

Incidents leave only as counts per cell unless points are asked for explicitly; points
then carry only ``incident_id``, ``date`` (the day of ``occurred_at``) and ``category``.
Counts below ``min_count`` can be masked (null, with ``incidents_masked`` true).

Examples
--------
>>> import shapely
>>> gdf = gpd.GeoDataFrame({"cell_id": [1], "secret": ["x"]},
...                        geometry=[shapely.box(113.0, 22.0, 113.001, 22.001)], crs=4326)
>>> fc = to_feature_collection(gdf, "cells")
>>> fc["features"][0]["id"], fc["features"][0]["properties"]
(1, {'cell_id': 1})
>>> fc["features"][0]["geometry"]["coordinates"][0][:2]
[[113.0, 22.0], [113.001, 22.0]]
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import defined_crs
from ..errors import InputError
from ..fs import atomic_path
from ..progress import Progress
from .privacy import (
    AGGREGATE_FIELDS,
    COUNT_FIELDS,
    MASK_FIELD,
    incident_counts,
    incident_points,
    mask_counts,
)

__all__ = [
    "COORD_DECIMALS", "PROPERTY_DECIMALS", "GEOJSON_FIELDS", "ID_FIELD", "EXPORT_LAYERS",
    "INCIDENT_MODES", "INTEGER_FIELDS", "write_geojson", "round_geometries", "geometry_json",
    "to_feature_collection", "export_geojson_dir", "check_export", "export_briefing",
]


#: Decimal places of longitude/latitude: 1e-6° is about 0.11 m (0.10 m east-west at 23° N).
COORD_DECIMALS = 7


#: Decimal places of floating-point properties (areas, shares) in exports.
PROPERTY_DECIMALS = 4


#: Properties allowed out of the building, per layer; anything else never leaves.
GEOJSON_FIELDS: dict[str, tuple[str, ...]] = {
    "cells": ("cell_id", "name", "area_m2", "road_length_m", "police_office", "officer",
              "locked"),
    "camera_views": ("camera_id", "kind", "area_m2"),
    "overlap": ("cell_id", "n_cameras", "area_m2"),
    "blind_spots": ("blind_id", "cell_id", "area_m2", "incidents", MASK_FIELD),
    "cell_stats": ("cell_id", "area_m2", "watch_m2", "covered_m2", "covered_share", "blind_m2",
                   "road_length_m", "road_covered_share", "cameras", "incidents_current",
                   "incidents_previous", "change_pct", "incidents_in_blind", MASK_FIELD),
    "cameras": ("camera_id", "kind", "status", "range_m", "heading_deg", "fov_deg"),
    "roads": ("road_id", "name"),
    "boundary": ("name",),
    "incidents": ("incident_id", "date", "category"),
    "watch_points": ("point_id", "name", "cell_id", "seen", "n_cameras", "camera_ids"),
}


#: The property that gives each feature its stable GeoJSON ``id`` (overlap: "cell-n").
ID_FIELD: dict[str, str | tuple[str, ...]] = {
    "cells": "cell_id", "camera_views": "camera_id", "blind_spots": "blind_id",
    "cell_stats": "cell_id", "cameras": "camera_id", "roads": "road_id",
    "incidents": "incident_id", "overlap": ("cell_id", "n_cameras"),
    "watch_points": "point_id"}


#: Layers exported, in this order; other layers of the GeoPackage never leave.
EXPORT_LAYERS = ("cells", "cell_stats", "blind_spots", "overlap", "camera_views", "cameras",
                 "roads", "boundary", "watch_points")


INCIDENT_MODES = ("aggregate", "points")


#: Fields written as JSON integers even when stored as floats (e.g. nulls after masking).
INTEGER_FIELDS = frozenset({"cell_id", "blind_id", "point_id", "n_cameras", "cameras", "incidents",
                            "incidents_current", "incidents_previous", "incidents_in_blind",
                            "locked"})


_POLYGONAL = {3, 6}  # Polygon, MultiPolygon


_LINEAR = {1, 2, 5}  # LineString, LinearRing, MultiLineString


_PUNTAL = {0, 4}  # Point, MultiPoint


def write_geojson(collection: dict, path: str | os.PathLike) -> Path:
    """Write a FeatureCollection atomically as UTF-8 JSON (NaN/Infinity refused)."""
    path = Path(path)
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"),
                      allow_nan=False)
    return path


def _polygonal_parts(geom: shapely.Geometry, dims: set[int]) -> shapely.Geometry | None:
    """Keep the parts of ``geom`` of the wanted type family; None when nothing is left."""
    if geom is None or geom.is_empty:
        return None
    if shapely.get_type_id(geom) in dims:
        return geom
    parts = [p for p in shapely.get_parts(geom) if shapely.get_type_id(p) in dims]
    parts = [q for p in parts for q in shapely.get_parts(p) if not q.is_empty]
    if not parts:
        return None
    if dims is _POLYGONAL:
        return parts[0] if len(parts) == 1 else shapely.MultiPolygon(parts)
    if dims is _LINEAR:
        return parts[0] if len(parts) == 1 else shapely.MultiLineString(parts)
    return parts[0] if len(parts) == 1 else shapely.MultiPoint(parts)


def _round_one(geom: shapely.Geometry, grid: float, dims: set[int]) -> shapely.Geometry | None:
    """Snap one geometry to the grid and make sure the result is valid."""
    try:
        out = shapely.set_precision(geom, grid, mode="valid_output")
    except shapely.errors.GEOSException:  # GEOS 3.11 snap-rounding can fail on holes
        out = shapely.set_precision(geom, grid, mode="pointwise")
        for _ in range(3):
            if shapely.is_valid(out):
                break
            repaired = shapely.make_valid(out, method="structure", keep_collapsed=False)
            try:
                out = shapely.set_precision(repaired, grid, mode="valid_output")
            except shapely.errors.GEOSException:
                out = shapely.set_precision(repaired, grid, mode="pointwise")
    out = _polygonal_parts(out, dims)
    if out is None or not shapely.is_valid(out):
        return None
    return out


def round_geometries(geoms: Iterable, decimals: int = COORD_DECIMALS) -> np.ndarray:
    """Geometries snapped to a ``10**-decimals`` grid, valid, 2D, polygons oriented.

    Snap-rounding (GEOS ``set_precision``) keeps rings valid: spikes and slivers
    narrower than the grid collapse, a polygon pinched by rounding may become a
    MultiPolygon, and a geometry that collapses entirely becomes ``None``. Exterior
    rings are counter-clockwise and holes clockwise (RFC 7946 section 3.1.6).
    """
    geoms = shapely.force_2d(np.asarray(list(geoms), dtype=object))
    assert isinstance(geoms, np.ndarray)
    grid = 10.0 ** -decimals
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):  # per feature: GEOS failures must stay local
        if geom is None or geom.is_empty:
            out[i] = None
            continue
        tid = shapely.get_type_id(geom)
        if tid in _PUNTAL:
            out[i] = shapely.set_precision(geom, grid, mode="pointwise")
            continue
        dims = _POLYGONAL if tid in _POLYGONAL else _LINEAR if tid in _LINEAR else None
        if dims is None:  # a collection: keep its highest-dimension parts
            dim = shapely.get_dimensions(geom)
            dims = _POLYGONAL if dim == 2 else _LINEAR if dim == 1 else _PUNTAL
        out[i] = _round_one(geom, grid, dims)
    present = np.array([g is not None for g in out], dtype=bool)
    if present.any():
        out[present] = shapely.orient_polygons(out[present], exterior_cw=False)
    return out


def _coords(coords: np.ndarray | Iterable, decimals: int) -> list:
    return np.round(np.asarray(coords, dtype=float)[:, :2], decimals).tolist()


def _polygon_json(poly: shapely.Polygon, decimals: int) -> list:
    return [_coords(poly.exterior.coords, decimals)] + [
        _coords(r.coords, decimals) for r in poly.interiors]


def geometry_json(geom: shapely.Geometry | None, decimals: int = COORD_DECIMALS) -> dict | None:
    """A GeoJSON geometry dict with coordinates rounded to ``decimals`` (None stays None)."""
    if geom is None or geom.is_empty:
        return None
    kind = geom.geom_type
    if kind == "Point":
        return {"type": kind, "coordinates": _coords([geom.coords[0]], decimals)[0]}
    if kind == "LineString":
        return {"type": kind, "coordinates": _coords(geom.coords, decimals)}
    if kind == "Polygon":
        return {"type": kind, "coordinates": _polygon_json(geom, decimals)}
    if kind == "MultiPoint":
        return {"type": kind, "coordinates": _coords(
            [p.coords[0] for p in geom.geoms], decimals)}
    if kind == "MultiLineString":
        return {"type": kind, "coordinates": [_coords(g.coords, decimals) for g in geom.geoms]}
    if kind == "MultiPolygon":
        return {"type": kind, "coordinates": [_polygon_json(g, decimals) for g in geom.geoms]}
    return {"type": "GeometryCollection",
            "geometries": [geometry_json(g, decimals) for g in geom.geoms]}


def _value(v: object, integer: bool = False) -> object:
    """A JSON-safe property value: NaN/NaT/NA/inf → None, numpy → Python, dates → ISO.

    With ``integer``, a whole float becomes an int (1.0 → 1).
    """
    if v is None or v is pd.NaT or v is pd.NA:
        return None
    if integer and isinstance(v, float | np.floating) and math.isfinite(v) and \
            float(v).is_integer():
        return int(v)
    if isinstance(v, bool | np.bool_):
        return bool(v)
    if isinstance(v, int | np.integer):
        return int(v)
    if isinstance(v, float | np.floating):
        f = float(v)
        return round(f, PROPERTY_DECIMALS) if math.isfinite(f) else None
    if isinstance(v, pd.Timestamp | _dt.datetime | _dt.date):
        return v.isoformat()
    if isinstance(v, bytes):
        return None
    return v if isinstance(v, str) else str(v)


def _ids(gdf: pd.DataFrame, layer: str, progress: Progress,
         key: str | tuple[str, ...] | None = None) -> list:
    """Stable feature ids: the layer's id field when present, unique and non-null."""
    key = key if key is not None else ID_FIELD.get(layer)
    ids: list | None = None
    if isinstance(key, tuple) and all(k in gdf.columns for k in key):
        cols = [gdf[k].map(lambda v: _value(v, True)) for k in key]
        if not any(c.isna().any() for c in cols):
            ids = ["-".join(str(v) for v in row) for row in zip(*cols, strict=True)]
    elif isinstance(key, str) and key in gdf.columns:
        values = [_value(v, key in INTEGER_FIELDS) for v in gdf[key]]
        if all(v is not None for v in values):
            ids = values
    if ids is not None and len(set(ids)) == len(ids):
        return ids
    if key is not None and len(gdf):
        progress.info(f"{layer}: {key} missing, empty or not unique; GeoJSON ids are the "
                      f"feature numbers 1..{len(gdf)}")
    return list(range(1, len(gdf) + 1))


def to_feature_collection(
    gdf: gpd.GeoDataFrame,
    layer: str,
    *,
    fields: Iterable[str] | None = None,
    id_field: str | tuple[str, ...] | None = None,
    decimals: int = COORD_DECIMALS,
    progress: Progress | None = None,
) -> dict:
    """A FeatureCollection dict for one layer (RFC 7946).

    Parameters
    ----------
    gdf
        The layer, in any CRS (it must have one: a local site plan cannot be WGS84).
    layer
        Its name: chooses the property whitelist (:data:`GEOJSON_FIELDS`) and the id field.
    fields
        Overrides the whitelist (still only these properties leave).
    id_field
        Overrides the id field of :data:`ID_FIELD` (a tuple joins values with "-").
    decimals
        Decimal places of longitude/latitude.

    Returns
    -------
    dict
        ``{"type": "FeatureCollection", "name", "bbox", "features"}``; no ``crs`` member.
    """
    progress = progress or Progress()
    if defined_crs(gdf.crs) is None:
        raise InputError("a layer without CRS (a local site plan) cannot be exported as "
                         "GeoJSON, which is WGS84 longitude/latitude", layer=layer)
    wgs = gdf.to_crs(4326)
    present = ~(wgs.geometry.isna() | wgs.geometry.is_empty).to_numpy()
    if present.any():
        b = wgs.geometry[present].total_bounds
        if not (np.isfinite(b).all() and b[0] >= -180 and b[2] <= 180 and b[1] >= -90
                and b[3] <= 90):
            raise InputError(f"coordinates outside longitude/latitude ranges in WGS84 "
                             f"(bounds {np.round(b, 3).tolist()}); is the layer's CRS "
                             f"({gdf.crs.name}) right?", layer=layer)
    geoms = round_geometries(wgs.geometry.to_numpy(), decimals)
    lost = int(sum(g is None for g in geoms) - (wgs.geometry.isna() | wgs.geometry.is_empty)
               .sum())
    if lost:
        progress.info(f"{layer}: {lost} geometr{'y' if lost == 1 else 'ies'} narrower than "
                      f"the export precision (1e-{decimals}°) collapsed; exported as null")
    wanted = GEOJSON_FIELDS.get(layer, ()) if fields is None else tuple(fields)
    names = [f for f in wanted if f in wgs.columns]
    ids = _ids(wgs, layer, progress, id_field)
    columns = {k: wgs[k].tolist() for k in names}  # per column: a row would upcast ints
    features = []
    for i, geom in enumerate(geoms):
        props = {k: _value(columns[k][i], k in INTEGER_FIELDS) for k in names}
        features.append({"type": "Feature", "id": ids[i],
                         "geometry": geometry_json(geom, decimals), "properties": props})
    fc: dict = {"type": "FeatureCollection", "name": layer}
    present = [g for g in geoms if g is not None]
    if present:
        b = shapely.total_bounds(np.asarray(present, dtype=object))
        fc["bbox"] = np.round(b, decimals).tolist()
    fc["features"] = features
    return fc


def _collections(layers: Mapping[str, pd.DataFrame], names: Iterable[str], decimals: int,
                 progress: Progress) -> list[tuple[str, dict]]:
    out = []
    for name in names:
        gdf = layers.get(name)
        if name == "incidents" or name not in GEOJSON_FIELDS:
            continue  # incidents only through export_briefing; unknown layers never
        if not isinstance(gdf, gpd.GeoDataFrame):
            continue
        out.append((name, to_feature_collection(gdf, name, decimals=decimals,
                                                progress=progress)))
    return out


def _tagged(fc: dict, name: str) -> list[dict]:
    return [dict(f, id=f"{name}/{f['id']}", properties=dict(f["properties"], layer=name))
            for f in fc["features"]]


def _write_all(collections: list[tuple[str, dict]], out_dir: Path) -> list[Path]:
    written, combined = [], []
    for name, fc in collections:
        written.append(write_geojson(fc, out_dir / f"{name}.geojson"))
        combined += _tagged(fc, name)
    briefing = {"type": "FeatureCollection", "name": "briefing", "features": combined}
    written.append(write_geojson(briefing, out_dir / "briefing.geojson"))
    return written


def export_geojson_dir(
    layers: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike,
    names: Iterable[str] | None = None,
    *,
    decimals: int = COORD_DECIMALS,
    progress: Progress | None = None,
) -> list[Path]:
    """One ``<layer>.geojson`` per export layer present, plus ``briefing.geojson``.

    Only layers named in :data:`EXPORT_LAYERS` (or ``names``) and known to
    :data:`GEOJSON_FIELDS` leave, with only their whitelisted properties; incidents never
    (see :func:`export_briefing`). In ``briefing.geojson`` every feature gets a ``layer``
    property and the id ``<layer>/<id>``.
    """
    progress = progress or Progress()
    found = _collections(layers, names or EXPORT_LAYERS, decimals, progress)
    return _write_all(found, Path(out_dir))


def check_export(incidents: str, min_count: int) -> None:
    """Refuse a combination that would defeat masking: points with ``min_count`` > 0."""
    if incidents not in INCIDENT_MODES:
        raise InputError(f"--incidents must be one of {', '.join(INCIDENT_MODES)}, "
                         f"not {incidents!r}", field="incidents")
    if incidents == "points" and min_count > 0:
        raise InputError("--incidents points cannot be combined with --min-count: every "
                         "point is one incident, so no count can be masked; use "
                         "--incidents aggregate with --min-count")


def export_briefing(
    layers: Mapping[str, pd.DataFrame],
    out_dir: str | os.PathLike,
    *,
    incidents: str = "aggregate",
    incident_source: gpd.GeoDataFrame | None = None,
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    min_count: int = 0,
    decimals: int = COORD_DECIMALS,
    summary: bool = True,
    progress: Progress | None = None,
) -> list[Path]:
    """GeoJSON of every export layer, ``incidents.geojson``, ``briefing.geojson``, summary.

    Parameters
    ----------
    layers
        The analysis layers (as read from the analysis GeoPackage).
    out_dir
        Folder receiving ``<layer>.geojson``, ``incidents.geojson``, ``briefing.geojson``
        and (with ``summary``) ``summary.csv``, ``summary.md``, ``summary.html``.
    incidents
        ``"aggregate"`` (default): ``incidents.geojson`` holds one cell polygon per cell
        with its counts (:data:`AGGREGATE_FIELDS`). ``"points"``: one point per incident
        with incident_id, date and category only, taken from ``incident_source``.
    incident_source
        Incident points (as from :func:`~lever_grid.core.incidents.read_incidents`),
        needed for ``"points"``; ignored otherwise.
    period
        Points mode: only incidents of this ``[start, end)`` window.
    min_count
        Counts below it are masked everywhere (GeoJSON and summary), with secondary
        suppression so that no masked count can be recovered by subtraction (see
        :func:`~.privacy.mask_counts`); 0 masks nothing. Refused with ``"points"``.
    decimals
        Decimal places of longitude/latitude (default :data:`COORD_DECIMALS`).
    summary
        Also write the summary table (:mod:`lever_grid.core.summary`).

    Returns
    -------
    list of pathlib.Path
        The files written.
    """
    progress = progress or Progress()
    check_export(incidents, min_count)
    if incidents == "points" and incident_source is None:
        raise InputError("--incidents points needs the incident points (--source-incidents)",
                         field="incidents")
    masked = mask_counts(layers, min_count)
    if min_count > 0:
        n = sum(int(f[MASK_FIELD].sum()) for name, f in masked.items()
                if name in COUNT_FIELDS and MASK_FIELD in f.columns)
        progress.info(f"counts below {min_count} masked in {n} row(s)")
    found = _collections(masked, EXPORT_LAYERS, decimals, progress)
    if incidents == "points":
        cells = masked.get("cells", masked.get("cell_stats"))
        points = incident_points(incident_source, cells=cells, period=period,
                                 progress=progress)
        fc = to_feature_collection(points, "incidents", decimals=decimals, progress=progress)
        progress.info(f"incidents: {len(points)} points exported (incident_id, date, "
                      "category only)")
    else:
        counts = incident_counts(masked)
        if counts is None:
            counts = gpd.GeoDataFrame({f: [] for f in AGGREGATE_FIELDS}, geometry=[],
                                      crs=4326)
        fc = to_feature_collection(counts, "incidents", fields=AGGREGATE_FIELDS,
                                   id_field="cell_id", decimals=decimals, progress=progress)
    out_dir = Path(out_dir)
    written = _write_all(found + [("incidents", fc)], out_dir)
    if summary:
        from .summary import summary_table, write_summary

        written += write_summary(summary_table(masked), out_dir,
                                 offices=masked.get("office_stats"), min_count=min_count)
    return written
