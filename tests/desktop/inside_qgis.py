"""Runs INSIDE the real QGIS desktop (``qgis --code``): levergrid:analyse on given inputs.

Reads its job from the JSON file named by LEVER_GRID_JOB, writes the results JSON and a
screenshot, then quits QGIS. Every failure is written to the results JSON, never hidden.
"""

import json
import os
import traceback

from qgis.core import QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

JOB = json.loads(open(os.environ["LEVER_GRID_JOB"], encoding="utf-8").read())
RESULT: dict = {"steps": []}


def finish() -> None:
    try:
        iface.mapCanvas().refreshAllLayers()
        iface.mainWindow().grab().save(JOB["screenshot"])
        RESULT["screenshot"] = JOB["screenshot"]
    except Exception:  # noqa: BLE001 - report, never hide
        RESULT["error"] = RESULT.get("error", "") + traceback.format_exc()
    with open(JOB["result"], "w", encoding="utf-8") as fh:
        json.dump(RESULT, fh)
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, lambda: QgsApplication.exit(0))


def main() -> None:
    try:
        RESULT["plugin_loaded"] = "lever_grid" in plugins
        RESULT["providers"] = [p.id() for p in QgsApplication.processingRegistry().providers()]
        import shapely

        RESULT["geos_in_process"] = shapely.geos_version_string
        import processing

        RESULT["blind_m2"] = {}
        for run, params in JOB["runs"].items():
            res = processing.run("levergrid:analyse", params)
            RESULT.setdefault("outputs", {})[run] = {k: str(v) for k, v in res.items()}
            stats = QgsVectorLayer(f"{params['OUTPUT']}|layername=cell_stats", "cell_stats",
                                   "ogr")
            RESULT["blind_m2"][run] = {str(f["cell_id"]): f["blind_m2"]
                                       for f in stats.getFeatures()}
            RESULT["steps"].append(run)
        shown = JOB["runs"][JOB["show"]]["OUTPUT"]
        for name in ("cell_stats", "blind_spots", "camera_views"):
            layer = QgsVectorLayer(f"{shown}|layername={name}", name, "ogr")
            QgsProject.instance().addMapLayer(layer)
        iface.mapCanvas().setExtent(layer.extent())
        iface.mapCanvas().refresh()
    except Exception:  # noqa: BLE001
        RESULT["error"] = traceback.format_exc()
    QTimer.singleShot(int(JOB.get("settle_ms", 3000)), finish)


QTimer.singleShot(500, main)
