"""Shared test set-up: a version header, paths and small hand-made layers."""

from __future__ import annotations

import os
from pathlib import Path

import geopandas as gpd
import pytest
import shapely

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "resources" / "sample" / "yangwu.gpkg"
ARTIFACTS = ROOT / "tests" / "artifacts"
METRIC = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E


def pytest_report_header(config):
    import pyogrio
    import pyproj

    lines = [f"shapely {shapely.__version__} (GEOS {shapely.geos_version_string}), "
             f"geopandas {gpd.__version__}, pyogrio {pyogrio.__version__} "
             f"(GDAL {pyogrio.__gdal_version_string__}), pyproj {pyproj.__version__} "
             f"(PROJ {pyproj.proj_version_str})"]
    try:
        from qgis.core import Qgis
        from qgis.PyQt.QtCore import QT_VERSION_STR

        lines.append(f"QGIS {Qgis.QGIS_VERSION}, Qt {QT_VERSION_STR}")
    except ImportError:
        lines.append("QGIS not importable")
    return lines


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in ("1", "true", "yes")


@pytest.fixture
def two_cells() -> gpd.GeoDataFrame:
    """Two 100 m squares side by side (cell 1 west, cell 2 east) in EPSG:4547."""
    x0, y0 = 470000.0, 2530000.0
    return gpd.GeoDataFrame(
        {"cell_id": [1, 2], "name": ["west", "east"], "police_office": ["A", "A"]},
        geometry=[shapely.box(x0, y0, x0 + 100, y0 + 100),
                  shapely.box(x0 + 100, y0, x0 + 200, y0 + 100)],
        crs=METRIC,
    )


def cameras_frame(rows: list[dict], crs: str = METRIC) -> gpd.GeoDataFrame:
    """Cameras from dicts with x, y (offsets from the two_cells origin) and fields."""
    x0, y0 = 470000.0, 2530000.0
    rows = [dict(r) for r in rows]
    geoms = [shapely.Point(x0 + r.pop("x"), y0 + r.pop("y")) for r in rows]
    return gpd.GeoDataFrame(rows, geometry=geoms, crs=crs)


def circle_cameras_gpkg(path: Path) -> Path:
    """The sample's online cameras as circles: heading/fov dropped, range filled by kind.

    This is the input on which QGIS's native buffer → dissolve → difference chain must
    reproduce our blind areas exactly (offline cameras are left out, ranges explicit).
    """
    from lever_grid.core.inputs.cameras import DEFAULT_RANGE_M, KIND_ALIASES

    cams = gpd.read_file(SAMPLE, layer="cameras")
    cams = cams[cams["status"].fillna("online") != "offline"].copy()
    kind = cams["kind"].str.lower().map(KIND_ALIASES)
    cams["range_m"] = cams["range_m"].fillna(kind.map(DEFAULT_RANGE_M))
    cams = cams.drop(columns=[c for c in ("heading_deg", "fov_deg") if c in cams.columns])
    cams.to_file(path, layer="cameras")
    return path


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """With CI=true no test may skip, in any tier (core, qgis, desktop): a skip is a
    failure (a missing font, tool or QGIS must break the build, not hide tests)."""
    outcome = yield
    report = outcome.get_result()
    if report.skipped and in_ci() and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"CI=true: tests must not skip ({report.longrepr})"
