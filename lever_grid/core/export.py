"""GeoJSON export following RFC 7946, with privacy-safe field whitelists."""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

__all__ = ["GEOJSON_FIELDS", "ID_FIELD", "COORD_DECIMALS", "to_feature_collection",
           "write_geojson", "export_geojson_dir"]

#: Decimal places of longitude/latitude in exports: 1e-6° is about 0.11 m.
COORD_DECIMALS = 6

#: Properties allowed out of the building, per layer; anything else never leaves.
GEOJSON_FIELDS = {
    "cells": ("cell_id", "name", "area_m2", "road_length_m", "police_office", "officer",
              "locked"),
    "camera_views": ("camera_id", "kind", "area_m2"),
    "overlap": ("cell_id", "n_cameras", "area_m2"),
    "blind_spots": ("blind_id", "cell_id", "area_m2", "incidents"),
    "cell_stats": ("cell_id", "area_m2", "watch_m2", "covered_m2", "covered_share", "blind_m2",
                   "road_length_m", "road_covered_share", "cameras", "incidents_current",
                   "incidents_previous", "change_pct", "incidents_in_blind"),
    "cameras": ("camera_id", "kind", "status", "range_m", "heading_deg", "fov_deg"),
    "incidents": ("incident_id", "occurred_at", "category"),
}

#: The property that gives each feature its stable GeoJSON ``id``.
ID_FIELD = {"cells": "cell_id", "camera_views": "camera_id", "blind_spots": "blind_id",
            "cell_stats": "cell_id", "cameras": "camera_id", "incidents": "incident_id"}


def _value(v: object) -> object:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.floating):
        f = float(v)
        return None if math.isnan(f) else round(f, 4)
    if isinstance(v, float):
        return round(v, 4)
    if isinstance(v, np.bool_ | bool):
        return bool(v)
    if isinstance(v, pd.Timestamp):
        return v.isoformat()
    return v if isinstance(v, int | str) else str(v)


def to_feature_collection(gdf: gpd.GeoDataFrame, layer: str) -> dict:
    """A FeatureCollection dict: WGS84, CCW exteriors, rounded coordinates, no crs member."""
    wgs = gdf.to_crs(4326) if gdf.crs is not None else gdf
    geoms = shapely.orient_polygons(wgs.geometry.to_numpy(), exterior_cw=False)
    geoms = shapely.set_precision(geoms, 10.0 ** -COORD_DECIMALS, mode="pointwise")
    geoms = shapely.orient_polygons(geoms, exterior_cw=False)
    fields = [f for f in GEOJSON_FIELDS.get(layer, ()) if f in wgs.columns]
    id_field = ID_FIELD.get(layer)
    features = []
    records = wgs[fields].to_dict("records") if fields else [{}] * len(wgs)
    for i, (geom, props) in enumerate(zip(geoms, records, strict=True)):
        feature = {"type": "Feature"}
        feature["id"] = _value(props[id_field]) if id_field in props else i + 1
        feature["geometry"] = json.loads(shapely.to_geojson(geom)) if geom is not None else None
        feature["properties"] = {k: _value(v) for k, v in props.items()}
        features.append(feature)
    return {"type": "FeatureCollection", "name": layer, "features": features}


def write_geojson(collection: dict, path: str | os.PathLike) -> Path:
    """Write a FeatureCollection atomically (temp file beside it, then rename)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(collection, fh, ensure_ascii=False, separators=(",", ":"))
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
    return path


def export_geojson_dir(
    layers: dict[str, gpd.GeoDataFrame], out_dir: str | os.PathLike,
    names: Iterable[str] | None = None,
) -> list[Path]:
    """One ``<layer>.geojson`` per geometry layer, plus ``briefing.geojson`` combining them."""
    out_dir = Path(out_dir)
    written = []
    combined = []
    for name in names or layers:
        gdf = layers.get(name)
        if not isinstance(gdf, gpd.GeoDataFrame):
            continue
        fc = to_feature_collection(gdf, name)
        written.append(write_geojson(fc, out_dir / f"{name}.geojson"))
        for feature in fc["features"]:
            feature = dict(feature, properties=dict(feature["properties"], layer=name))
            feature["id"] = f"{name}/{feature['id']}"
            combined.append(feature)
    briefing = {"type": "FeatureCollection", "name": "briefing", "features": combined}
    written.append(write_geojson(briefing, out_dir / "briefing.geojson"))
    return written
