"""Runs INSIDE the real QGIS desktop (``qgis --code``): levergrid:analyse on given inputs.

Reads its job from the JSON file named by LEVER_GRID_JOB, writes the results JSON and a
screenshot, then quits QGIS. Every failure is written to the results JSON, never hidden.

Always reported: whether the plugin loaded, the Processing providers, the message-bar
messages, QGIS's version. Optional job keys:

- ``install``: {"wheels": DIR} runs the plugin's Install dependencies… (no dialog) with
  that wheel folder and waits for it; reports ``install`` (ok, installed, message);
- ``runs``: {name: parameters} for levergrid:analyse; reports ``blind_m2`` and every
  ``cell_stats`` attribute per cell; ``show`` names the run whose layers are shown;
- ``open_dock``: open the Lever Grid dock through the plugin (``dock_visible``).
"""

import json
import os
import time
import traceback

from qgis.core import Qgis, QgsApplication, QgsProject, QgsVectorLayer
from qgis.PyQt.QtCore import QTimer
from qgis.utils import iface, plugins

JOB = json.loads(open(os.environ["LEVER_GRID_JOB"], encoding="utf-8").read())
RESULT: dict = {"steps": []}
STATE: dict = {}


def fail(where: str) -> None:
    RESULT["error"] = RESULT.get("error", "") + f"[{where}] " + traceback.format_exc()


def finish() -> None:
    if STATE.get("finished"):
        return
    STATE["finished"] = True
    try:
        RESULT["messages"] = messages()
        iface.mapCanvas().refreshAllLayers()
        QgsApplication.processEvents()
        if JOB.get("screenshot"):
            iface.mainWindow().grab().save(JOB["screenshot"])
            RESULT["screenshot"] = JOB["screenshot"]
    except Exception:  # noqa: BLE001 - report, never hide
        fail("finish")
    with open(JOB["result"], "w", encoding="utf-8") as fh:
        json.dump(RESULT, fh, ensure_ascii=False)
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, lambda: QgsApplication.exit(0))


def messages() -> list:
    """[title, text] of every message-bar item."""
    bar = iface.messageBar()
    items = bar.items() if hasattr(bar, "items") else []
    return [[item.title(), item.text()] for item in items]


def value(v):
    if hasattr(v, "isNull") and v.isNull():  # QVariant NULL
        return None
    return v if isinstance(v, int | float | str | None) else str(v)


def analyse() -> None:
    try:
        RESULT["providers"] = [p.id() for p in QgsApplication.processingRegistry().providers()]
        if not JOB.get("runs"):
            return
        import shapely

        RESULT["geos_in_process"] = shapely.geos_version_string
        import processing

        RESULT["blind_m2"], RESULT["cell_stats"] = {}, {}
        for run, params in JOB["runs"].items():
            res = processing.run("levergrid:analyse", params)
            RESULT.setdefault("outputs", {})[run] = {k: str(v) for k, v in res.items()}
            stats = QgsVectorLayer(f"{params['OUTPUT']}|layername=cell_stats", "cell_stats",
                                   "ogr")
            names = stats.fields().names()
            rows = {str(f["cell_id"]): {n: value(f[n]) for n in names}
                    for f in stats.getFeatures()}
            RESULT["cell_stats"][run] = rows
            RESULT["blind_m2"][run] = {k: r["blind_m2"] for k, r in rows.items()}
            RESULT["steps"].append(run)
        shown = JOB["runs"][JOB.get("show", next(iter(JOB["runs"])))]["OUTPUT"]
        for name in ("cell_stats", "blind_spots", "camera_views"):
            layer = QgsVectorLayer(f"{shown}|layername={name}", name, "ogr")
            QgsProject.instance().addMapLayer(layer)
        iface.mapCanvas().setExtent(layer.extent())
        iface.mapCanvas().refresh()
        if JOB.get("open_dock"):
            dock = plugins["lever_grid"].show_dock()
            QgsApplication.processEvents()
            RESULT["dock_visible"] = bool(dock is not None and dock.isVisible())
            RESULT["dock_title"] = dock.windowTitle() if dock is not None else None
    except Exception:  # noqa: BLE001
        fail("analyse")


def after_install() -> None:
    plugin = plugins["lever_grid"]
    if plugin.task is not None and time.monotonic() < STATE["install_deadline"]:
        QTimer.singleShot(500, after_install)
        return
    result = plugin.last_install
    RESULT["install"] = None if result is None else {
        "ok": result.ok, "installed": result.installed, "message": result.message,
        "log": result.log[-6000:]}
    RESULT["messages_after_install"] = messages()
    RESULT["activated"] = plugin.real is not None
    analyse()
    QTimer.singleShot(int(JOB.get("settle_ms", 3000)), finish)


def main() -> None:
    try:
        iface.mainWindow().resize(1440, 900)
        iface.mainWindow().move(0, 0)
        RESULT["qgis_version"] = Qgis.QGIS_VERSION
        RESULT["plugin_loaded"] = "lever_grid" in plugins
        RESULT["plugin_class"] = type(plugins["lever_grid"]).__name__ \
            if "lever_grid" in plugins else None
        RESULT["providers_at_start"] = [p.id() for p in
                                        QgsApplication.processingRegistry().providers()]
        RESULT["messages_at_start"] = messages()
        if JOB.get("install"):
            plugin = plugins["lever_grid"]
            RESULT["install_action"] = getattr(plugin, "action", None) is not None and \
                plugin.action.text()
            STATE["install_deadline"] = time.monotonic() + JOB["install"].get("timeout", 300)
            plugin.install_dependencies(wheel_dir=JOB["install"]["wheels"], interactive=False)
            QTimer.singleShot(500, after_install)
            return
        analyse()
    except Exception:  # noqa: BLE001
        fail("main")
    QTimer.singleShot(int(JOB.get("settle_ms", 3000)), finish)


QTimer.singleShot(500, main)
