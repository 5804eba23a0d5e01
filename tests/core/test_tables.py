"""CSV/XLSX point sheets: encodings, row numbers, coordinate columns, reporting."""

from __future__ import annotations

import datetime as dt

import numpy as np
import openpyxl
import pytest

from lever_grid.core.errors import InputError
from lever_grid.core.inputs.sheets import match_column, read_points, read_sheet, rows_phrase
from lever_grid.core.progress import Progress


def _write(path, text: str, encoding: str = "utf-8"):
    path.write_bytes(text.encode(encoding))
    return path


def _xlsx(path, sheets: dict[str, list[list]]):
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def test_utf8_bom_csv_keeps_columns_and_numbers_rows(tmp_path):
    path = _write(tmp_path / "a.csv", "经度,纬度,名称\n113.72,22.88,东城\n113.73,22.89,南城\n",
                  "utf-8-sig")
    gdf = read_points(path)
    assert list(gdf.columns) == ["经度", "纬度", "名称", "geometry"]
    assert gdf.index.tolist() == [2, 3]
    assert gdf["名称"].tolist() == ["东城", "南城"]
    assert gdf.crs.to_epsg() == 4326
    assert gdf.geometry.x.tolist() == [113.72, 113.73]
    assert gdf.attrs["file"] == str(path) and gdf.attrs["layer"] == "a"


def test_gbk_csv_falls_back_and_says_so(tmp_path):
    path = _write(tmp_path / "g.csv", "lng,lat,类别\n113.72,22.88,盗窃\n", "gbk")
    progress = Progress()
    gdf = read_points(path, progress=progress)
    assert gdf["类别"].tolist() == ["盗窃"]
    assert any("read as GBK" in m for m in progress.messages)


@pytest.mark.parametrize("sep", ["\t", ";"])
def test_separator_taken_from_header(tmp_path, sep):
    path = _write(tmp_path / "s.csv", f"lon{sep}lat{sep}note\n113.72{sep}22.88{sep}a,b\n")
    gdf = read_points(path)
    assert gdf["note"].tolist() == ["a,b"]


def test_blank_rows_skipped_reported_and_row_numbers_kept(tmp_path):
    text = "\nlon,lat\n113.72,22.88\n\n113.73,22.89\n\n\n"
    path = _write(tmp_path / "b.csv", text)
    progress = Progress()
    gdf = read_points(path, progress=progress)
    # header is on row 2 (row 1 is blank), data on rows 3 and 5; trailing blanks are silent
    assert gdf.index.tolist() == [3, 5]
    assert progress.messages == [f"{path}: 1 empty rows skipped (rows 4)"]


def test_unusable_coordinates_reported_with_first_five_rows(tmp_path):
    rows = ["113.72,22.88", ",22.88", "abc,22.88", "113.72,", "113.72,inf", "200,22.88",
            "113.72,-95", "113.74,22.90", "113.75,x"]
    path = _write(tmp_path / "c.csv", "经度,纬度\n" + "\n".join(rows) + "\n")
    progress = Progress()
    gdf = read_points(path, progress=progress)
    assert gdf.index.tolist() == [2, 9]
    (msg,) = progress.messages
    assert msg.startswith(f"{path}: 7 of 9 rows left out: unusable coordinates in 经度/纬度")
    assert "rows 3, 4, 5, 6, 7, …" in msg


def test_full_width_digits_and_spaces_are_numbers(tmp_path):
    path = _write(tmp_path / "f.csv", "lon,lat\n １１３.７２ , 22.88 \n")
    assert read_points(path).geometry.x.tolist() == [113.72]


def test_swapped_columns_hint(tmp_path):
    path = _write(tmp_path / "w.csv", "lon,lat\n22.88,113.72\n22.89,113.73\n")
    with pytest.raises(InputError, match="look swapped") as err:
        read_points(path)
    assert "field lon/lat" in str(err.value)


def test_xy_columns_need_crs(tmp_path):
    path = _write(tmp_path / "xy.csv", "x,y\n471268.3,2531275.7\n")
    with pytest.raises(InputError, match="--crs") as err:
        read_points(path)
    assert str(err.value).startswith(f"file {path}, layer xy, field x/y:")
    gdf = read_points(path, crs="EPSG:4547")
    assert gdf.crs.to_epsg() == 4547 and gdf.geometry.y.tolist() == [2531275.7]


def test_projected_crs_prefers_xy_over_lonlat(tmp_path):
    path = _write(tmp_path / "both.csv", "lon,lat,x,y\n113.72,22.88,471268.3,2531275.7\n")
    assert read_points(path).geometry.x.tolist() == [113.72]
    assert read_points(path, crs="EPSG:4547").geometry.x.tolist() == [471268.3]


def test_explicit_columns_and_errors(tmp_path):
    path = _write(tmp_path / "e.csv", "东,北\n471268.3,2531275.7\n")
    gdf = read_points(path, x="东", y="北", crs="EPSG:4547")
    assert gdf.geometry.x.tolist() == [471268.3]
    with pytest.raises(InputError, match="no such column") as err:
        read_points(path, x="east", y="北", crs="EPSG:4547")
    assert "field east" in str(err.value)
    with pytest.raises(InputError, match="both --x and --y"):
        read_points(path, x="东")
    with pytest.raises(InputError, match="no coordinate columns") as err:
        read_points(path)
    assert "东, 北" in str(err.value)
    with pytest.raises(InputError, match="--crs 'EPSG:999999' is not a known CRS"):
        read_points(path, x="东", y="北", crs="EPSG:999999")


def test_degrees_labelled_as_metres_refused(tmp_path):
    path = _write(tmp_path / "d.csv", "x,y\n113.72,22.88\n113.73,22.89\n")
    with pytest.raises(InputError, match="look like degrees"):
        read_points(path, crs="EPSG:4547")


def test_local_crs(tmp_path):
    path = _write(tmp_path / "l.csv", "x,y\n10,20\n1500,800\n")
    gdf = read_points(path, crs="local")
    assert gdf.crs is None and gdf.attrs["local"] is True


def test_header_only_and_empty_files(tmp_path):
    with pytest.raises(InputError, match="no data rows") as err:
        read_points(_write(tmp_path / "h.csv", "lon,lat,occurred_at\n"))
    assert "h.csv" in str(err.value)
    with pytest.raises(InputError, match="0 bytes"):
        read_points(_write(tmp_path / "z.csv", ""))
    with pytest.raises(InputError, match="no header row"):
        read_points(_write(tmp_path / "n.csv", "\n\n  \n"))
    with pytest.raises(InputError, match="file not found"):
        read_points(tmp_path / "missing.csv")
    with pytest.raises(InputError, match=r"\.xls is not supported"):
        read_points(_write(tmp_path / "old.xls", "junk"))
    with pytest.raises(InputError, match="not a readable XLSX"):
        read_points(_write(tmp_path / "bad.xlsx", "junk"))


def test_xlsx_sheet_choice_types_and_row_numbers(tmp_path):
    when = dt.datetime(2025, 5, 3, 14, 5)
    path = _xlsx(tmp_path / "w.xlsx", {
        "说明": [["这是说明"]],
        "数据": [[None], ["经度", "纬度", "发案时间", None],
                 [113.72, 22.88, when, "x"], [None, None, None, None], [113.73, 22.89, "t", None]],
    })
    progress = Progress()
    gdf = read_points(f"{path}|layername=数据", progress=progress)
    assert gdf.attrs["layer"] == "数据"
    assert gdf.index.tolist() == [3, 5]   # header on row 2, blank row 4 reported
    assert gdf["发案时间"].tolist() == [when, "t"]
    assert list(gdf.columns[:4]) == ["经度", "纬度", "发案时间", "field_4"]
    assert progress.messages == [f"{path}: 1 empty rows skipped (rows 4)"]
    progress = Progress()
    with pytest.raises(InputError, match="layer 说明: the sheet has no data rows"):
        read_points(path, progress=progress)  # the first sheet holds only a note
    assert "reading the first sheet '说明' of 2" in progress.messages[0]
    with pytest.raises(InputError, match="no such sheet") as err:
        read_points(f"{path}|layername=nope")
    assert "layer nope" in str(err.value)


def test_xlsx_sheet_named_like_role_and_header_only(tmp_path):
    path = _xlsx(tmp_path / "r.xlsx", {"other": [["a"], [1]], "Incidents": [["lon", "lat"]],
                                       "blank": []})
    with pytest.raises(InputError, match="no data rows") as err:
        read_points(path, role="incidents")
    assert "layer Incidents" in str(err.value)
    with pytest.raises(InputError, match="the sheet is empty"):
        read_sheet(f"{path}|layername=blank")


def test_match_column_and_rows_phrase():
    assert match_column(["ID", " Longitude (WGS84) ", "纬度（°）"], ["lon", "longitude"]) == (
        " Longitude (WGS84) ")
    assert match_column(["a", "纬度（°）"], ["纬度"]) == "纬度（°）"
    assert match_column(["a"], ["b"]) is None
    assert rows_phrase([2, 3]) == "rows 2, 3"
    assert rows_phrase(np.arange(10), "features") == "features 0, 1, 2, 3, 4, …"
