"""lever_grid: community-policing grid management (QGIS plugin and Python library).

The QGIS side is imported only when QGIS loads the plugin, so ``import lever_grid`` and
``lever_grid.core`` work without qgis or Qt.
"""

__version__ = "0.1.0"


def classFactory(iface):  # noqa: N802 - QGIS's entry point name
    """QGIS plugin entry point: checks the Python packages (lever_grid/deps.py) before the
    engine is imported; when one is missing, too old or unsafe in QGIS's process, QGIS gets
    a stand-in that explains the fix and offers Install dependencies… instead of a
    traceback (lever_grid/qgis_plugin/dependencies.py)."""
    from .qgis_plugin.dependencies import load

    return load(iface)
