"""Faces as ragged coordinate arrays (coverage/rings.py) against shapely's own answers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

from lever_grid.core.coverage.rings import FaceRings, gather

REAL = Path(__file__).resolve().parents[1] / "data" / "real"


def _buildings() -> np.ndarray:
    """Helsinki's OpenStreetMap footprints in EPSG:3067 (courtyards: holes)."""
    blds = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="buildings").to_crs(3067)
    parts = shapely.get_parts(blds.geometry.to_numpy())
    return parts[shapely.get_type_id(parts) == 3]


def test_areas_lengths_and_polygons_equal_shapelys():
    polygons = _buildings()
    assert (shapely.get_num_interior_rings(polygons) > 0).sum() > 10
    rings = FaceRings.from_polygons(polygons)
    assert len(rings) == len(polygons)
    np.testing.assert_allclose(rings.area(), shapely.area(polygons), rtol=1e-12)
    np.testing.assert_allclose(rings.length(), shapely.length(polygons), rtol=1e-12)
    assert shapely.equals_exact(rings.polygons(), polygons, tolerance=0).all()


def test_take_concat_and_multipolygons_keep_every_face():
    polygons = _buildings()
    rings = FaceRings.from_polygons(polygons)
    rng = np.random.default_rng(7)
    which = rng.permutation(len(polygons))[: len(polygons) // 2]
    assert shapely.equals_exact(rings.take(which).polygons(), polygons[which], 0).all()
    mask = rng.random(len(polygons)) < 0.3
    assert shapely.equals_exact(rings.take(mask).polygons(), polygons[mask], 0).all()
    both = FaceRings.concat([rings.take(which), FaceRings.empty(), rings.take(mask)])
    want = np.concatenate([polygons[which], polygons[mask]])
    assert shapely.equals_exact(both.polygons(), want, 0).all()
    counts = np.array([3, 1, len(polygons) - 4])
    multi = rings.multipolygons(counts)
    want = shapely.multipolygons(polygons, indices=np.repeat(np.arange(3), counts))
    assert shapely.equals_exact(multi, want, 0).all()


def test_gather_collects_or_dissolves_as_union_all_does():
    """Squares of a 4 x 4 grid gathered by row: a row's squares share edges, so they must
    be dissolved; gathered by a checkerboard colour they only touch at corners and stay
    apart. Either way the result covers what union_all of the group covers."""
    x, y = np.meshgrid(np.arange(4.0), np.arange(4.0))
    squares = shapely.box(x.ravel(), y.ravel(), x.ravel() + 1, y.ravel() + 1)
    rings = FaceRings.from_polygons(squares)
    row = y.ravel().astype(int)
    colour = ((x + y).ravel() % 2).astype(int)
    for groups, n, check in ((row, 4, None), (row, 4, np.ones(4, bool)), (colour, 2, None)):
        got = gather(rings, groups, n, check)
        assert shapely.is_valid(got).all()
        for g in range(n):
            assert shapely.equals(got[g], shapely.union_all(squares[groups == g]))
    assert (shapely.get_num_geometries(gather(rings, row, 4)) == 1).all()
    assert (shapely.get_num_geometries(gather(rings, colour, 2)) == 8).all()
    single = gather(rings, np.arange(16), 17)
    assert single[16] is None and (shapely.get_type_id(single[:16]) == 3).all()
    same = gather(squares, row, 4)  # (an array of polygons goes the same way)
    assert shapely.equals(same, gather(rings, row, 4)).all()
