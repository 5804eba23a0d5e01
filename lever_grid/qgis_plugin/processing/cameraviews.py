"""``levergrid:cameraviews`` — what each camera sees: circle or sector, cut by buildings."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
)

from ...core.cameras import KINDS
from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm, load_outputs

LAYER_OUTPUTS = ("camera_views",)


class CameraViewsAlgorithm(LeverGridAlgorithm):
    NAME = "cameraviews"
    LABEL = "Camera views"
    HELP = (
        "Draws what every online camera of the chosen kinds sees: a circle of its range "
        "(range_m, or the default of its kind) or, with a heading, a field-of-view sector; "
        "with buildings, the part of it no building hides. Circles have 64 sides (QGIS's "
        "Buffer with 16 segments per quarter); sectors are QGIS's Wedge buffers "
        "segmentized by 5.625° (Segmentize by maximum angle). Writes the layer "
        "camera_views (camera_id, kind, area_m2) into a GeoPackage, in the cameras' CRS; "
        "areas are in square metres."
    )

    def initAlgorithm(self, config=None):
        poly, point = QgsProcessing.TypeVectorPolygon, QgsProcessing.TypeVectorPoint
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CAMERAS", self.tr("Cameras"), [point]),
          "Point layer with camera_id and kind; optional status, range_m, heading_deg, fov_deg.")
        p(QgsProcessingParameterFeatureSource("BUILDINGS", self.tr("Buildings"), [poly],
                                              optional=True),
          "Building footprints: a view stops at the first wall. A camera on a wall or "
          "inside a building is not blinded by that building.")
        p(QgsProcessingParameterEnum("KINDS", self.tr("Camera kinds that count"),
                                     options=list(KINDS), allowMultiple=True, optional=True),
          "Leave empty for all kinds; e.g. only public1 and public2 for public cameras.")
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "The GeoPackage that receives every output layer.")
        for layer in LAYER_OUTPUTS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.analysis import camera_views
        from ...core.io import write_layers

        progress = self.progress(feedback)
        chosen = parameters.get("KINDS")
        kinds = ([KINDS[i] for i in self.parameterAsEnums(parameters, "KINDS", context)]
                 if chosen not in (None, "", []) else None)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            views = camera_views(
                self.source_gdf(parameters, "CAMERAS", context, "cameras"),
                buildings=self.source_gdf(parameters, "BUILDINGS", context, "buildings"),
                kinds=kinds, progress=progress,
            )
        except InputError as err:
            raise_processing(err)
        write_layers(out, {"camera_views": views})
        return load_outputs(out, LAYER_OUTPUTS, context)
