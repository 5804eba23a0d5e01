"""The factory sample and DXF site plans: CAD layers, $INSUNITS, the audit from DXF in
millimetres against the same plan in a GeoPackage in metres, and the CLI."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import warnings

import geopandas as gpd
import numpy as np
import pyogrio
import pytest

from lever_grid.core.errors import InputError
from lever_grid.core.inputs.dxf import dxf_insunits, dxf_unit_factor
from lever_grid.core.inputs.incidents import read_incidents
from lever_grid.core.inputs.layers import ROLE_GEOMETRY, LayerSpec, read_layer
from lever_grid.core.pipeline import analyse
from lever_grid.demo_factory import factory_inputs, factory_paths
from tests.conftest import ROOT

SAMPLE = ROOT / "resources" / "sample"
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _maker():
    spec = importlib.util.spec_from_file_location("make_factory", SAMPLE / "make_factory.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


make_factory = _maker()


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "lever_grid", *map(str, args)],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)


# ------------------------------------------------------------------------ DXF reading


def test_layerspec_parses_cadlayer():
    spec = LayerSpec.parse("plan.dxf|cadlayer=WALL")
    assert (spec.path, spec.layer, spec.cadlayer) == ("plan.dxf", None, "WALL")
    assert LayerSpec.parse(str(spec)) == spec
    assert LayerSpec.parse("a.gpkg|layername=x").cadlayer is None


def test_insunits_and_units():
    dxf, _ = factory_paths()
    assert dxf_insunits(str(dxf)) == 4  # written with GDAL's template set to millimetres
    assert dxf_unit_factor(str(dxf)) == (0.001, "$INSUNITS 4 (millimetres)")
    assert dxf_unit_factor(str(dxf), "ft")[0] == 0.3048
    mm = read_layer(f"{dxf}|cadlayer=BUILDING", "buildings", assume_crs="local")
    raw = read_layer(f"{dxf}|cadlayer=building", "buildings", assume_crs="local", units="m")
    # W1 is 110 m x 60 m; read as metres the drawing's millimetres are a million times more
    assert mm.geometry.area.iloc[0] == pytest.approx(6600.0, rel=1e-12)
    assert raw.geometry.area.iloc[0] == pytest.approx(6600.0e6, rel=1e-12)
    assert len(mm) == 15 and mm.crs is None and mm.attrs["local"]


def test_gdal_default_header_says_inches(tmp_path):
    # GDAL's own header template has $INSUNITS 1: such a plan is read as inches
    from osgeo import gdal, ogr

    gdal.UseExceptions()
    path = tmp_path / "plain.dxf"
    ds = ogr.GetDriverByName("DXF").CreateDataSource(str(path))
    lyr = ds.CreateLayer("entities")
    f = ogr.Feature(lyr.GetLayerDefn())
    f.SetField("Layer", "WALL")
    f.SetGeometry(ogr.CreateGeometryFromWkt("LINESTRING (0 0, 100 0)"))
    lyr.CreateFeature(f)
    ds = None
    assert dxf_insunits(str(path)) == 1
    walls = read_layer(f"{path}|cadlayer=WALL", "walls", assume_crs="local")
    assert walls.geometry.length.iloc[0] == pytest.approx(2.54, rel=1e-12)


@pytest.mark.parametrize("spec, role, message", [
    ("|cadlayer=NOPE", "walls", "no entity on CAD layer 'NOPE'; the plan has: BUILDING, "
     "FENCE, GATE, ROAD, SITE, WALL, ZONE"),
    ("|cadlayer=WALL", "buildings", "open polyline (entity"),
    ("", "walls", "choose a CAD layer with"),
    ("|cadlayer=WALL,NOPE", "walls", "no entity on CAD layer 'nope'"),
])
def test_bad_cad_layers_name_file_and_layer(spec, role, message):
    dxf, _ = factory_paths()
    with pytest.raises(InputError) as err:
        read_layer(f"{dxf}{spec}", role, geometry=ROLE_GEOMETRY[role], assume_crs="local")
    assert message in err.value.line()
    assert f"file {dxf}" in err.value.line()


def test_dxf_needs_assume_crs():
    dxf, _ = factory_paths()
    with pytest.raises(InputError, match="a DXF plan has no CRS; pass --assume-crs local"):
        read_layer(f"{dxf}|cadlayer=WALL", "walls")


def test_zones_get_ids_and_their_text_labels():
    cells = factory_inputs()["cells"]
    assert cells["cell_id"].tolist() == [1, 2, 3, 4]
    assert cells["name"].tolist() == ["车间区 Workshops", "仓储区 Warehouse",
                                      "宿舍区 Dormitories", "大门停车场 Gate & car park"]
    # 300 x 190, 180 x 190, 220 x 130, 260 x 130 m
    assert cells.geometry.area.tolist() == pytest.approx([57000, 34200, 28600, 33800], rel=1e-12)


# ---------------------------------------------------- the sample: DXF mm against GPKG m


def _plan_in_metres(tmp_path):
    """The same plan as the DXF, from the generator's own metre geometry, in a
    GeoPackage (no CRS), read back like any user layer."""
    plan = make_factory.plan_layers()
    gpkg = tmp_path / "plan_m.gpkg"
    zones = plan["ZONE"].assign(cell_id=np.arange(1, 5))
    walls = gpd.GeoDataFrame(geometry=list(plan["WALL"].geometry) + list(plan["FENCE"].geometry))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name, frame in (("zones", zones), ("buildings", plan["BUILDING"]),
                            ("walls", walls), ("roads", plan["ROAD"]),
                            ("gates", plan["GATE"])):
            pyogrio.write_dataframe(frame, gpkg, layer=name, append=gpkg.exists())
    _, cams = factory_paths()
    layer = lambda name, role: read_layer(f"{gpkg}|layername={name}", role,  # noqa: E731
                                          geometry=ROLE_GEOMETRY[role], assume_crs="local")
    return {"cells": layer("zones", "cells"),
            "cameras": read_layer(f"{cams}|layername=cameras", "cameras", assume_crs="local"),
            "buildings": layer("buildings", "buildings"), "walls": layer("walls", "walls"),
            "roads": layer("roads", "roads"), "watch_points": layer("gates", "watch points"),
            "incidents": read_incidents(f"{cams}|layername=incidents", assume_crs="local")}


@pytest.fixture(scope="module")
def audits(tmp_path_factory):
    metres = _plan_in_metres(tmp_path_factory.mktemp("plan"))
    mm = factory_inputs()
    run = lambda d: analyse(d.pop("cells"), d.pop("cameras"), **d)  # noqa: E731
    return run(mm), run(metres)


def test_dxf_in_millimetres_gives_the_figures_of_the_plan_in_metres(audits):
    from_dxf, from_gpkg = audits
    a, b = from_dxf["cell_stats"], from_gpkg["cell_stats"]
    for col in ("area_m2", "watch_m2", "covered_m2", "blind_m2", "road_length_m",
                "road_covered_share", "covered_share"):
        assert a[col].to_numpy() == pytest.approx(b[col].to_numpy(), rel=1e-6), col
    for col in ("cameras", "incidents_current", "incidents_in_blind"):
        assert a[col].tolist() == b[col].tolist(), col
    assert from_dxf["camera_views"]["area_m2"].to_numpy() == pytest.approx(
        from_gpkg["camera_views"]["area_m2"].to_numpy(), rel=1e-6)
    assert from_dxf["blind_spots"]["area_m2"].sum() == pytest.approx(
        from_gpkg["blind_spots"]["area_m2"].sum(), rel=1e-6)
    wa, wb = from_dxf["watch_points"], from_gpkg["watch_points"]
    assert wa["name"].tolist() == wb["name"].tolist()
    assert wa["camera_ids"].tolist() == wb["camera_ids"].tolist()


def test_factory_facts_checked_by_hand(audits):
    out, _ = audits
    stats = out["cell_stats"].set_index("cell_id")
    # watched = zone minus footprints without an indoor camera: zone 1 loses W3 and W4
    # (110 x 50 each) and the north gatehouse (10 x 10); zone 2 the east gatehouse (the
    # warehouse has indoor cameras); zone 3 six dormitories (3 x 60 x 14 + 3 x 45 x 14)
    # and the south gatehouse (the canteen has one); zone 4 nothing
    assert stats["watch_m2"].tolist() == pytest.approx(
        [57000 - 11000 - 100, 34200 - 100, 28600 - 2520 - 1890 - 100, 33800], rel=1e-12)
    assert stats["incidents_current"].sum() == 180
    gates = out["watch_points"].set_index("name")
    # the east gate has no camera within reach: the nearest, P06 at (420, 61) with
    # 35 m, is 107 m away; the dormitory wall opening (100, 130) is 49.8 m from P03
    # (range 30) and 36.7 m from D03 (range 20)
    assert not gates.loc["东门 East gate", "seen"]
    assert not gates.loc["宿舍围墙口 Dorm wall opening", "seen"]
    # the south gate (145, 0): G01 at (158, 8) looks at 250° ± 50°; the gate bears
    # 238.4° at 15.3 m; P07 at (146, 30) is 30.02 m away with a 30 m range
    assert gates.loc["南门 South gate", "camera_ids"] == "G01"
    cams = factory_inputs()["cameras"]
    assert len(cams) == 40 and (cams["kind"] == "enterprise").all()
    assert (cams["status"] == "offline").sum() == 1


def test_bundled_sample_is_what_the_generator_writes(tmp_path):
    dxf, _ = make_factory.build_factory(tmp_path)
    assert dxf.read_bytes() == (SAMPLE / "factory.dxf").read_bytes()


def test_watch_points_leave_in_the_briefing(audits, tmp_path):
    """The factory analysis, georeferenced (plan origin at 500 000 E, 2 500 000 N of
    EPSG:4547, near 22.6° N 114° E), written to a GeoPackage and exported: watch_points.geojson
    is RFC 7946 and holds exactly the GeoPackage's watch points and their seen/n_cameras."""
    from lever_grid.core.briefing.geojson import GEOJSON_FIELDS, export_briefing
    from lever_grid.core.fs import write_layers
    from tests.core.test_export import check_rfc7946, load_strict

    out, _ = audits
    placed = {name: layer.set_crs(None, allow_override=True).translate(500000, 2500000)
              .pipe(lambda g, layer=layer: gpd.GeoDataFrame(
                  layer.drop(columns="geometry"), geometry=g.to_numpy(), crs=4547))
              for name, layer in out.items() if isinstance(layer, gpd.GeoDataFrame)}
    gpkg = write_layers(tmp_path / "factory.gpkg", placed)
    layers = {name: gpd.read_file(gpkg, layer=name) for name in placed}
    export_briefing(layers, tmp_path / "briefing")
    fc = load_strict(tmp_path / "briefing" / "watch_points.geojson")
    check_rfc7946(fc)
    ref = layers["watch_points"]
    assert len(ref) == 8 and int(ref["seen"].sum()) == 6  # checked in the CLI test below
    assert [f["id"] for f in fc["features"]] == ref["point_id"].tolist()
    props = [f["properties"] for f in fc["features"]]
    assert all(set(p) == set(GEOJSON_FIELDS["watch_points"]) for p in props)
    assert [p["name"] for p in props] == ref["name"].tolist()
    assert [p["seen"] for p in props] == ref["seen"].astype(bool).tolist()
    assert [p["n_cameras"] for p in props] == ref["n_cameras"].tolist()
    assert [p["camera_ids"] for p in props] == ref["camera_ids"].tolist()
    back = gpd.read_file(tmp_path / "briefing" / "watch_points.geojson").to_crs(4547)
    assert back.distance(ref.geometry, align=False).max() < 0.02  # 1e-7° ≈ 1 cm
    combined = load_strict(tmp_path / "briefing" / "briefing.geojson")
    assert sum(f["properties"]["layer"] == "watch_points" for f in combined["features"]) == 8


# ------------------------------------------------------------------------------- CLI


def test_cli_audit_from_the_cad_plan(tmp_path):
    dxf, gpkg = factory_paths()
    out = tmp_path / "audit.gpkg"
    res = run_cli("analyse", "--cells", f"{dxf}|cadlayer=ZONE", "--cameras",
                  f"{gpkg}|layername=cameras", "--buildings", f"{dxf}|cadlayer=BUILDING",
                  "--walls", f"{dxf}|cadlayer=WALL,FENCE", "--watch-points",
                  f"{dxf}|cadlayer=GATE", "--assume-crs", "local", "--out", out)
    assert res.returncode == 0, res.stderr
    assert "Warning" not in res.stderr
    gates = gpd.read_file(out, layer="watch_points")
    assert len(gates) == 8 and gates["seen"].sum() == 6
    # --units names the unit of every local layer and overrides $INSUNITS: with --units m
    # the plan is read a thousand times too big and the indoor cameras (in metres) stand
    # in no hall
    res = run_cli("analyse", "--cells", f"{dxf}|cadlayer=ZONE", "--cameras",
                  f"{gpkg}|layername=cameras", "--buildings", f"{dxf}|cadlayer=BUILDING",
                  "--assume-crs", "local", "--units", "m", "--out", tmp_path / "m.gpkg")
    assert res.returncode == 2
    assert "indoor camera 'I01' stands in no building footprint" in res.stderr


def test_cli_bad_cad_layer_is_one_line(tmp_path):
    dxf, gpkg = factory_paths()
    res = run_cli("analyse", "--cells", f"{dxf}|cadlayer=ZONE", "--cameras",
                  f"{gpkg}|layername=cameras", "--walls", f"{dxf}|cadlayer=WALLS",
                  "--assume-crs", "local", "--out", tmp_path / "x.gpkg")
    assert res.returncode == 2 and "Traceback" not in res.stderr
    errors = [ln for ln in res.stderr.splitlines() if "error:" in ln]
    assert errors == [f"lever-grid: error: file {dxf}, layer WALLS: no entity on CAD layer "
                      "'WALLS'; the plan has: BUILDING, FENCE, GATE, ROAD, SITE, WALL, ZONE"]
    assert not (tmp_path / "x.gpkg").exists()


def test_demo_factory_writes_its_map(tmp_path):
    res = run_cli("demo", "--factory", "--out", tmp_path / "f")
    assert res.returncode == 0, res.stderr
    assert "Warning" not in res.stderr
    for name in ("analysis.gpkg", "map.png", "map.pdf"):
        assert (tmp_path / "f" / name).stat().st_size > 1000
    assert "东门 East gate" in res.stdout and "NO" in res.stdout
