"""Shared GUI helpers: translation, camera kind labels, layers <-> shapely."""

from __future__ import annotations

import shapely
from qgis.core import QgsGeometry, QgsVectorLayer, QgsWkbTypes
from qgis.PyQt.QtCore import QCoreApplication

from ...core.inputs.cameras import KINDS

__all__ = ["CONTEXT", "tr", "kind_labels", "kind_short_labels", "to_qgs", "to_shapely",
           "fit_to_layer", "RESULT_PROPERTY", "KINDS"]

#: Translation context of every lever_grid string (see resources/i18n/lever_grid_zh_CN.ts).
CONTEXT = "LeverGrid"

#: Custom layer property naming the analysis output a layer shows (cell_stats, ...).
RESULT_PROPERTY = "lever_grid/result"


def tr(text: str) -> str:
    """Translate ``text`` in the LeverGrid context."""
    return QCoreApplication.translate(CONTEXT, text)


def kind_labels() -> dict[str, str]:
    """Camera kind -> label shown to users (the Chinese name is always visible)."""
    return {
        "public1": tr("Public video, class 1 (一类)"),
        "public2": tr("Public video, class 2 (二类)"),
        "smart_eye": tr("Smart eye (慧眼)"),
        "social": tr("Social video (社会)"),
        "enterprise": tr("Enterprise video (企业)"),
    }


def kind_short_labels() -> dict[str, str]:
    """Camera kind -> a short label (check boxes)."""
    return {
        "public1": tr("Class 1 (一类)"),
        "public2": tr("Class 2 (二类)"),
        "smart_eye": tr("Smart eye (慧眼)"),
        "social": tr("Social (社会)"),
        "enterprise": tr("Enterprise (企业)"),
    }


def to_shapely(geometry: QgsGeometry):
    """A QGIS geometry as a shapely geometry (``None`` for a null geometry)."""
    if geometry is None or geometry.isNull():
        return None
    return shapely.from_wkb(bytes(geometry.asWkb()))


def to_qgs(geom) -> QgsGeometry:
    """A shapely geometry as a QGIS geometry."""
    out = QgsGeometry()
    out.fromWkb(shapely.to_wkb(geom))
    return out


def fit_to_layer(geometry: QgsGeometry, layer: QgsVectorLayer) -> QgsGeometry:
    """``geometry`` made single or multi like the layer's geometry type (when possible)."""
    geometry = QgsGeometry(geometry)
    if QgsWkbTypes.isMultiType(layer.wkbType()):
        geometry.convertToMultiType()
    elif geometry.isMultipart() and len(geometry.asGeometryCollection()) == 1:
        geometry.convertToSingleType()
    return geometry
