"""Result layers: the "Lever Grid results" group, QML styles and translated legends."""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsLayerTreeGroup,
    QgsLayerTreeLayer,
    QgsMapLayer,
    QgsProject,
    QgsRasterLayer,
    QgsVectorLayer,
)

from ...paths import resources_dir
from .common import RESULT_PROPERTY, kind_labels, tr

__all__ = ["STYLES", "style_path", "apply_style", "style_cameras", "results_group",
           "load_results", "result_layers", "result_names", "ANALYSIS_LAYERS"]

STYLES = resources_dir() / "styles"

#: Analysis layers loaded into the results group, top to bottom.
ANALYSIS_LAYERS = ("blind_spots", "overlap", "camera_views", "cell_stats", "office_stats")

GROUP_PROPERTY = "lever_grid/group"
STYLE_NAME = "Lever Grid"


def result_names() -> dict[str, str]:
    """Output layer -> the (translated) name it gets in the layer tree."""
    return {
        "cell_stats": tr("Cells: incident change"),
        "blind_spots": tr("Blind spots"),
        "overlap": tr("Camera overlap"),
        "camera_views": tr("Camera views"),
        "office_stats": tr("Police offices"),
        "cells": tr("Grid cells"),
        "problems": tr("Cell problems"),
        "cell_incidents": tr("Incidents per cell"),
        "sites": tr("New camera sites"),
        "hotspots": tr("Hot spots"),
        "road_hotspots": tr("Hot spots on roads"),
        "patrol": tr("Patrol loop"),
        "watch_points": tr("Watch points"),
    }


def _legend_labels() -> dict[str, dict]:
    """Translated legend labels, keyed by style then by the class' lower bound or value."""
    return {
        "cell_stats": {
            -10000.0: tr("No baseline (previous period had 0)"),
            -100.0: tr("−50 % or less"),
            -50.0: tr("−50 to −20 %"),
            -20.0: tr("−20 to −5 %"),
            -5.0: tr("−5 to +5 %"),
            5.0: tr("+5 to +20 %"),
            20.0: tr("+20 to +50 %"),
            50.0: tr("More than +50 %"),
        },
        "overlap": {
            0.5: tr("1 camera"),
            1.5: tr("2 cameras"),
            2.5: tr("3 cameras"),
            3.5: tr("4 or more cameras"),
        },
        "camera_views": kind_labels(),
        "cameras": kind_labels(),
        "hotspots": _hot_labels(),
        "road_hotspots": _hot_labels(),
        "watch_points": {"seen": tr("Seen by a camera"), "unseen": tr("Seen by no camera")},
    }


def _hot_labels() -> dict[str, str]:
    """Translated legend labels of the hot-spot classes."""
    return {
        "hot_99": tr("Hot spot, 99 %"),
        "hot_95": tr("Hot spot, 95 %"),
        "hot_90": tr("Hot spot, 90 %"),
        "none": tr("Not significant"),
        "cold_90": tr("Cold spot, 90 %"),
        "cold_95": tr("Cold spot, 95 %"),
        "cold_99": tr("Cold spot, 99 %"),
    }


def style_path(name: str) -> Path | None:
    """The bundled QML for an output (or ``cameras``), ``None`` when there is none."""
    path = STYLES / f"{name}.qml"
    return path if path.is_file() else None


def apply_style(layer: QgsVectorLayer, name: str) -> bool:
    """Load ``resources/styles/<name>.qml`` into ``layer`` and translate its legend."""
    path = style_path(name)
    if path is None:
        return False
    _, ok = layer.loadNamedStyle(str(path))
    if not ok:
        return False
    labels = _legend_labels().get(name)
    renderer = layer.renderer()
    if labels and renderer is not None:
        if renderer.type() == "graduatedSymbol":
            for i, rng in enumerate(renderer.ranges()):
                label = labels.get(round(rng.lowerValue(), 6))
                if label:
                    renderer.updateRangeLabel(i, label)
        elif renderer.type() == "categorizedSymbol":
            for i, cat in enumerate(renderer.categories()):
                label = labels.get(str(cat.value()))
                if label:
                    renderer.updateCategoryLabel(i, label)
    layer.triggerRepaint()
    return True


def style_cameras(layer: QgsVectorLayer) -> bool:
    """Show cameras as icons by kind, rotated along heading_deg (omnidirectional: circle).

    The user's own style is kept in the layer's style manager; ours is added as the
    style "Lever Grid" and made current (Layer Properties › Styles switches back).
    """
    if layer is None or not layer.isValid() or layer.fields().indexOf("kind") < 0:
        return False
    manager = layer.styleManager()
    if manager.currentStyle() != STYLE_NAME:
        if STYLE_NAME not in manager.styles():
            manager.addStyleFromLayer(STYLE_NAME)  # a copy of the user's style, restyled below
        manager.setCurrentStyle(STYLE_NAME)
    return apply_style(layer, "cameras")


def results_group(project: QgsProject | None = None, create: bool = True
                  ) -> QgsLayerTreeGroup | None:
    """The "Lever Grid results" group (found by a custom property, whatever its name).

    A new group goes below the user's vector layers and above any raster (basemap) layer,
    so roads, buildings and cameras stay visible over the result fills.
    """
    project = project or QgsProject.instance()
    root = project.layerTreeRoot()
    for node in root.children():
        if isinstance(node, QgsLayerTreeGroup) and node.customProperty(GROUP_PROPERTY) == "results":
            return node
    if not create:
        return None
    index = len(root.children())
    for i, node in enumerate(root.children()):
        if isinstance(node, QgsLayerTreeLayer) and isinstance(node.layer(), QgsRasterLayer):
            index = i
            break
    group = root.insertGroup(index, tr("Lever Grid results"))
    group.setCustomProperty(GROUP_PROPERTY, "results")
    return group


def result_layers(project: QgsProject | None = None) -> dict[str, QgsVectorLayer]:
    """Loaded result layers by output name (cell_stats, blind_spots, ...)."""
    project = project or QgsProject.instance()
    found = {}
    for layer in project.mapLayers().values():
        name = layer.customProperty(RESULT_PROPERTY)
        if name and isinstance(layer, QgsVectorLayer):
            found[str(name)] = layer
    return found


def load_results(gpkg: str, names=ANALYSIS_LAYERS, project: QgsProject | None = None,
                 replace: tuple[str, ...] | None = None) -> dict[str, QgsVectorLayer]:
    """Load layers of ``gpkg`` into the results group with their styles.

    Earlier result layers named in ``replace`` (default: ``names``) are removed first, so
    running the analysis again leaves one set of results.
    """
    project = project or QgsProject.instance()
    replace = tuple(names) if replace is None else replace
    old = [layer.id() for name, layer in result_layers(project).items() if name in replace]
    if old:
        project.removeMapLayers(old)
    group = results_group(project)
    titles = result_names()
    loaded: dict[str, QgsVectorLayer] = {}
    for position, name in enumerate(names):
        layer = QgsVectorLayer(f"{gpkg}|layername={name}", titles.get(name, name), "ogr")
        if not layer.isValid():
            continue
        layer.setCustomProperty(RESULT_PROPERTY, name)
        apply_style(layer, name)
        project.addMapLayer(layer, False)
        group.insertLayer(min(position, len(group.children())), layer)
        loaded[name] = layer
    return loaded


def is_result(layer: QgsMapLayer) -> bool:
    return bool(layer is not None and layer.customProperty(RESULT_PROPERTY))
