"""Runs INSIDE the real QGIS desktop (``qgis --code``): the Lever Grid dock on the sample.

Opens the dock from the plugin, loads the sample village, clicks "Analyse", waits for the
background task, moves one face between two cells with the face tool (live update),
then sets the dock to each width of ``job["fit_widths"]`` (all steps expanded) and reports
every text that does not fit and every widget out of view without a scroll bar (see
:func:`fit`), with screenshots, and saves a screenshot of the main window and reports what
the dock shows (every text, which of them are not in the expected language, result layers,
which layers QGIS considers temporary). Reads its job from the JSON file named by
LEVER_GRID_JOB; every failure goes into the results JSON.
"""

import json
import os
import time
import traceback

from qgis.core import QgsApplication, QgsProject
from qgis.PyQt.QtCore import QPoint, QRect, Qt, QTimer
from qgis.PyQt.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QStyle,
    QStyleOptionComboBox,
    QWidget,
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


#: Widgets whose inner parts are QGIS's, not ours (their texts are not checked).
FOREIGN = ("QgsFileWidget", "QgsMapLayerComboBox", "QSpinBox",
           "QDoubleSpinBox", "QComboBox", "QLineEdit", "QgsFilterLineEdit", "QScrollBar")


def foreign(widget, top) -> bool:
    parent = widget.parentWidget()
    while parent is not None and parent is not top:
        if type(parent).__name__ in FOREIGN:
            return True
        parent = parent.parentWidget()
    return False


def describe(widget) -> str:
    text = widget.text() if hasattr(widget, "text") and callable(widget.text) else ""
    return f"{type(widget).__name__} {text!r}" if text else type(widget).__name__


def set_dock_width(dock, width: int) -> int:
    window = iface.mainWindow()
    window.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
    QgsApplication.processEvents()
    if abs(dock.width() - width) > 1:  # the dock area would not give it: float it
        dock.setFloating(True)
        dock.resize(width, 860)
        QgsApplication.processEvents()
    return dock.width()


def settle(dock) -> None:
    """Process events until no widget of the dock moves any more (layouts settle in
    several passes: wrapped labels and flowing rows change their heights)."""
    before = None
    for _ in range(50):
        QgsApplication.processEvents()
        now = [w.geometry().getRect() for w in dock.findChildren(QWidget)]
        if now == before:
            return
        before = now
        time.sleep(0.02)


def fit(dock, width: int) -> dict:
    """Set the dock to ``width`` px with every step expanded; list what does not fit.

    A text is cut when a non-wrapping label or a button/check box is narrower than its
    text (``fontMetrics().horizontalAdvance``, and the widget's own size hint), or a
    word-wrapped label is lower than the height its text needs at its width. A widget is
    out of view when it reaches beyond its parent (clipped, like a check box pushed out of
    the dock) or the scroll area's content is larger than the view without a scroll bar
    in that direction.
    """
    from qgis.gui import QgsCollapsibleGroupBox

    for box in dock.findChildren(QgsCollapsibleGroupBox):
        box.setCollapsed(False)
    got = set_dock_width(dock, width)
    settle(dock)
    scroll = dock.scroll
    body, view = scroll.widget(), scroll.viewport()
    hbar, vbar = scroll.horizontalScrollBar(), scroll.verticalScrollBar()
    cut, outside = [], []
    for widget in body.findChildren(QWidget):
        if not widget.isVisibleTo(body):
            continue
        parent = widget.parentWidget()
        if parent is not None and not parent.rect().contains(widget.geometry()):
            outside.append(f"{describe(widget)} at {widget.geometry().getRect()} beyond its "
                           f"parent {type(parent).__name__} {parent.rect().getRect()}")
        if foreign(widget, body):
            continue
        metrics = widget.fontMetrics()
        if isinstance(widget, QLabel) and widget.text():
            room = widget.contentsRect()
            if widget.wordWrap():
                need = widget.heightForWidth(room.width())
                if need > room.height() + 1:
                    cut.append(f"{describe(widget)}: needs {need} px high, has {room.height()}")
            else:
                need = max(metrics.horizontalAdvance(line) for line in widget.text().split("\n"))
                if need > room.width() - 2 * max(widget.margin(), 0):
                    cut.append(f"{describe(widget)}: needs {need} px, has {room.width()}")
        elif isinstance(widget, QAbstractButton) and widget.text():
            need = metrics.horizontalAdvance(widget.text())
            if need > widget.contentsRect().width() or \
                    widget.sizeHint().width() > widget.width() + 1:
                cut.append(f"{describe(widget)}: text {need} px, hint "
                           f"{widget.sizeHint().width()} px, has {widget.width()}")
        elif isinstance(widget, QComboBox) and widget.currentText():
            # the text field of the combo box (without the arrow), as the style draws it
            option = QStyleOptionComboBox()
            option.initFrom(widget)
            option.editable = widget.isEditable()
            option.currentText = widget.currentText()
            option.currentIcon = widget.itemIcon(widget.currentIndex())
            option.iconSize = widget.iconSize()
            field = widget.style().subControlRect(
                QStyle.ComplexControl.CC_ComboBox, option,
                QStyle.SubControl.SC_ComboBoxEditField, widget)
            need = metrics.horizontalAdvance(widget.currentText())
            if not option.currentIcon.isNull():
                need += widget.iconSize().width() + 4
            if need > field.width():
                cut.append(f"{describe(widget)} {widget.currentText()!r}: needs {need} px, "
                           f"has {field.width()}")
        elif isinstance(widget, QLineEdit) and not foreign(widget, body) and \
                (widget.text() or widget.placeholderText()):
            need = metrics.horizontalAdvance(widget.text() or widget.placeholderText())
            if need > widget.contentsRect().width() - 8:
                cut.append(f"QLineEdit {widget.text() or widget.placeholderText()!r}: needs "
                           f"{need} px, has {widget.contentsRect().width()}")
        elif isinstance(widget, QGroupBox) and widget.title():
            need = metrics.horizontalAdvance(widget.title())
            if need + 20 > widget.width():
                cut.append(f"group {widget.title()!r}: needs {need} px, has {widget.width()}")
    content = QRect(QPoint(0, 0), body.size())
    for bar, extra, name in ((hbar, content.width() - view.width(), "sideways"),
                             (vbar, content.height() - view.height(), "down")):
        if extra > 0 and bar.isVisible() and bar.maximum() < extra:
            outside.append(f"the scroll bar reaches {bar.maximum()} px {name}, the content "
                           f"needs {extra}")
    if content.width() > view.width() and not hbar.isVisible():
        outside.append(f"content {content.width()} px wide in a {view.width()} px view, "
                       "no horizontal scroll bar")
    if content.height() > view.height() and not vbar.isVisible():
        outside.append(f"content {content.height()} px high in a {view.height()} px view, "
                       "no vertical scroll bar")
    return {"width": got, "view": [view.width(), view.height()],
            "content": [content.width(), content.height()],
            "hbar": hbar.isVisible(), "vbar": vbar.isVisible(), "cut": cut,
            "outside": outside}


def fit_all(dock) -> None:
    from qgis.gui import QgsCollapsibleGroupBox

    boxes = dock.findChildren(QgsCollapsibleGroupBox)
    collapsed = [box.isCollapsed() for box in boxes]
    floating = dock.isFloating()
    RESULT["fit"] = {}
    for width in JOB.get("fit_widths", []):
        fit(dock, width)
        dock.scroll.verticalScrollBar().setValue(0)
        settle(dock)
        shot = JOB["fit_shot"].format(width=width)
        dock.grab().save(shot)
        dock.scroll.widget().grab().save(shot.replace(".png", "_full.png"))
        report = fit(dock, width)  # what the pictures show
        summary = dock.summary
        report["summary_label"] = [summary.geometry().getRect(),
                                   summary.heightForWidth(summary.contentsRect().width())]
        report["shot"] = shot
        RESULT["fit"][str(width)] = report
    if dock.isFloating() and not floating:
        dock.setFloating(False)
        iface.mainWindow().addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
    for box, was in zip(boxes, collapsed, strict=True):
        box.setCollapsed(was)
    set_dock_width(dock, 470)


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
            RESULT["results_gpkg"] = str(dock.results_path())
            RESULT["results_entry"] = list(QgsProject.instance().readEntry(
                "lever_grid", "/results_gpkg", ""))
            RESULT["temporary"] = [
                layer.name() for layer in QgsProject.instance().mapLayers().values()
                if hasattr(layer, "isTemporary") and layer.isTemporary()]
            RESULT["sources"] = sorted({layer.source().split("|")[0] for layer in
                                        QgsProject.instance().mapLayers().values()})
            fit_all(dock)
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
        window.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        window.resizeDocks([dock], [470], Qt.Orientation.Horizontal)
        RESULT["dock_visible"] = dock.isVisible()
        RESULT["action_checked"] = plugin.dock_action.isChecked()
        RESULT["steps_enabled"] = {k: b.isEnabled() for k, b in dock.buttons.items()}
        from lever_grid.qgis_plugin.gui.common import tr

        dock.tr_sample_group = tr("Sample village (Yangwu)")
        if JOB.get("results"):
            dock.results.setFilePath(JOB["results"])  # as if picked: remembered
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
