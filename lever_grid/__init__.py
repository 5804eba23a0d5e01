"""lever_grid: community-policing grid management (QGIS plugin and Python library).

The QGIS side is imported only when QGIS loads the plugin, so ``import lever_grid`` and
``lever_grid.core`` work without qgis or Qt.
"""

__version__ = "0.1.0"


def classFactory(iface):  # noqa: N802 - QGIS's entry point name
    """QGIS plugin entry point."""
    from .qgis_plugin.plugin import LeverGridPlugin

    return LeverGridPlugin(iface)
