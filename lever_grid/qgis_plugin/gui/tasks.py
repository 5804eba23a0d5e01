"""Processing algorithms run in the background (QgsProcessingAlgRunnerTask).

QGIS stays responsive while the core works; progress, messages and the end of the run
come back to the GUI thread as Qt signals, and Cancel stops the core at its next step.
"""

from __future__ import annotations

from pathlib import Path

from qgis.core import (
    QgsApplication,
    QgsFeatureRequest,
    QgsProcessingAlgorithm,
    QgsProcessingAlgRunnerTask,
    QgsProcessingContext,
    QgsProcessingFeedback,
    QgsProcessingParameterEnum,
    QgsProject,
)
from qgis.PyQt.QtCore import QObject, QTimer, pyqtSignal

__all__ = ["Feedback", "AlgorithmRun", "fill_parameters"]


class Feedback(QgsProcessingFeedback):
    """Processing feedback that forwards every message as a signal (thread-safe)."""

    message = pyqtSignal(str, bool)  # text, is_error

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[str] = []
        self.infos: list[str] = []

    def reportError(self, error, fatalError=False):  # noqa: N803 - Qt signature
        super().reportError(error, fatalError)
        self.errors.append(error)
        self.message.emit(error, True)

    def pushInfo(self, info):
        super().pushInfo(info)
        self.infos.append(info)
        self.message.emit(info, False)

    def pushWarning(self, warning):
        super().pushWarning(warning)
        self.infos.append(warning)
        self.message.emit(warning, False)


class AlgorithmRun(QObject):
    """One run of a Processing algorithm as a task of QGIS's task manager.

    Keeps the context, feedback and task alive (Python must hold them for the task's
    lifetime) and reports ``progress(percent)``, ``message(text, is_error)`` and
    ``finished(ok, results)`` on the GUI thread.
    """

    progress = pyqtSignal(float)
    message = pyqtSignal(str, bool)
    finished = pyqtSignal(bool, dict)

    def __init__(self, algorithm: QgsProcessingAlgorithm, parameters: dict,
                 project: QgsProject | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.algorithm = algorithm
        self.parameters = dict(parameters)
        self.context = QgsProcessingContext()
        self.context.setProject(project or QgsProject.instance())
        # the core repairs invalid polygons itself (make_valid, logged)
        self.context.setInvalidGeometryCheck(QgsFeatureRequest.InvalidGeometryCheck.GeometryNoCheck)
        self.feedback = Feedback()
        self.feedback.progressChanged.connect(self.progress)
        self.feedback.message.connect(self.message)
        self.task: QgsProcessingAlgRunnerTask | bool | None = None
        self.ok: bool | None = None
        self.results: dict = {}

    @property
    def threaded(self) -> bool:
        """False for algorithms flagged FlagNoThreading (e.g. print layouts)."""
        return not self.algorithm.flags() & QgsProcessingAlgorithm.Flag.FlagNoThreading

    def start(self) -> None:
        if not self.threaded:
            # such algorithms must run on the GUI thread, as QGIS's own dialog does
            self.task = True
            QTimer.singleShot(0, self._run_here)
            return
        self.task = QgsProcessingAlgRunnerTask(self.algorithm, self.parameters, self.context,
                                               self.feedback)
        self.task.executed.connect(self._done)
        QgsApplication.taskManager().addTask(self.task)

    def _run_here(self) -> None:
        if self.feedback.isCanceled():
            self._done(False, {})
            return
        results, ok = self.algorithm.run(self.parameters, self.context, self.feedback)
        self._done(ok, results)

    def cancel(self) -> None:
        if self.task is not None and self.ok is None:
            self.feedback.cancel()
            if isinstance(self.task, QgsProcessingAlgRunnerTask):
                self.task.cancel()

    def is_running(self) -> bool:
        return self.task is not None and self.ok is None

    def error_text(self) -> str:
        return self.feedback.errors[-1] if self.feedback.errors else ""

    def _done(self, ok: bool, results: dict) -> None:
        self.ok = bool(ok) and not self.feedback.isCanceled()
        self.results = dict(results or {})
        self.finished.emit(self.ok, self.results)


def fill_parameters(algorithm: QgsProcessingAlgorithm, known: dict, out_dir: Path,
                    stem: str) -> tuple[dict, list[str]]:
    """Parameters for ``algorithm`` from ``known`` values, matched by key.

    Enum values may be given by option text (``"road_length"``) or a list of texts; a
    known value the parameter does not accept (a layer for an enum of the same key) is
    left out. Destinations without a known value go to ``out_dir/stem[_KEY].ext``.
    Returns the parameters and the keys of required parameters that could not be filled.
    """
    params: dict = {}
    missing: list[str] = []
    for definition in algorithm.parameterDefinitions():
        key = definition.name()
        value = known.get(key)
        if value is not None and value != "" and value != []:
            if isinstance(definition, QgsProcessingParameterEnum):
                value = _enum_value(definition, value)
            if definition.checkValueIsAcceptable(value):
                params[key] = value
                continue
        if definition.isDestination():
            suffix = "" if key == "OUTPUT" else f"_{key.lower()}"
            if definition.type() == "folderDestination":
                target = out_dir / f"{stem}{suffix}"
                target.mkdir(parents=True, exist_ok=True)
            else:
                ext = definition.defaultFileExtension() or "gpkg"
                target = out_dir / f"{stem}{suffix}.{ext}"
            params[key] = str(target)
            continue
        optional = bool(definition.flags() & definition.FlagOptional)
        if not optional and definition.defaultValue() is None:
            missing.append(key)
    return params, missing


def _enum_value(definition: QgsProcessingParameterEnum, value):
    options = [str(o) for o in definition.options()]

    def index(item):
        if isinstance(item, int):
            return item
        text = str(item)
        return options.index(text) if text in options else text

    if isinstance(value, list | tuple):
        return [index(v) for v in value]
    return index(value)
