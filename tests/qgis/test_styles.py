"""The bundled styles (resources/styles/*.qml) load, classify and render as documented."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT
from tests.qgis.test_gui_dock import zh_translator  # noqa: F401 - fixture

pytestmark = pytest.mark.qgis

STYLES = ROOT / "resources" / "styles"


def memory_layer(uri: str, rows: list[tuple[str, dict]]):
    from qgis.core import QgsFeature, QgsGeometry, QgsVectorLayer

    layer = QgsVectorLayer(uri, "t", "memory")
    features = []
    for wkt, attrs in rows:
        f = QgsFeature(layer.fields())
        for key, value in attrs.items():
            f[key] = value
        f.setGeometry(QgsGeometry.fromWkt(wkt))
        features.append(f)
    layer.dataProvider().addFeatures(features)
    return layer


def render(layer, extent, size=(300, 100)):
    from qgis.core import QgsMapRendererSequentialJob, QgsMapSettings
    from qgis.PyQt.QtCore import QSize
    from qgis.PyQt.QtGui import QColor

    settings = QgsMapSettings()
    settings.setLayers([layer])
    settings.setDestinationCrs(layer.crs())
    settings.setExtent(extent)
    settings.setOutputSize(QSize(*size))
    settings.setBackgroundColor(QColor("white"))
    job = QgsMapRendererSequentialJob(settings)
    job.start()
    job.waitForFinished()
    return job.renderedImage(), settings


def colour_at(image, settings, x, y):
    from qgis.core import QgsPointXY
    from qgis.PyQt.QtGui import QColor

    p = settings.mapToPixel().transform(QgsPointXY(x, y))
    return QColor(image.pixel(int(p.x()), int(p.y())))


def test_every_style_is_a_valid_qml():
    import xml.etree.ElementTree as ET

    names = sorted(p.stem for p in STYLES.glob("*.qml"))
    assert names == ["blind_spots", "camera_views", "cameras", "cell_stats", "hotspots",
                     "overlap", "patrol", "problems", "road_hotspots", "sites",
                     "watch_points"]
    for path in STYLES.glob("*.qml"):
        root = ET.parse(path).getroot()
        assert root.tag == "qgis" and root.find("renderer-v2") is not None, path.name


def test_cells_graduated_by_change_with_labels_and_a_class_for_no_baseline():
    from qgis.core import QgsRectangle

    from lever_grid.qgis_plugin.gui.styling import apply_style

    squares = [(f"POLYGON(({x} 0,{x + 100} 0,{x + 100} 100,{x} 100,{x} 0))", attrs)
               for x, attrs in ((0, {"cell_id": 1, "change_pct": -59.28}),
                                (100, {"cell_id": 2, "change_pct": 60.0}),
                                (200, {"cell_id": 3, "change_pct": None}))]
    layer = memory_layer("Polygon?crs=EPSG:4547&field=cell_id:integer&field=change_pct:double",
                         squares)
    assert apply_style(layer, "cell_stats")
    renderer = layer.renderer()
    assert renderer.type() == "graduatedSymbol"
    assert "change_pct" in renderer.classAttribute()
    ranges = renderer.ranges()
    assert len(ranges) == 8
    assert [r.lowerValue() for r in ranges[1:]] == [-100, -50, -20, -5, 5, 20, 50]
    assert ranges[0].label().startswith("No baseline")
    assert layer.labelsEnabled() and layer.labeling().settings().fieldName == "cell_id"

    image, settings = render(layer, QgsRectangle(0, 0, 300, 100))
    near = (20, 50)  # away from the cell_id label in the middle
    fall, rise, none = (colour_at(image, settings, x + near[0], near[1]) for x in (0, 100, 200))
    assert fall.green() > fall.red() + 40, fall.name()  # incidents fell: green
    assert rise.red() > rise.green() + 40, rise.name()  # incidents rose: red
    assert abs(none.red() - none.green()) < 10 and none.red() < 250, none.name()  # grey


def test_blind_spots_hatched_red():
    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer("Polygon?crs=EPSG:4547&field=blind_id:integer",
                         [("POLYGON((0 0,10 0,10 10,0 10,0 0))", {"blind_id": 1})])
    assert apply_style(layer, "blind_spots")
    symbol = layer.renderer().symbol()
    kinds = [symbol.symbolLayer(i).layerType() for i in range(symbol.symbolLayerCount())]
    assert "LinePatternFill" in kinds
    hatch = symbol.symbolLayer(kinds.index("LinePatternFill"))
    colour = hatch.color()
    assert colour.red() > 200 and colour.green() < 60 and colour.blue() < 60


def test_overlap_graduated_by_camera_count():
    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer("Polygon?crs=EPSG:4547&field=n_cameras:integer", [])
    assert apply_style(layer, "overlap")
    renderer = layer.renderer()
    ranges = renderer.ranges()
    assert renderer.type() == "graduatedSymbol" and renderer.classAttribute() == "n_cameras"
    assert [r.label() for r in ranges] == ["1 camera", "2 cameras", "3 cameras",
                                           "4 or more cameras"]
    darkness = [r.symbol().color().lightness() for r in ranges]
    assert darkness == sorted(darkness, reverse=True)  # more cameras, darker


def test_camera_views_translucent_by_kind():
    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer("Polygon?crs=EPSG:4547&field=kind:string", [])
    assert apply_style(layer, "camera_views")
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "kind"
    cats = {c.value(): c for c in renderer.categories()}
    assert set(cats) == {"public1", "public2", "smart_eye", "social", "enterprise"}
    assert cats["smart_eye"].label() == "Smart eye (慧眼)"
    for cat in cats.values():
        fill = cat.symbol().symbolLayer(0).fillColor()
        assert fill.alpha() < 128  # translucent: overlapping views stay readable


def test_cameras_rotate_along_heading_and_omnidirectional_ones_are_circles():
    from qgis.core import QgsExpressionContext, QgsExpressionContextScope, QgsSymbolLayer

    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer(
        "Point?crs=EPSG:4547&field=kind:string&field=heading_deg:double&field=fov_deg:double",
        [("POINT(0 0)", {"kind": "public1", "heading_deg": 90.0, "fov_deg": 60.0}),
         ("POINT(0 0)", {"kind": "public1", "heading_deg": None, "fov_deg": None}),
         ("POINT(0 0)", {"kind": "public1", "heading_deg": 30.0, "fov_deg": 360.0})])
    assert apply_style(layer, "cameras")
    renderer = layer.renderer()
    categories = renderer.categories()  # copies: keep them alive while using their symbols
    assert renderer.type() == "categorizedSymbol" and len(categories) == 5
    symbol = categories[0].symbol()
    cone, ring = symbol.symbolLayer(0), symbol.symbolLayer(1)
    assert "heading_deg" in cone.dataDefinedProperties().property(
        QgsSymbolLayer.Property.PropertyAngle).expressionString()
    drawn = []
    for feature in layer.getFeatures():
        context = QgsExpressionContext()
        scope = QgsExpressionContextScope()
        scope.setFeature(feature)
        scope.setFields(layer.fields())
        context.appendScope(scope)
        enabled = [layer_.dataDefinedProperties().property(
            QgsSymbolLayer.Property.PropertyLayerEnabled).valueAsBool(context, True)[0]
            for layer_ in (cone, ring)]
        drawn.append(enabled)
    assert drawn == [[True, False], [False, True], [False, True]]
    angle = cone.dataDefinedProperties().property(QgsSymbolLayer.Property.PropertyAngle)
    context = QgsExpressionContext()
    scope = QgsExpressionContextScope()
    scope.setFeature(next(layer.getFeatures()))
    scope.setFields(layer.fields())
    context.appendScope(scope)
    assert angle.valueAsDouble(context, 0)[0] == 90.0


def test_styles_keep_the_users_own_camera_style():
    from lever_grid.qgis_plugin.gui.styling import style_cameras

    layer = memory_layer("Point?crs=EPSG:4547&field=kind:string&field=heading_deg:double", [])
    before = layer.renderer().type()
    assert style_cameras(layer)
    manager = layer.styleManager()
    assert manager.currentStyle() == "Lever Grid"
    assert len(manager.styles()) == 2
    manager.setCurrentStyle([s for s in manager.styles() if s != "Lever Grid"][0])
    assert layer.renderer().type() == before


def test_legends_are_translated(zh_translator):  # noqa: F811 - fixture
    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer("Polygon?crs=EPSG:4547&field=kind:string", [])
    apply_style(layer, "camera_views")
    labels = {c.value(): c.label() for c in layer.renderer().categories()}
    assert labels["public1"] == "一类视频" and labels["enterprise"] == "企业视频"
    cells = memory_layer("Polygon?crs=EPSG:4547&field=change_pct:double", [])
    apply_style(cells, "cell_stats")
    assert cells.renderer().ranges()[0].label() == "无基数（上期为 0）"


def test_hotspots_red_when_hot_blue_when_cold_and_translated(zh_translator):  # noqa: F811
    from qgis.core import QgsRectangle

    from lever_grid.qgis_plugin.gui.styling import apply_style

    squares = [(f"POLYGON(({x} 0,{x + 100} 0,{x + 100} 100,{x} 100,{x} 0))", {"class": c})
               for x, c in ((0, "hot_99"), (100, "none"), (200, "cold_99"))]
    layer = memory_layer("Polygon?crs=EPSG:4547&field=class:string", squares)
    assert apply_style(layer, "hotspots")
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol" and renderer.classAttribute() == "class"
    assert [c.value() for c in renderer.categories()] == [
        "hot_99", "hot_95", "hot_90", "none", "cold_90", "cold_95", "cold_99"]
    assert renderer.categories()[0].label() == "热点（99 %）"
    image, settings = render(layer, QgsRectangle(0, 0, 300, 100))
    hot, none, cold = (colour_at(image, settings, x + 50, 50) for x in (0, 100, 200))
    assert hot.red() > hot.blue() + 80, hot.name()
    assert cold.blue() > cold.red() + 60, cold.name()
    assert none.red() == none.green() == none.blue() == 255  # not significant: no fill


def test_sites_labelled_by_rank_and_patrol_shows_direction():
    from lever_grid.qgis_plugin.gui.styling import apply_style

    sites = memory_layer("Point?crs=EPSG:4547&field=rank:integer", [])
    assert apply_style(sites, "sites")
    assert sites.labelsEnabled() and sites.labeling().settings().fieldName == "rank"
    patrol = memory_layer("LineString?crs=EPSG:4547&field=seq:integer", [])
    assert apply_style(patrol, "patrol")
    symbol = patrol.renderer().symbol()
    kinds = [symbol.symbolLayer(i).layerType() for i in range(symbol.symbolLayerCount())]
    assert kinds == ["SimpleLine", "MarkerLine"]


def test_watch_points_green_when_seen_red_when_not_and_translated(zh_translator):  # noqa: F811
    from qgis.core import QgsRectangle

    from lever_grid.qgis_plugin.gui.styling import apply_style

    layer = memory_layer("Point?crs=EPSG:4547&field=seen:boolean&field=n_cameras:integer",
                         [("POINT(50 50)", {"seen": True, "n_cameras": 2}),
                          ("POINT(150 50)", {"seen": False, "n_cameras": 0})])
    assert apply_style(layer, "watch_points")
    renderer = layer.renderer()
    assert renderer.type() == "categorizedSymbol"
    labels = {c.value(): c.label() for c in renderer.categories()}
    assert labels == {"seen": "有摄像头看到", "unseen": "无摄像头看到"}
    image, settings = render(layer, QgsRectangle(0, 0, 200, 100), size=(200, 100))
    seen, unseen = colour_at(image, settings, 50, 50), colour_at(image, settings, 150, 50)
    assert seen.green() > 120 and seen.red() < 60, seen.name()
    assert unseen.red() > 180 and unseen.green() < 60, unseen.name()
