"""``levergrid:validatecells`` — overlaps, gaps, slivers, roads cut across, bad ids."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputNumber,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
)

from ...core.errors import InputError
from ...core.grid.repair_cells import TOLERANCE_M
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
        "problem, cell_id (the cell, or 'a,b' for the cells involved), area_m2, detail. "
        "With Repair, cell edges within the tolerance of a road are snapped onto it, gaps "
        "are closed and overlaps removed inside the boundary: the repaired cells go to the "
        "layer cells, and what changed (snapped, overlap_removed, gap_closed) to the "
        "problems layer before the problems left."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        line, poly = source.TypeVectorLine, source.TypeVectorPolygon
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
        self.add_param(QgsProcessingParameterBoolean(
            "REPAIR", self.tr("Repair the cells"), defaultValue=False),
            "Snap cell edges near roads onto them, close gaps and remove overlaps; writes "
            "the repaired cells.")
        tolerance = QgsProcessingParameterNumber(
            "TOLERANCE", self.tr("Repair tolerance (m)"), QgsProcessingParameterNumber.Type.Double,
            TOLERANCE_M, minValue=0.0)
        self.add_param(tolerance, "Cell edges within this distance of a road are snapped "
                                  "onto it; edges farther away stay as drawn.", advanced=True)
        self.add_param(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("Output GeoPackage"), "GeoPackage (*.gpkg)"),
            "Receives the layer problems (empty when the cells are clean) and, with Repair, "
            "the layer cells.")
        self.addOutput(QgsProcessingOutputVectorLayer("PROBLEMS", self.tr("Problems")))
        self.addOutput(QgsProcessingOutputVectorLayer("CELLS", self.tr("Repaired cells")))
        self.addOutput(QgsProcessingOutputNumber("COUNT", self.tr("Number of problems")))  # left

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.grid.validate import validate_cells

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        repair = self.parameterAsBool(parameters, "REPAIR", context)
        cells = self.source_gdf(parameters, "CELLS", context, "cells")
        roads = self.source_gdf(parameters, "ROADS", context, "roads")
        boundary = self.source_gdf(parameters, "BOUNDARY", context, "boundary")
        try:
            if repair:
                from ...core.grid.repair_cells import repair_cells

                cells, changes, changed = repair_cells(
                    cells, roads=roads, boundary=boundary,
                    tolerance=self.parameterAsDouble(parameters, "TOLERANCE", context),
                    progress=progress.sub(0.0, 0.7))
                for line in changed:
                    feedback.pushInfo(line)
            problems, summary = validate_cells(
                cells, roads=roads, boundary=boundary, progress=progress,
                columns=self.cell_columns(parameters, context))
        except InputError as err:
            raise_processing(err)
        for line in summary:
            feedback.pushInfo(line)
        remaining = len(problems)
        layers = {"problems": problems}
        if repair:
            import pandas as pd

            problems = pd.concat([changes, problems.to_crs(changes.crs)
                                  if changes.crs is not None else problems],
                                 ignore_index=True)
            problems.attrs["geometry_type"] = "MultiPolygon"
            layers = {"cells": cells, "problems": problems}
        self.write_gpkg(out, layers, parameters)
        results = load_outputs(out, tuple(layers), context)
        results["COUNT"] = remaining
        return results
