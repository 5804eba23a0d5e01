"""Cells on real road networks (OpenStreetMap extracts and momepy's Prague quarter, see
tests/data/README.md) and on a generated tree-like suburb without a single closed block.

Every figure is measured here with plain shapely on the *input* roads and the output
cells (not with the code's own road-length bookkeeping): the cells tile the outline, no
two overlap, each is one valid polygon, every road metre lies in a cell, and the road
length per cell (a road on the edge between two cells half to each) is balanced.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from shapely import LineString

from lever_grid.core.crs import metric_crs, to_metric
from lever_grid.core.grid.levels import road_levels
from lever_grid.core.grid.partition import build_cells
from lever_grid.core.grid.roadnet import repair_network
from lever_grid.core.progress import Progress
from tests.conftest import ROOT

REAL = ROOT / "tests" / "data" / "real"
X0, Y0 = 470000.0, 2530000.0


def real(name: str, layer: str) -> gpd.GeoDataFrame:
    path = REAL / f"{name}.gpkg"
    gdf = gpd.read_file(path, layer=layer)
    gdf.attrs.update(file=str(path), layer=layer)
    return gdf


def tree_suburb(length: float = 1600.0, step: float = 100.0, branch: float = 260.0,
                twig_step: float = 65.0, twig: float = 45.0) -> gpd.GeoDataFrame:
    """A main road with side roads every ``step`` m (alternately north and south), each
    with short cul-de-sacs: a tree, no road closes a block."""
    lines = [LineString([(X0, Y0), (X0 + length, Y0)])]
    for k, x in enumerate(np.arange(step / 2, length, step)):
        sign = 1 if k % 2 == 0 else -1
        bx = X0 + x
        lines.append(LineString([(bx, Y0), (bx, Y0 + sign * branch)]))
        for y in np.arange(twig_step, branch, twig_step):
            side = 1 if int(y / twig_step) % 2 else -1
            lines.append(LineString([(bx, Y0 + sign * y), (bx + side * twig, Y0 + sign * y)]))
    return gpd.GeoDataFrame({"road_id": np.arange(len(lines))}, geometry=lines,
                            crs="EPSG:4547")


def outline_by_rule(lines: np.ndarray, margin: float = 20.0, close: float = 60.0):
    """The documented outline rule (docs/cells.md), written out again with shapely."""
    grown = shapely.union_all(shapely.buffer(lines, margin))
    closed = shapely.buffer(shapely.buffer(grown, close), -close)
    parts = shapely.get_parts(shapely.union(closed, grown))
    return shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))


def road_per_cell(cells: np.ndarray, lines: np.ndarray, tol: float = 1e-3) -> np.ndarray:
    """Road length per cell from the input lines: the length inside the cell (edges
    included), minus half the length running along an edge it shares with another cell."""
    network = shapely.union_all(lines)
    out = shapely.length(shapely.intersection(network, shapely.buffer(cells, tol)))
    rings = shapely.boundary(cells)
    a, b = shapely.STRtree(cells).query(cells, predicate="dwithin", distance=tol)
    a, b = a[a < b], b[a < b]
    shared = shapely.intersection(shapely.buffer(rings[a], tol), rings[b])
    along = shapely.length(shapely.intersection(network, shapely.buffer(shared, tol)))
    np.subtract.at(out, a, 0.5 * along)
    np.subtract.at(out, b, 0.5 * along)
    return out


CASES = {
    "kotka": lambda: real("kotka_karhula", "roads"),
    "prague": lambda: real("prague_bubenec", "streets"),
    "suburb": tree_suburb,
}
_BUILT: dict = {}


def built(case: str, n: int):
    if (case, n) not in _BUILT:
        roads = CASES[case]()
        progress = Progress()
        cells, report = build_cells(roads, n, progress=progress)
        _BUILT[(case, n)] = (roads, cells, report, progress)
    return _BUILT[(case, n)]


@pytest.mark.parametrize("n", [6, 14])
@pytest.mark.parametrize("case", list(CASES))
def test_cells_tile_the_outline_and_hold_every_road_metre(case, n):
    roads, cells, report, _ = built(case, n)
    metric = metric_crs(roads.crs, tuple(roads.total_bounds))
    lines = to_metric(roads, metric).geometry.to_numpy()
    geoms = to_metric(cells, metric).geometry.to_numpy()
    assert len(cells) == n
    assert sorted(cells.cell_id) == list(range(1, n + 1))
    assert shapely.is_valid(geoms).all()
    assert (shapely.get_type_id(geoms) == 3).all()  # each cell one Polygon
    with np.errstate(invalid="ignore"):
        overlap = shapely.area(shapely.intersection(geoms[:, None], geoms[None, :]))
    np.fill_diagonal(overlap, 0.0)
    assert overlap.max() < 1e-6
    outline = outline_by_rule(lines)
    union = shapely.union_all(geoms)
    assert shapely.area(shapely.intersection(union, outline)) >= 0.99 * outline.area
    # every road metre in a cell
    network = shapely.union_all(lines)
    assert shapely.length(shapely.difference(network, shapely.buffer(union, 1e-6))) < 1e-3
    per_cell = road_per_cell(geoms, lines)
    assert per_cell.sum() == pytest.approx(shapely.length(network), rel=1e-3)
    assert per_cell.max() / per_cell.min() <= 2.0
    assert cells.road_length_m.to_numpy() == pytest.approx(per_cell, rel=0.01, abs=2.0)
    assert 0.0 < report["road_edge_share"] <= 1.0


def test_no_island_cells_in_the_suburb_of_seven_groups():
    # Karhula's roads fall into separate groups once bridges and tunnels make no
    # junction; the groups join through the outline area, no cell is a lone block
    roads, cells, _, progress = built("kotka", 14)
    area = to_metric(cells, metric_crs(roads.crs, tuple(roads.total_bounds))).area
    assert area.min() > 100_000  # the issue saw 471 m² and 535 m² island cells
    assert not any("separate groups" in m for m in progress.messages)


def test_tree_suburb_cells_split_between_the_roads():
    _, cells, report, progress = built("suburb", 14)
    assert any("split along the midlines" in m for m in progress.messages)
    assert report["faces"] > 14
    # the main road runs along cell edges: about half the edges between cells are roads
    assert report["road_edge_share"] > 0.1


@pytest.fixture(scope="module")
def helsinki():
    roads = real("helsinki_centre", "roads")
    metric = metric_crs(roads.crs, tuple(roads.total_bounds))
    return roads, to_metric(roads, metric)


def test_dense_city_keeps_every_end_that_touches(helsinki):
    roads, m = helsinki
    lines = m.geometry.to_numpy()
    pieces, level, counts = repair_network(lines, road_levels(m))
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(lines, 0)),
                           shapely.get_coordinates(shapely.get_point(lines, -1))])
    owner = np.concatenate([np.arange(len(lines)), np.arange(len(lines))])
    pts = shapely.points(ends)
    e_i, l_i = shapely.STRtree(lines).query(pts, predicate="dwithin", distance=1e-6)
    touching = np.unique(e_i[l_i != owner[e_i]])
    assert len(touching) > 4000
    # each of them is still exactly on the repaired network: an end of a piece
    piece_ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                                 shapely.get_coordinates(shapely.get_point(pieces, -1))])
    have = {tuple(p) for p in piece_ends}
    kept = np.array([tuple(p) in have for p in ends[touching]])
    assert kept.mean() > 0.999, ends[touching][~kept][:5]
    # far fewer ends move than the 1,154 the old repair moved
    assert counts["ends_moved"] < 300
    assert counts["moved_max_m"] <= 6.0


def test_dense_city_keeps_the_sidewalks(helsinki):
    roads, m = helsinki
    pieces, level, _ = repair_network(m.geometry.to_numpy(), road_levels(m))
    side = m[(m["footway"] == "sidewalk")].geometry.to_numpy()
    assert len(side) == 200
    # points every metre along each sidewalk (ends left out: a dangling end may move)
    length = shapely.length(side)
    n = np.maximum(np.floor(length - 12.0), 0).astype(int)
    owner = np.repeat(np.arange(len(side)), n)
    at = 6.0 + np.arange(n.sum()) - np.repeat(np.cumsum(n) - n, n)
    pts = shapely.line_interpolate_point(side[owner], at)
    _, dist = shapely.STRtree(pieces).query_nearest(pts, return_distance=True, all_matches=False)
    # every sidewalk is still its own line where it was drawn: the middle of each one
    # exactly, and all of it but the last segment of a dangling end that joined another
    # dangling end (e.g. osm way 122595276, whose west end moved 2 m)
    have = {tuple(p) for p in shapely.get_coordinates(pieces)}
    ends = [(tuple(shapely.get_coordinates(s)[0]), tuple(shapely.get_coordinates(s)[-1]))
            for s in side]
    stayed = np.array([a in have and b in have for a, b in ends])
    assert stayed.mean() > 0.95
    assert (dist[stayed[owner]] < 1e-6).all()
    assert dist.max() <= 6.0  # within the snap limit of a moved dangling end
    assert (dist < 1e-6).mean() > 0.995


def test_dense_city_cells_are_valid_polygons(helsinki):
    roads, _ = helsinki
    cells, report = build_cells(roads, 42)
    assert len(cells) == 42
    assert cells.is_valid.all()
    assert (cells.geom_type == "Polygon").all()
    assert (cells.road_length_m > 0).all()
    assert report["balance_ratio"] <= 2.0


@pytest.mark.parametrize("case", ["prague", "suburb"])
def test_row_order_and_drawing_direction_do_not_change_the_cells(case):
    roads, cells, _, _ = built(case, 14)
    rng = np.random.default_rng(11)
    shuffled = roads.iloc[rng.permutation(len(roads))].copy()
    geoms = shuffled.geometry.to_numpy().copy()
    flip = rng.random(len(geoms)) < 0.5
    geoms[flip] = shapely.reverse(geoms[flip])
    again, _ = build_cells(shuffled.set_geometry(geoms, crs=roads.crs), 14)
    assert again.cell_id.tolist() == cells.cell_id.tolist()
    sym = shapely.area(shapely.symmetric_difference(again.geometry.to_numpy(),
                                                    cells.geometry.to_numpy()))
    assert sym.max() < 1e-6 * shapely.area(cells.geometry.to_numpy()).min()
