"""An attacker with every published table tries to recover each masked count.

The briefing (``export --min-count K``) publishes cell_stats.geojson, incidents.geojson,
blind_spots.geojson, summary.csv, summary.md and summary.html (cells, police offices and
the village total). Their figures are tied together: the blind spots of a cell sum to its
incidents_in_blind, the cells of an office sum to the office's totals, all cells sum to
the village total; incidents_in_blind ≤ incidents_current, a blind spot ≤ its cell's
incidents_in_blind, every count ≥ 0; a change % and one count give the other count.

The attack reads the files back (not the frames the code wrote), puts one unknown per
true figure, fixes every published one, and for each masked figure asks:

- equalities only: is it determined by the linear system (rank test)?
- with the inequalities: do the linear-programming minimum and maximum over everything
  consistent with the tables leave only one whole number (scipy.optimize.linprog)?

It must fail on masking without secondary suppression (the control below), and find
nothing on the sample village's real analysis or on hand-made worst cases.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy.optimize import linprog

from lever_grid.core.briefing.geojson import export_briefing
from lever_grid.core.briefing.privacy import mask_counts
from tests.conftest import METRIC
from tests.core.test_export import sample_layers

FIELDS = ("incidents_current", "incidents_previous")


@dataclass
class Published:
    """Everything the tables say: figure name → value (None = masked), and the ties."""

    values: dict[str, float | None] = field(default_factory=dict)
    sums: list[tuple[str, list[str]]] = field(default_factory=list)  # total = Σ parts
    below: list[tuple[str, str]] = field(default_factory=list)  # a <= b
    changes: list[tuple[str, str, float | None]] = field(default_factory=list)

    def see(self, name: str, value: object) -> None:
        v = None if value is None or (isinstance(value, float) and math.isnan(value)) \
            else float(value)
        if name in self.values and self.values[name] is not None and v is not None:
            assert self.values[name] == v, f"{name}: two tables disagree"
        if name in self.values and (self.values[name] is None) != (v is None):
            raise AssertionError(f"{name} is masked in one table and published in another")
        self.values[name] = v


def _number(text: str) -> float | None:
    text = text.strip().replace(",", "")
    return None if text == "" else float(text)


def _md_offices(md: str) -> list[list[str]]:
    if "## 派出所 Police offices" not in md:
        return []
    rows = [r for r in md.split("## 派出所 Police offices")[1].splitlines() if r.startswith("| ")]
    return [[c.strip() for c in r.strip("|").split(" | ")] for r in rows[1:]]


def _html_offices(text: str) -> list[list[str]]:
    if "<h2>派出所 Police offices</h2>" not in text:
        return []
    table = text.split("<h2>派出所 Police offices</h2>")[1]
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>")[1], flags=re.S)
    return [[html.unescape(c) for c in re.findall(r"<td>(.*?)</td>", r)] for r in rows]


def read_published(folder: Path) -> Published:
    """Read the briefing files back the way anyone receiving them could."""
    pub = Published()
    office_of: dict[str, str] = {}
    for name in ("cell_stats", "incidents"):
        for f in json.loads((folder / f"{name}.geojson").read_text("utf-8"))["features"]:
            p = f["properties"]
            cid = str(p["cell_id"])
            for key in (*FIELDS, "incidents_in_blind"):
                pub.see(f"cell {cid} {key}", p.get(key))
            pub.changes.append((f"cell {cid} incidents_current",
                                f"cell {cid} incidents_previous", p.get("change_pct")))
    csv = pd.read_csv(folder / "summary.csv", encoding="utf-8-sig", dtype={"cell_id": str,
                                                                           "police_office": str})
    for row in csv.to_dict("records"):
        cid = str(row["cell_id"])
        for key in (*FIELDS, "incidents_in_blind"):
            pub.see(f"cell {cid} {key}", row[key])
        pub.changes.append((f"cell {cid} incidents_current", f"cell {cid} incidents_previous",
                            None if pd.isna(row["change_pct"]) else row["change_pct"]))
        office = row["police_office"]
        if isinstance(office, str) and office.strip():
            office_of[cid] = office.strip()
    cells = sorted({k.split()[1] for k in pub.values if k.startswith("cell ")})
    spots: dict[str, list[str]] = {}
    for f in json.loads((folder / "blind_spots.geojson").read_text("utf-8"))["features"]:
        p = f["properties"]
        name = f"spot {p['blind_id']}"
        pub.see(name, p.get("incidents"))
        spots.setdefault(str(p["cell_id"]), []).append(name)
    for cid in cells:
        blind = f"cell {cid} incidents_in_blind"
        pub.sums.append((blind, spots.get(cid, [])))
        pub.below.append((blind, f"cell {cid} incidents_current"))
        pub.below += [(s, blind) for s in spots.get(cid, [])]
    md = (folder / "summary.md").read_text("utf-8")
    page = (folder / "summary.html").read_text("utf-8")
    md_rows, html_rows = _md_offices(md), _html_offices(page)
    assert [r[:5] for r in md_rows] == [r[:5] for r in html_rows]
    for office, _n, prev, cur, change, *_ in md_rows:
        for key, text in zip(FIELDS, (cur, prev), strict=True):
            pub.see(f"office {office} {key}", _number(text))
            members = [f"cell {c} {key}" for c, o in office_of.items() if o == office]
            pub.sums.append((f"office {office} {key}", members))
        pub.changes.append((f"office {office} incidents_current",
                            f"office {office} incidents_previous",
                            None if change in ("", "new") else _number(change)))
    for text in (md, page):
        total = re.search(r"Incidents 警情: (\d+) → (\d+)", text)
        prev, cur = (float(total[1]), float(total[2])) if total else (None, None)
        for key, value in zip(FIELDS, (cur, prev), strict=True):
            pub.see(f"village {key}", value)
            pub.sums.append((f"village {key}", [f"cell {c} {key}" for c in cells]))
    return pub


def _targets(pub: Published) -> set[str]:
    """The masked figures to attack.

    Left out: a village total whose parts are all published (a sum of public figures),
    and the incidents_in_blind of a cell without blind spots (0 by the published
    geometry alone, no incident's information).
    """
    hidden = {n for n, v in pub.values.items() if v is None}
    skip = set()
    for total, parts in pub.sums:
        if total.startswith("village") and not hidden & set(parts):
            skip.add(total)
        if total.endswith("incidents_in_blind") and not parts:
            skip.add(total)
    return hidden - skip


def recovered(pub: Published) -> dict[str, str]:
    """Masked figures the tables give away, with how."""
    names = list(pub.values)
    index = {n: i for i, n in enumerate(names)}
    known = np.array([pub.values[n] if pub.values[n] is not None else np.nan for n in names])
    hidden = np.isnan(known)
    targets = _targets(pub)
    out: dict[str, str] = {}
    for cur, prev, change in pub.changes:  # one count and the change give the other
        if change is not None and (cur in targets or prev in targets):
            out[cur if hidden[index[cur]] else prev] = "change % and the other count"
    rows, rhs = [], []
    for total, parts in pub.sums:
        row = np.zeros(len(names))
        row[index[total]] = 1.0
        for p in parts:
            row[index[p]] -= 1.0
        rows.append(row)
        rhs.append(0.0)
    a = np.array(rows).reshape(-1, len(names))
    # substitute the published figures: A_h x_h = -A_k x_k
    a_h = a[:, hidden]
    b = -a[:, ~hidden] @ known[~hidden] if len(a) else np.zeros(0)
    hidden_names = [n for n, h in zip(names, hidden, strict=True) if h]
    rank = np.linalg.matrix_rank(a_h) if a_h.size else 0
    for j, name in enumerate(hidden_names):
        if name not in targets:
            continue
        if a_h.size and np.linalg.matrix_rank(np.delete(a_h, j, axis=1)) < rank:
            out.setdefault(name, "subtraction (determined by the sums)")
    # inequalities a <= b between figures, everything >= 0; bounds by linear programming
    ub_rows, ub_rhs = [], []
    for lo, hi in pub.below:
        row = np.zeros(len(names))
        row[index[lo]] += 1.0
        row[index[hi]] -= 1.0
        ub_rows.append(row)
        ub_rhs.append(0.0)
    ub = np.array(ub_rows).reshape(-1, len(names))
    ub_h = ub[:, hidden]
    ub_b = -ub[:, ~hidden] @ known[~hidden] if len(ub) else np.zeros(0)
    for j, name in enumerate(hidden_names):
        if name not in targets:
            continue
        bounds = []
        for sign in (1.0, -1.0):
            cost = np.zeros(len(hidden_names))
            cost[j] = sign
            res = linprog(cost, A_ub=ub_h if len(ub_h) else None,
                          b_ub=ub_b if len(ub_h) else None,
                          A_eq=a_h if len(a_h) else None, b_eq=b if len(a_h) else None,
                          bounds=[(0, None)] * len(hidden_names), method="highs")
            assert res.status in (0, 3), res.message  # 3: unbounded
            bounds.append(sign * res.fun if res.status == 0 else sign * math.inf)
        low, high = bounds
        if math.isfinite(high) and math.ceil(low - 1e-7) == math.floor(high + 1e-7):
            out.setdefault(name, f"bounds [{low:g}, {high:g}] leave one whole number")
    return out


def publish(layers: dict, folder: Path, min_count: int) -> Published:
    export_briefing(layers, folder, min_count=min_count)
    return read_published(folder)


# ------------------------------------------------------------------------ the sample


@pytest.fixture(scope="module")
def sample():
    return sample_layers()


@pytest.mark.parametrize("k", [3, 5, 8, 12, 25])
def test_nothing_masked_in_the_sample_can_be_recovered(sample, k, tmp_path):
    pub = publish(sample, tmp_path, k)
    masked = [n for n, v in pub.values.items() if v is None]
    assert masked, "nothing was masked: the test would prove nothing"
    assert recovered(pub) == {}
    # and what is published is the truth
    stats = sample["cell_stats"].set_index("cell_id")
    for name, value in pub.values.items():
        kind, cid, *rest = name.split()
        if kind == "cell" and value is not None:
            assert value == stats.loc[int(cid), rest[0]]


def test_the_attack_breaks_primary_only_masking(sample, tmp_path):
    """Control: counts below K nulled, nothing else (the old rule): the attack succeeds."""
    from lever_grid.core.briefing.summary import summary_table, write_summary

    k = 5
    layers = {name: frame.copy() for name, frame in sample.items()}
    for name, fields in (("cell_stats", (*FIELDS, "incidents_in_blind")),
                         ("blind_spots", ("incidents",)), ("office_stats", FIELDS)):
        frame = layers[name]
        for f in fields:
            small = frame[f] < k
            frame[f] = frame[f].where(~small)
            if f in FIELDS:
                frame["change_pct"] = frame["change_pct"].where(~small)
    folder = tmp_path / "old"
    export_briefing(layers, folder, min_count=0)  # already masked by hand
    write_summary(summary_table(layers), folder, offices=layers["office_stats"], min_count=k)
    found = recovered(read_published(folder))
    truth = layers["cell_stats"]
    # by hand: cell 2's current count (4) is its office's total 45 minus the other four
    # cells (7 + 7 + 21 + 6); cell 3's two empty blind spots are 6 - 6 = 0
    assert found["cell 2 incidents_current"] == "subtraction (determined by the sums)"
    assert int(sample["cell_stats"].set_index("cell_id").loc[2, "incidents_current"]) == 4
    spots3 = sample["blind_spots"][sample["blind_spots"]["cell_id"] == 3]
    for blind_id in spots3.loc[spots3["incidents"] == 0, "blind_id"]:
        assert f"spot {blind_id}" in found
    assert len(truth)


# ------------------------------------------------------------------------ hand-made cases


X0, Y0 = 470000.0, 2530000.0


def hand_layers(cells: list[dict], spots: list[dict]) -> dict:
    """cell_stats/cells/blind_spots/office_stats from rows; each cell a 100 m square."""
    boxes = [shapely.box(X0 + 100 * i, Y0, X0 + 100 * (i + 1), Y0 + 100)
             for i in range(len(cells))]
    frame = pd.DataFrame(cells)
    frame["change_pct"] = np.where(frame["incidents_previous"] > 0, np.round(
        (frame["incidents_current"] - frame["incidents_previous"])
        / frame["incidents_previous"].where(frame["incidents_previous"] > 0) * 100, 2), np.nan)
    blind = pd.DataFrame(spots) if spots else pd.DataFrame({"cell_id": [], "incidents": []})
    in_blind = blind.groupby("cell_id")["incidents"].sum() if len(blind) else pd.Series(
        dtype=float)
    frame["incidents_in_blind"] = frame["cell_id"].map(in_blind).fillna(0).astype(int)
    for col, value in (("area_m2", 1e4), ("watch_m2", 1e4), ("covered_m2", 5e3),
                       ("covered_share", 0.5), ("blind_m2", 5e3), ("cameras", 1)):
        frame[col] = value
    stats = gpd.GeoDataFrame(frame.drop(columns="police_office"), geometry=boxes, crs=METRIC)
    cells_layer = gpd.GeoDataFrame({"cell_id": frame["cell_id"],
                                    "name": [f"c{i}" for i in frame["cell_id"]],
                                    "police_office": frame["police_office"]},
                                   geometry=boxes, crs=METRIC)
    spot_geoms = []
    for k, row in enumerate(blind.to_dict("records")):
        i = list(frame["cell_id"]).index(row["cell_id"])
        spot_geoms.append(shapely.box(X0 + 100 * i + 10 * (k % 9), Y0 + 10,
                                      X0 + 100 * i + 10 * (k % 9) + 5, Y0 + 15))
    blind_layer = gpd.GeoDataFrame({"blind_id": np.arange(1, len(blind) + 1),
                                    "cell_id": blind["cell_id"].astype(int),
                                    "area_m2": 25.0, "incidents": blind["incidents"].astype(int)},
                                   geometry=spot_geoms, crs=METRIC)
    named = frame[frame["police_office"] != ""]
    offices = named.groupby("police_office").agg(
        cells=("cell_id", "size"), incidents_current=("incidents_current", "sum"),
        incidents_previous=("incidents_previous", "sum")).reset_index()
    offices["change_pct"] = np.round((offices["incidents_current"]
                                      - offices["incidents_previous"])
                                     / offices["incidents_previous"] * 100, 2)
    return {"cells": cells_layer, "cell_stats": stats, "blind_spots": blind_layer,
            "office_stats": offices}


def cell(cid, office, cur, prev):
    return {"cell_id": cid, "police_office": office, "incidents_current": cur,
            "incidents_previous": prev}


CASES = {
    # one small cell among large ones of its office: the office total must go
    "one small cell": ([cell(1, "A", 2, 30), cell(2, "A", 40, 35), cell(3, "B", 50, 44)],
                       [{"cell_id": 2, "incidents": 12}]),
    # a blind spot with 0 incidents next to one holding all of the cell's incidents
    "empty spot, full cell": ([cell(1, "A", 9, 20), cell(2, "A", 30, 25)],
                              [{"cell_id": 1, "incidents": 9}, {"cell_id": 1, "incidents": 0},
                               {"cell_id": 2, "incidents": 6}]),
    # a one-cell office, a cell without office, zero baselines
    "one-cell office": ([cell(1, "A", 1, 0), cell(2, "", 3, 9), cell(3, "B", 20, 0),
                         cell(4, "B", 0, 12)],
                        [{"cell_id": 3, "incidents": 2}, {"cell_id": 3, "incidents": 18}]),
    # everything small
    "all small": ([cell(1, "A", 1, 2), cell(2, "A", 0, 1), cell(3, "B", 2, 0)],
                  [{"cell_id": 1, "incidents": 1}, {"cell_id": 3, "incidents": 0}]),
    # previous small, current large: the previous office total goes, the current stays
    "small previous only": ([cell(1, "A", 30, 3), cell(2, "A", 40, 60), cell(3, "A", 8, 90)],
                            [{"cell_id": 2, "incidents": 10}, {"cell_id": 2, "incidents": 4},
                             {"cell_id": 3, "incidents": 8}]),
}


@pytest.mark.parametrize("case", list(CASES))
def test_hand_made_cases_give_nothing_away(case, tmp_path):
    layers = hand_layers(*CASES[case])
    pub = publish(layers, tmp_path, 5)
    assert any(v is None for v in pub.values.values())
    assert recovered(pub) == {}


def test_hand_made_masks_are_the_ones_expected(tmp_path):
    """Which figures go, checked by hand on two of the cases."""
    masked = mask_counts(hand_layers(*CASES["one small cell"]), 5)
    assert masked["office_stats"].set_index("police_office")["incidents_current"].isna() \
        .to_dict() == {"A": True, "B": False}
    assert masked["cell_stats"]["incidents_current"].isna().tolist() == [True, False, False]
    masked = mask_counts(hand_layers(*CASES["empty spot, full cell"]), 5)
    stats = masked["cell_stats"].set_index("cell_id")
    # cell 1: spots 9 and 0; 0 is masked, so incidents_in_blind (9) goes, and since the
    # published spot (9) equals incidents_current (9), incidents_current goes as well
    assert stats.loc[1, ["incidents_current", "incidents_in_blind"]].isna().all()
    assert stats.loc[2, ["incidents_current", "incidents_in_blind"]].tolist() == [30, 6]
