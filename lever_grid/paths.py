"""Where the bundled resources (icons, styles, translations, sample) live."""

from __future__ import annotations

from pathlib import Path

__all__ = ["resources_dir"]


def resources_dir() -> Path:
    """``lever_grid/resources`` inside the plugin zip, ``resources/`` in a source checkout."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "resources", here.parent / "resources"):
        if candidate.is_dir():
            return candidate
    return here / "resources"
