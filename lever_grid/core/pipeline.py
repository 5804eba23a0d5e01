"""The whole coverage + incidents analysis, from layers to the contract's output tables."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from .coverage.arrangement import DEFAULT_ROAD_WIDTH_M, Coverage, coverage_by_cell, watch_areas
from .coverage.views import view_polygons
from .crs import metric_crs, to_metric
from .errors import InputError
from .inputs.cameras import normalize_cameras, parse_kinds
from .inputs.cells import normalize_cells, normalize_polygons
from .progress import Progress
from .stats.incidents import incident_stats

__all__ = [
    "OUTPUT_LAYERS", "metric_frame", "analyse", "camera_views", "output_tables", "incident_layers",
]


OUTPUT_LAYERS = ("cells", "camera_views", "overlap", "blind_spots", "cell_stats", "office_stats")


def metric_frame(
    layers: dict[str, gpd.GeoDataFrame | None], reference: gpd.GeoDataFrame
) -> tuple[CRS | None, dict[str, gpd.GeoDataFrame | None]]:
    """Reproject ``layers`` into the metric CRS chosen from ``reference`` (the cells)."""
    ref_local = bool(reference.attrs.get("local"))
    target = None if ref_local else metric_crs(reference.crs, tuple(reference.total_bounds))
    out: dict[str, gpd.GeoDataFrame | None] = {}
    for name, gdf in layers.items():
        if gdf is None:
            out[name] = None
            continue
        local = bool(gdf.attrs.get("local")) or gdf.crs is None
        if local != ref_local:
            raise InputError(
                "mixes a local site plan (no CRS) with layers that have a CRS; give every "
                "layer the same --assume-crs", file=gdf.attrs.get("file"),
                layer=gdf.attrs.get("layer", name),
            )
        moved = to_metric(gdf, target)
        moved.attrs.update(gdf.attrs)
        out[name] = moved
    return target, out


def analyse(
    cells: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    period: tuple | None = None,
    compare: tuple | None = None,
    kinds: str | list[str] | None = None,
    watch: str = "cells",
    min_blind_area: float = 1.0,
    road_width: float = DEFAULT_ROAD_WIDTH_M,
    progress: Progress | None = None,
    overlap: bool = True,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Camera coverage, blind spots and incident change per cell.

    Returns the contract's output layers (cells, camera_views, overlap, blind_spots,
    cell_stats, office_stats) in the CRS of ``cells``. ``overlap=False`` leaves the
    overlap layer empty (every other figure is the same) and saves most of the work on
    dense camera networks.
    """
    # GEOS raises the FPU "invalid" flag on some empty overlays; numpy would warn about it.
    with np.errstate(invalid="ignore"):
        return _analyse(cells, cameras, buildings=buildings, roads=roads, incidents=incidents,
                        period=period, compare=compare, kinds=kinds, watch=watch,
                        min_blind_area=min_blind_area, road_width=road_width,
                        progress=progress, overlap=overlap)


def camera_views(
    cameras: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    kinds: str | list[str] | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """What each online camera of the chosen kinds sees: circle or sector, cut by buildings.

    The views are built in metres (the cameras' CRS when projected, otherwise a local
    UTM / CGCS2000 Gauss-Krüger CRS chosen from the cameras) and returned in the cameras'
    CRS with camera_id, kind and area_m2 (measured in metres), like the analysis'
    camera_views layer.
    """
    with np.errstate(invalid="ignore"):
        progress = progress or Progress()
        wanted = parse_kinds(kinds)
        cams = normalize_cameras(cameras, progress)
        if buildings is not None:
            buildings = normalize_polygons(buildings, "buildings", progress)
        active = cams["online"].to_numpy() & cams["kind"].isin(wanted).to_numpy()
        _log_active(cams, active, progress, "has no view")
        cams = cams.loc[active]
        if len(cams) == 0:
            out = gpd.GeoDataFrame({"camera_id": pd.Series(dtype=str),
                                    "kind": pd.Series(dtype=str),
                                    "area_m2": pd.Series(dtype=float)},
                                   geometry=gpd.GeoSeries([], crs=cameras.crs), crs=cameras.crs)
            progress.step(1.0)
            return out
        _, m = metric_frame({"cameras": cams, "buildings": buildings}, cams)
        progress.step(0.1)
        views = _views(m["cameras"], m["buildings"], progress.sub(0.1, 0.95))
        out = gpd.GeoDataFrame({"camera_id": cams["camera_id"].to_numpy(),
                                "kind": cams["kind"].to_numpy(),
                                "area_m2": shapely.area(views)},
                               geometry=views, crs=m["cameras"].crs)
        if cams.crs is not None and out.crs is not None and out.crs != cams.crs:
            out = out.to_crs(cams.crs)
        progress.step(1.0)
        return out


def _log_active(cams: gpd.GeoDataFrame, active: np.ndarray, progress: Progress,
                none_msg: str) -> None:
    if len(cams) == 0:
        progress.info(f"cameras: the layer is empty; {none_msg}")
    elif not active.any():
        progress.info(f"cameras: no online camera of the chosen kinds; {none_msg}")
    elif (~active).any():
        progress.info(f"cameras: {int((~active).sum())} offline or of other kinds see nothing")


def _views(cams: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
           progress: Progress) -> np.ndarray:
    """View polygons of ``cams`` (metric CRS), cut by ``buildings`` when given."""
    points = cams.geometry.to_numpy()
    views = view_polygons(points, cams["range_m"].to_numpy(), cams["heading_deg"].to_numpy(),
                          cams["fov_deg"].to_numpy())
    if buildings is not None and len(buildings) and len(views):
        from .coverage.occlusion import occlude_views

        views = occlude_views(points, views, buildings.geometry.to_numpy(), progress=progress)
    return views


def _analyse(cells, cameras, *, buildings, roads, incidents, period, compare, kinds, watch,
             min_blind_area, road_width, progress, overlap):
    progress = progress or Progress()
    if watch not in ("cells", "roads"):
        raise InputError(f"--watch must be 'cells' or 'roads', got {watch!r}")
    if watch == "roads" and roads is None:
        raise InputError("--watch roads needs --roads")
    if not min_blind_area >= 0:
        raise InputError(f"--min-blind-area must be >= 0, got {min_blind_area}")
    wanted = parse_kinds(kinds)
    cells = normalize_cells(cells, progress)
    cams = normalize_cameras(cameras, progress)
    if buildings is not None:
        buildings = normalize_polygons(buildings, "buildings", progress)
    _, m = metric_frame(
        {"cells": cells, "cameras": cams, "buildings": buildings, "roads": roads,
         "incidents": incidents},
        cells,
    )
    progress.step(0.05)

    active = m["cameras"]["online"].to_numpy() & m["cameras"]["kind"].isin(wanted).to_numpy()
    _log_active(m["cameras"], active, progress, "every cell is blind")
    view_cams = m["cameras"].loc[active]
    cell_geoms = m["cells"].geometry.to_numpy()
    if len(view_cams):
        in_cell = shapely.STRtree(cell_geoms).query(view_cams.geometry.to_numpy(),
                                                    predicate="intersects")[0]
        outside = len(view_cams) - len(np.unique(in_cell))
        if outside:
            progress.info(f"cameras: {outside} outside every cell (they count for the cells "
                          "they see into)")
    views = _views(view_cams, m["buildings"], progress.sub(0.05, 0.35))
    bld = m["buildings"].geometry.to_numpy() if m["buildings"] is not None else None
    progress.step(0.35)

    road_geoms = m["roads"].geometry.to_numpy() if m["roads"] is not None else None
    watch_geoms = watch_areas(cell_geoms, bld, road_geoms if watch == "roads" else None,
                              road_width)
    cov = coverage_by_cell(cell_geoms, watch_geoms, views, min_blind_area=min_blind_area,
                           roads=road_geoms, overlap=overlap,
                           progress=progress.sub(0.35, 0.85))
    if not overlap:
        progress.info("overlap: not computed on request; the overlap layer is empty")
    if cov.dropped_blind:
        progress.info(f"blind spots: {cov.dropped_blind} piece(s) under {min_blind_area} m² "
                      f"dropped ({cov.dropped_blind_area:.2f} m² in all)")

    stats = None
    if m["incidents"] is not None:
        from .stats.incidents import incident_stats

        stats = incident_stats(m["incidents"], cell_geoms, cells["cell_id"].to_numpy(),
                               cells["police_office"].to_numpy(), period=period,
                               compare=compare, progress=progress.sub(0.85, 0.95))
    layers = output_tables(cells, view_cams, views, cov, stats, m["incidents"],
                           roads is not None)
    out_crs = cells.crs
    for name, frame in layers.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frame.set_crs(m["cells"].crs, inplace=True, allow_override=True)
            if out_crs is not None and frame.crs is not None and frame.crs != out_crs:
                layers[name] = frame.to_crs(out_crs)
    progress.step(1.0)
    return layers


def output_tables(cells, view_cams, views, cov: Coverage, stats, incidents, have_roads: bool):
    """The contract's output layers from computed coverage and incident statistics."""
    n = len(cells)
    ids = cells["cell_id"].to_numpy()
    road_len = cov.road_length if have_roads else np.zeros(n)
    cells_out = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "name": cells["name"].to_numpy(),
            "area_m2": cov.cell_area,
            "road_length_m": road_len,
            "police_office": cells["police_office"].to_numpy(),
            "officer": cells["officer"].to_numpy(),
            "locked": cells["locked"].to_numpy(),
        },
        geometry=cells.geometry.to_numpy(),
    )
    camera_views = gpd.GeoDataFrame(
        {"camera_id": view_cams["camera_id"].to_numpy(), "kind": view_cams["kind"].to_numpy(),
         "area_m2": shapely.area(views)},
        geometry=views,
    )
    overlap = gpd.GeoDataFrame(
        {"cell_id": ids[cov.overlap_cell], "n_cameras": cov.overlap_n.astype(int),
         "area_m2": shapely.area(cov.overlap_geoms)},
        geometry=cov.overlap_geoms,
    )
    blind_incidents = np.zeros(len(cov.blind_geoms), dtype=int)
    in_blind = np.zeros(n, dtype=int)
    if stats is not None and len(cov.blind_geoms):
        pts = incidents.geometry.to_numpy()[stats.in_current]
        pt_i, blind_i = shapely.STRtree(cov.blind_geoms).query(pts, predicate="intersects")
        first = np.unique(pt_i, return_index=True)[1]  # a point on a shared edge counts once
        blind_incidents = np.bincount(blind_i[first], minlength=len(cov.blind_geoms))
        in_blind = np.bincount(cov.blind_cell, weights=blind_incidents, minlength=n).astype(int)
    blind_spots = gpd.GeoDataFrame(
        {"blind_id": np.arange(1, len(cov.blind_geoms) + 1), "cell_id": ids[cov.blind_cell],
         "area_m2": cov.blind_area, "incidents": blind_incidents},
        geometry=cov.blind_geoms,
    )
    blind_m2 = cov.blind_by_cell
    with np.errstate(invalid="ignore", divide="ignore"):
        covered_share = np.where(cov.watch_area > 0, cov.covered_area / cov.watch_area, np.nan)
        road_share = np.where(road_len > 0, cov.road_covered_length / road_len, np.nan) \
            if have_roads else np.full(n, np.nan)
    cur = stats.cells["incidents_current"].to_numpy() if stats is not None else np.zeros(n, int)
    prev = stats.cells["incidents_previous"].to_numpy() if stats is not None else np.zeros(n, int)
    change = stats.cells["change_pct"].to_numpy() if stats is not None else np.full(n, np.nan)
    cell_stats = gpd.GeoDataFrame(
        {
            "cell_id": ids,
            "area_m2": cov.cell_area,
            "watch_m2": cov.watch_area,
            "covered_m2": cov.covered_area,
            "covered_share": covered_share,
            "blind_m2": blind_m2,
            "road_length_m": road_len,
            "road_covered_share": road_share,
            "cameras": cov.cameras.astype(int),
            "incidents_current": cur,
            "incidents_previous": prev,
            "change_pct": change,
            "incidents_in_blind": in_blind,
        },
        geometry=cells.geometry.to_numpy(),
    )
    office_stats = (
        stats.offices[["police_office", "cells", "incidents_current", "incidents_previous",
                       "change_pct"]].copy()
        if stats is not None
        else _office_cells(cells)
    )
    return {"cells": cells_out, "camera_views": camera_views, "overlap": overlap,
            "blind_spots": blind_spots, "cell_stats": cell_stats, "office_stats": office_stats}


def _office_cells(cells: gpd.GeoDataFrame) -> pd.DataFrame:
    offices = cells.loc[cells["police_office"] != "", "police_office"]
    counts = offices.value_counts().sort_index()
    return pd.DataFrame({"police_office": counts.index.to_numpy(), "cells": counts.to_numpy(),
                         "incidents_current": 0, "incidents_previous": 0,
                         "change_pct": np.nan})


def incident_layers(
    cells: gpd.GeoDataFrame,
    incidents: gpd.GeoDataFrame,
    *,
    period: tuple | None = None,
    compare: tuple | None = None,
    progress: Progress | None = None,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Layers ``cell_incidents`` (cell polygons with counts, change, rank, categories)
    and ``office_stats``, in the CRS of ``cells``."""
    progress = progress or Progress()
    cells = normalize_cells(cells, progress)
    _, m = metric_frame({"cells": cells, "incidents": incidents}, cells)
    stats = incident_stats(m["incidents"], m["cells"].geometry.to_numpy(),
                           cells["cell_id"].to_numpy(), cells["police_office"].to_numpy(),
                           period=period, compare=compare, progress=progress)
    per_cell = stats.cells.reset_index(drop=True)
    head = pd.DataFrame({"cell_id": cells["cell_id"].to_numpy(),
                         "name": cells["name"].to_numpy(),
                         "police_office": cells["police_office"].to_numpy()})
    frame = pd.concat([head, per_cell], axis=1)
    frame["period"] = _label(stats.current)
    frame["compare"] = _label(stats.previous)
    layer = gpd.GeoDataFrame(frame, geometry=cells.geometry.to_numpy(), crs=cells.crs)
    return {"cell_incidents": layer, "office_stats": stats.offices}


def _label(window: tuple[pd.Timestamp, pd.Timestamp]) -> str:
    start, end = window
    last = end - pd.Timedelta(days=1) if end == end.normalize() else end
    return f"{start.date().isoformat()}/{last.date().isoformat()}"
