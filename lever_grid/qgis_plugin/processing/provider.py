"""The ``levergrid`` Processing provider."""

from __future__ import annotations

from importlib import import_module

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .base import ICON

#: (module, class) of every algorithm, in Toolbox order. One line per algorithm.
ALGORITHMS = (
    ("buildcells", "BuildCellsAlgorithm"),
    ("validatecells", "ValidateCellsAlgorithm"),
    ("cameraviews", "CameraViewsAlgorithm"),
    ("analyse", "AnalyseAlgorithm"),
    ("incidentstats", "IncidentStatsAlgorithm"),
    ("exportbriefing", "ExportBriefingAlgorithm"),
    ("sitecameras", "SiteCamerasAlgorithm"),
    ("hotspots", "HotspotsAlgorithm"),
    ("patrol", "PatrolAlgorithm"),
)


class LeverGridProvider(QgsProcessingProvider):
    """Registers every lever_grid algorithm under the id ``levergrid``."""

    def id(self) -> str:
        return "levergrid"

    def name(self) -> str:
        return "Lever Grid"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def loadAlgorithms(self) -> None:
        for module, cls in ALGORITHMS:
            alg = getattr(import_module(f"{__package__}.{module}"), cls)
            self.addAlgorithm(alg())
