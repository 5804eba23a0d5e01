"""``levergrid:buildcells`` — N balanced, compact, contiguous grid cells from roads."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterDefinition,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...core.errors import InputError
from ...core.grid.partition import BALANCE
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

__all__ = ["BuildCellsAlgorithm"]

#: Report numbers exposed as Processing outputs (key -> report key).
NUMBERS = {"FACES": "faces", "BALANCE_RATIO": "balance_ratio", "PP_MIN": "pp_min",
           "PP_MEAN": "pp_mean"}


class BuildCellsAlgorithm(LeverGridAlgorithm):
    NAME = "buildcells"
    LABEL = "Build grid cells from roads"
    HELP = (
        "Splits the area the roads enclose into N grid cells made of whole blocks (the faces "
        "between roads): every cell is one piece whose neighbours share a road with it, "
        "cells are about equal in road length (or incidents, or area) and compact. The road "
        "network is repaired first: crossing roads are noded, road ends digitised a little "
        "apart are joined, gaps and overshoots up to the snap distance are closed or "
        "trimmed, duplicates merged. Locked cells are kept as drawn. The same input always "
        "gives the same cells. Writes the layer cells (cell_id 1..N from north-west to "
        "south-east, name, area_m2, road_length_m, police_office, officer, locked) to a "
        "GeoPackage."
    )

    def initAlgorithm(self, config=None):
        line, poly, point = (QgsProcessing.TypeVectorLine, QgsProcessing.TypeVectorPolygon,
                             QgsProcessing.TypeVectorPoint)
        self.add_param(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"), [line]),
                       "Road centrelines. Roads leaving the village are clipped; dead ends "
                       "count for road length but do not bound cells.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "BOUNDARY", self.tr("Village boundary"), [poly], optional=True),
            "The area to divide; its outline becomes a cell edge where no road runs. "
            "Default: the outer edge of the road network (the union of the blocks the "
            "roads enclose).")
        self.add_param(QgsProcessingParameterNumber(
            "COUNT", self.tr("Number of cells (N)"), QgsProcessingParameterNumber.Integer,
            14, minValue=1),
            "How many cells to make, locked cells included. At most the number of blocks "
            "the roads enclose.")
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
            "SNAP", self.tr("Snap distance (m)"), QgsProcessingParameterNumber.Double, 3.0,
            minValue=0.0)
        snap.setFlags(snap.flags() | QgsProcessingParameterDefinition.FlagAdvanced)
        self.add_param(snap, "Road ends within twice this distance of each other are joined; "
                             "gaps and overshoots up to it are closed or trimmed; blocks "
                             "thinner than it are merged into a neighbour.")
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
