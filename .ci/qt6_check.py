"""Check-only Qt6 / QGIS 4 readiness check of Python sources (run by `make lint`).

Modelled on the QGIS project's own migration script, ``scripts/pyqt5_to_pyqt6/
pyqt5_to_pyqt6.py`` in https://github.com/qgis/QGIS (Julien Cabieces, GPL-2.0-or-later),
which rewrites plugins for PyQt6; this module only reports, as ``file:line:col: message``,
what that script would change or warn about, and exits 1 when there is anything:

- Qt imported other than through ``qgis.PyQt`` (``PyQt5``/``PyQt6``/``sip`` directly,
  ``qgis.PyQt.Qt``);
- enum values that are not fully scoped, e.g. ``Qt.AlignLeft`` instead of
  ``Qt.AlignmentFlag.AlignLeft`` or ``QgsWkbTypes.PointGeometry`` instead of
  ``QgsWkbTypes.GeometryType.PointGeometry`` (PyQt6 has scoped enums only). Like the
  script, which introspects PyQt6 and QGIS, the enums are looked up in the ``qgis.PyQt``
  and ``qgis.core/gui/analysis`` modules of the running QGIS; both spellings work on
  PyQt5 >= 5.11 and QGIS 3.22+, whose moved enums keep their scoped old names;
- APIs removed in Qt6: ``exec_``, ``qApp``, ``QRegExp``, ``QDesktopWidget``
  (``.desktop()``), ``QFontMetrics.width``, ``activated[str]``, compiled resources
  (``resources_rc``), ``QVariant()`` as null, ``QVariant.Type.X``, 8-argument
  ``QDateTime(...)`` and ``QDateTime(QDate(...))``, the renamed enums ``Qt.MidButton``,
  ``Qt.TextColorRole``, ``Qt.BackgroundColorRole``, ``QPainter.HighQualityAntialiasing``;
- the script's warning about ``addAction`` with four or more arguments.

Usage: ``python .ci/qt6_check.py [--fix] [PATH ...]`` (folders are searched for ``*.py``);
``--fix`` writes the scoped spelling of unscoped enums into the files (the rest is
reported only).
"""

from __future__ import annotations

import ast
import enum
import importlib
import sys
from pathlib import Path

MODULES = ("qgis.PyQt.QtCore", "qgis.PyQt.QtGui", "qgis.PyQt.QtWidgets", "qgis.PyQt.QtNetwork",
           "qgis.PyQt.QtXml", "qgis.PyQt.QtSvg", "qgis.PyQt.QtPrintSupport", "qgis.PyQt.QtSql",
           "qgis.PyQt.QtTest", "qgis.core", "qgis.gui", "qgis.analysis")

#: (class, old name) -> replacement, as in the QGIS script's deprecated_renamed_enums
RENAMED = {
    ("Qt", "MidButton"): "Qt.MouseButton.MiddleButton",
    ("Qt", "TextColorRole"): "Qt.ItemDataRole.ForegroundRole",
    ("Qt", "BackgroundColorRole"): "Qt.ItemDataRole.BackgroundRole",
    ("QPainter", "HighQualityAntialiasing"): "QPainter.RenderHint.Antialiasing",
}

REMOVED_IMPORTS = {
    "QRegExp": "QRegExp is removed in Qt6; use QRegularExpression",
    "QDesktopWidget": "QDesktopWidget is removed in Qt6; use QScreen",
    "resources_rc": "compiled resources are removed in Qt6; load icons by file path",
    "qApp": "qApp is removed in Qt6; use QApplication.instance()",
}

SKIP_DIRS = {".venv", "__pycache__", "dist", "build", "outputs", "artifacts", ".git"}


class Enums:
    """Enum members of the classes of the qgis.PyQt and QGIS modules, looked up on demand."""

    def __init__(self) -> None:
        self.modules = []
        for name in MODULES:
            try:
                self.modules.append(importlib.import_module(name))
            except ImportError:
                continue
        if not any(m.__name__ == "qgis.core" for m in self.modules):
            raise SystemExit("qt6_check: needs QGIS's Python (qgis.core) to look enums up; "
                             "run it with the venv's python (make lint)")
        self._classes: dict[str, type | None] = {}

    def cls(self, name: str):
        if name not in self._classes:
            found = None
            for module in self.modules:
                value = getattr(module, name, None)
                if isinstance(value, type):
                    found = value
                    break
            self._classes[name] = found
        return self._classes[name]

    @staticmethod
    def _is_enum_type(value_type) -> bool:
        return type(value_type).__name__ in ("enumtype", "EnumType", "EnumMeta") or \
            (isinstance(value_type, type) and issubclass(value_type, enum.Enum))

    def scope(self, owner, attr: str) -> str | None:
        """The enum name ``E`` when ``owner.attr`` is a member of an enum ``owner.E``
        (so ``owner.E.attr`` is the scoped spelling); ``None`` otherwise."""
        try:
            value = getattr(owner, attr)
        except Exception:  # noqa: BLE001 - sip raises various errors for odd attributes
            return None
        if isinstance(value, type):
            return None
        value_type = type(value)
        if not self._is_enum_type(value_type) or value_type.__name__ == attr:
            return None
        if getattr(owner, value_type.__name__, None) is value_type:
            return value_type.__name__
        for name in dir(owner):  # an alias of the enum class (QGIS' moved enums)
            try:
                if getattr(owner, name) is value_type:
                    return name
            except Exception:  # noqa: BLE001
                continue
        return None


def _dotted(node) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def check_source(source: str, filename: str, enums: Enums, fixes: list | None = None
                 ) -> list[str]:
    """Problems in one file, each ``file:line:col: message``. Unscoped enums are also
    appended to ``fixes`` as (line, column, text to insert) when a list is given."""
    tree = ast.parse(source, filename=filename)
    found: list[tuple[int, int, str]] = []

    def say(node, message: str) -> None:
        found.append((node.lineno, node.col_offset + 1, message))

    # names bound by `from qgis... import X [as Y]`, and module aliases (`from qgis.PyQt
    # import QtCore`): only those are looked up, so local names never clash
    imported: dict[str, str] = {}
    modules: dict[str, str] = {}
    font_metrics: set[str] = set()

    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            if module.split(".")[0] in ("PyQt5", "PyQt6", "sip") or module == "sip":
                say(node, f"import from {module}: use qgis.PyQt (works with Qt5 and Qt6)")
            if module == "qgis.PyQt.Qt":
                say(node, "qgis.PyQt.Qt is gone in Qt6: import from qgis.PyQt.QtCore")
            for alias in node.names:
                if alias.name in REMOVED_IMPORTS:
                    say(node, REMOVED_IMPORTS[alias.name])
                if module.startswith("qgis"):
                    local = alias.asname or alias.name
                    if module == "qgis.PyQt" or module.endswith(".PyQt"):
                        modules[local] = f"{module}.{alias.name}"
                    else:
                        imported[local] = alias.name
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("PyQt5", "PyQt6", "sip"):
                    say(node, f"import {alias.name}: use qgis.PyQt (works with Qt5 and Qt6)")
        elif isinstance(node, ast.FunctionDef) and node.name == "exec_":
            say(node, "exec_ is removed in Qt6: name it exec")
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and \
                isinstance(node.value.func, ast.Name) and \
                node.value.func.id in ("QFontMetrics", "QFontMetricsF"):
            font_metrics |= {t.id for t in node.targets if isinstance(t, ast.Name)}

    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Attribute):
                if func.attr == "exec_":
                    say(node, "exec_() is removed in Qt6: call exec()")
                if func.attr == "addAction" and len(node.args) >= 4:
                    say(node, "fragile call to addAction: use action = QAction(...), "
                              "obj.addAction(action)")
                if func.attr == "desktop" and not node.args:
                    say(node, "QDesktopWidget (desktop()) is removed in Qt6: use QScreen")
                if func.attr == "width" and (
                        (isinstance(func.value, ast.Call) and (
                            (isinstance(func.value.func, ast.Attribute)
                             and func.value.func.attr == "fontMetrics")
                            or (isinstance(func.value.func, ast.Name)
                                and func.value.func.id in ("QFontMetrics", "QFontMetricsF"))))
                        or (isinstance(func.value, ast.Name) and func.value.id in font_metrics)):
                    say(node, "QFontMetrics.width() is removed in Qt6: use horizontalAdvance()")
            elif isinstance(func, ast.Name) and func.id == "QVariant":
                if not node.args or (len(node.args) == 1 and isinstance(node.args[0], ast.Attribute)
                                     and _dotted(node.args[0].value) == "QVariant"):
                    say(node, "QVariant() as a null value does not work with Qt6: use "
                              "qgis.core.NULL")
            elif isinstance(func, ast.Name) and func.id == "QDateTime":
                if len(node.args) == 8:
                    say(node, "QDateTime(y, m, d, h, min, s, ms, ts) is gone in Qt6: use "
                              "QDateTime(QDate(...), QTime(...), ts)")
                elif len(node.args) == 1 and isinstance(node.args[0], ast.Call) and \
                        isinstance(node.args[0].func, ast.Name) and node.args[0].func.id == "QDate":
                    say(node, "QDateTime(QDate(...)) is gone in Qt6: use "
                              "QDateTime(QDate(...), QTime(0, 0, 0))")
        elif isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and \
                node.value.attr == "activated" and isinstance(node.slice, ast.Name) and \
                node.slice.id == "str":
            say(node, "activated[str] is removed in Qt6: use textActivated")
        elif isinstance(node, ast.Attribute):
            owner_path = _dotted(node.value)
            if owner_path is None:
                continue
            if owner_path == "qApp":
                say(node, "qApp is removed in Qt6: use QApplication.instance()")
                continue
            if owner_path == "QVariant" and node.attr == "Type":
                say(node, "QVariant.Type.X does not exist: write QVariant.X")
                continue
            head, _, rest = owner_path.partition(".")
            if head in imported and not rest:
                class_name = imported[head]
                owner = enums.cls(class_name)
            elif head in modules and rest and "." not in rest:
                class_name = rest
                owner = enums.cls(class_name)
            else:
                continue
            if owner is None:
                continue
            if (class_name, node.attr) in RENAMED:
                say(node, f"{class_name}.{node.attr} is gone in Qt6: use "
                          f"{RENAMED[(class_name, node.attr)]}")
                continue
            scope = enums.scope(owner, node.attr)
            if scope is not None:
                say(node, f"unscoped enum {owner_path}.{node.attr}: write "
                          f"{owner_path}.{scope}.{node.attr} (PyQt6 has scoped enums only)")
                if fixes is not None:
                    fixes.append((node.end_lineno, node.end_col_offset - len(node.attr),
                                  f"{scope}."))
    return [f"{filename}:{line}:{col}: {message}" for line, col, message in sorted(found)]


def python_files(paths) -> list[Path]:
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files += [p for p in sorted(path.rglob("*.py"))
                      if not SKIP_DIRS & set(p.relative_to(path).parts)]
        elif path.suffix == ".py":
            files.append(path)
    return files


def fix_source(source: str, fixes: list) -> str:
    """``source`` with the scope names inserted (positions from :func:`check_source`;
    columns are UTF-8 byte offsets, as in ``ast``)."""
    lines = source.splitlines(keepends=True)
    for line, column, text in sorted(set(fixes), reverse=True):
        raw = lines[line - 1].encode("utf-8")
        lines[line - 1] = (raw[:column] + text.encode("utf-8") + raw[column:]).decode("utf-8")
    return "".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    fix = "--fix" in args
    args = [a for a in args if a != "--fix"]
    enums = Enums()
    problems = []
    files = python_files(args or ["."])
    for path in files:
        source = path.read_text(encoding="utf-8")
        fixes: list = []
        problems += check_source(source, str(path), enums, fixes if fix else None)
        if fixes:
            path.write_text(fix_source(source, fixes), encoding="utf-8")
            print(f"{path}: scoped {len(fixes)} enum value(s)")
    for line in problems:
        print(line)
    if problems:
        print(f"qt6_check: {len(problems)} problem(s) in {len(files)} files "
              "(see .ci/qt6_check.py)", file=sys.stderr)
        return 1
    print(f"qt6_check: {len(files)} files ready for Qt6 / QGIS 4")
    return 0


if __name__ == "__main__":
    sys.exit(main())
