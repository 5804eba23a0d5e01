"""The bad-input corpus (issue 8): every broken input, and what must happen to it.

Each :class:`Case` names its files in ``tests/data/bad`` (made by ``make_corpus.py``), the
CLI command it runs and the Processing algorithm it runs through, and one outcome:

- ``error``: exit 2 (``QgsProcessingException`` in Processing) with exactly one line, which
  contains every string in ``says`` (file, layer, feature and field where they apply);
- ``repair``: exit 0, and the log has a line containing ``says`` (what was repaired);
- ``ok``: exit 0, a documented success; ``says`` (if any) must appear in the log and the
  ``check`` (a function below) must hold on the output.

In every case: no traceback, no input file changed (sha256 before and after), and after an
error no output file and no temporary ``.part`` file. ``{dir}`` in inputs and expected
strings stands for the corpus folder. A case the code does not yet handle carries
``known=Known(reason)``, which becomes ``xfail(strict=True)`` naming the file to fix;
``strict=False`` is for commands still being written. Processing uses the same files;
``qgis_*`` fields say where QGIS differs (QGIS itself refuses files it cannot open, and the
CLI-only options such as ``--assume-crs`` have no Processing counterpart: ``qgis=False``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyogrio

CORPUS = Path(__file__).resolve().parent / "data" / "bad"

#: CLI command -> Processing algorithm.
ALGORITHMS = {"analyse": "levergrid:analyse", "incidents": "levergrid:incidentstats",
              "cells": "levergrid:buildcells", "validate": "levergrid:validatecells",
              "export": "levergrid:exportbriefing", "map": "levergrid:exportbriefing"}
#: CLI options naming the output (OUTPUT in Processing).
OUTPUT_OPTIONS = ("--out", "--geojson", "--png")
#: CLI options that name an input layer; the Processing key is the upper-case name.
INPUT_OPTIONS = ("cells", "cameras", "buildings", "roads", "incidents", "boundary", "locked")
#: CLI options with a Processing parameter: (key, type).
OPTION_PARAMS = {"--period": ("PERIOD", str), "--compare": ("COMPARE", str),
                 "--min-blind-area": ("MIN_BLIND_AREA", float), "--count": ("COUNT", int),
                 "--utc-offset": ("UTC_OFFSET", str)}
#: Commands writing one GeoPackage given with --out.
WRITES_OUT = ("analyse", "incidents", "cells", "validate")

GOOD = "good.gpkg"
G_CELLS, G_CAMERAS = f"{GOOD}|layername=cells", f"{GOOD}|layername=cameras"
G_ROADS, G_INCIDENTS = f"{GOOD}|layername=roads", f"{GOOD}|layername=incidents"


@dataclass(frozen=True)
class Known:
    """A known failure: the file to fix and how. ``strict=False``: work in progress."""

    reason: str
    strict: bool = True


@dataclass(frozen=True)
class Case:
    id: str
    what: str
    command: str
    inputs: dict[str, str]
    expect: str
    says: tuple[str, ...] = ()
    options: tuple[str, ...] = ()
    out: str = "out.gpkg"
    check: str | None = None
    qgis: bool = True
    qgis_why_not: str = ""
    qgis_inputs: dict[str, str] = field(default_factory=dict)
    qgis_params: dict[str, object] = field(default_factory=dict)
    qgis_expect: str | None = None
    qgis_says: tuple[str, ...] | None = None
    known: Known | None = None
    qgis_known: Known | None = None

    # ------------------------------------------------------------------ CLI

    def cli_args(self, corpus: Path, out: Path) -> list[str]:
        """Arguments after ``lever-grid``."""
        args = [self.command]
        if "gpkg" in self.inputs:
            args.append(_resolve(self.inputs["gpkg"], corpus))
        for role in INPUT_OPTIONS:
            if role in self.inputs:
                args += [f"--{role}", _resolve(self.inputs[role], corpus)]
        args += [_fill(o, corpus, out) for o in self.options]
        if self.command in WRITES_OUT and "--out" not in self.options:
            args += ["--out", str(out)]
        return args

    def output(self, run_dir: Path, corpus: Path) -> Path:
        return Path(_fill(self.out, corpus, run_dir)) if "{" in self.out else run_dir / self.out

    def substrings(self, corpus: Path, qgis: bool = False) -> list[str]:
        says = self.qgis_says if qgis and self.qgis_says is not None else self.says
        return [_fill(s, corpus, None) for s in says]

    def outcome(self, qgis: bool = False) -> str:
        return self.qgis_expect if qgis and self.qgis_expect else self.expect

    def files(self, corpus: Path) -> list[Path]:
        """Every corpus file this case reads (the whole folder, to be safe)."""
        return sorted(p for p in corpus.rglob("*") if p.is_file())

    # ------------------------------------------------------------------ Processing

    @property
    def algorithm(self) -> str | None:
        return ALGORITHMS.get(self.command)

    def params(self, corpus: Path, out: Path) -> dict[str, object]:
        """Processing parameters; ``delimitedtext:`` values are made layers by the test."""
        params: dict[str, object] = {}
        for role, value in {**self.inputs, **self.qgis_inputs}.items():
            params["INPUT" if role == "gpkg" else role.upper()] = _resolve(value, corpus)
        options = list(self.options)
        while options:
            opt = options.pop(0)
            if opt in OUTPUT_OPTIONS:
                options.pop(0)
                continue
            key, kind = OPTION_PARAMS[opt]
            params[key] = kind(_fill(options.pop(0), corpus, out))
        params.update({k: _fill(v, corpus, out) if isinstance(v, str) else v
                       for k, v in self.qgis_params.items()})
        params.setdefault("OUTPUT", str(out))
        return params


def _resolve(value: str, corpus: Path) -> str:
    if value.startswith("delimitedtext:") or value.startswith("/"):
        return value.replace("{dir}", str(corpus))
    return str(corpus / value)


def _fill(text: str, corpus: Path, out: Path | None) -> str:
    text = text.replace("{dir}", str(corpus))
    return text.replace("{out}", str(out)) if out is not None else text


def _where(file: str, layer: str | None = None, feature: int | None = None,
           field_: str | None = None) -> tuple[str, ...]:
    """The location parts an error line must name."""
    parts = [f"file {{dir}}/{file}"]
    if layer is not None:
        parts.append(f"layer {layer}")
    if feature is not None:
        parts.append(f"feature {feature}")
    if field_ is not None:
        parts.append(f"field {field_}")
    return tuple(parts)


def _unloadable(key: str, file: str) -> tuple[str, ...]:
    """What QGIS says about a source it cannot open (before our code runs)."""
    return (f"Could not load source layer for {key}", file)


def analyse(cells: str = G_CELLS, cameras: str = G_CAMERAS, **more: str) -> dict[str, str]:
    return {"cells": cells, "cameras": cameras, **more}


# ---------------------------------------------------------------------------- the corpus

CASES: tuple[Case, ...] = (
    # ---------------------------------------------------------------- cells
    Case("cells_bowtie", "a self-intersecting (bow-tie) cell", "analyse",
         analyse("cells_bad.gpkg|layername=bowtie"), "repair",
         ("cells: repaired 1 invalid polygon(s) with make_valid (first: feature 2",)),
    Case("cells_null_geometry", "a cell without geometry (NULL)", "analyse",
         analyse("cells_bad.gpkg|layername=null_geom"), "repair",
         ("cells: 1 feature(s) without geometry left out (first: feature 4)",)),
    Case("cells_empty_geometry", "a cell with an empty polygon", "analyse",
         analyse("cells_bad.gpkg|layername=empty_geom"), "repair",
         ("cells: 1 feature(s) without geometry left out (first: feature 3)",)),
    Case("cells_all_null", "no cell has a geometry", "analyse",
         analyse("cells_bad.gpkg|layername=all_null"), "error",
         (*_where("cells_bad.gpkg", "all_null"), "no cell has a geometry")),
    Case("cells_no_features", "an empty cells layer", "analyse",
         analyse("cells_bad.gpkg|layername=no_features"), "error",
         (*_where("cells_bad.gpkg", "no_features"), "the cells layer has no features")),
    Case("cells_degrees_under_metric_crs", "lon/lat numbers in a layer labelled EPSG:4547",
         "analyse", analyse("cells_bad.gpkg|layername=degrees"), "error",
         (*_where("cells_bad.gpkg", "degrees", None, "geometry"),
          "coordinates look like degrees")),
    Case("cells_z_m", "cells with Z and M values (PolygonZM)", "analyse",
         analyse("cells_bad.gpkg|layername=zm"), "ok", check="two_d_same_as_good"),
    Case("cells_duplicate_id", "two cells with cell_id 2", "analyse",
         analyse("cells_bad.gpkg|layername=dup_id"), "error",
         (*_where("cells_bad.gpkg", "dup_id", 3, "cell_id"), "duplicate cell_id")),
    Case("cells_empty_id", "a cell whose cell_id is empty text", "analyse",
         analyse("cells_bad.gpkg|layername=empty_id"), "error",
         (*_where("cells_bad.gpkg", "empty_id", 3, "cell_id"), "cell_id is empty")),
    Case("cells_missing_id_field", "cells with 'id' instead of cell_id", "analyse",
         analyse("cells_bad.gpkg|layername=no_id_field"), "error",
         (*_where("cells_bad.gpkg", "no_id_field", None, "cell_id"),
          "required field is missing")),
    Case("cells_overlapping", "cell 2 overlaps cell 1 by 20 m: the analysis still runs",
         "analyse", analyse("cells_bad.gpkg|layername=overlapping"), "ok", check="four_stats"),
    Case("cells_gapped", "a 20 m hole between cells 2, 3, 4: the analysis still runs", "analyse",
         analyse("cells_bad.gpkg|layername=gapped"), "ok", check="four_stats"),
    Case("cells_points", "points where cells must be polygons", "analyse",
         analyse("cells_bad.gpkg|layername=points"), "error",
         (*_where("cells_bad.gpkg", "points", 1, "geometry"),
          "Point geometry where cells must be Polygon or MultiPolygon")),
    Case("cells_huge_coordinate", "a cell vertex at x = 1e20", "analyse",
         analyse("cells_bad.gpkg|layername=huge_coord"), "error",
         (*_where("cells_bad.gpkg", "huge_coord", 3, "geometry"), "1e+20")),
    Case("cells_file_with_several_layers", "a GeoPackage of many layers, none named cells",
         "analyse", analyse("cells_bad.gpkg"), "error",
         (*_where("cells_bad.gpkg"), "several layers", "layername=NAME")),
    Case("cells_layer_missing", "a layer name that does not exist", "analyse",
         analyse(f"{GOOD}|layername=grid"), "error",
         (*_where(GOOD, "grid"), "no such layer"),
         qgis_says=_unloadable("CELLS", f"{GOOD}|layername=grid")),
    Case("cells_no_prj", "a shapefile without .prj (no CRS)", "analyse",
         analyse("cells_no_prj.shp"), "error",
         (*_where("cells_no_prj.shp", "cells_no_prj"), "no CRS", "--assume-crs"),
         qgis_says=(*_where("cells_no_prj.shp", "cells_no_prj"), "no CRS",
                    "set its CRS in QGIS")),
    Case("cells_no_prj_assume_crs", "the same with --assume-crs EPSG:4547", "analyse",
         analyse("cells_no_prj.shp"), "ok", options=("--assume-crs", "EPSG:4547"),
         check="same_as_good", qgis=False,
         qgis_why_not="--assume-crs is a CLI option; in QGIS one sets the layer's CRS"),
    Case("cells_gbk_without_cpg", "a GBK shapefile without .cpg (Chinese cell names)",
         "analyse", analyse("cells_gbk.shp"), "ok", check="chinese_names"),
    # ---------------------------------------------------------------- cameras
    Case("cameras_duplicate_id", "two cameras with camera_id c2", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=dup_id"), "error",
         (*_where("cameras_bad.gpkg", "dup_id", 4, "camera_id"), "duplicate camera_id 'c2'")),
    Case("cameras_empty_id", "a camera without camera_id", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=empty_id"), "error",
         (*_where("cameras_bad.gpkg", "empty_id", 3, "camera_id"), "camera_id is empty")),
    Case("cameras_range_text", "range_m stored as text, one value 'abc'", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=range_text"), "error",
         (*_where("cameras_bad.gpkg", "range_text", 5, "range_m"), "'abc' is not a number")),
    Case("cameras_range_negative", "range_m = -50", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=range_negative"), "error",
         (*_where("cameras_bad.gpkg", "range_negative", 2, "range_m"), "range_m must be > 0")),
    Case("cameras_range_absurd", "range_m = 1,000,000 m", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=range_absurd"), "error",
         (*_where("cameras_bad.gpkg", "range_absurd", 6, "range_m"), "beyond 5000 m")),
    Case("cameras_heading_out_of_range", "heading_deg = 400", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=heading_bad"), "error",
         (*_where("cameras_bad.gpkg", "heading_bad", 2, "heading_deg"), "0-360")),
    Case("cameras_fov_zero", "fov_deg = 0", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=fov_bad"), "error",
         (*_where("cameras_bad.gpkg", "fov_bad", 2, "fov_deg"), "fov_deg must be > 0")),
    Case("cameras_unknown_kind", "kind 'tank'", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=unknown_kind"), "error",
         (*_where("cameras_bad.gpkg", "unknown_kind", 5, "kind"), "unknown camera kind 'tank'")),
    Case("cameras_unknown_status", "status 'broken'", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=unknown_status"), "error",
         (*_where("cameras_bad.gpkg", "unknown_status", 3, "status"),
          "unknown status 'broken'")),
    Case("cameras_multipoint", "a MultiPoint camera in a mixed-geometry layer", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=multipoint"), "error",
         (*_where("cameras_bad.gpkg", "multipoint", 3, "geometry"), "MultiPoint")),
    Case("cameras_null_geometry", "a camera without geometry", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=null_geom"), "error",
         (*_where("cameras_bad.gpkg", "null_geom", 5), "has no geometry")),
    Case("cameras_other_crs", "cameras in EPSG:4326, cells in EPSG:4547: reprojected", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=wgs84"), "ok", check="same_as_good"),
    Case("cameras_z_m", "cameras with Z and M values (PointZM)", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=zm"), "ok", check="two_d_same_as_good"),
    Case("cameras_outside_cells", "a camera 60 m outside every cell: works, reported",
         "analyse", analyse(cameras="cameras_bad.gpkg|layername=outside"), "ok",
         ("outside every cell",), check="four_stats"),
    Case("cameras_none", "an empty cameras layer: every cell blind, exit 0", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=no_features"), "ok",
         ("every cell is blind",), check="all_blind"),
    Case("cameras_huge_coordinate", "a camera at x = 1e20", "analyse",
         analyse(cameras="cameras_bad.gpkg|layername=huge_coord"), "error",
         (*_where("cameras_bad.gpkg", "huge_coord", 4, "geometry"), "1e+20")),
    Case("cameras_geojson_in_metres", "GeoJSON holding EPSG:4547 metres (GeoJSON is WGS84)",
         "analyse", analyse(cameras="cameras_metres.geojson"), "error",
         (*_where("cameras_metres.geojson", "cameras_metres", 0, "geometry"),
          "outside longitude/latitude ranges")),
    Case("cameras_gbk_without_cpg", "a GBK shapefile without .cpg, kinds in Chinese", "analyse",
         analyse(cameras="cameras_gbk.shp"), "ok", check="gbk_kinds"),
    # ---------------------------------------------------------------- buildings
    Case("buildings_bowtie", "a self-intersecting building footprint", "analyse",
         analyse(buildings="buildings_bad.gpkg|layername=bowtie"), "repair",
         ("buildings: repaired 1 invalid polygon(s) with make_valid (first: feature 1",)),
    Case("buildings_null_geometry", "a building without geometry", "analyse",
         analyse(buildings="buildings_bad.gpkg|layername=null_geom"), "repair",
         ("buildings: 1 feature(s) without geometry left out (first: feature 3)",)),
    Case("buildings_lines", "building outlines as lines", "analyse",
         analyse(buildings="buildings_bad.gpkg|layername=lines"), "error",
         (*_where("buildings_bad.gpkg", "lines", 1, "geometry"),
          "LineString geometry where buildings must be Polygon")),
    # ---------------------------------------------------------------- roads
    Case("roads_dangling_duplicated_analyse", "a duplicated road, a dead end and a road "
         "leaving the village (analyse --roads)", "analyse",
         analyse(roads="roads_bad.gpkg|layername=dangling_duplicated"), "ok",
         check="four_stats"),
    Case("roads_dangling_duplicated_cells", "the same roads make 4 cells, repairs logged",
         "cells", {"roads": "roads_bad.gpkg|layername=dangling_duplicated"}, "repair",
         ("1 duplicate(s) merged",), options=("--count", "4"), check="four_cells"),
    Case("roads_single", "a single road: one face (the outline round it), N = 2 too many",
         "cells", {"roads": "roads_bad.gpkg|layername=single"}, "error",
         (*_where("roads_bad.gpkg", "single"), "N = 2 but the roads enclose only 1 faces"),
         options=("--count", "2")),
    Case("roads_as_polygons", "road polygons where centrelines are needed", "cells",
         {"roads": "roads_bad.gpkg|layername=polygons"}, "error",
         (*_where("roads_bad.gpkg", "polygons", 1, "geometry"), "Polygon geometry"),
         options=("--count", "2")),
    Case("roads_no_features", "an empty roads layer", "cells",
         {"roads": "roads_bad.gpkg|layername=no_features"}, "error",
         (*_where("roads_bad.gpkg", "no_features"), "no line features"),
         options=("--count", "2")),
    Case("roads_count_too_large", "N = 9 cells from roads enclosing 4 faces", "cells",
         {"roads": G_ROADS}, "error", (*_where(GOOD, "roads"), "N = 9", "4 faces"),
         options=("--count", "9")),
    Case("validate_overlapping", "validate reports overlapping cells", "validate",
         {"cells": "cells_bad.gpkg|layername=overlapping", "roads": G_ROADS}, "ok",
         ("overlap: 1",), check="problems"),
    Case("validate_gapped", "validate reports a hole between cells", "validate",
         {"cells": "cells_bad.gpkg|layername=gapped", "roads": G_ROADS}, "ok",
         ("gap: 1",), check="problems"),
    Case("validate_gap_at_edge", "validate reports a 10 m strip the cells leave uncovered "
         "along the road network's outer edge", "validate",
         {"cells": "cells_bad.gpkg|layername=notched", "roads": G_ROADS}, "ok",
         ("gap: 1",), check="problems"),
    Case("validate_duplicate_id", "validate reports a duplicate cell_id", "validate",
         {"cells": "cells_bad.gpkg|layername=dup_id"}, "ok", ("duplicate_id: 1",),
         check="problems"),
    Case("validate_bowtie", "validate reports a self-intersecting cell", "validate",
         {"cells": "cells_bad.gpkg|layername=bowtie"}, "ok", ("invalid_geometry: 1",),
         check="problems"),
    Case("cells_count_zero", "--count 0", "cells", {"roads": G_ROADS}, "error",
         ("number of cells must be at least 1",), options=("--count", "0"),
         qgis_says=("COUNT",)),
    # ---------------------------------------------------------------- incidents
    Case("incidents_bad_dates", "two unparsable dates ('yesterday', '31/02/2025')",
         "incidents", {"cells": G_CELLS, "incidents": "incidents_bad.gpkg|layername=bad_dates"},
         "repair", ("2 of 24 features left out: unusable dates in occurred_at",)),
    Case("incidents_all_bad_dates", "no parsable date at all", "incidents",
         {"cells": G_CELLS, "incidents": "incidents_bad.gpkg|layername=all_bad_dates"}, "error",
         (*_where("incidents_bad.gpkg", "all_bad_dates", None, "occurred_at"),
          "no usable date")),
    Case("incidents_outside_cells", "two incidents outside every cell: works, reported",
         "analyse", analyse(incidents="incidents_bad.gpkg|layername=outside"), "ok",
         ("2 incidents lie outside every cell",), check="four_stats"),
    Case("incidents_none", "an empty incidents layer", "incidents",
         {"cells": G_CELLS, "incidents": "incidents_bad.gpkg|layername=no_features"}, "error",
         (*_where("incidents_bad.gpkg", "no_features"), "has no features")),
    Case("incidents_no_date_field", "no occurred_at column", "incidents",
         {"cells": G_CELLS, "incidents": "incidents_bad.gpkg|layername=no_date_field"},
         "error", (*_where("incidents_bad.gpkg", "no_date_field", None, "occurred_at"),
                   "no occurred_at column")),
    Case("incidents_csv_lonlat_swapped", "a CSV whose lon column holds latitudes", "incidents",
         {"cells": G_CELLS, "incidents": "incidents_swapped.csv"}, "error",
         (*_where("incidents_swapped.csv", "incidents_swapped", None, "lon/lat"),
          "look swapped"),
         qgis_inputs={"incidents": "delimitedtext:incidents_swapped.csv"},
         qgis_says=("incidents_swapped", "outside longitude/latitude ranges", "look swapped")),
    Case("incidents_csv_text_coordinates", "two CSV rows with 'abc' as longitude",
         "incidents", {"cells": G_CELLS, "incidents": "incidents_text_coords.csv"}, "repair",
         ("2 of 24 rows left out: unusable coordinates in lon/lat",),
         qgis_inputs={"incidents": "delimitedtext:incidents_text_coords.csv"},
         qgis_expect="ok", qgis_says=()),
    Case("incidents_xlsx_empty_sheet", "an XLSX workbook whose incidents sheet is empty",
         "incidents", {"cells": G_CELLS, "incidents": "incidents_empty_sheet.xlsx"}, "error",
         (*_where("incidents_empty_sheet.xlsx", "incidents"), "the sheet is empty"),
         qgis_inputs={"incidents": "incidents_empty_sheet.xlsx|layername=incidents"},
         qgis_says=(*_where("incidents_empty_sheet.xlsx", "incidents"), "has no geometry")),
    # ---------------------------------------------------------------- files
    Case("file_png_as_gpkg", "a PNG picture renamed .gpkg", "analyse",
         analyse("not_geodata.gpkg"), "error",
         (*_where("not_geodata.gpkg"), "not a readable geodata file"),
         qgis_says=_unloadable("CELLS", "not_geodata.gpkg")),
    Case("file_text_as_shp", "a text note renamed .shp", "analyse",
         analyse(cameras="not_geodata.shp"), "error",
         (*_where("not_geodata.shp"), "not a readable geodata file"),
         qgis_says=_unloadable("CAMERAS", "not_geodata.shp")),
    Case("file_truncated_gpkg", "a GeoPackage cut in half", "analyse",
         analyse("truncated.gpkg"), "error",
         (*_where("truncated.gpkg"), "not a readable geodata file"),
         qgis_says=_unloadable("CELLS", "truncated.gpkg")),
    Case("file_empty", "a 0-byte .gpkg", "analyse", analyse(cameras="empty.gpkg"), "error",
         (*_where("empty.gpkg"), "the file is empty"),
         qgis_says=_unloadable("CAMERAS", "empty.gpkg")),
    Case("file_directory", "a folder given as the cells file", "analyse",
         analyse("a_directory"), "error", (*_where("a_directory"), "folder"),
         qgis_says=_unloadable("CELLS", "a_directory")),
    Case("file_not_found", "a cameras file that does not exist", "analyse",
         analyse(cameras="missing.gpkg"), "error", (*_where("missing.gpkg"), "file not found"),
         qgis_says=_unloadable("CAMERAS", "missing.gpkg")),
    # ---------------------------------------------------------------- outputs and options
    Case("out_is_directory", "--out names an existing folder", "analyse", analyse(), "error",
         (*_where("a_directory"), "folder"), out="{dir}/a_directory"),
    Case("out_is_input", "--out is the GeoPackage the cells come from", "analyse",
         analyse(), "error", (*_where(GOOD), "overwrite the --cells input"),
         out="{dir}/good.gpkg",
         qgis_says=("OUTPUT", "overwrite", "input")),
    Case("assume_crs_unknown", "--assume-crs EPSG:999999", "analyse",
         analyse("cells_no_prj.shp"), "error",
         (*_where("cells_no_prj.shp", "cells_no_prj"), "EPSG:999999", "not a known CRS"),
         options=("--assume-crs", "EPSG:999999"), qgis=False,
         qgis_why_not="--assume-crs is a CLI option"),
    Case("assume_crs_local_mixed", "a local site plan mixed with layers that have a CRS",
         "analyse", analyse("cells_no_prj.shp"), "error",
         (*_where(GOOD, "cameras"), "mixes a local site plan"),
         options=("--assume-crs", "local"), qgis=False,
         qgis_why_not="--assume-crs is a CLI option"),
    Case("period_unparsable", "--period 2025-13-01/2025-05-31", "analyse",
         analyse(incidents=G_INCIDENTS), "error", ("--period", "2025-13-01"),
         options=("--period", "2025-13-01/2025-05-31"), qgis_says=("PERIOD", "2025-13-01")),
    Case("min_blind_area_negative", "--min-blind-area -5", "analyse", analyse(), "error",
         ("--min-blind-area must be >= 0",), options=("--min-blind-area", "-5"),
         qgis_says=("MIN_BLIND_AREA",)),
    Case("kinds_unknown", "--kinds public1,tank", "analyse", analyse(), "error",
         ("unknown camera kind 'tank' in --kinds",), options=("--kinds", "public1,tank"),
         qgis=False, qgis_why_not="KINDS is a list of choices in Processing"),
    Case("export_truncated_gpkg", "export from a truncated GeoPackage", "export",
         {"gpkg": "truncated.gpkg"}, "error",
         (*_where("truncated.gpkg"), "not a readable GeoPackage"),
         options=("--geojson", "{out}"), out="geojson"),
    Case("office_column_missing", "--office-column names a column the cells lack", "validate",
         {"cells": G_CELLS}, "error",
         (*_where(GOOD, "cells", None, "nope"), "no column 'nope' (given for police_office)"),
         options=("--office-column", "nope"), qgis=False,
         qgis_why_not="OFFICE_COLUMN offers only the layer's own fields"),
    Case("date_column_missing", "--date-column names a column the incidents lack",
         "incidents", {"cells": G_CELLS, "incidents": G_INCIDENTS}, "error",
         (*_where(GOOD, "incidents", None, "died"), "--date-column 'died': no such column"),
         options=("--date-column", "died"), qgis=False,
         qgis_why_not="DATE_COLUMN offers only the layer's own fields"),
    Case("utc_offset_unparsable", "--utc-offset +25:00", "incidents",
         {"cells": G_CELLS, "incidents": G_INCIDENTS}, "error",
         ("--utc-offset '+25:00' is not a UTC offset",), options=("--utc-offset", "+25:00")),
    Case("export_points_with_min_count", "export --incidents points --min-count 3", "export",
         {"gpkg": GOOD}, "error", ("--incidents points cannot be combined with --min-count",),
         options=("--geojson", "{out}", "--incidents", "points", "--min-count", "3"),
         out="geojson", qgis=False,
         qgis_why_not="tests/qgis/test_exportbriefing_alg.py checks the same refusal"),
    Case("map_not_geodata", "a briefing map from a PNG renamed .gpkg", "map",
         {"gpkg": "not_geodata.gpkg"}, "error",
         (*_where("not_geodata.gpkg"), "not a readable GeoPackage"),
         options=("--png", "{out}"), out="map.png"),
)

BY_ID = {case.id: case for case in CASES}
assert len(BY_ID) == len(CASES), "duplicate case ids"


def qgis_cases() -> list[Case]:
    """The cases that also run through Processing."""
    return [case for case in CASES if case.qgis and case.algorithm is not None]


# ---------------------------------------------------------------------------- output checks


@functools.lru_cache(maxsize=4)
def good_stats(corpus: str) -> dict[str, np.ndarray]:
    """cell_stats of the good village (cells + cameras) computed in process, by cell_id."""
    from lever_grid.core.inputs.layers import POINTS, POLYGONS, read_layer
    from lever_grid.core.pipeline import analyse as run

    cells = read_layer(f"{corpus}/{G_CELLS}", "cells", geometry=POLYGONS)
    cams = read_layer(f"{corpus}/{G_CAMERAS}", "cameras", geometry=POINTS)
    stats = run(cells, cams)["cell_stats"].sort_values("cell_id")
    return {c: stats[c].to_numpy() for c in ("cell_id", "watch_m2", "covered_m2", "blind_m2")}


def _read(out: Path, layer: str):
    return pyogrio.read_dataframe(out, layer=layer)


def check_four_stats(out: Path, corpus: Path) -> None:
    stats = _read(out, "cell_stats")
    assert sorted(stats["cell_id"]) == [1, 2, 3, 4]
    assert (stats["covered_m2"] >= 0).all() and (stats["blind_m2"] >= 0).all()


def check_same_as_good(out: Path, corpus: Path) -> None:
    stats = _read(out, "cell_stats").sort_values("cell_id")
    good = good_stats(str(corpus))
    assert stats["cell_id"].tolist() == good["cell_id"].tolist()
    for col in ("watch_m2", "covered_m2", "blind_m2"):
        np.testing.assert_allclose(stats[col].to_numpy(), good[col], rtol=1e-6, atol=1e-6,
                                   err_msg=col)


def check_two_d_same_as_good(out: Path, corpus: Path) -> None:
    for name, geometry_type in pyogrio.list_layers(out):
        if geometry_type is not None:
            assert " Z" not in geometry_type and " M" not in geometry_type, (name, geometry_type)
        frame = _read(out, name)
        if hasattr(frame, "geometry") and len(frame):
            assert not frame.geometry.has_z.any(), name
    check_same_as_good(out, corpus)


def check_all_blind(out: Path, corpus: Path) -> None:
    stats = _read(out, "cell_stats")
    assert (stats["covered_m2"] == 0).all()
    np.testing.assert_allclose(stats["blind_m2"], stats["watch_m2"], rtol=1e-12)
    assert len(_read(out, "camera_views")) == 0


def check_chinese_names(out: Path, corpus: Path) -> None:
    cells = _read(out, "cells").sort_values("cell_id")
    assert cells["name"].tolist() == ["杨屋一区", "杨屋二区", "新圩三区", "新圩四区"]


def check_gbk_kinds(out: Path, corpus: Path) -> None:
    views = _read(out, "camera_views").sort_values("camera_id")
    assert views["kind"].tolist() == ["public1", "public2", "smart_eye", "social",
                                      "enterprise", "smart_eye"]


def check_four_cells(out: Path, corpus: Path) -> None:
    # the cells tile the outline round the roads: the four 100 m blocks (40,000 m²), the
    # 20 m margin and the dead end and the road leaving the village (docs/cells.md)
    cells = _read(out, "cells")
    assert sorted(cells["cell_id"]) == [1, 2, 3, 4]
    union = cells.geometry.union_all()
    assert abs(cells.geometry.area.sum() - union.area) < 1e-3  # no overlap
    assert union.area > 40000.0
    roads = _read(corpus / "roads_bad.gpkg", "dangling_duplicated")
    assert union.buffer(1e-6).covers(roads.geometry.union_all())  # every road metre


def check_problems(out: Path, corpus: Path) -> None:
    assert len(_read(out, "problems")) > 0


CHECKS: dict[str, Callable[[Path, Path], None]] = {
    "four_stats": check_four_stats,
    "same_as_good": check_same_as_good,
    "two_d_same_as_good": check_two_d_same_as_good,
    "all_blind": check_all_blind,
    "chinese_names": check_chinese_names,
    "gbk_kinds": check_gbk_kinds,
    "four_cells": check_four_cells,
    "problems": check_problems,
}
