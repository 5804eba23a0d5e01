"""The QGIS plugin object: Processing provider, the Lever Grid dock, menu and toolbar."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QCoreApplication, Qt, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from .i18n import (  # noqa: F401 - qgis_locale, translation_file: part of this module's API
    I18N,
    LOCALE_ALIASES,
    load_translation,
    qgis_locale,
    translation_file,
)
from .processing.base import ICON
from .processing.provider import LeverGridProvider


class LeverGridPlugin:
    """Created by QGIS through ``classFactory(iface)``."""

    def __init__(self, iface) -> None:
        self.iface = iface
        self.provider: LeverGridProvider | None = None
        self.actions: list[QAction] = []
        self.dock = None
        self.dock_action: QAction | None = None
        self.translator = self._load_translation()

    @staticmethod
    def _load_translation(locale: str | None = None, folder: Path = I18N
                          ) -> QTranslator | None:
        return load_translation(locale, folder)

    def tr(self, text: str) -> str:
        return QCoreApplication.translate("LeverGrid", text)

    def initProcessing(self) -> None:
        self.provider = LeverGridProvider()
        QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self) -> None:
        from .gui.dock import LeverGridDock

        self.initProcessing()
        window = self.iface.mainWindow()
        self.dock = LeverGridDock(self.iface, window)
        self.iface.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
        self.dock.hide()

        self.dock_action = QAction(QIcon(str(ICON)), self.tr("Lever Grid panel"), window)
        self.dock_action.setCheckable(True)
        self.dock_action.setToolTip(self.tr("Show the Lever Grid panel: cells, coverage, "
                                            "blind spots, incidents"))
        self.dock_action.toggled.connect(self.dock.setVisible)
        self.dock.visibilityChanged.connect(self.dock_action.setChecked)
        self.iface.addPluginToVectorMenu(self.tr("Lever Grid"), self.dock_action)
        self.iface.addVectorToolBarIcon(self.dock_action)
        self.actions.append(self.dock_action)

        action = QAction(QIcon(str(ICON)), self.tr("Analyse camera coverage…"), window)
        action.triggered.connect(self._open_analyse)
        self.iface.addPluginToVectorMenu(self.tr("Lever Grid"), action)
        self.actions.append(action)

    def show_dock(self):
        """Show (and raise) the dock; returns it."""
        if self.dock is not None:
            self.dock.show()
            self.dock.raise_()
        return self.dock

    def _open_analyse(self) -> None:
        from processing import execAlgorithmDialog

        execAlgorithmDialog("levergrid:analyse")

    def unload(self) -> None:
        for action in self.actions:
            self.iface.removePluginVectorMenu(self.tr("Lever Grid"), action)
            self.iface.removeVectorToolBarIcon(action)
        self.actions.clear()
        if self.dock is not None:
            self.dock.unload()
            self.iface.removeDockWidget(self.dock)
            self.dock.deleteLater()
            self.dock = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        if self.translator is not None:
            QCoreApplication.removeTranslator(self.translator)
