"""The sample village's full analysis and its cell_stats, to compare QGIS with the CLI.

The oracle is always the CLI on this machine (QGIS 3.22 venv), run in the same test
session (the ``host_cli`` fixture in conftest.py), never a stored number.
"""

from __future__ import annotations

import math

import pyogrio
import pytest

PERIODS = {"PERIOD": "2025-01-01/2025-05-31", "COMPARE": "2024-01-01/2024-05-31"}
STATS = ("area_m2", "watch_m2", "covered_m2", "covered_share", "blind_m2", "road_length_m",
         "road_covered_share", "cameras", "incidents_current", "incidents_previous",
         "change_pct", "incidents_in_blind")


def params(sample: str, out: str) -> dict:
    layers = {k: f"{sample}|layername={k.lower()}"
              for k in ("CELLS", "CAMERAS", "BUILDINGS", "ROADS", "INCIDENTS")}
    return {**layers, **PERIODS, "MIN_BLIND_AREA": 1.0, "OUTPUT": out}


def cli_args(p: dict) -> list[str]:
    return [a for k, v in p.items() for a in (f"--{k.lower().replace('_', '-')}", str(v))
            if k != "OUTPUT"] + ["--out", p["OUTPUT"]]


def stats_of(gpkg) -> dict:
    frame = pyogrio.read_dataframe(gpkg, layer="cell_stats")
    return {str(row["cell_id"]): {k: row[k] for k in STATS} for _, row in frame.iterrows()}


def assert_same_stats(got: dict, cli: dict) -> None:
    assert set(got) == set(cli) and len(cli) == 14
    for cell_id, row in cli.items():
        for key in STATS:
            want, have = row[key], got[cell_id][key]
            if want is None or (isinstance(want, float) and math.isnan(want)):
                assert have is None or (isinstance(have, float) and math.isnan(have)), \
                    (cell_id, key, have)
            else:
                assert have == pytest.approx(float(want), rel=1e-9, abs=1e-12), \
                    (cell_id, key, have, want)
