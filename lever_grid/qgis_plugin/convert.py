"""QGIS layers and feature sources <-> GeoDataFrames."""

from __future__ import annotations

import os

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsFeatureRequest,
    QgsFeatureSource,
    QgsProcessingException,
    QgsWkbTypes,
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
    return CRS.from_wkt(crs.toWkt(QgsCoordinateReferenceSystem.WktVariant.WKT_PREFERRED))


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

    ``name`` is the parameter value: a path (``path|layername=NAME``) or the layer's name.
    ``attrs`` carry file, layer and role, so core error messages name them exactly as the
    command line does. The same checks as :func:`lever_grid.core.io.read_layer` apply (CRS,
    geometry types for the role, plausible coordinates), and a shapefile without ``.cpg``
    whose text QGIS decoded as UTF-8 is re-read the way the CLI reads it (UTF-8, else GBK).
    Bad input raises :class:`QgsProcessingException` with the one-line message.
    """
    from ..core.errors import InputError
    from ..core.inputs.layers import check_layer

    try:
        file, layer = _where(source, name)
        if source.wkbType() == QgsWkbTypes.Type.NoGeometry:
            raise InputError(f"the layer has no geometry; {role} must be a geometry layer "
                             "(load a CSV/XLSX sheet with Layer › Add Delimited Text Layer)",
                             file=file, layer=layer)
        fields = [f.name() for f in source.fields()]
        ids, wkb, rows = [], [], []
        for feature in source.getFeatures(QgsFeatureRequest()):
            ids.append(feature.id())
            geom = feature.geometry()
            wkb.append(bytes(geom.asWkb()) if not geom.isNull() else None)
            rows.append([_py(v) for v in feature.attributes()])
        geoms = (shapely.from_wkb(np.array(wkb, dtype=object)) if wkb
                 else np.empty(0, dtype=object))
        frame = pd.DataFrame(rows, columns=fields, index=pd.Index(ids, name="fid"))
        frame = _redecode(frame, file, layer)
        crs = crs_to_pyproj(source.sourceCrs())
        gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs=crs)
        gdf.attrs.update(file=file, layer=layer, role=role, local=False)
        if crs is None:
            raise InputError("the layer has no CRS; set its CRS in QGIS (Layer Properties › "
                             "Source)", file=file, layer=layer)
        check_layer(gdf, role, file=file, layer=layer)
    except InputError as err:
        raise QgsProcessingException(str(err)) from None
    return gdf


def _where(source: QgsFeatureSource, name: str) -> tuple[str, str]:
    """(file, layer) for messages: the path and layer name when ``name`` is a path."""
    from ..core.inputs.layers import LayerSpec, choose_layer

    spec = LayerSpec.parse(name)
    if spec.path and os.path.exists(spec.path):
        # QGIS silently reads the first layer of a multi-layer file given without
        # |layername=; the CLI asks which one. So does this (role None: no guessing).
        layer = spec.layer or choose_layer(spec, None)
        return spec.path, str(layer)
    label = source.sourceName() if hasattr(source, "sourceName") else ""
    return name, label or name


def _redecode(frame: pd.DataFrame, file: str, layer: str) -> pd.DataFrame:
    """Re-read the text of a shapefile without .cpg that QGIS decoded wrongly (U+FFFD)."""
    if not (file.lower().endswith(".shp") and os.path.isfile(file)):
        return frame
    if any(os.path.exists(os.path.splitext(file)[0] + ext) for ext in (".cpg", ".CPG")):
        return frame
    text = [c for c in frame.columns if frame[c].map(lambda v: isinstance(v, str)
                                                     and "\ufffd" in v).any()]
    if not text:
        return frame
    from ..core.inputs.layers import read_attributes

    try:
        table = read_attributes(file, layer)
    except Exception:  # noqa: BLE001 - keep what QGIS read rather than fail
        return frame
    frame = frame.copy()
    for col in text:
        if col in table.columns:
            frame[col] = table[col].reindex(frame.index).where(
                table[col].reindex(frame.index).notna(), frame[col])
    return frame


def raise_processing(err: Exception) -> None:
    """Turn a core InputError into the QgsProcessingException users see in QGIS."""
    raise QgsProcessingException(str(err)) from None
