"""validate_cells: clean cells, and broken copies whose problems were worked out by hand."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString

from lever_grid.core.grid.validate import PROBLEMS, validate_cells
from tests.conftest import METRIC, ROOT, SAMPLE

X0, Y0 = 470000.0, 2530000.0


def grid3() -> gpd.GeoDataFrame:
    """3 x 3 cells of 100 m, ids 1..9 from the south-west, row by row."""
    boxes = [shapely.box(X0 + i * 100, Y0 + j * 100, X0 + i * 100 + 100, Y0 + j * 100 + 100)
             for j in range(3) for i in range(3)]
    return gpd.GeoDataFrame({"cell_id": np.arange(1, 10)}, geometry=boxes, crs=METRIC)


def counts(problems: gpd.GeoDataFrame) -> dict:
    return problems["problem"].value_counts().to_dict()


def sample(layer: str) -> gpd.GeoDataFrame:
    return gpd.read_file(SAMPLE, layer=layer)


def test_clean_grid_has_no_problems():
    problems, summary = validate_cells(grid3())
    assert len(problems) == 0
    assert summary == ["no problems"]
    assert list(problems.columns) == ["problem", "cell_id", "area_m2", "detail", "geometry"]


def test_shifted_cell_overlaps_and_leaves_a_gap():
    cells = grid3()
    cells.loc[4, "geometry"] = shapely.affinity.translate(cells.geometry[4], 10, 0)  # centre
    problems, summary = validate_cells(cells)
    assert counts(problems) == {"overlap": 1, "gap": 1}
    overlap = problems[problems.problem == "overlap"].iloc[0]
    assert overlap.cell_id == "5,6"
    assert overlap.area_m2 == pytest.approx(10 * 100)  # 10 m into cell 6
    gap = problems[problems.problem == "gap"].iloc[0]
    assert gap.area_m2 == pytest.approx(10 * 100)  # 10 m strip left behind next to cell 4
    assert gap.cell_id == "1,2,4,5,7,8"  # 1 and 7 touch its corners
    assert gap.geometry.geom_type == "MultiPolygon"
    assert summary[:2] == ["overlap: 1 (1000.0 m²)", "gap: 1 (1000.0 m²)"]
    assert len(summary) == len(PROBLEMS)


def test_deleted_cell_is_a_gap():
    cells = grid3().drop(index=4)
    problems, _ = validate_cells(cells)
    assert counts(problems) == {"gap": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(10_000.0)
    # a missing corner is outside the outline, not a gap, unless a boundary says otherwise
    corner = grid3().drop(index=8)
    assert len(validate_cells(corner)[0]) == 0
    boundary = gpd.GeoDataFrame(geometry=[shapely.box(X0, Y0, X0 + 300, Y0 + 300)], crs=METRIC)
    problems, _ = validate_cells(corner, boundary=boundary)
    assert counts(problems) == {"gap": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(10_000.0)


def test_duplicate_and_missing_ids():
    cells = grid3()
    cells["cell_id"] = cells["cell_id"].astype(object)
    cells.loc[8, "cell_id"] = 8        # cells 8 and 9 both say 8
    cells.loc[0, "cell_id"] = None     # cell 1 has none
    cells.loc[1, "cell_id"] = "  "     # nor has cell 2
    problems, summary = validate_cells(cells)
    assert counts(problems) == {"duplicate_id": 1, "missing_id": 2}
    dup = problems[problems.problem == "duplicate_id"].iloc[0]
    assert dup.cell_id == "8"
    assert dup.area_m2 == pytest.approx(20_000.0)
    assert "used by 2 cells" in dup.detail
    assert "duplicate_id: 1" in summary and "missing_id: 2" in summary


def test_slivers():
    cells = grid3()
    strip = shapely.box(X0, Y0 - 0.2, X0 + 100, Y0)          # 20 m², Polsby-Popper 0.006
    speck = shapely.box(X0 + 300, Y0, X0 + 303, Y0 + 3)     # 9 m² beside the grid
    extra = gpd.GeoDataFrame({"cell_id": [10, 11]}, geometry=[strip, speck], crs=METRIC)
    problems, _ = validate_cells(pd_concat(cells, extra))
    assert counts(problems) == {"sliver": 2}
    got = problems.set_index("cell_id").area_m2
    assert got["10"] == pytest.approx(20.0)
    assert got["11"] == pytest.approx(9.0)
    # a cell in two parts whose second part is tiny: that part is the sliver
    cells = grid3()
    cells.loc[0, "geometry"] = shapely.MultiPolygon([cells.geometry[0], shapely.box(
        X0 - 50, Y0 - 50, X0 - 48, Y0 - 48)])
    problems, _ = validate_cells(cells)
    assert counts(problems) == {"sliver": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(4.0)
    assert problems.detail.iloc[0].startswith("part of cell 1")


def pd_concat(a: gpd.GeoDataFrame, b: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    import pandas as pd

    return gpd.GeoDataFrame(pd.concat([a, b], ignore_index=True), crs=a.crs)


def test_invalid_geometry_is_reported_and_repaired():
    cells = grid3()
    cells.loc[4, "geometry"] = shapely.Polygon([(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 200),
                                                (X0 + 200, Y0 + 100), (X0 + 100, Y0 + 200)])
    problems, _ = validate_cells(cells)
    assert counts(problems)["invalid_geometry"] == 1
    bad = problems[problems.problem == "invalid_geometry"].iloc[0]
    assert bad.cell_id == "5"
    assert "Self-intersection" in bad.detail
    assert bad.area_m2 == pytest.approx(5_000.0)  # the bow tie's two triangles
    # the other two triangles of the centre, meeting only at its middle: two gaps
    assert problems[problems.problem == "gap"].area_m2.tolist() == [2500.0, 2500.0]
    cells.loc[3, "geometry"] = None
    problems, _ = validate_cells(cells)
    assert counts(problems)["invalid_geometry"] == 2
    assert "no geometry" in " ".join(problems.detail)


def test_crossing_roads():
    roads = gpd.GeoDataFrame({"road_id": [1, 2, 3], "name": ["中路", "横路", "出村路"]},
                             geometry=[
                                 LineString([(X0 + 50, Y0 + 20), (X0 + 50, Y0 + 180)]),
                                 LineString([(X0, Y0 + 200), (X0 + 300, Y0 + 200)]),
                                 LineString([(X0 + 250, Y0 + 250), (X0 + 400, Y0 + 250)]),
                             ], crs=METRIC)
    problems, summary = validate_cells(grid3(), roads=roads)
    # road 1 runs from cell 1 into cell 4 across their shared edge (y = 100); road 2 runs
    # along edges; road 3 leaves the village through cell 9's outer edge
    assert counts(problems) == {"crosses_road": 1}
    row = problems.iloc[0]
    assert row.cell_id == "1,4"
    assert "中路" in row.detail and "470050.0, 2530100.0" in row.detail
    assert row.geometry.area == pytest.approx(np.pi * 4, rel=0.02)
    assert "crosses_road: 1" in summary


def test_road_drawn_slightly_off_an_edge_is_not_a_crossing():
    wobbly = LineString([(X0, Y0 + 100.5), (X0 + 150, Y0 + 99.5), (X0 + 300, Y0 + 100.5)])
    roads = gpd.GeoDataFrame({"road_id": [1]}, geometry=[wobbly], crs=METRIC)
    problems, _ = validate_cells(grid3(), roads=roads)
    assert len(problems) == 0


def test_output_keeps_the_cells_crs():
    cells = grid3().to_crs("EPSG:4490")
    cells.loc[4, "geometry"] = shapely.affinity.translate(cells.geometry[4], 1e-4, 0)
    problems, _ = validate_cells(cells)
    assert problems.crs.to_epsg() == 4490
    assert {"overlap", "gap"} <= set(problems.problem)


def test_sample_hand_drawn_cells_are_clean():
    cells = sample("cells")
    for roads in ("roads", "roads_broken"):
        problems, summary = validate_cells(cells, roads=sample(roads),
                                           boundary=sample("boundary"))
        assert summary == ["no problems"], problems.detail.tolist()


def test_sample_broken_copies():
    cells = sample("cells")
    area = cells.area.to_numpy()
    # a deleted inner cell leaves a gap of exactly its area (its neighbours tile round it)
    inner = int(np.flatnonzero(~shapely.intersects(
        cells.geometry.to_numpy(), sample("boundary").geometry.iloc[0].exterior))[0])
    problems, _ = validate_cells(cells.drop(index=inner), boundary=sample("boundary"))
    assert counts(problems) == {"gap": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(area[inner], abs=0.01)
    # a duplicated id: one problem covering both cells
    dup = cells.copy()
    dup.loc[13, "cell_id"] = 1
    problems, _ = validate_cells(dup)
    assert counts(problems) == {"duplicate_id": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(area[0] + area[13], abs=0.01)
    # a cell copied on top of itself
    twice = pd_concat(cells, cells.iloc[[4]].assign(cell_id=15))
    problems, _ = validate_cells(twice)
    assert counts(problems) == {"overlap": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(area[4], abs=0.01)


def test_cli_validate(tmp_path):
    out = tmp_path / "problems.gpkg"
    res = subprocess.run([sys.executable, "-m", "lever_grid", "validate", "--cells",
                          f"{SAMPLE}|layername=cells", "--roads", f"{SAMPLE}|layername=roads",
                          "--out", out], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert res.stdout.strip() == "no problems"
    problems = gpd.read_file(out, layer="problems")
    assert len(problems) == 0
    assert list(problems.columns) == ["problem", "cell_id", "area_m2", "detail", "geometry"]


def test_gap_along_the_road_network_edge_needs_roads():
    from tests.core.test_roadnet import grid_roads

    streets = gpd.GeoDataFrame(geometry=list(grid_roads(3, 3)), crs=METRIC)
    cells = grid3()
    cells.loc[2, "geometry"] = shapely.box(X0 + 200, Y0, X0 + 290, Y0 + 100)  # 10 m short
    assert len(validate_cells(cells)[0]) == 0  # no roads: the cells' outline is all we know
    problems, _ = validate_cells(cells, roads=streets)
    assert counts(problems) == {"gap": 1}
    assert problems.area_m2.iloc[0] == pytest.approx(1000.0)
    assert problems.cell_id.iloc[0] == "3,6"  # cell 6 borders its top
    # a cell edge drawn a metre inside the outer road is drawing tolerance
    cells.loc[2, "geometry"] = shapely.box(X0 + 200, Y0, X0 + 299, Y0 + 100)
    assert len(validate_cells(cells, roads=streets)[0]) == 0


def test_a_bridge_over_a_cell_edge_is_no_crossing():
    import geopandas as gpd
    from shapely import LineString

    from tests.core.test_roadnet import X0, Y0, grid_roads

    # two cells cut across the blocks (no road there) and a footbridge over the cut
    halves = [shapely.box(X0, Y0, X0 + 100, Y0 + 50), shapely.box(X0, Y0 + 50, X0 + 100,
                                                                   Y0 + 100)]
    cells = gpd.GeoDataFrame({"cell_id": [1, 2]}, geometry=halves, crs="EPSG:4547")
    flyover = LineString([(X0 + 50, Y0 + 10), (X0 + 50, Y0 + 90)])
    roads = gpd.GeoDataFrame({"bridge": [None] * 4 + ["yes"]},
                             geometry=[*grid_roads(1, 1), flyover], crs="EPSG:4547")
    problems, _ = validate_cells(cells, roads=roads)
    assert "crosses_road" not in set(problems.problem)
    problems, _ = validate_cells(cells, roads=roads.drop(columns="bridge"))
    assert list(problems.problem) == ["crosses_road"]
