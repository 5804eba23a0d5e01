"""``levergrid:sitecameras`` — where the next K cameras go (existing cameras locked)."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
)

from ...core.errors import InputError
from ...core.inputs.cameras import KINDS
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

LAYERS = ("sites", "site_gain")
WEIGHTS = ("area", "roads", "incidents")


class SiteCamerasAlgorithm(LeverGridAlgorithm):
    NAME = "sitecameras"
    LABEL = "Site new cameras"
    HELP = (
        "Chooses COUNT new camera sites that add the most watch area to the existing "
        "cameras, which stay as they are. Candidates are the given points (at their exact "
        "positions; candidate_id, else the row number) or points along the roads every "
        "SPACING metres and at junctions. A camera with a field of view under 360° takes "
        "the best of a set of headings (every 45°, finer for narrow cameras). The choice is "
        "greedy with lazy evaluation, which is within 1 − 1/e (63 %) of the best possible "
        "added coverage (one half with headings to choose). Writes the layers sites (rank, "
        "candidate_id, cell_id, x, y, heading_deg, fov_deg, range_m, gain_m2, "
        "cumulative_gain_m2, blind_share) and site_gain (the cumulative-gain table)."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        poly, point = source.TypeVectorPolygon, source.TypeVectorPoint
        line = source.TypeVectorLine
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CELLS", self.tr("Grid cells"), [poly]),
          "Polygon layer of grid cells with a unique cell_id field.")
        p(QgsProcessingParameterFeatureSource("CAMERAS", self.tr("Existing cameras"), [point]),
          "The cameras already there (camera_id, kind; optional status, range_m, "
          "heading_deg, fov_deg). They are never moved or counted as new.")
        p(QgsProcessingParameterFeatureSource("CANDIDATES", self.tr("Candidate sites"),
                                              [point], optional=True),
          "Poles, walls or junctions a planner proposes; optional candidate_id field.")
        p(QgsProcessingParameterFeatureSource("ROADS", self.tr("Roads"), [line],
                                              optional=True),
          "Without candidates: candidate sites along these roads and at their junctions. "
          "Also needed for the roads weight.")
        p(QgsProcessingParameterNumber("SPACING", self.tr("Spacing along roads (m)"),
                                       QgsProcessingParameterNumber.Type.Double, 20.0,
                                       minValue=0.1),
          "Distance between generated candidate sites along a road.")
        p(QgsProcessingParameterNumber("COUNT", self.tr("Number of new cameras"),
                                       QgsProcessingParameterNumber.Type.Integer, 5, minValue=1),
          "How many sites to choose, in order of their added coverage.")
        p(QgsProcessingParameterEnum("KIND", self.tr("Kind of the new cameras"),
                                     options=list(KINDS), defaultValue=1),
          "Sets the default range (public2: 60 m).")
        p(QgsProcessingParameterNumber("RANGE", self.tr("Range (m)"),
                                       QgsProcessingParameterNumber.Type.Double, optional=True,
                                       minValue=0.1, maxValue=5000.0),
          "Range of a new camera; empty: the default of its kind.")
        p(QgsProcessingParameterNumber("FOV", self.tr("Field of view (degrees)"),
                                       QgsProcessingParameterNumber.Type.Double, 360.0,
                                       minValue=1.0, maxValue=360.0),
          "360 for an omnidirectional camera.")
        p(QgsProcessingParameterEnum("WEIGHT", self.tr("What a newly seen place is worth"),
                                     options=list(WEIGHTS), defaultValue=0),
          "area: square metres; roads: metres of road; incidents: incidents of the current "
          "period in the blind places.")
        p(QgsProcessingParameterFeatureSource("BUILDINGS", self.tr("Buildings"), [poly],
                                              optional=True),
          "Building footprints: views stop at walls and buildings are not watched.")
        p(QgsProcessingParameterFeatureSource("INCIDENTS", self.tr("Incidents"), [point],
                                              optional=True),
          "Incident points with occurred_at, for the incidents weight.")
        p(QgsProcessingParameterString("PERIOD", self.tr("Current period (START/END)"),
                                       optional=True),
          "ISO dates, e.g. 2025-01-01/2025-05-31. Default: 1 January of the latest "
          "incident's year to its date.")
        p(QgsProcessingParameterString("IN_CELLS", self.tr("Only these cells (cell_id, …)"),
                                       optional=True),
          "Comma-separated cell_id values: only their blind area counts. Empty: all cells.")
        p(QgsProcessingParameterBoolean("BACKUP", self.tr("Count backup coverage"), False),
          "Also count places that become seen by a second camera.")
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "Receives the layers sites and site_gain.")
        for layer in LAYERS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.action.siting import site_cameras
        from ...core.inputs.incidents import normalize_incidents

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        range_m = parameters.get("RANGE")
        range_m = None if range_m in (None, "") else self.parameterAsDouble(
            parameters, "RANGE", context)
        cells_text = self.parameterAsString(parameters, "IN_CELLS", context).strip()
        try:
            incidents = self.source_gdf(parameters, "INCIDENTS", context, "incidents")
            if incidents is not None:
                incidents = normalize_incidents(incidents, progress=progress)
            layers = site_cameras(
                self.source_gdf(parameters, "CELLS", context, "cells"),
                self.source_gdf(parameters, "CAMERAS", context, "cameras"),
                self.parameterAsInt(parameters, "COUNT", context),
                candidates=self.source_gdf(parameters, "CANDIDATES", context, "candidates"),
                roads=self.source_gdf(parameters, "ROADS", context, "roads"),
                spacing=self.parameterAsDouble(parameters, "SPACING", context),
                range_m=range_m, fov_deg=self.parameterAsDouble(parameters, "FOV", context),
                kind=KINDS[self.parameterAsEnum(parameters, "KIND", context)],
                weight=WEIGHTS[self.parameterAsEnum(parameters, "WEIGHT", context)],
                buildings=self.source_gdf(parameters, "BUILDINGS", context, "buildings"),
                incidents=incidents, period=self.period(parameters, "PERIOD", context),
                backup=self.parameterAsBool(parameters, "BACKUP", context),
                cell_ids=[c for c in cells_text.split(",") if c.strip()] or None,
                progress=progress)
        except InputError as err:
            raise_processing(err)
        self.write_gpkg(out, layers, parameters)
        return load_outputs(out, LAYERS, context)
