"""Generate the bundled sample village ``yangwu.gpkg`` (杨屋村, Dalingshan, Dongguan).

Deterministic (fixed seeds; byte-identical output with the same GDAL). Regenerate with
``python resources/sample/make_sample.py``; ``build_sample(path)`` does the same from Python.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point, Polygon
from shapely.ops import polylabel

SEED = 15
CRS = "EPSG:4547"
N_ROADS, N_CELLS = 58, 14
COLS, ROWS, DX, DY = 7, 6, 250.0, 220.0  # design grid of junctions, 1.5 km x 1.1 km
THROUGH_ROW, THROUGH_COL = 3, 3  # kept whole: 杨屋大道 and 学前路
CUT_CORNERS = ((0, 0), (6, 5))
LANE_HOSTS = (((1, 1), (2, 1)), ((4, 4), (4, 5)), ((5, 1), (5, 2)), ((1, 4), (2, 4)))
EXTERNAL = (((6, 3), (1.0, 0.1), 340.0, "大岭山大道"), ((3, 0), (0.1, -1.0), 300.0, "连平路"))
ROW_NAMES = ("", "杨屋一路", "杨屋二路", "杨屋大道", "杨屋三路", "")
COL_NAMES = ("", "新村一街", "新村二街", "学前路", "新村三街", "新村四街", "")
LANE_NAMES = ("杨屋一巷", "杨屋二巷", "杨屋三巷", "杨屋四巷")
FACTORY_ID = 1  # building_id of the 10,000-worker factory
OFFICES = ("大岭山派出所", "杨屋警务室", "杨屋南警务室")
OFFICERS = (
    "陈志强 李伟明 张建华 黄晓东 刘国平 杨文辉 王海涛 "
    "赵永刚 周俊杰 吴桂英 徐立新 孙明超 马振华 朱秀兰"
)
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗梁"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀华平刚桂英文辉建国"
CATEGORIES, CAT_P = ("盗窃", "诈骗", "纠纷", "交通", "其他"), (0.32, 0.16, 0.26, 0.16, 0.10)
KINDS = ("public1", "public2", "smart_eye", "social", "enterprise")
WINDOWS = {  # start, end (exclusive), number of incidents
    "2024a": (datetime(2024, 1, 1), datetime(2024, 6, 1), 307),
    "2024b": (datetime(2024, 6, 1), datetime(2025, 1, 1), 352),
    "2025a": (datetime(2025, 1, 1), datetime(2025, 6, 1), 125),
}
# 2025/2024 factor for cells 1..14 (above 1 rises); the factory's cell is set to 0.25
CELL_FACTOR = (0.45, 0.3, 0.5, 1.3, 0.35, 0.4, 0.6, 0.55, 0.4, 0.45, 1.2, 0.3, 0.5, 0.35)
Road = tuple[LineString, str, str]  # geometry, name, kind (ring/street/lane/external)


def frame(geoms, **columns) -> gpd.GeoDataFrame:
    """A GeoDataFrame in the sample CRS."""
    return gpd.GeoDataFrame(columns, geometry=list(geoms), crs=CRS)


def origin() -> np.ndarray:
    """Village centre in EPSG:4547 (lon 113.72 E, lat 22.88 N), rounded to metres."""
    tr = Transformer.from_crs("EPSG:4326", CRS, always_xy=True)
    return np.round(np.array(tr.transform(113.72, 22.88)))


def grid_nodes(rng: np.random.Generator) -> dict[tuple, np.ndarray]:
    """Jittered design junctions (grid index -> world xy), two corners cut off."""
    org, nodes = origin(), {}
    for i in range(COLS):
        for j in range(ROWS):
            if (i, j) not in CUT_CORNERS:
                base = np.array([(i - (COLS - 1) / 2) * DX, (j - (ROWS - 1) / 2) * DY])
                nodes[(i, j)] = org + base + rng.uniform(-36, 36, 2)
    return nodes


def grid_edges(nodes: dict) -> list[tuple]:
    """Grid edges as node pairs, plus a diagonal ring edge across each cut corner."""
    edges = [((i, j), b) for i, j in nodes for b in ((i + 1, j), (i, j + 1)) if b in nodes]
    for i, j in CUT_CORNERS:
        edges.append(tuple(sorted(((1 if i == 0 else i - 1, j), (i, 1 if j == 0 else j - 1)))))
    return edges


def is_ring(a: tuple, b: tuple) -> bool:
    """True for an edge of the village outline (both ends on the outline)."""
    return all(n[0] in (0, COLS - 1) or n[1] in (0, ROWS - 1) for n in (a, b))


def polyline(p: np.ndarray, q: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Gently bent polyline p -> q with two jittered inner vertices."""
    d = q - p
    n = np.array([-d[1], d[0]]) / np.hypot(*d)
    return [p] + [p + t * d + n * rng.uniform(-8, 8) for t in (0.35, 0.65)] + [q]


def design(seed: int, removed: frozenset = frozenset()) -> list[Road]:
    """Design edges without ``removed``; jitter depends on the seed only."""
    rng = np.random.default_rng(seed)
    nodes, out = grid_nodes(rng), []
    for k, (a, b) in enumerate(grid_edges(nodes)):
        pts = polyline(nodes[a], nodes[b], rng)
        if (a, b) in removed:
            continue
        kind = "ring" if is_ring(a, b) else "street"
        name = "环村路" if kind == "ring" else ROW_NAMES[a[1]] if a[1] == b[1] else COL_NAMES[a[0]]
        if (a, b) not in LANE_HOSTS:
            out.append((LineString(pts), name, kind))
            continue
        mid, d = (pts[1] + pts[2]) / 2, (pts[2] - pts[1]) / np.hypot(*(pts[2] - pts[1]))
        end = mid + np.array([-d[1], d[0]]) * rng.uniform(75, 95) * (1 if k % 2 else -1)
        end += d * rng.uniform(-10, 10)
        lane = LANE_NAMES[LANE_HOSTS.index((a, b))]
        out.append((LineString(polyline(mid, end, rng)), lane, "lane"))
        out += [
            (LineString(pts[:2] + [mid]), name, kind),
            (LineString([mid, *pts[2:]]), name, kind),
        ]
    for node, direction, length, name in EXTERNAL:
        far = nodes[node] + np.array(direction) / np.hypot(*direction) * length
        out.append((LineString(polyline(nodes[node], far, rng)), name, "external"))
    return out


def merge(edges: list[Road]) -> list[Road]:
    """Merge chains through degree-2 nodes: one road per junction-to-junction segment."""
    geoms = np.array([e[0] for e in edges])
    tree, roads = shapely.STRtree(geoms), []
    for line in shapely.get_parts(shapely.line_merge(shapely.multilinestrings(geoms))):
        best = max(tree.query(line, predicate="contains"), key=lambda i: geoms[i].length)
        roads.append((line, edges[best][1], edges[best][2]))
    return roads


def build_roads(seed: int) -> list[Road]:
    """Drop shuffled interior edges until exactly N_ROADS segments remain, no bridges."""
    edges = grid_edges(grid_nodes(np.random.default_rng(seed)))
    kept = set(edges)
    cand = [
        (a, b)
        for a, b in edges
        if not is_ring(a, b)
        and (a, b) not in LANE_HOSTS
        and not (a[1] == b[1] == THROUGH_ROW or a[0] == b[0] == THROUGH_COL)
    ]
    removed: set = set()
    for k in np.random.default_rng(seed + 1).permutation(len(cand)):
        if len(merge(design(seed, frozenset(removed)))) == N_ROADS:
            break
        e = cand[k]
        if min(sum(n in f for f in kept - {e}) for n in e) < 2:
            continue
        trial = merge(design(seed, frozenset(removed | {e})))
        if len(trial) >= N_ROADS and shapely.polygonize_full([r[0] for r in trial])[1].is_empty:
            removed.add(e)
            kept.discard(e)
    roads = merge(design(seed, frozenset(removed)))
    if len(roads) != N_ROADS:
        raise RuntimeError(f"seed {seed}: {len(roads)} roads")
    return sorted(roads, key=lambda r: ("rsle".index(r[2][0]), -r[0].centroid.y, r[0].centroid.x))


def make_cells(roads: list[Road]) -> tuple[list[Polygon], np.ndarray]:
    """Group road-network faces into N_CELLS cells: merge the lightest adjacent pair first."""
    faces = shapely.get_parts(shapely.polygonize([r[0] for r in roads]))
    w, adj, tree = np.zeros(len(faces)), set(), shapely.STRtree(faces)
    for line, _, _ in roads:
        hit = tree.query(line, predicate="covered_by")
        w[hit] += line.length / max(len(hit), 1)
        if len(hit) == 2:
            adj.add(tuple(sorted(hit)))
    owner = np.arange(len(faces))
    while len(set(owner)) > N_CELLS:
        pairs = {tuple(sorted((owner[a], owner[b]))) for a, b in adj if owner[a] != owner[b]}
        r, s = min(pairs, key=lambda p: (w[p[0]] + w[p[1]], p))
        owner[owner == s], w[r] = r, w[r] + w[s]
    cells = [shapely.coverage_union_all(faces[owner == k]) for k in sorted(set(owner))]
    if any(c.geom_type != "Polygon" or c.interiors for c in cells):
        raise RuntimeError("a cell is not one simple polygon")
    top = max(c.bounds[3] for c in cells)
    return sorted(cells, key=lambda c: ((top - c.centroid.y) // 370, c.centroid.x)), faces


def rectangles(cx, cy, w, d, ang) -> np.ndarray:
    """Vectorised rotated rectangles: centre, width along ``ang`` (radians), depth."""
    u = np.stack([np.cos(ang), np.sin(ang)], -1) * (w / 2)[:, None]
    v = np.stack([-np.sin(ang), np.cos(ang)], -1) * (d / 2)[:, None]
    c = np.stack([cx, cy], -1)
    return shapely.polygons(np.stack([c - u - v, c + u - v, c + u + v, c - u + v, c - u - v], 1))


def place_factories(faces: np.ndarray, net) -> np.ndarray:
    """The 10,000-worker factory and a smaller one, centred in the two roomiest faces."""
    poles = np.array([polylabel(f, 1.0) for f in faces])
    picks, out = np.argsort(-shapely.distance(poles, net))[:2], []
    for k, (w, d) in zip(picks, ((110, 64), (90, 56)), strict=True):
        mrr = shapely.get_coordinates(faces[k].minimum_rotated_rectangle)
        side = max(mrr[1] - mrr[0], mrr[2] - mrr[1], key=lambda s: np.hypot(*s))
        ang = np.arctan2(side[1], side[0])
        out.append(rectangles(*np.array([[poles[k].x, poles[k].y, w, d, ang]]).T)[0])
    if shapely.distance(np.array(out), net).min() < 30:
        raise RuntimeError("factory too close to a road")
    return np.array(out)


def street_lots(rng: np.random.Generator, line: LineString) -> np.ndarray:
    """Candidate house footprints lining both sides of one road, at least 4 m back."""
    s = np.cumsum(rng.uniform(14, 34, int(line.length // 14)))
    s = s[s < line.length - 6]
    a, b = (shapely.get_coordinates(shapely.line_interpolate_point(line, s + o)) for o in (-1, 1))
    ang = np.arctan2(b[:, 1] - a[:, 1], b[:, 0] - a[:, 0])
    normal = np.stack([-np.sin(ang), np.cos(ang)], -1)
    lots = []
    for side in (-1, 1):
        w, d = rng.uniform(8, 20, len(s)), rng.uniform(9, 22, len(s))
        c = (a + b) / 2 + side * normal * (5 + rng.uniform(0, 2.5, len(s)) + d / 2)[:, None]
        tilt = np.where(rng.random(len(s)) < 0.15, rng.uniform(-0.4, 0.4, len(s)), 0)
        lots.append(rectangles(c[:, 0], c[:, 1], w, d, ang + tilt))
    return np.concatenate(lots)


def place_buildings(rng, roads: list[Road], boundary: Polygon, faces) -> gpd.GeoDataFrame:
    """Two factories with yards, then houses and shops: inside, off the roads, no overlaps."""
    net = shapely.union_all([r[0] for r in roads])
    factories = place_factories(faces, net)
    (x0, y0, x1, y1), n = boundary.bounds, 900
    scattered = rectangles(
        rng.uniform(x0, x1, n),
        rng.uniform(y0, y1, n),
        rng.uniform(8, 25, n),
        rng.uniform(8, 18, n),
        rng.uniform(0, np.pi, n),
    )
    cand = np.concatenate([street_lots(rng, r[0]) for r in roads] + [scattered])
    cand = cand[rng.permutation(len(cand))]
    yards = shapely.union_all(shapely.buffer(factories, 16, join_style="mitre"))
    cand = cand[
        shapely.contains(boundary, cand)
        & (shapely.distance(cand, net) >= 4.2)
        & ~shapely.intersects(yards, cand)
    ]
    pad = shapely.buffer(cand, 1.0, join_style="mitre")
    left, right = shapely.STRtree(pad).query(pad, predicate="intersects")
    blocked, taken = np.zeros(len(cand), bool), []
    for i in range(len(cand)):
        if not blocked[i] and len(taken) < 520:
            taken.append(i)
            blocked[right[left == i]] = True
    houses = cand[taken]
    main = shapely.union_all([r[0] for r in roads if r[1] in ("杨屋大道", "学前路")])
    shop = (shapely.distance(houses, main) < 22) & (rng.random(len(houses)) < 0.7)
    geoms = shapely.normalize(np.concatenate([factories, houses]))
    kinds = ["factory"] * 2 + np.where(shop, "shop", "house").tolist()
    return frame(geoms, building_id=np.arange(1, len(geoms) + 1), kind=kinds)


def heading(dx: float, dy: float) -> float:
    """Compass bearing (degrees clockwise from north) of a vector."""
    return float(np.degrees(np.arctan2(dx, dy)) % 360)


def blind_zones(factory: Polygon, boundary: Polygon) -> Polygon:
    """Areas left without cameras: round the big factory and the north-west corner."""
    x0, _, _, y1 = boundary.bounds
    return factory.buffer(160).union(Point(x0 + 180, y1 - 150).buffer(120))


def pole_spots(rng, roads: list[Road]):
    """Camera poles: at each junction (shuffled), then endlessly 3 m off random roadsides."""
    ends = shapely.get_coordinates(shapely.boundary(np.array([r[0] for r in roads])))
    pts, cnt = np.unique(ends.round(6), axis=0, return_counts=True)
    for p in pts[cnt >= 3][rng.permutation((cnt >= 3).sum())]:
        a = rng.uniform(0, 2 * np.pi)
        yield p + 2.5 * np.array([np.cos(a), np.sin(a)]), rng.uniform(0, 360)
    lines = [r[0] for r in roads if r[2] != "external"]
    while True:
        line = lines[rng.integers(len(lines))]
        s = rng.uniform(10, line.length - 10)
        (xa, ya), (xb, yb) = shapely.get_coordinates(line.interpolate([s, s + 1]))
        side = rng.choice([-3.0, 3.0])
        yield np.array([xa - side * (yb - ya), ya + side * (xb - xa)]), heading(xb - xa, yb - ya)


def wall_spot(rng, geom: Polygon) -> tuple[Point, float]:
    """A point on a building's wall and the outward heading there."""
    s = rng.uniform(0, geom.exterior.length - 0.5)
    p, q = geom.exterior.interpolate(s), geom.exterior.interpolate(s + 0.5)
    out, c = np.array([q.y - p.y, p.x - q.x]), geom.centroid
    return p, heading(*(out * (np.sign(out @ [p.x - c.x, p.y - c.y]) or 1.0)))


def place_cameras(rng, roads: list[Road], boundary, buildings) -> gpd.GeoDataFrame:
    """60 cameras: poles at junctions and roadsides, shop and factory walls, factory yards."""
    fac, fac2 = buildings.geometry.iloc[0], buildings.geometry.iloc[1]
    blind = blind_zones(fac, boundary)
    free = boundary.buffer(-1.0).difference(blind).difference(buildings.buffer(0.5).union_all())
    shapely.prepare(free)
    spots, rows = pole_spots(rng, roads), []
    for kind in ["smart_eye"] * 8 + ["public1"] * 12 + ["public2"] * 12 + ["social"] * 12:
        xy, head = next((xy, h) for xy, h in spots if free.contains(Point(xy)))
        rows.append((kind, Point(xy), head, True))
    shops = buildings.geometry[(buildings.kind == "shop") & ~buildings.intersects(blind)].tolist()
    walls = [("social", g) for g in shops[:4]] + [("enterprise", g) for g in shops[4:7]]
    for kind, geom in walls + [("enterprise", fac2)] * 3:
        rows.append((kind, *wall_spot(rng, geom), False))
    for site, n in ((fac, 2), (fac2, 4)):  # in the yard, watching the factory
        ring, c = site.buffer(8, join_style="mitre").exterior, site.centroid
        for p in shapely.line_interpolate_point(ring, rng.uniform(0, ring.length, n)):
            rows.append(("enterprise", p, heading(c.x - p.x, c.y - p.y), False))
    rows.sort(key=lambda r: (KINDS.index(r[0]), -r[1].y, r[1].x))
    n = len(rows)
    heads = np.array([r[2] for r in rows])
    maybe_omni = [i for i, r in enumerate(rows) if r[3] and r[0] != "smart_eye"]
    heads[rng.choice(maybe_omni, 20, replace=False)] = np.nan
    reach = rng.uniform(30, 80, n).round(1)
    reach[rng.choice(n, 10, replace=False)] = np.nan
    status = np.full(n, "online", dtype=object)
    status[rng.choice(n, 4, replace=False)] = "offline"
    fov = np.where(np.isnan(heads), np.nan, rng.uniform(60, 120, n).round())
    return frame(
        [r[1] for r in rows],
        camera_id=[f"C{i + 1:03d}" for i in range(n)],
        kind=[r[0] for r in rows],
        status=status,
        range_m=reach,
        heading_deg=heads.round(1),
        fov_deg=fov,
        height_m=rng.uniform(3, 8, n).round(1),
    )


def sample_points(rng, region, n: int) -> np.ndarray:
    """``n`` uniform random points inside a polygonal region (rejection sampling)."""
    (x0, y0, x1, y1), got = region.bounds, np.empty((0, 2))
    shapely.prepare(region)
    while len(got) < n:
        xy = rng.uniform((x0, y0), (x1, y1), (4 * n + 50, 2))
        got = np.vstack([got, xy[shapely.contains_xy(region, *xy.T)]])
    return got[:n]


def allocate(weights: np.ndarray, total: int) -> np.ndarray:
    """Integer split of ``total`` proportional to ``weights`` (largest remainder)."""
    raw = weights / weights.sum() * total
    out = np.floor(raw).astype(int)
    out[np.argsort(-(raw - out))[: total - out.sum()]] += 1
    return out


def cell_counts(regions: list, hot_cell: int) -> dict[str, np.ndarray]:
    """Incidents per cell and window: exact totals, designed per-cell change."""
    base = np.sqrt([r.area for r in regions])
    base[hot_cell] *= 2.5
    n24 = allocate(base, WINDOWS["2024a"][2])
    f = np.array(CELL_FACTOR)
    f[hot_cell] = 0.25
    n25 = np.round(n24 * f).astype(int)
    fall = f < 1
    n25[fall] = np.maximum(allocate(n24[fall] * f[fall], WINDOWS["2025a"][2] - n25[~fall].sum()), 1)
    return {"2024a": n24, "2024b": allocate(base, WINDOWS["2024b"][2]), "2025a": n25}


def place_incidents(rng, roads: list[Road], cells: list, buildings) -> gpd.GeoDataFrame:
    """Dated incidents within 14 m of roads, off buildings; 2024 theft hotspot by the factory."""
    net = shapely.union_all([r[0] for r in roads])
    built = buildings.buffer(0.5).union_all()
    fac = buildings.geometry.iloc[0]
    hot = fac.buffer(fac.distance(net) + 50).difference(built)
    regions = [c.buffer(-1.0).intersection(net.buffer(14)).difference(built) for c in cells]
    hot_cell = int(np.argmax([r.intersection(hot).area for r in regions]))
    rows = []
    for key, counts in cell_counts(regions, hot_cell).items():
        start, end, _ = WINDOWS[key]
        for k, (region, n) in enumerate(zip(regions, counts, strict=True)):
            n_hot = int(n * 0.6) if k == hot_cell and key != "2025a" else 0
            xy = sample_points(rng, region, n - n_hot)
            xy = np.vstack([xy, sample_points(rng, region.intersection(hot), n_hot)])
            secs = rng.uniform(0, (end - start).total_seconds(), n).astype(int)
            for m in range(n):
                cat = "盗窃" if m >= n - n_hot else CATEGORIES[rng.choice(5, p=CAT_P)]
                rows.append((start + timedelta(seconds=int(secs[m])), cat, xy[m]))
    rows.sort(key=lambda r: (r[0], r[2][0]))
    years = pd.Series([r[0].year for r in rows])
    seq = years.groupby(years).cumcount() + 1
    given = [rng.integers(len(GIVEN), size=rng.integers(1, 3)) for _ in rows]
    return frame(
        shapely.points([r[2] for r in rows]),
        incident_id=[f"I{y}-{s:04d}" for y, s in zip(years, seq, strict=True)],
        occurred_at=[r[0].strftime("%Y-%m-%dT%H:%M:%S") for r in rows],
        category=[r[1] for r in rows],
        victim_name=[SURNAMES[rng.integers(20)] + "".join(GIVEN[i] for i in g) for g in given],
        victim_phone=[f"1{rng.choice([3, 5, 8])}{rng.integers(10**9):09d}" for _ in rows],
    )


def break_roads(rng, roads: list[Road]) -> list[LineString]:
    """Move every road end at a junction by at most 2.5 m: undershoots and overshoots."""
    ends = shapely.get_coordinates(shapely.boundary(np.array([r[0] for r in roads])))
    pts, cnt = np.unique(ends.round(6), axis=0, return_counts=True)
    junction = {tuple(p) for p in pts[cnt >= 2]}
    out = []
    for line, _, _ in roads:
        xy = shapely.get_coordinates(line)
        for k, prev in ((0, 1), (-1, -2)):
            if tuple(xy[k].round(6)) in junction:
                t = (xy[k] - xy[prev]) / np.hypot(*(xy[k] - xy[prev]))
                xy[k] += rng.uniform(-2.2, 2.2) * t + rng.uniform(-1, 1) * np.array([-t[1], t[0]])
        out.append(LineString(xy))
    return out


def build_sample(path: str | os.PathLike) -> None:
    """Generate every layer and write the GeoPackage to ``path`` (atomic replace)."""
    path, rng = Path(path), np.random.default_rng(SEED + 100)
    roads = build_roads(SEED)
    ring = shapely.line_merge(shapely.union_all([r[0] for r in roads if r[2] == "ring"]))
    boundary = shapely.normalize(Polygon(ring))
    cells, faces = make_cells(roads)
    buildings = place_buildings(rng, roads, boundary, faces)
    ids, names = np.arange(1, N_ROADS + 1), [r[1] for r in roads]
    layers = {
        "roads": frame([r[0] for r in roads], road_id=ids, name=names),
        "roads_broken": frame(break_roads(rng, roads), road_id=ids, name=names),
        "boundary": frame([boundary], name=["杨屋村"]),
        "cells": frame(
            cells,  # numbered north-west to south-east
            cell_id=np.arange(1, N_CELLS + 1),
            name=[f"杨屋第{i}网格" for i in range(1, N_CELLS + 1)],
            police_office=[OFFICES[min(i // 5, 2)] for i in range(N_CELLS)],
            officer=OFFICERS.split(),
            locked=np.zeros(N_CELLS, dtype=int),
        ),
        "buildings": buildings,
        "cameras": place_cameras(rng, roads, boundary, buildings),
        "incidents": place_incidents(rng, roads, cells, buildings),
    }
    tmp = path.with_name(f".{path.stem}.{os.getpid()}.tmp.gpkg")
    stamp = pyogrio.get_gdal_config_option("OGR_CURRENT_DATE")
    pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": "2025-06-01T00:00:00Z"})
    try:
        for name, gdf in layers.items():
            gdf.to_file(tmp, layer=name, driver="GPKG", engine="pyogrio")
        os.replace(tmp, path)
    finally:
        pyogrio.set_gdal_config_options({"OGR_CURRENT_DATE": stamp})
        tmp.unlink(missing_ok=True)


def summary(path: str | os.PathLike) -> str:
    """Short text summary of a generated sample GeoPackage."""
    lay = {n: gpd.read_file(path, layer=n) for n in pyogrio.list_layers(path)[:, 0]}
    net, cells = lay["roads"].union_all(), lay["cells"].geometry.values
    shared = [sum(g.intersection(h).length for h in cells if h is not g) for g in cells]
    per_cell = shapely.length(shapely.intersection(cells, net)) - 0.5 * np.array(shared)
    t = lay["incidents"].occurred_at
    n24, n24b, n25 = (
        ((t >= a.isoformat()) & (t < b.isoformat())).sum() for a, b, _ in WINDOWS.values()
    )
    counts = ", ".join(f"{n} {len(g)}" for n, g in lay.items())
    return (
        f"features: {counts}; roads {lay['roads'].length.sum():.0f} m\n"
        f"cameras by kind {lay['cameras'].kind.value_counts().to_dict()}\n"
        f"road length per cell (borders halved): {per_cell.min():.0f}-{per_cell.max():.0f} m\n"
        f"incidents Jan-May 2024 {n24}, Jan-May 2025 {n25} ({(n25 - n24) / n24:+.2%}),"
        f" Jun-Dec 2024 {n24b}, latest {t.max()}"
    )


if __name__ == "__main__":
    target = Path(__file__).with_name("yangwu.gpkg")
    build_sample(target)
    print(f"wrote {target}\n{summary(target)}")
