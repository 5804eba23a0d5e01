"""Independent oracles built from QGIS's own native Processing algorithms."""

from __future__ import annotations

from tests.qgis.conftest import run_alg


def native_blind_by_cell(cells: str, cameras: str, quad_segs: int = 16) -> dict:
    """Blind area per cell_id by QGIS's chain: buffer online cameras by range_m
    (SEGMENTS=quad_segs) → dissolve → difference with the cells → area."""
    from qgis.core import QgsProperty

    online = run_alg("native:extractbyexpression", {
        "INPUT": cameras, "OUTPUT": "memory:",
        "EXPRESSION": "coalesce(\"status\", 'online') <> 'offline'",
    })["OUTPUT"]
    buffered = run_alg("native:buffer", {
        "INPUT": online, "DISTANCE": QgsProperty.fromExpression('"range_m"'),
        "SEGMENTS": quad_segs, "END_CAP_STYLE": 0, "JOIN_STYLE": 0, "MITER_LIMIT": 2,
        "DISSOLVE": False, "OUTPUT": "memory:",
    })["OUTPUT"]
    dissolved = run_alg("native:dissolve", {"INPUT": buffered, "OUTPUT": "memory:"})["OUTPUT"]
    blind = run_alg("native:difference", {
        "INPUT": cells, "OVERLAY": dissolved, "OUTPUT": "memory:",
    })["OUTPUT"]
    return {str(f["cell_id"]): f.geometry().area() for f in blind.getFeatures()}
