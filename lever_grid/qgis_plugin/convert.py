"""QGIS layers and feature sources <-> GeoDataFrames."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsProcessingException,
)
from qgis.PyQt.QtCore import QDate, QDateTime, QTime, QVariant

__all__ = ["source_to_gdf", "crs_to_pyproj", "raise_processing"]


def crs_to_pyproj(crs: QgsCoordinateReferenceSystem):
    """A pyproj CRS for a QGIS CRS, or ``None`` when the layer has none."""
    from pyproj import CRS

    if not crs.isValid():
        return None
    authid = crs.authid()
    if authid.upper().startswith("EPSG:"):
        return CRS.from_user_input(authid)
    return CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED))


def _py(value):
    if value is None or isinstance(value, QVariant) and value.isNull():
        return None
    if isinstance(value, QDateTime):
        return value.toPyDateTime() if value.isValid() else None
    if isinstance(value, QDate):
        return value.toPyDate() if value.isValid() else None
    if isinstance(value, QTime):
        return value.toPyTime() if value.isValid() else None
    return value


def source_to_gdf(source: QgsFeatureSource, name: str, role: str) -> gpd.GeoDataFrame:
    """Copy a feature source into a GeoDataFrame indexed by feature id.

    ``attrs`` carry file (the layer's name as the user sees it), layer and the role, so
    core error messages name them.
    """
    fields = [f.name() for f in source.fields()]
    ids, wkb, rows = [], [], []
    request = QgsFeatureRequest()
    for feature in source.getFeatures(request):
        ids.append(feature.id())
        geom = feature.geometry()
        wkb.append(bytes(geom.asWkb()) if not geom.isNull() else None)
        rows.append([_py(v) for v in feature.attributes()])
    geoms = shapely.from_wkb(np.array(wkb, dtype=object)) if wkb else np.empty(0, dtype=object)
    frame = pd.DataFrame(rows, columns=fields, index=pd.Index(ids, name="fid"))
    crs = crs_to_pyproj(source.sourceCrs())
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
    gdf.attrs.update(file=name, layer=name, role=role, local=False)
    if crs is None:
        raise QgsProcessingException(
            f"layer {name}: the layer has no CRS; set its CRS in QGIS (Layer Properties › Source)"
        )
    return gdf


def raise_processing(err: Exception) -> None:
    """Turn a core InputError into the QgsProcessingException users see in QGIS."""
    raise QgsProcessingException(str(err)) from None
