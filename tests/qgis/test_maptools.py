"""Map tools driven by simulated mouse clicks on the canvas, with live coverage updates.

One village for the module: the sample is loaded and analysed through the dock, then
the tests edit it in turn (face moved between cells and back, a cell drawn snapped to
the roads, a freehand cell, cameras placed by drag and by click). Every live update is
checked against a full run of the core on the edited layers and timed (< 0.5 s).
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
import shapely

from tests.qgis.test_gui_dock import run_step

pytestmark = [pytest.mark.qgis,
              pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning")]

#: A ceiling, not the measurement: the 0.5 s target of a live update is measured on a quiet
#: machine (docs/qgis.md, 137-180 ms); a loaded 2-core CI runner must not make this flaky,
#: yet a live update that recomputed the whole village (several seconds) still fails.
LIVE_LIMIT_S = 1.5


# ----------------------------------------------------------------------------- helpers
def pixel(canvas, x: float, y: float):
    from qgis.core import QgsPointXY
    from qgis.PyQt.QtCore import QPoint

    p = canvas.getCoordinateTransform().transform(QgsPointXY(x, y))
    return QPoint(round(p.x()), round(p.y()))


def map_point(canvas, pos) -> tuple[float, float]:
    p = canvas.getCoordinateTransform().toMapCoordinates(pos)
    return p.x(), p.y()


def click_map(canvas, x: float, y: float, button=None) -> float:
    """A mouse click at map coordinates; returns the seconds the click took to handle."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest

    start = time.perf_counter()
    QTest.mouseClick(canvas.viewport(), button or Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, pixel(canvas, x, y))
    return time.perf_counter() - start


def drag(canvas, points, button=None):
    """Press at the first pixel, move through the others with the button held, release."""
    from qgis.PyQt.QtCore import QEvent, Qt
    from qgis.PyQt.QtGui import QMouseEvent
    from qgis.PyQt.QtTest import QTest
    from qgis.PyQt.QtWidgets import QApplication

    button = button or Qt.MouseButton.LeftButton
    view = canvas.viewport()
    QTest.mousePress(view, button, Qt.KeyboardModifier.NoModifier, points[0])
    for pos in points[1:]:
        QApplication.sendEvent(view, QMouseEvent(QEvent.Type.MouseMove, pos,
                                                 Qt.MouseButton.NoButton, button,
                                                 Qt.KeyboardModifier.NoModifier))
    start = time.perf_counter()
    QTest.mouseRelease(view, button, Qt.KeyboardModifier.NoModifier, points[-1])
    return time.perf_counter() - start


def geoms_by_cell(layer) -> dict:
    from lever_grid.qgis_plugin.gui.common import to_shapely

    return {f["cell_id"]: to_shapely(f.geometry()) for f in layer.getFeatures()}


def features(layer, field, value) -> list:
    return [f for f in layer.getFeatures() if str(f[field]) == str(value)]


def full_analysis(dock):
    """The core on the current (edited) layers, as the dock's analysis ran it."""
    from lever_grid.core.inputs.incidents import normalize_incidents
    from lever_grid.core.pipeline import analyse
    from lever_grid.qgis_plugin.convert import source_to_gdf

    def gdf(role):
        layer = dock.layer(role)
        return source_to_gdf(layer, layer.name(), role)

    return analyse(gdf("cells"), gdf("cameras"), buildings=gdf("buildings"), roads=gdf("roads"),
                   incidents=normalize_incidents(gdf("incidents")))


def check_cells_match_full_run(dock, cell_ids):
    """cell_stats, blind_spots and overlap of ``cell_ids`` equal a full core run."""
    full = full_analysis(dock)
    stats = full["cell_stats"].set_index(full["cell_stats"]["cell_id"].astype(str))
    layers = dock.last_results
    for cid in cell_ids:
        (feat,) = features(layers["cell_stats"], "cell_id", cid)
        row = stats.loc[str(cid)]
        for field in ("area_m2", "watch_m2", "covered_m2", "blind_m2", "road_length_m"):
            assert feat[field] == pytest.approx(row[field], rel=1e-6, abs=1e-6), (cid, field)
        for field in ("cameras", "incidents_current", "incidents_previous",
                      "incidents_in_blind"):
            assert feat[field] == row[field], (cid, field)
        spots = features(layers["blind_spots"], "cell_id", cid)
        expected = full["blind_spots"][full["blind_spots"]["cell_id"].astype(str) == str(cid)]
        assert len(spots) == len(expected), cid
        assert sum(f["area_m2"] for f in spots) == pytest.approx(row["blind_m2"], rel=1e-6)
        overlap = features(layers["overlap"], "cell_id", cid)
        expected = full["overlap"][full["overlap"]["cell_id"].astype(str) == str(cid)]
        assert sorted(f["n_cameras"] for f in overlap) == sorted(expected["n_cameras"])
    ids = [f["blind_id"] for f in layers["blind_spots"].getFeatures()]
    assert len(ids) == len(set(ids))  # new blind spots get fresh ids


# ----------------------------------------------------------------------------- fixture
@pytest.fixture(scope="module")
def village(qgis_iface, qgis_canvas, levergrid, tmp_path_factory):
    from qgis.core import QgsApplication, QgsProject

    from lever_grid.qgis_plugin.gui.dock import LeverGridDock

    QgsProject.instance().clear()
    out = tmp_path_factory.mktemp("maptools")
    QgsProject.instance().writeEntry("lever_grid", "/results_gpkg", str(out / "lever_grid.gpkg"))
    qgis_canvas.window().show()
    dock = LeverGridDock(qgis_iface)
    dock.load_sample()
    assert run_step(dock, dock.analyse_button)["ok"], dock.log
    assert dock.live is not None
    QgsApplication.processEvents()
    yield dock, qgis_canvas
    dock.set_tool(None)
    dock.unload()
    dock.deleteLater()
    for role in ("cells", "cameras"):
        layer = dock.layer(role)
        if layer is not None and layer.isEditable():
            layer.rollBack()
    QgsProject.instance().clear()


def zoom(canvas, geom, margin: float = 40.0) -> None:
    from qgis.core import QgsRectangle

    x0, y0, x1, y1 = shapely.bounds(geom)
    canvas.setExtent(QgsRectangle(x0 - margin, y0 - margin, x1 + margin, y1 + margin))
    canvas.refresh()


# ----------------------------------------------------------------------------- faces
def test_face_clicks_move_a_face_between_cells_and_back(village):
    from lever_grid.qgis_plugin.gui.maptools import FaceTool, road_faces

    dock, canvas = village
    cells_layer = dock.layer("cells")
    before = geoms_by_cell(cells_layer)
    stats_before = {f["cell_id"]: f["blind_m2"] for f in dock.last_results["cell_stats"].
                    getFeatures()}
    faces = road_faces(dock.layer("roads"), cells_layer, dock.layer("boundary"))
    owner = {}
    for i, face in enumerate(faces):
        overlap = {cid: shapely.area(shapely.intersection(g, face)) for cid, g in before.items()}
        owner[i] = max(overlap, key=overlap.get)
    count = {cid: sum(1 for o in owner.values() if o == cid) for cid in before}
    # a face of a cell with several faces, sharing an edge with another cell
    pick = next((i, owner[i], a) for i in range(len(faces)) if count[owner[i]] >= 2
                for a in sorted(before) if a != owner[i]
                and shapely.length(shapely.intersection(shapely.boundary(faces[i]),
                                                        shapely.boundary(before[a]))) > 10)
    i, donor, active = pick
    face = faces[i]

    zoom(canvas, shapely.union(before[active], face))
    dock.tool_buttons["faces"].click()
    assert isinstance(canvas.mapTool(), FaceTool)
    inside_active = shapely.point_on_surface(before[active])
    click_map(canvas, inside_active.x, inside_active.y, button=_right())
    assert canvas.mapTool().active == active
    assert str(active) in dock.active_label.text()

    probe = shapely.point_on_surface(face)
    seconds = click_map(canvas, probe.x, probe.y)
    after = geoms_by_cell(cells_layer)
    assert cells_layer.isEditable()  # edits go through the edit buffer (undoable)
    assert shapely.area(after[active]) == pytest.approx(
        shapely.area(before[active]) + shapely.area(face), rel=1e-9)
    assert shapely.area(after[donor]) == pytest.approx(
        shapely.area(before[donor]) - shapely.area(face), rel=1e-9)
    assert shapely.area(shapely.intersection(after[active], after[donor])) < 1e-6
    for cid in before:
        if cid not in (active, donor):
            assert shapely.equals(after[cid], before[cid])
    assert dock.live.last_seconds < LIVE_LIMIT_S
    assert seconds < LIVE_LIMIT_S, f"click to updated layers took {seconds:.3f} s"
    (stats,) = features(dock.last_results["cell_stats"], "cell_id", active)
    assert stats["area_m2"] == pytest.approx(shapely.area(after[active]), rel=1e-9)
    check_cells_match_full_run(dock, [active, donor])
    print(f"\nlive update after a face click: {dock.live.last_seconds * 1000:.0f} ms "
          f"(click handled in {seconds * 1000:.0f} ms)")

    # the same click again gives the face back ... to nobody: the active cell loses it
    click_map(canvas, probe.x, probe.y)
    again = geoms_by_cell(cells_layer)
    assert shapely.area(again[active]) == pytest.approx(shapely.area(before[active]), rel=1e-9)
    # the donor takes it back (right click makes it active, left click adds the face)
    inside_donor = shapely.point_on_surface(again[donor])
    click_map(canvas, inside_donor.x, inside_donor.y, button=_right())
    click_map(canvas, probe.x, probe.y)
    restored = geoms_by_cell(cells_layer)
    for cid in before:
        assert shapely.area(shapely.symmetric_difference(restored[cid], before[cid])) < 1e-6
    for f in dock.last_results["cell_stats"].getFeatures():
        assert f["blind_m2"] == pytest.approx(stats_before[f["cell_id"]], rel=1e-6)
    # undo is available for every click
    assert cells_layer.undoStack().count() >= 3
    dock.tool_buttons["faces"].click()
    assert canvas.mapTool() is None or not isinstance(canvas.mapTool(), FaceTool)


def _right():
    from qgis.PyQt.QtCore import Qt

    return Qt.MouseButton.RightButton


# ----------------------------------------------------------------------------- drawing
def test_drawn_cell_snaps_to_roads_and_takes_area_from_neighbours(village):
    from lever_grid.qgis_plugin.convert import source_to_gdf
    from lever_grid.qgis_plugin.gui.maptools import DrawCellTool

    dock, canvas = village
    cells_layer = dock.layer("cells")
    before = geoms_by_cell(cells_layer)
    roads = source_to_gdf(dock.layer("roads"), "roads", "roads")
    vertices = shapely.get_coordinates(roads.geometry.to_numpy())
    # four road vertices around the middle of the village, about 120 m apart
    centre = shapely.centroid(shapely.union_all(list(before.values())))
    corners = []
    for dx, dy in ((-60, -60), (60, -60), (60, 60), (-60, 60)):
        target = np.array([centre.x + dx, centre.y + dy])
        corners.append(vertices[np.argmin(np.hypot(*(vertices - target).T))])
    polygon = shapely.Polygon(corners)
    assert polygon.is_valid and polygon.area > 5000

    zoom(canvas, polygon, margin=30)
    dock.tool_buttons["draw"].click()
    tool = canvas.mapTool()
    assert isinstance(tool, DrawCellTool)
    from qgis.PyQt.QtCore import QPoint, Qt
    from qgis.PyQt.QtTest import QTest

    for x, y in corners:  # click 3 pixels off each road vertex: snapping puts it back
        pos = pixel(canvas, x, y) + QPoint(3, -2)
        QTest.mouseClick(canvas.viewport(), Qt.MouseButton.LeftButton,
                         Qt.KeyboardModifier.NoModifier, pos)
    assert len(tool.points) == 4
    for p, (x, y) in zip(tool.points, corners, strict=True):
        assert (p.x(), p.y()) == (x, y)
    start = time.perf_counter()
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.RightButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
    seconds = time.perf_counter() - start

    after = geoms_by_cell(cells_layer)
    new_ids = set(after) - set(before)
    assert new_ids == {15}
    drawn = after[15]
    assert shapely.area(shapely.symmetric_difference(drawn, polygon)) < 1e-6
    assert shapely.area(drawn) == pytest.approx(polygon.area, rel=1e-9)
    touched = [cid for cid, g in before.items() if shapely.area(g & polygon) > 1e-6]
    assert touched
    for cid, g in before.items():
        expected = shapely.area(g) - shapely.area(shapely.intersection(g, polygon))
        if expected > 1e-6:
            assert shapely.area(after[cid]) == pytest.approx(expected, rel=1e-9), cid
    total = sum(shapely.area(g) for g in after.values())
    assert total == pytest.approx(sum(shapely.area(g) for g in before.values()), rel=1e-9)
    assert dock.live.last_seconds < LIVE_LIMIT_S
    assert seconds < LIVE_LIMIT_S
    (stats,) = features(dock.last_results["cell_stats"], "cell_id", 15)
    assert stats["area_m2"] == pytest.approx(polygon.area, rel=1e-9)
    check_cells_match_full_run(dock, [15, *[c for c in touched if c in after]])
    print(f"\nlive update after drawing a cell over {len(touched)} cells: "
          f"{dock.live.last_seconds * 1000:.0f} ms")


def test_freehand_cell_streams_vertices(village):
    from qgis.PyQt.QtCore import QPoint, Qt
    from qgis.PyQt.QtTest import QTest

    dock, canvas = village
    dock.tool_buttons["draw"].setChecked(True)
    tool = canvas.mapTool()
    tool.snapper.setConfig(type(tool.snapper.config())())  # no snapping: a pure freehand line
    before = geoms_by_cell(dock.layer("cells"))
    path = [QPoint(100 + 4 * k, 100) for k in range(30)] + \
           [QPoint(220, 100 + 4 * k) for k in range(1, 30)]
    drag(canvas, path)
    assert len(tool.points) >= 25  # one vertex every 8 pixels of the stroke
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.RightButton,
                     Qt.KeyboardModifier.NoModifier, QPoint(5, 5))
    after = geoms_by_cell(dock.layer("cells"))
    (new,) = set(after) - set(before)
    corners = [map_point(canvas, QPoint(100, 100)), map_point(canvas, QPoint(220, 100)),
               map_point(canvas, QPoint(220, 216))]
    triangle = shapely.Polygon(corners)
    assert shapely.area(after[new]) == pytest.approx(triangle.area, rel=0.02)
    dock.tool_buttons["draw"].setChecked(False)


def test_freehand_cell_drawn_off_the_roads_is_repaired_onto_them(village):
    """A freehand stroke 2 m outside the roads around a block (no vertex snapping) ends
    up as the block: the road-bounded polygon, computed here with shapely.polygonize from
    the raw road lines, within 0.5 m (Hausdorff); the neighbours lose exactly its area."""
    from qgis.PyQt.QtCore import Qt
    from qgis.PyQt.QtTest import QTest

    from lever_grid.qgis_plugin.convert import source_to_gdf

    dock, canvas = village
    cells_layer = dock.layer("cells")
    before = geoms_by_cell(cells_layer)
    roads = source_to_gdf(dock.layer("roads"), "roads", "roads").geometry.to_numpy()
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(shapely.union_all(roads))))
    village_area = shapely.union_all(list(before.values()))
    roundish = shapely.area(faces) > 0.95 * shapely.area(shapely.convex_hull(faces))
    inside = shapely.area(shapely.difference(shapely.buffer(faces, 5.0), village_area)) < 1.0
    candidates = faces[roundish & inside]
    assert len(candidates)
    block = candidates[np.argmin(shapely.area(candidates))]  # the sample: 55 691 m²
    stroke = shapely.buffer(block, 2.0).exterior.segmentize(1.0)

    zoom(canvas, block, margin=30)
    dock.tool_buttons["draw"].setChecked(True)
    tool = canvas.mapTool()
    tool.snapper.setConfig(type(tool.snapper.config())())  # no vertex snapping: freehand
    path = [pixel(canvas, x, y) for x, y in shapely.get_coordinates(stroke)]
    path = [p for i, p in enumerate(path) if i == 0 or p != path[i - 1]]
    drag(canvas, path)
    assert tool.freehand and len(tool.points) > 20
    drawn = shapely.Polygon([(p.x(), p.y()) for p in tool.points])
    assert 1.5 < shapely.hausdorff_distance(drawn, block) < 2.6  # 2 m ± the pixels
    QTest.mouseClick(canvas.viewport(), Qt.MouseButton.RightButton,
                     Qt.KeyboardModifier.NoModifier, pixel(canvas, *block.centroid.coords[0]))
    dock.tool_buttons["draw"].setChecked(False)

    after = geoms_by_cell(cells_layer)
    (new,) = set(after) - set(before)
    cell = after[new]
    assert shapely.hausdorff_distance(cell, block) < 0.5
    assert shapely.area(cell) == pytest.approx(block.area, rel=1e-3)
    total = sum(shapely.area(g) for g in after.values())
    assert total == pytest.approx(sum(shapely.area(g) for g in before.values()), rel=1e-9)
    print(f"\nfreehand cell 2 m off the roads: Hausdorff to the block "
          f"{shapely.hausdorff_distance(cell, block):.3f} m (drawn: "
          f"{shapely.hausdorff_distance(drawn, block):.2f} m)")


# ----------------------------------------------------------------------------- cameras
def _open_spot(dock, radius: float):
    """A point on a road with no building within ``radius`` metres north of it."""
    from lever_grid.qgis_plugin.convert import source_to_gdf

    roads = source_to_gdf(dock.layer("roads"), "roads", "roads").geometry.to_numpy()
    buildings = source_to_gdf(dock.layer("buildings"), "b", "buildings").geometry.to_numpy()
    cells = shapely.union_all(list(geoms_by_cell(dock.layer("cells")).values()))
    tree = shapely.STRtree(buildings)
    for x, y in shapely.get_coordinates(roads):
        cone = shapely.buffer(shapely.Point(x, y), radius)
        if shapely.contains(cells, cone) and not len(tree.query(cone, predicate="intersects")):
            return x, y
    pytest.fail("no open spot in the sample (the committed sample changed?)")


def test_camera_placed_by_drag(village):
    from lever_grid.qgis_plugin.gui.maptools import CameraTool

    dock, canvas = village
    x, y = _open_spot(dock, 45.0)
    zoom(canvas, shapely.Point(x, y).buffer(80), margin=0)
    dock.tool_buttons["camera"].click()
    tool = canvas.mapTool()
    assert isinstance(tool, CameraTool)
    asked = {}

    def ask(**defaults):
        asked.update(defaults)
        return {"camera_id": defaults["camera_id"], "kind": "smart_eye",
                "heading_deg": defaults["heading"], "fov_deg": 90.0,
                "range_m": defaults["range_m"]}

    tool.ask = ask
    cameras = dock.layer("cameras")
    n = cameras.featureCount()
    start = pixel(canvas, x, y)
    mupp = canvas.mapUnitsPerPixel()
    end = start + type(start)(round(12 / mupp), -round(35 / mupp))  # north-north-east
    seconds = drag(canvas, [start, start + type(start)(3, -8), end])
    (sx, sy), (ex, ey) = map_point(canvas, start), map_point(canvas, end)
    heading = math.degrees(math.atan2(ex - sx, ey - sy)) % 360
    reach = math.hypot(ex - sx, ey - sy)
    assert asked["camera_id"] == "C061"
    assert asked["heading"] == pytest.approx(round(heading, 1))
    assert asked["range_m"] == pytest.approx(round(reach, 1))
    assert cameras.featureCount() == n + 1
    (feat,) = features(cameras, "camera_id", "C061")
    assert feat["kind"] == "smart_eye" and feat["fov_deg"] == 90.0
    assert feat["heading_deg"] == pytest.approx(round(heading, 1))
    assert (feat.geometry().asPoint().x(), feat.geometry().asPoint().y()) == (sx, sy)

    (view,) = features(dock.last_results["camera_views"], "camera_id", "C061")
    r = round(reach, 1)
    sector = 16 * 0.5 * r * r * math.sin(math.radians(90 / 16))  # 16 arc steps of 5.625°
    # by hand: 16 triangles; the core may snap vertices to a fine grid (< 0.1 %)
    assert view["area_m2"] == pytest.approx(sector, rel=1e-3)
    assert view.geometry().area() == pytest.approx(view["area_m2"], rel=1e-9)
    full = full_analysis(dock)["camera_views"]
    assert view["area_m2"] == pytest.approx(
        full.loc[full["camera_id"] == "C061", "area_m2"].iloc[0], rel=1e-9)
    assert dock.live.last_seconds < LIVE_LIMIT_S
    assert seconds < LIVE_LIMIT_S
    cell = next(cid for cid, g in geoms_by_cell(dock.layer("cells")).items()
                if shapely.contains(g, shapely.Point(sx, sy)))
    check_cells_match_full_run(dock, [cell])
    print(f"\nlive update after placing a camera: {dock.live.last_seconds * 1000:.0f} ms")


def test_camera_placed_by_click_is_omnidirectional(village):
    dock, canvas = village
    dock.tool_buttons["camera"].setChecked(True)
    tool = canvas.mapTool()
    asked = {}

    def ask(**defaults):
        asked.update(defaults)
        return {"camera_id": defaults["camera_id"], "kind": "public2", "heading_deg": None,
                "fov_deg": None, "range_m": None}

    tool.ask = ask
    x, y = _open_spot(dock, 10.0)
    click_map(canvas, x + 1.0, y + 1.0)
    assert asked["heading"] is None and asked["range_m"] is None
    (feat,) = features(dock.layer("cameras"), "camera_id", asked["camera_id"])
    assert feat["heading_deg"] is None or str(feat["heading_deg"]) == "NULL"
    full = full_analysis(dock)["camera_views"]
    (view,) = features(dock.last_results["camera_views"], "camera_id", asked["camera_id"])
    expected = full[full["camera_id"] == asked["camera_id"]]["area_m2"].iloc[0]
    assert view["area_m2"] == pytest.approx(expected, rel=1e-6)
    dock.tool_buttons["camera"].setChecked(False)


def test_camera_dialog_offers_the_five_kinds():
    from lever_grid.qgis_plugin.gui.maptools import CameraDialog

    dialog = CameraDialog(None, camera_id="C100", heading=45.0, range_m=33.0)
    assert dialog.kind.count() == 5
    labels = [dialog.kind.itemText(i) for i in range(5)]
    for chinese in ("一类", "二类", "慧眼", "社会", "企业"):
        assert any(chinese in label for label in labels), chinese
    assert dialog.values() == {"camera_id": "C100", "kind": "public1", "heading_deg": 45.0,
                               "fov_deg": 90.0, "range_m": 33.0}
    dialog.kind.setCurrentIndex(3)
    dialog.omni.setChecked(True)
    assert not dialog.heading.isEnabled()
    assert dialog.values()["heading_deg"] is None and dialog.values()["kind"] == "social"
    dialog.deleteLater()


def test_live_updates_are_written_to_the_geopackage(village):
    """Results stay in edit mode while an edit tool is on and are written to the
    GeoPackage when the user leaves the tool (here: picks QGIS's Pan tool)."""
    import pyogrio
    from qgis.core import QgsApplication
    from qgis.gui import QgsMapToolPan

    dock, canvas = village
    stats = dock.last_results["cell_stats"]
    dock.tool_buttons["faces"].setChecked(True)
    assert stats.isEditable()
    in_layer = {f["cell_id"]: f["blind_m2"] for f in stats.getFeatures()}
    pan = QgsMapToolPan(canvas)
    canvas.setMapTool(pan)
    QgsApplication.processEvents()
    assert not dock.tool_buttons["faces"].isChecked() and dock.tool is None
    assert not any(layer.isEditable() for layer in dock.last_results.values())
    on_disk = pyogrio.read_dataframe(dock.last_analysis, layer="cell_stats")
    assert len(on_disk) == len(in_layer) == 16  # 14 cells + two drawn ones
    for cid, blind in zip(on_disk["cell_id"], on_disk["blind_m2"], strict=True):
        assert blind == pytest.approx(in_layer[cid], rel=1e-9)
    views = pyogrio.read_dataframe(dock.last_analysis, layer="camera_views")
    assert {"C061", "C062"} <= set(views["camera_id"])
    canvas.unsetMapTool(pan)
