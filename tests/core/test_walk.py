"""Views per face by walking the arrangement, against point-in-polygon tests (the oracle)."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import shapely

from lever_grid.core.coverage import arrangement
from lever_grid.core.coverage.arrangement import coverage_by_cell, watch_areas
from lever_grid.core.coverage.faces import trace
from lever_grid.core.coverage.occlusion import occlude_views
from lever_grid.core.coverage.views import view_polygons
from lever_grid.core.coverage.walk import part_lines, walk
from lever_grid.core.geometry import clean_polygons

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def _walked(watch: np.ndarray, views: np.ndarray, view_cell: np.ndarray):
    """Each watch area's outline and its views' outlines noded as coverage nodes them;
    the faces, the walked count per face, which faces settled, and which groups kept
    their lineage."""
    watch, views = shapely.normalize(watch), shapely.normalize(views)
    lines = np.concatenate([shapely.boundary(watch), shapely.boundary(views)])
    group = np.concatenate([np.arange(len(watch)), view_cell])
    role = np.concatenate([np.full(len(watch), -1), np.arange(len(views))])
    parts, which = shapely.get_parts(lines, return_index=True)
    order = np.argsort(group[which], kind="stable")
    parts, which = parts[order], which[order]
    noded = shapely.node(shapely.multilinestrings(parts, indices=group[which]))
    traced = trace(noded)
    ends = np.hstack([shapely.get_coordinates(shapely.get_point(parts, j)) for j in (0, -1)])
    line = part_lines(traced.ends, traced.part_group, ends, group[which])
    e_line = line[traced.part]
    e_role = np.where(e_line >= 0, role[which][np.maximum(e_line, 0)], -2)
    step = np.stack([e_role >= 0, e_role == -1], axis=1).astype(np.int64)
    # one root per group: the face inside the first watch edge, counted by a point test
    first = np.flatnonzero(e_role == -1)
    first = first[np.unique(traced.part_group[traced.part[first]], return_index=True)[1]]
    roots = traced.right[first]
    probe = shapely.point_on_surface(traced.faces[roots])
    root_n = np.array([int(shapely.contains(views[view_cell == traced.group[r]], p).sum())
                       for r, p in zip(roots, probe, strict=True)])
    value, settled = walk(len(traced.faces), traced.left, traced.right, step, roots,
                          np.stack([root_n, np.ones(len(roots), dtype=np.int64)], axis=1))
    lineage = np.ones(len(watch), dtype=bool)
    lineage[traced.part_group[traced.part[e_line < 0]]] = False
    return traced, value, settled, lineage


def _point_counts(traced, views: np.ndarray, view_cell: np.ndarray, watch: np.ndarray):
    """Oracle: views (of the face's own cell) holding a point inside each face, and
    whether that point lies in the watch area."""
    probe = shapely.point_on_surface(traced.faces)
    face_j, view_j = shapely.STRtree(views).query(probe, predicate="within")
    same = view_cell[view_j] == traced.group[face_j]
    counts = np.bincount(face_j[same], minlength=len(probe))
    return counts, shapely.contains(watch[traced.group], probe)


def test_walked_counts_equal_point_tests():
    """Circles and sectors over 16 square cells, a circle inside a circle and circles
    inside no outline at all: every face's walked count and inside flag equal the point
    test's, and every cell settles."""
    rng = np.random.default_rng(3)
    gx, gy = np.meshgrid(np.arange(4) * 100.0, np.arange(4) * 100.0)
    watch = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 100, gy.ravel() + 100)
    n = 300
    pts = shapely.points(rng.uniform(0, 400, (n, 2)))
    heading = np.where(rng.random(n) < 0.5, rng.uniform(0, 360, n), np.nan)
    views = view_polygons(pts, rng.uniform(5, 45, n), heading, np.full(n, 90.0))
    views = np.concatenate([views, shapely.buffer(shapely.points([[50, 50], [50, 50]]),
                                                  [30, 10])])
    cell_i, view_i = shapely.STRtree(views).query(watch, predicate="intersects")
    traced, value, settled, lineage = _walked(watch, views[view_i], cell_i)
    counts, inside = _point_counts(traced, views[view_i], cell_i, watch)
    assert lineage.all() and settled.all()
    assert len(traced.faces) > 1500
    assert np.array_equal(value[:, 0], counts)
    assert np.array_equal(value[:, 1] == 1, inside)


def test_a_duplicated_view_loses_the_lineage_and_a_wrong_root_unsettles():
    """Two identical circles: the noder drops the second one's parts, so its cell cannot
    be walked (it is left to the point tests). A root given a wrong count disagrees with
    a correct root of the same cell along an edge: those faces do not settle."""
    watch = np.array([shapely.box(0, 0, 100, 100), shapely.box(200, 0, 300, 100)])
    views = shapely.buffer(shapely.points([[50, 50], [50, 50], [250, 50], [260, 50]]), 20.0)
    *_, lineage = _walked(watch, views, np.array([0, 0, 1, 1]))
    assert lineage.tolist() == [False, True]
    traced, value, settled, _ = _walked(watch[1:], views[2:], np.array([0, 0]))
    counts, _ = _point_counts(traced, views[2:], np.array([0, 0]), watch[1:])
    assert np.array_equal(value[:, 0], counts) and settled.all()
    lens = int(np.argmax(counts))  # the face both circles see
    outer = int(np.flatnonzero(counts == 0)[0])
    n_faces = len(traced.faces)
    step = np.zeros((len(traced.left), 1), dtype=np.int64)
    _, ok = walk(n_faces, traced.left, traced.right, step, np.array([outer, lens]),
                 np.array([[0], [5]]))
    assert not ok.all()


def _overlay_counts(watch: np.ndarray, views: np.ndarray) -> tuple[dict, np.ndarray]:
    """Oracle: area per (cell, n views) and cameras per cell with each cell's watch area
    cut by its views one after the other (every piece counting the views it lies in).

    (GEOS's polygonize of the noded outlines is no oracle with buildings: its floating
    noding loses edges along the walls, 120 m² in one of these cells.)
    """
    cell_i, view_i = shapely.STRtree(views).query(watch, predicate="intersects")
    want: dict[tuple[int, int], float] = {}
    cams = np.zeros(len(watch), dtype=int)
    for c in range(len(watch)):
        pieces = [(watch[c], 0)]
        for v in views[view_i[cell_i == c]]:
            cams[c] += shapely.area(shapely.intersection(watch[c], v)) > 0
            cut = [(shapely.intersection(g, v), k + 1) for g, k in pieces] + [
                (shapely.difference(g, v), k) for g, k in pieces]
            pieces = [(g, k) for g, k in cut if shapely.area(g) > 0]
        for g, k in pieces:
            if k > 0:
                want[(c, k)] = want.get((c, k), 0.0) + shapely.area(g)
    return want, cams


def _helsinki_blocks(seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Helsinki's OpenStreetMap buildings (repaired as the pipeline does): 20 cells of
    150 m, their watch areas (cells minus footprints) and occluded views of cameras at
    random points outside the footprints."""
    blds = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="buildings").to_crs(3067)
    blds = clean_polygons(blds.geometry.to_numpy())
    blds = blds[~shapely.is_empty(blds)]
    x0, y0, x1, y1 = shapely.total_bounds(blds)
    gx, gy = np.meshgrid(np.arange(x0, x1, 150.0)[:5], np.arange(y0, y1, 150.0)[:4])
    cells = shapely.box(gx.ravel(), gy.ravel(), gx.ravel() + 150, gy.ravel() + 150)
    rng = np.random.default_rng(seed)
    pts = shapely.points(rng.uniform([x0, y0], [x0 + 750, y0 + 600], (400, 2)))
    pts = np.delete(pts, shapely.STRtree(blds).query(pts, predicate="intersects")[0])
    n = len(pts)
    heading = np.where(rng.random(n) < 0.5, rng.uniform(0, 360, n), np.nan)
    views = view_polygons(pts, rng.uniform(15, 60, n), heading, np.full(n, 100.0))
    return cells, watch_areas(cells, buildings=blds), occlude_views(pts, views, blds)


def test_real_buildings_occluded_views_same_overlap_as_an_overlay():
    """Helsinki's OpenStreetMap buildings: watch areas are 150 m blocks minus footprints,
    cameras at random street points see past no building. Overlap area per (cell, n) and
    cameras per cell equal those of an independent chain (each cell's watch area cut by
    its views one after the other) within 1e-9 relative."""
    cells, watch, views = _helsinki_blocks(11)
    with np.errstate(invalid="ignore"):
        cov = coverage_by_cell(cells, watch, views, min_blind_area=0.0)
        want, cams = _overlay_counts(watch, views)
    got = {(int(c), int(k)): a for c, k, a in zip(cov.overlap_cell, cov.overlap_n,
                                                  shapely.area(cov.overlap_geoms), strict=True)}
    assert len(want) > 60
    assert got.keys() == want.keys()
    for key, a in want.items():  # (no cell is snap-rounded: see the test below)
        assert got[key] == pytest.approx(a, rel=1e-9, abs=1e-6), key
    assert np.array_equal(cov.cameras, cams)


@pytest.mark.parametrize("seed", [11, 12, 13])
def test_real_buildings_views_node_in_floating_point(seed, monkeypatch):
    """Views of many cameras ending on the same walls of Helsinki's buildings (occluded
    views end inside the walls, each at its own depth) are noded by GEOS's iterated
    noder in every cell: no cell falls back to union_all or snap-rounding. (With views
    ending along the walls, 4 to 7 of these 20 cells did.)"""
    calls, failed = [], []
    node = shapely.node

    def counted(geometry):
        calls.append(1)
        try:
            return node(geometry)
        except shapely.errors.GEOSException:
            failed.append(1)
            raise

    monkeypatch.setattr(arrangement.shapely, "node", counted)
    cells, watch, views = _helsinki_blocks(seed)
    with np.errstate(invalid="ignore"):
        coverage_by_cell(cells, watch, views, min_blind_area=0.0)
    assert len(calls) == 20
    assert failed == []


def test_drawing_direction_does_not_matter():
    """Metamorphic: views drawn the other way round (clockwise exteriors become
    anticlockwise) give the same overlap pieces and camera counts."""
    rng = np.random.default_rng(5)
    cells = shapely.box(np.arange(3) * 100.0, 0, np.arange(3) * 100.0 + 100, 100)
    n = 80
    pts = shapely.points(rng.uniform([0, 0], [300, 100], (n, 2)))
    heading = np.where(rng.random(n) < 0.5, rng.uniform(0, 360, n), np.nan)
    views = view_polygons(pts, rng.uniform(5, 40, n), heading, np.full(n, 120.0))
    runs = [coverage_by_cell(cells, cells, v, min_blind_area=0.0)
            for v in (views, shapely.reverse(views))]
    a, b = runs
    assert np.array_equal(a.cameras, b.cameras)
    assert np.array_equal(a.overlap_cell, b.overlap_cell)
    assert np.array_equal(a.overlap_n, b.overlap_n)
    np.testing.assert_allclose(shapely.area(a.overlap_geoms), shapely.area(b.overlap_geoms),
                               rtol=1e-12)
