"""The summary table: ranking, masking without leaks, CSV/Markdown/HTML, documented columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from lever_grid.core.briefing.privacy import mask_counts
from lever_grid.core.briefing.summary import SUMMARY_COLUMNS, summary_table, write_summary
from tests.conftest import ROOT
from tests.core.test_export import sample_layers

KEYS = [("incidents_in_blind", -1), ("blind_m2", -1), ("covered_pct", 1), ("change_pct", -1)]


def _key(row: pd.Series) -> tuple:
    """Sort key of a row: masked/unknown values after every known one."""
    return tuple((1, 0) if pd.isna(row[k]) else (0, sign * float(row[k])) for k, sign in KEYS)


def test_sample_ranking():
    table = summary_table(sample_layers())
    assert list(table.columns) == list(SUMMARY_COLUMNS)
    assert len(table) == 14 and table["rank"].tolist() == list(range(1, 15))
    # 24 incidents in blind spots in cell 11; cells 8 and 4 tie at 10: larger blind area first
    assert table["cell_id"].tolist()[:4] == [11, 8, 4, 7]
    keys = [_key(r) for _, r in table.iterrows()]
    assert keys == sorted(keys)
    row = table.set_index("cell_id").loc[11]
    assert row["name"] == "杨屋第11网格" and row["police_office"] == "杨屋南警务室"
    assert row["covered_pct"] == pytest.approx(5.7, abs=0.05)
    assert row["incidents_previous"] == 22 and row["incidents_current"] == 26
    assert row["change_pct"] == pytest.approx(18.18)
    assert table["incidents_current"].sum() == 125 and table["incidents_previous"].sum() == 307


def test_masked_rows_reveal_nothing(tmp_path):
    masked_layers = mask_counts(sample_layers(), 5)
    table = summary_table(masked_layers)
    masked = table[table["incidents_in_blind"].isna()]
    # below 5 in blind spots: cells 2, 5, 9, 12, 14; cells 3 and 4 each have a blind spot
    # with 0 incidents (masked), so their incidents_in_blind would give it away
    assert set(masked["cell_id"]) == {2, 3, 4, 5, 9, 12, 14}
    # masked cells come after every cell with a known count, ordered by blind area only
    assert masked["rank"].min() > table.loc[table["incidents_in_blind"].notna(), "rank"].max()
    assert masked["blind_m2"].is_monotonic_decreasing
    assert table.set_index("cell_id").loc[2, ["incidents_current", "change_pct"]].isna().all()
    assert table["incidents_masked"].sum() == 7
    # the office table: cell 2 (4 current incidents) is 大岭山派出所's, so that office's
    # current total (45) and change are masked; the other offices' figures are published
    offices = masked_layers["office_stats"].set_index("police_office")
    assert offices["incidents_masked"].to_dict() == {"大岭山派出所": True, "杨屋南警务室": False,
                                                     "杨屋警务室": False}
    assert offices.loc["大岭山派出所", ["incidents_current", "change_pct"]].isna().all()
    assert offices.loc["大岭山派出所", "incidents_previous"] == 93
    assert offices.loc["杨屋南警务室", ["incidents_current", "incidents_previous"]].tolist() == \
        [43, 80]
    md = write_summary(table, tmp_path, offices=masked_layers["office_stats"],
                       min_count=5)[1].read_text(encoding="utf-8")
    office_rows = {r.split(" | ")[0][2:]: r.split(" | ")
                   for r in md.split("## 派出所 Police offices")[1].splitlines()
                   if r.startswith("| ") and "派出所 police office" not in r}
    assert office_rows["大岭山派出所"][1:5] == ["5", "93", "", ""]
    assert office_rows["杨屋警务室"][1:5] == ["5", "134", "37", "-72.39"]
    assert "Incident totals left out" in md and "125" not in md


def test_files(tmp_path):
    layers = sample_layers()
    layers["cells"].loc[layers["cells"]["cell_id"] == 3, "name"] = "<b>第3|网格</b>"
    paths = write_summary(summary_table(layers), tmp_path, offices=layers["office_stats"])
    assert [p.name for p in paths] == ["summary.csv", "summary.md", "summary.html"]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM: Excel on Chinese Windows reads it
    csv = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert list(csv.columns) == list(SUMMARY_COLUMNS) and len(csv) == 14
    md = paths[1].read_text(encoding="utf-8")
    rows = [ln for ln in md.splitlines() if ln.startswith("| ")]
    assert len(rows) == 1 + 14 + 1 + 3  # header + cells, office header + 3 offices
    assert all(r.count(" | ") == len(SUMMARY_COLUMNS) - 1 for r in rows[:15])
    assert "<b>第3\\|网格</b>" in md  # the pipe escaped, the table intact
    assert "Incidents 警情: 307 → 125 (-59.28 %)." in md
    html = paths[2].read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in html and "<b>" not in html.split("<body>")[1]
    assert "&lt;b&gt;第3|网格&lt;/b&gt;" in html
    assert html.count("<tr>") == 1 + 14 + 1 + 3


def test_masked_totals_are_left_out(tmp_path):
    masked = mask_counts(sample_layers(), 5)
    paths = write_summary(summary_table(masked), tmp_path, min_count=5)
    md = paths[1].read_text(encoding="utf-8")
    assert "Incident totals left out" in md and "307" not in md
    assert "Counts below 5 are masked" in md


def test_columns_are_documented():
    doc = (ROOT / "docs" / "briefings.md").read_text(encoding="utf-8")
    for column in SUMMARY_COLUMNS:
        assert f"`{column}`" in doc, column


def test_missing_optional_columns():
    stats = pd.DataFrame({"cell_id": [1, 2], "blind_m2": [5.0, 9.0], "watch_m2": [10, 10]})
    table = summary_table({"cell_stats": stats})
    assert table["cell_id"].tolist() == [2, 1]
    assert table["incidents_in_blind"].isna().all() and not table["incidents_masked"].any()
    assert np.isnan(table["covered_pct"]).all()


def test_cells_only_geopackage(tmp_path):
    """A GeoPackage from ``lever-grid cells`` (no cell_stats) still gives a briefing."""
    import subprocess
    import sys

    import geopandas as gpd

    from tests.conftest import SAMPLE

    gpkg = tmp_path / "cells.gpkg"
    gpd.read_file(SAMPLE, layer="cells").to_file(gpkg, layer="cells")
    res = subprocess.run([sys.executable, "-m", "lever_grid", "export", str(gpkg), "--geojson",
                          str(tmp_path / "out")], capture_output=True, text=True, cwd=ROOT,
                         timeout=300)
    assert res.returncode == 0, res.stderr
    summary = pd.read_csv(tmp_path / "out" / "summary.csv", encoding="utf-8-sig")
    assert sorted(summary["cell_id"]) == list(range(1, 15))
    assert summary["name"].notna().all() and summary["blind_m2"].isna().all()
