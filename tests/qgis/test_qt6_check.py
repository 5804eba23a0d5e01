"""The Qt6 / QGIS 4 readiness check of `make lint` (.ci/qt6_check.py) on small sources.

Expected findings are written out by hand from the Qt6 porting rules (PyQt6 has scoped
enums only; exec_, qApp, QRegExp, fontMetrics().width are gone; Qt through qgis.PyQt).
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.qgis

SPEC = importlib.util.spec_from_file_location("qt6_check", ROOT / ".ci" / "qt6_check.py")
qt6_check = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(qt6_check)

BAD = '''\
from PyQt5.QtCore import QTimer
from qgis.PyQt.QtCore import QRegExp, Qt
from qgis.PyQt.QtWidgets import QDialog, QSizePolicy
from qgis.core import QgsWkbTypes

a = Qt.AlignLeft | Qt.AlignTop
b = QSizePolicy.Preferred
c = QgsWkbTypes.PointGeometry
d = QDialog().exec_()
w = label.fontMetrics().width("x")
m = Qt.MidButton
'''

GOOD = '''\
from qgis.PyQt import QtCore
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import QDialog, QSizePolicy
from qgis.core import QgsWkbTypes

a = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop
b = QSizePolicy.Policy.Preferred
c = QgsWkbTypes.GeometryType.PointGeometry
d = QDialog().exec()
w = label.fontMetrics().horizontalAdvance("x")
e = QtCore.Qt.ScrollBarPolicy.ScrollBarAsNeeded
Qt = object()  # a local object of the same name is not looked up again
'''


@pytest.fixture(scope="module")
def enums():
    return qt6_check.Enums()


def test_finds_what_qt6_breaks(enums):
    found = qt6_check.check_source(BAD, "bad.py", enums)
    where = [line.split(": ", 1)[0] for line in found]
    assert where == ["bad.py:1:1", "bad.py:2:1", "bad.py:6:5", "bad.py:6:20", "bad.py:7:5",
                     "bad.py:8:5", "bad.py:9:5", "bad.py:10:5", "bad.py:11:5"], found
    text = "\n".join(found)
    assert "use qgis.PyQt" in text and "QRegularExpression" in text
    assert "write Qt.AlignmentFlag.AlignLeft" in text and "write Qt.AlignmentFlag.AlignTop" in text
    assert "write QSizePolicy.Policy.Preferred" in text
    assert "write QgsWkbTypes.GeometryType.PointGeometry" in text
    assert "call exec()" in text and "horizontalAdvance" in text
    assert "Qt.MouseButton.MiddleButton" in text


def test_scoped_code_passes(enums):
    assert qt6_check.check_source(GOOD, "good.py", enums) == []


def test_fix_writes_the_scoped_spelling(enums):
    source = "from qgis.PyQt.QtCore import Qt\nx = (Qt.AlignLeft, '中文', Qt.AlignRight)\n"
    fixes = []
    qt6_check.check_source(source, "f.py", enums, fixes)
    assert qt6_check.fix_source(source, fixes) == (
        "from qgis.PyQt.QtCore import Qt\n"
        "x = (Qt.AlignmentFlag.AlignLeft, '中文', Qt.AlignmentFlag.AlignRight)\n")


def test_the_repository_is_ready_for_qt6():
    res = subprocess.run([sys.executable, str(ROOT / ".ci" / "qt6_check.py"), "lever_grid",
                          "tests", "bench", ".ci", "resources"], cwd=ROOT, capture_output=True,
                         text=True)
    assert res.returncode == 0, res.stdout + res.stderr
