"""``levergrid:incidentstats`` — incidents per cell and police office, two periods."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterString,
)

from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

LAYERS = ("cell_incidents", "office_stats")


class IncidentStatsAlgorithm(LeverGridAlgorithm):
    NAME = "incidentstats"
    LABEL = "Incident statistics per cell and police office"
    HELP = (
        "Counts incidents per grid cell and per police office in the current and previous "
        "periods, with change % ((current − previous) / previous × 100, empty for a zero "
        "baseline), a small-count flag (baseline under 10), rank and counts by category. "
        "A point on an edge shared by two cells goes to the lower cell_id."
    )

    def initAlgorithm(self, config=None):
        self.add_param(QgsProcessingParameterFeatureSource(
            "CELLS", self.tr("Grid cells"), [QgsProcessing.SourceType.TypeVectorPolygon]),
            "Polygon layer of grid cells with a unique cell_id field; police_office optional.")
        self.add_param(QgsProcessingParameterFeatureSource(
            "INCIDENTS", self.tr("Incidents"), [QgsProcessing.SourceType.TypeVectorPoint]),
            "Incident points with occurred_at (date or date-time), incident_id and category.")
        self.add_param(QgsProcessingParameterString(
            "PERIOD", self.tr("Current period (START/END)"), optional=True),
            "ISO dates, e.g. 2025-01-01/2025-05-31. Default: 1 January of the latest "
            "incident's year to its date.")
        self.add_param(QgsProcessingParameterString(
            "COMPARE", self.tr("Previous period (START/END)"), optional=True),
            "Default: the current period one year earlier.")
        self.add_cell_column_params()
        self.add_incident_column_params()
        self.add_param(QgsProcessingParameterFileDestination(
            "OUTPUT", self.tr("Output GeoPackage"), "GeoPackage (*.gpkg)"),
            "Receives the layers cell_incidents and office_stats.")
        for layer in LAYERS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.inputs.incidents import normalize_incidents
        from ...core.pipeline import incident_layers

        progress = self.progress(feedback)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            cells = self.cells_gdf(parameters, "CELLS", context, progress)
            incidents = normalize_incidents(
                self.source_gdf(parameters, "INCIDENTS", context, "incidents"),
                **self.incident_columns(parameters, context), progress=progress)
            layers = incident_layers(cells, incidents,
                                     period=self.period(parameters, "PERIOD", context),
                                     compare=self.period(parameters, "COMPARE", context),
                                     progress=progress)
        except InputError as err:
            raise_processing(err)
        self.write_gpkg(out, layers, parameters)
        return load_outputs(out, LAYERS, context)
