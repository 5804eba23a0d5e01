"""The QGIS plugin object: Processing provider, the Lever Grid dock, menu and toolbar."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsApplication, QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, Qt, QTranslator
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction

from ..paths import resources_dir
from .processing.base import ICON
from .processing.provider import LeverGridProvider

I18N = resources_dir() / "i18n"

#: QGIS locale names -> our translation file (QGIS calls Simplified Chinese "zh-Hans").
LOCALE_ALIASES = {"zh": "zh_CN", "zh_hans": "zh_CN", "zh_hans_cn": "zh_CN", "zh_sg": "zh_CN",
                  "zh_hant": "zh_TW", "zh_hant_tw": "zh_TW", "zh_hk": "zh_TW"}


def qgis_locale() -> str:
    """The locale QGIS runs in: ``locale/userLocale`` when ``locale/overrideFlag`` is set,
    otherwise the system locale (which QGIS also writes to ``locale/userLocale``)."""
    settings = QgsSettings()
    if settings.value("locale/overrideFlag", False, type=bool):
        user = settings.value("locale/userLocale", "", type=str)
        if user:
            return user
    return QLocale.system().name()


def translation_file(locale: str, folder: Path = I18N) -> Path | None:
    """``lever_grid_<locale>.qm`` for a QGIS locale (zh-Hans, zh_CN, zh …), if we have one."""
    name = locale.replace("-", "_").split(".")[0]
    alias = LOCALE_ALIASES.get(name.lower())
    candidates = [name, alias] if alias else [name, name[:5], name[:2],
                                              LOCALE_ALIASES.get(name[:2].lower())]
    for candidate in filter(None, candidates):
        qm = folder / f"lever_grid_{candidate}.qm"
        if qm.is_file():
            return qm
    return None


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
        qm = translation_file(locale or qgis_locale(), folder)
        if qm is None:
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
        from .gui.dock import LeverGridDock

        self.initProcessing()
        window = self.iface.mainWindow()
        self.dock = LeverGridDock(self.iface, window)
        self.iface.addDockWidget(Qt.RightDockWidgetArea, self.dock)
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
