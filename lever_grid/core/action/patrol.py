"""Tonight's patrol loop for one cell: along its roads, from the start, past the worst spots.

Spots: the cell's blind spots (from an audit GeoPackage's ``blind_spots`` layer) worth
their area in m², and hot squares (a ``hotspots`` layer) overlapping the cell worth the
square's area times 3 / 2 / 1 for hot_99 / hot_95 / hot_90; the ``max_spots`` worth most
are considered. Each spot is reached at the point of the cell's roads nearest to it; the
start (default: the point of the cell's roads nearest to the cell's centroid) likewise.
See :mod:`.tours` for the two tours.
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely

from ..crs import metric_frame
from ..errors import InputError
from ..inputs.cells import normalize_cells
from ..progress import Progress
from .quiet import quiet
from .roadgraph import cell_roads, prune_stubs, road_graph
from .tours import postman_tour, prize_tour, walk_edges

__all__ = ["WALK_KMH", "MAX_SPOTS", "HOT_WEIGHT", "patrol_route", "gpx_text"]


#: Walking speed used for walk_minutes (km/h).
WALK_KMH = 4.0

#: Spots considered for a loop with a length budget (the most valuable ones).
MAX_SPOTS = 20

#: Prize of a hot square per m² of square, by class.
HOT_WEIGHT = {"hot_99": 3.0, "hot_95": 2.0, "hot_90": 1.0}


def _one_cell(cells: gpd.GeoDataFrame, cell_id) -> int:
    ids = cells["cell_id"].astype(str).to_numpy()
    hit = np.flatnonzero(ids == str(cell_id).strip())
    if len(hit) == 0:
        raise InputError(f"no cell with cell_id {cell_id!r}", file=cells.attrs.get("file"),
                         layer=cells.attrs.get("layer"), field="cell_id")
    return int(hit[0])


def _spots(cell_geom, cell_id, blind, hot, max_spots):
    geoms, kinds, prizes, ids = [], [], [], []
    if blind is not None and len(blind):
        mine = blind[blind["cell_id"].astype(str) == str(cell_id)]
        geoms += list(mine.geometry.to_numpy())
        kinds += ["blind"] * len(mine)
        prizes += list(shapely.area(mine.geometry.to_numpy()))
        ids += [f"blind-{b}" for b in (mine["blind_id"] if "blind_id" in mine else
                                       range(1, len(mine) + 1))]
    if hot is not None and len(hot):
        sel = hot["class"].isin(list(HOT_WEIGHT)).to_numpy()
        sq = hot.loc[sel]
        g = sq.geometry.to_numpy()
        over = shapely.area(shapely.intersection(g, cell_geom)) > 0
        sq, g = sq.loc[over], g[over]
        geoms += list(g)
        kinds += list(sq["class"])
        prizes += list(shapely.area(g) * sq["class"].map(HOT_WEIGHT).to_numpy())
        ids += [f"square-{s}" for s in (sq["square_id"] if "square_id" in sq else
                                        range(1, len(sq) + 1))]
    order = np.argsort(-np.asarray(prizes, dtype=float), kind="stable")[:max_spots]
    return (np.array(geoms, dtype=object)[order], np.array(kinds, dtype=object)[order],
            np.asarray(prizes, dtype=float)[order], np.array(ids, dtype=object)[order])


@quiet
def patrol_route(
    cells: gpd.GeoDataFrame,
    roads: gpd.GeoDataFrame,
    cell_id: object,
    *,
    start: tuple[float, float] | None = None,
    all_roads: bool = False,
    max_length: float | None = None,
    blind_spots: gpd.GeoDataFrame | None = None,
    hotspots: gpd.GeoDataFrame | None = None,
    max_spots: int = MAX_SPOTS,
    speed_kmh: float = WALK_KMH,
    progress: Progress | None = None,
) -> dict[str, gpd.GeoDataFrame | pd.DataFrame]:
    """Layers ``patrol`` (ordered line pieces: seq, length_m, cumulative_m),
    ``patrol_summary`` (one row) and ``patrol_spots`` (the spots, visited or not), in the
    cells' CRS. ``start`` (x, y) is in the cells' CRS."""
    progress = progress or Progress()
    if all_roads == (max_length is not None):
        raise InputError("patrol needs exactly one of --all-roads and --max-length M")
    if max_length is not None and not max_length > 0:
        raise InputError(f"--max-length must be > 0 metres, got {max_length:g}")
    if not speed_kmh > 0:
        raise InputError(f"--speed must be > 0 km/h, got {speed_kmh:g}")
    cells_n = normalize_cells(cells, progress)
    k = _one_cell(cells_n, cell_id)
    start_gdf = None
    if start is not None:
        start_gdf = gpd.GeoDataFrame(geometry=[shapely.Point(*start)], crs=cells_n.crs)
    frame, moved = metric_frame({"cells": cells_n, "roads": roads, "blind": blind_spots,
                             "hot": hotspots, "start": start_gdf}, cells_n, progress)
    m: dict[str, Any] = dict(moved)  # present where the options say so
    metric = m["cells"].crs
    cell = m["cells"].geometry.to_numpy()[k]
    lines = cell_roads(cell, m["roads"].geometry.to_numpy())
    if len(lines) == 0:
        raise InputError(f"cell {cell_id} has no roads", file=roads.attrs.get("file"),
                         layer=roads.attrs.get("layer", "roads"))
    net = shapely.union_all(lines)
    spot_geoms, spot_kind, spot_prize, spot_id = (np.empty(0, dtype=object),) * 4
    if not all_roads:
        spot_geoms, spot_kind, spot_prize, spot_id = _spots(cell, cells_n["cell_id"].iloc[k],
                                                            m["blind"], m["hot"], max_spots)
    origin = m["start"].geometry.iloc[0] if start is not None else shapely.centroid(cell)
    targets = np.concatenate([[origin], spot_geoms])
    access = shapely.get_point(shapely.shortest_line(net, targets), 0)
    rg = road_graph(lines, access)
    prune_stubs(rg, cell)
    start_node, spot_node = int(rg.access[0]), rg.access[1:]
    comp = nx.node_connected_component(rg.graph, start_node)
    graph = rg.graph.subgraph(comp).copy()
    if graph.number_of_nodes() < rg.graph.number_of_nodes():
        lost = rg.graph.number_of_edges() - graph.number_of_edges()
        progress.info(f"patrol: {lost} road pieces of cell {cell_id} are not connected to "
                      "the start; the loop leaves them out")
    progress.step(0.3)

    visited_order = np.zeros(len(spot_node), dtype=np.int64)
    if all_roads:
        edges = postman_tour(graph, start_node)
        mode = "all_roads"
    else:
        stops = np.r_[start_node, spot_node]
        dist = np.full((len(stops), len(stops)), np.inf)
        for i, s in enumerate(stops):
            if s not in comp:
                continue
            d = nx.single_source_dijkstra_path_length(graph, int(s), weight="length")
            dist[i] = [d.get(int(t), np.inf) for t in stops]
        order = prize_tour(dist, spot_prize, float(max_length or 0.0))
        nodes = [start_node]
        for a, b in zip(order[:-1], order[1:], strict=True):
            path = nx.dijkstra_path(graph, int(stops[a]), int(stops[b]), weight="length")
            nodes += path[1:]
        edges = walk_edges(graph, nodes) if len(nodes) > 1 else []
        mode = "max_length"
        for rank, s in enumerate([o for o in order[1:-1]], start=1):
            visited_order[s - 1] = rank
    progress.step(0.8)

    pieces = [graph.edges[u, v, key]["geom"] if u <= v
              else shapely.reverse(graph.edges[u, v, key]["geom"]) for u, v, key in edges]
    lengths = np.array([graph.edges[u, v, key]["length"] for u, v, key in edges], dtype=float)
    total = float(lengths.sum())
    route = gpd.GeoDataFrame({"seq": np.arange(1, len(pieces) + 1), "length_m": lengths,
                              "cumulative_m": np.cumsum(lengths)},
                             geometry=gpd.GeoSeries(pieces, crs=metric), crs=metric)
    spots = gpd.GeoDataFrame({"spot_id": spot_id.astype(str), "kind": spot_kind.astype(str),
                              "prize": spot_prize, "visit_order": visited_order,
                              "visited": visited_order > 0},
                             geometry=gpd.GeoSeries(access[1:], crs=metric), crs=metric)
    minutes = total / (speed_kmh * 1000.0 / 60.0)
    start_pt = shapely.Point(rg.xy[start_node])
    summary = pd.DataFrame({"cell_id": [cells_n["cell_id"].iloc[k]], "mode": [mode],
                            "length_m": [total], "walk_minutes": [minutes],
                            "spots_visited": [int((visited_order > 0).sum())],
                            "spots_considered": [len(spot_node)],
                            "max_length_m": [np.nan if max_length is None else max_length]})
    out = {"patrol": route, "patrol_spots": spots}
    start_layer = gpd.GeoDataFrame({"name": ["start"]}, geometry=[start_pt], crs=metric)
    out = {n: frame.back(g) for n, g in out.items()}
    start_layer = frame.back(start_layer)
    sx, sy = shapely.get_coordinates(start_layer.geometry.to_numpy())[0]
    summary["start_x"], summary["start_y"] = sx, sy
    out["patrol_summary"] = summary
    progress.info(f"patrol: cell {cell_id}, {total:.0f} m ({minutes:.0f} min at "
                  f"{speed_kmh:g} km/h), {int((visited_order > 0).sum())} of "
                  f"{len(spot_node)} spots")
    progress.step(1.0)
    return out


def gpx_text(route: gpd.GeoDataFrame, spots: gpd.GeoDataFrame, name: str) -> str | None:
    """GPX 1.1 (WGS84) of the route as one track and the visited spots as waypoints;
    ``None`` when the layers have no CRS (a local site plan cannot be placed on Earth)."""
    from xml.sax.saxutils import escape

    if route.crs is None:
        return None
    wgs = route.to_crs(4326)
    coords = [shapely.get_coordinates(g) for g in wgs.geometry.to_numpy()]
    pts = np.concatenate(coords) if coords else np.empty((0, 2))
    if len(pts) > 1:
        same = np.r_[False, (np.abs(np.diff(pts, axis=0)) < 1e-12).all(axis=1)]
        pts = pts[~same]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx version="1.1" creator="lever_grid" xmlns="http://www.topografix.com/GPX/1/1">']
    seen = spots[spots["visited"]].sort_values("visit_order")
    if len(seen):
        for row, (x, y) in zip(seen.itertuples(), shapely.get_coordinates(
                seen.to_crs(4326).geometry.to_numpy()), strict=True):
            lines.append(f'  <wpt lat="{y:.7f}" lon="{x:.7f}"><name>{row.visit_order} '
                         f'{escape(row.spot_id)}</name></wpt>')
    lines.append(f"  <trk><name>{escape(name)}</name><trkseg>")
    lines += [f'    <trkpt lat="{y:.7f}" lon="{x:.7f}"/>' for x, y in pts]
    lines += ["  </trkseg></trk>", "</gpx>", ""]
    return "\n".join(lines)
