"""The ``levergrid`` Processing provider."""

from __future__ import annotations

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .analyse import AnalyseAlgorithm
from .base import ICON


class LeverGridProvider(QgsProcessingProvider):
    """Registers every lever_grid algorithm under the id ``levergrid``."""

    def id(self) -> str:
        return "levergrid"

    def name(self) -> str:
        return "Lever Grid"

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    def loadAlgorithms(self) -> None:
        for alg in (AnalyseAlgorithm(),):
            self.addAlgorithm(alg)
