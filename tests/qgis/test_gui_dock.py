"""The Lever Grid dock driven like a user: clicks on its buttons, runs in the background."""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pyogrio
import pytest

from tests.conftest import ROOT, SAMPLE

pytestmark = pytest.mark.qgis

TS = ROOT / "resources" / "i18n" / "lever_grid_zh_CN.ts"


# ----------------------------------------------------------------------------- helpers
def wait_for(predicate, timeout: float = 60.0) -> float:
    """Process Qt events until ``predicate()``; returns the seconds it took."""
    from qgis.core import QgsApplication

    start = time.perf_counter()
    while not predicate():
        QgsApplication.processEvents()
        if time.perf_counter() - start > timeout:
            raise AssertionError("timed out waiting for the GUI")
        time.sleep(0.005)
    return time.perf_counter() - start


def click(widget) -> None:
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest

    QTest.mouseClick(widget, Qt.MouseButton.LeftButton)


def run_step(dock, button, timeout: float = 60.0) -> dict:
    """Click a step's button and wait for its background run; returns what happened."""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import QTimer

    done = {}
    ticks = [0]
    timer = QTimer()
    timer.timeout.connect(lambda: ticks.__setitem__(0, ticks[0] + 1))
    timer.start(10)

    def finished(step, ok):
        done.update(step=step, ok=ok)

    dock.stepFinished.connect(finished)
    try:
        click(button)
        assert dock.run is not None, dock.status.text()
        seconds = wait_for(lambda: "ok" in done, timeout)
    finally:
        dock.stepFinished.disconnect(finished)
        timer.stop()
    QgsApplication.processEvents()
    return dict(done, seconds=seconds, ticks=ticks[0])


@pytest.fixture
def out_dir(tmp_path):
    """The results GeoPackage's folder, chosen as the project's entry (as the dock
    remembers a GeoPackage the user picked)."""
    from qgis.core import QgsProject

    QgsProject.instance().writeEntry("lever_grid", "/results_gpkg",
                                     str(tmp_path / "out" / "lever_grid.gpkg"))
    yield tmp_path / "out"
    QgsProject.instance().removeEntry("lever_grid", "/results_gpkg")


@pytest.fixture
def dock(qgis_iface, qgis_new_project, levergrid, out_dir):
    from lever_grid.qgis_plugin.gui.dock import LeverGridDock

    widget = LeverGridDock(qgis_iface)
    widget.show()
    yield widget
    widget.unload()
    widget.close()
    widget.deleteLater()
    qgis_new_project.clear()


def visible_texts(widget) -> list[str]:
    """Every text a user reads in ``widget``: labels, buttons, group titles, items."""
    from qgis.PyQt.QtWidgets import (
        QAbstractButton,
        QComboBox,
        QDockWidget,
        QGroupBox,
        QLabel,
        QLineEdit,
    )

    def ours(child) -> bool:
        """Not part of a QGIS compound widget (those strings come from QGIS's own .qm)."""
        parent = child.parentWidget()
        while parent is not None and parent is not widget:
            if type(parent).__name__ in ("QgsFileWidget", "QgsMapLayerComboBox"):
                return False
            parent = parent.parentWidget()
        return True

    texts = []
    if isinstance(widget, QDockWidget):
        texts.append(widget.windowTitle())
    for child in filter(ours, widget.findChildren(QLabel)):
        texts.append(child.text())
    for child in filter(ours, widget.findChildren(QAbstractButton)):
        texts += [child.text(), child.toolTip()]
    for child in filter(ours, widget.findChildren(QGroupBox)):
        texts.append(child.title())
    for child in filter(ours, widget.findChildren(QLineEdit)):
        texts.append(child.placeholderText())
    for child in filter(ours, widget.findChildren(QComboBox)):
        if type(child).__name__ == "QComboBox":
            texts += [child.itemText(i) for i in range(child.count())]
    return [t for t in texts if t and any(c.isalpha() for c in t)]


def has_chinese(text: str) -> bool:
    return any("\u4e00" <= c <= "\u9fff" for c in text)


# ----------------------------------------------------------------------------- tests
def test_steps_follow_the_processing_registry(dock):
    from qgis.core import QgsApplication

    from lever_grid.qgis_plugin.gui.dock import STEPS

    registry = QgsApplication.processingRegistry()
    assert registry.algorithmById("levergrid:analyse") is not None
    for step, alg_id in STEPS.items():
        button = dock.buttons[step]
        registered = registry.algorithmById(alg_id) is not None
        assert button.isEnabled() == registered, step
        assert (alg_id in button.toolTip()), button.toolTip()
        if not registered:
            assert "not" in button.toolTip().lower()
    dock.lookup = lambda alg_id: None
    dock.refresh_steps()
    assert not any(b.isEnabled() for b in dock.buttons.values())


def test_sample_then_analysis_in_the_background(dock, out_dir):
    from qgis.core import QgsProject

    from lever_grid.qgis_plugin.gui.styling import result_layers, results_group

    click(dock.sample_button)
    for role, count in (("roads", 58), ("cells", 14), ("cameras", 60), ("buildings", 522),
                        ("incidents", 784)):
        assert dock.layer(role) is not None, role
        assert dock.layer(role).featureCount() == count, role
    assert dock.layer("boundary").featureCount() == 1
    assert (out_dir / "yangwu_sample.gpkg").exists()  # edits never touch the bundled sample

    dock.kinds["enterprise"].setChecked(False)
    dock.period.setText("2025-01-01/2025-05-31")
    run = run_step(dock, dock.analyse_button)
    assert run["ok"], dock.log
    # the event loop kept running while the core worked in the task
    assert run["ticks"] >= 3, run

    params = dock.run.parameters
    assert params["KINDS"] == [0, 1, 2, 3] and params["PERIOD"] == "2025-01-01/2025-05-31"
    gpkg = dock.last_analysis
    group = results_group(create=False)
    assert group is not None
    names = [node.layer().customProperty("lever_grid/result") for node in group.findLayers()]
    assert names == ["blind_spots", "overlap", "camera_views", "cell_stats", "office_stats"]
    layers = result_layers(QgsProject.instance())
    for name in ("blind_spots", "overlap", "camera_views", "cell_stats"):
        expected = len(pyogrio.read_dataframe(gpkg, layer=name))
        assert layers[name].featureCount() == expected > 0, name
    assert layers["cell_stats"].featureCount() == 14
    assert layers["cell_stats"].renderer().type() == "graduatedSymbol"
    assert layers["blind_spots"].renderer().type() == "singleSymbol"
    assert layers["camera_views"].renderer().type() == "categorizedSymbol"
    kinds = {f["kind"] for f in layers["camera_views"].getFeatures()}
    assert "enterprise" not in kinds
    assert dock.layer("cameras").renderer().type() == "categorizedSymbol"
    # results are not offered as inputs
    assert layers["cell_stats"] in dock.combos["cells"].exceptedLayerList()
    assert "14" in dock.summary.text() and "%" in dock.summary.text()

    assert gpkg == str(out_dir / "lever_grid.gpkg")  # the project's results GeoPackage
    assert {Path(lyr.source().split("|")[0]) for lyr in layers.values()} == {Path(gpkg)}

    # a second run replaces the results (the same GeoPackage) instead of piling them up
    before = Path(gpkg).stat().st_ino, Path(gpkg).stat().st_mtime_ns
    run = run_step(dock, dock.analyse_button)
    assert run["ok"]
    assert len(results_group(create=False).findLayers()) == 5
    assert dock.last_analysis == gpkg
    assert (Path(gpkg).stat().st_ino, Path(gpkg).stat().st_mtime_ns) != before
    assert sorted(p.name for p in out_dir.glob("*.gpkg")) == ["lever_grid.gpkg",
                                                             "yangwu_sample.gpkg"]


def test_cancel_stops_the_run(dock):
    dock.load_sample()
    done = {}
    dock.stepFinished.connect(lambda step, ok: done.update(ok=ok))
    dock.analyse()
    assert dock.cancel_button.isEnabled()
    click(dock.cancel_button)
    wait_for(lambda: "ok" in done)
    assert done["ok"] is False
    assert dock.status.text() == "Cancelled."
    assert dock.analyse_button.isEnabled() and not dock.cancel_button.isEnabled()


def test_bad_period_is_reported(dock):
    dock.load_sample()
    dock.period.setText("2025-13-01/2025-05-31")
    run = run_step(dock, dock.analyse_button)
    assert run["ok"] is False
    assert "Failed" in dock.status.text() and "PERIOD" in dock.status.text()


def test_a_new_step_algorithm_is_used_when_registered(dock, tmp_path):
    """A stand-in for levergrid:buildcells: the dock fills its parameters and loads its
    cells; the enum BALANCE is matched by option name."""
    from qgis.core import (
        QgsProcessingAlgorithm,
        QgsProcessingOutputVectorLayer,
        QgsProcessingParameterEnum,
        QgsProcessingParameterFeatureSource,
        QgsProcessingParameterFileDestination,
        QgsProcessingParameterNumber,
    )

    seen = {}

    class FakeBuild(QgsProcessingAlgorithm):
        def createInstance(self):
            return FakeBuild()

        def name(self):
            return "buildcells"

        def displayName(self):
            return "Build cells (test)"

        def initAlgorithm(self, config=None):
            self.addParameter(QgsProcessingParameterFeatureSource("ROADS", "Roads"))
            self.addParameter(QgsProcessingParameterFeatureSource("BOUNDARY", "B",
                                                                  optional=True))
            self.addParameter(QgsProcessingParameterNumber("COUNT", "N"))
            self.addParameter(QgsProcessingParameterEnum(
                "BALANCE", "Balance", ["road_length", "incidents", "area"]))
            self.addParameter(QgsProcessingParameterFileDestination(
                "OUTPUT", "Out", "GeoPackage (*.gpkg)"))
            self.addOutput(QgsProcessingOutputVectorLayer("CELLS", "cells"))

        def processAlgorithm(self, parameters, context, feedback):
            seen["count"] = self.parameterAsInt(parameters, "COUNT", context)
            seen["balance"] = self.parameterAsEnum(parameters, "BALANCE", context)
            seen["roads"] = self.parameterAsSource(parameters, "ROADS", context).featureCount()
            out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
            shutil.copyfile(SAMPLE, out)
            return {"OUTPUT": out, "CELLS": f"{out}|layername=cells"}

    fake = FakeBuild()
    fake.initAlgorithm()
    real = dock.lookup
    dock.lookup = lambda alg_id: fake if alg_id == "levergrid:buildcells" else real(alg_id)
    dock.refresh_steps()
    assert dock.build_button.isEnabled()
    dock.load_sample()
    dock.count.setValue(9)
    dock.balance.setCurrentIndex(dock.balance.findData("incidents"))
    run = run_step(dock, dock.build_button)
    assert run["ok"], dock.log
    assert seen == {"count": 9, "balance": 1, "roads": 58}
    assert dock.layer("cells").name() == "Grid cells (built)"
    assert dock.layer("cells").featureCount() == 14


# ----------------------------------------------------------------------------- zh_CN
@pytest.fixture
def zh_translator(tmp_path):
    from qgis.PyQt.QtCore import QCoreApplication

    from lever_grid.qgis_plugin.plugin import LeverGridPlugin

    assert shutil.which("lrelease"), "lrelease: .ci/install-system installs qttools5-dev-tools"
    qm = tmp_path / "lever_grid_zh_CN.qm"
    subprocess.run(["lrelease", "-silent", str(TS), "-qm", str(qm)], check=True)
    translator = LeverGridPlugin._load_translation("zh-Hans", tmp_path)
    assert translator is not None
    yield translator
    QCoreApplication.removeTranslator(translator)


def test_locale_from_qgis_settings(tmp_path):
    from qgis.core import QgsSettings
    from qgis.PyQt.QtCore import QLocale

    from lever_grid.qgis_plugin.plugin import qgis_locale, translation_file

    (tmp_path / "lever_grid_zh_CN.qm").write_bytes(b"")
    for name in ("zh_CN", "zh-Hans", "zh", "zh_SG", "zh_CN.UTF-8"):
        assert translation_file(name, tmp_path).name == "lever_grid_zh_CN.qm", name
    for name in ("en_US", "en", "de", "zh-Hant", "C"):
        assert translation_file(name, tmp_path) is None, name
    settings = QgsSettings()
    try:
        settings.setValue("locale/overrideFlag", True)
        settings.setValue("locale/userLocale", "zh-Hans")
        assert qgis_locale() == "zh-Hans"
        settings.setValue("locale/overrideFlag", False)
        assert qgis_locale() == QLocale.system().name()
    finally:
        settings.remove("locale/overrideFlag")
        settings.remove("locale/userLocale")


def test_dock_speaks_chinese(qgis_iface, qgis_new_project, levergrid, zh_translator, out_dir):
    from qgis.PyQt.QtCore import QCoreApplication

    from lever_grid.qgis_plugin.gui.dock import LeverGridDock
    from lever_grid.qgis_plugin.gui.styling import result_names

    assert QCoreApplication.translate("LeverGrid", "Lever Grid results") == "网格分析结果"
    dock = LeverGridDock(qgis_iface)
    try:
        texts = visible_texts(dock)
        assert len(texts) > 40
        english = [t for t in texts if not has_chinese(t)]
        assert english == [], english
        assert dock.windowTitle() == "Lever Grid 网格警务"
        assert result_names()["blind_spots"] == "盲区"
    finally:
        dock.unload()
        dock.deleteLater()


def test_plugin_action_shows_the_dock(qgis_iface, qgis_new_project, levergrid, monkeypatch):
    from lever_grid import classFactory

    qgis_iface.mainWindow().show()
    plugin = classFactory(qgis_iface)
    # the session already has the levergrid provider; do not register (and remove) a twin
    monkeypatch.setattr(plugin, "initProcessing", lambda: None)
    plugin.initGui()
    try:
        assert plugin.dock is not None and not plugin.dock.isVisible()
        assert plugin.dock_action.isCheckable()
        plugin.dock_action.trigger()
        assert plugin.dock.isVisible()
        plugin.dock.close()
        assert not plugin.dock_action.isChecked()
        assert plugin.show_dock().isVisible() and plugin.dock_action.isChecked()
        assert [a.text() for a in plugin.actions] == ["Lever Grid panel",
                                                      "Analyse camera coverage…"]
    finally:
        plugin.unload()
    assert plugin.dock is None and plugin.actions == []


def test_build_validate_analyse_export_with_the_real_algorithms(dock, out_dir):
    """The whole job through the dock's buttons. buildcells/validatecells are used from
    the registry when registered, else as instances (they are being wired in)."""
    from qgis.core import QgsApplication

    from lever_grid.qgis_plugin.gui.styling import result_layers
    from lever_grid.qgis_plugin.processing.buildcells import BuildCellsAlgorithm
    from lever_grid.qgis_plugin.processing.validatecells import ValidateCellsAlgorithm

    registry = QgsApplication.processingRegistry()
    local = {}
    for cls in (BuildCellsAlgorithm, ValidateCellsAlgorithm):
        alg = cls()
        alg.initAlgorithm()
        local[f"levergrid:{alg.name()}"] = alg
    dock.lookup = lambda alg_id: registry.algorithmById(alg_id) or local.get(alg_id)
    dock.refresh_steps()
    dock.load_sample()
    drawn = dock.layer("cells")

    assert run_step(dock, dock.build_button)["ok"], dock.log
    built = dock.layer("cells")
    assert built is not drawn and built.featureCount() == 14
    assert dock.run.parameters["COUNT"] == 14 and dock.run.parameters["BALANCE"] == 0

    assert run_step(dock, dock.validate_button)["ok"], dock.log
    assert dock.run.parameters["CELLS"] is built
    problems = result_layers()["problems"]
    if problems.featureCount():
        assert problems.renderer().type() == "singleSymbol"  # resources/styles/problems.qml
    assert ("No problems found." in dock.status.text()) == (problems.featureCount() == 0)

    assert run_step(dock, dock.analyse_button)["ok"], dock.log
    assert run_step(dock, dock.export_button, timeout=120)["ok"], dock.log
    params = dock.run.parameters
    assert params["INPUT"] == dock.last_analysis
    assert "INCIDENTS" not in params  # a layer is not a value of the enum INCIDENTS
    folder = params["OUTPUT"]
    for name in ("briefing_map.png", "briefing_map.pdf", "briefing.geojson", "summary.html"):
        assert (out_dir / folder.split("/")[-1] / name).exists(), name
    assert "briefing" in dock.status.text()


def test_validate_with_repair_loads_the_repaired_cells(dock):
    """"Repair onto roads" sets REPAIR/TOLERANCE of validatecells and the repaired cells
    replace the drawn ones in the dock; they no longer overlap (sum of the areas equals
    the area of their union, by QGIS' own geometry engine)."""
    from qgis.core import QgsApplication, QgsGeometry

    from lever_grid.qgis_plugin.processing.validatecells import ValidateCellsAlgorithm

    alg = ValidateCellsAlgorithm()
    alg.initAlgorithm()
    registry = QgsApplication.processingRegistry()
    dock.lookup = lambda alg_id: registry.algorithmById(alg_id) or \
        (alg if alg_id == "levergrid:validatecells" else None)
    dock.refresh_steps()
    dock.load_sample()
    drawn = dock.layer("cells")
    assert not dock.repair_tolerance.isEnabled()
    dock.repair.setChecked(True)
    assert dock.repair_tolerance.isEnabled()
    dock.repair_tolerance.setValue(2.5)

    assert run_step(dock, dock.validate_button)["ok"], dock.log
    assert dock.run.parameters["REPAIR"] is True and dock.run.parameters["TOLERANCE"] == 2.5
    repaired = dock.layer("cells")
    assert repaired is not drawn and repaired.featureCount() == drawn.featureCount()
    assert "layername=cells" in repaired.source()
    geoms = [f.geometry() for f in repaired.getFeatures()]
    union = QgsGeometry.unaryUnion(geoms)
    assert abs(sum(g.area() for g in geoms) - union.area()) < 1e-6 * union.area()
    assert "cells repaired" in dock.status.text()


def test_results_geopackage_beside_the_project_and_remembered(qgis_iface, qgis_new_project,
                                                               levergrid, tmp_path):
    """Results never go to the temporary folder: beside the project file, in the profile
    folder while the project has none; a GeoPackage the user picks is kept in the project
    (relative to it) and comes back when the project is opened again."""
    from qgis.core import QgsApplication, QgsProject

    from lever_grid.qgis_plugin.gui.dock import LeverGridDock

    project = QgsProject.instance()
    dock = LeverGridDock(qgis_iface)
    try:
        profile = Path(QgsApplication.qgisSettingsDirPath())
        assert dock.results_path() == profile / "lever_grid" / "lever_grid.gpkg"
        project.setFileName(str(tmp_path / "village.qgz"))
        assert dock.results_path() == tmp_path / "village_lever_grid.gpkg"
        assert dock.out_dir_path() == tmp_path
        assert dock._stem("cells") == "village_lever_grid_cells"
        (tmp_path / "village_lever_grid_cells.gpkg").write_bytes(b"")
        assert dock._stem("cells") == "village_lever_grid_cells_2"
        assert project.readEntry("lever_grid", "/results_gpkg", "")[1] is False  # default

        picked = tmp_path / "results" / "audit.gpkg"
        dock.results.setFilePath(str(picked))  # as the file dialog does
        entry, ok = project.readEntry("lever_grid", "/results_gpkg", "")
        assert ok and not entry.startswith("/") and "audit.gpkg" in entry, entry
        assert dock.results_path() == picked and picked.parent.is_dir()
        assert project.write()
        project.clear()
        assert Path(dock.results.filePath()) == profile / "lever_grid" / "lever_grid.gpkg"
        assert project.read(str(tmp_path / "village.qgz"))
        assert dock.results_path() == picked
    finally:
        dock.unload()
        dock.deleteLater()
        project.clear()


def test_site_step_gives_the_cores_sites(dock, out_dir):
    """The siting step (its own count, weight, range, fov) loads a styled sites layer
    whose sites and gains are those of ``site_cameras`` run in-process on the same data."""
    from qgis.core import QgsProject

    from lever_grid.core.action.siting import site_cameras
    from lever_grid.core.inputs.incidents import normalize_incidents
    from lever_grid.qgis_plugin.gui.styling import result_layers, style_path

    dock.load_sample()
    dock.site_count.setValue(3)
    dock.site_weight.setCurrentIndex(dock.site_weight.findData("area"))
    dock.site_range.setValue(50.0)
    dock.site_fov.setValue(360.0)
    run = run_step(dock, dock.site_button, timeout=120.0)
    assert run["ok"], dock.log
    params = dock.run.parameters
    assert (params["COUNT"], params["WEIGHT"], params["RANGE"], params["FOV"]) == \
        (3, 0, 50.0, 360.0)
    assert dock.count.value() == 14  # the cells' count is another spin box

    sites = result_layers(QgsProject.instance())["sites"]
    assert style_path("sites") is not None and sites.renderer().type() != "nullSymbol"
    assert Path(sites.source().split("|")[0]).name == "lever_grid_sites.gpkg"
    got = sorted((f["rank"], str(f["candidate_id"]), f["gain_m2"]) for f in sites.getFeatures())

    copy = out_dir / "yangwu_sample.gpkg"
    layer = {n: pyogrio.read_dataframe(copy, layer=n)
             for n in ("cells", "cameras", "roads", "buildings", "incidents")}
    expected = site_cameras(layer["cells"], layer["cameras"], 3, roads=layer["roads"],
                            buildings=layer["buildings"], range_m=50.0, fov_deg=360.0,
                            weight="area",
                            incidents=normalize_incidents(layer["incidents"]))["sites"]
    want = sorted(zip(expected["rank"], expected["candidate_id"].astype(str),
                      expected["gain_m2"], strict=True))
    assert len(got) == 3
    assert [g[:2] for g in got] == [w[:2] for w in want]
    assert [g[2] for g in got] == pytest.approx([w[2] for w in want], rel=1e-9)
    assert all(g[2] > 0 for g in got)
    assert "3" in dock.status.text() and "m²" in dock.status.text()
