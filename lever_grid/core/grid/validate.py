"""Check a cells layer (hand-drawn or built): overlaps, gaps, slivers, roads cut across,
duplicate and missing ids, invalid geometries.

Thresholds (metres, in the metric CRS of :func:`lever_grid.core.crs.metric_crs`):

- overlaps and gaps smaller than ``MIN_AREA`` (0.01 m²) are floating-point noise, not problems;
- the area the cells should cover is the boundary when one is given, otherwise the cells'
  outline with its holes filled plus, when roads are given, the road network's outer edge
  (strips under ``JUNCTION_TOL`` wide along that edge are drawing tolerance);
- a sliver is a cell, or one part of a multi-part cell, with Polsby–Popper compactness
  ``4 pi A / P^2`` under ``SLIVER_PP`` (0.05) or an area under ``SLIVER_AREA`` (10 m²);
- a road is cut across where a cell boundary crosses it at a point farther than
  ``JUNCTION_TOL`` (3 m, the default snap distance of the road repair) from every road
  end and junction, and the road carries on away from the cell edges on both sides (it is
  more than ``JUNCTION_TOL`` off them ``4 * JUNCTION_TOL`` further along). A road running
  along a cell edge, even drawn a little off it, is fine, and so is a road leaving the
  area the cells cover (the outside is no cell), or a road on a bridge or in a tunnel
  (OSM ``bridge``/``tunnel``/``layer``, see :mod:`lever_grid.core.grid.levels`).

The problems layer has one row per problem with problem, cell_id (the cell, or ``"a,b"``
for the cells involved), area_m2, detail and a MultiPolygon geometry: the overlap, gap,
sliver or invalid cell itself; the cells sharing a duplicate id or lacking one; a disc of
``MARK_RADIUS`` (2 m) round a road crossing (area_m2 0). Null geometries have no geometry.
"""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..crs import MetricFrame, check_coordinates, to_metric
from ..errors import InputError, location_of
from ..geometry import clean_polygons, expand_pairs, polygonal
from ..inputs.fields import canonical_ids, rename_fields
from ..progress import Progress

__all__ = [
    "PROBLEMS", "MIN_AREA", "SLIVER_PP", "SLIVER_AREA", "JUNCTION_TOL", "MARK_RADIUS",
    "validate_cells",
]


PROBLEMS = ("overlap", "gap", "sliver", "crosses_road", "duplicate_id", "missing_id",
            "invalid_geometry")


MIN_AREA = 0.01


SLIVER_PP = 0.05


SLIVER_AREA = 10.0


JUNCTION_TOL = 3.0


MARK_RADIUS = 2.0


_ON = 1e-6  # a point within this distance lies on a line



def _multi(geoms: np.ndarray) -> np.ndarray:
    """Polygonal parts as MultiPolygons (None stays None)."""
    out = np.empty(len(geoms), dtype=object)
    for i, geom in enumerate(geoms):  # problem rows: a handful, not features
        if geom is None:
            out[i] = None
            continue
        parts = shapely.get_parts(geom)
        parts = parts[shapely.get_type_id(parts) == 3]
        out[i] = shapely.multipolygons(parts) if len(parts) else None
    return out


def _ids(cells: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """cell_id as text per cell, and whether it is missing (no field, null or blank)."""
    if "cell_id" not in cells.columns:
        return np.full(len(cells), "", dtype=object), np.ones(len(cells), dtype=bool)
    raw = cells["cell_id"]
    text = raw.astype(object).where(raw.notna(), "").astype(str).str.strip()
    present = (text != "").to_numpy()
    if present.any():  # the ids normalize_cells would give ("01" and "1" stay distinct)
        text[present] = canonical_ids(raw[present]).astype(str).to_numpy()
    text = text.to_numpy(dtype=object)
    return text, text == ""


def _rows(problem: str, cell_id, area, detail, geoms) -> pd.DataFrame:
    n = len(geoms)
    return pd.DataFrame({
        "problem": [problem] * n, "cell_id": list(cell_id), "area_m2": np.round(area, 2),
        "detail": list(detail), "geometry": list(geoms),
    })


def _cells_touching(cells: np.ndarray, ids: np.ndarray, geoms: np.ndarray) -> list[str]:
    """For each geometry, the ids of the cells within 1 µm of it, joined with commas."""
    out: list[list[str]] = [[] for _ in range(len(geoms))]
    g_i, c_i = shapely.STRtree(cells).query(geoms, predicate="dwithin", distance=_ON)
    order = np.lexsort((c_i, g_i))
    g_i, c_i = g_i[order], c_i[order]
    for g, c in zip(g_i, c_i, strict=True):  # pairs of problems and cells: few
        out[g].append(ids[c])
    return [",".join(dict.fromkeys(x)) for x in out]


def validate_cells(
    cells: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    progress: Progress | None = None,
    columns: Mapping[str, str | None] | None = None,
) -> tuple[gpd.GeoDataFrame, list[str]]:
    """Find what is wrong with a cells layer.

    Parameters
    ----------
    cells : (Multi)Polygons with a cell_id field (or an alias of :mod:`..inputs.fields`).
    roads : road centrelines; enables the crosses_road check.
    boundary : the area the cells should cover; default: the union of the cells with
        its holes filled (so a hole inside the cells is a gap, the outside is not) and,
        when roads are given, the road network's outer edge (the union of the faces the
        roads enclose: a strip at least ``JUNCTION_TOL`` wide between the cells and the
        outermost roads is a gap).
    columns : field → column overrides (``{"cell_id": "编号"}``), as ``--cell-id-column``.

    Returns
    -------
    (problems, summary) : the problems layer (in the cells' CRS; columns problem,
        cell_id, area_m2, detail, geometry) and one summary line per problem type
        (``"overlap: 2 (31.5 m²)"``), or ``["no problems"]``.
    """
    progress = progress or Progress()
    where = location_of(cells, "cells")
    cells = rename_fields(cells, "cells", columns, progress)
    if cells.crs is None and not cells.attrs.get("local"):
        raise InputError("the layer has no CRS; pass --assume-crs EPSG:NNNN (or 'local' for a "
                         "site plan in metres)", **where)
    if len(cells) == 0:
        raise InputError("the cells layer has no features", **where)
    check_coordinates(cells, file=where.get("file"), layer=where.get("layer"))
    out_crs = cells.crs
    frame = MetricFrame.of(cells, progress)
    metric = frame.crs
    cells_m = frame.forward(cells)
    ids, missing = _ids(cells_m)
    label = np.where(missing, [f"(feature {f})" for f in cells_m.index], ids).astype(object)
    raw = shapely.force_2d(cells_m.geometry.to_numpy())
    frames = []

    # invalid or empty geometries; the rest of the checks use repaired polygons
    null = shapely.is_missing(raw) | shapely.is_empty(raw)
    invalid = ~null & ~shapely.is_valid(raw)
    geoms = raw.copy()
    geoms[invalid] = clean_polygons(raw[invalid])
    geoms[null] = shapely.Polygon()
    if null.any() or invalid.any():
        reasons = np.full(len(raw), "no geometry", dtype=object)
        reasons[invalid] = shapely.is_valid_reason(raw[invalid])
        bad = null | invalid
        shown = geoms[bad].copy()
        shown[null[bad]] = None
        frames.append(_rows("invalid_geometry", label[bad], shapely.area(geoms[bad]),
                            [f"feature {f}: {r}" for f, r in zip(cells_m.index[bad],
                                                                  reasons[bad], strict=True)],
                            shown))
    progress.step(0.1)

    # ids
    if missing.any():
        fids = cells_m.index[missing]
        frames.append(_rows("missing_id", label[missing], shapely.area(geoms[missing]),
                            [f"feature {f} has no cell_id" for f in fids], geoms[missing]))
    present = ~missing
    if present.any():
        values, inverse, counts = np.unique(ids[present], return_inverse=True,
                                            return_counts=True)
        dup_values = values[counts > 1]
        if len(dup_values):
            idx = np.flatnonzero(present)
            dup_geoms, dup_area, dup_detail = [], [], []
            for value in dup_values:  # one row per duplicated id
                members = idx[ids[idx] == value]
                union = shapely.union_all(geoms[members])
                dup_geoms.append(union)
                dup_area.append(shapely.area(union))
                dup_detail.append(f"cell_id {value} is used by {len(members)} cells (features "
                                  f"{', '.join(map(str, cells_m.index[members]))})")
            frames.append(_rows("duplicate_id", dup_values, np.array(dup_area), dup_detail,
                                np.array(dup_geoms, dtype=object)))
    progress.step(0.2)

    # overlaps between pairs of cells
    tree = shapely.STRtree(geoms)
    a, b = tree.query(geoms, predicate="intersects")
    keep = a < b
    a, b = a[keep], b[keep]
    if len(a):
        inter = polygonal(shapely.intersection(geoms[a], geoms[b]))
        area = shapely.area(inter)
        big = area > MIN_AREA
        a, b, inter, area = a[big], b[big], inter[big], area[big]
        frames.append(_rows(
            "overlap", [f"{label[i]},{label[j]}" for i, j in zip(a, b, strict=True)], area,
            [f"cells {label[i]} and {label[j]} overlap by {x:.2f} m²"
             for i, j, x in zip(a, b, area, strict=True)], inter))
    progress.step(0.4)

    # gaps inside the boundary
    covered = shapely.union_all(geoms)
    if boundary is not None and len(boundary):
        bwhere = location_of(boundary, "boundary")
        check_coordinates(boundary, file=bwhere.get("file"), layer=bwhere.get("layer"))
        if boundary.crs is None and out_crs is not None:
            boundary = boundary.set_crs(out_crs)
        outline = shapely.union_all(clean_polygons(to_metric(boundary, metric)
                                                   .geometry.to_numpy()))
    else:
        parts = shapely.get_parts(covered)
        parts = parts[shapely.get_type_id(parts) == 3]
        outline = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    holes = _pieces(shapely.difference(outline, covered))
    if boundary is None and roads is not None and len(roads):
        holes = np.concatenate([holes, _edge_gaps(roads, outline, metric, out_crs)])
    if len(holes):
        around = _cells_touching(geoms, label, holes)
        frames.append(_rows("gap", around, shapely.area(holes),
                            [f"{shapely.area(h):.2f} m² not covered by any cell"
                             + (f" (next to {c})" if c else "")
                             for h, c in zip(holes, around, strict=True)], holes))
    progress.step(0.6)

    # slivers: thin or tiny cells and parts of cells
    parts, owner = shapely.get_parts(geoms, return_index=True)
    poly = (shapely.get_type_id(parts) == 3) & ~shapely.is_empty(parts)
    parts, owner = parts[poly], owner[poly]
    perim = shapely.length(parts)
    area = shapely.area(parts)
    pp = 4 * np.pi * area / perim**2
    thin = (pp < SLIVER_PP) | (area < SLIVER_AREA)
    if thin.any():
        n_parts = np.bincount(owner, minlength=len(geoms))
        frames.append(_rows(
            "sliver", label[owner[thin]], area[thin],
            [f"{'part of ' if n_parts[o] > 1 else ''}cell {label[o]}: {x:.2f} m², "
             f"Polsby–Popper {p:.3f}" for o, x, p in zip(owner[thin], area[thin], pp[thin],
                                                           strict=True)], parts[thin]))
    progress.step(0.7)

    # roads cut across by a cell boundary
    if roads is not None and len(roads):
        rwhere = location_of(roads, "roads")
        if roads.crs is None and out_crs is not None:
            roads = roads.set_crs(out_crs)
        check_coordinates(roads, file=rwhere.get("file"), layer=rwhere.get("layer"))
        # a cell edge may pass under a bridge or over a tunnel: only ground roads count
        from .levels import road_levels

        ground = roads.loc[road_levels(roads) == 0]
        if len(ground):
            frames.extend(_crossings(geoms, label, to_metric(ground, metric)))
    progress.step(0.9)

    problems = _assemble(frames, frame)
    summary = _summary(problems)
    progress.step(1.0)
    return problems, summary


def _pieces(geom) -> np.ndarray:
    """Polygon parts of a geometry larger than ``MIN_AREA``."""
    parts = shapely.get_parts(polygonal(np.array([geom], dtype=object))[0])
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > MIN_AREA)]


def _edge_gaps(roads: gpd.GeoDataFrame, outline, metric, out_crs) -> np.ndarray:
    """Area inside the road network's outer edge that the cells' outline leaves out.

    Without a boundary the cells should reach the network's outer edge (the union of the
    faces the repaired roads enclose, see :mod:`lever_grid.core.roadnet`). Strips narrower
    than ``JUNCTION_TOL`` are drawing tolerance (a cell edge drawn a metre inside a road),
    not gaps.
    """
    from .roadnet import build_faces, repair_roads

    if roads.crs is None and out_crs is not None:
        roads = roads.set_crs(out_crs)
    lines = to_metric(roads, metric).geometry.to_numpy()
    kinds = shapely.get_type_id(lines)
    faces = build_faces(repair_roads(lines[(kinds == 1) | (kinds == 5)])[0])
    if len(faces) == 0:
        return np.empty(0, dtype=object)
    pieces = _pieces(shapely.difference(shapely.union_all(faces.geoms), outline))
    core = shapely.buffer(pieces, -JUNCTION_TOL / 2, join_style="mitre")
    return pieces[~shapely.is_empty(core)]


def _crossings(geoms: np.ndarray, label: np.ndarray, roads: gpd.GeoDataFrame) -> list:
    lines = shapely.get_parts(shapely.force_2d(roads.geometry.to_numpy()))
    lines = lines[(shapely.get_type_id(lines) == 1) & (shapely.length(lines) > 0)]
    if len(lines) == 0:
        return []
    network = shapely.union_all(lines)
    pieces = shapely.get_parts(network)
    ends = np.concatenate([shapely.get_coordinates(shapely.get_point(pieces, 0)),
                           shapely.get_coordinates(shapely.get_point(pieces, -1))])
    node, degree = np.unique(ends, axis=0, return_counts=True)
    own_ends = np.concatenate([shapely.get_coordinates(shapely.get_point(lines, 0)),
                               shapely.get_coordinates(shapely.get_point(lines, -1))])
    # road ends (of the input features) and junctions (noded degree other than 2)
    nodes = shapely.points(np.concatenate([own_ends, node[degree != 2]]))
    rings = shapely.boundary(geoms)
    edges = shapely.union_all(rings[~shapely.is_empty(geoms)])
    hits = shapely.get_parts(shapely.intersection(network, edges))
    points = hits[shapely.get_type_id(hits) == 0]
    if len(points) == 0:
        return []
    near, _ = shapely.STRtree(nodes).query(points, predicate="dwithin", distance=JUNCTION_TOL)
    keep = np.ones(len(points), dtype=bool)
    keep[near] = False
    points = points[keep]
    p_i, c_i = _cut_across(network, points, geoms, rings)
    if len(p_i) == 0:
        return []
    # one row per crossing point, naming every cell whose edge cuts the road there
    uniq, first = np.unique(p_i, return_index=True)
    cell_lists = [",".join(dict.fromkeys(label[c_i[p_i == u]])) for u in uniq]
    points = points[uniq]
    names = _road_names(roads, points)
    xy = shapely.get_coordinates(points)
    detail = [f"road {n} crosses the boundary of cell {c.replace(',', ' / ')} at "
              f"{x:.1f}, {y:.1f}, away from any junction"
              for n, c, (x, y) in zip(names, cell_lists, xy, strict=True)]
    return [_rows("crosses_road", cell_lists, np.zeros(len(points)), detail,
                  shapely.buffer(points, MARK_RADIUS))]


def _cut_across(network, points: np.ndarray, geoms: np.ndarray,
                rings: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(point, cell) pairs where the cell's boundary cuts the road through the point.

    The road is followed ``4 * JUNCTION_TOL`` from the point each way: it is cut across
    when it is then inside the cell on one side and outside it on the other, more than
    ``JUNCTION_TOL`` from the cell's boundary both times (a road drawn along the edge a
    little off it stays close to it).
    """
    empty = np.empty(0, dtype=np.int64)
    if len(points) == 0:
        return empty, empty
    pieces = shapely.get_parts(network)
    hit_p, hit_l = shapely.STRtree(pieces).query(points, predicate="dwithin", distance=_ON)
    reach = 4.0 * JUNCTION_TOL
    at = shapely.line_locate_point(pieces[hit_l], points[hit_p])
    length = shapely.length(pieces[hit_l])
    pt_i = np.concatenate([hit_p, hit_p])
    probe = shapely.line_interpolate_point(
        np.concatenate([pieces[hit_l], pieces[hit_l]]),
        np.concatenate([np.maximum(at - reach, 0.0), np.minimum(at + reach, length)]))
    q_i, c_i = shapely.STRtree(rings).query(points, predicate="dwithin", distance=_ON)
    order = np.lexsort((c_i, q_i))
    q_i, c_i = q_i[order], c_i[order]
    # every (point, cell) pair against every probe of that point
    pair, pr = expand_pairs(pt_i, probe, q_i)
    cell = c_i[pair]
    clear = shapely.distance(pr, rings[cell]) > JUNCTION_TOL
    inside = shapely.contains(geoms[cell], pr)
    in_any = np.zeros(len(pr), dtype=bool)  # roads leaving the village are not cut across
    in_any[shapely.STRtree(geoms).query(pr, predicate="within")[0]] = True
    has_in = np.zeros(len(q_i), dtype=bool)
    has_out = np.zeros(len(q_i), dtype=bool)
    np.logical_or.at(has_in, pair, clear & inside)
    np.logical_or.at(has_out, pair, clear & ~inside & in_any)
    cut = has_in & has_out
    return q_i[cut], c_i[cut]


def _road_names(roads: gpd.GeoDataFrame, points: np.ndarray) -> list[str]:
    geoms = roads.geometry.to_numpy()
    p_i, r_i = shapely.STRtree(geoms).query(points, predicate="dwithin", distance=_ON)
    names = [""] * len(points)
    for p, r in zip(p_i[::-1], r_i[::-1], strict=True):  # first road wins; few points
        row = roads.iloc[r]
        text = str(row["name"]).strip() if "name" in roads.columns and pd.notna(
            row["name"]) else ""
        rid = row["road_id"] if "road_id" in roads.columns else roads.index[r]
        names[p] = f"{rid}" + (f" ({text})" if text else "")
    return names


def _assemble(frames: list, metric: MetricFrame) -> gpd.GeoDataFrame:
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame({
        "problem": pd.Series([], dtype=object), "cell_id": pd.Series([], dtype=object),
        "area_m2": pd.Series([], dtype=float), "detail": pd.Series([], dtype=object),
        "geometry": pd.Series([], dtype=object)})
    rank = {p: i for i, p in enumerate(PROBLEMS)}
    frame["_rank"] = frame["problem"].map(rank)
    frame = frame.sort_values(["_rank"], kind="stable").drop(columns="_rank")
    geoms = _multi(frame["geometry"].to_numpy())
    out = gpd.GeoDataFrame(frame.drop(columns="geometry").reset_index(drop=True),
                           geometry=list(geoms), crs=metric.crs)
    for col in ("problem", "cell_id", "detail"):
        out[col] = out[col].astype(str).astype(object)
    out["area_m2"] = out["area_m2"].astype(float)
    out = metric.back(out)
    out.attrs["geometry_type"] = "MultiPolygon"  # a hint for writers when the layer is empty
    return out


def _summary(problems: gpd.GeoDataFrame) -> list[str]:
    if len(problems) == 0:
        return ["no problems"]
    lines = []
    for name in PROBLEMS:
        rows = problems[problems["problem"] == name]
        text = f"{name}: {len(rows)}"
        if name in ("overlap", "gap", "sliver") and len(rows):
            text += f" ({rows['area_m2'].sum():.1f} m²)"
        lines.append(text)
    return lines
