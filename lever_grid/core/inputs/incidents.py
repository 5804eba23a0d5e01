"""Incidents as they come: OGR point layers or CSV/XLSX sheets, dates, ids, categories.

Reading accepts any OGR point layer or a CSV/XLSX sheet (see :mod:`.sheets`). Unusable
rows (coordinates or dates) are left out and reported through ``progress.info`` with
their count and first row numbers (spreadsheet rows, header = row 1; feature ids for OGR
layers). Times are naive local time; values carrying a UTC offset are converted to the
local offset (``--utc-offset``, default China Standard Time, UTC+8,
:data:`LOCAL_UTC_OFFSET`) first. Periods and statistics: :mod:`lever_grid.core.stats`.
"""

from __future__ import annotations

import datetime as _dt
import os
import re

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError
from ..progress import Progress
from .chinacoords import convert_frame
from .fields import ALIASES
from .layers import LayerSpec, read_layer
from .sheets import is_table, match_column, read_points, rows_phrase

__all__ = [
    "ID_ALIASES", "DATE_ALIASES", "CATEGORY_ALIASES", "LOCAL_UTC_OFFSET", "parse_utc_offset",
    "parse_dates",
    "read_incidents", "normalize_incidents",
]


#: Header names mapped to ``incident_id`` / ``occurred_at`` / ``category`` (first match wins;
#: ``incident_i`` and ``occurred_a`` are the names a shapefile truncates ours to). The one
#: table is :data:`lever_grid.core.inputs.fields.ALIASES`.
ID_ALIASES = ALIASES["incidents"]["incident_id"]


DATE_ALIASES = ALIASES["incidents"]["occurred_at"]


CATEGORY_ALIASES = ALIASES["incidents"]["category"]


#: Default offset of the local time that offset-aware times are converted to (China
#: Standard Time, UTC+8; ``--utc-offset`` changes it).
LOCAL_UTC_OFFSET = pd.Timedelta(hours=8)


_OFFSET_RE = re.compile(r"^(?:utc|gmt)?\s*(?P<sign>[+-])?(?P<h>\d{1,2})(?::?(?P<m>\d{2}))?$",
                        re.I)


def parse_utc_offset(text: str | pd.Timedelta | None) -> pd.Timedelta:
    """``"+08:00"``, ``"+8"``, ``"-05:30"``, ``"UTC+8"``, ``"0"`` as a Timedelta.

    ``None`` or ``""`` gives :data:`LOCAL_UTC_OFFSET`. Raises :class:`InputError` for
    anything else or an offset beyond ±14:00.

    Examples
    --------
    >>> parse_utc_offset("-05:30")
    Timedelta('-1 days +18:30:00')
    """
    if text is None or (isinstance(text, str) and not text.strip()):
        return LOCAL_UTC_OFFSET
    if isinstance(text, pd.Timedelta):
        return text
    match = _OFFSET_RE.match(str(text).strip().replace("Z", "0").replace("z", "0"))
    if match:
        minutes = int(match["h"]) * 60 + int(match["m"] or 0)
        if minutes <= 14 * 60 and int(match["m"] or 0) < 60:
            return pd.Timedelta(minutes=-minutes if match["sign"] == "-" else minutes)
    raise InputError(f"--utc-offset {text!r} is not a UTC offset; use e.g. +08:00, -05:00 "
                     "or 0 (within ±14:00)", field="utc_offset")


_ACCEPTED = ("ISO 8601 such as 2025-05-03 or 2025-05-03T14:05:00, 2025/5/3 14:05, "
             "2025.5.3, 2025年5月3日 14时05分")


_DATE_RE = re.compile(
    r"""^(?P<y>\d{4})
    (?:(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})
      |年(?P<m2>\d{1,2})月(?P<d2>\d{1,2})日?
      |(?P<m3>\d{2})(?P<d3>\d{2}))
    (?:(?:[T\s]+|(?<=日))
       (?P<H>\d{1,2})
       (?::(?P<M>\d{2})(?::(?P<S>\d{2}(?:\.\d{1,9})?))?
        |[时時点點](?:(?P<M2>\d{1,2})分(?:(?P<S2>\d{1,2})秒)?)?))?
    (?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?$""",
    re.X,
)


#: Formats tried first, in C, for the bulk of a column (the regex handles the rest).
_FAST_FORMATS = ("%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M",
                 "%Y-%m-%d", "%Y/%m/%d %H:%M:%S", "%Y/%m/%d %H:%M", "%Y/%m/%d")


_CJK_SPACE = re.compile(r"\s*([年月日时時点點分秒])\s*")


_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _naive_local(values: pd.Series, offset: pd.Timedelta) -> pd.Series:
    if getattr(values.dt, "tz", None) is not None:
        zone = _dt.timezone(offset.to_pytimedelta())
        values = values.dt.tz_convert(zone).dt.tz_localize(None)
    return values.astype("datetime64[ns]")


def _first(*columns: pd.Series) -> pd.Series:
    """Element-wise first non-missing value of regex groups."""
    out = columns[0]
    for col in columns[1:]:
        out = out.where(out.notna(), col)
    return out


def _from_strings(text: pd.Series, offset: pd.Timedelta) -> pd.Series:
    """Strings to timestamps: one exact format in C for the bulk, the regex for the rest."""
    out = pd.Series(pd.NaT, index=text.index, dtype="datetime64[ns]")
    todo = np.ones(len(text), dtype=bool)
    sample = text[text.str.len() > 0]
    fmt = _fast_format(sample.iloc[0]) if len(sample) else None
    if fmt is not None:
        parsed = pd.to_datetime(text, format=fmt, errors="coerce")
        done = parsed.notna().to_numpy()
        out[done] = parsed[done]
        todo = ~done
    if todo.any():
        out[todo] = _match_strings(text[todo], offset)
    return out


def _fast_format(sample: str) -> str | None:
    for fmt in _FAST_FORMATS:
        try:
            _dt.datetime.strptime(sample, fmt)
        except ValueError:
            continue
        return fmt
    return None


def _match_strings(text: pd.Series, offset: pd.Timedelta) -> pd.Series:
    text = text.str.normalize("NFKC").str.strip().str.replace(_CJK_SPACE, r"\1", regex=True)
    parts = text.str.extract(_DATE_RE)
    month = _first(parts["m"], parts["m2"], parts["m3"])
    day = _first(parts["d"], parts["d2"], parts["d3"])
    matched = parts["y"].notna().to_numpy()
    frame = pd.DataFrame({
        "year": pd.to_numeric(parts["y"]).fillna(2000).astype(int),
        "month": pd.to_numeric(month).fillna(1).astype(int),
        "day": pd.to_numeric(day).fillna(1).astype(int),
    })
    date = pd.to_datetime(frame, errors="coerce")
    hour = pd.to_numeric(parts["H"]).fillna(0)
    minute = pd.to_numeric(_first(parts["M"], parts["M2"])).fillna(0)
    second = pd.to_numeric(_first(parts["S"], parts["S2"])).fillna(0.0)
    ok = matched & (hour < 24).to_numpy() & (minute < 60).to_numpy() & (second < 60).to_numpy()
    stamp = date + pd.to_timedelta(hour * 3600 + minute * 60 + second, unit="s")
    tz = parts["tz"]
    if tz.notna().any():
        sign = np.where(tz.str[0] == "-", -1, 1)
        digits = tz.str.replace(r"[^0-9]", "", regex=True)
        minutes = pd.to_numeric(digits.str[:2]).fillna(0) * 60 + pd.to_numeric(
            digits.str[2:4].replace("", "0")).fillna(0)
        shift = pd.to_timedelta(sign * minutes, unit="min") - offset
        stamp = stamp.where(tz.isna(), stamp - shift)
    return stamp.where(ok).astype("datetime64[ns]")


def _from_numbers(values: pd.Series) -> pd.Series:
    num = pd.to_numeric(values, errors="coerce").astype(float)
    compact = (num >= 19000101) & (num <= 21001231) & (num == np.floor(num))
    ymd = pd.to_datetime(num.where(compact).astype("Int64").astype(str), format="%Y%m%d",
                         errors="coerce")
    serial = (num >= 20000) & (num < 80000)
    excel = (_EXCEL_EPOCH + pd.to_timedelta(num.where(serial), unit="D")).dt.round("s")
    return ymd.where(compact, excel.where(serial)).astype("datetime64[ns]")


def _from_objects(values: pd.Series, offset: pd.Timedelta) -> pd.Series:
    try:
        return _naive_local(pd.to_datetime(values, errors="coerce"), offset)
    except (TypeError, ValueError):  # mixed naive and offset-aware values
        return _naive_local(pd.to_datetime(values, errors="coerce", utc=True), offset)


def parse_dates(values: pd.Series, utc_offset: pd.Timedelta = LOCAL_UTC_OFFSET) -> pd.Series:
    """Parse incident times to naive local ``datetime64[ns]``; NaT where unusable.

    Accepted: datetime values (Excel dates, OGR Date/DateTime fields), ISO 8601 dates and
    datetimes (with ``T`` or a space; a ``Z`` or ``+08:00`` offset is converted to the
    local time at ``utc_offset``, China Standard Time UTC+8 by default; times without an
    offset are taken as local time already), ``2025/5/3``, ``2025/5/3 14:05``,
    ``2025.5.3``, ``2025年5月3日``,
    ``2025年5月3日 14时05分``, compact ``20250503``; numbers as ``20250503`` or Excel serial
    days (20000..80000). Day-first or month-first forms such as ``03/05/2025`` are
    ambiguous and give NaT.

    Examples
    --------
    >>> parse_dates(pd.Series(["2025年5月3日 14时05分", "03/05/2025"])).tolist()
    [Timestamp('2025-05-03 14:05:00'), NaT]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return _naive_local(values, utc_offset)
    if pd.api.types.is_numeric_dtype(values.dtype) and not pd.api.types.is_bool_dtype(
            values.dtype):
        return _from_numbers(values)
    values = values.astype(object)
    kind = pd.api.types.infer_dtype(values, skipna=True)
    if kind in ("string", "empty"):
        return _from_strings(values.astype(str).where(values.notna(), ""), utc_offset)
    notna = values.notna().to_numpy()
    types = values.map(type)
    is_str = types.eq(str).to_numpy()
    is_num = types.isin([int, float, np.int64, np.float64]).to_numpy() & notna
    is_obj = notna & ~is_str & ~is_num & ~types.eq(_dt.time).to_numpy()
    out = pd.Series(pd.NaT, index=values.index, dtype="datetime64[ns]")
    if is_str.any():
        out[is_str] = _from_strings(values[is_str].astype(str), utc_offset)
    if is_num.any():
        out[is_num] = _from_numbers(values[is_num])
    if is_obj.any():
        out[is_obj] = _from_objects(values[is_obj], utc_offset)
    return out


def _left_out(progress: Progress, path: str, what: str, rows: pd.Index, total: int,
              unit: str, detail: str = "") -> None:
    detail = f"{detail}; " if detail else ""
    progress.info(f"{path}: {len(rows)} of {total} {unit} left out: {what} "
                  f"({detail}{rows_phrase(rows, unit)})")


def _rename(gdf: gpd.GeoDataFrame, aliases: tuple[str, ...], target: str, path: str,
            progress: Progress, explicit: str | None = None) -> str | None:
    names = [c for c in gdf.columns if c != gdf.geometry.name]
    col: str | None
    if explicit:
        if explicit not in names:
            option = {"occurred_at": "--date-column", "incident_id": "--id-column",
                      "category": "--category-column"}[target]
            raise InputError(f"{option} {explicit!r}: no such column; the columns are: "
                             f"{', '.join(map(str, names))}", file=path,
                             layer=gdf.attrs.get("layer"), field=explicit)
        col = explicit
    else:
        col = match_column(names, aliases)
    if col is not None and col != target:
        if target in gdf.columns:
            gdf.rename(columns={target: f"{target}_source"}, inplace=True)
        gdf.rename(columns={col: target}, inplace=True)
        progress.info(f"{path}: column '{col}' used as {target}")
    return col


def _text(values: pd.Series) -> pd.Series:
    if pd.api.types.is_float_dtype(values.dtype):
        whole = values.dropna()
        if (whole == np.floor(whole)).all():
            values = values.astype("Int64")
    text = values.astype(str)
    return text.where(values.notna(), "").str.strip()


def read_incidents(
    source: str | os.PathLike,
    *,
    assume_crs: str | None = None,
    crs: str | None = None,
    coords: str | None = None,
    x: str | None = None,
    y: str | None = None,
    date_column: str | None = None,
    id_column: str | None = None,
    category_column: str | None = None,
    utc_offset: str | pd.Timedelta | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Read incident points from an OGR file or a CSV/XLSX sheet.

    Parameters
    ----------
    source
        Path, optionally ``path|layername=NAME`` (a GeoPackage layer or an XLSX sheet).
    assume_crs
        CRS for an OGR layer that has none (``EPSG:NNNN`` or ``local``).
    crs
        CRS of CSV/XLSX coordinate columns (default EPSG:4326 for lon/lat-named ones);
        for an OGR layer without CRS it acts like ``assume_crs``.
    coords
        ``"gcj02"`` or ``"bd09"``: longitude/latitude taken from Chinese web maps,
        converted to WGS84.
    x, y
        Coordinate column names of a CSV/XLSX sheet (found by name when omitted).
    date_column, id_column, category_column
        The columns holding occurred_at, incident_id and category when their names are
        not in the alias table (e.g. ``death_date``); found by name when omitted.
    utc_offset
        Local time that times with a zone (``Z``, ``+00:00``) are converted to, e.g.
        ``"+08:00"`` (the default, China Standard Time); see :func:`parse_utc_offset`.
    progress
        Receives the report lines (left-out rows, column mappings, conversions).

    Returns
    -------
    geopandas.GeoDataFrame
        ``incident_id`` (str; ``row-N`` where missing), ``occurred_at`` (naive
        ``datetime64[ns]``), ``category`` (str, "" where missing), all other source
        columns untouched, Point geometry with CRS (none for a local plan). Indexed by
        spreadsheet row number or feature id. ``attrs``: ``file``, ``layer``, ``local``.

    Raises
    ------
    InputError
        Unreadable or empty source, no date column, or no usable row.
    """
    progress = progress or Progress()
    spec = LayerSpec.parse(source)
    if coords is not None and not str(coords).strip():
        coords = None
    if is_table(spec.path):
        gdf = read_points(spec, role="incidents", x=x, y=y, crs=crs or assume_crs,
                          progress=progress)
        unit = "rows"
    else:
        if x is not None or y is not None:
            raise InputError("--x/--y name columns of a CSV or XLSX sheet; this is a "
                             "geodata file with its own geometry", file=spec.path)
        gdf = read_layer(spec, "incidents", geometry=("Point",),
                         assume_crs=assume_crs or crs)
        unit = "features"
    return normalize_incidents(gdf, coords=coords, unit=unit, date_column=date_column,
                               id_column=id_column, category_column=category_column,
                               utc_offset=utc_offset, progress=progress)


def normalize_incidents(
    gdf: gpd.GeoDataFrame,
    *,
    coords: str | None = None,
    unit: str = "features",
    date_column: str | None = None,
    id_column: str | None = None,
    category_column: str | None = None,
    utc_offset: str | pd.Timedelta | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Check and normalise an incidents layer already in memory (e.g. from QGIS).

    Maps header aliases (or the columns named by ``date_column``, ``id_column``,
    ``category_column``), parses dates (zoned times to ``utc_offset`` local time), fills
    incident_id and category, leaves out and reports rows without geometry or usable
    date; ``unit`` names rows in messages
    ("rows" for sheets, "features" for layers). Returns the same shape as
    :func:`read_incidents`.
    """
    progress = progress or Progress()
    path = gdf.attrs.get("file", "incidents")
    layer = gdf.attrs.get("layer", "incidents")
    local = bool(gdf.attrs.get("local", False))
    where = {"file": path, "layer": layer}
    total = int(gdf.attrs.get("rows_read", len(gdf)))
    if len(gdf) == 0:
        raise InputError("the layer has no features", **where)
    progress.step(0.3)
    if unit == "features":
        missing = (gdf.geometry.isna() | gdf.geometry.is_empty).to_numpy()
        if missing.all():
            raise InputError("no feature has a geometry", field="geometry", **where)
        if missing.any():
            _left_out(progress, path, "no geometry", gdf.index[missing], total, unit)
            gdf = gdf[~missing]
    if coords:
        gdf = convert_frame(gdf, coords, progress=progress)

    gdf = gdf.copy()
    offset = parse_utc_offset(utc_offset)
    date_col = _rename(gdf, DATE_ALIASES, "occurred_at", path, progress, date_column)
    if date_col is None:
        others = ", ".join(str(c) for c in gdf.columns if c != gdf.geometry.name)
        raise InputError(
            "no occurred_at column (nor 发案时间, 发生时间, 时间, date, datetime, time); "
            f"name it with --date-column; the columns are: {others}", field="occurred_at", **where)
    when = parse_dates(gdf["occurred_at"], offset)
    bad = when.isna().to_numpy()
    if bad.all():
        sample = gdf["occurred_at"].iloc[0]
        raise InputError(f"no usable date in any of the {len(gdf)} {unit} (e.g. {sample!r}); "
                         f"accepted: {_ACCEPTED}", field=date_col, **where)
    if bad.any():
        sample = gdf["occurred_at"][bad].iloc[0]
        _left_out(progress, path, f"unusable dates in {date_col}", gdf.index[bad], total, unit,
                  f"e.g. {sample!r}; accepted: {_ACCEPTED}")
        gdf = gdf[~bad].copy()
        when = when[~bad]
    gdf["occurred_at"] = when
    progress.step(0.7)

    if _rename(gdf, ID_ALIASES, "incident_id", path, progress, id_column) is None:
        gdf["incident_id"] = "row-" + gdf.index.astype(str)
        progress.info(f"{path}: no incident_id column; ids generated as row-N "
                      f"(N = {'row number' if unit == 'rows' else 'feature id'})")
    else:
        ids = _text(gdf["incident_id"])
        empty = ids.eq("").to_numpy()
        if empty.any():
            ids[empty] = "row-" + gdf.index[empty].astype(str)
            progress.info(f"{path}: {int(empty.sum())} empty incident_id values replaced by "
                          f"row-N ({rows_phrase(gdf.index[empty], unit)})")
        dup = ids.duplicated(keep=False).to_numpy()
        if dup.any():
            progress.info(f"{path}: {int(dup.sum())} incidents share an incident_id with "
                          f"another ({rows_phrase(gdf.index[dup], unit)})")
        gdf["incident_id"] = ids
    if _rename(gdf, CATEGORY_ALIASES, "category", path, progress, category_column) is None:
        progress.info(f"{path}: no category column (nor {', '.join(CATEGORY_ALIASES[1:])}; "
                      "name it with --category-column); incidents have no category")
        gdf["category"] = ""
    else:
        gdf["category"] = _text(gdf["category"])
    front = ["incident_id", "occurred_at", "category"]
    gdf = gdf[front + [c for c in gdf.columns if c not in front]]
    gdf.attrs.update(file=path, layer=layer, local=local)
    progress.step(1.0)
    return gdf
