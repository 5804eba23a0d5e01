"""Point sheets: CSV and XLSX files with coordinate columns, read into a GeoDataFrame.

Rows are numbered as a spreadsheet user sees them: the header is row 1 (or the first
non-empty row), so the first data row is row 2. The frames returned here are indexed by
that row number, and every row that is left out is reported through ``progress.info``
with the count and the first row numbers; nothing is dropped silently.

Coordinate columns are found by their names (see :data:`LON_NAMES`, :data:`LAT_NAMES`,
:data:`X_NAMES`, :data:`Y_NAMES`; case, spaces and a bracketed unit such as ``经度(°)`` are
ignored) or given explicitly. Longitude/latitude columns default to EPSG:4326; x/y columns
need an explicit CRS.
"""

from __future__ import annotations

import io as _io
import os
import re
import unicodedata
from collections.abc import Iterable, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from ..crs import LOCAL, check_coordinates
from ..errors import InputError
from ..progress import Progress
from .layers import LayerSpec

__all__ = [
    "CSV_SUFFIXES", "XLSX_SUFFIXES", "LON_NAMES", "LAT_NAMES", "X_NAMES", "Y_NAMES", "is_table",
    "match_column", "rows_phrase", "read_sheet", "read_points",
]


CSV_SUFFIXES = (".csv", ".tsv", ".txt")


XLSX_SUFFIXES = (".xlsx", ".xlsm")


#: Column names taken for longitude / latitude (compared after :func:`_key`).
LON_NAMES = ("lon", "lng", "long", "longitude", "经度", "东经", "wgs84_lon", "lon_wgs84",
             "gps_lon", "gps经度")


LAT_NAMES = ("lat", "latitude", "纬度", "北纬", "wgs84_lat", "lat_wgs84", "gps_lat", "gps纬度")


#: Column names taken for projected easting / northing.
X_NAMES = ("x", "easting", "point_x", "coord_x", "xcoord", "x坐标", "坐标x", "横坐标", "东坐标")


Y_NAMES = ("y", "northing", "point_y", "coord_y", "ycoord", "y坐标", "坐标y", "纵坐标", "北坐标")


_FIRST_ROWS = 5


_UNIT = re.compile(r"\s*[\(\（\[【].*$")


def is_table(path: str) -> bool:
    """True for a path that :func:`read_sheet` reads (CSV or XLSX by its suffix)."""
    return path.lower().endswith(CSV_SUFFIXES + XLSX_SUFFIXES + (".xls",))


def _key(name: object) -> str:
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    text = _UNIT.sub("", text)
    return re.sub(r"[\s\-]+", "_", text)


def match_column(columns: Iterable[object], aliases: Sequence[str]) -> str | None:
    """The first column (in alias order) whose normalised name is one of ``aliases``."""
    keys: dict[str, str] = {}
    for col in columns:
        keys.setdefault(_key(col), col)  # type: ignore[arg-type]
    for alias in aliases:
        hit = keys.get(_key(alias))
        if hit is not None:
            return hit
    return None


def rows_phrase(rows: Sequence[object] | np.ndarray, unit: str = "rows") -> str:
    """``"rows 3, 7, 9, 10, 15, …"``: the first five row numbers (or feature ids)."""
    rows = list(rows)
    shown = ", ".join(str(r) for r in rows[:_FIRST_ROWS])
    more = ", …" if len(rows) > _FIRST_ROWS else ""
    return f"{unit} {shown}{more}"


def _decode(path: str, data: bytes, progress: Progress) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise InputError("the text is neither UTF-8 nor GBK; save it as UTF-8 CSV",
                         file=path) from None
    progress.info(f"{path}: not UTF-8, read as GBK")
    return text


def _sep(header: str) -> str:
    counts = {sep: header.count(sep) for sep in (",", "\t", ";", "|")}
    best = max(counts, key=lambda s: counts[s])
    return best if counts[best] > 0 else ","


def _dedupe(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        if name in seen:
            seen[name] += 1
            name = f"{name}_{seen[name]}"
        seen.setdefault(name, 1)
        out.append(name)
    return out


def _read_csv(path: str, progress: Progress) -> tuple[pd.DataFrame, int]:
    with open(path, "rb") as fh:
        data = fh.read()
    text = _decode(path, data, progress)
    lines = text.splitlines()
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    if first is None:
        raise InputError("the file is empty (no header row)", file=path)
    body = "\n".join(lines[first:])
    try:
        df = pd.read_csv(_io.StringIO(body), sep=_sep(lines[first]), dtype=str,
                         keep_default_na=False, skip_blank_lines=False, engine="c")
    except Exception as exc:  # noqa: BLE001 - pandas raises several parser errors
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise InputError(f"cannot read the CSV ({msg})", file=path) from None
    df.columns = _dedupe([str(c).strip() for c in df.columns])
    return df, first + 1


def _sheet_name(path: str, names: list[str], wanted: str | None, role: str,
                progress: Progress) -> str:
    if wanted is not None:
        if wanted not in names:
            raise InputError(f"no such sheet; the workbook has: {', '.join(names)}",
                             file=path, layer=wanted)
        return wanted
    for name in names:
        if name.strip().lower() == role:
            return name
    if len(names) > 1:
        progress.info(f"{path}: reading the first sheet '{names[0]}' of {len(names)}; "
                      f"choose another with '{path}|layername=SHEET'")
    return names[0]


def _read_xlsx(path: str, sheet: str | None, role: str,
               progress: Progress) -> tuple[pd.DataFrame, int, str]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - optional dependency
        raise InputError("reading XLSX needs the openpyxl package; save the sheet as CSV",
                         file=path) from None
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - zip, XML and openpyxl errors
        raise InputError(f"not a readable XLSX workbook ({type(exc).__name__})",
                         file=path) from None
    try:
        name = _sheet_name(path, list(book.sheetnames), sheet, role, progress)
        rows = list(book[name].iter_rows(min_row=1, min_col=1, values_only=True))
    finally:
        book.close()
    first = next((i for i, row in enumerate(rows) if any(v is not None for v in row)), None)
    if first is None:
        raise InputError("the sheet is empty (no header row)", file=path, layer=name)
    body = pd.DataFrame(rows[first + 1:], dtype=object)
    width = max(len(rows[first]), body.shape[1])
    body = body.reindex(columns=range(width))
    header = [None if v is None else str(v).strip() for v in rows[first]]
    header += [None] * (width - len(header))
    body.columns = _dedupe([h if h else f"field_{j + 1}" for j, h in enumerate(header)])
    return body, first + 1, name


def read_sheet(
    source: str | os.PathLike | LayerSpec, *, role: str = "points",
    progress: Progress | None = None,
) -> pd.DataFrame:
    """Read a CSV or XLSX sheet as it is, indexed by spreadsheet row number.

    CSV: UTF-8 (with or without BOM), else GBK; the separator (comma, tab, semicolon or
    bar) is taken from the header line; every value is a string. XLSX: the sheet given as
    ``path.xlsx|layername=SHEET``, else one named like ``role``, else the first; values
    keep their cell types (Excel dates come as datetimes). Rows with no value at all are
    skipped (reported unless they trail the data). ``attrs`` carry ``file`` and ``layer``
    (the sheet, or the CSV file's stem).

    Raises
    ------
    InputError
        Missing, empty or unreadable file; no data rows.
    """
    progress = progress or Progress()
    spec = source if isinstance(source, LayerSpec) else LayerSpec.parse(source)
    path = spec.path
    if not os.path.isfile(path):
        raise InputError("file not found", file=path)
    if os.path.getsize(path) == 0:
        raise InputError("the file is empty (0 bytes)", file=path)
    lower = path.lower()
    if lower.endswith(".xls"):
        raise InputError("old Excel .xls is not supported; save the sheet as .xlsx or CSV",
                         file=path)
    if lower.endswith(XLSX_SUFFIXES):
        df, header_row, layer = _read_xlsx(path, spec.layer, role, progress)
    else:
        df, header_row = _read_csv(path, progress)
        layer = os.path.splitext(os.path.basename(path))[0]
    df.index = pd.RangeIndex(header_row + 1, header_row + 1 + len(df), name="row")
    blank = (df.isna() | df.eq("")).all(axis=1).to_numpy() if len(df.columns) else np.ones(
        len(df), bool)
    if blank.any():
        filled = np.flatnonzero(~blank)
        last = filled[-1] if filled.size else -1
        inner = df.index[blank & (np.arange(len(df)) < last)]
        if len(inner):
            progress.info(f"{path}: {len(inner)} empty rows skipped ({rows_phrase(inner)})")
        df = df[~blank]
    if df.empty:
        raise InputError("the sheet has no data rows (only a header)", file=path, layer=layer)
    df.attrs.update(file=path, layer=layer)
    return df


def _coordinate_columns(
    df: pd.DataFrame, x: str | None, y: str | None, crs: CRS | None, path: str, layer: str,
) -> tuple[str, str, bool]:
    """(x column, y column, named like lon/lat)."""
    if (x is None) != (y is None):
        raise InputError("give both --x and --y (or neither, to find them by name)",
                         file=path, layer=layer, field=x or y)
    if x is not None and y is not None:
        for col in (x, y):
            if col not in df.columns:
                have = ", ".join(map(str, df.columns))
                raise InputError(f"no such column; the sheet has: {have}", file=path,
                                 layer=layer, field=col)
        lonlat = _key(x) in {_key(n) for n in LON_NAMES} and _key(y) in {
            _key(n) for n in LAT_NAMES}
        return x, y, lonlat
    pairs = [(match_column(df.columns, LON_NAMES), match_column(df.columns, LAT_NAMES), True),
             (match_column(df.columns, X_NAMES), match_column(df.columns, Y_NAMES), False)]
    found = [p for p in pairs if p[0] is not None and p[1] is not None]
    if not found:
        raise InputError(
            "no coordinate columns; name them lon/lat (经度/纬度) or x/y, or give --x and --y "
            f"(columns: {', '.join(map(str, df.columns))})",
            file=path, layer=layer, field="lon/lat",
        )
    if len(found) > 1 and crs is not None and crs.is_projected:
        found = found[1:]
    return found[0][0], found[0][1], found[0][2]  # type: ignore[return-value]


def _parse_crs(crs: str | None, path: str, layer: str) -> tuple[CRS | None, bool]:
    """(CRS, local) from a ``--crs`` value; ``(None, False)`` when not given."""
    if crs is None or not str(crs).strip():
        return None, False
    if str(crs).strip().lower() == LOCAL:
        return None, True
    try:
        return CRS.from_user_input(crs), False
    except Exception:  # noqa: BLE001
        raise InputError(f"--crs {crs!r} is not a known CRS", file=path, layer=layer) from None


def read_points(
    source: str | os.PathLike | LayerSpec,
    *,
    role: str = "points",
    x: str | None = None,
    y: str | None = None,
    crs: str | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """Read a CSV/XLSX point sheet into a GeoDataFrame of Points.

    Parameters
    ----------
    source
        ``file.csv``, ``file.xlsx`` or ``file.xlsx|layername=SHEET``.
    role
        Layer role (``incidents``, ``cameras`` ...), used to pick the sheet.
    x, y
        Coordinate column names; found by name when not given.
    crs
        CRS of the coordinates (``EPSG:NNNN`` or ``local``); default EPSG:4326 for
        columns named like lon/lat. x/y columns need it.
    progress
        Receives one line per kind of left-out rows.

    Returns
    -------
    geopandas.GeoDataFrame
        All source columns untouched (index = spreadsheet row number), plus a Point
        geometry. Rows whose coordinates are empty, text, non-finite or (geographic CRS)
        outside longitude/latitude ranges are left out and reported. ``attrs``: ``file``,
        ``layer``, ``local``, ``role``, ``rows`` (the word for its row numbers), ``rows_read``
        (data rows before any was left out), ``coordinates`` (the x and y columns).

    Raises
    ------
    InputError
        Unreadable file, no data rows, no coordinate columns, x/y without CRS, no usable row.
    """
    progress = progress or Progress()
    df = read_sheet(source, role=role, progress=progress)
    path, layer = df.attrs["file"], df.attrs["layer"]
    target, local = _parse_crs(crs, path, layer)
    xcol, ycol, lonlat = _coordinate_columns(df, x, y, target, path, layer)
    if target is None and not local:
        if not lonlat:
            raise InputError(
                f"columns {xcol}/{ycol} are not named like longitude/latitude, so their CRS "
                "is unknown; pass --crs EPSG:NNNN (e.g. EPSG:4547 for CGCS2000 3-degree "
                "Gauss-Kruger 114E) or name the columns lon/lat",
                file=path, layer=layer, field=f"{xcol}/{ycol}",
            )
        target = CRS.from_epsg(4326)
    xs = _numbers(df[xcol])
    ys = _numbers(df[ycol])
    ok = np.isfinite(xs) & np.isfinite(ys)
    field = f"{xcol}/{ycol}"
    geographic = target is not None and target.is_geographic
    if geographic:
        in_range = ok & (np.abs(xs) <= 180) & (np.abs(ys) <= 90)
        swapped = ok & (np.abs(ys) <= 180) & (np.abs(xs) <= 90)
        hint = ""
        if (ok & ~in_range).any() and swapped.sum() > in_range.sum():
            hint = f"; {xcol} and {ycol} look swapped"
        bad_range = ok & ~in_range
        ok = in_range
    else:
        bad_range = np.zeros(len(df), bool)
        hint = ""
    if not ok.all():
        bad = df.index[~ok]
        why = "empty, text or non-finite" if not bad_range.any() else (
            "empty, text, non-finite or outside longitude/latitude ranges")
        msg = (f"{path}: {len(bad)} of {len(df)} rows left out: unusable coordinates in {field} "
               f"({why}{hint}; {rows_phrase(bad)})")
        if not ok.any():
            raise InputError(f"no usable coordinates in any of the {len(df)} rows ({why}{hint}; "
                             f"{rows_phrase(bad)})", file=path, layer=layer, field=field)
        progress.info(msg)
    kept = df[ok].infer_objects()
    gdf = gpd.GeoDataFrame(kept, geometry=gpd.points_from_xy(xs[ok], ys[ok]), crs=target)
    gdf.attrs.update(file=path, layer=layer, local=local, role=role, rows="rows",
                     rows_read=len(df), coordinates=(xcol, ycol))
    check_coordinates(gdf, file=path, layer=layer)
    return gdf


def _numbers(values: pd.Series) -> np.ndarray:
    """Coordinates as floats; NaN where a value is empty or text (full-width digits ok)."""
    num = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan,
                                                          copy=True)
    missing = np.isnan(num)
    text_column = values.dtype == object or pd.api.types.is_string_dtype(values.dtype)
    if text_column and missing.any():
        text = values[missing]
        text = text[text.map(type).eq(str).to_numpy()]
        if len(text):
            again = pd.to_numeric(text.str.normalize("NFKC").str.strip(), errors="coerce")
            num[values.index.get_indexer(text.index)] = again.to_numpy(
                dtype=float, na_value=np.nan)
    return num
