"""GCJ-02 / BD-09 conversions: published forward values, exact inverses, outside China."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from pyproj import Transformer

from lever_grid.core.errors import InputError
from lever_grid.core.inputs import chinacoords as cc
from lever_grid.core.progress import Progress

TO_4547 = Transformer.from_crs(4326, 4547, always_xy=True)


def _metres(lon_a, lat_a, lon_b, lat_b) -> np.ndarray:
    xa, ya = TO_4547.transform(lon_a, lat_a)
    xb, yb = TO_4547.transform(lon_b, lat_b)
    return np.hypot(np.asarray(xa) - xb, np.asarray(ya) - yb)


def test_forward_matches_published_values():
    # the example values of the widely used coordTransform reference implementation
    assert cc.wgs84_to_gcj02(116.404, 39.915) == pytest.approx(
        (116.41024449916938, 39.91640428150164), abs=1e-12)
    assert cc.gcj02_to_bd09(116.404, 39.915) == pytest.approx(
        (116.41036949371029, 39.92133699351021), abs=1e-12)


def test_inverse_is_exact_where_the_closed_form_approximation_is_not():
    lon, lat = cc.gcj02_to_wgs84(116.404, 39.915)
    assert cc.wgs84_to_gcj02(lon, lat) == pytest.approx((116.404, 39.915), abs=1e-11)
    # the usual one-step approximation (116.39775550083061, 39.91359571849836) is ~6 cm off
    assert _metres(lon, lat, 116.39775550083061, 39.91359571849836) > 0.02
    glon, glat = cc.bd09_to_gcj02(116.404, 39.915)
    assert cc.gcj02_to_bd09(glon, glat) == pytest.approx((116.404, 39.915), abs=1e-11)


@pytest.mark.parametrize("forward, inverse", [
    (cc.wgs84_to_gcj02, cc.gcj02_to_wgs84),
    (cc.wgs84_to_bd09, cc.bd09_to_wgs84),
    (cc.gcj02_to_bd09, cc.bd09_to_gcj02),
])
def test_round_trip_under_a_millimetre_across_china(forward, inverse):
    rng = np.random.default_rng(1)
    lon = rng.uniform(74, 134, 5000)
    lat = rng.uniform(18, 53, 5000)
    back = inverse(*forward(lon, lat))
    err = _metres(lon, lat, *back)
    assert err.max() < 1e-3
    # and the offsets are real: hundreds of metres
    assert np.median(_metres(lon, lat, *forward(lon, lat))) > 100


def test_dongguan_offset_and_round_trip():
    lon, lat = cc.wgs84_to_gcj02(113.72, 22.88)
    assert 400 < _metres(113.72, 22.88, lon, lat) < 800
    assert _metres(113.72, 22.88, *cc.gcj02_to_wgs84(lon, lat)) < 1e-3


def test_outside_china_gcj02_is_wgs84():
    lon = np.array([2.35, -74.0, 151.2])
    lat = np.array([48.85, 40.7, -33.9])
    assert np.array_equal(cc.wgs84_to_gcj02(lon, lat)[0], lon)
    assert np.array_equal(cc.gcj02_to_wgs84(lon, lat)[1], lat)
    assert not cc.in_china(lon, lat).any()
    assert cc.in_china(113.72, 22.88)


def test_to_wgs84_names_and_nan():
    lon, lat = cc.to_wgs84([113.7, np.nan], [22.9, 22.9], "GCJ-02")
    assert np.isnan(lon[1]) and np.isfinite(lon[0])
    assert cc.to_wgs84(1.0, 2.0, "wgs84") == (1.0, 2.0)
    with pytest.raises(ValueError, match="unknown coordinate system"):
        cc.to_wgs84(1.0, 2.0, "bj54")


def test_convert_frame_reports_and_refuses_projected():
    lon, lat = cc.wgs84_to_gcj02(np.array([113.72, 113.73]), np.array([22.88, 22.89]))
    gdf = gpd.GeoDataFrame({"a": [1, 2, 3]},
                           geometry=list(gpd.points_from_xy(lon, lat)) + [None], crs=4490)
    gdf.attrs["file"] = "pts.csv"
    progress = Progress()
    out = cc.convert_frame(gdf, "gcj02", progress=progress)
    assert out.crs.to_epsg() == 4326 and gdf.crs.to_epsg() == 4490
    assert out.geometry.iloc[2] is None
    assert _metres(out.geometry.x[:2], out.geometry.y[:2], [113.72, 113.73],
                   [22.88, 22.89]).max() < 1e-3
    assert progress.messages == ["converted 2 points from GCJ-02 to WGS84"]
    with pytest.raises(InputError, match="file pts.csv.*--coords bd09"):
        cc.convert_frame(gdf.to_crs(4547), "bd09")
    with pytest.raises(InputError, match="unknown"):
        cc.convert_frame(gdf, "mars")
