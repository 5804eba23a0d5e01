"""The "Lever Grid" dock: layers → grid cells → coverage and incidents → new camera sites →
edits → export.

Each step runs a ``levergrid:*`` Processing algorithm in the background (see
:mod:`.tasks`); a step whose algorithm is not registered is disabled with a tooltip
saying so. Results land in the "Lever Grid results" group with the bundled styles, and
the map tools (:mod:`.maptools`) edit cells and cameras with live coverage updates
(:mod:`.live`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFillSymbol,
    QgsLineSymbol,
    QgsMapLayerProxyModel,
    QgsMarkerSymbol,
    QgsProject,
    QgsSingleSymbolRenderer,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import (
    QgsCollapsibleGroupBox,
    QgsDockWidget,
    QgsFileWidget,
    QgsMapLayerComboBox,
    QgsScrollArea,
)
from qgis.PyQt.QtCore import Qt, QTimer, pyqtSignal
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...core.grid.repair_cells import TOLERANCE_M
from ...paths import resources_dir
from .common import KINDS, kind_labels, kind_short_labels, tr
from .flow import FlowBox, WrapLabel
from .styling import (
    is_result,
    load_results,
    result_layers,
    result_names,
    style_cameras,
)
from .tasks import AlgorithmRun, fill_parameters

__all__ = ["LeverGridDock", "STEPS"]

#: Buttons of the dock and the algorithm each one runs.
STEPS = {
    "build": "levergrid:buildcells",
    "validate": "levergrid:validatecells",
    "analyse": "levergrid:analyse",
    "site": "levergrid:sitecameras",
    "export": "levergrid:exportbriefing",
}

SAMPLE = resources_dir() / "sample" / "yangwu.gpkg"

#: Project entry (scope, key) remembering the results GeoPackage of a project.
RESULTS_ENTRY = ("lever_grid", "/results_gpkg")

#: Words that identify a layer's role from its name (English, Chinese).
ROLE_WORDS = {
    "roads": ("road", "street", "道路", "路网", "街道"),
    "boundary": ("boundary", "outline", "边界", "村界", "范围"),
    "cells": ("cell", "grid", "网格"),
    "cameras": ("camera", "cctv", "摄像", "视频", "监控", "探头"),
    "buildings": ("building", "建筑", "房屋"),
    "incidents": ("incident", "crime", "警情", "案件", "案事件"),
}


#: Geometry type of each role's layer.
_GEOMETRY = QgsWkbTypes.GeometryType
GEOMETRY = {"roads": _GEOMETRY.LineGeometry, "boundary": _GEOMETRY.PolygonGeometry,
            "cells": _GEOMETRY.PolygonGeometry, "cameras": _GEOMETRY.PointGeometry,
            "buildings": _GEOMETRY.PolygonGeometry, "incidents": _GEOMETRY.PointGeometry}


#: Below this dock width (px) every field goes under its label, so layer names, periods
#: and choices get the whole width instead of being cut.
NARROW = 420


def _form(box, forms: list) -> QFormLayout:
    """A form whose fields move under their labels when the dock is narrow."""
    form = QFormLayout(box)
    form.setContentsMargins(6, 6, 6, 6)
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
    forms.append(form)
    return form


def _wrapping(text: str = "") -> QLabel:
    return WrapLabel(text)


def _number(low: float, high: float, value: float, suffix: str, *,
            decimals: int | None = None, tip: str | None = None) -> QDoubleSpinBox:
    """A spin box for a measure: range, start value, unit suffix, optional tooltip."""
    box = QDoubleSpinBox()
    box.setRange(low, high)
    if decimals is not None:
        box.setDecimals(decimals)
    box.setValue(value)
    box.setSuffix(suffix)
    if tip:
        box.setToolTip(tip)
    return box


def _flow(widgets, stretch: bool = True) -> QWidget:
    """``widgets`` side by side, as many per row as fit."""
    return FlowBox(widgets, stretch=stretch)


class LeverGridDock(QgsDockWidget):
    """The dock panel. ``lookup(alg_id)`` finds algorithms (the Processing registry)."""

    #: Emitted when a step's run ends: (step, ok).
    stepFinished = pyqtSignal(str, bool)

    def __init__(self, iface, parent=None) -> None:
        super().__init__(tr("Lever Grid"), parent or iface.mainWindow())
        self.setObjectName("LeverGridDock")
        self.iface = iface
        self.canvas = iface.mapCanvas()
        self.project = QgsProject.instance()
        self.lookup = QgsApplication.processingRegistry().algorithmById
        self.run: AlgorithmRun | None = None
        self.step: str | None = None
        self.live = None
        self.last_analysis: str | None = None
        self.last_results: dict = {}
        self.tool = None
        self.log: list[str] = []
        # live updates are written to the GeoPackage when the edits pause
        self.commit_timer = QTimer(self)
        self.commit_timer.setSingleShot(True)
        self.commit_timer.setInterval(1500)
        self.commit_timer.timeout.connect(lambda: self.commit_results(stop=False))
        self._build()
        registry = QgsApplication.processingRegistry()
        registry.providerAdded.connect(self.refresh_steps)
        registry.providerRemoved.connect(self.refresh_steps)
        self.project.layersAdded.connect(self._guess_layers)
        self.project.layersWillBeRemoved.connect(self._layers_removed)
        for signal in (self.project.readProject, self.project.cleared,
                       self.project.homePathChanged):
            signal.connect(self._restore_results)
        self.refresh_steps()
        self._guess_layers()

    # ------------------------------------------------------------------ widgets
    def _combo(self, kind, optional: bool) -> QgsMapLayerComboBox:
        combo = QgsMapLayerComboBox()
        combo.setFilters(kind)
        combo.setAllowEmptyLayer(optional)
        if optional:
            combo.setLayer(None)
        return combo

    def _build(self) -> None:
        scroll = QgsScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        # narrow docks scroll sideways rather than cut widgets off
        scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        scroll.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.scroll = scroll
        self.forms: list[QFormLayout] = []
        body = QWidget()
        outer = QVBoxLayout(body)
        outer.setContentsMargins(4, 4, 4, 4)

        # 1. layers
        box = QgsCollapsibleGroupBox(tr("1. Layers"))
        form = _form(box, self.forms)
        LayerType = QgsMapLayerProxyModel.Filter
        self.combos = {
            "roads": self._combo(LayerType.LineLayer, False),
            "boundary": self._combo(LayerType.PolygonLayer, True),
            "cells": self._combo(LayerType.PolygonLayer, False),
            "cameras": self._combo(LayerType.PointLayer, False),
            "buildings": self._combo(LayerType.PolygonLayer, True),
            "incidents": self._combo(LayerType.PointLayer, True),
        }
        labels = {"roads": tr("Roads"), "boundary": tr("Boundary (optional)"),
                  "cells": tr("Grid cells"), "cameras": tr("Cameras"),
                  "buildings": tr("Buildings (optional)"),
                  "incidents": tr("Incidents (optional)")}
        for role, combo in self.combos.items():
            combo.setToolTip(self._role_help(role))
            form.addRow(labels[role], combo)
        self.sample_button = QPushButton(tr("Load the sample village"))
        self.sample_button.setToolTip(tr("Adds a copy of the bundled sample village: 58 roads, "
                                         "14 cells, cameras, buildings and incidents."))
        self.sample_button.clicked.connect(self.load_sample)
        form.addRow(self.sample_button)
        self.results = QgsFileWidget()
        self.results.setStorageMode(QgsFileWidget.StorageMode.SaveFile)
        self.results.setFilter(tr("GeoPackage (*.gpkg)"))
        self.results.setToolTip(tr("The analysis is written to this GeoPackage, built cells, "
                                   "cell problems and briefings beside it. Default: beside "
                                   "the project file. Remembered with the project."))
        self._restore_results()
        self.results.fileChanged.connect(self._results_chosen)
        form.addRow(tr("Results GeoPackage"), self.results)
        outer.addWidget(box)

        # 2. cells
        box = QgsCollapsibleGroupBox(tr("2. Grid cells"))
        form = _form(box, self.forms)
        self.count = QSpinBox()
        self.count.setRange(1, 1000)
        self.count.setValue(14)
        self.count.setToolTip(tr("How many grid cells to cut the village into."))
        form.addRow(tr("Number of cells"), self.count)
        self.balance = QComboBox()
        for key, label in (("road_length", tr("Road length")), ("incidents", tr("Incidents")),
                           ("area", tr("Area"))):
            self.balance.addItem(label, key)
        self.balance.setToolTip(tr("What every cell should have about equally."))
        form.addRow(tr("Balance by"), self.balance)
        self.build_button = QPushButton(tr("Build cells"))
        self.build_button.clicked.connect(self.build_cells)
        self.validate_button = QPushButton(tr("Validate cells"))
        self.validate_button.clicked.connect(self.validate_cells)
        form.addRow(_flow([self.build_button, self.validate_button]))
        self.repair = QCheckBox(tr("Repair onto roads"))
        self.repair.setToolTip(tr("Validate also snaps cell edges near roads onto them, "
                                  "closes gaps and removes overlaps, and loads the repaired "
                                  "cells."))
        self.repair_tolerance = _number(
            0.0, 100.0, TOLERANCE_M, " m", decimals=1,
            tip=tr("Cell edges within this distance of a road are snapped onto it."))
        self.repair_tolerance.setEnabled(False)
        self.repair.toggled.connect(self.repair_tolerance.setEnabled)
        form.addRow(_flow([self.repair, self.repair_tolerance]))
        outer.addWidget(box)

        # 3. analyse
        box = QgsCollapsibleGroupBox(tr("3. Coverage and incidents"))
        form = _form(box, self.forms)
        self.period = QLineEdit()
        self.period.setPlaceholderText("2025-01-01/2025-05-31")
        self.period.setToolTip(tr("e.g. 2025-01-01/2025-05-31; empty: this year so far"))
        form.addRow(tr("Current period"), self.period)
        self.compare = QLineEdit()
        self.compare.setToolTip(tr("empty: the same period a year earlier"))
        form.addRow(tr("Compare with"), self.compare)
        self.kinds = {}
        long_labels = kind_labels()
        for key, label in kind_short_labels().items():
            check = QCheckBox(label)
            check.setToolTip(long_labels[key])
            check.setChecked(True)
            self.kinds[key] = check
        form.addRow(QLabel(tr("Camera kinds")))
        form.addRow(_flow(self.kinds.values(), stretch=False))
        self.watch = QComboBox()
        self.watch.addItem(tr("Cells minus buildings"), "cells")
        self.watch.addItem(tr("Road corridor (8 m wide)"), "roads")
        self.watch.setToolTip(tr("The area that should be seen by cameras."))
        form.addRow(tr("Watch"), self.watch)
        self.min_blind = _number(0.0, 100000.0, 1.0, " m²")
        form.addRow(tr("Smallest blind spot"), self.min_blind)
        self.analyse_button = QPushButton(tr("Analyse coverage and incidents"))
        self.analyse_button.clicked.connect(self.analyse)
        form.addRow(self.analyse_button)
        self.summary = _wrapping()
        form.addRow(self.summary)
        outer.addWidget(box)

        # 4. new camera sites
        outer.addWidget(self._site_box())

        # 5. edit on the map
        box = QgsCollapsibleGroupBox(tr("5. Edit on the map"))
        form = _form(box, self.forms)
        self.tool_buttons = {}
        for key, label, icon, tip in (
            ("faces", tr("Road faces"), "/mActionAddPolygon.svg",
             tr("Click the faces between roads to add them to the active cell or remove "
                "them; right click a cell to make it active.")),
            ("draw", tr("Draw cell"), "/mActionCapturePolygon.svg",
             tr("Draw a new cell; corners snap to the roads. Right click finishes.")),
            ("camera", tr("Place camera"), "/mActionCapturePoint.svg",
             tr("Press at the camera, drag towards where it looks (drag length = range), "
                "release; then choose its kind.")),
        ):
            button = QToolButton()
            button.setText(label)
            button.setIcon(QgsApplication.getThemeIcon(icon))
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
            button.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
            button.setCheckable(True)
            button.setToolTip(tip)
            button.toggled.connect(lambda on, k=key: self.set_tool(k if on else None))
            self.tool_buttons[key] = button
        form.addRow(_flow(self.tool_buttons.values()))
        self.active_label = _wrapping(tr("Active cell: none (right click a cell)"))
        form.addRow(self.active_label)
        self.live_check = QCheckBox(tr("Update coverage after each edit"))
        self.live_check.setChecked(True)
        form.addRow(self.live_check)
        outer.addWidget(box)

        # 6. export
        box = QgsCollapsibleGroupBox(tr("6. Export"))
        form = _form(box, self.forms)
        self.export_button = QPushButton(tr("Export briefing"))
        self.export_button.clicked.connect(self.export)
        form.addRow(self.export_button)
        outer.addWidget(box)

        # status
        self.status = _wrapping(tr("Choose the layers, then run the steps in order."))
        outer.addWidget(self.status)
        row = QHBoxLayout()
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setValue(0)
        self.progress.setMinimumWidth(60)
        self.cancel_button = QPushButton(tr("Cancel"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)
        row.addWidget(self.progress, 1)
        row.addWidget(self.cancel_button)
        outer.addLayout(row)
        outer.addStretch(1)
        scroll.setWidget(body)
        self.setWidget(scroll)
        self.buttons = {"build": self.build_button, "validate": self.validate_button,
                        "analyse": self.analyse_button, "site": self.site_button,
                        "export": self.export_button}

    def _site_box(self) -> QgsCollapsibleGroupBox:
        """Step 4: where the next cameras should go (``levergrid:sitecameras``)."""
        box = QgsCollapsibleGroupBox(tr("4. New camera sites"))
        form = _form(box, self.forms)
        self.site_count = QSpinBox()
        self.site_count.setRange(1, 200)
        self.site_count.setValue(5)
        self.site_count.setToolTip(tr("How many new cameras to place; the existing cameras "
                                      "stay where they are."))
        form.addRow(tr("New cameras"), self.site_count)
        self.site_weight = QComboBox()
        for key, label in (("area", tr("Area")), ("roads", tr("Road length")),
                           ("incidents", tr("Incidents"))):
            self.site_weight.addItem(label, key)
        self.site_weight.setToolTip(tr("What a newly seen place is worth: square metres, "
                                       "metres of road or incidents of the current period."))
        form.addRow(tr("Worth"), self.site_weight)
        self.site_range = _number(0.0, 5000.0, 0.0, " m", decimals=0,
                                  tip=tr("Range of a new camera; default: 60 m."))
        self.site_range.setSpecialValueText(tr("default"))
        form.addRow(tr("Range"), self.site_range)
        self.site_fov = _number(1.0, 360.0, 360.0, " °", decimals=0,
                                tip=tr("Field of view; 360 for an omnidirectional camera."))
        form.addRow(tr("Field of view"), self.site_fov)
        self.site_button = QPushButton(tr("Site new cameras"))
        self.site_button.clicked.connect(self.site_cameras)
        form.addRow(self.site_button)
        return box

    def resizeEvent(self, event) -> None:  # noqa: N802 - Qt
        self._fit_forms(event.size().width())
        super().resizeEvent(event)

    def _fit_forms(self, width: int) -> None:
        """Labels above their fields when narrow, beside them when there is room."""
        policy = QFormLayout.RowWrapPolicy.WrapAllRows if width < NARROW else \
            QFormLayout.RowWrapPolicy.WrapLongRows
        for form in self.forms:
            if form.rowWrapPolicy() != policy:
                form.setRowWrapPolicy(policy)

    @staticmethod
    def _role_help(role: str) -> str:
        return {
            "roads": tr("Road centrelines (lines): cell edges, road length and coverage."),
            "boundary": tr("Village outline; empty: the area the roads enclose."),
            "cells": tr("Grid cells (polygons) with a cell_id field."),
            "cameras": tr("Camera points with camera_id and kind; optional status, range_m, "
                          "heading_deg, fov_deg."),
            "buildings": tr("Building footprints: they block camera views."),
            "incidents": tr("Incident points with occurred_at (date or date-time)."),
        }[role]

    # ------------------------------------------------------------------ results file
    def default_results(self) -> Path:
        """``<project>_lever_grid.gpkg`` beside the project file; for a project not saved
        yet, ``lever_grid/lever_grid.gpkg`` in the user's QGIS profile folder (a lasting
        place: QGIS treats files in the temporary folder as temporary layers)."""
        project_file = self.project.absoluteFilePath()
        if project_file:
            path = Path(project_file)
            return path.with_name(f"{path.stem}_lever_grid.gpkg")
        return Path(QgsApplication.qgisSettingsDirPath()) / "lever_grid" / "lever_grid.gpkg"

    def _restore_results(self, *_args) -> None:
        """Show the project's results GeoPackage (its entry, else the default)."""
        value, ok = self.project.readEntry(*RESULTS_ENTRY, "")
        path = self.project.readPath(value) if ok and value else str(self.default_results())
        self.results.blockSignals(True)
        self.results.setFilePath(path)
        self.results.blockSignals(False)

    def _results_chosen(self, path: str) -> None:
        """The user picked a results GeoPackage: remember it in the project."""
        if path.strip():
            self.project.writeEntry(*RESULTS_ENTRY, self.project.writePath(path.strip()))
        else:
            self.project.removeEntry(*RESULTS_ENTRY)
            self._restore_results()

    def results_path(self) -> Path:
        """The results GeoPackage (its folder is created)."""
        path = Path(self.results.filePath().strip() or self.default_results())
        if path.suffix.lower() != ".gpkg":
            path = path.with_name(path.name + ".gpkg")
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    def out_dir_path(self) -> Path:
        """The folder of the results GeoPackage: built cells, problems, briefings, the
        sample copy."""
        return self.results_path().parent

    # ------------------------------------------------------------------ state
    def layer(self, role: str) -> QgsVectorLayer | None:
        return self.combos[role].currentLayer()

    def set_layer(self, role: str, layer) -> None:
        self.combos[role].setLayer(layer)

    def refresh_steps(self, *_args) -> None:
        """Enable the steps whose algorithm is registered; explain the others."""
        busy = self.run is not None and self.run.is_running()
        for step, alg_id in STEPS.items():
            alg = self.lookup(alg_id)
            button = self.buttons[step]
            button.setEnabled(alg is not None and not busy)
            if alg is None:
                button.setToolTip(tr("Not available: the Processing algorithm {0} is not "
                                     "installed.").format(alg_id))
            else:
                button.setToolTip(tr("Runs {0} ({1}) in the background.").format(
                    alg.displayName(), alg_id))

    def showEvent(self, event) -> None:  # noqa: N802 - Qt
        self.refresh_steps()
        super().showEvent(event)

    def _guess_layers(self, *_args) -> None:
        """Pick layers for empty roles (or roles holding a layer of another role) by name."""
        layers = [lyr for lyr in self.project.mapLayers().values()
                  if isinstance(lyr, QgsVectorLayer) and not is_result(lyr)]

        def role_of(layer) -> str | None:
            name = layer.name().lower()
            for role, words in ROLE_WORDS.items():
                if any(w in name for w in words):
                    return role
            return None

        for role, combo in self.combos.items():
            current = combo.currentLayer()
            if current is not None and role_of(current) == role:
                continue
            for layer in layers:
                if role_of(layer) == role and layer.geometryType() == GEOMETRY[role]:
                    combo.setLayer(layer)
                    break
            else:
                if current is not None and role_of(current) not in (None, role) \
                        and combo.allowEmptyLayer():
                    combo.setLayer(None)
        excepted = list(result_layers(self.project).values())
        for combo in self.combos.values():
            combo.setExceptedLayerList(excepted)

    def _layers_removed(self, layer_ids) -> None:
        """Forget results and live updates that use layers leaving the project."""
        gone = set(layer_ids)
        self.last_results = {k: v for k, v in self.last_results.items() if v.id() not in gone}
        if self.live is not None:
            used = [lyr for lyr in (*self.live.inputs.values(), *self.live.results.values())
                    if lyr is not None]
            if any(lyr.id() in gone for lyr in used):
                self.live = None
        for attr in ("cells_layer", "roads_layer", "cameras_layer"):
            layer = getattr(self.tool, attr, None)
            if layer is not None and layer.id() in gone:
                self.tool_buttons_off()
                break

    def tool_buttons_off(self) -> None:
        for button in self.tool_buttons.values():
            button.setChecked(False)
        self.set_tool(None)

    def _stem(self, name: str) -> str:
        """``<results>_<name>``, numbered so no earlier output is overwritten."""
        stem = f"{self.results_path().stem}_{name}"
        out = self.out_dir_path()
        n, candidate = 1, stem
        while any(out.glob(f"{candidate}.*")) or (out / candidate).exists():
            n += 1
            candidate = f"{stem}_{n}"
        return candidate

    def say(self, text: str) -> None:
        self.status.setText(text)
        self.log.append(text)

    # ------------------------------------------------------------------ sample
    def load_sample(self) -> dict:
        """Add a writable copy of the bundled sample village and choose its layers."""
        target = self.out_dir_path() / "yangwu_sample.gpkg"
        if not target.exists():
            shutil.copyfile(SAMPLE, target)
        names = {"boundary": tr("Boundary"), "buildings": tr("Buildings"),
                 "cells": tr("Grid cells"), "roads": tr("Roads"),
                 "incidents": tr("Incidents"), "cameras": tr("Cameras")}
        root = self.project.layerTreeRoot()
        group = root.insertGroup(0, tr("Sample village (Yangwu)"))
        added = {}
        for role in ("cameras", "incidents", "roads", "cells", "buildings", "boundary"):
            layer = QgsVectorLayer(f"{target}|layername={role}", names[role], "ogr")
            if not layer.isValid():
                continue
            self._sample_style(role, layer)
            self.project.addMapLayer(layer, False)
            node = group.addLayer(layer)
            if role == "incidents":
                node.setItemVisibilityChecked(False)
            added[role] = layer
        for role, layer in added.items():
            self.set_layer(role, layer)
        if "cells" in added:
            self.canvas.setDestinationCrs(added["cells"].crs())
            self.canvas.setExtent(added["cells"].extent().buffered(60))
            self.canvas.refresh()
        self.say(tr("Sample village loaded from {0}.").format(target))
        return added

    @staticmethod
    def _sample_style(role: str, layer: QgsVectorLayer) -> None:
        if role == "cameras":
            style_cameras(layer)
            return
        symbol = {
            "roads": lambda: QgsLineSymbol.createSimple({"color": "#5a5a5a", "width": "0.7"}),
            "cells": lambda: QgsFillSymbol.createSimple(
                {"style": "no", "outline_color": "#202020", "outline_width": "0.6"}),
            "buildings": lambda: QgsFillSymbol.createSimple(
                {"color": "#cfcac4", "outline_color": "#9d968e", "outline_width": "0.1"}),
            "boundary": lambda: QgsFillSymbol.createSimple(
                {"style": "no", "outline_color": "#202020", "outline_width": "0.8",
                 "outline_style": "dash"}),
            "incidents": lambda: QgsMarkerSymbol.createSimple(
                {"name": "circle", "color": "#e31a1c", "size": "1.2",
                 "outline_style": "no"}),
        }[role]()
        layer.setRenderer(QgsSingleSymbolRenderer(symbol))

    # ------------------------------------------------------------------ steps
    def _known(self) -> dict:
        kinds = [k for k, check in self.kinds.items() if check.isChecked()]
        return {
            "ROADS": self.layer("roads"), "BOUNDARY": self.layer("boundary"),
            "CELLS": self.layer("cells"), "CAMERAS": self.layer("cameras"),
            "BUILDINGS": self.layer("buildings"), "INCIDENTS": self.layer("incidents"),
            "COUNT": self.count.value(), "BALANCE": self.balance.currentData(),
            "PERIOD": self.period.text().strip(), "COMPARE": self.compare.text().strip(),
            "KINDS": kinds if len(kinds) < len(KINDS) else None,
            "WATCH": self.watch.currentData(), "MIN_BLIND_AREA": self.min_blind.value(),
        }

    def start_step(self, step: str, known: dict, stem: str | None) -> AlgorithmRun | None:
        """Run the step's algorithm in the background with the parameters it accepts.

        Its output goes to the results GeoPackage (``stem`` None) or beside it, named
        ``<results>_<stem>``.
        """
        alg = self.lookup(STEPS[step])
        if alg is None or (self.run is not None and self.run.is_running()):
            return None
        stem = self.results_path().stem if stem is None else self._stem(stem)
        params, missing = fill_parameters(alg, known, self.out_dir_path(), stem)
        if missing:
            # parameters the dock does not know: let the user complete them
            from processing import execAlgorithmDialog

            execAlgorithmDialog(STEPS[step], params)
            return None
        if stem == self.results_path().stem:
            self._release(self.results_path())  # the run replaces it
        run = AlgorithmRun(alg, params, self.project, self)
        run.progress.connect(lambda v: self.progress.setValue(int(v)))
        run.message.connect(self._message)
        run.finished.connect(lambda ok, res, s=step: self._finished(s, ok, res))
        self.run, self.step = run, step
        self.progress.setValue(0)
        self.cancel_button.setEnabled(True)
        self.say(tr("{0}: running…").format(alg.displayName()))
        run.start()
        self.refresh_steps()
        return run

    def _message(self, text: str, error: bool) -> None:
        self.log.append(text)
        if error:
            self.status.setText(text)

    def cancel(self) -> None:
        if self.run is not None and self.run.is_running():
            self.say(tr("Cancelling…"))
            self.run.cancel()

    def _finished(self, step: str, ok: bool, results: dict) -> None:
        run = self.run
        self.cancel_button.setEnabled(False)
        self.progress.setValue(100 if ok else 0)
        try:
            if not ok:
                if step == "analyse" and not self.last_results and \
                        self.results_path().exists():  # the earlier results, still there
                    self.last_results = load_results(str(self.results_path()))
                if run is not None and run.feedback.isCanceled():
                    self.say(tr("Cancelled."))
                else:
                    error = run.error_text() if run is not None else ""
                    self.say(tr("Failed: {0}").format(error or tr("see the log")))
            else:
                getattr(self, f"_{step}_done")(results)
        finally:
            self.refresh_steps()
            self.stepFinished.emit(step, ok)

    def build_cells(self) -> AlgorithmRun | None:
        return self.start_step("build", self._known(), "cells")

    def _build_done(self, results: dict) -> None:
        out = results.get("OUTPUT")
        uri = results.get("CELLS") if isinstance(results.get("CELLS"), str) else \
            f"{out}|layername=cells"
        layer = self._use_cells(str(uri), tr("Grid cells (built)"))
        if layer is not None:
            self.say(tr("{0} cells built: {1}").format(layer.featureCount(), out))
        else:
            self.say(tr("Cells built: {0}").format(out))

    def _use_cells(self, uri: str, title: str) -> QgsVectorLayer | None:
        """Add the cells at ``uri`` to the project, outlined, as the dock's cells layer."""
        layer = QgsVectorLayer(uri, title, "ogr")
        if not layer.isValid():
            return None
        layer.setRenderer(QgsSingleSymbolRenderer(QgsFillSymbol.createSimple(
            {"style": "no", "outline_color": "#202020", "outline_width": "0.6"})))
        self.project.addMapLayer(layer)
        self.set_layer("cells", layer)
        return layer

    def validate_cells(self) -> AlgorithmRun | None:
        known = dict(self._known(), REPAIR=self.repair.isChecked(),
                     TOLERANCE=self.repair_tolerance.value())
        return self.start_step("validate", known, "problems")

    def _validate_done(self, results: dict) -> None:
        out = results.get("OUTPUT")
        repaired = bool(self.run is not None and self.run.parameters.get("REPAIR"))
        loaded = load_results(out, ("problems",)) if out else {}
        problems = loaded.get("problems")
        count = problems.featureCount() if problems is not None else 0
        found = tr("No problems found.") if count == 0 else \
            tr("{0} problems found; see the layer “{1}”.").format(
                count, result_names()["problems"])
        cells = self._use_cells(f"{out}|layername=cells", tr("Grid cells (repaired)")) \
            if out and repaired else None
        if cells is not None:
            found = tr("{0} cells repaired (changes are in the problems). {1}").format(
                cells.featureCount(), found)
        self.say(found)

    def analyse(self) -> AlgorithmRun | None:
        self.commit_results()
        known = self._known()
        self._pending = known
        return self.start_step("analyse", known, None)

    def _release(self, gpkg: Path) -> None:
        """Remove result layers read from ``gpkg`` (about to be replaced) from the project:
        an open file cannot be replaced on Windows."""
        old = [lyr.id() for lyr in result_layers(self.project).values()
               if Path(lyr.source().split("|")[0]) == gpkg]
        if old:
            self.project.removeMapLayers(old)

    def _analyse_done(self, results: dict) -> None:
        gpkg = results.get("OUTPUT")
        self.last_analysis = gpkg
        self.last_results = load_results(gpkg)
        known = getattr(self, "_pending", self._known())
        if known.get("CAMERAS") is not None:
            style_cameras(known["CAMERAS"])
        self._guess_layers()
        from .live import LiveCoverage

        self.live = LiveCoverage(
            {"cells": known["CELLS"], "cameras": known["CAMERAS"],
             "buildings": known["BUILDINGS"], "roads": known["ROADS"],
             "incidents": known["INCIDENTS"]},
            {"kinds": known["KINDS"], "watch": known["WATCH"],
             "min_blind_area": known["MIN_BLIND_AREA"], "period": known["PERIOD"],
             "compare": known["COMPARE"]},
            self.last_results)
        try:
            self.live.prepare()  # read and index once, so edits only recompute their cells
        except Exception as err:  # noqa: BLE001 - shown to the user, never hidden
            self.say(tr("Live update failed: {0}").format(err))
        self.summary.setText(self.summary_text())
        self.say(tr("Analysis written to {0}.").format(gpkg))
        self.canvas.refresh()

    def summary_text(self) -> str:
        stats = self.last_results.get("cell_stats")
        if stats is None:
            return ""
        watch = covered = blind = 0.0
        cur = prev = 0
        cells = 0
        for f in stats.getFeatures():
            cells += 1
            watch += f["watch_m2"] or 0.0
            covered += f["covered_m2"] or 0.0
            blind += f["blind_m2"] or 0.0
            cur += f["incidents_current"] or 0
            prev += f["incidents_previous"] or 0
        spots = self.last_results.get("blind_spots")
        n_spots = spots.featureCount() if spots is not None else 0
        share = 100.0 * covered / watch if watch else 0.0
        text = tr("{0} cells: cameras see {1:.1f} % of the watched area; {2} blind spots, "
                  "{3:,.0f} m² in all.").format(cells, share, n_spots, blind)
        if prev:
            text += " " + tr("Incidents {0} → {1} ({2:+.2f} % on the previous period).").format(
                prev, cur, 100.0 * (cur - prev) / prev)
        return text

    def export(self) -> AlgorithmRun | None:
        known = self._known()
        if self.last_analysis:
            for key in ("INPUT", "ANALYSIS", "GPKG", "ANALYSIS_GPKG"):
                known.setdefault(key, self.last_analysis)
        return self.start_step("export", known, "briefing")

    def site_known(self) -> dict:
        """The parameters of the siting step (its COUNT is cameras, not cells)."""
        known = self._known()
        known.update(COUNT=self.site_count.value(), WEIGHT=self.site_weight.currentData(),
                     RANGE=self.site_range.value() or None, FOV=self.site_fov.value())
        return known

    def site_cameras(self) -> AlgorithmRun | None:
        return self.start_step("site", self.site_known(), "sites")

    def _site_done(self, results: dict) -> None:
        out = results.get("OUTPUT")
        sites = load_results(out, ("sites",)).get("sites") if out else None
        if sites is None:
            self.say(tr("New camera sites: {0}").format(out))
            return
        gain = sum(f["gain_m2"] or 0.0 for f in sites.getFeatures())
        self.say(tr("{0} new camera sites; they see {1:,.0f} m² more: {2}").format(
            sites.featureCount(), gain, out))
        self.canvas.refresh()

    def _export_done(self, results: dict) -> None:
        paths = [str(v) for k, v in results.items() if isinstance(v, str) and k != "CELLS"]
        self.say(tr("Briefing exported: {0}").format(", ".join(sorted(set(paths)))))

    # ------------------------------------------------------------------ map tools
    def set_tool(self, key: str | None):
        """Activate map tool ``key`` (faces, draw, camera) or none."""
        for k, button in self.tool_buttons.items():
            if k != key and button.isChecked():
                button.blockSignals(True)
                button.setChecked(False)
                button.blockSignals(False)
        if self.tool is not None and self.canvas.mapTool() is self.tool:
            self.canvas.unsetMapTool(self.tool)
        self.tool = None
        if key is None:
            self.commit_results()
            return None
        tool = self._make_tool(key)
        if tool is None:
            button = self.tool_buttons[key]
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
            return None
        tool.message.connect(self.say)
        tool.deactivated.connect(lambda k=key: self._tool_off(k))
        if self.live is not None and self.live_check.isChecked():
            from .live import begin_results

            begin_results(self.last_results.values())  # not on the first edit's clock
        self.tool = tool
        self.canvas.setMapTool(tool)
        button = self.tool_buttons[key]
        if not button.isChecked():  # called from code: show which tool is on
            button.blockSignals(True)
            button.setChecked(True)
            button.blockSignals(False)
        return tool

    def _tool_off(self, key: str) -> None:
        """Our tool lost the canvas (e.g. the user picked Pan): reflect it in the dock."""
        QTimer.singleShot(0, lambda: self._after_tool_off(key))

    def _after_tool_off(self, key: str) -> None:
        button = self.tool_buttons[key]
        if self.tool is not None and self.canvas.mapTool() is self.tool:
            return
        if button.isChecked():
            button.blockSignals(True)
            button.setChecked(False)
            button.blockSignals(False)
        if not any(b.isChecked() for b in self.tool_buttons.values()):
            self.tool = None
            self.commit_results()

    def _make_tool(self, key: str):
        from .maptools import CameraTool, DrawCellTool, FaceTool

        cells, roads = self.layer("cells"), self.layer("roads")
        if key == "faces":
            if cells is None or roads is None:
                self.say(tr("Choose the roads and cells layers first."))
                return None
            tool = FaceTool(self.canvas, cells, roads, self.layer("boundary"))
            tool.cellsEdited.connect(self.cells_edited)
            tool.activeCellChanged.connect(
                lambda cid: self.active_label.setText(tr("Active cell: {0}").format(cid)))
            return tool
        if key == "draw":
            if cells is None:
                self.say(tr("Choose the cells layer first."))
                return None
            tool = DrawCellTool(self.canvas, cells, roads)
            tool.cellsEdited.connect(self.cells_edited)
            return tool
        cameras = self.layer("cameras")
        if cameras is None:
            self.say(tr("Choose the cameras layer first."))
            return None
        tool = CameraTool(self.canvas, cameras)
        tool.cameraAdded.connect(self.camera_added)
        return tool

    def _live_ready(self, role: str, layer) -> bool:
        return (self.live is not None and self.live_check.isChecked()
                and self.live.inputs.get(role) is layer)

    def cells_edited(self, cell_ids: list) -> dict | None:
        layer = getattr(self.tool, "cells_layer", None) or self.layer("cells")
        if not self._live_ready("cells", layer):
            return None
        return self._live(lambda: self.live.update_cells(cell_ids))

    def camera_added(self, camera_id) -> dict | None:
        if not self._live_ready("cameras", self.layer("cameras")):
            return None
        return self._live(lambda: self.live.update_cameras([camera_id]))

    def _live(self, update) -> dict | None:
        try:
            result = update()
        except Exception as err:  # noqa: BLE001 - shown to the user, never hidden
            self.say(tr("Live update failed: {0}").format(err))
            return None
        self.summary.setText(self.summary_text())
        self.say(tr("Coverage of cells {0} updated in {1:.2f} s.").format(
            ", ".join(result["cells"]) or "–", result["seconds"]))
        self.commit_timer.start()
        return result

    def commit_results(self, stop: bool = True) -> None:
        """Write pending live updates into the analysis GeoPackage (and, with ``stop``,
        close the result layers' edit sessions)."""
        from .live import commit_results

        self.commit_timer.stop()
        errors = commit_results(list(self.last_results.values()), stop)
        if errors:
            self.say(tr("Live update failed: {0}").format("; ".join(errors)))

    def unload(self) -> None:
        """Disconnect from QGIS before the plugin is unloaded."""
        self.set_tool(None)
        self.commit_results()
        registry = QgsApplication.processingRegistry()
        for signal, slot in ((registry.providerAdded, self.refresh_steps),
                             (registry.providerRemoved, self.refresh_steps),
                             (self.project.layersAdded, self._guess_layers),
                             (self.project.layersWillBeRemoved, self._layers_removed),
                             (self.project.readProject, self._restore_results),
                             (self.project.cleared, self._restore_results),
                             (self.project.homePathChanged, self._restore_results)):
            try:
                signal.disconnect(slot)
            except TypeError:
                pass
        if self.run is not None:
            self.run.cancel()

