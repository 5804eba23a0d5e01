"""The briefing's summary table: cells ranked by where attention is needed first.

Order: ``incidents_in_blind`` (most first), then ``blind_m2`` (largest first), then
``covered_pct`` (lowest first), then ``change_pct`` (largest rise first), then
``cell_id``. Empty (masked or unknown) values sort after known ones. The columns are
:data:`SUMMARY_COLUMNS`; ``docs/briefings.md`` describes them.

Examples
--------
>>> stats = pd.DataFrame({"cell_id": [1, 2], "incidents_in_blind": [3, 7],
...     "blind_m2": [10.0, 5.0], "watch_m2": [100.0, 100.0], "covered_share": [0.9, 0.95],
...     "change_pct": [10.0, -5.0]})
>>> summary_table({"cell_stats": stats})[["rank", "cell_id", "covered_pct"]].values.tolist()
[[1, 2, 95.0], [2, 1, 90.0]]
"""

from __future__ import annotations

import html
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd

from ..fs import atomic_path
from ..stats.periods import change_text
from .privacy import MASK_FIELD

__all__ = [
    "SUMMARY_COLUMNS", "OFFICE_COLUMNS", "summary_table", "office_table", "to_markdown", "to_html",
    "write_summary",
]


#: Column name → (Chinese heading, English heading) of the summary table, in order.
SUMMARY_COLUMNS: dict[str, tuple[str, str]] = {
    "rank": ("排序", "rank"),
    "cell_id": ("网格", "cell"),
    "name": ("名称", "name"),
    "police_office": ("派出所", "police office"),
    "incidents_in_blind": ("盲区警情", "incidents in blind spots"),
    "blind_m2": ("盲区面积 m²", "blind area m²"),
    "watch_m2": ("应监控面积 m²", "watch area m²"),
    "covered_pct": ("覆盖率 %", "covered %"),
    "cameras": ("摄像头", "cameras"),
    "incidents_previous": ("上期警情", "incidents previous"),
    "incidents_current": ("本期警情", "incidents current"),
    "change_pct": ("变化 %", "change %"),
    MASK_FIELD: ("已遮蔽", "masked"),
}


#: Columns of the police-office table (Markdown and HTML only).
OFFICE_COLUMNS: dict[str, tuple[str, str]] = {
    "police_office": ("派出所", "police office"),
    "cells": ("网格数", "cells"),
    "incidents_previous": ("上期警情", "incidents previous"),
    "incidents_current": ("本期警情", "incidents current"),
    "change_pct": ("变化 %", "change %"),
    MASK_FIELD: ("已遮蔽", "masked"),
}


_INTEGERS = ("rank", "cell_id", "incidents_in_blind", "cameras", "incidents_previous",
             "incidents_current", "cells")


def summary_table(layers: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Cells ranked for the briefing, one row per cell of ``cell_stats``.

    Names and police offices come from the ``cells`` layer when present; without
    ``cell_stats`` the ``cells`` layer alone gives the rows (figures empty). Pass layers
    already masked (:func:`~lever_grid.core.export.mask_counts`) to mask the table: the
    ranking then uses the masked values only, so it reveals nothing about them.
    """
    source = layers.get("cell_stats", layers.get("cells"))
    if source is None:
        raise ValueError("Layer cell_stats (or cells) is needed for the summary table")
    stats = pd.DataFrame(source).drop(columns="geometry", errors="ignore")
    cells = layers.get("cells")
    if cells is not None and "cell_id" in cells.columns:
        extra = [c for c in ("name", "police_office") if c in cells.columns
                 and c not in stats.columns]
        if extra:
            stats = stats.merge(pd.DataFrame(cells)[["cell_id", *extra]], on="cell_id",
                                how="left")
    if "covered_share" in stats.columns:
        stats["covered_pct"] = (pd.to_numeric(stats["covered_share"]) * 100.0).round(1)
    for col in SUMMARY_COLUMNS:
        if col not in stats.columns and col != "rank":
            stats[col] = False if col == MASK_FIELD else np.nan
    keys = [("incidents_in_blind", False), ("blind_m2", False), ("covered_pct", True),
            ("change_pct", False), ("cell_id", True)]
    stats = stats.sort_values([k for k, _ in keys], ascending=[a for _, a in keys],
                              na_position="last", kind="mergesort")
    stats["rank"] = np.arange(1, len(stats) + 1)
    table = stats[list(SUMMARY_COLUMNS)].reset_index(drop=True)
    for col in ("blind_m2", "watch_m2"):
        table[col] = pd.to_numeric(table[col]).round(1)
    return _integers(table)


def office_table(offices: pd.DataFrame | None) -> pd.DataFrame | None:
    """The police-office rows (``office_stats``) with the summary's column order."""
    if offices is None or len(offices) == 0:
        return None
    frame = pd.DataFrame(offices).drop(columns="geometry", errors="ignore")
    for col in OFFICE_COLUMNS:
        if col not in frame.columns:
            frame[col] = False if col == MASK_FIELD else np.nan
    return _integers(frame[list(OFFICE_COLUMNS)].reset_index(drop=True))


def _integers(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    for col in _INTEGERS:
        if col not in frame.columns:
            continue
        if col == "cell_id" and not pd.api.types.is_numeric_dtype(frame[col].dtype):
            continue  # text ids ("01", "A3") stay as they are
        frame[col] = pd.to_numeric(frame[col], errors="coerce").round().astype("Int64")
    return frame


_FORMATS = {"blind_m2": "{:,.0f}", "watch_m2": "{:,.0f}", "covered_pct": "{:.1f}",
            "change_pct": "{:+.2f}"}


def _text(value: object, col: str = "") -> str:
    """A cell of the Markdown/HTML tables: empty for null, yes/'' for flags."""
    if value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if col in _FORMATS and isinstance(value, int | float | np.number):
        return _FORMATS[col].format(value)
    return str(value)


def _heading(col: str, columns: Mapping[str, tuple[str, str]]) -> str:
    zh, en = columns[col]
    return f"{zh} {en}"


def _totals(table: pd.DataFrame) -> list[str]:
    lines = []
    watch, blind = table["watch_m2"].sum(), table["blind_m2"].sum()
    if watch > 0:
        lines.append(f"Blind area 盲区面积: {blind:,.0f} m² of {watch:,.0f} m² watched "
                     f"({blind / watch:.1%}).")
    cur, prev = table["incidents_current"], table["incidents_previous"]
    if cur.notna().all() and prev.notna().all() and len(table):
        change = change_text(int(cur.sum()), int(prev.sum()))
        text = f" ({change})" if change else ""
        lines.append(f"Incidents 警情: {int(prev.sum())} → {int(cur.sum())}{text}.")
    elif len(table):
        lines.append("Incident totals left out: some counts are masked.")
    return lines


def _row_texts(table: pd.DataFrame, cols: list[str]) -> list[list[str]]:
    """The cells of each row as text; a rise from a zero baseline reads ``new``."""
    out = []
    for row in table.to_dict("records"):
        texts = [_text(row.get(c), c) for c in cols]
        if "change_pct" in cols and texts[cols.index("change_pct")] == "":
            texts[cols.index("change_pct")] = change_text(
                row.get("incidents_current"), row.get("incidents_previous"), unit="")
        out.append(texts)
    return out


def to_markdown(table: pd.DataFrame, columns: Mapping[str, tuple[str, str]]) -> str:
    """A GitHub-flavoured Markdown pipe table (``|`` in values escaped)."""
    cols = list(columns)
    head = "| " + " | ".join(_heading(c, columns) for c in cols) + " |"
    rule = "|" + "|".join("---:" if c in _INTEGERS or c.endswith(("_m2", "_pct")) else "---"
                          for c in cols) + "|"
    rows = ["| " + " | ".join(t.replace("|", "\\|").replace("\n", " ") for t in texts) + " |"
            for texts in _row_texts(table, cols)]
    return "\n".join([head, rule, *rows])


def to_html(table: pd.DataFrame, columns: Mapping[str, tuple[str, str]]) -> str:
    """An HTML ``<table>`` (values escaped)."""
    cols = list(columns)
    head = "".join(f"<th>{html.escape(columns[c][0])}<br><small>{html.escape(columns[c][1])}"
                   f"</small></th>" for c in cols)
    body = "\n".join("<tr>" + "".join(f"<td>{html.escape(t)}</td>" for t in texts) + "</tr>"
                     for texts in _row_texts(table, cols))
    return f"<table>\n<thead><tr>{head}</tr></thead>\n<tbody>\n{body}\n</tbody>\n</table>"


def write_summary(
    table: pd.DataFrame,
    out_dir: str | os.PathLike,
    *,
    offices: pd.DataFrame | None = None,
    min_count: int = 0,
    title: str = "网格视频覆盖与警情汇总 Grid coverage and incident summary",
) -> list[Path]:
    """Write ``summary.csv`` (UTF-8 with BOM, for Excel), ``summary.md`` and ``summary.html``.

    The CSV has the cell rows only, with the column names of :data:`SUMMARY_COLUMNS`;
    Markdown and HTML add bilingual headings, village totals and the police offices.
    """
    out_dir = Path(out_dir)
    paths = [out_dir / "summary.csv", out_dir / "summary.md", out_dir / "summary.html"]
    office = office_table(offices)
    notes = _totals(table)
    if min_count > 0:
        notes.append(f"Counts below {min_count} are masked (empty) 少于 {min_count} 的计数已遮蔽.")
    notes.append("Ranked by incidents in blind spots, then blind area, coverage (lowest "
                 "first), change (largest rise first).")

    with atomic_path(paths[0]) as tmp:
        table.to_csv(tmp, index=False, encoding="utf-8-sig")

    md = [f"# {title}", "", to_markdown(table, SUMMARY_COLUMNS), ""]
    md += [f"- {n}" for n in notes]
    if office is not None:
        md += ["", "## 派出所 Police offices", "", to_markdown(office, OFFICE_COLUMNS)]
    with atomic_path(paths[1]) as tmp:
        tmp.write_text("\n".join(md) + "\n", encoding="utf-8")

    parts = [
        "<!DOCTYPE html>", '<html lang="zh-CN">', "<head>", '<meta charset="utf-8">',
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:'Noto Sans CJK SC','Microsoft YaHei',sans-serif;margin:1em}"
        "table{border-collapse:collapse}th,td{border:1px solid #999;padding:2px 6px}"
        "td{text-align:right}th{background:#eee}</style>", "</head>", "<body>",
        f"<h1>{html.escape(title)}</h1>", to_html(table, SUMMARY_COLUMNS), "<ul>",
        *[f"<li>{html.escape(n)}</li>" for n in notes], "</ul>",
    ]
    if office is not None:
        parts += ["<h2>派出所 Police offices</h2>", to_html(office, OFFICE_COLUMNS)]
    parts += ["</body>", "</html>"]
    with atomic_path(paths[2]) as tmp:
        tmp.write_text("\n".join(parts) + "\n", encoding="utf-8")
    return paths
