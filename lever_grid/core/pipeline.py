"""The one pipeline: layers → true metres → views → coverage → incidents → output tables."""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .coverage.arrangement import DEFAULT_ROAD_WIDTH_M, Coverage, coverage_by_cell, watch_areas
from .coverage.mounts import indoor_free, mounted_views
from .coverage.views import view_polygons
from .coverage.watchpoints import watch_point_table
from .crs import MetricFrame, metric_frame
from .errors import InputError
from .geometry import collector_paused
from .inputs.cameras import normalize_cameras, parse_kinds
from .inputs.cells import normalize_cells, normalize_polygons
from .inputs.walls import normalize_walls, normalize_watch_points
from .progress import Progress
from .stats.incidents import IncidentStats, incident_stats

__all__ = [
    "OUTPUT_LAYERS", "Options", "Views", "Prepared", "prepare", "analyse", "camera_views",
    "camera_views_metric", "cell_tables", "add_watch_points", "output_tables",
    "incident_layers",
]


OUTPUT_LAYERS = ("cells", "camera_views", "overlap", "blind_spots", "cell_stats", "office_stats",
                 "incidents")

Layers = dict[str, gpd.GeoDataFrame | pd.DataFrame]


@dataclass(frozen=True)
class Options:
    """What an analysis counts: camera kinds, watch area, blind-spot floor, periods."""

    kinds: tuple[str, ...]
    watch: str = "cells"
    min_blind_area: float = 1.0
    road_width: float = DEFAULT_ROAD_WIDTH_M
    overlap: bool = True
    period: tuple | str | None = None
    compare: tuple | str | None = None

    @classmethod
    def checked(cls, *, kinds: str | list[str] | None = None, watch: str = "cells",
                min_blind_area: float = 1.0, road_width: float = DEFAULT_ROAD_WIDTH_M,
                overlap: bool = True, period: tuple | str | None = None,
                compare: tuple | str | None = None, have_roads: bool = False) -> Options:
        """Options from user values; bad ones raise :class:`InputError`."""
        if watch not in ("cells", "roads"):
            raise InputError(f"--watch must be 'cells' or 'roads', got {watch!r}")
        if watch == "roads" and not have_roads:
            raise InputError("--watch roads needs --roads")
        if not min_blind_area >= 0:
            raise InputError(f"--min-blind-area must be >= 0, got {min_blind_area}")
        return cls(parse_kinds(kinds), watch, float(min_blind_area), road_width, overlap,
                   period, compare)


@dataclass(frozen=True)
class Views:
    """Camera views in metres: the cameras that see (camera_id, kind) and their polygons."""

    cameras: gpd.GeoDataFrame
    geoms: np.ndarray


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
    walls: gpd.GeoDataFrame | None = None,
    watch_points: gpd.GeoDataFrame | None = None,
) -> Layers:
    """Camera coverage, blind spots and incident change per cell: the whole pipeline.

    read layers → true metres (:func:`~lever_grid.core.crs.metric_frame`) → camera views →
    coverage per cell → incident statistics → the contract's output layers, written back
    in the CRS (and units) of ``cells``: cells, camera_views, overlap, blind_spots,
    cell_stats, office_stats and (with incidents) incidents. ``overlap=False`` leaves the
    overlap layer empty (every other figure is the same). ``walls`` (lines) block views
    like building edges (:mod:`.coverage.walls`); ``watch_points`` (named points: gates,
    doors) add the layer ``watch_points`` with the cameras that see each.
    """
    progress = progress or Progress()
    options = Options.checked(kinds=kinds, watch=watch, min_blind_area=min_blind_area,
                              road_width=road_width, overlap=overlap, period=period,
                              compare=compare, have_roads=roads is not None)
    # GEOS raises the FPU "invalid" flag on some empty overlays; numpy would warn about it.
    with np.errstate(invalid="ignore"), collector_paused():
        p = prepare(cells, cameras, buildings=buildings, roads=roads, incidents=incidents,
                    walls=walls, watch_points=watch_points, kinds=options.kinds,
                    progress=progress)
        views = camera_views_metric(p.cameras, p.metric["buildings"],
                                    progress.sub(0.05, 0.35), walls=p.metric["walls"])
        progress.step(0.35)
        layers = cell_tables(
            p.cells, p.cell_geoms, views, p.frame, options,
            buildings=indoor_free(_geoms(p.metric["buildings"]), p.cameras),
            roads=_geoms(p.metric["roads"]), incidents=p.metric["incidents"],
            progress=progress.sub(0.35, 0.95))
        add_watch_points(layers, p, views)
    progress.step(1.0)
    return layers


@dataclass(frozen=True)
class Prepared:
    """The pipeline's first half: inputs checked and in true metres.

    ``cells`` are the normalised cells in their own CRS, ``cell_geoms`` the same in
    metres, ``metric`` every layer in metres (``None`` where not given), ``cameras`` the
    online cameras of the chosen kinds in metres.
    """

    cells: gpd.GeoDataFrame
    frame: MetricFrame
    metric: dict[str, gpd.GeoDataFrame | None]
    cell_geoms: np.ndarray
    cameras: gpd.GeoDataFrame


def prepare(cells: gpd.GeoDataFrame, cameras: gpd.GeoDataFrame, *,
            buildings: gpd.GeoDataFrame | None, roads: gpd.GeoDataFrame | None,
            incidents: gpd.GeoDataFrame | None, walls: gpd.GeoDataFrame | None,
            watch_points: gpd.GeoDataFrame | None, kinds: tuple[str, ...],
            progress: Progress) -> Prepared:
    """Normalise the layers, move them into true metres, keep the cameras that see."""
    cells = normalize_cells(cells, progress)
    cams = normalize_cameras(cameras, progress)
    if buildings is not None:
        buildings = normalize_polygons(buildings, "buildings", progress)
    if walls is not None:
        walls = normalize_walls(walls, progress)
    if watch_points is not None:
        watch_points = normalize_watch_points(watch_points, progress)
    frame, m = metric_frame(
        {"cells": cells, "cameras": cams, "buildings": buildings, "roads": roads,
         "incidents": incidents, "walls": walls, "watch_points": watch_points}, cells,
        progress)
    progress.step(0.05)
    cell_geoms = _geoms(m["cells"])
    active = _active(_present(m["cameras"]), kinds, progress, "every cell is blind")
    _log_outside(active, cell_geoms, progress)
    return Prepared(cells, frame, m, cell_geoms, active)


def add_watch_points(layers: Layers, p: Prepared, views: Views) -> None:
    """The ``watch_points`` layer (when watch points were given), back in the cells' CRS."""
    if p.metric["watch_points"] is None:
        return
    table = watch_point_table(p.metric["watch_points"], p.cell_geoms,
                              p.cells["cell_id"].to_numpy(), p.cameras["camera_id"].to_numpy(),
                              views.geoms)
    layers["watch_points"] = p.frame.back(table.set_crs(p.frame.crs, allow_override=True))


def camera_views(
    cameras: gpd.GeoDataFrame,
    *,
    buildings: gpd.GeoDataFrame | None = None,
    kinds: str | list[str] | None = None,
    progress: Progress | None = None,
    walls: gpd.GeoDataFrame | None = None,
) -> gpd.GeoDataFrame:
    """What each online camera of the chosen kinds sees: circle or sector, cut by buildings.

    Built in true metres (see :func:`~lever_grid.core.crs.metric_frame`) and returned in
    the cameras' CRS with camera_id, kind and area_m2, like the analysis' camera_views.
    """
    progress = progress or Progress()
    with np.errstate(invalid="ignore"):
        cams = normalize_cameras(cameras, progress)
        if buildings is not None:
            buildings = normalize_polygons(buildings, "buildings", progress)
        walls = normalize_walls(walls, progress) if walls is not None else None
        frame, m = metric_frame({"cameras": cams, "buildings": buildings, "walls": walls}, cams,
                                progress)
        active = _active(m["cameras"], parse_kinds(kinds), progress, "has no view")
        progress.step(0.1)
        views = camera_views_metric(active, m["buildings"], progress.sub(0.1, 0.95),
                                    walls=m["walls"])
        out = frame.back(_view_layer(views, frame))
    progress.step(1.0)
    return out


def camera_views_metric(cams: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
                        progress: Progress | None = None,
                        walls: gpd.GeoDataFrame | None = None) -> Views:
    """View polygons of ``cams`` (in metres), cut by ``buildings`` and ``walls`` when given
    (mount rules: :mod:`.coverage.mounts`)."""
    points = cams.geometry.to_numpy()
    views = view_polygons(points, cams["range_m"].to_numpy(), cams["heading_deg"].to_numpy(),
                          cams["fov_deg"].to_numpy())
    views = mounted_views(cams, views, buildings, walls, progress)
    return Views(cams, np.asarray(views, dtype=object))


def cell_tables(
    cells: gpd.GeoDataFrame,
    cell_geoms: np.ndarray,
    views: Views,
    frame: MetricFrame,
    options: Options,
    *,
    buildings: np.ndarray | None = None,
    roads: np.ndarray | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    offices: bool = True,
    progress: Progress | None = None,
) -> Layers:
    """Coverage, incidents and the output layers of ``cells`` (the pipeline's second half).

    ``cells`` are normalised cells in their own CRS, ``cell_geoms`` the same cells in
    metres; ``views``, ``buildings``, ``roads`` and ``incidents`` are in metres. The full
    analysis calls this for every cell, the live map update for a few; outputs go back
    to ``frame``'s CRS, the cells and cell_stats layers with the cells' own geometry.
    """
    progress = progress or Progress()
    watch_geoms = watch_areas(cell_geoms, buildings,
                              roads if options.watch == "roads" else None, options.road_width)
    cov = coverage_by_cell(cell_geoms, watch_geoms, views.geoms,
                           min_blind_area=options.min_blind_area, roads=roads,
                           overlap=options.overlap, progress=progress.sub(0.0, 0.85))
    if not options.overlap:
        progress.info("overlap: not computed on request; the overlap layer is empty")
    if cov.dropped_blind:
        progress.info(f"blind spots: {cov.dropped_blind} piece(s) under "
                      f"{options.min_blind_area} m² dropped ({cov.dropped_blind_area:.2f} m² "
                      "in all)")
    stats = None
    if incidents is not None:
        stats = incident_stats(incidents, cell_geoms, cells["cell_id"].to_numpy(),
                               cells["police_office"].to_numpy() if offices else None,
                               period=options.period, compare=options.compare,
                               progress=progress.sub(0.85, 1.0))
    layers = output_tables(cells, views, cov, stats, incidents, roads is not None)
    out: Layers = {}
    for name, layer in layers.items():
        if not isinstance(layer, gpd.GeoDataFrame):
            out[name] = layer
        elif name in ("cells", "cell_stats"):  # the cells' own geometry, exactly
            out[name] = layer.set_crs(cells.crs, allow_override=True)
        else:
            out[name] = frame.back(layer.set_crs(frame.crs, allow_override=True))
    return out


def _geoms(gdf: gpd.GeoDataFrame | None) -> np.ndarray:
    return gdf.geometry.to_numpy() if gdf is not None else None  # type: ignore[return-value]


def _present(gdf: gpd.GeoDataFrame | None) -> gpd.GeoDataFrame:
    """A layer the caller knows is there (``metric_frame`` keeps ``None`` as ``None``)."""
    assert gdf is not None
    return gdf


def _view_layer(views: Views, frame: MetricFrame) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"camera_id": views.cameras["camera_id"].to_numpy(dtype=object).astype(str),
         "kind": views.cameras["kind"].to_numpy(dtype=object).astype(str),
         "area_m2": shapely.area(views.geoms)},
        geometry=gpd.GeoSeries(views.geoms, crs=frame.crs), crs=frame.crs)


def _active(cams: gpd.GeoDataFrame, kinds: tuple[str, ...], progress: Progress,
            none_msg: str) -> gpd.GeoDataFrame:
    """The online cameras of the chosen kinds (the rest see nothing; logged)."""
    active = cams["online"].to_numpy() & cams["kind"].isin(kinds).to_numpy()
    if len(cams) == 0:
        progress.info(f"cameras: the layer is empty; {none_msg}")
    elif not active.any():
        progress.info(f"cameras: no online camera of the chosen kinds; {none_msg}")
    elif (~active).any():
        progress.info(f"cameras: {int((~active).sum())} offline or of other kinds see nothing")
    return cams.loc[active]


def _log_outside(cams: gpd.GeoDataFrame, cell_geoms: np.ndarray, progress: Progress) -> None:
    if not len(cams):
        return
    in_cell = shapely.STRtree(cell_geoms).query(cams.geometry.to_numpy(),
                                                predicate="intersects")[0]
    outside = len(cams) - len(np.unique(in_cell))
    if outside:
        progress.info(f"cameras: {outside} outside every cell (they count for the cells "
                      "they see into)")


def output_tables(cells: gpd.GeoDataFrame, views: Views, cov: Coverage,
                  stats: IncidentStats | None, incidents: gpd.GeoDataFrame | None,
                  have_roads: bool) -> Layers:
    """The contract's output layers from computed coverage and incident statistics.

    Geometry comes as computed (metres) except cells and cell_stats, which carry the
    cells' own geometry; :func:`cell_tables` assigns the CRSs.
    """
    view_cams = views.cameras
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
         "area_m2": shapely.area(views.geoms)},
        geometry=views.geoms,
    )
    overlap = gpd.GeoDataFrame(
        {"cell_id": ids[cov.overlap_cell], "n_cameras": cov.overlap_n.astype(int),
         "area_m2": shapely.area(cov.overlap_geoms)},
        geometry=cov.overlap_geoms,
    )
    blind_incidents = np.zeros(len(cov.blind_geoms), dtype=int)
    in_blind = np.zeros(n, dtype=int)
    point_in_blind = np.zeros(0 if incidents is None else len(incidents), dtype=bool)
    if stats is not None and incidents is not None and len(cov.blind_geoms):
        pts = incidents.geometry.to_numpy()
        pt_i, blind_i = shapely.STRtree(cov.blind_geoms).query(pts, predicate="intersects")
        first = np.unique(pt_i, return_index=True)[1]  # a point on a shared edge counts once
        pt_i, blind_i = pt_i[first], blind_i[first]
        point_in_blind[pt_i] = True
        current = stats.in_current[pt_i]
        blind_incidents = np.bincount(blind_i[current], minlength=len(cov.blind_geoms))
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
    layers: Layers = {"cells": cells_out, "camera_views": camera_views, "overlap": overlap,
                      "blind_spots": blind_spots, "cell_stats": cell_stats,
                      "office_stats": office_stats}
    if stats is not None and incidents is not None:
        layers["incidents"] = _incident_layer(incidents, ids, stats.cell_index, point_in_blind)
    return layers


def _incident_layer(incidents: gpd.GeoDataFrame, ids: np.ndarray, cell_index: np.ndarray,
                    in_blind: np.ndarray) -> gpd.GeoDataFrame:
    """The analysis' own incidents: incident_id, occurred_at, category, cell_id, in_blind.

    No other source column is copied, so briefings can be made from the analysis alone.
    """
    inside = cell_index >= 0
    cell_id = pd.Series(pd.array([None] * len(cell_index), dtype="object"))
    cell_id[inside] = ids[cell_index[inside]]
    if np.issubdtype(np.asarray(ids).dtype, np.integer):
        cell_id = cell_id.astype("Int64")
    category = (incidents["category"].to_numpy(dtype=object) if "category" in incidents.columns
                else np.full(len(incidents), "", dtype=object))
    return gpd.GeoDataFrame(
        {"incident_id": incidents["incident_id"].astype(str).to_numpy(),
         "occurred_at": incidents["occurred_at"].to_numpy(),
         "category": pd.Series(category).fillna("").astype(str).to_numpy(),
         "cell_id": cell_id.to_numpy(), "in_blind": in_blind},
        geometry=incidents.geometry.to_numpy())


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
    _, m = metric_frame({"cells": cells, "incidents": incidents}, cells, progress)
    stats = incident_stats(_present(m["incidents"]), _geoms(m["cells"]),
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
