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
