"""The briefing as a QGIS print layout: map, legend, scale bar, north arrow, title, date.

The layers come from :func:`lever_grid.core.mapping.map_layers` (masked counts, one
metric CRS, a ``label`` per cell) so the QGIS page and the matplotlib page show the same
figures. Layers and layout live in a private :class:`QgsProject`: the user's project is
never touched. Must run in the main thread (the algorithm sets FlagNoThreading).
"""

from __future__ import annotations

import datetime as _dt
import os
from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsFillSymbol,
    QgsLayerTree,
    QgsLayoutExporter,
    QgsLayoutItemLabel,
    QgsLayoutItemLegend,
    QgsLayoutItemMap,
    QgsLayoutItemPage,
    QgsLayoutItemPicture,
    QgsLayoutItemScaleBar,
    QgsLayoutPoint,
    QgsLayoutSize,
    QgsLegendStyle,
    QgsLinePatternFillSymbolLayer,
    QgsLineSymbol,
    QgsMarkerSymbol,
    QgsPalLayerSettings,
    QgsPrintLayout,
    QgsProject,
    QgsRectangle,
    QgsRuleBasedRenderer,
    QgsTextBufferSettings,
    QgsTextFormat,
    QgsUnitTypes,
    QgsVectorLayer,
    QgsVectorLayerSimpleLabeling,
)
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QColor, QFont, QFontDatabase

from ..core.briefing.mapping import BLIND_RED, CJK_FAMILIES, KIND_COLOURS, KIND_NAMES, PAGE
from ..core.fs import atomic_path
from ..core.inputs.cameras import KINDS

__all__ = ["qt_cjk_font", "load_map_layers", "briefing_layout", "export_layout"]

#: Change classes of the cells (lower, upper, colour, label); colours of RdYlGn_r.
CHANGE_CLASSES = ((-1e9, -50, "#1a9850", "≤ −50 %"), (-50, -10, "#91cf60", "−50 … −10 %"),
                  (-10, 10, "#ffffbf", "−10 … +10 %"), (10, 50, "#fc8d59", "+10 … +50 %"),
                  (50, 1e12, "#d73027", "> +50 %"))
_MARKER = {"public1": "triangle", "public2": "triangle", "smart_eye": "diamond",
           "social": "circle", "enterprise": "square", "other": "cross2"}
_NORTH_SVG = ("<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 40 60'>"
              "<polygon points='20,2 6,50 20,40' fill='black' stroke='black'/>"
              "<polygon points='20,2 34,50 20,40' fill='white' stroke='black'/>"
              "<text x='20' y='59' font-size='11' text-anchor='middle' "
              "font-family='sans-serif' font-weight='bold'>N</text></svg>")


def qt_cjk_font() -> str | None:
    """The first CJK family Qt knows (``Noto Sans CJK SC`` on Debian with fonts-noto-cjk)."""
    families = set(QFontDatabase().families())
    return next((f for f in CJK_FAMILIES if f in families), None)


def _font(family: str | None, size: float, bold: bool = False) -> QFont:
    font = QFont(family) if family else QFont()
    font.setPointSizeF(size)
    font.setBold(bold)
    return font


def _rule(label: str, expression: str | None, symbol) -> QgsRuleBasedRenderer.Rule:
    return QgsRuleBasedRenderer.Rule(symbol, 0, 0, expression or "", label)


def _style_cells(layer: QgsVectorLayer, family: str | None, cjk: bool) -> None:
    root = QgsRuleBasedRenderer.Rule(None)
    for low, high, colour, label in CHANGE_CLASSES:
        sym = QgsFillSymbol.createSimple({"color": colour, "outline_color": "#222222",
                                          "outline_width": "0.5"})
        sym.setOpacity(0.6)
        root.appendChild(_rule(label, f'"change_pct" > {low} AND "change_pct" <= {high}', sym))
    sym = QgsFillSymbol.createSimple({"color": "#eeeeee", "outline_color": "#222222",
                                      "outline_width": "0.5"})
    root.appendChild(_rule("— 未知/遮蔽 unknown or masked" if cjk else "— unknown or masked",
                           '"change_pct" IS NULL', sym))
    layer.setRenderer(QgsRuleBasedRenderer(root))
    settings = QgsPalLayerSettings()
    settings.fieldName = "label"
    settings.placement = QgsPalLayerSettings.Placement.OverPoint
    settings.centroidInside = True
    fmt = QgsTextFormat()
    fmt.setFont(_font(family, 9, bold=True))
    fmt.setSize(9)
    buffer = QgsTextBufferSettings()
    buffer.setEnabled(True)
    buffer.setSize(1.0)
    buffer.setColor(QColor("white"))
    fmt.setBuffer(buffer)
    settings.setFormat(fmt)
    settings.multilineAlign = QgsPalLayerSettings.MultiLineAlign.MultiCenter
    layer.setLabeling(QgsVectorLayerSimpleLabeling(settings))
    layer.setLabelsEnabled(True)


def _style_blind(layer: QgsVectorLayer) -> None:
    sym = QgsFillSymbol.createSimple({"color": "0,0,0,0", "outline_color": BLIND_RED,
                                      "outline_width": "0.15"})
    hatch = QgsLinePatternFillSymbolLayer()
    hatch.setLineAngle(45)
    hatch.setDistance(1.2)
    hatch.setSubSymbol(QgsLineSymbol.createSimple({"color": BLIND_RED, "width": "0.18"}))
    sym.insertSymbolLayer(0, hatch)
    layer.renderer().setSymbol(sym)


def _style_views(layer: QgsVectorLayer, kinds: set[str], cjk: bool) -> None:
    root = QgsRuleBasedRenderer.Rule(None)
    for kind in (*KINDS, "other"):
        if kind in kinds:
            sym = QgsFillSymbol.createSimple({"color": KIND_COLOURS[kind],
                                              "outline_style": "no"})
            sym.setOpacity(0.25)
            label = f"{KIND_NAMES[kind]}视频覆盖 {kind} view" if cjk else f"{kind} view"
            root.appendChild(_rule(label, f"\"kind\" = '{kind}'", sym))
    layer.setRenderer(QgsRuleBasedRenderer(root))


def _style_cameras(layer: QgsVectorLayer, kinds: set[str], cjk: bool) -> None:
    root = QgsRuleBasedRenderer.Rule(None)
    for kind in (*KINDS, "other"):
        if kind in kinds:
            sym = QgsMarkerSymbol.createSimple({
                "name": _MARKER[kind], "color": KIND_COLOURS[kind], "outline_color": "white",
                "outline_width": "0.2", "size": "2.6",
                "angle": "180" if kind == "public2" else "0"})
            label = f"{KIND_NAMES[kind]}摄像头 {kind}" if cjk else kind
            root.appendChild(_rule(label, f"\"kind\" = '{kind}' AND \"online\"", sym))
    sym = QgsMarkerSymbol.createSimple({"name": "circle", "color": "white",
                                        "outline_color": "#555555", "outline_width": "0.35",
                                        "size": "2.2"})
    root.appendChild(_rule("离线(空心) offline" if cjk else "offline (hollow)",
                           'NOT "online"', sym))
    layer.setRenderer(QgsRuleBasedRenderer(root))


def _style_roads(layer: QgsVectorLayer) -> None:
    layer.renderer().setSymbol(QgsLineSymbol.createSimple({"color": "#9a9a9a",
                                                            "width": "0.6"}))


def load_map_layers(gpkg: str, names: list[str], cjk: bool) -> dict[str, QgsVectorLayer]:
    """The styled layers of the map, from a GeoPackage written from ``map_layers``."""
    titles = {"cells": ("网格 警情变化", "Cells: incident change"),
              "blind_spots": ("盲区", "Blind spots"),
              "camera_views": ("视频覆盖", "Camera views"),
              "cameras": ("摄像头", "Cameras"), "roads": ("道路", "Roads")}
    out = {}
    for name in names:
        zh, en = titles[name]
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", f"{zh} {en}" if cjk else en, "ogr")
        if not layer.isValid():
            raise RuntimeError(f"cannot load the map layer {name} from {gpkg}")
        out[name] = layer
    return out


def _kinds(layer: QgsVectorLayer) -> set[str]:
    idx = layer.fields().indexOf("kind")
    return {str(v) for v in layer.uniqueValues(idx)} if idx >= 0 else set()


def _north_arrow_path(tmp_dir: Path) -> str:
    for base in QgsApplication.svgPaths():
        candidate = Path(base) / "arrows" / "NorthArrow_02.svg"
        if candidate.exists():
            return str(candidate)
    path = tmp_dir / "north_arrow.svg"
    path.write_text(_NORTH_SVG, encoding="utf-8")
    return str(path)


def briefing_layout(
    layers: dict[str, QgsVectorLayer],
    *,
    crs: QgsCoordinateReferenceSystem,
    extent: QgsRectangle,
    title: str,
    date: str | None = None,
    tmp_dir: str | os.PathLike,
) -> QgsPrintLayout:
    """An A4 landscape print layout of the briefing in a private project.

    ``layers``: as from :func:`load_map_layers` (cells needed). The returned layout
    keeps its project and layers alive (attribute ``lever_grid_refs``).
    """
    family = qt_cjk_font()
    cjk = family is not None
    kinds_views = _kinds(layers["camera_views"]) if "camera_views" in layers else set()
    kinds_cams = _kinds(layers["cameras"]) if "cameras" in layers else set()
    _style_cells(layers["cells"], family, cjk)
    if "blind_spots" in layers:
        _style_blind(layers["blind_spots"])
    if "camera_views" in layers:
        _style_views(layers["camera_views"], kinds_views, cjk)
    if "cameras" in layers:
        _style_cameras(layers["cameras"], kinds_cams, cjk)
    if "roads" in layers:
        _style_roads(layers["roads"])

    project = QgsProject()
    project.setCrs(crs)
    project.addMapLayers(list(layers.values()))
    layout = QgsPrintLayout(project)
    layout.initializeDefaults()
    layout.setName("lever_grid briefing")
    page = layout.pageCollection().page(0)
    page.setPageSize("A4", QgsLayoutItemPage.Orientation.Landscape)
    width_mm, height_mm = PAGE[0] * 25.4, PAGE[1] * 25.4

    order = [n for n in ("cameras", "blind_spots", "roads", "camera_views", "cells")
             if n in layers]
    map_item = QgsLayoutItemMap(layout)
    map_item.setCrs(crs)
    map_item.attemptMove(QgsLayoutPoint(8, 24, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_item.attemptResize(QgsLayoutSize(205, 178, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_item.setLayers([layers[n] for n in order])
    map_item.setKeepLayerSet(True)
    map_item.setFrameEnabled(True)
    grown = QgsRectangle(extent)
    grown.grow(0.04 * max(extent.width(), extent.height()))
    layout.addLayoutItem(map_item)
    map_item.setExtent(grown)  # zoomToExtent needs an extent; setExtent resizes the item
    map_item.attemptResize(QgsLayoutSize(205, 178, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    map_item.zoomToExtent(grown)

    title_item = QgsLayoutItemLabel(layout)
    title_item.setText(title)
    title_item.setFont(_font(family, 17, bold=True))
    title_item.attemptMove(QgsLayoutPoint(8, 5, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    title_item.attemptResize(QgsLayoutSize(width_mm - 16, 11,
                                           QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(title_item)

    day = date or _dt.date.today().isoformat()
    date_item = QgsLayoutItemLabel(layout)
    date_item.setText(f"制图日期 Date: {day}" if cjk else f"Date: {day}")
    date_item.setFont(_font(family, 10))
    date_item.attemptMove(QgsLayoutPoint(8, 16, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    date_item.attemptResize(QgsLayoutSize(150, 6, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(date_item)

    legend = QgsLayoutItemLegend(layout)
    legend.setTitle("图例 Legend" if cjk else "Legend")
    legend.setLinkedMap(map_item)
    legend.setAutoUpdateModel(False)
    root = QgsLayerTree()
    for name in order:
        root.addLayer(layers[name])
    legend.model().setRootGroup(root)
    for style, size, bold in ((QgsLegendStyle.Style.Title, 12, True),
                              (QgsLegendStyle.Style.Subgroup, 9, True),
                              (QgsLegendStyle.Style.SymbolLabel, 8, False)):
        legend.rstyle(style).setFont(_font(family, size, bold))
    legend.attemptMove(QgsLayoutPoint(218, 24, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    legend.setFrameEnabled(True)
    legend.setResizeToContents(True)
    layout.addLayoutItem(legend)

    bar = QgsLayoutItemScaleBar(layout)
    bar.setStyle("Single Box")
    bar.setLinkedMap(map_item)
    bar.applyDefaultSize(QgsUnitTypes.DistanceUnit.DistanceMeters)
    bar.setUnits(QgsUnitTypes.DistanceUnit.DistanceMeters)
    bar.setUnitLabel("m")
    bar.setNumberOfSegmentsLeft(0)
    fmt = QgsTextFormat()
    fmt.setFont(_font(family, 8))
    fmt.setSize(8)
    bar.setTextFormat(fmt)
    bar.setBackgroundEnabled(True)
    bar.attemptMove(QgsLayoutPoint(12, 186, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(bar)

    arrow = QgsLayoutItemPicture(layout)
    arrow.setPicturePath(_north_arrow_path(Path(tmp_dir)))
    arrow.setLinkedMap(map_item)
    arrow.setNorthMode(QgsLayoutItemPicture.NorthMode.TrueNorth)
    arrow.attemptMove(QgsLayoutPoint(196, 27, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    arrow.attemptResize(QgsLayoutSize(12, 18, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    arrow.setBackgroundEnabled(False)
    layout.addLayoutItem(arrow)

    note = QgsLayoutItemLabel(layout)
    note.setText(("标注:网格编号 / 警情变化  Labels: cell id / incident change\n" if cjk else
                  "Labels: cell id / incident change\n") + f"CRS: {crs.authid()} · lever_grid")
    note.setFont(_font(family, 7))
    note.setHAlign(Qt.AlignmentFlag.AlignLeft)
    note.attemptMove(QgsLayoutPoint(218, height_mm - 18, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    note.attemptResize(QgsLayoutSize(72, 10, QgsUnitTypes.LayoutUnit.LayoutMillimeters))
    layout.addLayoutItem(note)

    layout.lever_grid_refs = (project, layers, root)  # keep them alive with the layout
    return layout


def export_layout(layout: QgsPrintLayout, png: str | os.PathLike | None = None,
                  pdf: str | os.PathLike | None = None, dpi: int = 150) -> list[Path]:
    """Export the layout to PNG and/or PDF atomically; raises RuntimeError on failure."""
    exporter = QgsLayoutExporter(layout)
    written = []
    if png is not None:
        settings = QgsLayoutExporter.ImageExportSettings()
        settings.dpi = dpi
        with atomic_path(png) as tmp:
            result = exporter.exportToImage(str(tmp), settings)
            if result != QgsLayoutExporter.ExportResult.Success:
                raise RuntimeError(f"PNG export failed ({exporter.errorFile() or result})")
        written.append(Path(png))
    if pdf is not None:
        settings = QgsLayoutExporter.PdfExportSettings()
        settings.dpi = 300
        with atomic_path(pdf) as tmp:
            result = exporter.exportToPdf(str(tmp), settings)
            if result != QgsLayoutExporter.ExportResult.Success:
                raise RuntimeError(f"PDF export failed ({exporter.errorFile() or result})")
        written.append(Path(pdf))
    return written
