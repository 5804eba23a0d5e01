"""The numpy face tracer against GEOS's polygonize (the oracle) on real and drawn linework."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lever_grid.core.coverage.faces import _line_parts, trace_faces
from lever_grid.core.geometry import group_union

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def _oracle(noded: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    faces, group = shapely.get_parts(shapely.polygonize(noded[:, None]), return_index=True)
    return faces, group


def _assert_same_faces(noded: np.ndarray, *, all_traced: bool = True) -> int:
    """Our faces equal GEOS's face for face (same group, topologically equal) in every
    group whose linework is simple (the tracer's input: GEOS sometimes fails to node)."""
    simple = shapely.is_simple(noded)
    faces, group, ok = trace_faces(noded)
    if all_traced:
        assert ok.all()
    keep = simple[group]
    faces, group = faces[keep], group[keep]
    want, want_group = _oracle(noded)
    keep = ok[want_group] & simple[want_group]
    want, want_group = want[keep], want_group[keep]
    assert len(faces) == len(want)
    assert shapely.is_valid(faces).all()
    # match each of our faces to the oracle face of its group holding its interior point
    probe = shapely.point_on_surface(faces)
    ours_i, want_i = shapely.STRtree(want).query(probe, predicate="within")
    same = group[ours_i] == want_group[want_i]
    ours_i, want_i = ours_i[same], want_i[same]
    assert np.array_equal(np.sort(ours_i), np.arange(len(faces)))
    assert np.array_equal(np.sort(want_i), np.arange(len(want)))
    assert shapely.equals(faces[ours_i], want[want_i]).all()
    return len(faces)


def _noded_views(centres: np.ndarray, radius: np.ndarray, cells: np.ndarray) -> np.ndarray:
    """Each cell's outline noded with the outlines of the circles that reach it."""
    circles = shapely.buffer(shapely.points(centres), radius, quad_segs=8)
    cell_i, circ_i = shapely.STRtree(circles).query(cells, predicate="intersects")
    lines = np.concatenate([shapely.boundary(circles[circ_i]), shapely.boundary(cells)])
    group = np.concatenate([cell_i, np.arange(len(cells))])
    return group_union(lines, group, len(cells))


def test_circles_in_a_grid_of_cells():
    """Overlapping circles, circles alone inside a cell (holes of the cell's face) and
    circles inside circles: 36 cells in one call, as coverage calls it."""
    rng = np.random.default_rng(1)
    gx, gy = np.meshgrid(470_000 + np.arange(6) * 100.0, 2_530_000 + np.arange(6) * 100.0)
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 100, gy.ravel() + 100)
    centres = np.array([470_000, 2_530_000]) + rng.uniform(0, 600, (400, 2))
    nested = np.concatenate([centres[:20], centres[:20]])  # a circle inside a circle
    radius = np.concatenate([rng.uniform(3, 40, 400), np.full(20, 60.0), np.full(20, 1.5)])
    noded = _noded_views(np.concatenate([centres, nested]), radius, cells)
    assert _assert_same_faces(noded) > 1000


def test_nested_rings_become_holes_of_the_smallest_face():
    """A square with a ring inside a ring inside it, none touching: three faces with
    holes (GEOS gives the same), areas exact."""
    squares = [shapely.box(-k, -k, k, k).exterior for k in (10.0, 6.0, 3.0, 1.0)]
    noded = np.array([shapely.union_all(squares)], dtype=object)
    faces, group, ok = trace_faces(noded)
    assert ok.all()
    assert sorted(shapely.area(faces).tolist()) == [4.0, 32.0, 108.0, 256.0]
    assert sorted(shapely.get_num_interior_rings(faces).tolist()) == [0, 1, 1, 1]
    _assert_same_faces(noded)


def test_real_buildings_and_streets():
    """Helsinki's OpenStreetMap buildings (touching walls, courtyards: holes) noded with
    8 m street corridors, in blocks of 150 m: the faces GEOS finds."""
    roads = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="roads").to_crs(3067)
    blds = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="buildings").to_crs(3067)
    blds = blds[blds.geom_type.isin(["Polygon", "MultiPolygon"])]
    x0, y0, x1, y1 = blds.total_bounds
    xs, ys = np.arange(x0, x1, 150.0), np.arange(y0, y1, 150.0)
    gx, gy = np.meshgrid(xs, ys)
    blocks = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 150, gy.ravel() + 150)
    corridors = shapely.buffer(roads.geometry.to_numpy(), 4.0)
    rings = np.concatenate([shapely.boundary(blds.geometry.to_numpy()),
                            shapely.boundary(corridors)])
    rings = shapely.get_parts(rings)
    block_i, ring_i = shapely.STRtree(rings).query(blocks, predicate="intersects")
    lines = np.concatenate([rings[ring_i], shapely.boundary(blocks)])
    group = np.concatenate([block_i, np.arange(len(blocks))])
    noded = group_union(lines, group, len(blocks))
    assert _assert_same_faces(noded, all_traced=False) > 45_000
    assert trace_faces(noded)[2].sum() >= len(blocks) - 2


def test_line_parts_read_from_wkb_equal_shapelys_parts():
    """The tracer reads each part's points from the WKB of the noded lines (no part
    objects): the same points, counts and groups as ``shapely.get_parts``, on Helsinki's
    buildings noded node by node with GEOS, and on missing, empty, single and 3D lines."""
    blds = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="buildings").to_crs(3067)
    rings = shapely.get_parts(shapely.boundary(blds.geometry.to_numpy()))
    x0, y0, _, _ = shapely.total_bounds(rings)
    group = ((shapely.get_coordinates(shapely.centroid(rings)) - [x0, y0]) // 200.0)
    group = (group[:, 0] * 1000 + group[:, 1]).astype(np.int64)
    group = np.unique(group, return_inverse=True)[1].reshape(-1)
    noded = group_union(rings, group, int(group.max()) + 1)
    odd = np.array([None, shapely.LineString(), shapely.MultiLineString([]),
                    shapely.LineString([(0, 0), (1, 1)]),
                    shapely.MultiLineString([[(0, 0), (1, 0)], [(2, 2), (3, 3), (4, 2)]])],
                   dtype=object)
    for lines in (noded, odd, np.concatenate([odd, noded, odd])):
        xy, size, part_group = _line_parts(lines)
        parts, want_group = shapely.get_parts(lines, return_index=True)
        assert np.array_equal(size, shapely.get_num_points(parts))
        assert np.array_equal(part_group, want_group)
        assert np.array_equal(xy, shapely.get_coordinates(parts))
    assert len(shapely.get_parts(noded)) > 1_000
    assert _line_parts(np.array([shapely.GeometryCollection()], dtype=object)) is None
    xy, _, _ = _line_parts(np.array([shapely.LineString([(0, 0, 5), (1, 1, 6)])]))
    assert xy.tolist() == [[0.0, 0.0], [1.0, 1.0]]


@pytest.mark.parametrize("change", ["reversed", "shuffled", "moved"])
def test_same_faces_whatever_the_order_direction_or_place(change):
    """Metamorphic: reversing every line, shuffling the parts, or moving everything
    6e5 m gives the same faces (moved: the same areas within 1e-9, the coordinates are
    rounded at 6e5 m)."""
    rng = np.random.default_rng(7)
    cells = np.array([shapely.box(0, 0, 200, 200)])
    noded = _noded_views(rng.uniform(0, 200, (60, 2)), rng.uniform(5, 50, 60), cells)
    parts = shapely.get_parts(noded)
    if change == "reversed":
        other = shapely.reverse(parts)
    elif change == "shuffled":
        other = parts[rng.permutation(len(parts))]
    else:
        other = shapely.transform(parts, lambda xy: xy + 600_000.0)
    base = trace_faces(noded)[0]
    moved = trace_faces(np.array([shapely.multilinestrings(other)], dtype=object))[0]
    if change == "moved":
        moved = shapely.transform(moved, lambda xy: xy - 600_000.0)
    assert len(base) == len(moved)
    a, b = shapely.STRtree(moved).query(shapely.point_on_surface(base), predicate="within")
    assert np.array_equal(np.sort(a), np.arange(len(base)))
    if change == "moved":
        np.testing.assert_allclose(shapely.area(moved[b]), shapely.area(base[a]), rtol=1e-9,
                                   atol=1e-7)
    else:
        assert shapely.equals(base[a], moved[b]).all()


def test_dangles_and_cut_edges_are_dropped_as_polygonize_drops_them():
    """A line sticking out of a square (a dangle), and a slit joining a square to a
    square inside it (a cut edge, the same face on both sides): GEOS drops both; so do
    we, and the faces are GEOS's."""
    square = shapely.box(0, 0, 10, 10).exterior
    dangle = shapely.LineString([(10, 5), (15, 5), (15, 8)])
    inner = shapely.box(4, 4, 6, 6).exterior
    slit = shapely.LineString([(0, 5), (4, 5)])
    noded = np.array([shapely.union_all([square, dangle]), square,
                      shapely.union_all([square, inner, slit])], dtype=object)
    faces, group, ok = trace_faces(noded)
    assert ok.tolist() == [True, True, True]
    assert sorted(zip(group.tolist(), shapely.area(faces).tolist(), strict=True)) == [
        (0, 100.0), (1, 100.0), (2, 4.0), (2, 96.0)]
    _assert_same_faces(noded)


def test_groups_without_lines_have_no_faces():
    """Missing and empty linework: no faces, and nothing to report."""
    noded = np.array([None, shapely.LineString(), shapely.MultiLineString()], dtype=object)
    faces, group, ok = trace_faces(noded)
    assert len(faces) == 0 and len(group) == 0
    assert ok.tolist() == [True, True, True]
