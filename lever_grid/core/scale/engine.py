"""A partitioned ``analyse``: the same layers, computed tile by tile on one machine or Dask.

The steps are those of :func:`~lever_grid.core.pipeline.analyse`; only the heavy ones
run per partition (:mod:`.tasks`):

1. views, per Hilbert chunk of cameras with the buildings in their range (each view is
   computed once);
2. watch areas per tile of cells (:mod:`.partitions`), and their snap-rounding unit; the
   run's unit is the largest, as in one pass;
3. coverage per tile with the views that reach it, and the cells of the incidents in the
   tile's box.

The driver merges the tiles' coverage in cell order (blind pieces and overlap pieces in
the order one pass makes them, so blind_id is numbered 1..n the same way), keeps for each
incident the lowest cell_id any tile gave it, computes road lengths and the incident
statistics over the merged cells (office_stats from the merged cells, not from tiles)
and builds the output layers with :func:`~lever_grid.core.pipeline.output_tables`.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np

from ..coverage.arrangement import DEFAULT_ROAD_WIDTH_M, Coverage, road_lengths
from ..coverage.mounts import check_indoor, indoor_free
from ..crs import MetricFrame
from ..errors import InputError
from ..pipeline import (
    Layers,
    Options,
    Views,
    _geoms,
    add_watch_points,
    analyse,
    output_tables,
    prepare,
)
from ..progress import Progress
from ..stats.incidents import incident_stats
from .partitions import auto_partitions, camera_chunks, cell_parts
from .runners import Runner, SerialRunner
from .tasks import coverage_task, unit_of, views_task, watch_task

__all__ = ["ENGINES", "analyse_scaled", "merge_coverage", "merge_incident_cells"]


ENGINES = ("single", "dask")

#: Partitions per Dask worker by default (a slow tile does not hold up the others).
PARTS_PER_WORKER = 2


def analyse_scaled(
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
    engine: str = "single",
    partitions: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    processes: bool = True,
    runner: Runner | None = None,
    walls: gpd.GeoDataFrame | None = None,
    watch_points: gpd.GeoDataFrame | None = None,
) -> Layers:
    """:func:`~lever_grid.core.pipeline.analyse` with ``engine`` 'single' or 'dask'.

    ``partitions``: tiles of cells (default: one pass for a village or town on one
    machine, :func:`~.partitions.auto_partitions` above; two per worker on Dask).
    ``workers``/``processes`` size the LocalCluster started for 'dask', ``scheduler``
    names an existing one instead. The layers equal those of one pass.
    """
    progress = progress or Progress()
    if engine not in ENGINES:
        raise InputError(f"--engine must be one of {', '.join(ENGINES)}, got {engine!r}")
    if partitions is not None and partitions < 1:
        raise InputError(f"--partitions must be >= 1, got {partitions}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers must be >= 1, got {workers}")
    common: dict[str, Any] = dict(
        buildings=buildings, roads=roads, incidents=incidents, period=period, compare=compare,
        kinds=kinds, watch=watch, min_blind_area=min_blind_area, road_width=road_width,
        overlap=overlap, walls=walls, watch_points=watch_points)
    if engine == "single" and runner is None:
        n = partitions or auto_partitions(len(cells), len(cameras))
        if n <= 1:
            return analyse(cells, cameras, progress=progress, **common)
        progress.info(f"engine single: {n} partitions of cells, one after the other")
        with SerialRunner() as serial:
            return _run(cells, cameras, serial, n, progress, **common)
    if runner is not None:
        return _run(cells, cameras, runner, partitions or PARTS_PER_WORKER * runner.workers,
                    progress, **common)
    from .dask_engine import DaskRunner

    with DaskRunner(workers, scheduler, processes=processes) as dask_runner:
        n = partitions or PARTS_PER_WORKER * dask_runner.workers
        progress.info(f"engine dask: {dask_runner.workers} worker(s), {n} partitions")
        return _run(cells, cameras, dask_runner, n, progress, **common)


def _run(cells, cameras, runner: Runner, n_parts: int, progress: Progress, *, buildings,
         roads, incidents, period, compare, kinds, watch, min_blind_area, road_width,
         overlap, walls, watch_points) -> Layers:
    options = Options.checked(kinds=kinds, watch=watch, min_blind_area=min_blind_area,
                              road_width=road_width, overlap=overlap, period=period,
                              compare=compare, have_roads=roads is not None)
    with np.errstate(invalid="ignore"):
        p = prepare(cells, cameras, buildings=buildings, roads=roads, incidents=incidents,
                    walls=walls, watch_points=watch_points, kinds=options.kinds,
                    progress=progress)
        m = p.metric
        check_indoor(p.cameras, m["buildings"])  # here, so the error names the whole layer
        views = _views(p.cameras, m["buildings"], m["walls"], runner, n_parts,
                       progress.sub(0.05, 0.35))
        layers = _cells(p.cells, p.cell_geoms, views, p.frame, options, runner, n_parts,
                        buildings=indoor_free(_geoms(m["buildings"]), p.cameras),
                        roads=_geoms(m["roads"]), incidents=m["incidents"],
                        progress=progress.sub(0.35, 0.98))
        add_watch_points(layers, p, views)
    progress.step(1.0)
    return layers


def _views(cams: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame | None,
           walls: gpd.GeoDataFrame | None, runner: Runner, n_parts: int,
           progress: Progress) -> Views:
    """Every camera's view, computed once, chunk by chunk, with the buildings and walls
    within range of the chunk's cameras."""
    points = cams.geometry.to_numpy()
    reach = cams["range_m"].to_numpy()
    chunks = camera_chunks(points, reach, n_parts,
                           None if buildings is None else buildings.geometry.to_numpy())
    wall_of = ([w for _run, w in camera_chunks(points, reach, n_parts,
                                                walls.geometry.to_numpy())]
               if walls is not None else [None] * len(chunks))
    sent = [[runner.put(cams.iloc[run]),
             None if bld is None or buildings is None else runner.put(buildings.iloc[bld]),
             None if wall is None or walls is None else runner.put(walls.iloc[wall])]
            for (run, bld), wall in zip(chunks, wall_of, strict=True)]
    handles = [runner.submit(views_task, *args) for args in sent]
    geoms = np.empty(len(cams), dtype=object)
    got = runner.wait(handles, progress, lambda i: runner.release(sent[i]))
    for (run, _), chunk_views in zip(chunks, got, strict=True):
        geoms[run] = chunk_views
    return Views(cams, geoms)


def _cells(cells, cell_geoms, views: Views, frame: MetricFrame, options: Options,
           runner: Runner, n_parts: int, *, buildings, roads, incidents,
           progress: Progress) -> Layers:
    """Coverage tile by tile, merged; then incidents, road lengths and the output layers."""
    points = None if incidents is None else incidents.geometry.to_numpy()
    parts = cell_parts(cell_geoms, n_parts, views.geoms, buildings=buildings, roads=roads,
                       incidents=points)
    ids = cells["cell_id"].to_numpy()
    wroads = roads if options.watch == "roads" else None
    sent, watched = [], []  # per tile: what was sent to the workers, its watch areas
    for part in parts:
        geoms = runner.put(cell_geoms[part.cells])
        vdata = runner.put(views.geoms[part.views])
        bld = None if part.buildings is None else runner.put(buildings[part.buildings])
        road = (None if wroads is None or part.roads is None
                else runner.put(wroads[part.roads]))
        watched.append(runner.submit(watch_task, geoms, vdata, bld, road, options.road_width,
                                     options.overlap))
        pts = (None if part.incidents is None or points is None
               else runner.put(points[part.incidents]))
        sent.append([geoms, vdata, bld, road, pts, runner.put(ids[part.cells])])
    units = runner.wait([runner.submit(unit_of, w) for w in watched], progress.sub(0.0, 0.15))
    unit = max(units, default=0.0)
    handles = [runner.submit(coverage_task, geoms, w, vdata, options.min_blind_area,
                             options.overlap, unit, pts, part_ids)
               for (geoms, vdata, _b, _r, pts, part_ids), w in zip(sent, watched, strict=True)]

    def finished(i: int) -> None:  # what only tile i needed: its inputs, its watch areas
        runner.release([*sent[i], watched[i]])

    results = runner.wait(handles, progress.sub(0.15, 0.85), finished)
    cov = merge_coverage(len(cells), [p.cells for p in parts], [r.coverage for r in results])
    if roads is not None:
        cov.road_length, cov.road_covered_length = road_lengths(cell_geoms, views.geoms, roads)
    progress.step(0.9)
    if not options.overlap:
        progress.info("overlap: not computed on request; the overlap layer is empty")
    if cov.dropped_blind:
        progress.info(f"blind spots: {cov.dropped_blind} piece(s) under "
                      f"{options.min_blind_area} m² dropped ({cov.dropped_blind_area:.2f} m² "
                      "in all)")
    stats = None
    if incidents is not None:
        where = merge_incident_cells(
            len(incidents), ids,
            [np.asarray(part.incidents)[r.incident_rows]
             for part, r in zip(parts, results, strict=True)],
            [part.cells[r.incident_cells] for part, r in zip(parts, results, strict=True)])
        stats = incident_stats(incidents, cell_geoms, ids, cells["police_office"].to_numpy(),
                               period=options.period, compare=options.compare,
                               progress=progress.sub(0.9, 0.95), cell_index=where)
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


def merge_coverage(n: int, positions: list[np.ndarray], covs: list[Coverage]) -> Coverage:
    """Tiles' coverage (cells at ``positions``) as one :class:`Coverage` of ``n`` cells, in
    the order one pass gives: blind pieces by cell then piece, overlap by cell then n."""
    cell_area, watch_area, covered = np.zeros(n), np.zeros(n), np.zeros(n)
    cameras = np.zeros(n, dtype=np.int64)
    watch = np.full(n, None, dtype=object)
    blind_all = np.full(n, None, dtype=object)
    for pos, c in zip(positions, covs, strict=True):
        cell_area[pos], watch_area[pos], covered[pos] = c.cell_area, c.watch_area, c.covered_area
        cameras[pos], watch[pos], blind_all[pos] = c.cameras, c.watch, c.blind_all

    def cat(arrays: list[np.ndarray], empty: np.ndarray) -> np.ndarray:
        return np.concatenate(arrays) if arrays else empty

    no_geoms, no_ints = np.empty(0, dtype=object), np.empty(0, dtype=np.int64)
    pairs = list(zip(positions, covs, strict=True))
    # blind pieces keep their order within a cell: a stable sort by cell
    bg = cat([c.blind_geoms for c in covs], no_geoms)
    bc = cat([pos[c.blind_cell] for pos, c in pairs], no_ints).astype(np.int64)
    ba = cat([c.blind_area for c in covs], np.empty(0))
    border = np.argsort(bc, kind="stable")
    # overlap pieces: one per (cell, n), by cell then n
    og = cat([c.overlap_geoms for c in covs], no_geoms)
    oc = cat([pos[c.overlap_cell] for pos, c in pairs], no_ints).astype(np.int64)
    on = cat([c.overlap_n for c in covs], no_ints).astype(np.int64)
    oorder = np.lexsort((on, oc))
    return Coverage(
        cell_area=cell_area, watch=watch, watch_area=watch_area, covered_area=covered,
        cameras=cameras, blind_all=blind_all, blind_geoms=bg[border], blind_cell=bc[border],
        blind_area=ba[border], dropped_blind=int(sum(c.dropped_blind for c in covs)),
        dropped_blind_area=float(sum(c.dropped_blind_area for c in covs)),
        overlap_geoms=og[oorder], overlap_cell=oc[oorder], overlap_n=on[oorder])


def merge_incident_cells(n_incidents: int, cell_ids: np.ndarray, rows: list[np.ndarray],
                         cells: list[np.ndarray]) -> np.ndarray:
    """Cell position of each incident from the tiles' answers: the lowest cell_id any tile
    found (the rule of :func:`~lever_grid.core.stats.incidents.assign_cells`); -1 if none."""
    out = np.full(n_incidents, -1, dtype=np.intp)
    r = np.concatenate(rows or [np.empty(0, np.int64)]).astype(np.int64)
    c = np.concatenate(cells or [np.empty(0, np.int64)]).astype(np.int64)
    if len(r) == 0:
        return out
    rank = np.unique(np.asarray(cell_ids), return_inverse=True)[1].reshape(-1)
    order = np.lexsort((rank[c], r))
    r, c = r[order], c[order]
    first = np.ones(len(r), dtype=bool)
    first[1:] = r[1:] != r[:-1]
    out[r[first]] = c[first]
    return out
