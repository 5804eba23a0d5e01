"""``levergrid:patrol`` — a closed patrol loop along one cell's roads."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterString,
)

from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

LAYERS = ("patrol", "patrol_summary", "patrol_spots")


class PatrolAlgorithm(LeverGridAlgorithm):
    NAME = "patrol"
    LABEL = "Patrol loop"
    HELP = (
        "A closed loop along the roads of one cell, from the start (the police office; "
        "default: the road point nearest the cell's centroid). With ALL_ROADS: the "
        "shortest loop over every road of the cell (Chinese postman). Otherwise: a loop of "
        "at most MAX_LENGTH metres past the cell's worst blind spots (by area) and hot "
        "squares (hot_99 ×3, hot_95 ×2, hot_90 ×1 their area), chosen by a prize-per-metre "
        "insertion heuristic with 2-opt. Writes patrol (seq, length_m, cumulative_m), "
        "patrol_summary (cell_id, length_m, walk_minutes, spots_visited), patrol_spots and "
        "a GPX track for a phone."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        poly, line = source.TypeVectorPolygon, source.TypeVectorLine
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CELLS", self.tr("Grid cells"), [poly]),
          "Polygon layer of grid cells with a unique cell_id field.")
        p(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"), [line]),
          "Road centrelines; the loop runs only on the roads inside the cell or along its "
          "edges.")
        p(QgsProcessingParameterString("CELL", self.tr("Cell (cell_id)")),
          "The cell_id of the cell to patrol.")
        p(QgsProcessingParameterPoint("START", self.tr("Start point"), optional=True),
          "Where the loop begins and ends; default: the road point nearest the cell's "
          "centroid.")
        p(QgsProcessingParameterBoolean("ALL_ROADS", self.tr("Walk every road"), False),
          "Cover every road of the cell instead of a loop within a maximum length.")
        p(QgsProcessingParameterNumber("MAX_LENGTH", self.tr("Maximum length (m)"),
                                       QgsProcessingParameterNumber.Type.Double, 2000.0,
                                       minValue=1.0),
          "Length budget of the loop when not walking every road.")
        p(QgsProcessingParameterFeatureSource("BLIND_SPOTS", self.tr("Blind spots"), [poly],
                                              optional=True),
          "The blind_spots layer of an audit (cell_id, blind_id).")
        p(QgsProcessingParameterFeatureSource("HOTSPOTS", self.tr("Hot spots"), [poly],
                                              optional=True),
          "The hotspots layer (class field) of the hot-spot analysis.")
        p(QgsProcessingParameterNumber("SPEED", self.tr("Walking speed (km/h)"),
                                       QgsProcessingParameterNumber.Type.Double, 4.0,
                                       minValue=0.1),
          "For walk_minutes.")
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "Receives the layers patrol, patrol_summary and patrol_spots.")
        p(QgsProcessingParameterFileDestination("GPX", self.tr("GPX track"),
                                                "GPX (*.gpx)", optional=True),
          "The loop as a GPX track (WGS84) for a phone; empty: beside the GeoPackage.")
        for layer in LAYERS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))
        self.addOutput(QgsProcessingOutputFile("GPX_FILE", self.tr("GPX track")))

    def processAlgorithm(self, parameters, context, feedback):
        from pathlib import Path

        try:
            from ...core.action.patrol import gpx_text, patrol_route
        except ImportError:  # networkx is needed by this algorithm only
            raise QgsProcessingException(self.tr(
                "The patrol loop needs the Python package networkx (2.6 or later): "
                "python -m pip install networkx")) from None
        from ...core.fs import atomic_path

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        gpx_path = self.parameterAsFileOutput(parameters, "GPX", context) \
            if parameters.get("GPX") else str(Path(out).with_suffix(".gpx"))
        cells_src = self.parameterAsSource(parameters, "CELLS", context)
        start = None
        if parameters.get("START") not in (None, ""):
            pt = self.parameterAsPoint(parameters, "START", context, cells_src.sourceCrs())
            start = (pt.x(), pt.y())
        all_roads = self.parameterAsBool(parameters, "ALL_ROADS", context)
        try:
            layers = patrol_route(
                self.source_gdf(parameters, "CELLS", context, "cells"),
                self.source_gdf(parameters, "ROADS", context, "roads"),
                self.parameterAsString(parameters, "CELL", context), start=start,
                all_roads=all_roads,
                max_length=None if all_roads else self.parameterAsDouble(
                    parameters, "MAX_LENGTH", context),
                blind_spots=self.source_gdf(parameters, "BLIND_SPOTS", context, "blind_spots"),
                hotspots=self.source_gdf(parameters, "HOTSPOTS", context, "hotspots"),
                speed_kmh=self.parameterAsDouble(parameters, "SPEED", context),
                progress=progress)
        except InputError as err:
            raise_processing(err)
        gpx = gpx_text(layers["patrol"], layers["patrol_spots"], "lever_grid patrol")
        self.write_gpkg(out, layers, parameters)
        if gpx is None:
            feedback.pushInfo(self.tr("No GPX: the layers have no CRS."))
            gpx_path = ""
        else:
            with atomic_path(gpx_path) as tmp:
                tmp.write_text(gpx, encoding="utf-8")
        results = load_outputs(out, ("patrol", "patrol_spots"), context)
        results["PATROL_SUMMARY"] = f"{out}|layername=patrol_summary"
        results["GPX_FILE"] = gpx_path
        return results
