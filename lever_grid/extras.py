"""Optional dependencies (pip extras) and the one-line message naming them when absent.

``pip install lever-grid`` installs everything the analysis needs; two packages are extras:
matplotlib (``lever-grid[map]``: the briefing map picture) and openpyxl
(``lever-grid[excel]``: reading XLSX sheets).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

__all__ = ["EXTRAS", "available", "needs", "missing_for"]

#: module -> the pip extra that installs it
EXTRAS = {"matplotlib": "map", "openpyxl": "excel"}

#: file suffixes read with openpyxl
EXCEL_SUFFIXES = (".xlsx", ".xlsm")


def available(module: str) -> bool:
    """Whether ``module`` can be imported (without importing it)."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def needs(command: str, module: str, what: str = "") -> str:
    """``lever-grid map needs matplotlib: pip install 'lever-grid[map]'``."""
    why = f" {what}" if what else ""
    return f"lever-grid {command} needs {module}{why}: pip install 'lever-grid[{EXTRAS[module]}]'"


def _paths(args) -> list[str]:
    """Input file names among the parsed command-line options (``path|layername=…`` cut)."""
    out = []
    for key, value in vars(args).items():
        if key != "out" and isinstance(value, str) and value:
            out.append(value.split("|", 1)[0])
    return out


def missing_for(args) -> str | None:
    """The message for an optional package the parsed command needs and lacks, or None."""
    command = args.command
    if command == "map" and not available("matplotlib"):
        return needs("map", "matplotlib")
    if not available("openpyxl"):
        for path in _paths(args):
            if Path(path).suffix.lower() in EXCEL_SUFFIXES:
                return needs(command, "openpyxl", f"to read {Path(path).name}") + \
                    " (or save the sheet as CSV)"
    return None
