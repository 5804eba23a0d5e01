"""Command line front end: ``lever-grid`` and ``python -m lever_grid``."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

__all__ = ["main"]

EXIT_OK, EXIT_BAD_INPUT, EXIT_CANCELLED = 0, 2, 130


class ProgressBar:
    """A one-line progress bar on stderr (only when stderr is a terminal)."""

    def __init__(self, enabled: bool | None = None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.last = -1

    def __call__(self, fraction: float) -> None:
        pct = int(fraction * 100)
        if self.enabled and pct != self.last:
            self.last = pct
            bar = "#" * (pct // 4)
            sys.stderr.write(f"\r[{bar:<25}] {pct:3d}%")
            if pct >= 100:
                sys.stderr.write("\n")
            sys.stderr.flush()

    def clear(self) -> None:
        """Wipe a half-drawn bar so the next line starts at the left margin."""
        if self.enabled and 0 <= self.last < 100:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()

    def log(self, message: str) -> None:
        self.clear()
        print(f"lever-grid: {message}", file=sys.stderr)


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lever-grid", description=(
        "Community-policing grid management: grid cells from roads, camera coverage "
        "audit, incident change per cell."))
    sub = p.add_subparsers(dest="command", required=True)

    a = sub.add_parser("analyse", aliases=["analyze"], help="camera coverage, blind spots, "
                       "incident change per cell")
    a.add_argument("--cells", required=True, help="cells layer (path or path|layername=NAME)")
    a.add_argument("--cameras", required=True, help="cameras layer")
    a.add_argument("--incidents", help="incidents layer, CSV or XLSX")
    a.add_argument("--buildings", help="building footprints (occluders)")
    a.add_argument("--roads", help="roads (road length and road coverage)")
    a.add_argument("--walls", help="wall, fence and hedge lines that block views (optional "
                   "height_m); a DXF plan: 'plan.dxf|cadlayer=WALL'")
    a.add_argument("--watch-points", metavar="F", help="named points to check (gates, "
                   "doors): layer watch_points says which cameras see each")
    _incident_options(a)
    a.add_argument("--kinds", help="camera kinds that count, e.g. public1,public2")
    a.add_argument("--watch", choices=("cells", "roads"), default="cells")
    a.add_argument("--min-blind-area", type=float, default=1.0, metavar="M2")
    a.add_argument("--no-overlap", action="store_true", help="leave the overlap layer empty "
                   "(same figures, much faster on city-scale data)")
    _crs_options(a)
    _cell_options(a)
    a.add_argument("--engine", choices=("single", "dask"), default="single",
                   help="single: this process (chunked into --partitions on large data); "
                   "dask: partitions on a Dask cluster (optional extra 'dask')")
    a.add_argument("--partitions", type=int, metavar="N", help="tiles of cells (default: "
                   "one pass for a town on one machine, more above; 2 per Dask worker)")
    a.add_argument("--workers", type=int, metavar="N", help="--engine dask: worker processes "
                   "of the local cluster it starts (default: one per CPU)")
    a.add_argument("--scheduler", metavar="ADDRESS", help="--engine dask: an existing Dask "
                   "scheduler (tcp://host:8786) instead of a local cluster")
    a.add_argument("--out", required=True, help="output GeoPackage")

    c = sub.add_parser("cells", help="build N balanced, compact, contiguous grid cells from roads")
    c.add_argument("--roads", required=True, help="road centrelines")
    c.add_argument("--boundary", help="village outline, tiled exactly by the cells (default: "
                   "derived from the roads, see --margin)")
    c.add_argument("--count", required=True, type=int, metavar="N", help="number of cells")
    c.add_argument("--balance", choices=("road_length", "incidents", "area"),
                   default="road_length", help="what each cell should have about equally")
    c.add_argument("--incidents", help="incidents, for --balance incidents")
    c.add_argument("--locked", help="cells to keep as they are; the rest is partitioned")
    c.add_argument("--snap", type=float, default=3.0, metavar="M",
                   help="snap road ends and close gaps within M metres (default 3)")
    c.add_argument("--margin", type=float, default=20.0, metavar="M",
                   help="without --boundary: the derived outline runs this far outside the "
                   "outer roads (default 20)")
    c.add_argument("--no-node-field", metavar="NAME", help="road field giving grade levels "
                   "(roads on different levels cross without a junction); default: OSM "
                   "bridge/tunnel/layer when present")
    _crs_options(c)
    _cell_options(c, "of the --locked cells")
    _column_options(c)
    c.add_argument("--out", required=True, help="output GeoPackage (layer cells)")

    v = sub.add_parser("validate", help="check hand-drawn cells: overlaps, gaps, slivers, "
                       "cells cutting across roads, duplicate or missing cell_id")
    v.add_argument("--cells", required=True)
    v.add_argument("--roads")
    v.add_argument("--boundary")
    v.add_argument("--repair", action="store_true", help="snap cell edges near roads onto "
                   "them, close gaps and remove overlaps; writes the repaired cells (layer "
                   "cells) and what changed to the problems layer")
    v.add_argument("--tolerance", type=float, default=3.0, metavar="M",
                   help="--repair: cell edges within this distance of a road are snapped "
                   "onto it (default 3)")
    v.add_argument("--no-node-field", metavar="NAME", help="road field giving grade levels "
                   "(see cells)")
    _crs_options(v)
    _cell_options(v)
    v.add_argument("--out", required=True, help="output GeoPackage (layer problems; with "
                   "--repair also cells)")

    i = sub.add_parser("incidents", help="incidents per cell and police office, two periods")
    i.add_argument("--cells", required=True)
    i.add_argument("--incidents", required=True, help="GeoPackage/GeoJSON/Shapefile/CSV/XLSX")
    _incident_options(i)
    _crs_options(i)
    _cell_options(i)
    i.add_argument("--out", required=True, help="output GeoPackage (cell_incidents, "
                   "office_stats)")

    e = sub.add_parser("export", help="briefing files from an analysis GeoPackage: GeoJSON "
                       "(RFC 7946, WGS84) per layer, briefing.geojson, summary CSV/MD/HTML")
    e.add_argument("gpkg", help="analysis GeoPackage (from 'analyse')")
    e.add_argument("--geojson", required=True, metavar="DIR", help="output folder")
    e.add_argument("--incidents", choices=("aggregate", "points"), default="aggregate",
                   help="aggregate (default): incidents only as counts per cell; points: "
                   "one point per incident with incident_id, date and category only")
    e.add_argument("--source-incidents", metavar="F", help="incident points for --incidents "
                   "points (default: the GeoPackage's incidents layer, if any)")
    e.add_argument("--period", help="--incidents points: only incidents of START/END")
    e.add_argument("--min-count", type=int, default=0, metavar="K", help="mask incident "
                   "counts below K (null, incidents_masked true); default 0: no masking")
    e.add_argument("--decimals", type=int, default=7, metavar="N",  # export.COORD_DECIMALS
                   help="decimal places of longitude/latitude (default 7, about 1 cm)")
    e.add_argument("--assume-crs", help="CRS for source incidents without one")
    e.add_argument("--crs", help="CRS of CSV/XLSX coordinate columns of --source-incidents")
    e.add_argument("--coords", choices=("gcj02", "bd09"), help="source lon/lat from Chinese "
                   "web maps: convert to WGS84")
    e.add_argument("--x", dest="x_column", help="x/longitude column of a CSV/XLSX sheet")
    e.add_argument("--y", dest="y_column", help="y/latitude column of a CSV/XLSX sheet")
    _column_options(e)

    m = sub.add_parser("map", help="briefing map (PNG and/or PDF) from an analysis GeoPackage")
    m.add_argument("gpkg", help="analysis GeoPackage (from 'analyse')")
    m.add_argument("--png", metavar="FILE", help="PNG output (150 dpi A4 landscape)")
    m.add_argument("--pdf", metavar="FILE", help="PDF output")
    m.add_argument("--title", help="page title (default: bilingual coverage title)")
    m.add_argument("--date", help="date under the title (default: today)")
    m.add_argument("--min-count", type=int, default=0, metavar="K",
                   help="mask incident counts below K (the change shows as —)")
    m.add_argument("--cameras", help="camera points (default: the GeoPackage's cameras layer)")
    m.add_argument("--roads", help="roads to draw (default: the GeoPackage's roads layer)")
    m.add_argument("--sites", help="new camera sites to draw (the sites layer of 'site'; "
                   "default: the GeoPackage's sites layer, if any)")
    m.add_argument("--assume-crs", help="CRS for --cameras/--roads without one")

    _site_parser(sub)
    _hotspots_parser(sub)
    _patrol_parser(sub)

    d = sub.add_parser("demo", help="run the whole job on the bundled sample village")
    d.add_argument("--out", default="outputs/demo", metavar="DIR")
    d.add_argument("--factory", action="store_true", help="the factory audit instead: a CAD "
                   "site plan in millimetres, walls, gates, indoor and wall cameras")
    return p


def _site_parser(sub) -> None:
    s = sub.add_parser("site", help="where the next K cameras go: greedy maximum coverage "
                       "of the blind watch area, existing cameras locked")
    s.add_argument("--cells", required=True)
    s.add_argument("--cameras", required=True, help="existing cameras (locked, never moved)")
    s.add_argument("--candidates", help="candidate sites (points; candidate_id field, else "
                   "the 1-based row), used at their exact positions")
    s.add_argument("--roads", help="roads: candidates every --spacing m and at junctions "
                   "(when no --candidates), and --weight roads")
    s.add_argument("--spacing", type=float, default=20.0, metavar="M",
                   help="distance between generated candidates along a road (default 20)")
    s.add_argument("--count", required=True, type=int, metavar="K", help="sites to choose")
    s.add_argument("--range", dest="range_m", type=float, metavar="M",
                   help="range of a new camera (default: that of --kind)")
    s.add_argument("--fov", type=float, default=360.0, metavar="DEG", help="field of view; "
                   "< 360: each site takes the best of a set of headings (default 360)")
    s.add_argument("--kind", default="public2", help="kind of the new cameras "
                   "(default public2, 60 m)")
    s.add_argument("--weight", choices=("area", "roads", "incidents"), default="area",
                   help="what a newly seen place is worth: its area (default), the road "
                   "length in it, or the current period's incidents in it")
    s.add_argument("--buildings", help="building footprints (occluders)")
    s.add_argument("--incidents", help="incidents, for --weight incidents")
    _incident_options(s)
    s.add_argument("--in-cells", metavar="ID,ID", help="only the blind area of these cells "
                   "counts (and generated candidates lie in them)")
    s.add_argument("--backup", action="store_true", help="also count places that become "
                   "seen by a second camera")
    _crs_options(s, units=False)
    s.add_argument("--out", required=True, help="output GeoPackage (sites, site_gain)")


def _hotspots_parser(sub) -> None:
    h = sub.add_parser("hotspots", help="Getis-Ord Gi* hot and cold spots on a square grid "
                       "(permutation p-values, FDR control) and a near-repeat Knox table")
    h.add_argument("--cells", required=True)
    h.add_argument("--incidents", required=True, help="GeoPackage/GeoJSON/Shapefile/CSV/XLSX")
    h.add_argument("--size", type=float, default=100.0, metavar="M",
                   help="side of the grid squares in metres (default 100)")
    h.add_argument("--permutations", type=int, default=999, metavar="N",
                   help="conditional permutations per square and Knox permutations "
                   "(default 999)")
    h.add_argument("--seed", type=int, metavar="S", help="random seed (repeatable results)")
    h.add_argument("--near-distance", type=float, default=100.0, metavar="M",
                   help="width of the near-repeat distance bands (default 100 m)")
    h.add_argument("--near-days", type=float, default=7.0, metavar="D",
                   help="width of the near-repeat time bands (default 7 days)")
    h.add_argument("--bands", type=int, default=4, metavar="N",
                   help="number of distance and of time bands (default 4)")
    h.add_argument("--on", choices=("squares", "roads"), default="squares",
                   help="units: grid squares (default) or road segments (needs --roads; "
                   "layer road_hotspots)")
    h.add_argument("--roads", help="roads, for --on roads")
    h.add_argument("--snap", type=float, default=30.0, metavar="M", help="--on roads: an "
                   "incident counts for the nearest segment within M metres (default 30)")
    _incident_options(h)
    _crs_options(h, units=False)
    h.add_argument("--out", required=True, help="output GeoPackage (hotspots, near_repeat)")


def _patrol_parser(sub) -> None:
    t = sub.add_parser("patrol", help="a closed patrol loop along one cell's roads: past "
                       "its worst blind spots and hot spots, or over every road")
    t.add_argument("--cells", required=True)
    t.add_argument("--roads", required=True)
    t.add_argument("--cell", required=True, metavar="ID", help="cell_id of the cell")
    t.add_argument("--start", metavar="X,Y", help="start (the police office) in the cells' "
                   "CRS; default: the road point nearest the cell's centroid")
    mode = t.add_mutually_exclusive_group(required=True)
    mode.add_argument("--all-roads", action="store_true", help="walk every road of the cell "
                      "(shortest such loop: Chinese postman)")
    mode.add_argument("--max-length", type=float, metavar="M", help="loop of at most M "
                      "metres past the worst spots")
    t.add_argument("--analysis", metavar="AUDIT.gpkg", help="audit GeoPackage: its "
                   "blind_spots (and hotspots, if there) are the spots")
    t.add_argument("--hotspots", metavar="F", help="hotspots layer (from 'hotspots')")
    t.add_argument("--spots", type=int, default=20, metavar="N",
                   help="consider the N most valuable spots (default 20)")
    t.add_argument("--speed", type=float, default=4.0, metavar="KMH",
                   help="walking speed for walk_minutes (default 4 km/h)")
    t.add_argument("--gpx", metavar="FILE", help="GPX track for a phone (default: OUT with "
                   ".gpx instead of .gpkg)")
    _crs_options(t, units=False)
    t.add_argument("--out", required=True, help="output GeoPackage (patrol, patrol_summary, "
                   "patrol_spots)")


def _crs_options(p: argparse.ArgumentParser, units: bool = True) -> None:
    """--assume-crs for layers without a CRS and --units for local site plans."""
    p.add_argument("--assume-crs", help="CRS for inputs without one: EPSG:NNNN or 'local'")
    if units:
        p.add_argument("--units", choices=("m", "mm", "cm", "ft"),  # core.crs.UNITS
                       help="units of a local site plan (--assume-crs local); default m, or "
                       "a DXF plan's $INSUNITS")


def _incident_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", help="current period START/END (ISO dates); default: "
                   "1 January of the latest incident's year to its date")
    p.add_argument("--compare", help="previous period START/END; default: a year earlier")
    p.add_argument("--crs", help="CRS of CSV/XLSX coordinate columns (default EPSG:4326 "
                   "for lon/lat columns)")
    p.add_argument("--coords", choices=("gcj02", "bd09"), help="lon/lat copied from Chinese "
                   "web maps: convert to WGS84")
    p.add_argument("--x", dest="x_column", help="x/longitude column of a CSV/XLSX sheet")
    p.add_argument("--y", dest="y_column", help="y/latitude column of a CSV/XLSX sheet")
    _column_options(p)


def _column_options(p: argparse.ArgumentParser) -> None:
    """Incident sheets as they come: their date/id/category columns and time zone."""
    p.add_argument("--date-column", metavar="COL", help="incident date column when not "
                   "found by name (e.g. death_date, 报警时间)")
    p.add_argument("--id-column", metavar="COL", help="incident id column")
    p.add_argument("--category-column", metavar="COL", help="incident category column")
    p.add_argument("--utc-offset", metavar="+HH:MM", help="local time that times with a "
                   "zone (Z, +00:00) are converted to (default +08:00, China Standard Time)")


def _cell_options(p: argparse.ArgumentParser, what: str = "of the cells") -> None:
    """Cells as they come: the columns holding cell_id, police_office and officer."""
    p.add_argument("--cell-id-column", metavar="COL", help=f"cell id column {what} when "
                   "not found by name (cell_id, 网格编号, 网格号)")
    p.add_argument("--office-column", metavar="COL", help=f"police office column {what} "
                   "(default: police_office, police_off, 警务室, 派出所)")
    p.add_argument("--officer-column", metavar="COL", help=f"officer column {what} "
                   "(default: officer, 社区民警, 民警)")


def _cell_columns(args) -> dict:
    return {"cell_id": getattr(args, "cell_id_column", None),
            "police_office": getattr(args, "office_column", None),
            "officer": getattr(args, "officer_column", None)}


def _cells(path: str | None, args, progress, role: str = "cells"):
    """The cells layer with the columns named by --cell-id/office/officer-column renamed."""
    from .core.inputs.fields import rename_fields
    from .core.inputs.layers import POLYGONS

    cells = _read(path, role, args, POLYGONS)
    return None if cells is None else rename_fields(cells, "cells", _cell_columns(args),
                                                    progress)


def _read(path: str | None, role: str, args, geometry=None):
    from .core.inputs.layers import read_layer

    if path is None:
        return None
    gdf = read_layer(path, role, geometry=geometry, assume_crs=getattr(args, "assume_crs", None),
                     units=getattr(args, "units", None))
    return _with_units(gdf, args)


def _with_units(gdf, args):
    """A local site plan's coordinates are in ``--units`` (default metres); a DXF plan is
    already in metres (read_layer scaled it by --units or its $INSUNITS)."""
    from .core.crs import UNITS

    if gdf is not None and gdf.attrs.get("local") and "source_unit_factor" not in gdf.attrs:
        gdf.attrs["unit_factor"] = UNITS[getattr(args, "units", None) or "m"]
    return gdf


def _cmd_analyse(args, progress) -> int:
    from .core.errors import InputError
    from .core.fs import write_layers
    from .core.inputs.layers import LINES, POINTS, POLYGONS
    from .core.scale.engine import analyse_scaled

    if args.engine != "dask" and (args.workers or args.scheduler):
        raise InputError("--workers and --scheduler need --engine dask")
    if args.engine == "dask":
        from .core.scale.dask_engine import require_dask

        require_dask()
    cells = _cells(args.cells, args, progress)
    cameras = _read(args.cameras, "cameras", args, POINTS)
    buildings = _read(args.buildings, "buildings", args, POLYGONS)
    roads = _read(args.roads, "roads", args, LINES)
    walls = _read(args.walls, "walls", args, LINES)
    watch_points = _read(args.watch_points, "watch points", args, POINTS)
    incidents = _incidents(args, progress)
    period, compare = _periods(args)
    layers = analyse_scaled(
        cells, cameras, buildings=buildings, roads=roads, incidents=incidents, period=period,
        compare=compare, kinds=args.kinds, watch=args.watch,
        min_blind_area=args.min_blind_area, overlap=not args.no_overlap, progress=progress,
        walls=walls, watch_points=watch_points, engine=args.engine,
        partitions=args.partitions, workers=args.workers, scheduler=args.scheduler)
    write_layers(args.out, layers)
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_cells(args, progress) -> int:
    from .core.fs import write_layers
    from .core.grid.partition import build_cells
    from .core.inputs.layers import LINES, POLYGONS

    cells, report = build_cells(
        _read(args.roads, "roads", args, LINES), args.count,
        boundary=_read(args.boundary, "boundary", args, POLYGONS),
        balance=args.balance, incidents=_incidents(args, progress),
        locked=_cells(args.locked, args, progress), snap=args.snap,
        no_node_field=args.no_node_field, margin=args.margin, progress=progress,
    )
    write_layers(args.out, {"cells": cells})
    for line in report.get("summary", []):
        progress.info(line)
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_validate(args, progress) -> int:
    from .core.fs import write_layers
    from .core.grid.validate import validate_cells
    from .core.inputs.layers import LINES, POLYGONS

    cells = _cells(args.cells, args, progress)
    roads = _read(args.roads, "roads", args, LINES)
    boundary = _read(args.boundary, "boundary", args, POLYGONS)
    if args.repair:
        from .core.grid.repair_cells import repair_cells

        cells, changes, changed = repair_cells(
            cells, roads=roads, boundary=boundary, tolerance=args.tolerance,
            no_node_field=args.no_node_field, progress=progress.sub(0.0, 0.7))
        for line in changed:
            print(f"repair: {line}")
    problems, summary = validate_cells(cells, roads=roads, boundary=boundary,
                                       progress=progress)
    if args.repair:
        import pandas as pd

        problems = pd.concat([changes, problems.to_crs(changes.crs)
                              if changes.crs is not None else problems],
                             ignore_index=True)
        problems.attrs["geometry_type"] = "MultiPolygon"
        write_layers(args.out, {"cells": cells, "problems": problems})
    else:
        write_layers(args.out, {"problems": problems})
    for line in summary:
        print(line)
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_incidents(args, progress) -> int:
    from .core.fs import write_layers
    from .core.pipeline import incident_layers

    cells = _cells(args.cells, args, progress)
    period, compare = _periods(args)
    layers = incident_layers(cells, _incidents(args, progress), period=period,
                             compare=compare, progress=progress)
    write_layers(args.out, layers)
    offices = layers["office_stats"]
    from .core.stats.periods import change_text

    for row in offices.itertuples():
        change = change_text(row.incidents_current, row.incidents_previous, row.change_pct)
        progress.info(f"{row.police_office}: {row.incidents_previous} -> "
                      f"{row.incidents_current} ({change or 'none in either period'})")
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _incidents(args, progress):
    if not args.incidents:
        return None
    from .core.inputs.incidents import read_incidents

    return _with_units(read_incidents(
        args.incidents, assume_crs=args.assume_crs, crs=getattr(args, "crs", None),
        coords=getattr(args, "coords", None), x=getattr(args, "x_column", None),
        y=getattr(args, "y_column", None), **_sheet_columns(args), progress=progress), args)


def _sheet_columns(args) -> dict:
    return {"date_column": args.date_column, "id_column": args.id_column,
            "category_column": args.category_column, "utc_offset": args.utc_offset}


def _periods(args):
    if not (args.period or args.compare):
        return None, None
    from .core.stats.periods import parse_period

    period = parse_period(args.period, option="--period") if args.period else None
    compare = parse_period(args.compare, option="--compare") if args.compare else None
    return period, compare


def _read_outputs(path: str) -> dict:
    import pyogrio

    from .core.errors import InputError
    from .core.inputs.layers import list_layers

    if not Path(path).exists():
        raise InputError("file not found", file=path)
    try:
        names = list_layers(path)
        layers = {n: pyogrio.read_dataframe(path, layer=n) for n in names}
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"not a readable GeoPackage ({exc})", file=path) from None
    if "cell_stats" not in layers and "cells" not in layers:
        raise InputError("not an analysis GeoPackage: no cell_stats or cells layer (layers: "
                         f"{', '.join(names) or 'none'})", file=path)
    return layers


def _cmd_export(args, progress) -> int:
    from .core.briefing.geojson import check_export, export_briefing
    from .core.errors import InputError

    if not 1 <= args.decimals <= 10:
        raise InputError(f"--decimals must be 1 to 10, not {args.decimals}")
    check_export(args.incidents, args.min_count)
    layers = _read_outputs(args.gpkg)
    source, period = None, None
    if args.incidents == "points":
        from .core.inputs.incidents import read_incidents
        from .core.stats.periods import parse_period

        spec = args.source_incidents
        if spec is None and "incidents" in layers:
            spec = f"{args.gpkg}|layername=incidents"
        if spec is None:
            raise InputError("--incidents points needs --source-incidents F (the "
                             "GeoPackage has no incidents layer)", file=args.gpkg)
        source = read_incidents(spec, assume_crs=args.assume_crs, crs=args.crs,
                                coords=args.coords, x=args.x_column, y=args.y_column,
                                **_sheet_columns(args), progress=progress)
        period = parse_period(args.period, option="--period") if args.period else None
    for path in export_briefing(layers, args.geojson, incidents=args.incidents,
                                incident_source=source, period=period,
                                min_count=args.min_count, decimals=args.decimals,
                                progress=progress):
        progress.info(f"wrote {path}")
    return EXIT_OK


def _cmd_map(args, progress) -> int:
    from .core.briefing.mapping import render_map
    from .core.errors import InputError
    from .core.inputs.layers import LINES, POINTS

    if not (args.png or args.pdf):
        raise InputError("map needs --png FILE and/or --pdf FILE")
    if args.min_count < 0:
        raise InputError(f"--min-count must be 0 or more, not {args.min_count}")
    layers = _read_outputs(args.gpkg)
    cameras = _read(args.cameras, "cameras", args, POINTS)
    roads = _read(args.roads, "roads", args, LINES)
    if args.sites:
        layers["sites"] = _read(args.sites, "sites", args, POINTS)
    path = render_map(layers, args.png or args.pdf, pdf=args.pdf if args.png else None,
                      title=args.title, date=args.date, cameras=cameras, roads=roads,
                      min_count=args.min_count, progress=progress)
    progress.info(f"wrote {path}" + (f" and {args.pdf}" if args.png and args.pdf else ""))
    return EXIT_OK


def _cmd_site(args, progress) -> int:
    from .core.action.siting import site_cameras
    from .core.fs import write_layers
    from .core.inputs.layers import LINES, POINTS, POLYGONS

    period, _ = _periods(args)
    layers = site_cameras(
        _read(args.cells, "cells", args, POLYGONS), _read(args.cameras, "cameras", args, POINTS),
        args.count, candidates=_read(args.candidates, "candidates", args, POINTS),
        roads=_read(args.roads, "roads", args, LINES), spacing=args.spacing,
        range_m=args.range_m, fov_deg=args.fov, kind=args.kind, weight=args.weight,
        buildings=_read(args.buildings, "buildings", args, POLYGONS),
        incidents=_incidents(args, progress), period=period, backup=args.backup,
        cell_ids=args.in_cells.split(",") if args.in_cells else None, progress=progress)
    write_layers(args.out, layers)
    for row in layers["site_gain"].itertuples():
        progress.info(f"site {row.rank}: candidate {row.candidate_id} +{row.gain_m2:.1f} m² "
                      f"(cumulative {row.cumulative_gain_m2:.1f} m²)")
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_hotspots(args, progress) -> int:
    from .core.action.hotspots import hotspot_layers
    from .core.fs import write_layers
    from .core.inputs.layers import LINES, POLYGONS

    period, _ = _periods(args)
    layers = hotspot_layers(_read(args.cells, "cells", args, POLYGONS),
                            _incidents(args, progress), size=args.size, period=period,
                            permutations=args.permutations, seed=args.seed,
                            near_distance=args.near_distance, near_days=args.near_days,
                            bands=args.bands, on=args.on, snap=args.snap,
                            roads=_read(args.roads, "roads", args, LINES), progress=progress)
    write_layers(args.out, layers)
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_patrol(args, progress) -> int:
    from .core.action.patrol import gpx_text, patrol_route
    from .core.errors import InputError
    from .core.fs import atomic_path, write_layers
    from .core.inputs.layers import LINES, POLYGONS, list_layers

    start = None
    if args.start:
        try:
            start = tuple(float(v) for v in args.start.split(","))
            assert len(start) == 2
        except (ValueError, AssertionError):
            raise InputError(f"--start must be X,Y (two numbers), got {args.start!r}") from None
    blind = hot = None
    if args.analysis:
        names = list_layers(args.analysis) if Path(args.analysis).exists() else []
        if "blind_spots" not in names:
            raise InputError("no blind_spots layer (give the GeoPackage written by "
                             "'analyse')", file=args.analysis)
        blind = _read(f"{args.analysis}|layername=blind_spots", "blind_spots", args, POLYGONS)
        if "hotspots" in names and not args.hotspots:
            hot = _read(f"{args.analysis}|layername=hotspots", "hotspots", args, POLYGONS)
    if args.hotspots:
        hot = _read(args.hotspots, "hotspots", args, POLYGONS)
        if "class" not in hot.columns:
            raise InputError("no class field (give the hotspots layer written by "
                             "'hotspots')", file=hot.attrs.get("file"),
                             layer=hot.attrs.get("layer"), field="class")
    if args.spots < 1:
        raise InputError(f"--spots must be >= 1, got {args.spots}")
    layers = patrol_route(_read(args.cells, "cells", args, POLYGONS),
                          _read(args.roads, "roads", args, LINES), args.cell, start=start,
                          all_roads=args.all_roads, max_length=args.max_length,
                          blind_spots=blind, hotspots=hot, max_spots=args.spots,
                          speed_kmh=args.speed, progress=progress)
    gpx = gpx_text(layers["patrol"], layers["patrol_spots"], f"lever_grid patrol {args.cell}")
    gpx_path = Path(args.gpx) if args.gpx else Path(args.out).with_suffix(".gpx")
    write_layers(args.out, layers)
    if gpx is None:
        progress.info("patrol: no GPX (the layers have no CRS)")
    else:
        with atomic_path(gpx_path) as tmp:
            tmp.write_text(gpx, encoding="utf-8")
        progress.info(f"wrote {gpx_path}")
    progress.info(f"wrote {args.out}")
    return EXIT_OK


def _cmd_demo(args, progress) -> int:
    from .demo import run_demo

    if args.factory:
        from .demo_factory import run_factory_demo

        out = Path(args.out) if args.out != "outputs/demo" else Path("outputs/demo-factory")
        run_factory_demo(out, progress)
        return EXIT_OK
    run_demo(Path(args.out), progress)
    return EXIT_OK


COMMANDS = {"analyse": _cmd_analyse, "analyze": _cmd_analyse, "cells": _cmd_cells,
            "validate": _cmd_validate,
            "incidents": _cmd_incidents, "export": _cmd_export,
            "map": _cmd_map, "demo": _cmd_demo, "site": _cmd_site,
            "hotspots": _cmd_hotspots, "patrol": _cmd_patrol}


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns the exit code (0 ok, 2 bad input, 130 cancelled)."""
    from .core.errors import Cancelled, InputError
    from .core.progress import Progress

    args = _parser().parse_args(argv)
    from .extras import missing_for

    if (extra := missing_for(args)) is not None:
        print(extra, file=sys.stderr)
        return EXIT_BAD_INPUT
    bar = ProgressBar()
    progress = Progress(bar, None, bar.log)
    started = time.perf_counter()

    def check_output() -> None:
        """Refuse, before any work, an output that is a folder or one of the inputs."""
        import os

        from .core.inputs.layers import LayerSpec

        out = getattr(args, "out", None)
        if out is None or args.command == "demo":
            return
        if Path(out).is_dir() and Path(out).suffix.lower() != ".parquet":
            raise InputError("--out is a folder; give a GeoPackage file name such as "
                             f"{Path(out) / 'analysis.gpkg'}", file=out)
        for option in ("cells", "cameras", "buildings", "roads", "incidents", "boundary",
                       "locked", "walls", "watch_points", "candidates", "analysis",
                       "hotspots"):
            value = getattr(args, option, None)
            if not value:
                continue
            source = Path(LayerSpec.parse(value).path)
            same = source.resolve() == Path(out).resolve()
            if not same and source.exists() and Path(out).exists():
                same = os.path.samefile(source, out)
            if same:
                flag = option.replace("_", "-")
                raise InputError(f"--out would overwrite the --{flag} input; write the "
                                 "results to another file", file=out)

    try:
        check_output()
        code = COMMANDS[args.command](args, progress)
    except InputError as err:
        bar.clear()
        print(f"lever-grid: error: {err.line()}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except OSError as err:  # a file the system refused (permissions, disk full, ...)
        bar.clear()
        where = f"file {err.filename}: " if err.filename else ""
        print(f"lever-grid: error: {where}{err.strerror or err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except (Cancelled, KeyboardInterrupt):
        bar.clear()
        print("lever-grid: cancelled", file=sys.stderr)
        return EXIT_CANCELLED
    progress.info(f"done in {time.perf_counter() - started:.1f} s")
    return code


if __name__ == "__main__":
    sys.exit(main())
