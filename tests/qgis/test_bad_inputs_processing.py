"""The bad-input corpus through Processing (``processing.run`` in real QGIS).

The same cases and files as ``tests/core/test_bad_inputs.py``: an error is a
``QgsProcessingException`` whose message has the one line naming file, layer, feature and
field (or QGIS's own "Could not load source layer" line for files QGIS cannot open); a
repair is logged in the feedback; a success writes the same GeoPackage layers. Never a
Python traceback, never a changed input, never an output or ``.part`` file after an error.
"""

from __future__ import annotations

from pathlib import Path

import pyogrio
import pytest

from tests.bad_cases import CHECKS, Case, qgis_cases
from tests.core.test_bad_inputs import LAYERS, copy_corpus, no_output, sha256_tree

pytestmark = pytest.mark.qgis


def _param(case: Case):
    marks = []
    if case.qgis_known is not None:
        marks.append(pytest.mark.xfail(strict=case.qgis_known.strict,
                                       reason=case.qgis_known.reason))
    return pytest.param(case, id=case.id, marks=marks)


def _feedback():
    from qgis.core import QgsProcessingFeedback

    class Recorder(QgsProcessingFeedback):
        """Keeps every message the algorithm sends."""

        def __init__(self) -> None:
            super().__init__()
            self.infos: list[str] = []
            self.errors: list[str] = []

        def pushInfo(self, info):  # noqa: N802 - Qt API
            self.infos.append(info)
            super().pushInfo(info)

        def pushWarning(self, warning):  # noqa: N802
            self.infos.append(warning)
            super().pushWarning(warning)

        def pushConsoleInfo(self, info):  # noqa: N802
            self.infos.append(info)
            super().pushConsoleInfo(info)

        def pushDebugInfo(self, info):  # noqa: N802
            self.infos.append(info)
            super().pushDebugInfo(info)

        def reportError(self, error, fatalError=False):  # noqa: N802, N803
            self.errors.append(error)
            super().reportError(error, fatalError)

    return Recorder()


def _value(value: object, corpus: Path) -> object:
    """A parameter value; ``delimitedtext:NAME.csv`` becomes a QGIS delimited-text layer."""
    if isinstance(value, str) and value.startswith("delimitedtext:"):
        from qgis.core import QgsVectorLayer

        path = corpus / value.removeprefix("delimitedtext:")
        uri = f"{path.as_uri()}?delimiter=,&xField=lon&yField=lat&crs=EPSG:4326"
        layer = QgsVectorLayer(uri, path.stem, "delimitedtext")
        assert layer.isValid(), uri
        return layer
    return value


@pytest.mark.parametrize("case", [_param(c) for c in qgis_cases()])
def test_bad_input_processing(case: Case, levergrid, tmp_path):
    import processing
    from qgis.core import QgsProcessingContext, QgsProcessingException, QgsProject

    corpus = copy_corpus(tmp_path / "corpus")
    out = case.output(tmp_path, corpus)
    existed = out.exists()
    before = sha256_tree(corpus)
    params = {k: _value(v, corpus) for k, v in case.params(corpus, out).items()}
    feedback = _feedback()
    context = QgsProcessingContext()
    context.setProject(QgsProject.instance())
    error = None
    try:
        results = processing.run(case.algorithm, params, context=context, feedback=feedback)
    except QgsProcessingException as exc:
        error = str(exc)
    del context, params
    log = "\n".join([*feedback.infos, *feedback.errors, error or ""])
    assert "Traceback" not in log, log
    assert sha256_tree(corpus) == before, "an input file was modified"
    leftovers = [p.name for p in tmp_path.rglob("*") if ".part" in p.name]
    assert not leftovers, leftovers

    expected = case.substrings(corpus, qgis=True)
    if case.outcome(qgis=True) == "error":
        assert error is not None, f"no error; log:\n{log}"
        lines = [ln for ln in error.splitlines() if all(part in ln for part in expected)]
        assert lines, f"{expected} not on one line of {error!r}"
        if not error.startswith(("Unable to execute algorithm", "Error: Algorithm")):
            assert len(error.splitlines()) == 1, error  # our own message: one line
        assert existed or no_output(out), "output written despite the error"
        return
    assert error is None, error
    for part in expected:
        assert any(part in info for info in feedback.infos), f"{part!r} not logged:\n{log}"
    assert results["OUTPUT"] == str(out)
    assert LAYERS[case.command] <= set(pyogrio.list_layers(out)[:, 0])
    if case.check:
        CHECKS[case.check](out, corpus)
