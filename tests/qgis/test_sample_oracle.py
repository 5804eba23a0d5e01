"""The sample village against QGIS's native chain (circles) — the issue's oracle."""

from __future__ import annotations

import pyogrio
import pytest

from tests.conftest import SAMPLE, circle_cameras_gpkg
from tests.qgis.conftest import run_alg
from tests.qgis.oracle import native_blind_by_cell

pytestmark = pytest.mark.qgis


def test_sample_blind_area_equals_native_chain(levergrid, tmp_path):
    circles = circle_cameras_gpkg(tmp_path / "circles.gpkg")
    out = tmp_path / "out.gpkg"
    run_alg("levergrid:analyse", {"CELLS": f"{SAMPLE}|layername=cells",
                                  "CAMERAS": f"{circles}|layername=cameras",
                                  "MIN_BLIND_AREA": 0.0, "OUTPUT": str(out)})
    stats = pyogrio.read_dataframe(out, layer="cell_stats")
    ours = {str(k): v for k, v in zip(stats.cell_id, stats.blind_m2, strict=True)}
    native = native_blind_by_cell(f"{SAMPLE}|layername=cells", f"{circles}|layername=cameras")
    assert set(ours) == set(native) and len(ours) == 14
    for cell_id, area in native.items():
        assert ours[cell_id] == pytest.approx(area, rel=1e-6), cell_id
    assert 0 < sum(ours.values()) < stats.area_m2.sum()
