"""pytest-qgis set-up: Processing initialised once and the levergrid provider registered."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def levergrid(qgis_app, qgis_processing):
    """The Processing registry with the levergrid provider added (once per session)."""
    from qgis.core import QgsApplication

    from lever_grid.qgis_plugin.processing.provider import LeverGridProvider

    registry = QgsApplication.processingRegistry()
    if registry.providerById("levergrid") is None:
        registry.addProvider(LeverGridProvider())
    return registry


def run_alg(alg_id: str, params: dict) -> dict:
    """processing.run with a fresh context and feedback; returns the results."""
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingFeedback, QgsProject

    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    return processing.run(alg_id, params, context=context, feedback=QgsProcessingFeedback())
