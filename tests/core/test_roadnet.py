"""Road network repair and faces: junctions broken apart, overshoots, undershoots,
duplicates, dead ends, boundaries, input order."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from shapely import LineString, MultiLineString

from lever_grid.core.grid.roadnet import build_faces, repair_roads
from lever_grid.core.progress import Progress
from tests.conftest import SAMPLE

X0, Y0 = 470000.0, 2530000.0


def grid_roads(nx: int = 4, ny: int = 3, size: float = 100.0) -> np.ndarray:
    """Junction-to-junction streets of an nx x ny block grid."""
    lines = []
    for j in range(ny + 1):
        for i in range(nx):
            lines.append(LineString([(X0 + i * size, Y0 + j * size),
                                     (X0 + (i + 1) * size, Y0 + j * size)]))
    for i in range(nx + 1):
        for j in range(ny):
            lines.append(LineString([(X0 + i * size, Y0 + j * size),
                                     (X0 + i * size, Y0 + (j + 1) * size)]))
    return np.array(lines, dtype=object)


def break_ends(lines: np.ndarray, reach: float, seed: int = 3) -> np.ndarray:
    """Move every road end at a junction up to ``reach`` m (along: over/undershoot, and
    sideways), like the sample's roads_broken."""
    rng = np.random.default_rng(seed)
    out = []
    for line in lines:
        xy = shapely.get_coordinates(line)
        for k, prev in ((0, 1), (-1, -2)):
            t = (xy[k] - xy[prev]) / np.hypot(*(xy[k] - xy[prev]))
            along = rng.uniform(-0.8, 0.8) * reach
            side = rng.uniform(-0.5, 0.5) * reach
            xy[k] = xy[k] + along * t + side * np.array([-t[1], t[0]])
        out.append(LineString(xy))
    return np.array(out, dtype=object)


def match(a, b) -> np.ndarray:
    """For each face of ``a``, the face of ``b`` whose centroid is nearest."""
    d = np.hypot(*(a.xy[:, None, :] - b.xy[None, :, :]).transpose(2, 0, 1))
    return d.argmin(axis=1)


def faces_of(lines, boundary=None, snap: float = 3.0):
    pieces, counts = repair_roads(np.asarray(lines, dtype=object), snap)
    return build_faces(pieces, boundary, snap=snap), counts


def test_clean_grid_faces_lengths_and_adjacency():
    faces, counts = faces_of(grid_roads())
    assert len(faces) == 12
    assert shapely.area(faces.geoms) == pytest.approx(np.full(12, 10_000.0))
    # corner blocks: two outer streets (100 m each, all theirs) + two inner ones (halved)
    by_xy = dict(zip(map(tuple, np.round(faces.xy - [X0, Y0])), faces.road_length,
                     strict=True))
    assert by_xy[(50.0, 50.0)] == pytest.approx(300.0)
    assert by_xy[(150.0, 50.0)] == pytest.approx(250.0)   # one outer street
    assert by_xy[(150.0, 150.0)] == pytest.approx(200.0)  # all four shared
    assert faces.road_length.sum() == pytest.approx(shapely.length(grid_roads()).sum())
    adj = faces.adjacency
    assert (adj != adj.T).nnz == 0
    assert adj.nnz == 2 * 17  # 4x3 grid: 3*3 + 4*2 shared streets
    assert set(np.unique(adj.data)) == {100.0}
    assert counts["junctions"] == counts["undershoots"] == counts["overshoots"] == 0


def test_faces_are_in_canonical_order():
    faces, _ = faces_of(grid_roads())
    y, x = faces.xy[:, 1], faces.xy[:, 0]
    assert np.all(np.diff(y) <= 0)
    rows = np.round(y)
    for row in np.unique(rows):
        assert np.all(np.diff(x[rows == row]) > 0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_broken_junctions_give_the_same_faces(seed):
    clean, _ = faces_of(grid_roads())
    broken, counts = faces_of(break_ends(grid_roads(), 2.5, seed))
    assert len(broken) == len(clean)
    assert counts["junctions"] == 20  # every junction of the 5 x 4 node grid
    # every clean face has one broken twin: same place, nearly the same shape
    m = match(clean, broken)
    assert sorted(m) == list(range(12))
    assert np.abs(broken.xy[m] - clean.xy).max() < 1.5
    sym = shapely.area(shapely.symmetric_difference(clean.geoms, broken.geoms[m]))
    assert sym.max() < 0.03 * 10_000
    adj = (broken.adjacency > 0).toarray()[np.ix_(m, m)]
    assert adj.tolist() == (clean.adjacency > 0).toarray().tolist()
    assert broken.road_length[m] == pytest.approx(clean.road_length, abs=6.0)


def test_overshoot_is_trimmed():
    # a side street crossing the continuous bottom street by 2 m (no other end nearby)
    bottom = LineString([(X0, Y0), (X0 + 200, Y0)])
    rest = LineString([(X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0, Y0 + 100), (X0, Y0)])
    side = LineString([(X0 + 100, Y0 + 100), (X0 + 100, Y0 - 2.0)])
    faces, counts = faces_of([bottom, rest, side])
    assert counts["overshoots"] == 1
    assert len(faces) == 2
    assert sorted(shapely.area(faces.geoms)) == pytest.approx([10_000.0, 10_000.0])
    assert faces.road_length.sum() == pytest.approx(700.0)


def test_junction_end_drawn_long_joins_the_exact_junction():
    lines = list(grid_roads(2, 1))
    middle = [i for i, g in enumerate(lines) if g.coords[0] == (X0 + 100, Y0)][-1]
    lines[middle] = LineString([(X0 + 100, Y0 - 2.0), (X0 + 100, Y0 + 100)])
    faces, counts = faces_of(lines)
    assert counts["ends_moved"] == 1
    clean, _ = faces_of(grid_roads(2, 1))
    assert all(shapely.equals_exact(faces.geoms, clean.geoms, tolerance=0))


def test_undershoot_is_closed_onto_a_through_road():
    box = LineString([(X0, Y0), (X0 + 200, Y0), (X0 + 200, Y0 + 100), (X0, Y0 + 100),
                      (X0, Y0)])
    short = LineString([(X0 + 100, Y0 + 2.0), (X0 + 100, Y0 + 100)])  # stops 2 m short
    faces, counts = faces_of([box, short])
    assert counts["undershoots"] == 1
    assert len(faces) == 2
    assert sorted(shapely.area(faces.geoms)) == pytest.approx([10_000.0, 10_000.0])
    far = LineString([(X0 + 100, Y0 + 5.0), (X0 + 100, Y0 + 100)])  # 5 m: a dead end
    faces, counts = faces_of([box, far])
    assert counts["undershoots"] == 0
    assert len(faces) == 1
    assert faces.counts["dangles_m"] == pytest.approx(95.0)


def test_duplicates_zero_length_and_multilines():
    lines = list(grid_roads(2, 2))
    lines.append(lines[0])                              # exact copy
    lines.append(shapely.reverse(lines[1]))             # reversed copy
    lines.append(LineString([(X0, Y0), (X0, Y0)]))      # zero length
    lines.append(MultiLineString([lines[2], lines[3]]))  # copies inside a multi-line
    faces, counts = faces_of(lines)
    assert counts["zero_length"] == 1
    assert counts["duplicates"] == 4
    assert len(faces) == 4
    assert faces.road_length.sum() == pytest.approx(shapely.length(grid_roads(2, 2)).sum())


def test_dead_end_counts_for_length_but_bounds_no_face():
    lane = LineString([(X0 + 50, Y0), (X0 + 50, Y0 + 60)])  # into the first block
    faces, _ = faces_of([*grid_roads(2, 1), lane])
    assert len(faces) == 2
    assert faces.counts["dangles_m"] == pytest.approx(60.0)
    assert sorted(faces.road_length) == pytest.approx([350.0, 350.0 + 60.0])


def test_roads_leaving_the_network_are_clipped_without_boundary():
    exit_road = LineString([(X0 + 200, Y0 + 50), (X0 + 600, Y0 + 50)])
    faces, _ = faces_of([*grid_roads(2, 1), exit_road])
    assert len(faces) == 2
    assert faces.counts["clipped_m"] == pytest.approx(400.0)
    assert faces.road_length.sum() == pytest.approx(shapely.length(grid_roads(2, 1)).sum())


def test_boundary_clips_roads_and_closes_faces():
    # a comb of streets open at the top: no face without a boundary
    comb = [LineString([(X0, Y0), (X0 + 300, Y0)])] + [
        LineString([(X0 + x, Y0), (X0 + x, Y0 + 150)]) for x in (0, 100, 200, 300)]
    faces, _ = faces_of(comb)
    assert len(faces) == 0
    boundary = shapely.box(X0 - 10, Y0 - 10, X0 + 310, Y0 + 120)
    faces, _ = faces_of(comb, boundary)
    assert len(faces) == 4  # three blocks and the strip round the comb
    assert shapely.area(faces.geoms).sum() == pytest.approx(boundary.area)
    assert faces.counts["clipped_m"] == pytest.approx(4 * 30.0)
    # the boundary ring is an edge but not a road
    assert faces.road_length.sum() == pytest.approx(300.0 + 4 * 120.0)


def test_input_order_and_direction_do_not_matter():
    lines = break_ends(grid_roads(), 2.0, seed=7)
    a, _ = repair_roads(lines)
    rng = np.random.default_rng(0)
    shuffled = lines[rng.permutation(len(lines))]
    flip = rng.random(len(lines)) < 0.5
    shuffled[flip] = shapely.reverse(shuffled[flip])
    b, _ = repair_roads(shuffled)
    assert len(a) == len(b)
    assert all(shapely.equals_exact(a, b, tolerance=0))


def test_thin_strip_between_copies_is_merged():
    lines = list(grid_roads(2, 1))
    # the bottom-left street drawn a second time, bulging 1 m: a 50 m² strip between them
    lines.append(LineString([(X0, Y0), (X0 + 50, Y0 + 1.0), (X0 + 100, Y0)]))
    faces, _ = faces_of(lines)
    assert faces.counts["thin_merged"] == 1
    assert len(faces) == 2
    assert shapely.area(faces.geoms).sum() == pytest.approx(20_000.0)


def test_progress_logs_every_step():
    progress = Progress()
    pieces, _ = repair_roads(break_ends(grid_roads(), 2.0), 3.0, progress)
    build_faces(pieces, progress=progress)
    text = "\n".join(progress.messages)
    for word in ("zero-length", "junction", "undershoot", "overshoot", "faces:"):
        assert word in text


def test_sample_broken_roads_give_the_same_faces():
    import geopandas as gpd

    clean, _ = faces_of(gpd.read_file(SAMPLE, layer="roads").geometry.to_numpy())
    broken, counts = faces_of(gpd.read_file(SAMPLE, layer="roads_broken").geometry.to_numpy())
    assert len(clean) == len(broken) == 18
    assert counts["junctions"] > 30
    assert (match(clean, broken) == np.arange(18)).all()  # same canonical order, too
    assert np.abs(broken.xy - clean.xy).max() < 1.0
    sym = shapely.area(shapely.symmetric_difference(clean.geoms, broken.geoms))
    assert (sym / clean.area).max() < 0.01
    assert (broken.adjacency > 0).toarray().tolist() == (clean.adjacency > 0).toarray().tolist()
    assert clean.counts["dangles_m"] == pytest.approx(broken.counts["dangles_m"], abs=3.0)


# ------------------------------------------------------------------------ grade levels


def overpass_case():
    """A 2 x 1 block grid and a flyover crossing its middle street and both blocks."""
    grid = list(grid_roads(2, 1))
    bridge = LineString([(X0 - 50, Y0 + 20), (X0 + 250, Y0 + 80)])
    return np.array([*grid, bridge], dtype=object), np.array([0] * len(grid) + [1])


def test_an_overpass_makes_no_junction():
    from lever_grid.core.grid.roadnet import repair_network

    lines, levels = overpass_case()
    pieces, piece_level, counts = repair_network(lines, levels)
    crossing = shapely.intersection(lines[-1], shapely.union_all(lines[:-1]))
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    # no piece ends where the flyover passes over a street: it stays one line
    for x, y in shapely.get_coordinates(crossing):
        assert np.hypot(ends[:, 0] - x, ends[:, 1] - y).min() > 1.0
    assert (piece_level == 1).sum() == 1
    assert len(pieces) == len(lines)
    # the ground streets make the same two blocks as without the flyover
    faces = build_faces(pieces[piece_level == 0], elevated=pieces[piece_level == 1])
    clean, _ = faces_of(grid_roads(2, 1))
    assert len(faces) == 2
    assert all(shapely.equals_exact(faces.geoms, clean.geoms, tolerance=0))
    # the flyover's metres count in the blocks it runs over (nothing outside the blocks
    # without a boundary: 2 x 50 m of it, and 2 x 8 m... measured with shapely)
    inside = shapely.length(shapely.intersection(lines[-1], shapely.box(X0, Y0, X0 + 200,
                                                                        Y0 + 100)))
    assert faces.road_length.sum() == pytest.approx(700.0 + inside)
    # with the level ignored, the same lines are noded at the two street crossings
    flat, _ = repair_roads(lines)
    assert len(flat) > len(pieces)


def test_road_levels_from_osm_tags_and_a_field():
    import geopandas as gpd

    from lever_grid.core.errors import InputError
    from lever_grid.core.grid.levels import road_levels

    line = LineString([(0, 0), (1, 0)])
    g = gpd.GeoDataFrame({
        "bridge": ["yes", None, None, "no", None, "viaduct"],
        "tunnel": [None, "yes", "building_passage", None, None, None],
        "layer": [None, None, None, None, "-2;1", "2"],
        "grade": ["0", "yes", "", "-1", None, "2"],
    }, geometry=[line] * 6)
    assert road_levels(g).tolist() == [1, -1, 0, 0, -2, 2]
    assert road_levels(g, "grade").tolist() == [0, 1, 0, -1, 0, 2]
    with pytest.raises(InputError, match="no field 'height'"):
        road_levels(g, "height")


def test_ends_that_touch_never_move():
    # two exact junctions 4 m apart (a sidewalk junction beside a road junction): the old
    # repair joined every end within 2 x snap; now neither moves
    road = LineString([(X0, Y0), (X0 + 100, Y0)])
    side_road = LineString([(X0 + 50, Y0), (X0 + 50, Y0 + 60)])
    walk = LineString([(X0, Y0 + 4), (X0 + 100, Y0 + 4)])
    path = LineString([(X0 + 54, Y0 + 4), (X0 + 54, Y0 + 70)])
    lines = np.array([road, side_road, walk, path], dtype=object)
    pieces, counts = repair_roads(lines)
    # the dangling ends of road and walk lie side by side, 4 m apart: parallel lines, not
    # a broken junction, so they are not joined either (the old repair merged the walk
    # into the road)
    assert counts["ends_moved"] == 0 and counts["junctions"] == 0
    assert counts["collapsed"] == 0
    assert shapely.length(pieces).sum() == pytest.approx(shapely.length(lines).sum())
    have = {tuple(c) for c in shapely.get_coordinates(pieces)}
    assert {tuple(c) for c in shapely.get_coordinates(lines)} <= have


def test_faces_outline_is_their_union_or_the_boundary():
    faces, _ = faces_of(grid_roads(2, 1))
    assert faces.outline.equals(shapely.box(X0, Y0, X0 + 200, Y0 + 100))
    box = shapely.box(X0 - 10, Y0 - 10, X0 + 210, Y0 + 110)
    assert faces_of(grid_roads(2, 1), box)[0].outline is box
