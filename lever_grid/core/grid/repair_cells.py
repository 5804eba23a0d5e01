"""Repair hand-drawn cells: snap edges onto roads, close gaps, remove overlaps.

``repair_cells`` lays the cells over the faces of the road network (the blocks the roads,
repaired as in :mod:`lever_grid.core.grid.roadnet`, enclose, cut by the boundary, and the
rest of the boundary) and cuts both into
*atoms*: the pieces of the plane that no road, boundary or cell edge crosses. Then:

1. **snap**: an atom narrower than the tolerance (it vanishes when shrunk by 0.55 times
   the tolerance) lies between a drawn cell edge and a road or the boundary. It joins the
   atom of the same face that it shares most edge with, so the cell edge moves onto the
   road. Repeated until no such atom is left (a strip cut into several atoms);
2. **overlaps**: an atom that two or more cells cover goes to the one of them that holds
   most of the atom's face (the block it lies in);
3. **gaps**: an atom no cell covers goes to its neighbour with the longest shared edge,
   preferring a neighbour in the same face (a gap next to a road goes to the cell on its
   own side of the road), round after round until every atom inside the boundary has a
   cell.

Cell edges farther than the tolerance from every road stay as drawn. The boundary is the
one given, else the cells' outline with its holes filled.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from ..crs import MetricFrame, check_coordinates
from ..errors import InputError, location_of
from ..geometry import clean_polygons, group_union
from ..progress import Progress
from .levels import road_levels
from .quiet import quiet
from .roadnet import _lines, _node, _sides, build_faces, repair_network

__all__ = ["TOLERANCE_M", "CHANGES", "repair_cells", "repair_new_cell"]


#: Cell edges within this distance (metres) of a road are snapped onto it.
TOLERANCE_M = 3.0


#: Kinds of change in the problems layer written by the repair.
CHANGES = ("snapped", "overlap_removed", "gap_closed")


_MIN_AREA = 0.01



def _metric_layer(gdf, role: str, frame: MetricFrame, crs):
    if gdf is None or len(gdf) == 0:
        return None
    where = location_of(gdf, role)
    if gdf.crs is None and crs is not None:
        gdf = gdf.set_crs(crs)
    check_coordinates(gdf, file=where.get("file"), layer=where.get("layer"))
    return frame.forward(gdf)


def _atoms(faces: np.ndarray, cells: np.ndarray, outline) -> tuple[np.ndarray, np.ndarray]:
    rings = _lines(shapely.boundary(np.concatenate([faces, cells])))
    edges = _node(rings)
    atoms = shapely.get_parts(shapely.polygonize(edges))
    atoms = atoms[shapely.area(atoms) > 0]
    rep = shapely.point_on_surface(atoms)
    return atoms[shapely.within(rep, outline)], edges


def _polygons(geoms: np.ndarray) -> np.ndarray:
    parts = shapely.get_parts(np.asarray(geoms, dtype=object))
    return parts[(shapely.get_type_id(parts) == 3) & (shapely.area(parts) > 0)]


def _first_per_row(rows: np.ndarray, cols: np.ndarray, key: np.ndarray, n: int) -> np.ndarray:
    """For each row id 0..n-1 the col with the largest key (ties: lowest col); -1 if none."""
    out = np.full(n, -1, dtype=np.int64)
    if len(rows) == 0:
        return out
    order = np.lexsort((cols, -key, rows))
    rows, cols = rows[order], cols[order]
    first = np.concatenate([[True], rows[1:] != rows[:-1]])
    out[rows[first]] = cols[first]
    return out


@quiet
def repair_cells(
    cells: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None = None,
    boundary: gpd.GeoDataFrame | None = None,
    tolerance: float = TOLERANCE_M,
    no_node_field: str | None = None,
    progress: Progress | None = None,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, list[str]]:
    """Snap cell edges within ``tolerance`` metres onto the roads, close the gaps and
    remove the overlaps inside the boundary (see the module docstring).

    Returns
    -------
    (repaired, changes, summary) : the cells with the same rows and fields and repaired
        geometry (in the cells' CRS); a problems-style layer (problem, cell_id,
        area_m2, detail, MultiPolygon geometry) with one row per kind of change and cell
        (``snapped``, ``overlap_removed``, ``gap_closed``); one summary line per kind.
    """
    progress = progress or Progress()
    where = location_of(cells, "cells")
    if cells.crs is None and not cells.attrs.get("local"):
        raise InputError("the layer has no CRS; pass --assume-crs EPSG:NNNN (or 'local' for a "
                         "site plan in metres)", **where)
    if len(cells) == 0:
        raise InputError("the cells layer has no features", **where)
    if not np.isfinite(tolerance) or tolerance < 0:
        raise InputError(f"repair tolerance {tolerance!r} must be a number >= 0 (metres)")
    check_coordinates(cells, file=where.get("file"), layer=where.get("layer"))
    crs = cells.crs
    frame = MetricFrame.of(cells, progress)
    metric = frame.crs
    cells_m = frame.forward(cells)
    raw = shapely.force_2d(cells_m.geometry.to_numpy())
    null = shapely.is_missing(raw) | shapely.is_empty(raw)
    geoms = raw.copy()
    geoms[~null] = clean_polygons(raw[~null])
    geoms[null] = shapely.Polygon()
    boundary_m = _metric_layer(boundary, "boundary", frame, crs)
    if boundary_m is not None:
        outline = shapely.union_all(clean_polygons(boundary_m.geometry.to_numpy()))
    else:
        parts = shapely.get_parts(shapely.union_all(geoms[~null]))
        parts = parts[shapely.get_type_id(parts) == 3]
        outline = shapely.union_all(shapely.polygons(shapely.get_exterior_ring(parts)))
    progress.step(0.1)

    roads_m = _metric_layer(roads, "roads", frame, crs)
    if roads_m is not None:
        levels = road_levels(roads_m, no_node_field)
        pieces, level, _ = repair_network(roads_m.geometry.to_numpy(), levels,
                                          snap=tolerance)
        # the blocks the roads enclose, cut by the outline, and the rest of the outline
        # (a boundary drawn a metre off the outer roads leaves strips, not faces)
        faces = build_faces(pieces[level == 0], snap=tolerance).geoms
        faces = _polygons(shapely.intersection(faces, outline))
    else:
        faces = np.empty(0, dtype=object)
    rest = shapely.difference(outline, shapely.union_all(faces)) if len(faces) else outline
    faces = np.concatenate([faces, _polygons(np.array([rest], dtype=object))])
    progress.step(0.3)

    atoms, edges = _atoms(faces, geoms[~null], outline)
    n, k = len(atoms), len(geoms)
    rep = shapely.point_on_surface(atoms)
    a_i, f_i = shapely.STRtree(faces).query(rep, predicate="within")
    face = np.full(n, -1, dtype=np.int64)
    face[a_i] = f_i
    a_i, c_i = shapely.STRtree(geoms).query(rep, predicate="within")
    cover = sparse.csr_matrix((np.ones(len(a_i)), (a_i, c_i)), shape=(n, k))
    n_cover = np.asarray(cover.sum(axis=1)).ravel().astype(np.int64)
    owner = np.full(n, -1, dtype=np.int64)
    one = n_cover == 1
    owner[one] = cover[one].indices if one.any() else owner[one]
    was = owner.copy()
    kind = np.full(n, -1, dtype=np.int64)  # index into CHANGES
    area = shapely.area(atoms)

    # atom adjacency by shared edge length
    left, right = _sides(atoms, edges)
    length = shapely.length(edges)
    pair = (left >= 0) & (right >= 0) & (left != right)
    adj = sparse.coo_matrix((np.concatenate([length[pair], length[pair]]),
                             (np.concatenate([left[pair], right[pair]]),
                              np.concatenate([right[pair], left[pair]]))), shape=(n, n)).tocsr()
    adj.sum_duplicates()
    coo = adj.tocoo()
    same_face = face[coo.row] == face[coo.col]
    progress.step(0.5)

    # 1. snap: thin atoms join the same-face neighbour they share most edge with
    thin = shapely.is_empty(shapely.buffer(atoms, -0.55 * tolerance, quad_segs=2)) \
        if tolerance > 0 else np.zeros(n, dtype=bool)
    thin &= area < 0.5 * shapely.area(faces)[np.maximum(face, 0)]
    free = thin.copy()
    for _ in range(20):  # a strip cut into a few atoms: a few rounds
        ok = free[coo.row] & ~free[coo.col] & same_face & (owner[coo.col] >= 0)
        target = _first_per_row(coo.row[ok], coo.col[ok], coo.data[ok], n)
        got = target >= 0
        if not got.any():
            break
        new_owner = owner[target[got]]
        changed = np.flatnonzero(got)[new_owner != owner[got]]
        kind[changed] = 0
        owner[got] = new_owner
        free &= ~got

    # 2. overlaps: the covering cell that holds most of the atom's face
    multi = (n_cover >= 2) & (owner < 0)
    if multi.any():
        held = sparse.csr_matrix((area[owner >= 0], (face[owner >= 0], owner[owner >= 0])),
                                 shape=(len(faces), k)).toarray()
        rows = cover[multi].tocoo()
        atom = np.flatnonzero(multi)[rows.row]
        key = held[face[atom], rows.col] + 1e-9 * area[atom]
        best = _first_per_row(rows.row, rows.col, key, int(multi.sum()))
        owner[multi] = best
        kind[multi] = 1

    # 3. gaps: the neighbour with the longest shared edge, same face first
    for _ in range(n + 1):
        gap = owner < 0
        if not gap.any():
            break
        ok = gap[coo.row] & (owner[coo.col] >= 0)
        if not ok.any():
            break
        key = coo.data[ok] + np.where(same_face[ok], 1e9, 0.0)
        target = _first_per_row(coo.row[ok], coo.col[ok], key, n)
        got = target >= 0
        owner[got] = owner[target[got]]
        kind[got & (kind < 0)] = 2
    progress.step(0.8)

    keep = owner >= 0
    new = group_union(atoms[keep], owner[keep], k)
    empty = np.array([g is None for g in new])
    new[empty] = shapely.Polygon()
    new = shapely.normalize(new)
    labels = _labels(cells_m)
    out = frame.back(cells_m.set_geometry(list(new)))
    changes = frame.back(_changes(atoms, owner, was, kind, labels, area, metric))
    changes.attrs["geometry_type"] = "MultiPolygon"  # a hint for writers when it is empty
    summary = _summary(changes, empty, labels)
    progress.step(1.0)
    return out, changes, summary


def repair_new_cell(
    cell,
    cells: gpd.GeoDataFrame,
    *,
    roads: gpd.GeoDataFrame | None,
    tolerance: float = TOLERANCE_M,
):
    """A newly drawn ``cell`` (a polygon in the CRS of ``cells``) with its edges within
    ``tolerance`` metres of a road moved onto it, as :func:`repair_cells` moves them.

    The new cell is repaired together with the cells it overlaps, each with the new cell
    cut out (the area it will take from them): a strip between a drawn edge and a road
    goes to the side of the road it lies on. Only the new cell's geometry is returned;
    the caller takes its area from the neighbours. Roads are those whose bounding box
    meets the neighbourhood (the involved cells' box, grown by its size).
    """
    cell = shapely.force_2d(cell)
    geoms = cells.geometry.to_numpy()
    hit = shapely.intersects(geoms, cell) & ~shapely.is_empty(geoms) & \
        ~shapely.is_missing(geoms)
    others = shapely.difference(geoms[hit], cell)
    others = others[~shapely.is_empty(others) & (shapely.area(others) > 0)]
    group = gpd.GeoDataFrame(geometry=np.concatenate([[cell], others]), crs=cells.crs)
    group.attrs.update(cells.attrs)
    if roads is not None and len(roads):
        x0, y0, x1, y1 = shapely.total_bounds(group.geometry.to_numpy())
        grow = max(x1 - x0, y1 - y0)
        near = gpd.GeoSeries([shapely.box(x0 - grow, y0 - grow, x1 + grow, y1 + grow)],
                             crs=cells.crs)
        if roads.crs is not None and cells.crs is not None and roads.crs != cells.crs:
            near = near.to_crs(roads.crs)
        roads = roads[shapely.intersects(roads.geometry.to_numpy(), near.iloc[0])]
    repaired, _, _ = repair_cells(group, roads=roads if roads is not None and len(roads)
                                  else None, tolerance=tolerance)
    return repaired.geometry.iloc[0]


def _labels(cells: gpd.GeoDataFrame) -> np.ndarray:
    if "cell_id" not in cells.columns:
        return np.array([f"(feature {f})" for f in cells.index], dtype=object)
    raw = cells["cell_id"]
    num = pd.to_numeric(raw, errors="coerce")
    whole = num.notna() & (num % 1 == 0)
    text = raw.astype(object).where(~whole, num.where(whole).astype("Int64").astype(str))
    text = text.where(raw.notna(), "").astype(str).str.strip().to_numpy(dtype=object)
    return np.where(text == "", [f"(feature {f})" for f in cells.index], text).astype(object)


def _changes(atoms, owner, was, kind, labels, area, metric) -> gpd.GeoDataFrame:
    moved = (kind >= 0) & (owner >= 0) & ((owner != was) | (kind > 0))
    rows = []
    if moved.any():
        key = kind[moved] * len(labels) + owner[moved]
        uniq, inv = np.unique(key, return_inverse=True)
        geoms = group_union(atoms[moved], inv, len(uniq))
        tot = np.bincount(inv, weights=area[moved])
        for (u, g, a) in zip(uniq, geoms, tot, strict=True):  # one row per kind and cell
            if a <= _MIN_AREA:
                continue
            what, cell = CHANGES[u // len(labels)], labels[u % len(labels)]
            text = {"snapped": f"cell {cell}: {a:.2f} m² between its drawn edge and a road "
                               "moved onto the road",
                    "overlap_removed": f"cell {cell} keeps {a:.2f} m² that other cells "
                                       "also covered",
                    "gap_closed": f"cell {cell} takes {a:.2f} m² that no cell covered"}[what]
            parts = shapely.get_parts(g)
            rows.append({"problem": what, "cell_id": cell, "area_m2": round(float(a), 2),
                         "detail": text,
                         "geometry": shapely.multipolygons(parts[shapely.get_type_id(parts)
                                                                 == 3])})
    frame = pd.DataFrame(rows, columns=["problem", "cell_id", "area_m2", "detail", "geometry"])
    out = gpd.GeoDataFrame(frame.drop(columns="geometry"), geometry=list(frame["geometry"]),
                           crs=metric)
    for col in ("problem", "cell_id", "detail"):
        out[col] = out[col].astype(str).astype(object)
    out["area_m2"] = out["area_m2"].astype(float)
    out.attrs["geometry_type"] = "MultiPolygon"
    return out


def _summary(changes: gpd.GeoDataFrame, empty: np.ndarray, labels: np.ndarray) -> list[str]:
    lines = []
    for what in CHANGES:
        rows = changes[changes["problem"] == what]
        lines.append(f"{what}: {len(rows)} cell(s) ({rows['area_m2'].sum():.1f} m²)")
    if empty.any():
        lines.append(f"empty after repair: cell(s) {', '.join(map(str, labels[empty]))}")
    return lines
