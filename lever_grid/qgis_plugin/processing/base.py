"""A thin shared base for lever_grid's Processing algorithms."""

from __future__ import annotations

from qgis.core import QgsProcessingAlgorithm, QgsProcessingFeedback
from qgis.PyQt.QtCore import QCoreApplication
from qgis.PyQt.QtGui import QIcon

from ...core.progress import Progress
from ...paths import resources_dir

ICON = resources_dir() / "icons" / "lever_grid.svg"


class LeverGridAlgorithm(QgsProcessingAlgorithm):
    """Common name/group/icon/translation plumbing; subclasses set NAME and LABEL."""

    NAME = ""
    LABEL = ""
    HELP = ""

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("LeverGrid", text)

    def createInstance(self):
        return type(self)()

    def name(self) -> str:
        return self.NAME

    def displayName(self) -> str:
        return self.tr(self.LABEL)

    def group(self) -> str:
        return self.tr("Lever Grid")

    def groupId(self) -> str:
        return "levergrid"

    def shortHelpString(self) -> str:
        return self.tr(self.HELP)

    def icon(self) -> QIcon:
        return QIcon(str(ICON))

    @staticmethod
    def progress(feedback: QgsProcessingFeedback) -> Progress:
        """Core callbacks wired to the Processing feedback (progress, cancel, log)."""
        return Progress(lambda f: feedback.setProgress(100.0 * f), feedback.isCanceled,
                        feedback.pushInfo)
