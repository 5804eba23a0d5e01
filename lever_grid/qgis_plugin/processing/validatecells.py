"""``levergrid:validatecells`` — overlaps, gaps, slivers, roads cut across, bad ids."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
)

from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

__all__ = ["ValidateCellsAlgorithm"]


class ValidateCellsAlgorithm(LeverGridAlgorithm):
    NAME = "validatecells"
    LABEL = "Validate grid cells"
    HELP = (
        "Checks a cells layer (hand-drawn or built) and writes one feature per problem to "
        "the layer problems of a GeoPackage: overlap (two cells share area), gap (area "
        "inside the boundary no cell covers), sliver (a cell or part of one thinner than "
        "Polsby–Popper 0.05 or smaller than 10 m²), crosses_road (a cell edge cuts a road "
        "away from any junction), duplicate_id, missing_id and invalid_geometry. Fields: "
        "problem, cell_id (the cell, or 'a,b' for the cells involved), area_m2, detail."
    )

    def initAlgorithm(self, config=None):
        line, poly = QgsProcessing.TypeVectorLine, QgsProcessing.TypeVectorPolygon
        self.add_param(QgsProcessingParameterFeatureSource("CELLS", self.tr("Grid cells"),
                                                           [poly]),
                       "Polygon layer of grid cells with a cell_id field.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "ROADS", self.tr("Roads"), [line], optional=True),
            "Road centrelines: enables the check for cell edges cutting across roads.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "BOUNDARY", self.tr("Village boundary"), [poly], optional=True),
            "The area the cells should cover. Default: the cells' outer outline, so only "
            "holes between cells count as gaps.")
        self.add_cell_column_params()
        self.add_param(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("Output GeoPackage"), "GeoPackage (*.gpkg)"),
            "Receives the layer problems (empty when the cells are clean).")
        self.addOutput(QgsProcessingOutputVectorLayer("PROBLEMS", self.tr("Problems")))
        self.addOutput(QgsProcessingOutputNumber("COUNT", self.tr("Number of problems")))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.grid.validate import validate_cells

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            problems, summary = validate_cells(
                self.source_gdf(parameters, "CELLS", context, "cells"),
                roads=self.source_gdf(parameters, "ROADS", context, "roads"),
                boundary=self.source_gdf(parameters, "BOUNDARY", context, "boundary"),
                progress=progress, columns=self.cell_columns(parameters, context),
            )
        except InputError as err:
            raise_processing(err)
        for line in summary:
            feedback.pushInfo(line)
        self.write_gpkg(out, {"problems": problems}, parameters)
        results = load_outputs(out, ("problems",), context)
        results["COUNT"] = len(problems)
        return results
