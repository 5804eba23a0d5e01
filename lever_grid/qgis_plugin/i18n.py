"""Which translation QGIS's locale selects (no engine imports: used before the checks)."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsSettings
from qgis.PyQt.QtCore import QCoreApplication, QLocale, QTranslator

from ..paths import resources_dir

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


def load_translation(locale: str | None = None, folder: Path = I18N) -> QTranslator | None:
    """Install ``lever_grid_<locale>.qm`` for QGIS's locale; the translator, or None."""
    qm = translation_file(locale or qgis_locale(), folder)
    if qm is None:
        return None
    translator = QTranslator()
    if translator.load(str(qm)):
        QCoreApplication.installTranslator(translator)
        return translator
    return None
