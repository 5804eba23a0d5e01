"""``levergrid:buildcells`` — N balanced, compact, contiguous grid cells from roads."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterField,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...core.errors import InputError
from ...core.grid.outline import MARGIN_M
from ...core.grid.partition import BALANCE
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

__all__ = ["BuildCellsAlgorithm"]

#: Report numbers exposed as Processing outputs (key -> report key).
NUMBERS = {"FACES": "faces", "BALANCE_RATIO": "balance_ratio", "PP_MIN": "pp_min",
           "PP_MEAN": "pp_mean", "ROAD_EDGE_SHARE": "road_edge_share"}


class BuildCellsAlgorithm(LeverGridAlgorithm):
    NAME = "buildcells"
    LABEL = "Build grid cells from roads"
    HELP = (
        "Splits the village outline into N grid cells: the boundary when given, otherwise an "
        "outline derived from the roads (every road grown by the margin, gaps under 120 m "
        "closed), so every road metre lies in a cell. The cells are made of the areas "
        "bounded by roads and the outline; the land between the outer roads and the outline "
        "and areas with much dead-end road are split along the midlines between their roads. "
        "Every cell is one piece, cells are about equal in road length (or incidents, or "
        "area) and compact. Only what is broken in the road network is repaired: road ends "
        "that already meet a road never move, dangling ends within the snap distance are "
        "joined, parallel lines stay apart; roads on bridges or in tunnels (OSM bridge, "
        "tunnel, layer) cross without a junction. Locked cells are kept as drawn. The same "
        "input always gives the same cells. Writes the layer cells (cell_id 1..N from "
        "north-west to south-east, name, area_m2, road_length_m, police_office, officer, "
        "locked) to a GeoPackage."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        line, poly, point = (source.TypeVectorLine, source.TypeVectorPolygon,
                             source.TypeVectorPoint)
        self.add_param(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"), [line]),
                       "Road centrelines. Every road metre inside the outline counts for "
                       "road length, dead ends and footways included; roads beyond a given "
                       "boundary are clipped and reported.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "BOUNDARY", self.tr("Village boundary"), [poly], optional=True),
            "The area to divide, tiled exactly by the cells; its outline becomes a cell "
            "edge where no road runs. Default: an outline derived from the roads (see the "
            "margin).")
        self.add_param(QgsProcessingParameterNumber(
            "COUNT", self.tr("Number of cells (N)"), QgsProcessingParameterNumber.Type.Integer,
            14, minValue=1),
            "How many cells to make, locked cells included. At most the number of faces "
            "the roads and the outline make.")
        self.add_param(QgsProcessingParameterEnum(
            "BALANCE", self.tr("Balance"), options=list(BALANCE), defaultValue=0),
            "What every cell should have about equally: road_length (a road between two "
            "cells counts half to each), incidents (needs the incidents layer) or area.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "INCIDENTS", self.tr("Incidents"), [point], optional=True),
            "Incident points, for balance = incidents.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "LOCKED", self.tr("Locked cells"), [poly], optional=True),
            "Cells to keep exactly as drawn (with their cell_id when it is a whole number "
            "in 1..N, police_office and officer); the rest of the area is divided into the "
            "remaining cells.")
        snap = QgsProcessingParameterNumber(
            "SNAP", self.tr("Snap distance (m)"), QgsProcessingParameterNumber.Type.Double, 3.0,
            minValue=0.0)
        self.add_param(snap, "Dangling road ends within twice this distance of each other "
                             "(within it of a junction) are joined; gaps and overshoots up "
                             "to it are closed or trimmed; blocks thinner than it are merged "
                             "into a neighbour.", advanced=True)
        margin = QgsProcessingParameterNumber(
            "MARGIN", self.tr("Outline margin (m)"), QgsProcessingParameterNumber.Type.Double,
            MARGIN_M, minValue=0.0)
        self.add_param(margin, "Without a boundary: how far the derived outline runs outside "
                               "the outer roads.", advanced=True)
        field = QgsProcessingParameterField(
            "NO_NODE_FIELD", self.tr("Grade level field"), parentLayerParameterName="ROADS",
            optional=True)
        self.add_param(field, "Road field giving grade levels: roads on different levels "
                              "cross without a junction. Empty: the OSM fields bridge, tunnel "
                              "and layer when the roads have them.", advanced=True)
        self.add_cell_column_params("LOCKED")
        self.add_param(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("Output GeoPackage"), "GeoPackage (*.gpkg)"),
            "Receives the layer cells.")
        self.addOutput(QgsProcessingOutputVectorLayer("CELLS", self.tr("Cells")))
        for key in NUMBERS:
            self.addOutput(QgsProcessingOutputNumber(key, key.lower()))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.grid.partition import build_cells

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            cells, report = build_cells(
                self.source_gdf(parameters, "ROADS", context, "roads"),
                self.parameterAsInt(parameters, "COUNT", context),
                boundary=self.source_gdf(parameters, "BOUNDARY", context, "boundary"),
                balance=BALANCE[self.parameterAsEnum(parameters, "BALANCE", context)],
                incidents=self.source_gdf(parameters, "INCIDENTS", context, "incidents"),
                locked=self.cells_gdf(parameters, "LOCKED", context, progress, "locked cells"),
                snap=self.parameterAsDouble(parameters, "SNAP", context),
                no_node_field=self.parameterAsString(parameters, "NO_NODE_FIELD", context)
                or None,
                margin=self.parameterAsDouble(parameters, "MARGIN", context),
                progress=progress,
            )
        except InputError as err:
            raise_processing(err)
        for line in report["summary"]:
            feedback.pushInfo(line)
        self.write_gpkg(out, {"cells": cells}, parameters)
        results = load_outputs(out, ("cells",), context)
        results.update({key: report[name] for key, name in NUMBERS.items()})
        return results
