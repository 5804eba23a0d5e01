"""levergrid:exportbriefing: print layout to PNG/PDF, GeoJSON that QGIS reads back, summary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from tests.conftest import ARTIFACTS, METRIC, SAMPLE
from tests.core.test_export import (
    POLYGON_LAYERS,
    SECRET,
    SECRET_COLUMN,
    _private_needles,
    check_rfc7946,
    find_secrets,
    load_strict,
    read_gpkg,
    rounding_bound,
    write_sample_gpkg,
)
from tests.qgis.conftest import run_alg

pytestmark = pytest.mark.qgis


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    return write_sample_gpkg(tmp_path_factory.mktemp("analysis") / "analysis.gpkg")


@pytest.fixture(scope="module")
def briefing(levergrid, analysis, tmp_path_factory):
    out = tmp_path_factory.mktemp("briefing")
    res = run_alg("levergrid:exportbriefing", {"INPUT": str(analysis), "INCIDENTS": 0,
                                               "MIN_COUNT": 0, "OUTPUT": str(out)})
    return out, res


def test_writes_png_pdf_geojson_and_summary(briefing):
    from qgis.PyQt.QtGui import QImage

    out, res = briefing
    assert res["OUTPUT"] == str(out)
    for key, name in (("PNG", "briefing_map.png"), ("PDF", "briefing_map.pdf"),
                      ("GEOJSON", "briefing.geojson"), ("SUMMARY", "summary.html"),
                      ("SUMMARY_CSV", "summary.csv")):
        assert res[key] == str(out / name) and (out / name).stat().st_size > 1000, key
    image = QImage(res["PNG"])
    assert abs(image.width() - 1754) <= 1 and abs(image.height() - 1240) <= 1  # A4, 150 dpi
    assert (out / "briefing_map.pdf").read_bytes()[:5] == b"%PDF-"
    assert (out / "summary.md").exists()
    names = {p.stem for p in out.glob("*.geojson")}
    assert names == {"cells", "cell_stats", "blind_spots", "overlap", "camera_views", "cameras",
                     "incidents", "briefing"}
    for path in out.glob("*.geojson"):
        check_rfc7946(load_strict(path))
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "briefing_layout.png").write_bytes((out / "briefing_map.png").read_bytes())


def test_layout_page_has_all_items(levergrid, analysis, tmp_path):
    """The print layout holds the map, legend, scale bar, north arrow, title and date."""
    import pyogrio
    from qgis.core import (
        QgsLayoutItemLabel,
        QgsLayoutItemLegend,
        QgsLayoutItemMap,
        QgsLayoutItemPicture,
        QgsLayoutItemScaleBar,
        QgsRectangle,
    )

    from lever_grid.core.briefing.mapping import map_layers
    from lever_grid.core.fs import write_layers
    from lever_grid.qgis_plugin.layout import briefing_layout, load_map_layers

    layers = {n: pyogrio.read_dataframe(analysis, layer=n)
              for n in pyogrio.list_layers(analysis)[:, 0]}
    lay = map_layers(layers)
    gpkg = write_layers(tmp_path / "m.gpkg", {k: v for k, v in lay.items()})
    qlayers = load_map_layers(str(gpkg), list(lay), True)
    cells = qlayers["cells"]
    layout = briefing_layout(qlayers, crs=cells.crs(), extent=QgsRectangle(cells.extent()),
                             title="杨屋村 briefing", date="2025-06-01", tmp_dir=tmp_path)
    items = layout.items()
    kinds = {type(i).__name__ for i in items}
    assert {"QgsLayoutItemMap", "QgsLayoutItemLegend", "QgsLayoutItemScaleBar",
            "QgsLayoutItemPicture", "QgsLayoutItemLabel"} <= kinds
    texts = [i.text() for i in items if isinstance(i, QgsLayoutItemLabel)]
    assert "杨屋村 briefing" in texts and any("2025-06-01" in t for t in texts)
    the_map = next(i for i in items if isinstance(i, QgsLayoutItemMap))
    assert the_map.crs().authid() == "EPSG:4547"
    assert the_map.extent().contains(cells.extent())
    assert 2000 < the_map.scale() < 20000
    bar = next(i for i in items if isinstance(i, QgsLayoutItemScaleBar))
    assert bar.unitLabel() == "m" and bar.linkedMap().uuid() == the_map.uuid()
    arrow = next(i for i in items if isinstance(i, QgsLayoutItemPicture))
    assert arrow.northMode() == QgsLayoutItemPicture.NorthMode.TrueNorth
    legend = next(i for i in items if isinstance(i, QgsLayoutItemLegend))
    assert legend.model().rootGroup().children()  # layers in the legend
    labels = [f["label"] for f in cells.getFeatures()]
    assert "11\n+18.2%" in labels


def test_geojson_reads_back_in_qgis_and_geopandas(briefing, analysis):
    """Same feature counts; QGIS and geopandas agree on every area (1e-9); both within
    the 6-decimal rounding bound of the GeoPackage (net layer totals within 2e-4)."""
    from qgis.core import (
        QgsCoordinateReferenceSystem,
        QgsCoordinateTransform,
        QgsProject,
        QgsVectorLayer,
        QgsWkbTypes,
    )

    out, _ = briefing
    gpkg = read_gpkg(analysis)
    target = QgsCoordinateReferenceSystem(METRIC)
    delta = rounding_bound(6)
    for name in (*POLYGON_LAYERS, "cameras"):
        layer = QgsVectorLayer(str(out / f"{name}.geojson"), name, "ogr")
        assert layer.isValid(), name
        assert layer.crs().authid() == "EPSG:4326"
        assert layer.featureCount() == len(gpkg[name]), name
        if name == "cameras":
            assert QgsWkbTypes.geometryType(layer.wkbType()) == \
                QgsWkbTypes.GeometryType.PointGeometry
            continue
        xform = QgsCoordinateTransform(layer.crs(), target, QgsProject.instance())
        areas = []
        for feature in layer.getFeatures():
            geom = feature.geometry()
            geom.transform(xform)
            areas.append(geom.area())
        areas = np.array(areas)
        gp = gpd.read_file(out / f"{name}.geojson").to_crs(METRIC).area.to_numpy()
        np.testing.assert_allclose(areas, gp, rtol=1e-9)
        ref = gpkg[name]
        diff = areas - ref.area.to_numpy()
        assert (np.abs(diff) <= 0.5 * delta * ref.length.to_numpy()).all(), name
        assert abs(diff.sum()) / ref.area.sum() < 2e-4, name
    combined = QgsVectorLayer(str(out / "briefing.geojson"), "b", "ogr")
    assert combined.isValid()
    total = sum(len(gpkg[n]) for n in (*POLYGON_LAYERS, "cameras")) + 14
    assert len(load_strict(out / "briefing.geojson")["features"]) == total


def test_points_keep_private_columns_in(levergrid, analysis, tmp_path):
    inc = gpd.read_file(SAMPLE, layer="incidents")
    inc[SECRET_COLUMN] = SECRET
    source = tmp_path / "incidents.gpkg"
    inc.to_file(source, layer="incidents")
    out = tmp_path / "out"
    run_alg("levergrid:exportbriefing", {
        "INPUT": str(analysis), "INCIDENTS": 1, "SOURCE_INCIDENTS": str(source),
        "TITLE": "杨屋村 简报", "OUTPUT": str(out)})
    points = load_strict(out / "incidents.geojson")
    check_rfc7946(points)
    assert len(points["features"]) == len(inc)
    assert all(set(f["properties"]) == {"incident_id", "date", "category"}
               for f in points["features"])
    needles = _private_needles()  # victim names and phones, SECRET and its column name
    files = sorted(out.iterdir())
    assert {p.suffix for p in files} >= {".geojson", ".csv", ".md", ".html", ".png", ".pdf"}
    assert find_secrets(files, needles) == []


def test_points_with_min_count_are_refused(levergrid, analysis, tmp_path):
    from qgis.core import QgsProcessingException

    out = tmp_path / "out"
    with pytest.raises(QgsProcessingException, match="cannot be combined with --min-count"):
        run_alg("levergrid:exportbriefing", {"INPUT": str(analysis), "INCIDENTS": 1,
                                             "MIN_COUNT": 5, "OUTPUT": str(out)})
    assert not out.exists()


def test_min_count_masks_with_secondary_suppression(levergrid, analysis, tmp_path):
    out = tmp_path / "out"
    run_alg("levergrid:exportbriefing", {"INPUT": str(analysis), "MIN_COUNT": 5,
                                         "OUTPUT": str(out)})
    stats = load_strict(out / "cell_stats.geojson")["features"]
    # cells 2, 5, 9, 12, 14 (below 5 in blind spots) and 3, 4 (a masked empty blind spot)
    assert sorted(f["properties"]["cell_id"] for f in stats
                  if f["properties"]["incidents_masked"]) == [2, 3, 4, 5, 9, 12, 14]


def test_points_without_a_source_fail(levergrid, analysis, tmp_path):
    import pyogrio
    from qgis.core import QgsProcessingException

    no_points = tmp_path / "no_points.gpkg"  # an analysis made without incidents
    for name in ("cells", "cell_stats"):
        pyogrio.write_dataframe(pyogrio.read_dataframe(analysis, layer=name), no_points,
                                layer=name, append=no_points.exists())
    with pytest.raises(QgsProcessingException, match="needs incident points"):
        run_alg("levergrid:exportbriefing", {"INPUT": str(no_points), "INCIDENTS": 1,
                                             "OUTPUT": str(tmp_path / "o")})
    assert not list((tmp_path / "o").glob("*.geojson")) if (tmp_path / "o").exists() else True


def test_every_parameter_has_help(levergrid):
    alg = levergrid.algorithmById("levergrid:exportbriefing")
    keys = {p.name() for p in alg.parameterDefinitions()}
    assert {"INPUT", "INCIDENTS", "MIN_COUNT", "OUTPUT"} <= keys
    for param in alg.parameterDefinitions():
        assert param.help().strip(), param.name()
    assert alg.flags() & alg.FlagNoThreading
