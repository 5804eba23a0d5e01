"""Property tests (hypothesis) of the coverage analysis and of cells built from roads.

Villages are drawn as jittered grids of cells (they tile), random cameras (circles and
sectors, some offline), building boxes and incidents in two periods. Settings are fixed in
``tests/core/conftest.py`` (``PROPERTY_SETTINGS``): derandomized, no example database, no
deadline, so every run checks the same examples.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from lever_grid.core.grid.partition import build_cells
from lever_grid.core.pipeline import analyse
from tests.conftest import METRIC
from tests.core.conftest import PROPERTY_SETTINGS

X0, Y0 = 470000.0, 2530000.0
PERIOD = (pd.Timestamp("2025-01-01"), pd.Timestamp("2025-06-01"))
COMPARE = (pd.Timestamp("2024-01-01"), pd.Timestamp("2024-06-01"))
KINDS = ("public1", "public2", "smart_eye", "social", "enterprise")

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


@st.composite
def grids(draw, max_side: int = 3, min_size: float = 40.0):
    """(x edges, y edges, jitter) of a grid whose quads tile a rectangle."""
    nx = draw(st.integers(1, max_side))
    ny = draw(st.integers(1, max_side))
    size = draw(st.floats(min_size, 120.0))
    xs = np.arange(nx + 1) * size
    ys = np.arange(ny + 1) * size
    jitter = draw(st.lists(st.floats(-0.15, 0.15), min_size=(nx + 1) * (ny + 1) * 2,
                           max_size=(nx + 1) * (ny + 1) * 2))
    jit = np.array(jitter).reshape(ny + 1, nx + 1, 2) * size
    jit[[0, -1], :, 1] = 0.0  # keep the outline straight
    jit[:, [0, -1], 0] = 0.0
    px = X0 + xs[None, :] + jit[:, :, 0]
    py = Y0 + ys[:, None] + jit[:, :, 1]
    return px, py, nx, ny, size


def grid_cells(px, py, nx, ny) -> gpd.GeoDataFrame:
    geoms, ids = [], []
    for j in range(ny):
        for i in range(nx):
            ring = [(px[j, i], py[j, i]), (px[j, i + 1], py[j, i + 1]),
                    (px[j + 1, i + 1], py[j + 1, i + 1]), (px[j + 1, i], py[j + 1, i])]
            geoms.append(shapely.Polygon(ring))
            ids.append(len(ids) + 1)
    offices = ["A" if k % 2 else "B" for k in range(len(ids))]
    return gpd.GeoDataFrame({"cell_id": ids, "police_office": offices}, geometry=geoms,
                            crs=METRIC)


def camera_rows(draw, width: float, height: float, n_min: int = 0, n_max: int = 7):
    n = draw(st.integers(n_min, n_max))
    rows = []
    for k in range(n):
        sector = draw(st.booleans())
        rows.append({
            "camera_id": f"c{k}",
            "kind": draw(st.sampled_from(KINDS)),
            "status": draw(st.sampled_from(["online", "online", "online", "offline"])),
            "range_m": draw(st.floats(5.0, 90.0)),
            "heading_deg": draw(st.floats(0.0, 359.0)) if sector else np.nan,
            "fov_deg": draw(st.floats(10.0, 300.0)) if sector else np.nan,
            "x": X0 + draw(st.floats(-20.0, width + 20.0)),
            "y": Y0 + draw(st.floats(-20.0, height + 20.0)),
        })
    return rows


def cameras_gdf(rows: list[dict]) -> gpd.GeoDataFrame:
    cols = ["camera_id", "kind", "status", "range_m", "heading_deg", "fov_deg"]
    frame = pd.DataFrame(rows, columns=[*cols, "x", "y"])
    return gpd.GeoDataFrame(frame[cols], geometry=gpd.points_from_xy(frame["x"], frame["y"]),
                            crs=METRIC)


@st.composite
def villages(draw, with_incidents: bool = False):
    px, py, nx, ny, size = draw(grids())
    cells = grid_cells(px, py, nx, ny)
    width, height = nx * size, ny * size
    cams = camera_rows(draw, width, height)
    n_bld = draw(st.integers(0, 4))
    blds = []
    for _ in range(n_bld):
        bx = draw(st.floats(0.0, width - 5.0))
        by = draw(st.floats(0.0, height - 5.0))
        blds.append(shapely.box(X0 + bx, Y0 + by, X0 + bx + draw(st.floats(3.0, 25.0)),
                                Y0 + by + draw(st.floats(3.0, 25.0))))
    buildings = gpd.GeoDataFrame({"building_id": range(len(blds))}, geometry=blds, crs=METRIC)
    incidents = None
    if with_incidents:
        n = draw(st.integers(0, 25))
        pts = [(X0 + draw(st.floats(-10.0, width + 10.0)),
                Y0 + draw(st.floats(-10.0, height + 10.0))) for _ in range(n)]
        days = [draw(st.integers(0, 150)) + (0 if draw(st.booleans()) else 366)
                for _ in range(n)]
        when = [COMPARE[0] + pd.Timedelta(days=d) for d in days]
        incidents = gpd.GeoDataFrame(
            {"incident_id": [f"i{k}" for k in range(n)],
             "occurred_at": pd.to_datetime(pd.Series(when, dtype="datetime64[ns]")),
             "category": ["theft"] * n},
            geometry=[shapely.Point(p) for p in pts], crs=METRIC)
    return cells, cams, buildings if len(blds) else None, incidents


def run(cells, cams_rows_or_gdf, buildings=None, incidents=None, **kw):
    cams = (cams_rows_or_gdf if isinstance(cams_rows_or_gdf, gpd.GeoDataFrame)
            else cameras_gdf(cams_rows_or_gdf))
    return analyse(cells, cams, buildings=buildings, incidents=incidents,
                   period=PERIOD if incidents is not None else None,
                   compare=COMPARE if incidents is not None else None, **kw)


# ---------------------------------------------------------------------------- coverage


@settings(**PROPERTY_SETTINGS)
@given(villages())
def test_covered_plus_blind_is_the_watch_area(village):
    cells, cams, buildings, _ = village
    stats = run(cells, cams, buildings, min_blind_area=0.0)["cell_stats"]
    total = stats["covered_m2"] + stats["blind_m2"]
    np.testing.assert_allclose(total, stats["watch_m2"], rtol=1e-9, atol=1e-9)
    assert (stats["covered_m2"] >= 0).all() and (stats["blind_m2"] >= -1e-9).all()
    assert (stats["watch_m2"] <= stats["area_m2"] * (1 + 1e-12)).all()


@settings(**PROPERTY_SETTINGS)
@given(villages(), st.data())
def test_adding_a_camera_never_grows_a_blind_area(village, data):
    cells, cams, buildings, _ = village
    x0, y0, x1, y1 = cells.total_bounds
    extra = camera_rows(data.draw, x1 - x0, y1 - y0, 1, 1)[0]
    extra.update(camera_id="extra", status=data.draw(st.sampled_from(["online", "offline"])))
    before = run(cells, cams, buildings, min_blind_area=0.0)["cell_stats"]
    after = run(cells, [*cams, extra], buildings, min_blind_area=0.0)["cell_stats"]
    tol = 1e-9 * before["watch_m2"].to_numpy() + 1e-9
    assert (after["blind_m2"].to_numpy() <= before["blind_m2"].to_numpy() + tol).all()
    assert (after["covered_m2"].to_numpy() >= before["covered_m2"].to_numpy() - tol).all()


def _summary(layers: dict) -> dict:
    """Order-free digest of every output layer."""
    stats = layers["cell_stats"].drop(columns="geometry").sort_values("cell_id")
    views = layers["camera_views"].sort_values("camera_id")
    blind = layers["blind_spots"].groupby("cell_id")[["area_m2", "incidents"]].sum()
    overlap = layers["overlap"].groupby(["cell_id", "n_cameras"])["area_m2"].sum()
    offices = layers["office_stats"].sort_values("police_office").reset_index(drop=True)
    return {"stats": stats.reset_index(drop=True),
            "views": views[["camera_id", "kind", "area_m2"]].reset_index(drop=True),
            "blind": blind, "overlap": overlap, "offices": offices,
            "n_blind": len(layers["blind_spots"])}


def _same(a: dict, b: dict) -> None:
    pd.testing.assert_frame_equal(a["stats"], b["stats"], check_exact=False, rtol=1e-9,
                                  atol=1e-7)
    pd.testing.assert_frame_equal(a["views"], b["views"], check_exact=False, rtol=1e-9)
    pd.testing.assert_frame_equal(a["blind"], b["blind"], check_exact=False, rtol=1e-9,
                                  atol=1e-7)
    pd.testing.assert_series_equal(a["overlap"], b["overlap"], check_exact=False, rtol=1e-9,
                                   atol=1e-7)
    pd.testing.assert_frame_equal(a["offices"], b["offices"])
    assert a["n_blind"] == b["n_blind"]


@settings(**PROPERTY_SETTINGS)
@given(villages(with_incidents=True), st.randoms(use_true_random=False))
def test_shuffling_rows_changes_no_result(village, rnd):
    cells, cams, buildings, incidents = village
    cams = cameras_gdf(cams)
    first = run(cells, cams, buildings, incidents)

    def shuffled(gdf):
        if gdf is None:
            return None
        order = list(range(len(gdf)))
        rnd.shuffle(order)
        out = gdf.iloc[order]
        return out.set_index(pd.Index([f"r{k}" for k in order])) if rnd.random() < 0.5 \
            else out.reset_index(drop=True)

    second = run(shuffled(cells), shuffled(cams), shuffled(buildings), shuffled(incidents))
    _same(_summary(first), _summary(second))


# ---------------------------------------------------------------------------- cells


@st.composite
def road_grids(draw):
    """Roads along the lines of a jittered grid (each line one road), and N."""
    px, py, nx, ny, size = draw(grids(max_side=4, min_size=40.0))
    lines = [shapely.LineString(np.c_[px[j], py[j]]) for j in range(ny + 1)]
    lines += [shapely.LineString(np.c_[px[:, i], py[:, i]]) for i in range(nx + 1)]
    order = draw(st.permutations(range(len(lines))))
    roads = gpd.GeoDataFrame({"road_id": range(len(lines))},
                             geometry=[lines[k] for k in order], crs=METRIC)
    count = draw(st.integers(1, nx * ny))
    balance = draw(st.sampled_from(["road_length", "area"]))
    return roads, count, balance


@settings(**PROPERTY_SETTINGS)
@given(road_grids())
def test_built_cells_partition_the_faces(case):
    roads, count, balance = case
    cells, _ = build_cells(roads, count, balance=balance)
    faces = shapely.get_parts(shapely.polygonize(shapely.get_parts(
        shapely.union_all(roads.geometry.to_numpy()))))
    assert len(cells) == count
    assert sorted(cells["cell_id"]) == list(range(1, count + 1))
    geoms = cells.geometry.to_numpy()
    assert (shapely.get_type_id(geoms) == 3).all(), "a cell is not one polygon"
    # the cells tile the village outline derived from the roads (docs/cells.md): the
    # blocks the roads enclose and the land round them, every road metre inside
    from lever_grid.core.grid.outline import derive_outline

    whole = derive_outline(roads.geometry.to_numpy())
    union = shapely.union_all(geoms)
    area = shapely.area(whole)
    assert shapely.area(geoms).sum() == pytest.approx(area, rel=1e-6), "cells overlap"
    assert shapely.area(shapely.symmetric_difference(union, whole)) <= 1e-6 * area
    assert shapely.covers(shapely.buffer(union, 1e-6), shapely.union_all(roads.geometry))
    inside = shapely.point_on_surface(faces)
    hits = shapely.STRtree(geoms).query(inside, predicate="within")
    assert np.bincount(hits[0], minlength=len(faces)).tolist() == [1] * len(faces), \
        "a face is not in exactly one cell"
