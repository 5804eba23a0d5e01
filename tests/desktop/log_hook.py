"""PYQGIS_STARTUP hook for test runs: every message-log entry, and every Python error
dialog QGIS would open, appended as JSON lines to the file named by LEVER_GRID_LOG.

It runs before QGIS loads its plugins, so a traceback while the plugin loads is caught.
A Python error dialog is recorded instead of shown (it would block the unattended run).
"""

import builtins
import json
import os
import traceback

from qgis.core import QgsApplication

LOG = os.environ["LEVER_GRID_LOG"]


def _write(kind: str, tag: str, text: str, level) -> None:
    level = getattr(level, "value", level)
    with open(LOG, "a", encoding="utf-8") as fh:
        fh.write(json.dumps({"kind": kind, "tag": tag, "text": text, "level": int(level)},
                            ensure_ascii=False) + "\n")


def _received(message, tag, level) -> None:
    _write("log", tag, message, level)


def _dialog(etype, value, tb, msg, pop_error=True) -> None:
    text = "".join(traceback.format_exception(etype, value, tb))
    _write("dialog", "Python error", f"{msg}\n{text}", 2)


# qgis_process runs PYQGIS_STARTUP twice: connect once per process
if not hasattr(builtins, "_lever_grid_log_hook"):
    QgsApplication.messageLog().messageReceived.connect(_received)
    try:
        import qgis.utils

        qgis.utils.open_stack_dialog = _dialog
    except Exception as exc:  # noqa: BLE001 - the hook must never break QGIS's start
        _write("log", "log_hook", f"could not hook the error dialog: {exc}", 1)
    builtins._lever_grid_log_hook = (_received, _dialog)  # keep the slots alive
