"""``levergrid:exportbriefing`` — the briefing that leaves the police station.

From an analysis GeoPackage: a print layout (map, legend, scale bar, north arrow, title,
date) exported to PNG and PDF, GeoJSON (RFC 7946) per layer plus ``briefing.geojson``,
and the summary table (CSV, Markdown, HTML). Incidents leave as counts per cell unless
points are chosen; small counts can be masked.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessing,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingOutputFile,
    QgsProcessingParameterEnum,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFolderDestination,
    QgsProcessingParameterNumber,
    QgsProcessingParameterString,
    QgsProcessingUtils,
    QgsRectangle,
)

from ...core.errors import InputError
from ..convert import raise_processing
from .base import LeverGridAlgorithm

MODES = ("aggregate", "points")
#: File names written into the OUTPUT folder besides the GeoJSON files.
PNG_NAME, PDF_NAME = "briefing_map.png", "briefing_map.pdf"


class ExportBriefingAlgorithm(LeverGridAlgorithm):
    NAME = "exportbriefing"
    LABEL = "Export briefing (map, GeoJSON, summary)"
    HELP = (
        "Makes the briefing from an analysis GeoPackage (the output of 'Analyse camera "
        "coverage and incidents'): a print layout with the map, legend, scale bar, north "
        "arrow, title and date, exported as PNG and PDF; GeoJSON (RFC 7946: WGS84, "
        "7 decimals, about 1 cm) of every layer plus briefing.geojson; and a summary table "
        "(CSV, Markdown, HTML) ranking the cells by incidents in blind spots, blind area, "
        "coverage and change. Incidents leave only as counts per cell unless 'points' is "
        "chosen; points then carry only incident_id, date and category."
    )

    def flags(self):
        # print layouts, fonts and rendering belong to the main thread
        return super().flags() | QgsProcessingAlgorithm.Flag.FlagNoThreading

    def initAlgorithm(self, config=None):
        p = self.add_param
        p(QgsProcessingParameterFile("INPUT", self.tr("Analysis GeoPackage"),
                                     extension="gpkg"),
          "The GeoPackage written by the analyse algorithm (layers cells, camera_views, "
          "overlap, blind_spots, cell_stats, office_stats; cameras and roads if present).")
        p(QgsProcessingParameterEnum("INCIDENTS", self.tr("Incidents leave as"),
                                     options=list(MODES), defaultValue=0),
          "aggregate: only counts per cell (default, privacy by default). points: one point "
          "per incident with incident_id, date (no time) and category, nothing else.")
        param = QgsProcessingParameterFeatureSource(
            "SOURCE_INCIDENTS", self.tr("Incident points (for 'points')"),
            [QgsProcessing.SourceType.TypeVectorPoint], optional=True)
        p(param, "Only used with 'points'. Default: the incidents layer of the analysis "
          "GeoPackage, if it has one.", advanced=True)
        self.add_incident_column_params("SOURCE_INCIDENTS")
        p(QgsProcessingParameterNumber("MIN_COUNT", self.tr("Mask counts below"),
                                       QgsProcessingParameterNumber.Type.Integer, defaultValue=0,
                                       minValue=0),
          "Incident counts below this number are left empty (null) with incidents_masked "
          "true, in the GeoJSON, the summary and the map labels, together with the figures "
          "they could be worked out from (an office total, a cell's incidents in blind "
          "spots). 0 masks nothing; 'points' cannot be combined with masking.")
        param = QgsProcessingParameterString("TITLE", self.tr("Title"), optional=True)
        p(param, "Title of the map page (default: a bilingual coverage title).", advanced=True)
        p(QgsProcessingParameterFolderDestination("OUTPUT", self.tr("Output folder")),
          "Receives briefing_map.png, briefing_map.pdf, <layer>.geojson, incidents.geojson, "
          "briefing.geojson, summary.csv, summary.md and summary.html.")
        for key, label in (("PNG", self.tr("Map (PNG)")), ("PDF", self.tr("Map (PDF)")),
                           ("GEOJSON", self.tr("Combined GeoJSON")),
                           ("SUMMARY", self.tr("Summary (HTML)")),
                           ("SUMMARY_CSV", self.tr("Summary (CSV)"))):
            self.addOutput(QgsProcessingOutputFile(key, label))

    def processAlgorithm(self, parameters, context, feedback):
        from ...core.briefing.geojson import check_export, export_briefing
        from ...core.inputs.incidents import normalize_incidents, read_incidents

        progress = self.progress(feedback)
        path = self.parameterAsFile(parameters, "INPUT", context)
        mode = MODES[self.parameterAsEnum(parameters, "INCIDENTS", context)]
        min_count = self.parameterAsInt(parameters, "MIN_COUNT", context)
        title = self.parameterAsString(parameters, "TITLE", context).strip() or None
        out = Path(self.parameterAsString(parameters, "OUTPUT", context))
        try:
            check_export(mode, min_count)
        except InputError as err:
            raise_processing(err)
        out.mkdir(parents=True, exist_ok=True)
        try:
            layers = read_analysis(path)
            source = None
            if mode == "points":
                if parameters.get("SOURCE_INCIDENTS"):
                    source = normalize_incidents(
                        self.source_gdf(parameters, "SOURCE_INCIDENTS", context, "incidents"),
                        **self.incident_columns(parameters, context), progress=progress)
                elif "incidents" in layers:
                    source = read_incidents(f"{path}|layername=incidents", progress=progress)
                else:
                    raise InputError("'points' needs incident points: choose a layer for "
                                     "'Incident points' (the GeoPackage has none)", file=path)
            feedback.setProgress(5)
            written = export_briefing(layers, out, incidents=mode, incident_source=source,
                                      min_count=min_count, progress=progress.sub(0.05, 0.5))
        except InputError as err:
            raise_processing(err)
        for f in written:
            feedback.pushInfo(f"wrote {f}")
        if feedback.isCanceled():
            return {}
        png, pdf = out / PNG_NAME, out / PDF_NAME
        self._layout(layers, png, pdf, title, min_count, feedback)
        feedback.setProgress(100)
        return {"OUTPUT": str(out), "PNG": str(png), "PDF": str(pdf),
                "GEOJSON": str(out / "briefing.geojson"), "SUMMARY": str(out / "summary.html"),
                "SUMMARY_CSV": str(out / "summary.csv")}

    def _layout(self, layers, png: Path, pdf: Path, title, min_count: int, feedback) -> None:
        from ...core.briefing.mapping import DEFAULT_TITLE, map_layers
        from ...core.fs import write_layers
        from ..layout import briefing_layout, export_layout, load_map_layers, qt_cjk_font

        lay = map_layers(layers, min_count=min_count)
        tmp_dir = Path(QgsProcessingUtils.tempFolder()) / "lever_grid_briefing"
        tmp_dir.mkdir(parents=True, exist_ok=True)
        gpkg = tmp_dir / f"map_layers_{uuid.uuid4().hex[:12]}.gpkg"
        keep = [c for c in ("cell_id", "label", "change_pct") if c in lay["cells"].columns]
        frames = {"cells": lay["cells"][keep + ["geometry"]]}
        for name, cols in (("blind_spots", ["blind_id"]), ("camera_views", ["kind"]),
                           ("cameras", ["kind", "online"]), ("roads", [])):
            if name in lay:
                frames[name] = lay[name][[c for c in cols if c in lay[name].columns]
                                         + [lay[name].geometry.name]]
        write_layers(gpkg, frames)
        feedback.setProgress(60)
        cjk = qt_cjk_font() is not None
        if not cjk:
            feedback.pushWarning("No CJK font found by Qt: Chinese text may show as boxes "
                                 "(install fonts-noto-cjk).")
        qlayers = load_map_layers(str(gpkg), list(frames), cjk)
        cells = qlayers["cells"]
        crs = cells.crs() if cells.crs().isValid() else QgsCoordinateReferenceSystem()
        extent = QgsRectangle(cells.extent())
        title = title or (DEFAULT_TITLE if cjk else DEFAULT_TITLE.split(" ", 1)[1])
        layout = briefing_layout(qlayers, crs=crs, extent=extent, title=title,
                                 tmp_dir=tmp_dir)
        feedback.setProgress(75)
        try:
            export_layout(layout, png=png, pdf=pdf)
        except RuntimeError as err:
            raise QgsProcessingException(str(err)) from None
        finally:
            del layout, qlayers, cells
            gpkg.unlink(missing_ok=True)
        for f in (png, pdf):
            feedback.pushInfo(f"wrote {f}")


def read_analysis(path: str) -> dict:
    """Every layer of an analysis GeoPackage as (Geo)DataFrames (InputError when unusable)."""
    import pyogrio

    from ...core.inputs.layers import list_layers

    if not Path(path).exists():
        raise InputError("file not found", file=path)
    try:
        names = list_layers(path)
        layers = {n: pyogrio.read_dataframe(path, layer=n) for n in names}
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise InputError(f"not a readable GeoPackage ({exc})", file=path) from None
    if "cell_stats" not in layers and "cells" not in layers:
        raise InputError("not an analysis GeoPackage: no cell_stats or cells layer", file=path)
    return layers
