"""Integrity of the committed real third-party data in tests/data/real/.

These only check that the files are what tests/data/README.md says they are (layers,
rows, CRS, geometry types, OSM tag fields, checksums, sizes); they test no lever_grid
logic. The files are made by tests/data/real/extract.py from data inside PyPI wheels.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

DATA = Path(__file__).resolve().parents[1] / "data"
REAL = DATA / "real"
README = DATA / "README.md"

LINES = {"LineString"}
POINTS = {"Point"}
POLYS = {"Polygon"}

# file -> layer -> (rows, CRS authority, geometry types allowed)
EXPECTED = {
    "prague_bubenec.gpkg": {
        "streets": (35, ("EPSG", "3857"), LINES),
        "buildings": (144, ("EPSG", "3857"), POLYS),
        "tessellation": (144, ("EPSG", "3857"), POLYS),
        "plots": (407, ("EPSG", "3857"), POLYS),
    },
    "nyc_upper_west_side.gpkg": {
        "streets": (73, ("EPSG", "32618"), LINES),
    },
    "kotka_karhula.gpkg": {
        "roads": (331, ("EPSG", "4326"), LINES),
        "buildings": (2208, ("EPSG", "4326"), POLYS),
    },
    "helsinki_centre.gpkg": {
        "roads": (2469, ("EPSG", "4326"), LINES),
        "buildings": (486, ("EPSG", "4326"), POLYS | {"MultiPolygon"}),
    },
    "mesa_geodanet.gpkg": {
        "streets": (293, ("ESRI", "102649"), LINES),
        "crimes": (287, ("ESRI", "102649"), POINTS),
        "schools": (8, ("ESRI", "102649"), POINTS),
    },
    "london_soho_1854.gpkg": {
        "streets": (118, ("EPSG", "3857"), LINES),
        "deaths": (324, ("EPSG", "3857"), POINTS),
        "pumps": (13, ("EPSG", "3857"), POINTS),
    },
}

OSM_ROAD_FIELDS = {"osm_id", "highway", "name", "bridge", "tunnel", "layer", "footway",
                   "sidewalk", "service", "oneway"}

CASES = [(f, layer, *spec) for f, layers in EXPECTED.items() for layer, spec in layers.items()]


def test_folder_holds_exactly_the_documented_files():
    found = {p.name for p in REAL.glob("*.gpkg")}
    assert found == set(EXPECTED)


@pytest.mark.parametrize("fname", sorted(EXPECTED))
def test_layers(fname):
    layers = {name for name, _ in pyogrio.list_layers(REAL / fname)}
    assert layers == set(EXPECTED[fname])


@pytest.mark.parametrize(("fname", "layer", "rows", "auth", "types"), CASES,
                         ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_rows_crs_and_geometry(fname, layer, rows, auth, types):
    gdf = gpd.read_file(REAL / fname, layer=layer, engine="pyogrio")
    assert len(gdf) == rows
    assert gdf.crs is not None and gdf.crs.to_authority() == auth
    assert set(gdf.geom_type.unique()) <= types
    assert gdf.geometry.notna().all() and not gdf.geometry.is_empty.any()


@pytest.mark.parametrize("fname", ["kotka_karhula.gpkg", "helsinki_centre.gpkg"])
def test_osm_roads_keep_their_tags(fname):
    roads = gpd.read_file(REAL / fname, layer="roads", engine="pyogrio")
    assert OSM_ROAD_FIELDS <= set(roads.columns)
    assert roads["highway"].notna().all()
    assert roads["osm_id"].is_unique
    assert roads["bridge"].notna().any() and roads["tunnel"].notna().any()
    assert roads["layer"].notna().any()


def test_helsinki_has_separately_mapped_sidewalks():
    roads = gpd.read_file(REAL / "helsinki_centre.gpkg", layer="roads", engine="pyogrio")
    assert (roads["footway"] == "sidewalk").sum() == 200


def test_crs_units():
    streets = gpd.read_file(REAL / "mesa_geodanet.gpkg", layer="streets", engine="pyogrio")
    assert streets.crs.axis_info[0].unit_name == "US survey foot"
    nyc = gpd.read_file(REAL / "nyc_upper_west_side.gpkg", engine="pyogrio")
    assert nyc.crs.axis_info[0].unit_name == "metre"


def test_checksums_match():
    sums = {}
    for line in (REAL / "SHA256SUMS").read_text(encoding="utf-8").splitlines():
        digest, name = line.split(maxsplit=1)
        sums[name] = digest
    assert set(sums) == set(EXPECTED)
    for name, digest in sums.items():
        assert hashlib.sha256((REAL / name).read_bytes()).hexdigest() == digest, name


def test_total_size_stays_small():
    total = sum(p.stat().st_size for p in REAL.iterdir() if p.is_file())
    assert total < 8 * 1024 * 1024


def test_readme_documents_every_file():
    text = README.read_text(encoding="utf-8")
    sections = text.split("\n### ")
    for fname, layers in EXPECTED.items():
        section = next((s for s in sections if s.startswith(f"`{fname}`")), None)
        assert section is not None, f"no README section for {fname}"
        for key in ("Package:", "File in package:", "Original source:", "Licence:",
                    "CRS:", "Size:"):
            assert key in section, f"{fname}: README lacks {key}"
        for layer, (rows, _, _) in layers.items():
            assert f"`{layer}`" in section and str(rows) in section, (fname, layer)
