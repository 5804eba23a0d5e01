"""Map tools: cells from the faces between roads, freehand cells snapped to roads, cameras.

Every tool edits its layer through the edit buffer (one undoable command per edit; the
layer is put in edit mode when needed and the user saves as usual) and then emits the ids
it changed, so the dock can update coverage and blind spots of just those cells.
"""

from __future__ import annotations

import math
import re

import numpy as np
import shapely
from qgis.core import (
    QgsDistanceArea,
    QgsFeature,
    QgsGeometry,
    QgsPointLocator,
    QgsPointXY,
    QgsProject,
    QgsSnappingConfig,
    QgsSnappingUtils,
    QgsTolerance,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsWkbTypes,
)
from qgis.gui import QgsMapTool, QgsRubberBand, QgsSnapIndicator
from qgis.PyQt.QtCore import Qt, pyqtSignal
from qgis.PyQt.QtGui import QColor
from qgis.PyQt.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLineEdit,
)

from ...core.crs import MetricFrame
from ...core.geometry import polygonal
from ...core.grid.repair_cells import TOLERANCE_M
from ...core.grid.roadnet import build_faces, repair_roads
from ...core.inputs.cameras import DEFAULT_RANGE_M, DEFAULT_SECTOR_FOV, KINDS
from ..convert import source_to_gdf
from .common import fit_to_layer, kind_labels, to_qgs, to_shapely, tr

__all__ = ["FaceTool", "DrawCellTool", "CameraTool", "CameraDialog", "road_faces",
           "heading_and_range"]

ACTIVE = QColor(255, 200, 0)
FACE = QColor(0, 120, 255)


def _clean(geom, min_area: float):
    """Polygonal parts of ``geom`` at least ``min_area`` large, unioned; None if nothing."""
    if geom is None or shapely.is_empty(geom):
        return None
    parts = shapely.get_parts(polygonal(np.array([shapely.make_valid(geom)], dtype=object)))
    parts = parts[shapely.area(parts) >= min_area]
    if len(parts) == 0:
        return None
    return parts[0] if len(parts) == 1 else shapely.union_all(parts)


def _cells(layer: QgsVectorLayer) -> dict:
    """fid -> (cell_id, shapely geometry) of every cell (the edit buffer included)."""
    return {f.id(): (f["cell_id"], to_shapely(f.geometry())) for f in layer.getFeatures()}


def _edit(layer: QgsVectorLayer, label: str, changes: dict, added=()) -> None:
    """Apply geometry changes (fid -> shapely or None = delete) and new features as one
    undoable edit command."""
    if not layer.isEditable():
        layer.startEditing()
    layer.beginEditCommand(label)
    for fid, geom in changes.items():
        if geom is None:
            layer.deleteFeature(fid)
        else:
            layer.changeGeometry(fid, fit_to_layer(to_qgs(geom), layer))
    for feature in added:
        layer.addFeature(feature)
    layer.endEditCommand()
    layer.triggerRepaint()


def _start_editing(layer: QgsVectorLayer) -> None:
    """Put the layer a tool edits in edit mode when the tool is chosen (as QGIS's own
    digitizing expects), so the first click does not wait for it."""
    if layer is not None and not layer.isEditable():
        layer.startEditing()


def next_cell_id(ids) -> object:
    """The next free cell id: max + 1 for numeric ids, otherwise a free number as text."""
    values = [v for v in ids if v is not None]
    try:
        numbers = [int(float(v)) for v in values]
        return max(numbers, default=0) + 1
    except (TypeError, ValueError):
        taken = {str(v) for v in values}
        n = len(values) + 1
        while str(n) in taken:
            n += 1
        return str(n)


def next_camera_id(ids) -> str:
    """``C061`` after ``C060``: same prefix and width as the existing ids."""
    best = None
    for value in ids:
        match = re.fullmatch(r"(.*?)(\d+)", str(value))
        if match and (best is None or int(match.group(2)) > best[1]):
            best = (match.group(1), int(match.group(2)), len(match.group(2)))
    if best is None:
        return f"C{len(list(ids)) + 1:03d}"
    prefix, number, width = best
    return f"{prefix}{number + 1:0{width}d}"


def road_faces(roads: QgsVectorLayer, cells: QgsVectorLayer | None = None,
               boundary: QgsVectorLayer | None = None, snap: float = 3.0) -> np.ndarray:
    """Faces between the roads, in the CRS of ``cells`` (or of the roads).

    The roads are repaired and polygonized with the core (as ``buildcells`` does), in
    metres. The area covered is the boundary layer when given, otherwise the union of the
    cells and of the faces the roads enclose, so faces outside every cell can be added.
    """
    road_gdf = source_to_gdf(roads, roads.name(), "roads")
    ref = source_to_gdf(cells, cells.name(), "cells") if cells is not None else road_gdf
    frame = MetricFrame.of(ref)
    metric = frame.crs
    lines = frame.forward(road_gdf).geometry.to_numpy()
    pieces, _ = repair_roads(lines, snap=snap)
    outline = None
    if boundary is not None:
        bnd = frame.forward(source_to_gdf(boundary, boundary.name(), "boundary"))
        outline = shapely.union_all(bnd.geometry.to_numpy())
    else:
        parts = [build_faces(pieces, None, snap=snap).outline]
        if cells is not None:
            parts.append(shapely.union_all(frame.forward(ref).geometry.to_numpy()))
        outline = shapely.union_all([p for p in parts if p is not None and not p.is_empty])
    faces = build_faces(pieces, outline, snap=snap).geoms
    import geopandas as gpd

    return frame.back(gpd.GeoDataFrame(geometry=faces, crs=metric)).geometry.to_numpy()


class FaceTool(QgsMapTool):
    """Click the faces between roads to build or edit the active cell.

    Left click on a face: if it belongs to the active cell it is removed from it,
    otherwise it is added (and taken from the cell that had it). Right click (or a left
    click while no cell is active) makes the cell under the cursor the active one.
    """

    cellsEdited = pyqtSignal(list)  # cell ids whose geometry changed
    activeCellChanged = pyqtSignal(object)
    message = pyqtSignal(str)

    def __init__(self, canvas, cells: QgsVectorLayer, roads: QgsVectorLayer,
                 boundary: QgsVectorLayer | None = None) -> None:
        super().__init__(canvas)
        self.cells_layer = cells
        self.roads_layer = roads
        self.boundary_layer = boundary
        self.active = None
        self._faces = None
        self._tree = None
        self.band = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
        self.band.setStrokeColor(ACTIVE)
        self.band.setFillColor(QColor(255, 200, 0, 40))
        self.band.setWidth(3)
        self.flash = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
        self.flash.setStrokeColor(FACE)
        self.flash.setFillColor(QColor(0, 120, 255, 60))
        self.flash.setWidth(2)
        self.setCursor(Qt.CursorShape.PointingHandCursor)

    def faces(self) -> np.ndarray:
        if self._faces is None:
            self._faces = road_faces(self.roads_layer, self.cells_layer, self.boundary_layer)
            self._tree = shapely.STRtree(self._faces)
        return self._faces

    def face_at(self, x: float, y: float):
        faces = self.faces()
        hits = self._tree.query(shapely.Point(x, y), predicate="intersects")
        return faces[int(hits[0])] if len(hits) else None

    def set_active_cell(self, cell_id) -> None:
        self.active = cell_id
        self._show_active()
        self.activeCellChanged.emit(cell_id)

    def _show_active(self) -> None:
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        for _, (cid, geom) in _cells(self.cells_layer).items():
            if self.active is not None and str(cid) == str(self.active) and geom is not None:
                self.band.setToGeometry(to_qgs(geom), self.cells_layer)

    def cell_at(self, x: float, y: float):
        point = shapely.Point(x, y)
        for _, (cid, geom) in _cells(self.cells_layer).items():
            if geom is not None and shapely.intersects(geom, point):
                return cid
        return None

    def canvasReleaseEvent(self, event) -> None:
        point = self.toLayerCoordinates(self.cells_layer, event.mapPoint())
        if event.button() == Qt.MouseButton.RightButton or self.active is None:
            cid = self.cell_at(point.x(), point.y())
            if cid is not None:
                self.set_active_cell(cid)
                self.message.emit(tr("Active cell: {0}").format(cid))
            return
        if event.button() == Qt.MouseButton.LeftButton:
            self.toggle_face_at(point.x(), point.y())

    def toggle_face_at(self, x: float, y: float) -> list:
        """Add the face at (x, y) (layer CRS) to the active cell or remove it from it."""
        with np.errstate(invalid="ignore"):  # GEOS flags empty overlays
            return self._toggle_face_at(x, y)

    def _toggle_face_at(self, x: float, y: float) -> list:
        face = self.face_at(x, y)
        if face is None:
            self.message.emit(tr("No face between roads here."))
            return []
        cells = _cells(self.cells_layer)
        active = [fid for fid, (cid, _) in cells.items() if str(cid) == str(self.active)]
        if not active:
            self.message.emit(tr("Choose the active cell first (right click on it)."))
            return []
        fid = active[0]
        geom = cells[fid][1]
        tiny = shapely.area(face) * 1e-6
        inside = geom is not None and shapely.area(shapely.intersection(geom, face)) > \
            0.5 * shapely.area(face)
        changes: dict = {}
        changed = [self.active]
        if inside:
            rest = _clean(shapely.difference(geom, face), tiny)
            if rest is None:
                self.message.emit(tr("A cell cannot lose its last face."))
                return []
            changes[fid] = rest
            label = tr("Remove a face from cell {0}").format(self.active)
        else:
            grown = face if geom is None else shapely.union(geom, face)
            changes[fid] = _clean(grown, tiny)
            for other, (cid, g) in cells.items():
                if other == fid or g is None:
                    continue
                if shapely.area(shapely.intersection(g, face)) > tiny:
                    changes[other] = _clean(shapely.difference(g, face), tiny)
                    changed.append(cid)
            label = tr("Add a face to cell {0}").format(self.active)
        _edit(self.cells_layer, label, changes)
        self.flash.setToGeometry(to_qgs(face), self.cells_layer)
        self._show_active()
        self.cellsEdited.emit(changed)
        return changed

    def deactivate(self) -> None:
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.flash.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        super().deactivate()

    def activate(self) -> None:
        super().activate()
        self.faces()  # polygonize the roads now, not on the first click
        _start_editing(self.cells_layer)
        self._show_active()


class DrawCellTool(QgsMapTool):
    """Draw a new cell: click vertices (or hold the button and draw freehand); vertices
    snap to the roads. Right click, double click or Enter finishes; Backspace removes the
    last vertex, Esc starts again. A freehand cell is repaired onto the roads
    (:func:`~lever_grid.core.grid.repair_cells.repair_new_cell`: edges within
    ``repair_tolerance`` metres of a road move onto it). The new cell takes its area from
    the cells it overlaps.
    """

    cellsEdited = pyqtSignal(list)
    message = pyqtSignal(str)

    #: Freehand: a vertex every this many pixels while the button is held.
    STREAM_PX = 8
    #: Snapping tolerance to the roads, in pixels.
    SNAP_PX = 12

    def __init__(self, canvas, cells: QgsVectorLayer, roads: QgsVectorLayer | None) -> None:
        super().__init__(canvas)
        self.cells_layer = cells
        self.roads_layer = roads
        self.take_from_neighbours = True
        #: Freehand edges within this many metres of a road are moved onto it (0: as drawn).
        self.repair_tolerance = TOLERANCE_M
        self.points: list[QgsPointXY] = []
        self.freehand = False
        self.pressed = False
        self._last_px = None
        self.band = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
        self.band.setStrokeColor(ACTIVE)
        self.band.setFillColor(QColor(255, 200, 0, 50))
        self.band.setWidth(2)
        self.indicator = QgsSnapIndicator(canvas)
        self.snapper = QgsSnappingUtils(self, True)
        self.snapper.setIndexingStrategy(QgsSnappingUtils.IndexingStrategy.IndexAlwaysFull)
        config = QgsSnappingConfig(QgsProject.instance())
        config.setEnabled(roads is not None)
        config.setMode(QgsSnappingConfig.SnappingMode.AdvancedConfiguration)
        if roads is not None:
            config.setIndividualLayerSettings(roads, QgsSnappingConfig.IndividualLayerSettings(
                True, QgsSnappingConfig.SnappingTypes.VertexFlag
                | QgsSnappingConfig.SnappingTypes.SegmentFlag,
                self.SNAP_PX, QgsTolerance.UnitType.Pixels, 0.0, 0.0))
        self.snapper.setConfig(config)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def snap(self, pos) -> tuple[QgsPointXY, bool]:
        """Map point for a pixel position, snapped to a road vertex or segment if near."""
        self.snapper.setMapSettings(self.canvas().mapSettings())
        match = self.snapper.snapToMap(pos)
        self.indicator.setMatch(match)
        if match.isValid():
            return QgsPointXY(match.point()), True
        return self.toMapCoordinates(pos), False

    def _redraw(self, hover: QgsPointXY | None = None) -> None:
        pts = list(self.points) + ([hover] if hover is not None else [])
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        for i, p in enumerate(pts):
            self.band.addPoint(p, i == len(pts) - 1)

    def activate(self) -> None:
        super().activate()
        _start_editing(self.cells_layer)

    def canvasPressEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        point, _ = self.snap(event.pos())
        self.points.append(point)
        self.pressed = True
        self._last_px = event.pos()
        self._redraw()

    def canvasMoveEvent(self, event) -> None:
        point, _ = self.snap(event.pos())
        if self.pressed and event.buttons() & Qt.MouseButton.LeftButton \
                and self._last_px is not None:
            d = event.pos() - self._last_px
            if math.hypot(d.x(), d.y()) >= self.STREAM_PX:
                self.points.append(point)
                self._last_px = event.pos()
                self.freehand = True
        self._redraw(point if self.points else None)

    def canvasReleaseEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.pressed = False
        elif event.button() == Qt.MouseButton.RightButton:
            self.finish()

    def canvasDoubleClickEvent(self, event) -> None:
        self.finish()

    def keyPressEvent(self, event) -> None:
        if event.key() == Qt.Key.Key_Escape:
            self.reset()
        elif event.key() in (Qt.Key.Key_Backspace, Qt.Key.Key_Delete) and self.points:
            self.points.pop()
            self._redraw()
        elif event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            self.finish()
        else:
            event.ignore()

    def reset(self) -> None:
        self.points.clear()
        self.pressed = False
        self.freehand = False
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)

    def finish(self) -> list:
        """Close the polygon and add it as a new cell; returns the changed cell ids."""
        pts = [self.toLayerCoordinates(self.cells_layer, p) for p in self.points]
        # drop consecutive duplicates (a click and the stream at the same spot)
        ring = [p for i, p in enumerate(pts) if i == 0 or p != pts[i - 1]]
        freehand = self.freehand
        self.reset()
        if len(ring) < 3:
            self.message.emit(tr("A cell needs at least three corners."))
            return []
        polygon = shapely.Polygon([(p.x(), p.y()) for p in ring])
        return self.add_cell(polygon, repair=freehand)

    def add_cell(self, polygon, repair: bool = False) -> list:
        """Add ``polygon`` (layer CRS) as a new cell, with ``repair`` first moved onto
        the roads; returns the changed cell ids."""
        with np.errstate(invalid="ignore"):  # GEOS flags empty overlays
            return self._add_cell(polygon, repair)

    def _repaired(self, polygon):
        """``polygon`` repaired onto the roads; as drawn if that fails."""
        from qgis.core import QgsProcessingException

        from ...core.errors import InputError
        from ...core.grid.repair_cells import repair_new_cell

        try:
            cells = source_to_gdf(self.cells_layer, self.cells_layer.name(), "cells")
            roads = source_to_gdf(self.roads_layer, self.roads_layer.name(), "roads")
            return _clean(repair_new_cell(polygon, cells, roads=roads,
                                          tolerance=self.repair_tolerance), 0.0)
        except (InputError, QgsProcessingException) as err:  # one line; keep the drawing
            self.message.emit(str(err))
            return polygon

    def _add_cell(self, polygon, repair: bool = False) -> list:
        polygon = _clean(polygon, 0.0)
        if polygon is not None and repair and self.roads_layer is not None \
                and self.repair_tolerance > 0:
            polygon = self._repaired(polygon)
        if polygon is None:
            self.message.emit(tr("The drawn cell has no area."))
            return []
        cells = _cells(self.cells_layer)
        tiny = shapely.area(polygon) * 1e-6
        changes: dict = {}
        changed = []
        if self.take_from_neighbours:
            for fid, (cid, geom) in cells.items():
                if geom is not None and shapely.area(shapely.intersection(geom, polygon)) > tiny:
                    changes[fid] = _clean(shapely.difference(geom, polygon), tiny)
                    changed.append(cid)
        new_id = next_cell_id(cid for cid, _ in cells.values())
        fields = self.cells_layer.fields()
        feature = QgsFeature(fields)
        if fields.indexOf("cell_id") >= 0:
            feature.setAttribute("cell_id", new_id)
        if fields.indexOf("locked") >= 0:
            feature.setAttribute("locked", 0)
        feature.setGeometry(fit_to_layer(to_qgs(polygon), self.cells_layer))
        _edit(self.cells_layer, tr("Draw cell {0}").format(new_id), changes, [feature])
        self.message.emit(tr("Cell {0} added.").format(new_id))
        changed.insert(0, new_id)
        self.cellsEdited.emit(changed)
        return changed

    def deactivate(self) -> None:
        self.reset()
        self.indicator.setMatch(QgsPointLocator.Match())
        super().deactivate()


def heading_and_range(start: QgsPointXY, end: QgsPointXY, crs, context=None
                      ) -> tuple[float, float]:
    """Heading (degrees clockwise from north) and distance in metres from start to end.

    Projected CRS: grid north and map units converted to metres (what the core uses);
    geographic CRS: on the ellipsoid.
    """
    if crs.isGeographic():
        area = QgsDistanceArea()
        area.setSourceCrs(crs, context or QgsProject.instance().transformContext())
        area.setEllipsoid(crs.ellipsoidAcronym() or "EPSG:7030")
        return math.degrees(area.bearing(start, end)) % 360.0, area.measureLine(start, end)
    factor = QgsUnitTypes.fromUnitToUnitFactor(crs.mapUnits(),
                                               QgsUnitTypes.DistanceUnit.DistanceMeters)
    dx, dy = end.x() - start.x(), end.y() - start.y()
    return math.degrees(math.atan2(dx, dy)) % 360.0, math.hypot(dx, dy) * factor


class CameraDialog(QDialog):
    """Kind (five kinds), field of view, heading, range and id of a new camera."""

    def __init__(self, parent=None, *, camera_id: str = "", heading: float | None = None,
                 range_m: float | None = None, kind: str = "public1") -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("New camera"))
        form = QFormLayout(self)
        self.camera_id = QLineEdit(camera_id)
        form.addRow(tr("Camera id"), self.camera_id)
        self.kind = QComboBox()
        for key, label in kind_labels().items():
            self.kind.addItem(label, key)
        self.kind.setCurrentIndex(max(self.kind.findData(kind), 0))
        form.addRow(tr("Kind"), self.kind)
        self.omni = QCheckBox(tr("Omnidirectional (sees all around)"))
        self.omni.setChecked(heading is None)
        form.addRow("", self.omni)
        self.heading = QDoubleSpinBox()
        self.heading.setRange(0.0, 360.0)
        self.heading.setDecimals(1)
        self.heading.setSuffix(" °")
        self.heading.setValue(heading or 0.0)
        form.addRow(tr("Heading (clockwise from north)"), self.heading)
        self.fov = QDoubleSpinBox()
        self.fov.setRange(1.0, 360.0)
        self.fov.setDecimals(0)
        self.fov.setSuffix(" °")
        self.fov.setValue(DEFAULT_SECTOR_FOV if heading is not None else 360.0)
        form.addRow(tr("Field of view"), self.fov)
        self.range = QDoubleSpinBox()
        self.range.setRange(0.0, 5000.0)
        self.range.setDecimals(1)
        self.range.setSuffix(" m")
        self.range.setSpecialValueText(tr("default for the kind"))
        self.range.setValue(range_m or 0.0)
        form.addRow(tr("Range"), self.range)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.omni.toggled.connect(self._omni)
        self._omni(self.omni.isChecked())

    def _omni(self, on: bool) -> None:
        self.heading.setEnabled(not on)
        self.fov.setEnabled(not on)

    def values(self) -> dict:
        omni = self.omni.isChecked() or self.fov.value() >= 360.0
        return {
            "camera_id": self.camera_id.text().strip(),
            "kind": self.kind.currentData(),
            "heading_deg": None if omni else self.heading.value(),
            "fov_deg": None if omni else self.fov.value(),
            "range_m": self.range.value() or None,
        }


def ask_camera(parent, **defaults) -> dict | None:
    dialog = CameraDialog(parent, **defaults)
    return dialog.values() if dialog.exec() == QDialog.DialogCode.Accepted else None


class CameraTool(QgsMapTool):
    """Place a camera: press at its position, drag towards where it looks (the length is
    its range), release; a dialog asks kind, field of view and id. A click without a drag
    places an omnidirectional camera with the default range of its kind.
    """

    cameraAdded = pyqtSignal(object)  # camera_id
    message = pyqtSignal(str)

    #: Drags shorter than this many pixels are clicks.
    CLICK_PX = 6

    def __init__(self, canvas, cameras: QgsVectorLayer, ask=None) -> None:
        super().__init__(canvas)
        self.cameras_layer = cameras
        self.ask = ask or (lambda **d: ask_camera(canvas.window(), **d))
        self.start = None
        self.start_px = None
        self.band = QgsRubberBand(canvas, QgsWkbTypes.GeometryType.PolygonGeometry)
        self.band.setStrokeColor(QColor(31, 78, 156))
        self.band.setFillColor(QColor(31, 78, 156, 60))
        self.band.setWidth(2)
        self.setCursor(Qt.CursorShape.CrossCursor)

    def activate(self) -> None:
        super().activate()
        _start_editing(self.cameras_layer)

    def canvasPressEvent(self, event) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.start = event.mapPoint()
            self.start_px = event.pos()

    def canvasMoveEvent(self, event) -> None:
        if self.start is None or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        self._preview(self.start, event.mapPoint())

    def _preview(self, start: QgsPointXY, end: QgsPointXY) -> None:
        radius = math.hypot(end.x() - start.x(), end.y() - start.y())
        heading = math.atan2(end.x() - start.x(), end.y() - start.y())
        half = math.radians(DEFAULT_SECTOR_FOV / 2.0)
        ring = [start] + [QgsPointXY(start.x() + radius * math.sin(a),
                                     start.y() + radius * math.cos(a))
                          for a in np.linspace(heading - half, heading + half, 17)]
        self.band.setToGeometry(QgsGeometry.fromPolygonXY([ring + [start]]), None)

    def canvasReleaseEvent(self, event) -> None:
        if event.button() != Qt.MouseButton.LeftButton or self.start is None:
            return
        start, start_px = self.start, self.start_px
        self.start = None
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        d = event.pos() - start_px
        layer_crs = self.cameras_layer.crs()
        p0 = self.toLayerCoordinates(self.cameras_layer, start)
        if math.hypot(d.x(), d.y()) < self.CLICK_PX:
            self.place(p0, None, None)
        else:
            p1 = self.toLayerCoordinates(self.cameras_layer, event.mapPoint())
            heading, range_m = heading_and_range(p0, p1, layer_crs)
            self.place(p0, round(heading, 1), round(range_m, 1))

    def place(self, point: QgsPointXY, heading: float | None, range_m: float | None):
        """Ask for the camera's details and add it at ``point`` (layer CRS)."""
        layer = self.cameras_layer
        fields = layer.fields()
        ids = [f["camera_id"] for f in layer.getFeatures()] if fields.indexOf("camera_id") >= 0 \
            else []
        values = self.ask(camera_id=next_camera_id(ids), heading=heading, range_m=range_m)
        if not values:
            return None
        if values.get("range_m") is None and heading is None:
            values["range_m"] = None  # default by kind (documented in docs/data-model.md)
        feature = QgsFeature(fields)
        attrs = dict(values, status="online")
        for name, value in attrs.items():
            if fields.indexOf(name) >= 0:
                feature.setAttribute(name, value)
        feature.setGeometry(QgsGeometry.fromPointXY(point))
        _edit(layer, tr("Place camera {0}").format(values["camera_id"]), {}, [feature])
        kind = values.get("kind", KINDS[0])
        self.message.emit(tr("Camera {0} placed ({1}, {2:.0f} m).").format(
            values["camera_id"], kind_labels().get(kind, kind),
            values.get("range_m") or DEFAULT_RANGE_M.get(kind, 0.0)))
        self.cameraAdded.emit(values["camera_id"])
        return values["camera_id"]

    def deactivate(self) -> None:
        self.band.reset(QgsWkbTypes.GeometryType.PolygonGeometry)
        self.start = None
        super().deactivate()
