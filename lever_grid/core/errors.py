"""Errors for bad input: one line naming file, layer, feature and field."""

from __future__ import annotations

import re

__all__ = ["InputError", "Cancelled", "location_of"]


#: Line breaks (and the blanks around them) inside a message: the user sees one line.
_ONE_LINE = re.compile(r"\s*[\r\n]+\s*")


class InputError(ValueError):
    """Bad input. ``str(err)`` is the one line shown to the user (exit code 2)."""

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        layer: str | None = None,
        feature: object | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = file
        self.layer = layer
        self.feature = feature
        self.field = field
        super().__init__(self.line())

    def line(self) -> str:
        where = []
        if self.file is not None:
            where.append(f"file {self.file}")
        if self.layer is not None:
            where.append(f"layer {self.layer}")
        if self.feature is not None:
            where.append(f"feature {self.feature}")
        if self.field is not None:
            where.append(f"field {self.field}")
        prefix = ", ".join(where)
        text = f"{prefix}: {self.message}" if prefix else self.message
        return _ONE_LINE.sub(" ", text).strip()

    def located(self, **where: object) -> InputError:
        """Return a copy with missing location parts filled in."""
        parts = {k: getattr(self, k) for k in ("file", "layer", "feature", "field")}
        for key, value in where.items():
            if parts.get(key) is None:
                parts[key] = value
        return InputError(self.message, **parts)


class Cancelled(RuntimeError):
    """The user cancelled a long-running job."""


def location_of(layer: object, role: str) -> dict[str, str | None]:
    """The ``file`` and ``layer`` of an input frame (its ``attrs``), for :class:`InputError`.

    ``layer`` is a GeoDataFrame read by :mod:`lever_grid.core.inputs` (or ``None``: only
    the role is known); ``role`` names the layer when the frame does not.
    """
    attrs = getattr(layer, "attrs", None)
    if attrs is None:
        return {"layer": role}
    return {"file": attrs.get("file"), "layer": attrs.get("layer", role)}
