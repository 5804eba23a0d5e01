"""``levergrid:analyse`` — camera coverage, blind spots and incident change per cell."""

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

LAYER_OUTPUTS = ("camera_views", "overlap", "blind_spots", "cell_stats", "office_stats")
WATCH = ("cells", "roads")


class AnalyseAlgorithm(LeverGridAlgorithm):
    NAME = "analyse"
    LABEL = "Analyse camera coverage and incidents"
    HELP = (
        "Computes what the cameras see in every grid cell: camera views (circles or "
        "field-of-view sectors cut by buildings), overlap counts, blind spots, road coverage "
        "and incident change between two periods. Walls and fences (lines) block views like "
        "buildings; watch points (gates, doors) are reported seen or unseen with the cameras "
        "that see them. Writes one GeoPackage with the layers cells, camera_views, overlap, "
        "blind_spots, cell_stats and office_stats (and watch_points when given)."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        poly, point, line = (source.TypeVectorPolygon, source.TypeVectorPoint,
                             source.TypeVectorLine)
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CELLS", self.tr("Grid cells"), [poly]),
          "Polygon layer of grid cells with a unique cell_id field.")
        p(QgsProcessingParameterFeatureSource("CAMERAS", self.tr("Cameras"), [point]),
          "Point layer with camera_id and kind; optional status, range_m, heading_deg, fov_deg.")
        p(QgsProcessingParameterFeatureSource("BUILDINGS", self.tr("Buildings"), [poly],
                                              optional=True),
          "Building footprints: they block camera views and are not watched.")
        p(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"), [line], optional=True),
          "Road centrelines, for road length and road coverage per cell.")
        p(QgsProcessingParameterFeatureSource("WALLS", self.tr("Walls and fences"), [line],
                                              optional=True),
          "Wall, fence and hedge lines that block camera views; optional height_m (a wall "
          "lower than the camera's height_m does not block it).")
        p(QgsProcessingParameterFeatureSource("WATCH_POINTS", self.tr("Watch points (gates)"),
                                              [point], optional=True),
          "Named points (field name) such as gates and doors: the watch_points layer says "
          "whether each is seen and by which cameras.")
        p(QgsProcessingParameterFeatureSource("INCIDENTS", self.tr("Incidents"), [point],
                                              optional=True),
          "Incident points with incident_id, occurred_at and optional category.")
        p(QgsProcessingParameterString("PERIOD", self.tr("Current period (START/END)"),
                                       optional=True),
          "ISO dates, e.g. 2025-01-01/2025-05-31. Default: 1 January of the latest "
          "incident's year to its date.")
        p(QgsProcessingParameterString("COMPARE", self.tr("Previous period (START/END)"),
                                       optional=True),
          "Default: the current period one year earlier.")
        self.add_kinds_param()
        p(QgsProcessingParameterEnum("WATCH", self.tr("Area to watch"), options=list(WATCH),
                                     defaultValue=0),
          "cells: the cell minus buildings; roads: the road corridor inside the cell.")
        p(QgsProcessingParameterNumber("MIN_BLIND_AREA", self.tr("Smallest blind spot (m²)"),
                                       QgsProcessingParameterNumber.Type.Double, 1.0, minValue=0.0),
          "Blind pieces smaller than this are dropped and reported.")
        self.add_cell_column_params()
        self.add_incident_column_params()
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "The GeoPackage that receives every output layer.")
        for layer in LAYER_OUTPUTS + ("watch_points",):
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.pipeline import analyse

        progress = self.progress(feedback)
        kinds = self.kinds(parameters, context)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            incidents = self.source_gdf(parameters, "INCIDENTS", context, "incidents")
            period, compare = (self.period(parameters, key, context)
                               for key in ("PERIOD", "COMPARE"))
            if incidents is not None:
                from ...core.inputs.incidents import normalize_incidents

                incidents = normalize_incidents(
                    incidents, **self.incident_columns(parameters, context), progress=progress)
            layers = analyse(
                self.cells_gdf(parameters, "CELLS", context, progress),
                self.source_gdf(parameters, "CAMERAS", context, "cameras"),
                buildings=self.source_gdf(parameters, "BUILDINGS", context, "buildings"),
                roads=self.source_gdf(parameters, "ROADS", context, "roads"),
                walls=self.source_gdf(parameters, "WALLS", context, "walls"),
                watch_points=self.source_gdf(parameters, "WATCH_POINTS", context,
                                             "watch points"),
                incidents=incidents, period=period, compare=compare, kinds=kinds,
                watch=WATCH[self.parameterAsEnum(parameters, "WATCH", context)],
                min_blind_area=self.parameterAsDouble(parameters, "MIN_BLIND_AREA", context),
                progress=progress,
            )
        except InputError as err:
            raise_processing(err)
        self.write_gpkg(out, layers, parameters)
        return load_outputs(out, tuple(n for n in LAYER_OUTPUTS + ("watch_points",)
                                       if n in layers), context)
