"""Incidents engine: reading every supported source, dates, periods, cells and statistics.

The same 40 incidents (around 113.72E 22.88N) are written as GBK shapefiles with and
without .cpg, UTF-8 and GBK CSV, XLSX with real Excel dates and with Chinese text dates,
a GCJ-02 CSV, a GeoPackage and a GeoJSON file; every one must read back to the same
per-cell counts on a 3 x 2 grid of 200 m cells whose counts were fixed by construction.
"""

from __future__ import annotations

import datetime as dt
import os

import geopandas as gpd
import numpy as np
import openpyxl
import pandas as pd
import pytest
import shapely
from pyproj import Transformer

from lever_grid.core.errors import InputError
from lever_grid.core.inputs.chinacoords import wgs84_to_gcj02
from lever_grid.core.inputs.incidents import parse_dates, read_incidents
from lever_grid.core.progress import Progress
from lever_grid.core.stats.incidents import IncidentStats, assign_cells, incident_stats
from lever_grid.core.stats.periods import change_pct, default_periods, parse_period

TS = pd.Timestamp
X0, Y0, CELL = 471_200.0, 2_531_200.0, 200.0
COUNTS = [10, 8, 7, 6, 5, 4]          # incidents per cell, cells 1..6 row-major, 3 x 2
CATEGORIES = ["盗窃", "诈骗", "纠纷"]
TO_LONLAT = Transformer.from_crs(4547, 4326, always_xy=True)


# --------------------------------------------------------------------------- fixtures


def _cells() -> tuple[np.ndarray, np.ndarray]:
    boxes = [shapely.box(X0 + i * CELL, Y0 + j * CELL, X0 + (i + 1) * CELL, Y0 + (j + 1) * CELL)
             for j in range(2) for i in range(3)]
    return np.array(boxes, dtype=object), np.arange(1, 7)


@pytest.fixture(scope="module")
def truth() -> pd.DataFrame:
    rng = np.random.default_rng(7)
    cell = np.repeat(np.arange(6), COUNTS)
    x = X0 + (cell % 3) * CELL + rng.uniform(20, CELL - 20, 40)
    y = Y0 + (cell // 3) * CELL + rng.uniform(20, CELL - 20, 40)
    lon, lat = TO_LONLAT.transform(x, y)
    i = np.arange(40)
    when = [TS(2024 if k % 3 == 0 else 2025, 1 + k % 5, 1 + (k * 7) % 20, k % 24, (k * 13) % 60)
            for k in i]
    when[39] = TS(2025, 5, 20, 14, 5)
    return pd.DataFrame({
        "incident_id": [f"JQ{k:03d}" for k in i], "occurred_at": when,
        "category": [CATEGORIES[k % 3] for k in i], "lon": lon, "lat": lat, "x": x, "y": y,
        "cell": cell,
    })


def _expected_current(truth: pd.DataFrame) -> np.ndarray:
    t = truth["occurred_at"]
    cur = (t >= TS(2025, 1, 1)) & (t < TS(2025, 5, 21))
    return np.bincount(truth["cell"][cur], minlength=6)


def _frame(truth: pd.DataFrame, names: dict[str, str], when: object, lon=None, lat=None):
    data = {names["id"]: truth["incident_id"], names["date"]: when,
            names["cat"]: truth["category"]}
    return pd.DataFrame(data), truth["lon"] if lon is None else lon, (
        truth["lat"] if lat is None else lat)


def _shapefile(tmp_path, truth, cpg: bool):
    df, lon, lat = _frame(truth, {"id": "警情编号", "date": "发案时间", "cat": "类别"},
                          truth["occurred_at"].dt.strftime("%Y-%m-%d %H:%M:%S"))
    path = tmp_path / ("gbk_cpg.shp" if cpg else "gbk.shp")
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    gdf.to_file(path, encoding="GBK")
    cpg_path = path.with_suffix(".cpg")
    if cpg:
        cpg_path.write_text("GBK")
    elif cpg_path.exists():
        cpg_path.unlink()
    dbf = path.with_suffix(".dbf").read_bytes()
    assert "盗窃".encode("gbk") in dbf and "盗窃".encode() not in dbf
    return path, {}


def _csv(tmp_path, truth, kind: str):
    if kind == "utf8":
        df, lon, lat = _frame(truth, {"id": "incident_id", "date": "occurred_at",
                                      "cat": "category"},
                              truth["occurred_at"].dt.strftime("%Y-%m-%dT%H:%M:%S"))
        cols, encoding, kwargs = ("经度", "纬度"), "utf-8-sig", {}
    elif kind == "gbk":
        text = [f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}"
                for t in truth["occurred_at"]]
        df, lon, lat = _frame(truth, {"id": "编号", "date": "发生时间", "cat": "类别"}, text)
        cols, encoding, kwargs = ("lng", "lat"), "gbk", {}
    else:  # gcj02
        glon, glat = wgs84_to_gcj02(truth["lon"].to_numpy(), truth["lat"].to_numpy())
        df, lon, lat = _frame(truth, {"id": "incident_id", "date": "时间", "cat": "category"},
                              truth["occurred_at"].dt.strftime("%Y-%m-%d %H:%M"), glon, glat)
        cols, encoding, kwargs = ("lon", "lat"), "utf-8", {"coords": "gcj02"}
    df.insert(0, cols[1], lat)
    df.insert(0, cols[0], lon)
    path = tmp_path / f"{kind}.csv"
    path.write_bytes(df.to_csv(index=False).encode(encoding))
    return path, kwargs


def _xlsx(tmp_path, truth, text_dates: bool):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "警情"
    sheet.append(["经度", "纬度", "发案时间", "category", "incident_id"])
    for row in truth.itertuples():
        t = row.occurred_at
        when = f"{t.year}年{t.month}月{t.day}日 {t.hour}时{t.minute:02d}分" if text_dates else (
            t.to_pydatetime())
        sheet.append([row.lon, row.lat, when, row.category, row.incident_id])
    if not text_dates:
        assert sheet.cell(2, 3).is_date
    path = tmp_path / ("text_dates.xlsx" if text_dates else "excel_dates.xlsx")
    book.save(path)
    return path, {}


def _ogr(tmp_path, truth, driver: str):
    df, lon, lat = _frame(truth, {"id": "incident_id", "date": "occurred_at",
                                  "cat": "category"}, truth["occurred_at"])
    gdf = gpd.GeoDataFrame(df, geometry=gpd.points_from_xy(lon, lat), crs=4326)
    path = tmp_path / ("incidents.gpkg" if driver == "GPKG" else "incidents.geojson")
    gdf.to_file(path, driver=driver, layer="incidents" if driver == "GPKG" else None)
    return path, {}


SOURCES = {
    "shp_gbk_no_cpg": lambda p, t: _shapefile(p, t, cpg=False),
    "shp_gbk_cpg": lambda p, t: _shapefile(p, t, cpg=True),
    "csv_utf8_bom_jingwei": lambda p, t: _csv(p, t, "utf8"),
    "csv_gbk": lambda p, t: _csv(p, t, "gbk"),
    "csv_gcj02": lambda p, t: _csv(p, t, "gcj02"),
    "xlsx_excel_dates": lambda p, t: _xlsx(p, t, text_dates=False),
    "xlsx_text_dates": lambda p, t: _xlsx(p, t, text_dates=True),
    "gpkg": lambda p, t: _ogr(p, t, "GPKG"),
    "geojson": lambda p, t: _ogr(p, t, "GeoJSON"),
}


# --------------------------------------------------------------------------- same data, all formats


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_reads_back_to_the_same_cell_counts(tmp_path, truth, name):
    path, kwargs = SOURCES[name](tmp_path, truth)
    progress = Progress()
    gdf = read_incidents(path, progress=progress, **kwargs)

    assert list(gdf.columns[:3]) == ["incident_id", "occurred_at", "category"]
    assert gdf["occurred_at"].dtype == "datetime64[ns]"
    assert gdf.crs.to_epsg() == 4326
    assert gdf.attrs["file"] == str(path) and gdf.attrs["layer"]
    assert gdf["incident_id"].tolist() == truth["incident_id"].tolist()
    assert gdf["category"].tolist() == truth["category"].tolist()   # Chinese text intact
    assert gdf["occurred_at"].tolist() == truth["occurred_at"].tolist()

    metric = gdf.to_crs(4547)
    cells, ids = _cells()
    index = assign_cells(np.asarray(metric.geometry.values), cells, ids)
    assert np.bincount(index, minlength=6).tolist() == COUNTS
    stats = incident_stats(metric, cells, ids)
    assert stats.cells["incidents_current"].tolist() == _expected_current(truth).tolist()
    assert stats.current == (TS(2025, 1, 1), TS(2025, 5, 21))

    if name == "csv_gcj02":
        err = np.hypot(metric.geometry.x.to_numpy() - truth["x"].to_numpy(),
                       metric.geometry.y.to_numpy() - truth["y"].to_numpy())
        assert err.max() < 1.0
        assert "converted 40 points from GCJ-02 to WGS84" in progress.messages
    if name.startswith("shp"):
        assert f"{path}: column '发案时间' used as occurred_at" in progress.messages
        assert f"{path}: column '类别' used as category" in progress.messages
    assert not any("left out" in m for m in progress.messages)


def test_gcj02_read_without_conversion_is_hundreds_of_metres_off(tmp_path, truth):
    path, _ = _csv(tmp_path, truth, "gcj02")
    metric = read_incidents(path).to_crs(4547)
    err = np.hypot(metric.geometry.x.to_numpy() - truth["x"].to_numpy(),
                   metric.geometry.y.to_numpy() - truth["y"].to_numpy())
    assert err.min() > 300


def test_coords_refused_for_projected_layer(tmp_path):
    path = tmp_path / "xy.csv"
    path.write_text("x,y,occurred_at\n471300,2531300,2025-05-03\n")
    with pytest.raises(InputError, match="--coords gcj02 converts longitude/latitude"):
        read_incidents(path, crs="EPSG:4547", coords="gcj02")


# --------------------------------------------------------------------------- dates


@pytest.mark.parametrize("text, expected", [
    ("2025-05-03", TS(2025, 5, 3)),
    ("2025-05-03T14:05", TS(2025, 5, 3, 14, 5)),
    ("2025-05-03T14:05:30", TS(2025, 5, 3, 14, 5, 30)),
    ("2025-05-03 14:05:00", TS(2025, 5, 3, 14, 5)),
    ("2025-05-03T06:05:00Z", TS(2025, 5, 3, 14, 5)),          # UTC -> China Standard Time
    ("2025-05-03T14:05:00+08:00", TS(2025, 5, 3, 14, 5)),
    ("20250503", TS(2025, 5, 3)),
    ("2025/5/3", TS(2025, 5, 3)),
    ("2025/5/3 14:05", TS(2025, 5, 3, 14, 5)),
    ("2025年5月3日", TS(2025, 5, 3)),
    ("2025年5月3日 14时05分", TS(2025, 5, 3, 14, 5)),
    ("2025年05月03日14时05分30秒", TS(2025, 5, 3, 14, 5, 30)),
    ("２０２５年５月３日", TS(2025, 5, 3)),
    ("2025.5.3", TS(2025, 5, 3)),
    (" 2025-05-03 ", TS(2025, 5, 3)),
])
def test_accepted_date_forms(text, expected):
    assert parse_dates(pd.Series([text])).iloc[0] == expected


def test_date_forms_mixed_in_one_column():
    # the bulk goes through one exact C format, the rest through the regex: same answers
    texts = ["2025/5/3 14:05", "2025年5月3日 14时05分", "2025-05-03T14:05", "2025/05/03 14:05",
             "03/05/2025", "2025/5/3 24:05", "2025.5.3"]
    assert parse_dates(pd.Series(texts)).tolist() == [
        TS(2025, 5, 3, 14, 5)] * 4 + [pd.NaT, pd.NaT, TS(2025, 5, 3)]


@pytest.mark.parametrize("text", ["not a date", "2025-13-45", "03/05/2025", "05/03/2025", "",
                                  "2025-02-30", "2025-05-03 24:00", "2025/05-03", "3.5.2025"])
def test_rejected_date_forms(text):
    assert pd.isna(parse_dates(pd.Series([text])).iloc[0])


def test_dates_from_cell_values():
    values = pd.Series([dt.datetime(2025, 5, 3, 14, 5), dt.date(2025, 5, 4), 45780.5, 20250503,
                        dt.time(14, 5), None, "2025年5月3日"], dtype=object)
    assert parse_dates(values).tolist() == [
        TS(2025, 5, 3, 14, 5), TS(2025, 5, 4), TS(2025, 5, 3, 12), TS(2025, 5, 3), pd.NaT,
        pd.NaT, TS(2025, 5, 3)]
    aware = pd.Series(pd.to_datetime(["2025-05-03T06:05:00Z"]))
    assert parse_dates(aware).tolist() == [TS(2025, 5, 3, 14, 5)]
    assert parse_dates(pd.Series([45780.0, 1.5])).tolist() == [TS(2025, 5, 3), pd.NaT]


# --------------------------------------------------------------------------- bad rows


def _bad_csv(tmp_path) -> os.PathLike:
    rows = [
        "113.72,22.88,2025-05-03,盗窃",       # 2 ok
        "113.72,22.88,not a date,盗窃",       # 3 bad date
        ",22.88,2025-05-03,盗窃",             # 4 empty coordinate
        "113.72,abc,2025-05-03,盗窃",         # 5 text coordinate
        "113.72,22.88,2025-13-45,诈骗",       # 6 bad date
        "113.72,22.88,03/05/2025,诈骗",       # 7 ambiguous date
        "113.72,22.88,2025年5月3日,诈骗",     # 8 ok
        "113.72,22.88,,诈骗",                 # 9 empty date
    ]
    path = tmp_path / "bad.csv"
    path.write_text("经度,纬度,发案时间,类别\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_bad_rows_are_reported_and_left_out(tmp_path):
    path = _bad_csv(tmp_path)
    progress = Progress()
    gdf = read_incidents(path, progress=progress)
    assert gdf.index.tolist() == [2, 8]
    assert gdf["incident_id"].tolist() == ["row-2", "row-8"]
    coords = [m for m in progress.messages if "unusable coordinates" in m]
    dates = [m for m in progress.messages if "unusable dates" in m]
    assert coords == [f"{path}: 2 of 8 rows left out: unusable coordinates in 经度/纬度 "
                      "(empty, text or non-finite; rows 4, 5)"]
    assert len(dates) == 1
    assert dates[0].startswith(f"{path}: 4 of 8 rows left out: unusable dates in 发案时间 "
                               "(e.g. 'not a date'; accepted: ISO 8601")
    assert dates[0].endswith("; rows 3, 6, 7, 9)")
    assert f"{path}: no incident_id column; ids generated as row-N (N = row number)" in (
        progress.messages)


def test_more_than_five_bad_rows_shows_the_first_five(tmp_path):
    path = tmp_path / "many.csv"
    lines = [f"113.72,22.88,{'bad' if k % 2 else '2025-05-03'}" for k in range(14)]
    path.write_text("lon,lat,date\n" + "\n".join(lines) + "\n")
    progress = Progress()
    gdf = read_incidents(path, progress=progress)
    assert len(gdf) == 7
    (msg,) = [m for m in progress.messages if "left out" in m]
    assert "7 of 14 rows left out" in msg and msg.endswith("; rows 3, 5, 7, 9, 11, …)")
    assert f"{path}: column 'date' used as occurred_at" in progress.messages


def test_xlsx_bad_rows_use_spreadsheet_row_numbers(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "incidents"
    sheet.append(["lon", "lat", "occurred_at"])
    sheet.append([113.72, 22.88, dt.datetime(2025, 5, 3)])
    sheet.append([113.72, "north", dt.datetime(2025, 5, 3)])
    sheet.append([113.72, 22.88, "2025/5/3/"])
    path = tmp_path / "bad.xlsx"
    book.save(path)
    progress = Progress()
    gdf = read_incidents(path, progress=progress)
    assert gdf.index.tolist() == [2]
    assert any(m.endswith("; rows 3)") and "coordinates" in m for m in progress.messages)
    assert any(m.endswith("; rows 4)") and "dates in occurred_at (e.g. '2025/5/3/'" in m
               for m in progress.messages)


def test_ogr_features_without_geometry_are_reported(tmp_path):
    gdf = gpd.GeoDataFrame({"occurred_at": ["2025-05-03", "2025-05-04", "2025-05-05"]},
                           geometry=[shapely.Point(113.72, 22.88), None,
                                     shapely.Point(113.73, 22.89)], crs=4326)
    path = tmp_path / "pts.gpkg"
    gdf.to_file(path, layer="incidents")
    progress = Progress()
    out = read_incidents(path, progress=progress)
    assert len(out) == 2
    assert f"{path}: 1 of 3 features left out: no geometry (features 2)" in progress.messages
    assert out["incident_id"].tolist() == ["row-1", "row-3"]   # GeoPackage fids start at 1


def test_ids_empty_duplicate_and_numeric(tmp_path):
    path = tmp_path / "ids.xlsx"
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["lon", "lat", "occurred_at", "incident_id", "备注"])
    for ident in (1001, None, 1001, 1002):
        sheet.append([113.72, 22.88, "2025-05-03", ident, "原样"])
    book.save(path)
    progress = Progress()
    gdf = read_incidents(path, progress=progress)
    assert gdf["incident_id"].tolist() == ["1001", "row-3", "1001", "1002"]
    assert gdf["category"].tolist() == [""] * 4
    assert gdf["备注"].tolist() == ["原样"] * 4      # other columns kept untouched
    assert any("1 empty incident_id values replaced by row-N (rows 3)" in m
               for m in progress.messages)
    assert any("2 incidents share an incident_id with another (rows 2, 4)" in m
               for m in progress.messages)


# --------------------------------------------------------------------------- input errors


def test_header_only_sheet_is_an_input_error(tmp_path):
    path = tmp_path / "empty.csv"
    path.write_text("lon,lat,occurred_at\n")
    with pytest.raises(InputError, match="no data rows") as err:
        read_incidents(path)
    assert str(err.value).startswith(f"file {path}, layer empty:")
    book = openpyxl.Workbook()
    book.active.title = "警情"
    book.active.append(["经度", "纬度", "发案时间"])
    xlsx = tmp_path / "empty.xlsx"
    book.save(xlsx)
    with pytest.raises(InputError, match="no data rows") as err:
        read_incidents(xlsx)
    assert str(err.value).startswith(f"file {xlsx}, layer 警情:")


def test_missing_date_column_names_the_field(tmp_path):
    path = tmp_path / "nodate.csv"
    path.write_text("lon,lat,category\n113.72,22.88,盗窃\n")
    with pytest.raises(InputError) as err:
        read_incidents(path)
    line = str(err.value)
    assert line.startswith(f"file {path}, layer nodate, field occurred_at: no occurred_at column")
    assert "lon, lat, category" in line and "\n" not in line


def test_no_usable_rows_is_an_input_error(tmp_path):
    path = tmp_path / "alldates.csv"
    path.write_text("lon,lat,发案时间\n113.72,22.88,03/05/2025\n113.72,22.88,x\n")
    with pytest.raises(InputError, match="field 发案时间: no usable date in any of the 2 rows"):
        read_incidents(path)
    path = tmp_path / "allcoords.csv"
    path.write_text("lon,lat,occurred_at\n,,2025-05-03\nx,y,2025-05-03\n")
    with pytest.raises(InputError, match="field lon/lat: no usable coordinates"):
        read_incidents(path)


def test_ogr_source_errors(tmp_path):
    gdf = gpd.GeoDataFrame({"occurred_at": ["2025-05-03"]},
                           geometry=[shapely.Point(113.72, 22.88)], crs=4326)
    path = tmp_path / "p.geojson"
    gdf.to_file(path, driver="GeoJSON")
    with pytest.raises(InputError, match="--x/--y name columns of a CSV"):
        read_incidents(path, x="a", y="b")
    with pytest.raises(InputError, match="file not found"):
        read_incidents(tmp_path / "nope.gpkg")


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_shapefile_without_crs_uses_crs_or_assume_crs(tmp_path):
    gdf = gpd.GeoDataFrame({"occurred_a": ["2025-05-03"], "incident_i": ["A1"]},
                           geometry=[shapely.Point(471300, 2531300)])
    path = tmp_path / "nocrs.shp"
    gdf.to_file(path)
    with pytest.raises(InputError, match="--assume-crs"):
        read_incidents(path)
    out = read_incidents(path, assume_crs="EPSG:4547")
    assert out.crs.to_epsg() == 4547
    assert out["incident_id"].tolist() == ["A1"]       # truncated shapefile names mapped
    assert out["occurred_at"].tolist() == [TS(2025, 5, 3)]
    assert read_incidents(path, crs="EPSG:4547").crs.to_epsg() == 4547


# --------------------------------------------------------------------------- periods


def test_parse_period():
    assert parse_period("2025-01-01/2025-05-31") == (TS(2025, 1, 1), TS(2025, 6, 1))
    assert parse_period(" 2024-02-01/2024-02-29 ") == (TS(2024, 2, 1), TS(2024, 3, 1))
    assert parse_period("2025-01-01T08:00/2025-01-01T18:30") == (
        TS(2025, 1, 1, 8), TS(2025, 1, 1, 18, 30))
    assert parse_period("2025-01/2025-05") == (TS(2025, 1, 1), TS(2025, 6, 1))
    assert parse_period("2024/2024") == (TS(2024, 1, 1), TS(2025, 1, 1))
    assert parse_period("20250101/20250131") == (TS(2025, 1, 1), TS(2025, 2, 1))


@pytest.mark.parametrize("text", ["", "2025-01-01", "2025-01-01/", "a/b", "2025-05-31/2025-01-01",
                                  "2025-02-30/2025-03-01", "2025/5/3/2025/6/1", "01/05/2025"])
def test_parse_period_errors_name_the_option(text):
    with pytest.raises(InputError) as err:
        parse_period(text, option="--compare")
    assert str(err.value).startswith("--compare ")
    assert "START/END" in str(err.value)


def test_default_periods():
    dates = pd.Series([TS(2024, 7, 1), TS(2025, 5, 20, 23, 59), pd.NaT, TS(2025, 1, 3)])
    current, previous = default_periods(dates)
    assert current == (TS(2025, 1, 1), TS(2025, 5, 21))
    assert previous == (TS(2024, 1, 1), TS(2024, 5, 21))
    # 29 February: the previous window ends on 28 February
    current, previous = default_periods(pd.Series([TS(2024, 2, 29, 10)]))
    assert current == (TS(2024, 1, 1), TS(2024, 3, 1))
    assert previous == (TS(2023, 1, 1), TS(2023, 3, 1))
    # ... and a window ending 28 February 2025 compares with one ending 28 February 2024
    assert default_periods(pd.Series([TS(2025, 2, 28)]))[1] == (TS(2024, 1, 1), TS(2024, 2, 29))
    with pytest.raises(InputError, match="--period"):
        default_periods(pd.Series([pd.NaT]))


# --------------------------------------------------------------------------- cells


def test_assign_cells_edges_go_to_the_lowest_id():
    # 2 x 2 unit squares; ids given in reverse order of position
    cells = np.array([shapely.box(0, 0, 1, 1), shapely.box(1, 0, 2, 1),
                      shapely.box(0, 1, 1, 2), shapely.box(1, 1, 2, 2)], dtype=object)
    ids = np.array([40, 30, 20, 10])
    points = shapely.points([
        [0.5, 0.5],   # inside id 40 -> position 0
        [1.0, 0.5],   # edge between 40 and 30 -> 30 (position 1)
        [0.5, 1.0],   # edge between 40 and 20 -> 20 (position 2)
        [1.0, 1.0],   # corner of all four -> 10 (position 3)
        [1.5, 1.5],   # inside id 10 -> position 3
        [3.0, 3.0],   # outside
        [2.0, 2.0],   # outer corner of id 10 only
    ])
    assert assign_cells(points, cells, ids).tolist() == [0, 1, 2, 3, 3, -1, 3]
    with_none = np.array(list(points) + [None], dtype=object)
    assert assign_cells(with_none, cells, ids)[-1] == -1
    assert assign_cells(points[:0], cells, ids).tolist() == []
    assert assign_cells(points, cells[:0], ids[:0]).tolist() == [-1] * 7
    # string ids order too
    assert assign_cells(points[[1]], cells, np.array(["d", "c", "b", "a"])).tolist() == [1]


def test_change_pct():
    assert change_pct(125, 307) == -59.28
    assert change_pct(1185, 3198) == -62.95
    assert np.isnan(change_pct(5, 0))
    assert change_pct(0, 0) != change_pct(0, 0)
    assert change_pct(10, 8) == 25.0
    assert change_pct(1, 8) == -87.5
    assert change_pct(2, 3) == -33.33
    assert change_pct(1, 3) == -66.67
    assert change_pct(1, 400) == -99.75
    assert change_pct(1, 80000) == -100.0          # -99.99875 rounds half away to -100
    assert change_pct(1, 16) == -93.75
    assert change_pct(3, 16) == -81.25
    assert change_pct(1, 1600) == -99.94          # -99.9375 -> half away from zero
    assert change_pct(1601, 1600) == 0.06         # 0.0625 -> 0.06
    assert change_pct(1.5, 1.0) == 50.0
    out = change_pct(np.array([125, 1185, 5, 7]), np.array([307, 3198, 0, 7]))
    assert isinstance(out, np.ndarray)
    np.testing.assert_array_equal(out, [-59.28, -62.95, np.nan, 0.0])
    assert change_pct([1], [2]).tolist() == [-50.0]


# --------------------------------------------------------------------------- statistics


def _points_at(xy: list[tuple[float, float]], dates: list[pd.Timestamp], cats: list[str]):
    return gpd.GeoDataFrame({"occurred_at": pd.to_datetime(pd.Series(dates)),
                             "category": cats},
                            geometry=gpd.points_from_xy(*zip(*xy, strict=True)), crs=4547)


def test_seed_arithmetic_307_to_125():
    rng = np.random.default_rng(3)
    cells = np.array([shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)])
    ids = np.array([2, 1])
    def window(year, n):
        days = rng.integers(0, 140, n)  # 1 January .. 20 May
        return [TS(year, 1, 1) + pd.Timedelta(days=int(d), hours=int(h))
                for d, h in zip(days, rng.integers(0, 24, n), strict=True)]
    dates = window(2024, 307) + window(2025, 124) + [TS(2025, 5, 20, 9)]
    dates += window(2024, 3198) + window(2025, 1185)
    xs = np.r_[rng.uniform(1, 99, 432), rng.uniform(101, 199, 4383)]
    ys = rng.uniform(1, 99, len(xs))
    incidents = _points_at(list(zip(xs, ys, strict=True)), dates, ["盗窃"] * len(xs))
    # five more out of every cell, and one in 2023 (neither period)
    extra = _points_at([(500, 500)] * 5 + [(50, 50)], [TS(2025, 3, 1)] * 5 + [TS(2023, 3, 1)],
                       ["诈骗"] * 6)
    incidents = pd.concat([incidents, extra], ignore_index=True)
    progress = Progress()
    stats = incident_stats(incidents, cells, ids, np.array(["东城派出所", "东城派出所"]),
                           progress=progress)
    assert isinstance(stats, IncidentStats)
    assert stats.current == (TS(2025, 1, 1), TS(2025, 5, 21))
    assert stats.previous == (TS(2024, 1, 1), TS(2024, 5, 21))
    c = stats.cells
    assert c["incidents_current"].tolist() == [125, 1185]
    assert c["incidents_previous"].tolist() == [307, 3198]
    assert c["change_pct"].tolist() == [-59.28, -62.95]
    assert c["rank"].tolist() == [2, 1]
    assert c["small_count"].tolist() == [False, False]
    assert c["cat_盗窃"].tolist() == [125, 1185]
    assert stats.outside == 5
    # office: 3505 -> 1310 is -62.6248... -> -62.62
    o = stats.offices
    assert o.to_dict("records") == [{
        "police_office": "东城派出所", "cells": 2, "incidents_current": 1310,
        "incidents_previous": 3505, "change_pct": -62.62, "small_count": False, "rank": 1}]
    assert "5 incidents lie outside every cell" in progress.messages
    assert "1 incidents fall in neither period" in progress.messages
    assert "current period 2025-01-01 to 2025-05-20: 1310 incidents in cells" in progress.messages


def test_stats_small_counts_ties_categories_and_offices():
    # cells (position: id, office): 0: 3 东城, 1: 1 东城, 2: 2 (none), 3: 4 南城
    cells = np.array([shapely.box(i * 10, 0, (i + 1) * 10, 10) for i in range(4)])
    ids = np.array([3, 1, 2, 4])
    office = np.array(["东城", " 东城 ", None, "南城"], dtype=object)
    cur, prev = TS(2025, 3, 1), TS(2024, 3, 1)
    plan = {  # position: (current categories, previous count)
        0: (["盗窃", "盗窃", "诈骗"], 12),
        1: (["诈骗", "", "纠纷"], 0),
        2: (["盗窃"], 4),
        3: ([], 2),
    }
    xy, dates, cats = [], [], []
    for pos, (current, n_prev) in plan.items():
        for cat in current:
            xy.append((pos * 10 + 5, 5))
            dates.append(cur)
            cats.append(cat)
        for _ in range(n_prev):
            xy.append((pos * 10 + 5, 5))
            dates.append(prev)
            cats.append("旧")
    xy.append((10, 5))                 # on the edge of ids 3 and 1 -> id 1 (position 1)
    dates.append(cur)
    cats.append("纠纷")
    incidents = _points_at(xy, dates, cats)
    progress = Progress()
    stats = incident_stats(incidents, cells, ids, office, period="2025-01-01/2025-12-31",
                           progress=progress)
    assert stats.previous == (TS(2024, 1, 1), TS(2025, 1, 1))
    c = stats.cells
    assert c["incidents_current"].tolist() == [3, 4, 1, 0]
    assert c["incidents_previous"].tolist() == [12, 0, 4, 2]
    assert c["change_pct"].tolist()[0] == -75.0
    assert np.isnan(c["change_pct"][1])
    assert c["change_pct"].tolist()[2:] == [-75.0, -100.0]
    assert c["small_count"].tolist() == [False, True, True, True]
    assert c["rank"].tolist() == [2, 1, 3, 4]
    cat_cols = [col for col in c.columns if col.startswith("cat_")]
    assert cat_cols == ["cat_", "cat_盗窃", "cat_纠纷", "cat_诈骗"]   # "旧" is previous only
    assert c[cat_cols].to_numpy().tolist() == [[0, 2, 0, 1], [1, 0, 2, 1], [0, 1, 0, 0],
                                               [0, 0, 0, 0]]
    assert stats.cell_index.tolist().count(1) == 4
    assert int(stats.in_current.sum()) == 8
    o = stats.offices
    assert o["police_office"].tolist() == ["东城", "南城"]
    assert o["cells"].tolist() == [2, 1]
    assert o["incidents_current"].tolist() == [7, 0]
    assert o["incidents_previous"].tolist() == [12, 2]
    assert o["change_pct"].tolist() == [-41.67, -100.0]
    assert o["rank"].tolist() == [1, 2]
    assert "1 cells have no police_office; their 1 current incidents are in no office's " \
           "figures" in progress.messages
    # explicit compare window and no offices
    stats = incident_stats(incidents, cells, ids, period=(TS(2025, 1, 1), TS(2026, 1, 1)),
                           compare="2024-03-01/2024-03-01")
    assert stats.previous == (TS(2024, 3, 1), TS(2024, 3, 2))
    assert stats.cells["incidents_previous"].tolist() == [12, 0, 4, 2]
    assert stats.offices.empty and "police_office" in stats.offices.columns
    with pytest.raises(InputError, match="--compare"):
        incident_stats(incidents, cells, ids, compare="2024")
