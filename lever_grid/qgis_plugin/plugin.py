"""The QGIS plugin object: registers the Processing provider and a menu entry."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QSettings, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from ..paths import resources_dir
from .processing.base import ICON
from .processing.provider import LeverGridProvider

I18N = resources_dir() / "i18n"


class LeverGridPlugin:
    """Created by QGIS through ``classFactory(iface)``."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider: LeverGridProvider | None = None
        self.actions: list[QAction] = []
        self.translator = self._load_translation()

    @staticmethod
    def _load_translation() -> QTranslator | None:
        locale = str(QSettings().value("locale/userLocale", QLocale().name()) or "")[:5]
        qm = I18N / f"lever_grid_{locale}.qm"
        if not qm.exists():
            return None
        translator = QTranslator()
        if translator.load(str(qm)):
            QCoreApplication.installTranslator(translator)
            return translator
        return None

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("LeverGrid", text)

    def initProcessing(self) -> None:
        self.provider = LeverGridProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        self.initProcessing()
        action = QAction(QIcon(str(ICON)), self.tr("Analyse camera coverage…"),
                         self.iface.mainWindow())
        action.triggered.connect(self._open_analyse)
        self.iface.addPluginToVectorMenu(self.tr("Lever Grid"), action)
        self.iface.addVectorToolBarIcon(action)
        self.actions.append(action)

    def _open_analyse(self) -> None:
        from processing import execAlgorithmDialog

        execAlgorithmDialog("levergrid:analyse")

    def unload(self) -> None:
        for action in self.actions:
            self.iface.removePluginVectorMenu(self.tr("Lever Grid"), action)
            self.iface.removeVectorToolBarIcon(action)
        self.actions.clear()
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
