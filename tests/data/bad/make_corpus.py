"""Generate the bad-input corpus (``tests/data/bad``) deterministically.

One small, valid village (``good.gpkg``: four 100 m cells, cameras, buildings, roads,
incidents, EPSG:4547) and, beside it, every broken variant the robustness tests feed to
the CLI and to Processing (see ``tests/bad_cases.py`` for what each one must do). Most
variants are layers of a few multi-layer GeoPackages (``cells_bad.gpkg|layername=dup_id``),
which keeps the corpus small; the rest are files that are broken as files (no .prj, GBK
without .cpg, truncated, not geodata, CSV/XLSX/GeoJSON).

The output is byte-identical from run to run (fixed GeoPackage timestamps, fixed DBF and
ZIP dates) and ``SHA256SUMS`` lists every file, so a test can tell that the committed
corpus is intact and up to date. Run: ``.venv/bin/python tests/data/bad/make_corpus.py
[DIR]`` (default: this file's folder).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import struct
import sys
import warnings
import zipfile
import zlib
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer

HERE = Path(__file__).resolve().parent
CRS = "EPSG:4547"  # CGCS2000 / 3-degree Gauss-Kruger CM 114E
X0, Y0 = 470000.0, 2530000.0
FIXED_DATE = "2025-01-01T00:00:00.000Z"
#: Files this script writes (everything else in the folder is left alone).
GENERATED_SUFFIXES = (".gpkg", ".shp", ".shx", ".dbf", ".prj", ".cpg", ".csv", ".xlsx",
                      ".geojson")


def box(x0: float, y0: float, x1: float, y1: float) -> shapely.Polygon:
    """A rectangle in village coordinates (offsets from the origin, metres)."""
    return shapely.box(X0 + x0, Y0 + y0, X0 + x1, Y0 + y1)


def pt(x: float, y: float) -> shapely.Point:
    return shapely.Point(X0 + x, Y0 + y)


def line(*xy: tuple[float, float]) -> shapely.LineString:
    return shapely.LineString([(X0 + x, Y0 + y) for x, y in xy])


# ----------------------------------------------------------------------------- good layers


def good_cells() -> gpd.GeoDataFrame:
    """2 x 2 cells of 100 m: 1 north-west, 2 north-east, 3 south-west, 4 south-east."""
    return gpd.GeoDataFrame(
        {"cell_id": [1, 2, 3, 4], "name": ["north-west", "north-east", "south-west",
                                           "south-east"],
         "police_office": ["A", "A", "B", "B"], "officer": ["li", "wang", "zhang", "chen"],
         "locked": [0, 0, 0, 0]},
        geometry=[box(0, 100, 100, 200), box(100, 100, 200, 200), box(0, 0, 100, 100),
                  box(100, 0, 200, 100)],
        crs=CRS,
    )


def good_cameras() -> gpd.GeoDataFrame:
    rows = [
        ("c1", "public1", "online", 40.0, None, None, 50, 150),
        ("c2", "public2", "online", 50.0, 90.0, 90.0, 150, 150),
        ("c3", "smart_eye", "online", None, None, None, 50, 50),
        ("c4", "social", "offline", 30.0, None, None, 150, 50),
        ("c5", "enterprise", "online", 20.0, None, None, 130, 70),
        ("c6", "一类", "online", 30.0, 180.0, 120.0, 100, 100),
    ]
    return gpd.GeoDataFrame(
        {"camera_id": [r[0] for r in rows], "kind": [r[1] for r in rows],
         "status": [r[2] for r in rows],
         "range_m": np.array([np.nan if r[3] is None else r[3] for r in rows]),
         "heading_deg": np.array([np.nan if r[4] is None else r[4] for r in rows]),
         "fov_deg": np.array([np.nan if r[5] is None else r[5] for r in rows])},
        geometry=[pt(r[6], r[7]) for r in rows], crs=CRS,
    )


def good_buildings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"building_id": [1, 2, 3, 4]},
        geometry=[box(20, 120, 35, 135), box(160, 160, 180, 175), box(60, 20, 75, 40),
                  box(170, 20, 185, 30)],
        crs=CRS,
    )


def good_roads() -> gpd.GeoDataFrame:
    """Six straight roads on the cell edges: a 2 x 2 block grid."""
    lines = [line((0, y), (200, y)) for y in (0, 100, 200)]
    lines += [line((x, 0), (x, 200)) for x in (0, 100, 200)]
    return gpd.GeoDataFrame({"road_id": np.arange(1, 7), "name": [f"road {i}" for i in
                                                                   range(1, 7)]},
                            geometry=lines, crs=CRS)


def incident_xy() -> list[tuple[float, float]]:
    return [(7 + (k * 37) % 186, 7 + (k * 53) % 186) for k in range(24)]


def incident_dates() -> list[str]:
    """12 incidents in Jan-May 2024, 12 in Jan-May 2025 (the default periods)."""
    return [f"{2024 + k // 12}-{1 + (k % 12) // 3:02d}-{1 + (k * 7) % 27:02d} "
            f"{(k * 5) % 24:02d}:{(k * 13) % 60:02d}:00" for k in range(24)]


def good_incidents() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"incident_id": [f"J{k:03d}" for k in range(1, 25)],
         "occurred_at": pd.to_datetime(incident_dates()),
         "category": ["theft" if k % 3 else "fight" for k in range(24)]},
        geometry=[pt(x, y) for x, y in incident_xy()], crs=CRS,
    )


# ----------------------------------------------------------------------------- writing


def write(gdf: gpd.GeoDataFrame, path: Path, layer: str, geometry_type: str | None = None,
          **kwargs) -> None:
    """One GeoPackage layer, no spatial index (smaller files), fixed timestamps."""
    opts = {"layer": layer, "driver": "GPKG", "append": path.exists(),
            "layer_options": {"SPATIAL_INDEX": "NO"}, **kwargs}
    if geometry_type is not None:
        opts["geometry_type"] = geometry_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, **opts)


def write_shapefile(gdf: gpd.GeoDataFrame, path: Path, encoding: str, *, prj: bool,
                    cpg: bool) -> None:
    """A shapefile, optionally without .prj / .cpg, with a fixed DBF date and LDID 0."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pyogrio.write_dataframe(gdf, path, driver="ESRI Shapefile", encoding=encoding)
    if not prj:
        path.with_suffix(".prj").unlink()
    if not cpg and path.with_suffix(".cpg").exists():
        path.with_suffix(".cpg").unlink()
    dbf = path.with_suffix(".dbf")
    data = bytearray(dbf.read_bytes())
    data[1:4] = bytes([125, 1, 1])  # last update 2025-01-01
    data[29] = 0  # no language driver id: nothing tells a reader the code page
    dbf.write_bytes(bytes(data))


def zm_layer(path: Path, layer: str, wkts: list[str], fields: dict[str, list], ogr_type: int,
             ) -> None:
    """A layer with Z and M values (pyogrio cannot write M, GDAL's own bindings can)."""
    from osgeo import ogr, osr

    ogr.UseExceptions()
    ds = ogr.Open(str(path), 1) if path.exists() else ogr.GetDriverByName("GPKG").CreateDataSource(
        str(path))
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(4547)
    lyr = ds.CreateLayer(layer, srs, ogr_type, options=["SPATIAL_INDEX=NO"])
    for name, values in fields.items():
        kind = ogr.OFTInteger if isinstance(values[0], int) else (
            ogr.OFTReal if isinstance(values[0], float) else ogr.OFTString)
        lyr.CreateField(ogr.FieldDefn(name, kind))
    for i, wkt in enumerate(wkts):
        feat = ogr.Feature(lyr.GetLayerDefn())
        for name, values in fields.items():
            if values[i] is not None:
                feat.SetField(name, values[i])
        feat.SetGeometry(ogr.CreateGeometryFromWkt(wkt))
        lyr.CreateFeature(feat)
    feat = lyr = ds = None


def zm_wkt(geom: shapely.Geometry) -> str:
    """WKT of ``geom`` with a Z of 12.5 and an M of 3 on every vertex."""
    if geom.geom_type == "Point":
        return f"POINT ZM ({geom.x} {geom.y} 12.5 3)"
    ring = ", ".join(f"{x} {y} 12.5 3" for x, y in geom.exterior.coords)
    return f"POLYGON ZM (({ring}))"


def png_bytes() -> bytes:
    """A valid 1 x 1 grey PNG picture (the 'not geodata' file)."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(
            ">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", 1, 1, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\x00\x80", 9)) + chunk(b"IEND", b""))


def fixed_xlsx(path: Path, sheets: dict[str, list[list]]) -> None:
    """An XLSX workbook with fixed ZIP dates and document properties."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    stamp = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z")
    out = io.BytesIO()
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in sorted(src.infolist(), key=lambda i: i.filename):
            data = src.read(info.filename)
            if info.filename == "docProps/core.xml":
                data = stamp.sub(b"2025-01-01T00:00:00Z", data)
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            dst.writestr(fixed, data)
    path.write_bytes(out.getvalue())


def lonlat(xy: list[tuple[float, float]]) -> list[tuple[float, float]]:
    to_wgs = Transformer.from_crs(CRS, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform([X0 + x for x, _ in xy], [Y0 + y for _, y in xy])
    return [(round(a, 7), round(b, 7)) for a, b in zip(lon, lat, strict=True)]


# ----------------------------------------------------------------------------- variants


def make_cells_bad(path: Path) -> None:
    cells = good_cells()

    def variant(layer: str, geoms=None, geometry_type: str | None = None, **cols) -> None:
        gdf = cells.copy()
        for col, values in cols.items():
            gdf[col] = values
        if geoms is not None:
            gdf = gdf.set_geometry(list(geoms), crs=CRS)
        write(gdf, path, layer, geometry_type)

    bowtie = shapely.Polygon([(X0 + 100, Y0 + 100), (X0 + 200, Y0 + 200), (X0 + 200, Y0 + 100),
                              (X0 + 100, Y0 + 200), (X0 + 100, Y0 + 100)])
    g = list(cells.geometry)
    variant("bowtie", g[:1] + [bowtie] + g[2:])
    variant("null_geom", g[:3] + [None], "Polygon")
    variant("empty_geom", g[:2] + [shapely.Polygon()] + g[3:], "Polygon")
    variant("all_null", [None] * 4, "Polygon")
    write(cells.iloc[:0], path, "no_features", "Polygon")
    deg = cells.to_crs(4326)
    variant("degrees", deg.geometry)
    variant("dup_id", cell_id=[1, 2, 2, 4])
    variant("empty_id", cell_id=["1", "2", "", "4"])
    write(cells.rename(columns={"cell_id": "id"}), path, "no_id_field")
    variant("overlapping", g[:1] + [box(80, 100, 200, 200)] + g[2:])
    # a 20 m x 20 m hole between cells 2, 3 and 4; and a 10 m notch along the outer edge
    variant("gapped", g[:3] + [shapely.difference(g[3], box(100, 80, 120, 100))])
    variant("notched", g[:3] + [box(110, 0, 200, 90)])
    variant("points", cells.geometry.centroid)
    variant("huge_coord", g[:2] + [shapely.Polygon([(X0, Y0), (1e20, Y0), (X0 + 100, Y0 + 100),
                                                    (X0, Y0)])] + g[3:])
    zm_layer(path, "zm", [zm_wkt(p) for p in cells.geometry],
             {"cell_id": [1, 2, 3, 4], "name": list(cells["name"]),
              "police_office": list(cells["police_office"])}, 3003)  # wkbPolygonZM


def make_cameras_bad(path: Path) -> None:
    cams = good_cameras()

    def variant(layer: str, geoms=None, geometry_type: str | None = None, **cols) -> None:
        gdf = cams.copy()
        for col, values in cols.items():
            gdf[col] = values
        if geoms is not None:
            gdf = gdf.set_geometry(list(geoms), crs=CRS)
        write(gdf, path, layer, geometry_type)

    g = list(cams.geometry)
    variant("dup_id", camera_id=["c1", "c2", "c3", "c2", "c5", "c6"])
    variant("empty_id", camera_id=["c1", "c2", "", "c4", "c5", "c6"])
    variant("range_text", range_m=["40", "50", "", "30", "abc", "30"])
    variant("range_negative", range_m=[40.0, -50.0, np.nan, 30.0, 20.0, 30.0])
    variant("range_absurd", range_m=[40.0, 50.0, np.nan, 30.0, 20.0, 1e6])
    variant("heading_bad", heading_deg=[np.nan, 400.0, np.nan, np.nan, np.nan, 180.0])
    variant("fov_bad", fov_deg=[np.nan, 0.0, np.nan, np.nan, np.nan, 120.0])
    variant("unknown_kind", kind=["public1", "public2", "smart_eye", "social", "tank", "一类"])
    variant("unknown_status", status=["online", "online", "broken", "offline", "", "在线"])
    multi = shapely.MultiPoint([(X0 + 50, Y0 + 50), (X0 + 60, Y0 + 50)])
    write(cams.set_geometry(g[:2] + [multi] + g[3:], crs=CRS), path, "multipoint", "Unknown",
          promote_to_multi=False)
    variant("null_geom", g[:4] + [None] + g[5:], "Point")
    write(cams.to_crs(4326), path, "wgs84")
    write(cams.iloc[:0], path, "no_features", "Point")
    variant("outside", g[:5] + [pt(260, 100)])
    variant("huge_coord", g[:3] + [shapely.Point(1e20, Y0 + 50)] + g[4:])
    zm_layer(path, "zm", [zm_wkt(p) for p in cams.geometry],
             {"camera_id": list(cams["camera_id"]), "kind": list(cams["kind"]),
              "status": list(cams["status"]),
              "range_m": [None if np.isnan(v) else float(v) for v in cams["range_m"]],
              "heading_deg": [None if np.isnan(v) else float(v) for v in cams["heading_deg"]],
              "fov_deg": [None if np.isnan(v) else float(v) for v in cams["fov_deg"]]},
             3001)  # wkbPointZM


def make_buildings_bad(path: Path) -> None:
    bld = good_buildings()
    g = list(bld.geometry)
    bowtie = shapely.Polygon([(X0 + 20, Y0 + 120), (X0 + 35, Y0 + 135), (X0 + 35, Y0 + 120),
                              (X0 + 20, Y0 + 135), (X0 + 20, Y0 + 120)])
    write(bld.set_geometry([bowtie] + g[1:], crs=CRS), path, "bowtie")
    write(bld.set_geometry(g[:2] + [None] + g[3:], crs=CRS), path, "null_geom", "Polygon")
    write(bld.set_geometry(list(bld.boundary), crs=CRS), path, "lines")


def make_roads_bad(path: Path) -> None:
    roads = good_roads()
    write(roads.iloc[:1], path, "single")
    extra = gpd.GeoDataFrame(
        {"road_id": [7, 8, 9], "name": ["road 1 again", "dead end", "leaves the village"]},
        geometry=[roads.geometry[0], line((100, 100), (130, 135)), line((200, 100), (260, 100))],
        crs=CRS)
    write(pd.concat([roads, extra], ignore_index=True), path, "dangling_duplicated")
    write(roads.set_geometry(roads.buffer(4.0), crs=CRS), path, "polygons")
    write(roads.iloc[:0], path, "no_features", "LineString")


def make_incidents_bad(path: Path) -> None:
    inc = good_incidents()
    text = incident_dates()
    bad = list(text)
    bad[3], bad[17] = "yesterday", "31/02/2025"
    write(inc.assign(occurred_at=bad), path, "bad_dates")
    write(inc.assign(occurred_at=["sometime"] * 24), path, "all_bad_dates")
    moved = list(inc.geometry)
    moved[0], moved[13] = pt(300, 300), pt(-50, 20)
    write(inc.set_geometry(moved, crs=CRS), path, "outside")
    write(inc.iloc[:0], path, "no_features", "Point")
    write(inc.rename(columns={"occurred_at": "note"}).assign(note="seen"), path, "no_date_field")


def make_csvs(folder: Path) -> None:
    ll = lonlat(incident_xy())
    dates = incident_dates()
    header = "incident_id,occurred_at,category,lon,lat\n"
    swapped = "".join(f"J{k + 1:03d},{dates[k]},theft,{lat},{lon}\n"
                      for k, (lon, lat) in enumerate(ll))
    (folder / "incidents_swapped.csv").write_text(header + swapped, encoding="utf-8")
    rows = []
    for k, (lon, lat) in enumerate(ll):
        x = "abc" if k in (4, 9) else str(lon)
        rows.append(f"J{k + 1:03d},{dates[k]},theft,{x},{lat}\n")
    (folder / "incidents_text_coords.csv").write_text(header + "".join(rows), encoding="utf-8")
    fixed_xlsx(folder / "incidents_empty_sheet.xlsx",
               {"incidents": [], "notes": [["written by make_corpus.py"]]})


def make_geojson(folder: Path) -> None:
    """Cameras in metres (EPSG:4547 numbers) saved as GeoJSON, which is WGS84 by definition."""
    cams = good_cameras()
    feats = []
    for i, row in enumerate(cams.itertuples()):
        feats.append({"type": "Feature", "id": i, "properties": {
            "camera_id": row.camera_id, "kind": row.kind, "range_m": 30.0},
            "geometry": {"type": "Point", "coordinates": [row.geometry.x, row.geometry.y]}})
    doc = {"type": "FeatureCollection", "features": feats}
    (folder / "cameras_metres.geojson").write_text(json.dumps(doc, ensure_ascii=False, indent=1),
                                                   encoding="utf-8")


def make_shapefiles(folder: Path) -> None:
    cells = good_cells()[["cell_id", "name", "geometry"]]
    write_shapefile(cells, folder / "cells_no_prj.shp", "UTF-8", prj=False, cpg=True)
    gbk = cells.assign(name=["杨屋一区", "杨屋二区", "新圩三区", "新圩四区"])
    write_shapefile(gbk, folder / "cells_gbk.shp", "GBK", prj=True, cpg=False)
    cams = good_cameras()[["camera_id", "kind", "range_m", "geometry"]]
    cams = cams.assign(kind=["一类", "二类", "慧眼", "社会", "企业", "智能"],
                       range_m=[40.0, 50.0, 50.0, 30.0, 20.0, 30.0])
    write_shapefile(cams, folder / "cameras_gbk.shp", "GBK", prj=True, cpg=False)


def make_corpus(folder: Path) -> list[Path]:
    """Write every corpus file into ``folder`` and return them (``SHA256SUMS`` last)."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.iterdir():
        if old.is_file() and (old.suffix in GENERATED_SUFFIXES or old.name == "SHA256SUMS"):
            old.unlink()
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": FIXED_DATE})
    good = folder / "good.gpkg"
    for layer, gdf in (("cells", good_cells()), ("cameras", good_cameras()),
                       ("buildings", good_buildings()), ("roads", good_roads()),
                       ("incidents", good_incidents())):
        write(gdf, good, layer)
    make_cells_bad(folder / "cells_bad.gpkg")
    make_cameras_bad(folder / "cameras_bad.gpkg")
    make_buildings_bad(folder / "buildings_bad.gpkg")
    make_roads_bad(folder / "roads_bad.gpkg")
    make_incidents_bad(folder / "incidents_bad.gpkg")
    make_shapefiles(folder)
    make_csvs(folder)
    make_geojson(folder)
    data = good.read_bytes()
    (folder / "truncated.gpkg").write_bytes(data[: len(data) // 2])
    (folder / "not_geodata.gpkg").write_bytes(png_bytes())
    (folder / "not_geodata.shp").write_text("This is a note, not a shapefile.\n",
                                            encoding="utf-8")
    (folder / "empty.gpkg").write_bytes(b"")
    directory = folder / "a_directory"
    if directory.exists():
        shutil.rmtree(directory)
    directory.mkdir()
    (directory / "README.txt").write_text("A folder given where a file is expected.\n",
                                          encoding="utf-8")
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.name != "SHA256SUMS"
                   and p.suffix != ".py" and "__pycache__" not in p.parts)
    sums = "".join(f"{sha256(p)}  {p.relative_to(folder).as_posix()}\n" for p in files)
    (folder / "SHA256SUMS").write_text(sums, encoding="utf-8")
    return [*files, folder / "SHA256SUMS"]


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE
    written = make_corpus(target)
    size = sum(os.path.getsize(p) for p in written)
    print(f"{len(written)} files, {size / 1024:.0f} KiB in {target}")
