"""GeoJSON export: RFC 7946 structure, precision and areas, hardening, and privacy.

``check_rfc7946`` and ``find_secrets`` are helpers shared with tests/qgis.
"""

from __future__ import annotations

import functools
import json
import math
import os
import re
import stat
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from lever_grid.core.briefing.geojson import (
    GEOJSON_FIELDS,
    export_briefing,
    export_geojson_dir,
    round_geometries,
    to_feature_collection,
    write_geojson,
)
from lever_grid.core.briefing.privacy import AGGREGATE_FIELDS, MASK_FIELD
from lever_grid.core.errors import InputError
from tests.conftest import METRIC, ROOT, SAMPLE

POLYGON_LAYERS = ("cells", "cell_stats", "blind_spots", "overlap", "camera_views")
SECRET = "ZEBRA-7731-机密备注"
SECRET_COLUMN = "zz_private_note"


# --------------------------------------------------------------------------- helpers


def signed_area(ring: list) -> float:
    """Shoelace area of a closed ring in lon/lat: positive when counter-clockwise."""
    xy = np.asarray(ring, dtype=float)
    return 0.5 * float(np.sum(xy[:-1, 0] * xy[1:, 1] - xy[1:, 0] * xy[:-1, 1]))


def _positions(geometry: dict) -> list:
    kind, coords = geometry["type"], geometry.get("coordinates")
    if kind == "Point":
        return [coords]
    if kind in ("LineString", "MultiPoint"):
        return list(coords)
    if kind in ("Polygon", "MultiLineString"):
        return [p for ring in coords for p in ring]
    if kind == "MultiPolygon":
        return [p for poly in coords for ring in poly for p in ring]
    return [p for g in geometry["geometries"] for p in _positions(g)]


def _check_position(pos: object, decimals: int, where: str) -> None:
    assert isinstance(pos, list) and len(pos) in (2, 3), f"{where}: bad position {pos!r}"
    assert all(isinstance(v, int | float) and math.isfinite(v) for v in pos), where
    lon, lat = pos[0], pos[1]
    assert -180 <= lon <= 180 and -90 <= lat <= 90, f"{where}: {pos} outside WGS84"
    for v in pos[:2]:
        assert round(v, decimals) == v, f"{where}: {v} has more than {decimals} decimals"


def _check_polygon(rings: list, where: str) -> None:
    assert rings, f"{where}: polygon without rings"
    for k, ring in enumerate(rings):
        assert len(ring) >= 4, f"{where}: ring {k} has {len(ring)} positions"
        assert ring[0] == ring[-1], f"{where}: ring {k} is not closed"
        area = signed_area(ring)
        if k == 0:
            assert area > 0, f"{where}: exterior ring is clockwise (signed area {area})"
        else:
            assert area < 0, f"{where}: hole {k} is counter-clockwise (signed area {area})"


def _check_geometry(geometry: dict | None, decimals: int, where: str) -> None:
    if geometry is None:
        return
    assert isinstance(geometry, dict) and "crs" not in geometry, where
    kind = geometry.get("type")
    assert kind in ("Point", "MultiPoint", "LineString", "MultiLineString", "Polygon",
                    "MultiPolygon", "GeometryCollection"), f"{where}: type {kind!r}"
    if kind == "GeometryCollection":
        for i, g in enumerate(geometry["geometries"]):
            _check_geometry(g, decimals, f"{where}/{i}")
        return
    coords = geometry["coordinates"]
    for pos in _positions(geometry):
        _check_position(pos, decimals, where)
    if kind == "LineString":
        assert len(coords) >= 2, where
    elif kind == "MultiLineString":
        assert all(len(line) >= 2 for line in coords), where
    elif kind == "Polygon":
        _check_polygon(coords, where)
    elif kind == "MultiPolygon":
        for i, poly in enumerate(coords):
            _check_polygon(poly, f"{where} part {i}")
    shape = shapely.geometry.shape(geometry)
    assert shape.is_valid, f"{where}: {shapely.is_valid_reason(shape)}"


def check_rfc7946(fc: dict, decimals: int = 7) -> None:
    """Assert that ``fc`` is an RFC 7946 FeatureCollection as our exports promise.

    Structure (types, members), no ``crs`` member anywhere, positions in WGS84 ranges
    with at most ``decimals`` decimals, rings closed with >= 4 positions, exteriors
    counter-clockwise and holes clockwise (signed area), valid geometries, ``bbox``
    holding every position, feature ids present (string or number) and unique.
    """
    assert fc.get("type") == "FeatureCollection"
    assert "crs" not in fc
    assert isinstance(fc.get("features"), list)
    ids = []
    lo, hi = [math.inf, math.inf], [-math.inf, -math.inf]
    for i, feature in enumerate(fc["features"]):
        where = f"{fc.get('name')}[{i}]"
        assert feature.get("type") == "Feature", where
        assert "crs" not in feature, where
        assert "geometry" in feature and "properties" in feature, where
        assert feature["properties"] is None or isinstance(feature["properties"], dict), where
        assert isinstance(feature.get("id"), str | int | float), f"{where}: id"
        assert not isinstance(feature["id"], bool), where
        ids.append(feature["id"])
        _check_geometry(feature["geometry"], decimals, where)
        if feature["geometry"] is not None:
            for pos in _positions(feature["geometry"]):
                lo = [min(lo[0], pos[0]), min(lo[1], pos[1])]
                hi = [max(hi[0], pos[0]), max(hi[1], pos[1])]
    assert len(set(ids)) == len(ids), f"{fc.get('name')}: duplicate feature ids"
    if "bbox" in fc:
        west, south, east, north = fc["bbox"]
        assert west <= lo[0] and south <= lo[1] and east >= hi[0] and north >= hi[1]


def load_strict(path: Path) -> dict:
    """Parse a JSON file refusing NaN/Infinity (not JSON, and refused by RFC 8259)."""
    def refuse(token: str) -> None:
        raise AssertionError(f"{path}: {token} in JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def _png_text(data: bytes) -> list[bytes]:
    """The text chunks (tEXt, zTXt, iTXt) of a PNG, decompressed where needed."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        body = data[pos + 8:pos + 8 + length]
        if kind == b"tEXt":
            out.append(body)
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\0")
            out += [key, zlib.decompress(rest[1:])]
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\0")
            flag, text = rest[:1], rest[2:].split(b"\0", 2)[-1]
            out += [key, zlib.decompress(text) if flag == b"\1" else text]
        pos += 12 + length
    return out


_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.S)
_HEX = re.compile(rb"<([0-9A-Fa-f\s]{4,})>")
_LITERAL = re.compile(rb"\(((?:[^()\\]|\\.)*)\)", re.S)


def _pdf_string(raw: bytes) -> str:
    if raw.startswith(b"\xfe\xff"):
        return raw[2:].decode("utf-16-be", "ignore")
    return raw.decode("latin-1")


def _pdf_texts(data: bytes) -> list[str]:
    """Text a PDF can carry: dictionaries and metadata, decompressed streams, and every
    string object (hex or literal; UTF-16 with a byte-order mark decoded)."""
    parts = [_STREAM.sub(b"", data)]
    for m in _STREAM.finditer(data):
        try:
            parts.append(zlib.decompress(m.group(1)))
        except zlib.error:
            parts.append(m.group(1))
    texts = [p.decode("utf-8", "ignore") for p in parts]
    for part in parts:
        for m in _HEX.finditer(part):
            digits = re.sub(rb"\s", b"", m.group(1))
            if len(digits) % 2 == 0:
                texts.append(_pdf_string(bytes.fromhex(digits.decode())))
        for m in _LITERAL.finditer(part):
            raw = re.sub(rb"\\(.)", rb"\1", m.group(1))
            texts.append(_pdf_string(raw))
    return texts


def searchable(path: Path) -> list[str]:
    """The texts of a file where a leaked value could be found by searching.

    Text files (GeoJSON, CSV, Markdown, HTML): the whole file. PNG: its text chunks (the
    pixels hold no searchable text). PDF: see ``_pdf_texts``.
    """
    data = path.read_bytes()
    if path.suffix.lower() == ".png":
        return [b.decode("utf-8", "replace") for b in _png_text(data)]
    if path.suffix.lower() == ".pdf":
        return _pdf_texts(data)
    return [data.decode("utf-8", "replace")]


_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
_DIGIT_RUN = re.compile(r"\d+")


def find_secrets(paths: list[Path], needles: list[str]) -> list[tuple[str, str]]:
    """(file, needle) for every needle found in the searchable text of the files.

    Chinese-only needles are looked up among the substrings of every run of CJK
    characters, digit-only needles among those of every run of digits (a set lookup per
    substring: fast for thousands of needles); other needles by plain search.
    """
    cjk = {n for n in needles if _CJK_RUN.fullmatch(n)}
    digits = {n for n in needles if n.isdigit()}
    other = [n for n in needles if n not in cjk and n not in digits]
    hits = set()
    for path in paths:
        for text in searchable(path):
            for run_re, wanted in ((_CJK_RUN, cjk), (_DIGIT_RUN, digits)):
                sizes = {len(n) for n in wanted}
                for run in run_re.findall(text):
                    for size in sizes:
                        for i in range(len(run) - size + 1):
                            if run[i:i + size] in wanted:
                                hits.add((str(path), run[i:i + size]))
            hits |= {(str(path), n) for n in other if n in text}
    return sorted(hits)


@functools.lru_cache(maxsize=1)
def _analysis() -> dict:
    from lever_grid.core.inputs.incidents import read_incidents
    from lever_grid.core.inputs.layers import LINES, POINTS, POLYGONS, read_layer
    from lever_grid.core.pipeline import analyse

    def layer(name, geom):
        return read_layer(f"{SAMPLE}|layername={name}", name, geometry=geom)

    cameras = layer("cameras", POINTS)
    layers = analyse(layer("cells", POLYGONS), cameras, buildings=layer("buildings", POLYGONS),
                     roads=layer("roads", LINES),
                     incidents=read_incidents(f"{SAMPLE}|layername=incidents"))
    return dict(layers, cameras=cameras)


def sample_layers() -> dict:
    """The sample village's analysis layers plus cameras (computed once per session)."""
    return {k: v.copy() for k, v in _analysis().items()}


def write_sample_gpkg(path: Path) -> Path:
    """The sample's analysis GeoPackage (layers of ``sample_layers``) at ``path``."""
    from lever_grid.core.fs import write_layers

    return write_layers(path, sample_layers())


@pytest.fixture(scope="module")
def analysis_gpkg(tmp_path_factory) -> Path:
    return write_sample_gpkg(tmp_path_factory.mktemp("analysis") / "analysis.gpkg")


def read_gpkg(path: Path) -> dict:
    return {n: pyogrio.read_dataframe(path, layer=n) for n in pyogrio.list_layers(path)[:, 0]}


def rounding_bound(decimals: int, lat: float = 23.0) -> float:
    """Largest move of a vertex snapped to the 10**-decimals° grid, in metres."""
    half = 0.5 * 10.0 ** -decimals
    dx = half * 111_320.0 * math.cos(math.radians(lat))
    dy = half * 110_574.0
    return math.hypot(dx, dy)


def area_errors(gpkg: dict, folder: Path, layer: str) -> tuple[np.ndarray, np.ndarray]:
    """(ΔA per feature in m², perimeter per feature) of GeoJSON vs GeoPackage (EPSG:4547)."""
    ref = gpkg[layer]
    back = gpd.read_file(folder / f"{layer}.geojson").to_crs(METRIC)
    assert len(back) == len(ref)
    key = {"overlap": ["cell_id", "n_cameras"], "camera_views": ["camera_id"],
           "blind_spots": ["blind_id"]}.get(layer, ["cell_id"])
    assert back[key].astype(str).values.tolist() == ref[key].astype(str).values.tolist()
    return back.area.to_numpy() - ref.area.to_numpy(), ref.length.to_numpy()


# --------------------------------------------------------------------------- sample


@pytest.fixture(scope="module")
def exported(analysis_gpkg, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("briefing")
    export_briefing(read_gpkg(analysis_gpkg), out)
    return out


def test_every_file_is_rfc7946(exported, analysis_gpkg):
    gpkg = read_gpkg(analysis_gpkg)
    files = sorted(exported.glob("*.geojson"))
    names = {p.stem for p in files}
    assert names == {"cells", "cell_stats", "blind_spots", "overlap", "camera_views", "cameras",
                     "incidents", "briefing"}
    total = 0
    for path in files:
        fc = load_strict(path)
        check_rfc7946(fc)
        if path.stem == "incidents":  # aggregate by default: one feature per cell
            assert len(fc["features"]) == len(gpkg["cell_stats"])
        elif path.stem in gpkg:
            assert len(fc["features"]) == len(gpkg[path.stem]), path.stem
            allowed = set(GEOJSON_FIELDS[path.stem])
            for f in fc["features"]:
                assert set(f["properties"]) <= allowed, (path.stem, f["properties"])
            total += len(fc["features"])
        text = path.read_text(encoding="utf-8")
        assert '"crs"' not in text and "EPSG" not in text
    incidents = load_strict(exported / "incidents.geojson")
    assert len(incidents["features"]) == 14  # one per cell
    assert {f["geometry"]["type"] for f in incidents["features"]} == {"Polygon"}
    assert all(set(f["properties"]) <= set(AGGREGATE_FIELDS) for f in incidents["features"])
    briefing = load_strict(exported / "briefing.geojson")
    assert len(briefing["features"]) == total + 14
    assert {f["properties"]["layer"] for f in briefing["features"]} == names - {"briefing"}


def test_ids_are_stable(exported, analysis_gpkg, tmp_path):
    first = {p.name: p.read_bytes() for p in exported.glob("*.geojson")}
    export_briefing(read_gpkg(analysis_gpkg), tmp_path)
    again = {p.name: p.read_bytes() for p in tmp_path.glob("*.geojson")}
    assert first == again  # byte for byte: same ids, same order, same coordinates
    overlap = load_strict(exported / "overlap.geojson")
    assert overlap["features"][0]["id"] == (
        f"{overlap['features'][0]['properties']['cell_id']}-"
        f"{overlap['features'][0]['properties']['n_cameras']}")
    cams = load_strict(exported / "cameras.geojson")
    assert [f["id"] for f in cams["features"]][:2] == ["C001", "C002"]


def test_areas_match_the_geopackage_within_the_rounding(analysis_gpkg, tmp_path):
    """Per feature: |ΔA| <= perimeter × the largest vertex move of 6-decimal rounding.

    Observed on the sample after the round trip to EPSG:4547: |ΔA| at most 0.36 of that
    bound; cells up to 2.1e-4 relative (19 m² of 97 287 m²); net layer totals within
    1.4e-4 (overlap; cells 2.9e-6); slivers a few cm wide change most in relative terms.
    """
    gpkg = read_gpkg(analysis_gpkg)
    exported = tmp_path / "six"
    export_briefing(gpkg, exported, decimals=6, summary=False)
    delta = rounding_bound(6)
    assert 0.07 < delta < 0.08
    for layer in POLYGON_LAYERS:
        diff, perimeter = area_errors(gpkg, exported, layer)
        assert (np.abs(diff) <= 0.5 * delta * perimeter).all(), layer
        assert abs(diff.sum()) / gpkg[layer].area.sum() < 2e-4, layer
    diff, _ = area_errors(gpkg, exported, "cells")
    assert (np.abs(diff) / gpkg["cells"].area.to_numpy()).max() < 3e-4
    assert abs(diff.sum()) / gpkg["cells"].area.sum() < 1e-5


def test_default_seven_decimals_keep_areas_within_1e4(analysis_gpkg, tmp_path):
    """With the default 7 decimals (about 1 cm) every layer's total area and each cell's
    area stay within 1e-4 relative of the GeoPackage's."""
    gpkg = read_gpkg(analysis_gpkg)
    export_briefing(gpkg, tmp_path, summary=False)
    for path in tmp_path.glob("*.geojson"):
        check_rfc7946(load_strict(path), decimals=7)
    for layer in POLYGON_LAYERS:
        back = gpd.read_file(tmp_path / f"{layer}.geojson").to_crs(METRIC)
        ref = gpkg[layer].area.sum()
        assert abs(back.area.sum() - ref) / ref < 1e-4, layer
    diff, _ = area_errors(gpkg, tmp_path, "cells")
    assert (np.abs(diff) / gpkg["cells"].area.to_numpy()).max() < 1e-4


# --------------------------------------------------------------------------- hardening


def _fc(geoms, crs=4326, **cols) -> dict:
    gdf = gpd.GeoDataFrame({"cell_id": list(range(1, len(geoms) + 1)), **cols},
                           geometry=geoms, crs=crs)
    return to_feature_collection(gdf, "cells")


def test_orientation_holes_and_multipolygons():
    shell = [(113.0, 22.0), (113.0, 22.01), (113.01, 22.01), (113.01, 22.0)]  # clockwise
    hole = [(113.002, 22.002), (113.004, 22.002), (113.004, 22.004), (113.002, 22.004)]
    poly = shapely.Polygon(shell, [hole])  # hole counter-clockwise
    multi = shapely.MultiPolygon([poly, shapely.box(113.02, 22.0, 113.03, 22.01, ccw=False)])
    fc = _fc([poly, multi])
    check_rfc7946(fc)
    assert fc["features"][1]["geometry"]["type"] == "MultiPolygon"
    rings = fc["features"][0]["geometry"]["coordinates"]
    assert signed_area(rings[0]) > 0 and signed_area(rings[1]) < 0


def test_rounding_keeps_rings_valid():
    # a sliver 3e-8° wide collapses; a polygon pinched by rounding becomes valid pieces
    sliver = shapely.box(113.0, 22.0, 113.001, 22.00000003)
    pinch = shapely.Polygon([(113.0, 22.0), (113.001, 22.0), (113.0005, 22.0005),
                             (113.001, 22.001), (113.0, 22.001), (113.00049999, 22.0005)])
    bowtie_prone = shapely.Polygon([(0, 0), (1e-6 * 3.4, 1e-6 * 0.2), (1e-6 * 3.3, 0.4e-6),
                                    (1e-6 * 3.6, 3e-6), (0, 3e-6)])
    out = round_geometries([sliver, pinch, bowtie_prone, None, shapely.Polygon()])
    assert out[0] is None and out[3] is None and out[4] is None
    assert out[1].is_valid and out[1].area > 0
    assert out[2] is None or out[2].is_valid
    fc = _fc([sliver, pinch])
    check_rfc7946(fc)
    assert fc["features"][0]["geometry"] is None  # collapsed: null geometry, still a feature


def test_values_are_json_safe():
    gdf = gpd.GeoDataFrame({
        "cell_id": np.array([1, 2], dtype=np.int64), "area_m2": [np.nan, np.inf],
        "name": [pd.NA, "杨屋"], "locked": np.array([True, False]),
        "road_length_m": [1.234567891, -0.0], "police_office": [None, "所"],
        "officer": [pd.NaT, pd.Timestamp("2025-01-02 03:04")],
    }, geometry=[shapely.Point(113.1, 22.1), shapely.Point(113.2, 22.2, 5.0)], crs=4326)
    fc = to_feature_collection(gdf, "cells")
    text = json.dumps(fc, allow_nan=False)
    assert "NaN" not in text and "Infinity" not in text
    p = [f["properties"] for f in fc["features"]]
    assert p[0] == {"cell_id": 1, "name": None, "area_m2": None, "road_length_m": 1.2346,
                    "police_office": None, "officer": None, "locked": True}
    assert p[1]["area_m2"] is None and p[1]["officer"] == "2025-01-02T03:04:00"
    assert fc["features"][1]["geometry"]["coordinates"] == [113.2, 22.2]  # Z dropped


def test_whitelist_crs_and_ids(tmp_path):
    gdf = gpd.GeoDataFrame({"cell_id": [7, 7], "secret": ["x", "y"]},
                           geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)],
                           crs=METRIC)
    messages = []
    from lever_grid.core.progress import Progress

    fc = to_feature_collection(gdf, "cells", progress=Progress(log=messages.append))
    assert [f["id"] for f in fc["features"]] == [1, 2]  # duplicate cell_id: numbered
    assert any("not unique" in m for m in messages)
    assert all(set(f["properties"]) == {"cell_id"} for f in fc["features"])
    with pytest.raises(InputError, match="without CRS"):
        to_feature_collection(gdf.set_crs(None, allow_override=True), "cells")
    # unknown layers (buildings, raw incidents) never leave through export_geojson_dir
    written = export_geojson_dir({"buildings": gdf, "incidents": gdf, "cells": gdf}, tmp_path)
    assert sorted(p.name for p in written) == ["briefing.geojson", "cells.geojson"]


def test_empty_layers(tmp_path):
    empty = gpd.GeoDataFrame({"cell_id": [], "area_m2": []}, geometry=[], crs=METRIC)
    stats = empty.assign(incidents_current=[], incidents_previous=[], change_pct=[],
                         incidents_in_blind=[])
    written = export_briefing({"cells": empty, "cell_stats": stats, "blind_spots": empty},
                              tmp_path)
    for path in written:
        if path.suffix == ".geojson":
            fc = load_strict(path)
            check_rfc7946(fc)
            assert fc["features"] == []
    assert (tmp_path / "summary.csv").exists()


def test_files_are_atomic_and_readable(tmp_path, monkeypatch):
    target = tmp_path / "x.geojson"
    write_geojson({"type": "FeatureCollection", "features": []}, target)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask  # not mkstemp's 0600

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(json, "dump", boom)
    with pytest.raises(RuntimeError):
        write_geojson({"type": "FeatureCollection", "features": []}, tmp_path / "y.geojson")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.geojson"]  # no y, no temp file


# --------------------------------------------------------------------------- privacy


def test_min_count_masks_counts(analysis_gpkg, tmp_path):
    gpkg = read_gpkg(analysis_gpkg)
    export_briefing(gpkg, tmp_path, min_count=5)
    truth = gpkg["cell_stats"].set_index("cell_id")
    # secondary masks, read off the sample by hand: cells 3 and 4 have a blind spot with
    # 0 incidents next to published ones (incidents_in_blind would give it away); cell 2's
    # current count (4) is masked, so is its office's current total (see test_summary)
    secondary = {("incidents_in_blind", 3), ("incidents_in_blind", 4)}
    masked_cells = 0
    for f in load_strict(tmp_path / "cell_stats.geojson")["features"]:
        cid = f["properties"]["cell_id"]
        p, t = f["properties"], truth.loc[cid]
        hidden = {k: t[k] < 5 or (k, cid) in secondary
                  for k in ("incidents_current", "incidents_previous", "incidents_in_blind")}
        for key, is_hidden in hidden.items():
            assert (p[key] is None) == is_hidden and (is_hidden or p[key] == t[key]), (p, key)
        count_masked = hidden["incidents_current"] or hidden["incidents_previous"]
        assert (p["change_pct"] is None) == (count_masked or pd.isna(t["change_pct"]))
        assert p[MASK_FIELD] == any(hidden.values())
        masked_cells += p[MASK_FIELD]
    assert masked_cells == 7  # cells 2, 5, 9, 12, 14 below 5 in blind spots; 3 and 4
    for f in load_strict(tmp_path / "blind_spots.geojson")["features"]:
        n = f["properties"]["incidents"]
        assert n is None or n >= 5
    summary = pd.read_csv(tmp_path / "summary.csv", encoding="utf-8-sig")
    assert summary.loc[summary.incidents_masked, "incidents_in_blind"].isna().all()


def _private_needles() -> list[str]:
    """Victim names and phones of the sample, minus names that are also public text."""
    inc = gpd.read_file(SAMPLE, layer="incidents")
    public = set()
    for layer in ("cells", "roads", "boundary"):
        frame = gpd.read_file(SAMPLE, layer=layer)
        public |= {str(v) for c in frame.columns if c != "geometry" for v in frame[c]}
    public |= set(inc["category"].astype(str))
    names = {n for n in inc["victim_name"].astype(str)
             if not any(n in text for text in public)}
    phones = set(inc["victim_phone"].astype(str))
    assert len(names) > 600 and len(phones) > 700  # 646 distinct names, 784 phones
    return sorted(names | phones) + [SECRET, SECRET_COLUMN]


def _run(*args) -> subprocess.CompletedProcess:
    res = subprocess.run([sys.executable, "-m", "lever_grid", *map(str, args)],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert res.returncode == 0, res.stderr
    return res


def test_private_columns_never_leave(tmp_path):
    """A victim's name or phone, or any other source column, never reaches an export.

    Incidents with victim_name, victim_phone and a distinctive extra column go through
    analyse, export (aggregate with --min-count; points from a CSV) and map (PNG and
    PDF); every value is then searched in every output file, including PNG text chunks
    and decompressed PDF streams, as UTF-8 and UTF-16.
    """
    inc = gpd.read_file(SAMPLE, layer="incidents")
    inc[SECRET_COLUMN] = SECRET
    source = tmp_path / "incidents.gpkg"
    inc.to_file(source, layer="incidents")
    table = pd.DataFrame(inc.drop(columns="geometry")).assign(x=inc.geometry.x,
                                                              y=inc.geometry.y)
    csv = tmp_path / "incidents.csv"
    table.to_csv(csv, index=False, encoding="utf-8")
    out = tmp_path / "analysis.gpkg"
    s = f"{SAMPLE}|layername="
    _run("analyse", "--cells", s + "cells", "--cameras", s + "cameras", "--buildings",
         s + "buildings", "--roads", s + "roads", "--incidents", source, "--out", out)
    agg, pts, maps = tmp_path / "agg", tmp_path / "pts", tmp_path / "maps"
    _run("export", out, "--geojson", agg, "--min-count", "3")
    res = _run("export", out, "--geojson", pts, "--incidents", "points", "--source-incidents",
               csv, "--crs", METRIC)
    assert "incident_id, date, category only" in res.stderr
    _run("map", out, "--png", maps / "map.png", "--pdf", maps / "map.pdf", "--roads",
         s + "roads", "--cameras", s + "cameras", "--min-count", "3")
    # the same export from a source without the private columns: byte for byte the same
    clean_csv, clean = tmp_path / "clean.csv", tmp_path / "clean"
    table.drop(columns=["victim_name", "victim_phone", SECRET_COLUMN]).to_csv(
        clean_csv, index=False, encoding="utf-8")
    _run("export", out, "--geojson", clean, "--incidents", "points", "--source-incidents",
         clean_csv, "--crs", METRIC)
    assert sorted(p.name for p in clean.iterdir()) == sorted(p.name for p in pts.iterdir())
    for path in clean.iterdir():
        assert path.read_bytes() == (pts / path.name).read_bytes(), path.name

    files = sorted(p for d in (agg, pts, maps) for p in d.iterdir())
    suffixes = {p.suffix for p in files}
    assert {".geojson", ".csv", ".md", ".html", ".png", ".pdf"} <= suffixes
    assert find_secrets(files, _private_needles()) == []
    # the search finds the needles where they are: names, phones and SECRET in the CSV
    assert {n for _, n in find_secrets([csv], _private_needles())} == set(_private_needles())

    points = load_strict(pts / "incidents.geojson")
    check_rfc7946(points)
    assert len(points["features"]) == len(inc)  # every sample incident lies in a cell
    for f in points["features"]:
        assert set(f["properties"]) == {"incident_id", "date", "category"}
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", f["properties"]["date"])
        assert f["geometry"]["type"] == "Point"
    first = inc.iloc[0]
    got = next(f for f in points["features"] if f["id"] == first["incident_id"])
    assert got["properties"]["date"] == str(first["occurred_at"])[:10]
    aggregate = load_strict(agg / "incidents.geojson")
    assert {f["geometry"]["type"] for f in aggregate["features"]} == {"Polygon"}


def test_secret_search_sees_pdf_and_png_text(tmp_path):
    """The search looks where matplotlib and QGIS put text: PNG chunks, PDF strings."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(2, 1))
    FigureCanvasAgg(fig)
    fig.text(0.1, 0.5, "13015737413")
    meta = {"Title": f"梁洋伟 {SECRET}"}
    fig.savefig(tmp_path / "a.pdf", format="pdf", metadata=meta)
    fig.savefig(tmp_path / "a.png", format="png", metadata=meta)
    hits = find_secrets([tmp_path / "a.pdf", tmp_path / "a.png"],
                        ["梁洋伟", SECRET, "13015737413", "99999999999"])
    assert sorted(hits) == sorted([(str(tmp_path / "a.pdf"), "梁洋伟"),
                                   (str(tmp_path / "a.pdf"), SECRET),
                                   (str(tmp_path / "a.pdf"), "13015737413"),
                                   (str(tmp_path / "a.png"), "梁洋伟"),
                                   (str(tmp_path / "a.png"), SECRET)])


def test_points_from_the_analysis_alone(analysis_gpkg, tmp_path):
    """analyse keeps its own incidents layer: points export without the source file."""
    res = subprocess.run([sys.executable, "-m", "lever_grid", "export", str(analysis_gpkg),
                          "--geojson", str(tmp_path / "o"), "--incidents", "points"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 0, res.stderr
    fc = load_strict(tmp_path / "o" / "incidents.geojson")
    # oracle: the sample's incident points that fall in a sample cell (geopandas sjoin)
    inc = gpd.read_file(SAMPLE, layer="incidents")
    cells = gpd.read_file(SAMPLE, layer="cells")
    inside = gpd.sjoin(inc, cells[["geometry"]], predicate="intersects")
    assert len(fc["features"]) == inside.index.nunique() == 784
    assert {f["id"] for f in fc["features"]} == set(inc["incident_id"])
    assert all(set(f["properties"]) == {"incident_id", "date", "category"}
               for f in fc["features"])
    stored = pyogrio.read_dataframe(analysis_gpkg, layer="incidents")
    assert list(stored.columns) == ["incident_id", "occurred_at", "category", "cell_id",
                                    "in_blind", "geometry"]


def test_points_need_a_source(analysis_gpkg, tmp_path):
    cells_only = tmp_path / "cells_only.gpkg"
    pyogrio.write_dataframe(pyogrio.read_dataframe(analysis_gpkg, layer="cell_stats"),
                            cells_only, layer="cell_stats")
    res = subprocess.run([sys.executable, "-m", "lever_grid", "export", str(cells_only),
                          "--geojson", str(tmp_path / "o"), "--incidents", "points"],
                         capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "--source-incidents" in res.stderr
    assert not (tmp_path / "o").exists()


def test_points_period_filter(tmp_path):
    from lever_grid.core.briefing.privacy import incident_points
    from lever_grid.core.inputs.incidents import read_incidents
    from lever_grid.core.stats.periods import parse_period

    inc = read_incidents(f"{SAMPLE}|layername=incidents")
    pts = incident_points(inc, period=parse_period("2025-01-01/2025-05-31"))
    assert len(pts) == 125 and list(pts.columns) == ["incident_id", "date", "category",
                                                     "geometry"]
    assert pts.attrs == {}


@pytest.mark.filterwarnings("ignore:'crs' was not provided")
def test_local_site_plan_is_refused_not_garbled(tmp_path):
    """An analysis of a local plan (--assume-crs local) reads back from the GeoPackage with
    GDAL's "Undefined geographic SRS": export must refuse it (exit 2, nothing written)
    instead of writing metres as longitudes."""
    from lever_grid.core.fs import write_layers

    local = {k: v.set_crs(None, allow_override=True) if getattr(v, "crs", None) else v
             for k, v in sample_layers().items()}
    gpkg = write_layers(tmp_path / "local.gpkg", local)
    assert read_gpkg(gpkg)["cells"].crs.name.startswith("Undefined")
    res = subprocess.run([sys.executable, "-m", "lever_grid", "export", str(gpkg),
                          "--geojson", str(tmp_path / "out")], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert "without CRS (a local site plan)" in res.stderr
    assert not (tmp_path / "out").exists()
    wrong = sample_layers()["cells"].set_crs(4326, allow_override=True)  # metres as degrees
    with pytest.raises(InputError, match="outside longitude/latitude"):
        to_feature_collection(wrong, "cells")
