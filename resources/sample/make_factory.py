"""Generate the factory site plan ``factory.dxf`` (millimetres) and ``factory.gpkg``.

A made-up electronics factory beside 杨屋村 (about 10,000 workers): a 480 m x 320 m
site behind a fence with three gates, four workshops, a warehouse, six dormitories,
a canteen, gatehouses, internal roads and compound walls, drawn as a CAD plan the way
a factory's facilities office keeps it: a DXF in millimetres, in local site
coordinates (origin at the south-west fence corner), CAD layers:

=========  ===========================================================================
SITE       the fence line as one closed polyline (the whole site as one cell)
ZONE       four closed zones with a text label inside: 车间区 Workshops, 仓储区
           Warehouse, 宿舍区 Dormitories, 大门停车场 Gate & car park
BUILDING   closed polylines: workshops, warehouse, dormitories, canteen, gatehouses
FENCE      the perimeter fence, open at the three gates
WALL       compound walls: dormitory wall with an opening, warehouse yard wall
ROAD       internal road centrelines
GATE       texts at the gates and main doors (the watch points)
=========  ===========================================================================

``factory.gpkg`` holds what is not drawn in CAD, in the same local coordinates in
metres (no CRS: read with ``--assume-crs local``): ``cameras`` (40 enterprise cameras
with mount pole/wall/indoor, heading, fov, range, height) and ``incidents`` (a year,
2025, of thefts, clustered where nobody looks). ``plan_layers()`` gives the drawn
layers in metres (the test compares them with the DXF read back in millimetres).

Deterministic (fixed seed). The DXF is written by GDAL's DXF driver (no extra
dependency) with ``$INSUNITS`` 4 (millimetres). Regenerate with
``python resources/sample/make_factory.py``.
"""

from __future__ import annotations

import os
import tempfile
import warnings
from datetime import datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import shapely

HERE = Path(__file__).resolve().parent
SEED = 16
MM = 1000.0  # drawing units (mm) per metre
W, H = 480.0, 320.0
GATES = {"南门 South gate": ((135, 0), (155, 0)), "北门 North gate": ((135, H), (155, H)),
         "东门 East gate": ((W, 140), (W, 160))}


def _box(x0, y0, x1, y1) -> shapely.Polygon:
    return shapely.box(x0, y0, x1, y1)


def plan_layers() -> dict[str, gpd.GeoDataFrame]:
    """The drawn plan in metres, one frame per CAD layer (no CRS)."""
    site = _box(0, 0, W, H)
    zones = [("车间区 Workshops", _box(0, 130, 300, H)),
             ("仓储区 Warehouse", _box(300, 130, W, H)),
             ("宿舍区 Dormitories", _box(0, 0, 220, 130)),
             ("大门停车场 Gate & car park", _box(220, 0, W, 130))]
    buildings = [
        ("W1 车间一", _box(20, 170, 130, 230)),
        ("W2 车间二", _box(160, 170, 270, 230)),
        ("W3 车间三", _box(20, 250, 130, 300)),
        ("W4 车间四", _box(160, 250, 270, 300)),
        ("仓库 Warehouse", _box(320, 180, 460, 290)),
        ("D1 宿舍1", _box(15, 20, 75, 34)),
        ("D2 宿舍2", _box(15, 50, 75, 64)),
        ("D3 宿舍3", _box(15, 80, 75, 94)),
        ("D4 宿舍4", _box(85, 20, 130, 34)),
        ("D5 宿舍5", _box(85, 50, 130, 64)),
        ("D6 宿舍6", _box(85, 80, 130, 94)),
        ("食堂 Canteen", _box(165, 40, 205, 100)),
        ("门卫 South gatehouse", _box(158, 3, 168, 13)),
        ("门卫 North gatehouse", _box(158, 307, 168, 317)),
        ("门卫 East gatehouse", _box(465, 163, 475, 173)),
    ]
    corners = [(135, 0), (0, 0), (0, H), (135, H)], [(155, H), (W, H), (W, 160)], \
        [(W, 140), (W, 0), (155, 0)]
    fence = [shapely.LineString(c) for c in corners]
    walls = [shapely.LineString([(0, 130), (90, 130)]),
             shapely.LineString([(110, 130), (220, 130), (220, 75)]),
             shapely.LineString([(220, 55), (220, 0)]),
             shapely.LineString([(300, 140), (300, 172)]),
             shapely.LineString([(300, 298), (300, H)])]
    roads = [shapely.LineString([(145, 0), (145, H)]),
             shapely.LineString([(10, 240), (145, 240), (300, 240)]),
             shapely.LineString([(145, 150), (W, 150)]),
             shapely.LineString([(10, 110), (145, 110)]),
             shapely.LineString([(145, 60), (220, 60), (420, 60)])]
    points = [(name, ((a[0] + b[0]) / 2, (a[1] + b[1]) / 2)) for name, (a, b) in GATES.items()]
    points += [("W1 门 door", (75, 170)), ("W2 门 door", (215, 170)),
               ("仓库门 Warehouse door", (390, 180)), ("宿舍围墙口 Dorm wall opening", (100, 130)),
               ("食堂门 Canteen door", (205, 70))]

    def frame(geoms, **fields):
        return gpd.GeoDataFrame(fields, geometry=list(geoms), crs=None)

    return {
        "SITE": frame([site], name=["厂区 Site"]),
        "ZONE": frame([g for _, g in zones], name=[n for n, _ in zones]),
        "BUILDING": frame([g for _, g in buildings], name=[n for n, _ in buildings]),
        "FENCE": frame(fence),
        "WALL": frame(walls),
        "ROAD": frame(roads),
        "GATE": frame([shapely.Point(p) for _, p in points], name=[n for n, _ in points]),
    }


def cameras() -> gpd.GeoDataFrame:
    """40 enterprise cameras (metres): on gatehouses, workshop walls, the fence, poles
    and inside halls; one offline."""
    rows = [
        # gate cameras on the gatehouses, looking at the gate (the east gate has none)
        ("G01", 158, 8, "wall", 250, 100, 25, 3.0),
        ("G02", 158, 312, "wall", 290, 100, 25, 3.0),
        # workshop walls, facing out
        ("W01", 20, 200, "wall", 270, 90, 30, 4.0),
        ("W02", 130, 200, "wall", 90, 90, 30, 4.0),
        ("W03", 75, 170, "wall", 180, 100, 30, 4.0),
        ("W04", 215, 170, "wall", 180, 100, 30, 4.0),
        ("W05", 270, 200, "wall", 90, 90, 30, 4.0),
        ("W06", 75, 300, "wall", 0, 100, 30, 4.0),
        ("W07", 215, 300, "wall", 0, 100, 30, 4.0),
        ("W08", 160, 275, "wall", 270, 90, 25, 4.0),
        ("W09", 130, 275, "wall", 90, 90, 25, 4.0),
        ("W10", 20, 275, "wall", 270, 90, 25, 4.0),
        # warehouse outside
        ("S01", 390, 180, "wall", 180, 110, 35, 5.0),
        ("S02", 320, 235, "wall", 270, 90, 30, 5.0),
        # fence cameras looking inward (on the fence line: they see their own side)
        ("F01", 0, 60, "wall", 90, 100, 30, 3.0),
        ("F02", 0, 240, "wall", 90, 100, 30, 3.0),
        ("F03", 300, H, "wall", 180, 120, 30, 3.0),
        ("F04", W, 60, "wall", 270, 100, 30, 3.0),
        ("F05", 60, H, "wall", 180, 120, 30, 3.0),
        # poles at the road junctions (omnidirectional)
        ("P01", 146, 241, "pole", None, None, 35, 6.0),
        ("P02", 146, 151, "pole", None, None, 35, 6.0),
        ("P03", 146, 111, "pole", None, None, 30, 6.0),
        ("P04", 221, 61, "pole", None, None, 30, 6.0),
        ("P05", 300, 151, "pole", None, None, 30, 6.0),
        ("P06", 420, 61, "pole", None, None, 35, 6.0),
        ("P07", 146, 30, "pole", None, None, 30, 6.0),
        # dormitory walls, facing the lanes between the blocks
        ("D01", 45, 34, "wall", 0, 100, 20, 3.0),
        ("D02", 45, 64, "wall", 0, 100, 20, 3.0),
        ("D03", 107, 94, "wall", 0, 100, 20, 3.0),
        ("D04", 130, 57, "wall", 90, 90, 20, 3.0),
        ("D05", 185, 100, "wall", 0, 100, 20, 3.0),
        # inside the halls
        ("I01", 50, 200, "indoor", None, None, 40, 5.0),
        ("I02", 100, 200, "indoor", None, None, 40, 5.0),
        ("I03", 190, 200, "indoor", None, None, 40, 5.0),
        ("I04", 245, 200, "indoor", None, None, 40, 5.0),
        ("I05", 360, 235, "indoor", None, None, 45, 6.0),
        ("I06", 420, 235, "indoor", None, None, 45, 6.0),
        ("I07", 185, 70, "indoor", None, None, 30, 4.0),
        # car park
        ("C01", 350, 100, "pole", None, None, 35, 6.0),
        ("C02", 450, 110, "pole", 200, 90, 35, 6.0),
    ]
    status = ["offline" if cid == "C02" else "online" for cid, *_ in rows]
    return gpd.GeoDataFrame(
        {"camera_id": [r[0] for r in rows], "kind": "enterprise", "status": status,
         "mount": [r[3] for r in rows],
         "heading_deg": [np.nan if r[4] is None else float(r[4]) for r in rows],
         "fov_deg": [np.nan if r[5] is None else float(r[5]) for r in rows],
         "range_m": [float(r[6]) for r in rows], "height_m": [r[7] for r in rows]},
        geometry=[shapely.Point(r[1], r[2]) for r in rows], crs=None)


def incidents(plan: dict[str, gpd.GeoDataFrame]) -> gpd.GeoDataFrame:
    """A year (2025) of thefts: 60 % around four hot spots (east gate, bike shed behind
    the canteen, warehouse back yard, dormitory lanes), the rest anywhere outdoors."""
    rng = np.random.default_rng(SEED)
    blocked = shapely.union_all(plan["BUILDING"].geometry.to_numpy()).buffer(1.0)
    site = plan["SITE"].geometry.iloc[0].buffer(-2.0)
    spots = np.array([[465, 150], [212, 115], [470, 305], [80, 42], [400, 30]])
    pts = []
    while len(pts) < 180:
        if rng.random() < 0.6:
            c = spots[rng.integers(len(spots))]
            p = shapely.Point(c + rng.normal(0, 8, 2))
        else:
            p = shapely.Point(rng.uniform(0, W), rng.uniform(0, H))
        if site.contains(p) and not blocked.contains(p):
            pts.append(p)
    start = datetime(2025, 1, 1)
    seconds = np.sort(rng.integers(0, 365 * 86400, len(pts)))
    return gpd.GeoDataFrame(
        {"incident_id": [f"F2025-{i:04d}" for i in range(1, len(pts) + 1)],
         "occurred_at": [(start + timedelta(seconds=int(s))).strftime("%Y-%m-%dT%H:%M:%S")
                         for s in seconds],
         "category": "盗窃"},
        geometry=pts, crs=None)


def _header(path: Path) -> Path:
    """GDAL's DXF header template with $INSUNITS 4 (millimetres), $MEASUREMENT 1 (metric)."""
    from osgeo import gdal

    template = gdal.FindFile("gdal", "header.dxf")
    lines = Path(template).read_text(encoding="latin-1").split("\n")
    for i, text in enumerate(lines):
        if text.strip() in ("$INSUNITS", "$MEASUREMENT"):
            value = "     4" if text.strip() == "$INSUNITS" else "     1"
            assert lines[i + 1].strip() == "70"
            lines[i + 2] = value
    path.write_text("\n".join(lines), encoding="latin-1")
    return path


def write_dxf(path: str | os.PathLike, layers: dict[str, gpd.GeoDataFrame],
              scale: float = MM) -> None:
    """Write ``layers`` (metres) as a DXF in millimetres: polygons as closed polylines,
    lines as polylines, named points as texts; one CAD layer per key."""
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    path = Path(path)
    with tempfile.TemporaryDirectory() as tmp:
        header = _header(Path(tmp) / "header.dxf")
        part = path.with_name(path.name + ".part")
        ds = ogr.GetDriverByName("DXF").CreateDataSource(str(part), options=[f"HEADER={header}"])
        lyr = ds.CreateLayer("entities")
        for cad, frame in layers.items():
            names = frame["name"].tolist() if "name" in frame.columns else [None] * len(frame)
            for geom, name in zip(frame.geometry, names, strict=True):
                geom = shapely.transform(geom, lambda xy: np.round(xy * scale, 3))
                if geom.geom_type == "Polygon":
                    geom = geom.exterior
                f = ogr.Feature(lyr.GetLayerDefn())
                f.SetField("Layer", cad)
                f.SetGeometry(ogr.CreateGeometryFromWkt(shapely.to_wkt(
                    shapely.LineString(geom.coords) if geom.geom_type == "LinearRing" else geom)))
                if geom.geom_type == "Point":
                    f.SetStyleString(f'LABEL(f:"Arial",t:"{name}",s:2500g)')
                lyr.CreateFeature(f)
                if name and geom.geom_type != "Point" and cad in ("ZONE",):
                    t = ogr.Feature(lyr.GetLayerDefn())
                    t.SetField("Layer", cad)
                    c = shapely.Polygon(geom).representative_point()
                    t.SetGeometry(ogr.CreateGeometryFromWkt(c.wkt))
                    t.SetStyleString(f'LABEL(f:"Arial",t:"{name}",s:5000g)')
                    lyr.CreateFeature(t)
        ds = None
        os.replace(part, path)


def build_factory(folder: str | os.PathLike = HERE) -> tuple[Path, Path]:
    """Write factory.dxf (mm) and factory.gpkg (cameras, incidents; metres) to ``folder``."""
    import pyogrio

    folder = Path(folder)
    plan = plan_layers()
    dxf = folder / "factory.dxf"
    write_dxf(dxf, plan)
    gpkg = folder / "factory.gpkg"
    part = folder / "factory.part.gpkg"
    part.unlink(missing_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "'crs' was not provided": a local plan has none
        pyogrio.write_dataframe(cameras(), part, layer="cameras", driver="GPKG")
        pyogrio.write_dataframe(incidents(plan), part, layer="incidents", driver="GPKG",
                                append=True)
    os.replace(part, gpkg)
    return dxf, gpkg


if __name__ == "__main__":
    for written in build_factory():
        print(f"wrote {written} ({written.stat().st_size} bytes)")
