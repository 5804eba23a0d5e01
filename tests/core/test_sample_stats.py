"""Every number of cell_stats for the sample village, recomputed another way.

The analysis runs as ``lever-grid demo`` runs it (buildings, roads, incidents, default
periods, min blind area 1 m²). The figures are then rebuilt here with plain geopandas and
shapely, one cell (or camera) at a time, by methods the engine does not use:

* sectors from the documented rule written out with trigonometry (none of the sample's
  fov values is a multiple of 5.625°, so the arc has ceil(fov / 5.625) equal steps);
* occlusion from a constrained-Delaunay triangulation of each footprint: the shadow of a
  triangle is the convex hull of it and of its corners pushed far away from the camera
  (the engine casts per-edge shadows);
* watch area, covered area and blind spots with ``geopandas.overlay``;
* road lengths by the definition: road inside the cell, minus half of what runs along an
  edge shared with another cell; the seen part likewise, inside the union of all views;
* incidents with pandas dates and ``geopandas.sjoin``; change_pct with ``decimal``.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from lever_grid.core.inputs.cameras import DEFAULT_RANGE_M, DEFAULT_SECTOR_FOV, KIND_ALIASES
from lever_grid.core.inputs.incidents import read_incidents
from lever_grid.core.inputs.layers import LINES, POINTS, POLYGONS, read_layer
from lever_grid.core.pipeline import analyse
from lever_grid.core.progress import Progress
from tests.conftest import SAMPLE

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")

AREA_REL = 1e-6  # two different overlay paths agree far better; this is the contract
MIN_BLIND = 1.0  # the analysis' default, as in the demo


@pytest.fixture(scope="module")
def engine() -> pd.DataFrame:
    """cell_stats exactly as ``lever-grid demo`` computes them."""
    sample = str(SAMPLE)
    layer = lambda name, geom: read_layer(f"{sample}|layername={name}", name, geometry=geom)  # noqa: E731
    layers = analyse(
        layer("cells", POLYGONS), layer("cameras", POINTS),
        buildings=layer("buildings", POLYGONS), roads=layer("roads", LINES),
        incidents=read_incidents(f"{sample}|layername=incidents", progress=Progress()),
        progress=Progress(),
    )
    return layers["cell_stats"].set_index("cell_id").sort_index()


@pytest.fixture(scope="module")
def raw() -> dict[str, gpd.GeoDataFrame]:
    return {name: gpd.read_file(SAMPLE, layer=name)
            for name in ("cells", "cameras", "buildings", "roads", "incidents")}


def sector(x: float, y: float, r: float, heading: float, fov: float) -> shapely.Polygon:
    n = math.ceil(fov / 5.625)
    ring = [(x, y)]
    for k in range(n + 1):
        a = math.radians(heading - fov / 2 + fov * k / n)
        ring.append((x + r * math.sin(a), y + r * math.cos(a)))
    return shapely.Polygon(ring)


def visible(cam: shapely.Point, view: shapely.Polygon, buildings) -> shapely.Geometry:
    """The view minus the shadows of every building but the camera's own."""
    far = 4.0 * math.sqrt(view.area) + 100.0
    shadows = []
    for bld in buildings:
        if bld.distance(cam) <= 0.01 or not bld.intersects(view):
            continue  # its own building (camera on the wall) or out of reach
        for tri in shapely.get_parts(shapely.constrained_delaunay_triangles(bld)):
            corners = np.asarray(tri.exterior.coords)[:3]
            away = corners - [cam.x, cam.y]
            pushed = corners + away / np.hypot(away[:, 0], away[:, 1])[:, None] * far
            shadows.append(shapely.MultiPoint(np.vstack([corners, pushed])).convex_hull)
    if not shadows:
        return view
    return view.difference(shapely.union_all(shadows))


@pytest.fixture(scope="module")
def views(raw) -> gpd.GeoDataFrame:
    """Occluded views of the online cameras, built camera by camera."""
    cams = raw["cameras"]
    cams = cams[cams["status"].fillna("online") != "offline"]
    assert (cams["fov_deg"].dropna() % 5.625 != 0).all()
    buildings = list(raw["buildings"].geometry)
    rows = []
    for cam in cams.itertuples():
        kind = KIND_ALIASES[cam.kind.lower()]
        r = cam.range_m if pd.notna(cam.range_m) else DEFAULT_RANGE_M[kind]
        if pd.isna(cam.heading_deg):
            view = cam.geometry.buffer(r, quad_segs=16)
        else:
            fov = cam.fov_deg if pd.notna(cam.fov_deg) else DEFAULT_SECTOR_FOV
            view = sector(cam.geometry.x, cam.geometry.y, r, cam.heading_deg, fov)
        rows.append({"camera_id": cam.camera_id,
                     "geometry": visible(cam.geometry, view, buildings)})
    return gpd.GeoDataFrame(rows, crs=raw["cells"].crs)


@pytest.fixture(scope="module")
def expected(raw, views) -> pd.DataFrame:
    cells = raw["cells"][["cell_id", "geometry"]]
    buildings = raw["buildings"][["geometry"]]
    watch = gpd.overlay(cells, buildings, how="difference").set_index("cell_id")
    seen = gpd.GeoDataFrame(geometry=[views.union_all()], crs=cells.crs)
    covered = gpd.overlay(watch.reset_index(), seen, how="intersection").set_index("cell_id")
    blind = gpd.overlay(watch.reset_index(), seen, how="difference").explode(index_parts=False)
    blind = blind[blind.area >= MIN_BLIND]

    incidents = raw["incidents"].copy()
    incidents["when"] = pd.to_datetime(incidents["occurred_at"])
    latest = incidents["when"].max()
    start = pd.Timestamp(year=latest.year, month=1, day=1)
    end = latest.normalize() + pd.Timedelta(days=1)
    year = pd.DateOffset(years=1)
    current = incidents[(incidents["when"] >= start) & (incidents["when"] < end)]
    previous = incidents[(incidents["when"] >= start - year) & (incidents["when"] < end - year)]

    def per_cell(points: gpd.GeoDataFrame) -> pd.Series:
        hit = gpd.sjoin(points, cells, predicate="intersects")
        hit = hit.sort_values("cell_id").groupby(level=0).head(1)  # edge: lowest cell_id
        return hit.groupby("cell_id").size()

    cur, prev = per_cell(current), per_cell(previous)
    in_blind = gpd.sjoin(current, blind[["cell_id", "geometry"]], predicate="intersects")
    in_blind = in_blind.groupby(level=0).head(1).groupby("cell_id").size()

    roads = shapely.union_all(raw["roads"].geometry.to_numpy())
    reach = views.union_all()  # a road is seen where some view reaches it
    rows = []
    for cell in cells.itertuples():
        c, g = cell.cell_id, cell.geometry
        w = watch.geometry.get(c, shapely.Polygon())
        cov = covered.geometry.get(c, shapely.Polygon())
        cov_area = cov.area if cov is not None else 0.0
        cameras = sum(1 for v in views.geometry if v.intersection(w).area > 1e-9)
        # road length: inside the cell, minus half of what runs along a shared edge;
        # seen: the same for the part of it inside some view
        inside = roads.intersection(g)
        length, seen_len = inside.length, inside.intersection(reach).length
        for other in cells.itertuples():
            if other.cell_id == c:
                continue
            edge = g.boundary.intersection(other.geometry.boundary)
            if edge.length > 0:
                along = roads.intersection(edge)
                length -= 0.5 * along.length
                seen_len -= 0.5 * along.intersection(reach).length
        n_cur, n_prev = int(cur.get(c, 0)), int(prev.get(c, 0))
        change = (float((Decimal(n_cur - n_prev) * 100 / Decimal(n_prev)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)) if n_prev else np.nan)
        rows.append({
            "cell_id": c, "area_m2": g.area, "watch_m2": w.area, "covered_m2": cov_area,
            "covered_share": cov_area / w.area,
            "blind_m2": blind.loc[blind["cell_id"] == c].area.sum(),
            "road_length_m": length, "road_covered_share": seen_len / length,
            "cameras": cameras, "incidents_current": n_cur, "incidents_previous": n_prev,
            "change_pct": change, "incidents_in_blind": int(in_blind.get(c, 0)),
        })
    return pd.DataFrame(rows).set_index("cell_id").sort_index()


COLUMNS = ["area_m2", "watch_m2", "covered_m2", "covered_share", "blind_m2", "road_length_m",
           "road_covered_share", "cameras", "incidents_current", "incidents_previous",
           "change_pct", "incidents_in_blind"]


def test_the_columns_are_the_contracts(engine):
    assert list(engine.columns) == [*COLUMNS, "geometry"]
    assert list(engine.index) == list(range(1, 15))


@pytest.mark.parametrize("column", ["area_m2", "watch_m2", "covered_m2", "covered_share",
                                    "blind_m2", "road_length_m", "road_covered_share"])
def test_measures_match(engine, expected, column):
    got, want = engine[column].to_numpy(float), expected[column].to_numpy(float)
    assert np.isfinite(got).all()
    np.testing.assert_allclose(got, want, rtol=AREA_REL, atol=1e-6, err_msg=column)


@pytest.mark.parametrize("column", ["cameras", "incidents_current", "incidents_previous",
                                    "incidents_in_blind"])
def test_counts_match(engine, expected, column):
    assert engine[column].tolist() == expected[column].tolist()


def test_change_pct_matches(engine, expected):
    np.testing.assert_array_equal(engine["change_pct"].to_numpy(float),
                                  expected["change_pct"].to_numpy(float))


def test_village_totals_make_sense(engine, expected):
    assert engine["incidents_current"].sum() == 125
    assert engine["incidents_previous"].sum() == 307
    assert (engine["covered_m2"] + engine["blind_m2"] <= engine["watch_m2"] * (1 + 1e-12)).all()
    assert 0 < engine["covered_share"].min() and engine["covered_share"].max() < 1
    assert engine["cameras"].sum() >= 56  # every online camera counts somewhere
    assert engine["incidents_in_blind"].sum() > 0
