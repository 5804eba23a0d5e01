"""The one table of field-name aliases for cells, cameras and incidents.

Layers come as they come: a Shapefile truncates field names to 10 characters
(``police_office`` → ``police_off``, ``heading_deg`` → ``heading_de``, ``incident_id`` →
``incident_i``, ``occurred_at`` → ``occurred_a``; GDAL's Shapefile driver, checked by
writing our fields and reading them back), and Chinese offices use Chinese headers.
:data:`ALIASES` lists, per role and field, the names taken for it (compared ignoring
case, spaces and a bracketed unit, as :func:`~.sheets.match_column` does); the first
match wins. ``docs/data-model.md`` shows the same table.

Explicit columns (``--office-column``, ``--officer-column``, ``--cell-id-column``,
``--date-column``, ``--id-column``, ``--category-column``) override the table.

Examples
--------
>>> import pandas as pd
>>> frame = pd.DataFrame({"网格编号": [1], "police_off": ["A"]})
>>> rename_fields(frame, "cells").columns.tolist()
['cell_id', 'police_office']
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ..errors import InputError
from ..progress import Progress
from .sheets import match_column

__all__ = ["ALIASES", "OPTIONAL", "SHAPEFILE_NAMES", "rename_fields", "log_missing",
           "canonical_ids"]


#: Field name → the 10-character name GDAL's Shapefile driver writes for it.
SHAPEFILE_NAMES = {"police_office": "police_off", "heading_deg": "heading_de",
                   "incident_id": "incident_i", "occurred_at": "occurred_a"}


#: Per role: canonical field → accepted names, first match wins (the canonical name first).
ALIASES: dict[str, dict[str, tuple[str, ...]]] = {
    "cells": {
        "cell_id": ("cell_id", "网格编号", "网格号", "网格id", "网格代码", "cellid"),
        "name": ("name", "网格名称", "网格名", "名称"),
        # 派出所 (police station) is taken when there is no 警务室 (police office) column
        "police_office": ("police_office", "police_off", "警务室", "所属警务室", "派出所",
                          "所属派出所"),
        "officer": ("officer", "社区民警", "责任民警", "民警"),
        "locked": ("locked", "锁定"),
    },
    "cameras": {
        "camera_id": ("camera_id", "摄像头编号", "点位编号", "摄像机编号", "设备编号"),
        "kind": ("kind", "类型", "类别", "点位类型"),
        "status": ("status", "状态", "在线状态"),
        "range_m": ("range_m", "距离", "半径", "监控距离", "可视距离"),
        "heading_deg": ("heading_deg", "heading_de", "朝向", "方向角"),
        "fov_deg": ("fov_deg", "视角", "视场角"),
    },
    "incidents": {
        "incident_id": ("incident_id", "incident_i", "警情编号", "案件编号", "案事件编号", "编号",
                        "id"),
        "occurred_at": ("occurred_at", "occurred_a", "发案时间", "发生时间", "案发时间",
                        "报警时间", "接警时间", "datetime", "时间", "发案日期", "日期", "date",
                        "time"),
        "category": ("category", "类别", "案件类别", "警情类别", "案件类型", "警情类型", "类型",
                     "分类"),
    },
}


#: Optional fields whose absence is worth one line (what is assumed instead).
OPTIONAL: dict[str, dict[str, str]] = {
    "cells": {
        "police_office": "office_stats stays empty (name the column with --office-column)",
        "officer": "no officer is listed (name the column with --officer-column)",
    },
    "cameras": {
        "status": "every camera counts as online",
        "heading_deg": "every camera sees all around (360°)",
        "fov_deg": "sectors get the default field of view",
    },
    "incidents": {
        "category": "incidents have no category",
    },
}


def rename_fields(
    frame: pd.DataFrame,
    role: str,
    columns: Mapping[str, str | None] | None = None,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """``frame`` with alias columns renamed to our field names (a copy when renamed).

    ``columns`` maps a field to the column the user named for it (``None`` or ``""``:
    use the alias table); a named column that does not exist is an :class:`InputError`
    naming the column and the columns there are. A column already called like the field
    is kept when no explicit column is named; otherwise the field's own column is renamed
    ``<field>_source`` to make room. Each rename is reported through ``progress``.
    """
    progress = progress or Progress()
    table = ALIASES[role]
    geometry = getattr(frame, "_geometry_column_name", None)
    names = [c for c in frame.columns if c != geometry]
    where = {"file": frame.attrs.get("file"), "layer": frame.attrs.get("layer", role)}
    mapping: dict[object, str] = {}
    taken: set[object] = set()
    explicit: dict[str, str] = {f: c for f, c in (columns or {}).items() if c}
    for field, given in explicit.items():
        if given not in frame.columns:
            shown = ", ".join(map(str, names))
            raise InputError(f"no column {given!r} (given for {field}); the columns are: "
                             f"{shown}", field=given, **where)
        taken.add(given)
    for field in table:
        col: object = explicit.get(field)
        if col is None:
            col = match_column([c for c in names if c not in taken
                                and c not in mapping], table[field])
        if col is None:
            continue
        taken.add(col)
        if col != field:
            mapping[col] = field
    if not mapping:
        return frame
    clash: dict[object, str] = {field: f"{field}_source" for field in mapping.values()
                                if field in frame.columns and field not in mapping}
    out = frame.rename(columns={**clash, **mapping})
    out.attrs.update(frame.attrs)
    source = where["file"] or role
    for renamed, field in mapping.items():
        progress.info(f"{source}: column '{renamed}' used as {field}")
    return out


def log_missing(frame: pd.DataFrame, role: str, progress: Progress,
                skip: tuple[str, ...] = ()) -> None:
    """One line per optional field of ``role`` that ``frame`` lacks, saying what follows."""
    source = frame.attrs.get("file") or role
    for field, consequence in OPTIONAL[role].items():
        if field not in frame.columns and field not in skip:
            others = [a for a in ALIASES[role][field] if a != field]
            nor = f" (nor {', '.join(others)})" if others else ""
            progress.info(f"{source}: no {field} field{nor}; {consequence}")


def canonical_ids(values: pd.Series) -> pd.Series:
    """Cell ids as integers where their text round-trips exactly, else as stripped text.

    ``"12"`` and ``12.0`` become 12; ``"01"``, ``"1.0"``, ``"+1"`` or ``"A3"`` stay text,
    so ``"01"`` and ``"1"`` remain two cells. All or nothing: one id that is not a plain
    whole number keeps the whole column as text. Call it on ids without nulls.

    Examples
    --------
    >>> canonical_ids(pd.Series(["1", "2"])).tolist()
    [1, 2]
    >>> canonical_ids(pd.Series(["01", "1"])).tolist()
    ['01', '1']
    """
    dtype = values.dtype
    if pd.api.types.is_integer_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype):
        return values.astype("int64")
    if pd.api.types.is_float_dtype(dtype) and np.isfinite(values).all() and \
            (values == np.round(values)).all() and (values.abs() < 2**53).all():
        return values.astype("int64")
    text = pd.Series([str(v).strip() for v in values.to_numpy(dtype=object)],
                     index=values.index, dtype=object)
    if text.str.fullmatch(r"-?(0|[1-9][0-9]{0,15})").all() and len(text):
        return text.astype("int64")
    return text
