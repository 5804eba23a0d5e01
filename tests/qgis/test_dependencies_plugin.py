"""The stand-in plugin QGIS gets while a package is missing (pytest-qgis, in-process).

The report is made by lever_grid.deps.check on a fake world (what QGIS's Python would see
on Debian 12 without the venv); the message bar of QGIS's interface must then show one
message, in English and through the zh_CN translation, and no provider may be added.
"""

from __future__ import annotations

import types

import pytest

from lever_grid import deps

pytestmark = pytest.mark.qgis


def debian12_report() -> deps.Report:
    """numpy, pyproj, scipy present; shapely 1.8.5 (too old); pandas, pyogrio, geopandas
    missing: Debian 12's own packages."""
    present = {"numpy": "1.24.2", "shapely": "1.8.5", "pyproj": "3.4.1", "scipy": "1.10.1"}
    return deps.check(importer=lambda n: types.ModuleType(n),
                      finder=lambda n: object() if n in present else None,
                      versioner=lambda r: present.get(r.module))


@pytest.fixture
def stand_in(qgis_iface):
    from lever_grid.qgis_plugin.dependencies import DependenciesPlugin

    made = []

    def make(report, **kwargs):
        plugin = DependenciesPlugin(qgis_iface, report, **kwargs)
        made.append(plugin)
        return plugin

    yield make
    for plugin in made:
        plugin.unload()


def bar_texts(qgis_iface) -> list[str]:
    return [item.text() for item in qgis_iface.messageBar().items()]


def test_one_message_and_no_provider(qgis_iface, stand_in):
    from qgis.core import QgsApplication

    before = [p.id() for p in QgsApplication.processingRegistry().providers()]
    qgis_iface.messageBar().clearWidgets()
    plugin = stand_in(debian12_report())
    plugin.initProcessing()
    plugin.initGui()
    assert [p.id() for p in QgsApplication.processingRegistry().providers()] == before
    texts = bar_texts(qgis_iface)
    assert len(texts) == 1
    assert texts[0].startswith("Lever Grid is not active. shapely 1.8.5 is too old (needs 2.1 "
                               "or later). pandas is missing. pyogrio is missing. geopandas "
                               "is missing. ")
    assert plugin.action is not None and plugin.action.text() == "Install dependencies…"
    from qgis.PyQt.QtWidgets import QPushButton

    buttons = [b.text() for b in plugin.message.findChildren(QPushButton)]
    assert "Install dependencies…" in buttons


def test_message_in_chinese(qgis_iface, stand_in):
    from lever_grid.qgis_plugin.i18n import load_translation

    translator = load_translation("zh_CN")
    assert translator is not None, "run `make package` (it compiles the .qm files)"
    try:
        qgis_iface.messageBar().clearWidgets()
        plugin = stand_in(debian12_report())
        plugin.initGui()
        (text,) = bar_texts(qgis_iface)
        assert text.startswith("Lever Grid 未启用。shapely 1.8.5 版本过旧（需要 2.1 或更高版本）。 "
                               "缺少 pandas。"), text
        assert plugin.action.text() == "安装依赖…"
    finally:
        from qgis.PyQt.QtCore import QCoreApplication

        QCoreApplication.removeTranslator(translator)


def test_unsafe_wheel_reason_is_translated_text(qgis_iface, stand_in):
    from lever_grid.qgis_plugin.dependencies import message_text

    clash = deps.Mixing("shapely", "GEOS", "3.13.1", "3.11.1", "libgeos-0fe5d9b6.so.3.13.1")
    status = deps.Status(next(r for r in deps.REQUIREMENTS if r.module == "shapely"),
                         "2.1.2", "unsafe", str(clash), clash)
    text = message_text(deps.Report([status]), kind="windows")
    assert "shapely 2.1.2 cannot be used inside QGIS: its wheel carries GEOS 3.13.1 but QGIS " \
           "uses GEOS 3.11.1" in text
    assert "Fix: in the OSGeo4W Shell run python -m pip install \"shapely>=2.1\"" in text


def test_a_failing_engine_import_becomes_one_line(qgis_iface, monkeypatch):
    """If the engine itself fails to import after the check, still no traceback."""
    import builtins

    from lever_grid.qgis_plugin import dependencies

    monkeypatch.setattr(dependencies, "current_report", lambda: deps.Report())
    real_import = builtins.__import__

    def failing(name, *args, **kwargs):
        if name == "plugin" and len(args) > 3 and args[3] == 1:  # from .plugin import …
            raise ImportError("libfoo.so: cannot open shared object file")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", failing)
    plugin = dependencies.load(qgis_iface)
    monkeypatch.setattr(builtins, "__import__", real_import)
    assert type(plugin).__name__ == "DependenciesPlugin"
    assert plugin.text == "Lever Grid could not start: ImportError: libfoo.so: cannot open " \
                          "shared object file"
