"""``levergrid:hotspots`` — Getis-Ord Gi* hot and cold spots and a near-repeat table."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

LAYERS = ("hotspots", "near_repeat")
UNITS = ("squares", "roads")


class HotspotsAlgorithm(LeverGridAlgorithm):
    NAME = "hotspots"
    LABEL = "Hot spots and near repeats"
    HELP = (
        "Counts the incidents of the current period in squares of SIZE metres (aligned to "
        "multiples of the size in a metric CRS) that overlap the cells, and finds hot and "
        "cold spots with Getis-Ord Gi* (the square and its up to 8 neighbours, binary "
        "weights). Pseudo p-values come from conditional permutations (SEED makes them "
        "repeatable) and are adjusted for the number of squares (Benjamini-Hochberg false "
        "discovery rate); class: hot_99, hot_95, hot_90, none, cold_90, cold_95, cold_99. "
        "The near_repeat table is the Knox test over bands of distance and days with Monte "
        "Carlo p-values."
    )

    def initAlgorithm(self, config=None):
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CELLS", self.tr("Grid cells"),
                                              [QgsProcessing.SourceType.TypeVectorPolygon]),
          "Polygon layer of grid cells with a unique cell_id field.")
        p(QgsProcessingParameterFeatureSource("INCIDENTS", self.tr("Incidents"),
                                              [QgsProcessing.SourceType.TypeVectorPoint]),
          "Incident points with occurred_at (date or date-time).")
        p(QgsProcessingParameterNumber("SIZE", self.tr("Square size (m)"),
                                       QgsProcessingParameterNumber.Type.Double, 100.0,
                                       minValue=1.0),
          "Side of the grid squares in metres.")
        p(QgsProcessingParameterString("PERIOD", self.tr("Current period (START/END)"),
                                       optional=True),
          "ISO dates, e.g. 2025-01-01/2025-05-31. Default: 1 January of the latest "
          "incident's year to its date.")
        p(QgsProcessingParameterNumber("PERMUTATIONS", self.tr("Permutations"),
                                       QgsProcessingParameterNumber.Type.Integer, 999, minValue=0),
          "Random permutations for the p-values; more give smaller attainable p-values.")
        p(QgsProcessingParameterNumber("SEED", self.tr("Random seed"),
                                       QgsProcessingParameterNumber.Type.Integer, optional=True),
          "The same seed gives the same p-values.")
        p(QgsProcessingParameterNumber("NEAR_DISTANCE", self.tr("Near-repeat distance band (m)"),
                                       QgsProcessingParameterNumber.Type.Double, 100.0,
                                       minValue=1.0),
          "Width of each distance band of the near-repeat table.")
        p(QgsProcessingParameterNumber("NEAR_DAYS", self.tr("Near-repeat time band (days)"),
                                       QgsProcessingParameterNumber.Type.Double, 7.0,
                                       minValue=0.01),
          "Width of each time band of the near-repeat table.")
        p(QgsProcessingParameterNumber("BANDS", self.tr("Number of bands"),
                                       QgsProcessingParameterNumber.Type.Integer, 4, minValue=1),
          "How many distance bands and how many time bands.")
        p(QgsProcessingParameterEnum("ON", self.tr("Units"), options=list(UNITS),
                                     defaultValue=0),
          "squares: the square grid; roads: the road segments between junctions (needs "
          "ROADS; layer road_hotspots).")
        p(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"),
                                              [QgsProcessing.SourceType.TypeVectorLine],
                                              optional=True),
          "Road centrelines, for the road segments.")
        p(QgsProcessingParameterNumber("SNAP", self.tr("Snap to roads within (m)"),
                                       QgsProcessingParameterNumber.Type.Double, 30.0,
                                       minValue=0.01),
          "An incident counts for the nearest road segment within this distance.")
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "Receives the layers hotspots (or road_hotspots) and near_repeat.")
        for layer in (*LAYERS, "road_hotspots"):
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.action.hotspots import hotspot_layers
        from ...core.inputs.incidents import normalize_incidents

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        seed = parameters.get("SEED")
        seed = None if seed in (None, "") else self.parameterAsInt(parameters, "SEED", context)
        try:
            incidents = normalize_incidents(
                self.source_gdf(parameters, "INCIDENTS", context, "incidents"),
                progress=progress)
            layers = hotspot_layers(
                self.source_gdf(parameters, "CELLS", context, "cells"), incidents,
                size=self.parameterAsDouble(parameters, "SIZE", context),
                period=self.period(parameters, "PERIOD", context),
                permutations=self.parameterAsInt(parameters, "PERMUTATIONS", context),
                seed=seed,
                near_distance=self.parameterAsDouble(parameters, "NEAR_DISTANCE", context),
                near_days=self.parameterAsDouble(parameters, "NEAR_DAYS", context),
                bands=self.parameterAsInt(parameters, "BANDS", context),
                on=UNITS[self.parameterAsEnum(parameters, "ON", context)],
                roads=self.source_gdf(parameters, "ROADS", context, "roads"),
                snap=self.parameterAsDouble(parameters, "SNAP", context), progress=progress)
        except InputError as err:
            raise_processing(err)
        self.write_gpkg(out, layers, parameters)
        return load_outputs(out, tuple(layers), context)
