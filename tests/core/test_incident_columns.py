"""Incident sheets as they come: other column names, time zones, zero baselines.

tests/data/real/ holds no dated crime points (its incident-like layers, Mesa crimes and
the 1854 Soho deaths, carry no dates), so the sheet is the sample village's 784 incidents
with the columns renamed the way another system exports them.
"""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
import pytest
import shapely

from lever_grid.cli import main
from lever_grid.core.errors import InputError
from lever_grid.core.inputs.incidents import parse_dates, parse_utc_offset, read_incidents
from tests.conftest import METRIC, SAMPLE

PERIOD = ("2025-01-01", "2025-06-01")  # half-open, as --period 2025-01-01/2025-05-31
COMPARE = ("2024-01-01", "2024-06-01")


def cli(capsys, *args) -> tuple[int, list[str]]:
    code = main([str(a) for a in args])
    return code, capsys.readouterr().err.strip().splitlines()


@pytest.fixture(scope="module")
def sheet(tmp_path_factory):
    """The sample's incidents as a CSV: 案件号, death_date, type, lon, lat (WGS84)."""
    inc = gpd.read_file(SAMPLE, layer="incidents")
    wgs = inc.to_crs(4326)
    frame = pd.DataFrame({"案件号": inc["incident_id"], "death_date": inc["occurred_at"],
                          "type": inc["category"], "lon": wgs.geometry.x.round(8),
                          "lat": wgs.geometry.y.round(8)})
    path = tmp_path_factory.mktemp("sheet") / "deaths.csv"
    frame.to_csv(path, index=False)
    return path, inc


def oracle_counts(points: gpd.GeoDataFrame, cells: gpd.GeoDataFrame, window) -> pd.Series:
    """Incidents per cell in ``[start, end)`` by geopandas.sjoin (a point on a shared edge
    goes to the lower cell_id, as the contract says)."""
    when = pd.to_datetime(points["occurred_at"])
    sel = points[(when >= pd.Timestamp(window[0])) & (when < pd.Timestamp(window[1]))]
    joined = gpd.sjoin(sel, cells[["cell_id", "geometry"]], predicate="intersects")
    joined = joined.sort_values("cell_id").reset_index().drop_duplicates("index")
    return joined.groupby("cell_id").size().reindex(cells["cell_id"], fill_value=0)


def test_death_date_and_type_import_with_column_options(sheet, tmp_path, capsys):
    path, inc = sheet
    out = tmp_path / "inc.gpkg"
    code, err = cli(capsys, "incidents", "--cells", f"{SAMPLE}|layername=cells",
                    "--incidents", path, "--date-column", "death_date", "--category-column",
                    "type", "--id-column", "案件号", "--period", "2025-01-01/2025-05-31",
                    "--compare", "2024-01-01/2024-05-31", "--out", out)
    assert code == 0, err
    assert any("column 'death_date' used as occurred_at" in line for line in err)
    assert any("column 'type' used as category" in line for line in err)
    cells = gpd.read_file(SAMPLE, layer="cells")
    got = gpd.read_file(out, layer="cell_incidents").set_index("cell_id")
    cur = oracle_counts(inc, cells, PERIOD)
    prev = oracle_counts(inc, cells, COMPARE)
    assert cur.sum() > 100 and prev.sum() > 100
    assert got["incidents_current"].tolist() == cur.tolist()
    assert got["incidents_previous"].tolist() == prev.tolist()
    for category in inc["category"].unique():  # per-category counts by the same oracle
        assert got[f"cat_{category}"].tolist() == oracle_counts(
            inc[inc["category"] == category], cells, PERIOD).tolist()
    offices = gpd.read_file(out, layer="office_stats").set_index("police_office")
    by_office = cur.groupby(cells.set_index("cell_id")["police_office"]).sum()
    assert offices["incidents_current"].sort_index().tolist() == by_office.sort_index().tolist()


def test_without_the_options_the_sheet_is_refused(sheet, capsys, tmp_path):
    path, _ = sheet
    code, err = cli(capsys, "incidents", "--cells", f"{SAMPLE}|layername=cells",
                    "--incidents", path, "--out", tmp_path / "x.gpkg")
    assert code == 2 and len(err) == 1
    assert "no occurred_at column" in err[0] and "--date-column" in err[0]
    code, err = cli(capsys, "incidents", "--cells", f"{SAMPLE}|layername=cells",
                    "--incidents", path, "--date-column", "died", "--out", tmp_path / "x.gpkg")
    assert code == 2
    assert err == [f"lever-grid: error: file {path}, layer deaths, field died: --date-column "
                   "'died': no such column; the columns are: 案件号, death_date, type, lon, lat"]
    assert not (tmp_path / "x.gpkg").exists()


def test_报警时间_is_found_by_name(tmp_path):
    path = tmp_path / "jq.csv"
    path.write_text("报警时间,经度,纬度\n2025-03-01 08:00,113.0,23.0\n", encoding="utf-8")
    inc = read_incidents(path)
    assert inc["occurred_at"].tolist() == [pd.Timestamp("2025-03-01 08:00")]


@pytest.mark.parametrize(("text", "hours"), [
    ("+08:00", 8), ("+8", 8), ("UTC+8", 8), ("-05:00", -5), ("0", 0), ("+05:30", 5.5),
    (None, 8), ("", 8),
])
def test_utc_offsets(text, hours):
    assert parse_utc_offset(text) == pd.Timedelta(hours=hours)


@pytest.mark.parametrize("text", ["8 hours", "+15:00", "+08:75", "Beijing"])
def test_bad_utc_offset(text):
    with pytest.raises(InputError, match="is not a UTC offset"):
        parse_utc_offset(text)


def test_zoned_times_go_to_the_chosen_local_time():
    values = pd.Series(["2025-01-01T20:30:00Z", "2025-01-01T20:30:00+08:00",
                        "2025-01-01 20:30"])
    # by hand: 20:30 UTC is 04:30 next day in UTC+8 and 15:30 in UTC-5; a naive time
    # is local time already and stays 20:30
    assert parse_dates(values).tolist() == [pd.Timestamp("2025-01-02 04:30"),
                                            pd.Timestamp("2025-01-01 20:30"),
                                            pd.Timestamp("2025-01-01 20:30")]
    assert parse_dates(values, pd.Timedelta(hours=-5)).tolist() == [
        pd.Timestamp("2025-01-01 15:30"), pd.Timestamp("2025-01-01 07:30"),
        pd.Timestamp("2025-01-01 20:30")]
    stamps = pd.Series(pd.to_datetime(["2025-01-01T20:30:00Z"], utc=True))
    assert parse_dates(stamps, pd.Timedelta(0)).tolist() == [pd.Timestamp("2025-01-01 20:30")]


def test_utc_offset_moves_an_incident_across_the_year(tmp_path, two_cells, capsys):
    """31 Dec 2024 20:00 UTC is 1 Jan 2025 04:00 in China: it counts for 2025 there."""
    cells = tmp_path / "cells.gpkg"
    two_cells.to_file(cells, layer="cells")
    wgs = gpd.GeoSeries([shapely.Point(470050, 2530050)], crs=METRIC).to_crs(4326)
    sheet = tmp_path / "inc.csv"
    sheet.write_text(f"when,lon,lat\n2024-12-31T20:00:00Z,{wgs.x[0]:.9f},{wgs.y[0]:.9f}\n"
                     f"2024-06-01T10:00:00,{wgs.x[0]:.9f},{wgs.y[0]:.9f}\n")
    args = ("incidents", "--cells", cells, "--incidents", sheet, "--date-column", "when",
            "--period", "2025-01-01/2025-12-31", "--compare", "2024-01-01/2024-12-31")
    counts = {}
    for offset in (None, "+00:00"):
        extra = () if offset is None else ("--utc-offset", offset)
        out = tmp_path / f"out{offset}.gpkg"
        code, err = cli(capsys, *args, *extra, "--out", out)
        assert code == 0, err
        row = gpd.read_file(out, layer="cell_incidents").set_index("cell_id").loc[1]
        counts[offset] = (row["incidents_previous"], row["incidents_current"])
    assert counts == {None: (1, 1), "+00:00": (2, 0)}


def test_a_zero_baseline_prints_new(tmp_path, two_cells, capsys):
    cells = tmp_path / "cells.gpkg"
    two_cells.assign(police_office=["A", "B"]).to_file(cells, layer="cells")
    wgs = gpd.GeoSeries([shapely.Point(470050, 2530050), shapely.Point(470150, 2530050),
                         shapely.Point(470150, 2530060)], crs=METRIC).to_crs(4326)
    rows = ["occurred_at,lon,lat"] + [f"{d},{p.x:.9f},{p.y:.9f}" for d, p in zip(
        ["2025-02-01", "2025-02-01", "2024-02-01"], wgs, strict=True)]
    sheet = tmp_path / "inc.csv"
    sheet.write_text("\n".join(rows) + "\n")
    code, err = cli(capsys, "incidents", "--cells", cells, "--incidents", sheet,
                    "--period", "2025-01-01/2025-12-31", "--out", tmp_path / "o.gpkg")
    assert code == 0, err
    assert "lever-grid: A: 0 -> 1 (new)" in err
    assert "lever-grid: B: 1 -> 1 (+0.00 %)" in err
    assert not any("nan" in line for line in err)


def test_points_with_min_count_are_refused(tmp_path, capsys):
    out = tmp_path / "geo"
    code, err = cli(capsys, "export", SAMPLE, "--geojson", out, "--incidents", "points",
                    "--min-count", "3")
    assert code == 2
    assert err == ["lever-grid: error: --incidents points cannot be combined with "
                   "--min-count: every point is one incident, so no count can be masked; "
                   "use --incidents aggregate with --min-count"]
    assert not out.exists()


def test_the_summary_and_the_map_say_new(tmp_path):
    from lever_grid.core.briefing.mapping import map_layers
    from lever_grid.core.briefing.summary import summary_table, write_summary
    from tests.core.test_masking_attack import cell, hand_layers

    layers = hand_layers([cell(1, "A", 6, 0), cell(2, "A", 8, 10), cell(3, "B", 0, 0)], [])
    table = summary_table(layers)
    md = write_summary(table, tmp_path, offices=layers["office_stats"])[1].read_text("utf-8")
    cell_part, office_part = md.split("## 派出所 Police offices")
    rows = {r.split(" | ")[1]: r for r in cell_part.splitlines() if r.startswith("| ")
            and r.split(" | ")[1] in ("1", "2", "3")}
    assert rows["1"].endswith("| 0 | 6 | new |  |")
    assert rows["2"].endswith("| 10 | 8 | -20.00 |  |")
    assert rows["3"].endswith("| 0 | 0 |  |  |")
    assert "| A | 2 | 10 | 14 | +40.00 |" in office_part
    assert "| B | 1 | 0 | 0 |  |" in office_part
    assert "nan" not in md
    labels = map_layers(layers)["cells"].set_index("cell_id")["label"].to_dict()
    assert labels == {1: "1\nnew", 2: "2\n-20.0%", 3: "3\n—"}
