"""``levergrid:cameraviews`` — what each camera sees: circle or sector, cut by buildings
and walls."""

from __future__ import annotations

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputVectorLayer,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFileDestination,
)

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
        "with buildings and walls (lines), the part of it no building or wall hides (a "
        "wall lower than the camera does not block it). Circles have 64 sides (QGIS's "
        "Buffer with 16 segments per quarter); sectors are QGIS's Wedge buffers "
        "segmentized by 5.625° (Segmentize by maximum angle). Writes the layer "
        "camera_views (camera_id, kind, area_m2) into a GeoPackage, in the cameras' CRS; "
        "areas are in square metres."
    )

    def initAlgorithm(self, config=None):
        source = QgsProcessing.SourceType
        poly, point, line = (source.TypeVectorPolygon, source.TypeVectorPoint,
                             source.TypeVectorLine)
        p = self.add_param
        p(QgsProcessingParameterFeatureSource("CAMERAS", self.tr("Cameras"), [point]),
          "Point layer with camera_id and kind; optional status, range_m, heading_deg, fov_deg.")
        p(QgsProcessingParameterFeatureSource("BUILDINGS", self.tr("Buildings"), [poly],
                                              optional=True),
          "Building footprints: a view stops at the first wall. A camera on a wall or "
          "inside a building is not blinded by that building.")
        p(QgsProcessingParameterFeatureSource("WALLS", self.tr("Walls and fences"), [line],
                                              optional=True),
          "Wall, fence and hedge lines that block camera views; optional height_m (a wall "
          "lower than the camera's height_m does not block it).")
        self.add_kinds_param()
        p(QgsProcessingParameterFileDestination("OUTPUT", self.tr("Output GeoPackage"),
                                                "GeoPackage (*.gpkg)"),
          "The GeoPackage that receives every output layer.")
        for layer in LAYER_OUTPUTS:
            self.addOutput(QgsProcessingOutputVectorLayer(layer.upper(), layer))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.pipeline import camera_views

        progress = self.progress(feedback)
        kinds = self.kinds(parameters, context)
        out = self.parameterAsFileOutput(parameters, "OUTPUT", context)
        try:
            views = camera_views(
                self.source_gdf(parameters, "CAMERAS", context, "cameras"),
                buildings=self.source_gdf(parameters, "BUILDINGS", context, "buildings"),
                walls=self.source_gdf(parameters, "WALLS", context, "walls"),
                kinds=kinds, progress=progress,
            )
        except InputError as err:
            raise_processing(err)
        self.write_gpkg(out, {"camera_views": views}, parameters)
        return load_outputs(out, LAYER_OUTPUTS, context)
