"""Runs INSIDE the real QGIS desktop (``qgis --code``): the Lever Grid dock on the sample.

Opens the dock from the plugin, loads the sample village, clicks "Analyse", waits for the
background task, moves one face between two cells with the face tool (live update),
then saves a screenshot of the main window and reports what the dock shows (every text,
which of them are not in the expected language, result layers). Reads its job from the
JSON file named by LEVER_GRID_JOB; every failure goes into the results JSON.
"""

import json
import os
import time
import traceback

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import Qt, QTimer
from qgis.PyQt.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
)
from qgis.utils import iface, plugins

JOB = json.loads(open(os.environ["LEVER_GRID_JOB"], encoding="utf-8").read())
RESULT: dict = {"steps": []}
STATE: dict = {}


def texts_of(dock) -> list:
    def ours(child):
        parent = child.parentWidget()
        while parent is not None and parent is not dock:
            if type(parent).__name__ in ("QgsFileWidget", "QgsMapLayerComboBox"):
                return False
            parent = parent.parentWidget()
        return True

    texts = [dock.windowTitle()]
    for child in filter(ours, dock.findChildren(QLabel)):
        texts.append(child.text())
    for child in filter(ours, dock.findChildren(QAbstractButton)):
        texts += [child.text(), child.toolTip()]
    for child in filter(ours, dock.findChildren(QGroupBox)):
        texts.append(child.title())
    for child in filter(ours, dock.findChildren(QLineEdit)):
        texts.append(child.placeholderText())
    for child in filter(ours, dock.findChildren(QComboBox)):
        if type(child).__name__ == "QComboBox":
            texts += [child.itemText(i) for i in range(child.count())]
    return [t for t in texts if t and any(c.isalpha() for c in t)]


def chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


def fail(where: str) -> None:
    RESULT["error"] = RESULT.get("error", "") + f"[{where}] " + traceback.format_exc()


def finish() -> None:
    if STATE.get("finished"):
        return
    STATE["finished"] = True
    try:
        dock = STATE.get("dock")
        if dock is not None:
            RESULT["texts"] = texts_of(dock)
            RESULT["status"] = dock.status.text()
            RESULT["summary"] = dock.summary.text()
        iface.mapCanvas().refreshAllLayers()
        QgsApplication.processEvents()
        iface.mainWindow().grab().save(JOB["screenshot"])
        RESULT["screenshot"] = JOB["screenshot"]
        if dock is not None:
            dock.set_tool(None)
            dock.commit_results()
            for role in ("cells", "cameras"):
                layer = dock.layer(role)
                if layer is not None and layer.isEditable():
                    layer.rollBack()
    except Exception:  # noqa: BLE001 - report, never hide
        fail("finish")
    with open(JOB["result"], "w", encoding="utf-8") as fh:
        json.dump(RESULT, fh, ensure_ascii=False)
    QgsProject.instance().clear()
    QgsProject.instance().setDirty(False)
    QTimer.singleShot(200, lambda: QgsApplication.exit(0))


def after_analysis(step: str, ok: bool) -> None:
    dock = STATE["dock"]
    try:
        RESULT["analysis_ok"] = ok
        RESULT["analysis_seconds"] = time.perf_counter() - STATE["start"]
        RESULT["log"] = dock.log[-20:]
        group = next(n for n in QgsProject.instance().layerTreeRoot().children()
                     if n.customProperty("lever_grid/group") == "results")
        RESULT["group"] = group.name()
        RESULT["layers"] = {n.layer().customProperty("lever_grid/result"):
                            [n.layer().name(), n.layer().featureCount(),
                             n.layer().renderer().type() if n.layer().isSpatial() else None]
                            for n in group.findLayers()}
        canvas = iface.mapCanvas()
        cells = dock.layer("cells")
        canvas.setExtent(cells.extent().buffered(40))
        sample = next(n for n in QgsProject.instance().layerTreeRoot().children()
                      if n.name() == dock.tr_sample_group)
        sample.setExpanded(False)
        # steps 1 and 2 are done: fold them so steps 3-5 and the status are in view
        from qgis.gui import QgsCollapsibleGroupBox

        for box in dock.findChildren(QgsCollapsibleGroupBox)[:2]:
            box.setCollapsed(True)
        # the face tool, as a user would pick it once the map is drawn
        tool = dock.set_tool("faces")
        tool.set_active_cell(JOB["edit"]["active"])
        RESULT["steps"].append("analysed")
    except Exception:  # noqa: BLE001
        fail("after_analysis")
        QTimer.singleShot(100, finish)
        return
    QTimer.singleShot(1500, edit)


def edit() -> None:
    """One live edit: the face tool moves a face from one cell into its neighbour."""
    dock = STATE["dock"]
    try:
        tool = dock.tool
        x, y = JOB["edit"]["face_point"]
        if JOB.get("profile"):
            import cProfile
            import io
            import pstats

            profile = cProfile.Profile()
            changed = profile.runcall(tool.toggle_face_at, x, y)
            text = io.StringIO()
            pstats.Stats(profile, stream=text).sort_stats("cumulative").print_stats(25)
            RESULT["profile"] = text.getvalue()
        else:
            start = time.perf_counter()
            changed = tool.toggle_face_at(x, y)
            RESULT["edit_seconds"] = time.perf_counter() - start
        RESULT["edited"] = [str(c) for c in changed]
        RESULT["live_seconds"] = dock.live.last_seconds if dock.live else None
        RESULT["live_timing"] = dock.live.last_timing if dock.live else None
        RESULT["steps"].append("edited")
    except Exception:  # noqa: BLE001
        fail("edit")
    QTimer.singleShot(int(JOB.get("settle_ms", 1500)), finish)


def main() -> None:
    try:
        window = iface.mainWindow()
        window.resize(1440, 900)
        window.move(0, 0)
        for dock_widget in window.findChildren(QDockWidget):
            if dock_widget.objectName() in ("Browser", "Browser2", "PythonConsole"):
                dock_widget.hide()
        RESULT["plugin_loaded"] = "lever_grid" in plugins
        plugin = plugins["lever_grid"]
        dock = plugin.show_dock()
        STATE["dock"] = dock
        window.addDockWidget(Qt.RightDockWidgetArea, dock)
        window.resizeDocks([dock], [470], Qt.Horizontal)
        RESULT["dock_visible"] = dock.isVisible()
        RESULT["action_checked"] = plugin.dock_action.isChecked()
        RESULT["steps_enabled"] = {k: b.isEnabled() for k, b in dock.buttons.items()}
        from lever_grid.qgis_plugin.gui.common import tr

        dock.tr_sample_group = tr("Sample village (Yangwu)")
        if JOB.get("out_dir"):
            dock.out_dir.setFilePath(JOB["out_dir"])
        dock.load_sample()
        RESULT["roles"] = {role: (dock.layer(role).name() if dock.layer(role) else None)
                           for role in dock.combos}
        dock.stepFinished.connect(after_analysis)
        STATE["start"] = time.perf_counter()
        dock.analyse_button.click()
        RESULT["steps"].append("started")
        if dock.run is None:
            RESULT["error"] = "analysis did not start: " + dock.status.text()
            QTimer.singleShot(100, finish)
    except Exception:  # noqa: BLE001
        fail("main")
        QTimer.singleShot(100, finish)


def watchdog() -> None:
    if not STATE.get("finished"):
        RESULT["error"] = RESULT.get("error", "") + "[watchdog] the job did not finish; " \
            f"steps: {RESULT['steps']}"
        finish()


QTimer.singleShot(1500, main)
QTimer.singleShot(int(JOB.get("watchdog_ms", 90000)), watchdog)
