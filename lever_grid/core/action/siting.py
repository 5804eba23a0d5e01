"""Where the next K cameras go: greedy (CELF) maximum coverage of the blind watch area.

The existing cameras are locked: the audit (:func:`lever_grid.core.pipeline.analyse`) gives
the blind area they leave; candidate views (circles or the best of :func:`heading_set`,
cut by buildings) are intersected with it (:mod:`.demand`) and chosen greedily with lazy
evaluation (:mod:`.celf`).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..coverage.occlusion import occlude_views
from ..coverage.views import view_polygons
from ..crs import metric_frame
from ..errors import InputError
from ..inputs.cameras import DEFAULT_RANGE_M, KIND_ALIASES, KINDS
from ..inputs.cells import normalize_cells, normalize_polygons
from ..pipeline import analyse
from ..progress import Progress
from .candidates import DEFAULT_SPACING_M, candidate_ids, heading_set, road_candidates
from .celf import lazy_greedy
from .demand import demand_faces, face_weights
from .incidents import current_incidents
from .quiet import quiet

__all__ = ["WEIGHTS", "DEFAULT_KIND", "site_cameras", "select_cells"]


#: What a newly seen place is worth.
WEIGHTS = ("area", "roads", "incidents")


#: Kind of the new cameras unless ``--kind`` says otherwise (its range is the default).
DEFAULT_KIND = "public2"


def select_cells(cells: gpd.GeoDataFrame, cell_ids: Sequence[object] | None) -> np.ndarray:
    """Boolean mask of the cells whose cell_id is in ``cell_ids`` (all when ``None``)."""
    if cell_ids is None or len(cell_ids) == 0:
        return np.ones(len(cells), dtype=bool)
    have = cells["cell_id"].astype(str).to_numpy()
    wanted = [str(c).strip() for c in cell_ids]
    missing = [c for c in wanted if c not in set(have)]
    if missing:
        raise InputError(f"no cell with cell_id {missing[0]!r} (cells: "
                         f"{', '.join(have[:10])}{' ...' if len(have) > 10 else ''})",
                         file=cells.attrs.get("file"), layer=cells.attrs.get("layer"),
                         field="cell_id")
    return np.isin(have, wanted)


@quiet
def site_cameras(
    cells: gpd.GeoDataFrame,
    cameras: gpd.GeoDataFrame,
    count: int,
    *,
    candidates: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    spacing: float = DEFAULT_SPACING_M,
    range_m: float | None = None,
    fov_deg: float = 360.0,
    kind: str = DEFAULT_KIND,
    weight: str = "area",
    buildings: gpd.GeoDataFrame | None = None,
    incidents: gpd.GeoDataFrame | None = None,
    period: tuple | None = None,
    backup: bool = False,
    cell_ids: list | None = None,
    progress: Progress | None = None,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Choose ``count`` new camera sites that add the most coverage to ``cameras``.

    Returns the layers ``sites`` (points in the cells' CRS) and ``site_gain`` (the
    cumulative-gain table). See docs/action.md for the fields and the guarantee.
    """
    progress = progress or Progress()
    kind, range_m, fov_deg = _check(count, kind, range_m, fov_deg, weight, candidates, roads,
                                    incidents)
    if candidates is None and not spacing > 0:
        raise InputError(f"--spacing must be > 0 metres, got {spacing:g}")
    cells_n = normalize_cells(cells, progress)
    chosen_cells = select_cells(cells_n, cell_ids)
    if buildings is not None:
        buildings = normalize_polygons(buildings, "buildings", progress)
    with np.errstate(invalid="ignore"):
        audit = analyse(cells_n, cameras, buildings=buildings, min_blind_area=0.0,
                        overlap=backup, progress=progress.sub(0.0, 0.3))
    blind = audit["blind_spots"]
    once = audit["overlap"]
    once = once[once["n_cameras"] == 1] if backup else once.iloc[:0]
    inc = None
    if weight == "incidents":
        inc = current_incidents(incidents, period, progress, "site")
    frame, moved = metric_frame({"cells": cells_n, "blind": blind, "once": once,
                                  "candidates": candidates, "roads": roads,
                                  "buildings": buildings, "incidents": inc}, cells_n)
    m: dict[str, Any] = dict(moved)  # present where the options say so
    cell_geoms = m["cells"].geometry.to_numpy()
    ids = cells_n["cell_id"].to_numpy()
    progress.step(0.32)

    # candidate positions and their ids
    if candidates is not None:
        pos = m["candidates"].geometry.to_numpy()
        cand_id = candidate_ids(candidates)
        bad = shapely.get_type_id(pos) != 0
        if bad.any():
            raise InputError("a candidate must be a single Point",
                             file=candidates.attrs.get("file"),
                             layer=candidates.attrs.get("layer", "candidates"),
                             feature=candidates.index[bad][0], field="geometry")
        pos = shapely.force_2d(pos)
    else:
        area = shapely.union_all(cell_geoms[chosen_cells])
        pos, _ = road_candidates(m["roads"].geometry.to_numpy(), spacing, area)
        cand_id = np.array([str(k) for k in range(1, len(pos) + 1)], dtype=object)
        progress.info(f"site: {len(pos)} candidates along the roads every {spacing:g} m "
                      "and at junctions")
    headings = heading_set(fov_deg)
    n_pos, n_head = len(pos), len(headings)
    opt_pos = np.repeat(np.arange(n_pos), n_head)
    opt_heading = np.tile(headings, n_pos)
    views = view_polygons(pos[opt_pos], np.full(len(opt_pos), range_m), opt_heading,
                          np.full(len(opt_pos), fov_deg))
    if m["buildings"] is not None and len(m["buildings"]) and len(views):
        views = occlude_views(pos[opt_pos], views, m["buildings"].geometry.to_numpy(),
                              progress=progress.sub(0.32, 0.5))
    progress.step(0.5)

    # demand: blind pieces (and pieces seen once) of the chosen cells
    cell_index = {str(c): k for k, c in enumerate(ids)}
    blind_cell = np.array([cell_index[str(c)] for c in m["blind"]["cell_id"]], dtype=np.int64)
    once_cell = np.array([cell_index[str(c)] for c in m["once"]["cell_id"]], dtype=np.int64)
    keep_b, keep_o = chosen_cells[blind_cell], chosen_cells[once_cell]
    areas = np.concatenate([m["blind"].geometry.to_numpy()[keep_b],
                            m["once"].geometry.to_numpy()[keep_o]])
    area_cell = np.concatenate([blind_cell[keep_b], once_cell[keep_o]])
    area_blind = np.r_[np.ones(keep_b.sum(), bool), np.zeros(keep_o.sum(), bool)]
    road_geoms = m["roads"].geometry.to_numpy() if m["roads"] is not None else None
    points = m["incidents"].geometry.to_numpy() if inc is not None else None
    lock = threading.Lock()  # the roads and incidents are shared by the worker threads

    def weigh(faces: np.ndarray) -> np.ndarray:
        if weight == "area":
            return shapely.area(faces)
        with lock:
            return face_weights(faces, weight, roads=road_geoms, points=points)

    demand = demand_faces(areas, views, weigh, progress.sub(0.5, 0.8))
    progress.info(f"site: {len(views)} candidate views cut {len(areas)} blind areas into "
                  f"{len(demand.area)} pieces")
    face_blind = area_blind[demand.area_of]
    face_cell = area_cell[demand.area_of]
    face_area = demand.area
    w = demand.weight
    need = np.where(face_blind, 2 if backup else 1, 1)
    choice = lazy_greedy(demand.cover, w, need, count, group=opt_pos if n_head > 1 else None,
                         progress=progress.sub(0.8, 0.95))
    if len(choice.options) < count:
        progress.info(f"site: only {len(choice.options)} of {count} candidates add anything; "
                      "the others would see nothing new")
    return _layers(choice, demand, face_blind, face_cell, face_area, need, pos, opt_pos,
                   opt_heading, cand_id, cell_geoms, ids, chosen_cells, blind, audit,
                   range_m, fov_deg, weight, backup, m["cells"].crs, frame, progress)


def _check(count, kind, range_m, fov_deg, weight, candidates, roads, incidents):
    if count is None or int(count) != count or count < 1:
        raise InputError(f"--count must be a whole number >= 1, got {count}")
    key = str(kind).strip().lower()
    if key not in KIND_ALIASES:
        raise InputError(f"unknown camera kind {kind!r} in --kind; allowed: {', '.join(KINDS)}")
    kind = KIND_ALIASES[key]
    range_m = DEFAULT_RANGE_M[kind] if range_m is None else float(range_m)
    if not 0 < range_m <= 5000:
        raise InputError(f"--range must be > 0 and <= 5000 metres, got {range_m:g}")
    fov_deg = float(fov_deg)
    if not 0 < fov_deg <= 360:
        raise InputError(f"--fov must be > 0 and <= 360 degrees, got {fov_deg:g}")
    if weight not in WEIGHTS:
        raise InputError(f"--weight must be one of {', '.join(WEIGHTS)}, got {weight!r}")
    if candidates is None and roads is None:
        raise InputError("site needs --candidates F or --roads F (candidates along the roads)")
    if weight == "roads" and roads is None:
        raise InputError("--weight roads needs --roads")
    if weight == "incidents" and incidents is None:
        raise InputError("--weight incidents needs --incidents")
    return kind, range_m, fov_deg


def _layers(choice, demand, face_blind, face_cell, face_area, need0, pos, opt_pos, opt_heading,
            cand_id, cell_geoms, ids, chosen_cells, blind, audit, range_m, fov_deg, weight,
            backup, metric, frame, progress) -> dict:
    cover = demand.cover
    need = need0.copy()
    n = len(choice.options)
    gain_m2 = np.zeros(n)
    backup_m2 = np.zeros(n)
    own_gain = np.zeros(n)
    site_pos = opt_pos[choice.options]
    site_pts = pos[site_pos]
    site_cell = np.full(n, -1, dtype=np.int64)
    if n:
        # a site on an edge shared by two cells belongs to a chosen one, else the first
        p, c = shapely.STRtree(cell_geoms).query(site_pts, predicate="dwithin", distance=0.01)
        order = np.lexsort((c, ~chosen_cells[c], p))
        p, c = p[order], c[order]
        first = np.unique(p, return_index=True)[1]
        site_cell[p[first]] = c[first]
    full = 2 if backup else 1
    for k, j in enumerate(choice.options):
        r = cover.indices[cover.indptr[j]:cover.indptr[j + 1]]
        r = r[need[r] > 0]
        new_seen = face_blind[r] & (need[r] == full)
        gain_m2[k] = face_area[r[new_seen]].sum()
        backup_m2[k] = face_area[r[~new_seen]].sum()
        own_gain[k] = face_area[r[new_seen & (face_cell[r] == site_cell[k])]].sum()
        need[r] -= 1
    blind_by_cell = audit["cell_stats"]["blind_m2"].to_numpy(dtype=float)
    total_blind = float(blind_by_cell[chosen_cells].sum())
    cum = np.cumsum(gain_m2)
    with np.errstate(invalid="ignore", divide="ignore"):
        cell_blind = np.where(site_cell >= 0, blind_by_cell[np.maximum(site_cell, 0)], np.nan)
        own_share = np.where(cell_blind > 0, own_gain / cell_blind, np.nan)
        cum_share = cum / total_blind if total_blind > 0 else np.full(n, np.nan)
    heading = opt_heading[choice.options]
    cell_id = pd.array([ids[c] if c >= 0 else None for c in site_cell],
                       dtype="Int64" if np.issubdtype(ids.dtype, np.integer) else object)
    xy = shapely.get_coordinates(site_pts) if n else np.empty((0, 2))
    data = {
        "rank": np.arange(1, n + 1),
        "candidate_id": cand_id[site_pos].astype(str) if n else np.empty(0, dtype=str),
        "cell_id": cell_id,
        "heading_deg": heading,
        "fov_deg": np.full(n, fov_deg),
        "range_m": np.full(n, range_m),
        "gain_m2": gain_m2,
        "cumulative_gain_m2": cum,
        "blind_share": own_share,
        "cumulative_share": cum_share,
        "gain": choice.gains,
        "cumulative_gain": np.cumsum(choice.gains),
    }
    if backup:
        data["backup_m2"] = backup_m2
    sites = gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(site_pts, crs=metric), crs=metric)
    sites = frame.back(sites)
    out_xy = shapely.get_coordinates(sites.geometry.to_numpy()) if n else xy
    sites.insert(3, "x", out_xy[:, 0] if n else np.empty(0))
    sites.insert(4, "y", out_xy[:, 1] if n else np.empty(0))
    table = pd.DataFrame({
        "rank": data["rank"], "candidate_id": data["candidate_id"], "weight": weight,
        "gain": data["gain"], "cumulative_gain": data["cumulative_gain"],
        "gain_m2": gain_m2, "cumulative_gain_m2": cum, "cumulative_share": cum_share,
    })
    if n:
        progress.info(f"site: {n} new sites see {cum[-1]:.1f} m² of the "
                      f"{total_blind:.1f} m² blind ({100 * cum_share[-1]:.1f} %)")
    progress.step(1.0)
    return {"sites": sites, "site_gain": table}
