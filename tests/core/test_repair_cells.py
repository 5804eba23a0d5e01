"""validate --repair: hand-drawn cells snapped onto the roads, gaps closed, overlaps
removed. The truth is the sample's own cells (whole faces of its road network, tiling its
boundary); the damage is made here: every vertex moved up to 3 m, two bites cut out,
one cell grown 30 m into its neighbour."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lever_grid.core.errors import InputError
from lever_grid.core.grid.repair_cells import repair_cells
from lever_grid.core.grid.validate import validate_cells
from tests.conftest import ROOT, SAMPLE


def sample(layer: str) -> gpd.GeoDataFrame:
    gdf = gpd.read_file(SAMPLE, layer=layer)
    gdf.attrs.update(file=str(SAMPLE), layer=layer)
    return gdf


def jitter(geom, rng, reach: float):
    """Every distinct vertex moved by up to ``reach`` metres in a random direction."""
    xy = shapely.get_coordinates(geom)
    uniq, inv = np.unique(xy, axis=0, return_inverse=True)
    r = rng.uniform(0.0, reach, len(uniq))
    t = rng.uniform(0.0, 2 * np.pi, len(uniq))
    moved = shapely.set_coordinates(geom, xy + np.c_[r * np.cos(t), r * np.sin(t)][inv.ravel()])
    moved = shapely.make_valid(moved)
    parts = shapely.get_parts(moved)
    parts = parts[shapely.get_type_id(parts) == 3]
    return parts[np.argmax(shapely.area(parts))]


def damaged(seed: int = 12):
    cells = sample("cells")
    rng = np.random.default_rng(seed)
    true = cells.geometry.to_numpy()
    geoms = np.array([jitter(g, rng, 3.0) for g in true], dtype=object)
    for i in (2, 8):  # two gaps: 50 x 50 m bites
        centre = shapely.point_on_surface(true[i])
        geoms[i] = shapely.difference(geoms[i], shapely.buffer(centre, 25, cap_style="square"))
    nb = next(j for j in range(len(true)) if j != 4 and shapely.touches(true[4], true[j]))
    geoms[4] = shapely.union(geoms[4], shapely.intersection(true[nb],
                                                            shapely.buffer(true[4], 30)))
    return cells, cells.set_geometry(list(geoms))


def test_damage_is_what_the_test_says():
    _, bad = damaged()
    problems, _ = validate_cells(bad, roads=sample("roads"), boundary=sample("boundary"))
    kinds = set(problems.problem)
    assert {"overlap", "gap"} <= kinds
    assert problems[problems.problem == "gap"].area_m2.max() >= 2400.0  # the bites


@pytest.mark.parametrize("roads", ["roads", "roads_broken"])
def test_repair_restores_the_cells(roads):
    true, bad = damaged()
    boundary = sample("boundary")
    fixed, changes, summary = repair_cells(bad, roads=sample(roads), boundary=boundary)
    assert list(fixed.columns) == list(bad.columns)
    assert fixed.cell_id.tolist() == bad.cell_id.tolist()
    geoms = fixed.geometry.to_numpy()
    # they tile the boundary: no overlap, no gap
    with np.errstate(invalid="ignore"):
        overlap = shapely.area(shapely.intersection(geoms[:, None], geoms[None, :]))
    np.fill_diagonal(overlap, 0.0)
    assert overlap.max() < 1e-6
    outline = boundary.geometry.iloc[0]
    assert shapely.symmetric_difference(shapely.union_all(geoms), outline).area < 1e-3
    # and their edges are back on the roads: the true cells within half a metre
    want = true.geometry.to_numpy()
    if roads == "roads":
        assert shapely.hausdorff_distance(geoms, want).max() < 0.5
        problems, _ = validate_cells(fixed, roads=sample("roads"), boundary=boundary)
        assert len(problems) == 0
    else:  # the broken roads' junctions moved: the edges follow them, within 0.5 % area
        sym = shapely.area(shapely.symmetric_difference(geoms, want))
        assert (sym / shapely.area(want)).max() < 0.005
    # the changes layer names each kind of change
    assert set(changes.problem) == {"snapped", "overlap_removed", "gap_closed"}
    gaps = changes[(changes.problem == "gap_closed") & (changes.area_m2 > 100)]
    assert sorted(gaps.cell_id) == sorted(true.cell_id.astype(str).iloc[[2, 8]])
    assert gaps.area_m2.to_numpy() == pytest.approx([2500.0, 2500.0], abs=15.0)
    assert len(summary) == 3


def test_row_order_does_not_matter():
    _, bad = damaged(3)
    roads, boundary = sample("roads"), sample("boundary")
    a, _, _ = repair_cells(bad, roads=roads, boundary=boundary)
    perm = np.random.default_rng(1).permutation(len(bad))
    b, _, _ = repair_cells(bad.iloc[perm], roads=roads, boundary=boundary)
    b = b.loc[a.index]
    sym = shapely.area(shapely.symmetric_difference(a.geometry.to_numpy(),
                                                    b.geometry.to_numpy()))
    assert sym.max() < 1e-6


def test_edges_far_from_roads_stay_as_drawn():
    # a cell edge drawn through the middle of a block (no road within 3 m) is kept
    cells = sample("cells")
    true = cells.geometry.to_numpy()
    big = int(np.argmax(shapely.area(true)))
    cut = shapely.centroid(true[big])
    half = shapely.intersection(true[big], shapely.box(cut.x - 2000, cut.y - 2000, cut.x,
                                                       cut.y + 2000))
    rest = shapely.difference(true[big], half)
    split = gpd.GeoDataFrame({"cell_id": [1, 2]}, geometry=[half, rest], crs=cells.crs)
    fixed, changes, _ = repair_cells(split, roads=sample("roads"))
    assert shapely.hausdorff_distance(fixed.geometry.to_numpy(),
                                      split.geometry.to_numpy()).max() < 1e-6
    assert len(changes) == 0


def test_bad_tolerance():
    with pytest.raises(InputError, match="tolerance"):
        repair_cells(sample("cells"), tolerance=-1)


def test_cli_validate_repair(tmp_path):
    _, bad = damaged()
    src = tmp_path / "drawn.gpkg"
    bad.to_file(src, layer="cells")
    out = tmp_path / "fixed.gpkg"
    res = subprocess.run([sys.executable, "-m", "lever_grid", "validate", "--cells", src,
                          "--roads", f"{SAMPLE}|layername=roads", "--boundary",
                          f"{SAMPLE}|layername=boundary", "--repair", "--out", out],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "Warning" not in res.stderr
    assert "repair: gap_closed: 2 cell(s) (5000.0 m²)" in res.stdout
    assert "no problems" in res.stdout
    fixed = gpd.read_file(out, layer="cells")
    changes = gpd.read_file(out, layer="problems")
    assert len(fixed) == 14
    assert set(changes.problem) == {"snapped", "overlap_removed", "gap_closed"}
