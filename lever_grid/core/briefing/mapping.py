r"""The briefing map (PNG/PDF) drawn with matplotlib.

An A4 landscape page: title and date, the map (cells coloured by incident change and
labelled ``cell_id`` / ``±x.x%``, camera views translucent in the colour of their kind,
blind spots hatched red, roads, cameras by kind, offline ones hollow), a scale bar in
metres (layers in a geographic CRS are drawn in a local metric CRS), a north arrow
pointing to true north, and a side panel with the legend, the colour scale and the list
of cells. Chinese text uses a CJK font found through matplotlib's font manager (Noto
Sans CJK from fonts-noto-cjk, Source Han Sans, WenQuanYi, SimHei, ...); without one the
built-in labels fall back to English and a message says so.

Only ``matplotlib.figure.Figure`` with the Agg canvas is used, never ``pyplot``: no
global backend is switched (safe inside QGIS) and nothing is shown.

Examples
--------
>>> cell_label(3, -61.111), cell_label(4, 31.25), cell_label(5, float("nan"))
('3\n-61.1%', '4\n+31.3%', '5\n—')
>>> cell_label(6, float("nan"), previous=0, current=4)
'6\nnew'
"""

from __future__ import annotations

import datetime as _dt
import functools
import math
import os
import re
import warnings
from collections.abc import Iterable, Mapping
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from ..crs import MetricFrame, defined_crs, to_metric
from ..fs import atomic_path
from ..inputs.cameras import KIND_ALIASES, KINDS
from ..progress import Progress
from ..stats.periods import NEW, change_text
from .privacy import mask_counts

if TYPE_CHECKING:  # matplotlib is optional (the ``map`` extra) and imported lazily
    from matplotlib.figure import Figure

__all__ = [
    "KIND_COLOURS", "KIND_MARKERS", "KIND_NAMES", "CJK_FAMILIES", "DEFAULT_TITLE", "cjk_font",
    "cell_label", "map_layers", "briefing_figure", "render_map",
]


KIND_COLOURS = {"public1": "#1f4e9c", "public2": "#3a8fd6", "smart_eye": "#7a3ab8",
                "social": "#e08a1a", "enterprise": "#2e9a4a", "other": "#777777"}


KIND_MARKERS = {"public1": "^", "public2": "v", "smart_eye": "D", "social": "o",
                "enterprise": "s", "other": "X"}


#: Chinese names of the camera kinds (legend).
KIND_NAMES = {"public1": "一类", "public2": "二类", "smart_eye": "慧眼", "social": "社会",
              "enterprise": "企业", "other": "其他"}


#: CJK font families tried in this order (simplified Chinese first).
CJK_FAMILIES = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC",
                "Source Han Sans CN", "WenQuanYi Zen Hei", "WenQuanYi Micro Hei",
                "Microsoft YaHei", "SimHei", "PingFang SC", "Heiti SC", "Noto Sans CJK JP",
                "Noto Sans CJK TC", "Source Han Sans", "Droid Sans Fallback",
                "AR PL UMing CN", "Arial Unicode MS")


_CJK_FILE = re.compile(r"notosanscjk|notosanssc|sourcehansans|wqy|simhei|msyh|"
                       r"droidsansfallback|uming", re.IGNORECASE)


_CJK_CHAR = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


DEFAULT_TITLE = "网格视频覆盖、盲区与警情变化 Camera coverage, blind spots and incident change"


BLIND_RED = "#d62728"

#: New camera sites (from ``lever-grid site``): magenta stars, apart from the blind red.
SITE_COLOUR = "#e6007e"


PAGE = (11.69, 8.27)  # A4 landscape, inches


@functools.lru_cache(maxsize=1)
def cjk_font() -> str | None:
    """The family name of a CJK font matplotlib can use, or ``None``.

    matplotlib's font cache may predate the font packages (or skip ``.ttc``
    collections), so CJK font files found on the system are registered first. For a
    ``.ttc`` collection matplotlib uses its first face (Noto Sans CJK: the JP face, which
    has every simplified Chinese glyph).
    """
    from matplotlib import font_manager

    def known() -> str | None:
        names = {f.name for f in font_manager.fontManager.ttflist}
        return next((fam for fam in CJK_FAMILIES if fam in names), None)

    found = known()
    if found is not None:
        return found
    for path in sorted(font_manager.findSystemFonts()):
        if _CJK_FILE.search(os.path.basename(path)):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):
                continue
    return known()


def _round1(value: float) -> float:
    """One decimal, half away from zero (31.25 → 31.3), like change_pct's rounding."""
    return math.copysign(math.floor(abs(value) * 10.0 + 0.5 + 1e-9) / 10.0, value)


def cell_label(cell_id: object, change: object, previous: object = None,
               current: object = None) -> str:
    """The map label of a cell: its id, then the change ``±x.x%`` (``—`` when unknown,
    ``new`` for a rise from a zero baseline when both counts are known)."""
    try:
        v = float(change)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        v = math.nan
    if not math.isfinite(v):
        if change_text(current, previous) == NEW:
            return f"{cell_id}\n{NEW}"
        return f"{cell_id}\n—"
    v = _round1(v)
    return f"{cell_id}\n{'+' if v > 0 else ''}{v:.1f}%"


def _canonical_kind(values: pd.Series) -> pd.Series:
    key = values.astype("string").str.strip().str.lower()
    return key.map(KIND_ALIASES).fillna("other")


def map_layers(
    layers: Mapping[str, pd.DataFrame],
    *,
    cameras: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    min_count: int = 0,
) -> dict[str, gpd.GeoDataFrame]:
    """The layers as the briefing map shows them.

    Counts below ``min_count`` masked; everything in one metric CRS (the cells' CRS
    when projected, else a local one); ``cells`` carries ``label`` (:func:`cell_label`)
    and ``change_pct``; cameras and camera views carry a canonical ``kind`` and cameras
    an ``online`` flag. ``cameras``/``roads`` default to those layers of ``layers``.
    """
    layers = mask_counts(layers, min_count)
    stats = layers.get("cell_stats")
    cells = stats if isinstance(stats, gpd.GeoDataFrame) else layers.get("cells")
    if not isinstance(cells, gpd.GeoDataFrame):
        raise ValueError("Layer cell_stats or cells is needed for the map")
    cells = cells.copy()
    names = layers.get("cells")
    if isinstance(names, pd.DataFrame) and names is not cells and "cell_id" in names.columns:
        extra = [c for c in ("name", "police_office") if c in names.columns
                 and c not in cells.columns]
        if extra:
            cells = cells.merge(pd.DataFrame(names)[["cell_id", *extra]], on="cell_id",
                                how="left")
    if "change_pct" not in cells.columns:
        cells["change_pct"] = np.nan
    for col in ("incidents_previous", "incidents_current"):
        if col not in cells.columns:
            cells[col] = np.nan
    cells["label"] = [cell_label(i, c, p, n) for i, c, p, n in zip(
        cells["cell_id"], cells["change_pct"], cells["incidents_previous"],
        cells["incidents_current"], strict=True)]
    out: dict[str, gpd.GeoDataFrame] = {"cells": cells}
    cameras = cameras if cameras is not None else layers.get("cameras")
    roads = roads if roads is not None else layers.get("roads")
    for name, frame in (("camera_views", layers.get("camera_views")),
                        ("blind_spots", layers.get("blind_spots")),
                        ("cameras", cameras), ("roads", roads), ("sites", layers.get("sites"))):
        if isinstance(frame, gpd.GeoDataFrame) and len(frame):
            out[name] = frame.copy()
    for name in ("camera_views", "cameras"):
        if name in out:
            kinds = out[name]["kind"] if "kind" in out[name].columns else pd.Series(
                "other", index=out[name].index)
            out[name]["kind"] = _canonical_kind(kinds).to_numpy()
    if "cameras" in out:
        status = out["cameras"].get("status", pd.Series(index=out["cameras"].index,
                                                         dtype=object))
        offline = status.astype("string").str.strip().str.lower().isin(["offline", "离线"])
        out["cameras"]["online"] = ~offline.fillna(False).to_numpy(dtype=bool)
    frame = MetricFrame.of(cells)  # true metres, so that the scale bar is right
    if frame.local:  # a local site plan: drawn as it is
        return {k: v.set_crs(None, allow_override=True) if v.crs is not None else v
                for k, v in out.items()}
    return {k: to_metric(v, frame.crs) if defined_crs(v.crs) is not None else v
            for k, v in out.items()}


def _paths(geoms: Iterable) -> tuple[list, list[int]]:
    """matplotlib Paths of (Multi)Polygons (holes kept) and the index of each feature."""
    from matplotlib.path import Path as MPath

    paths, index = [], []
    for i, geom in enumerate(geoms):
        if geom is None or geom.is_empty:
            continue
        geom = shapely.orient_polygons(geom)
        rings = []
        for part in shapely.get_parts(geom):
            if part.geom_type != "Polygon":
                continue
            rings.append(MPath(np.asarray(part.exterior.coords)[:, :2], closed=True))
            rings += [MPath(np.asarray(r.coords)[:, :2], closed=True) for r in part.interiors]
        if rings:
            paths.append(MPath.make_compound_path(*rings))
            index.append(i)
    return paths, index


def _polygons(ax, gdf: gpd.GeoDataFrame, zorder: float, **kwargs) -> None:
    from matplotlib.collections import PathCollection

    paths, index = _paths(gdf.geometry.to_numpy())
    if not paths:
        return
    face = kwargs.pop("facecolors", None)
    if isinstance(face, list | np.ndarray) and len(face) == len(gdf):
        face = [face[i] for i in index]
    ax.add_collection(PathCollection(paths, facecolors=face if face is not None else "none",
                                     zorder=zorder, **kwargs))


def _lines(ax, gdf: gpd.GeoDataFrame, **kwargs) -> None:
    from matplotlib.collections import LineCollection

    parts = shapely.get_parts(gdf.geometry.dropna().to_numpy())
    segs = [np.asarray(p.coords)[:, :2] for p in parts if p.geom_type == "LineString"]
    if segs:
        ax.add_collection(LineCollection(segs, **kwargs))


def _nice_length(span: float) -> float:
    """A round scale-bar length of about a fifth of ``span`` (1, 2 or 5 × 10^k)."""
    raw = span / 5.0
    base = 10.0 ** math.floor(math.log10(raw))
    for step in (1, 2, 5, 10):
        if step * base >= raw:
            return float(step * base)
    return float(10 * base)


def _true_north(crs: CRS | None, x: float, y: float) -> float:
    """Angle (radians, clockwise) from grid north to true north at (x, y)."""
    if crs is None or not crs.is_projected:
        return 0.0
    try:
        to_geo = Transformer.from_crs(crs, crs.geodetic_crs, always_xy=True)
        lon, lat = to_geo.transform(x, y)
        x2, y2 = to_geo.transform(lon, min(lat + 0.01, 89.9), direction="INVERSE")
        return math.atan2(x2 - x, y2 - y)
    except Exception:  # noqa: BLE001 - PROJ errors: a grid-north arrow is still useful
        return 0.0


def _scale_bar(ax, x0: float, y0: float, length: float, height: float, font: dict) -> None:
    from matplotlib.patches import Rectangle

    pad = 0.12 * length
    ax.add_patch(Rectangle((x0 - pad, y0 - 0.9 * height), length + 2.6 * pad, 5.2 * height,
                           facecolor="white", edgecolor="none", alpha=0.85, zorder=20))
    n = 4
    for k in range(n):
        ax.add_patch(Rectangle((x0 + k * length / n, y0), length / n, height,
                               facecolor="black" if k % 2 == 0 else "white",
                               edgecolor="black", linewidth=0.8, zorder=21))
    for frac in (0.0, 0.5, 1.0):
        text = f"{length * frac:g}" + (" m" if frac == 1.0 else "")
        ax.text(x0 + frac * length, y0 + 1.6 * height, text, ha="center", va="bottom",
                fontsize=8, zorder=22, **font)


def _north_arrow(ax, x: float, y: float, size: float, angle: float, cjk: bool,
                 font: dict) -> None:
    from matplotlib.patches import Circle, Polygon

    ax.add_patch(Circle((x, y + 0.35 * size), 0.85 * size, facecolor="white",
                        edgecolor="none", alpha=0.85, zorder=20))
    c, s = math.cos(angle), math.sin(angle)

    def rot(px: float, py: float) -> tuple[float, float]:
        return x + px * c + py * s, y - px * s + py * c

    tip, left, notch, right = rot(0, size), rot(-0.32 * size, -0.4 * size), rot(0, -0.12 * size), \
        rot(0.32 * size, -0.4 * size)
    ax.add_patch(Polygon([tip, left, notch], closed=True, facecolor="black",
                         edgecolor="black", linewidth=0.8, zorder=21))
    ax.add_patch(Polygon([tip, notch, right], closed=True, facecolor="white",
                         edgecolor="black", linewidth=0.8, zorder=21))
    lx, ly = rot(0, 1.08 * size)
    ax.text(lx, ly, "N 北" if cjk else "N", ha="center", va="bottom", fontsize=11,
            fontweight="bold", zorder=22, **font)


def _legend_handles(lay: dict, tr) -> list:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [
        Patch(facecolor="none", edgecolor=BLIND_RED, hatch="////", label=tr("盲区", "blind spot")),
        Patch(facecolor=KIND_COLOURS["public2"], alpha=0.3, edgecolor="none",
              label=tr("视频覆盖", "camera view")),
        Line2D([], [], color="#222222", linewidth=1.4, label=tr("网格边界", "cell boundary")),
    ]
    if "roads" in lay:
        handles.append(Line2D([], [], color="#9a9a9a", linewidth=1.6, label=tr("道路", "road")))
    cams = lay.get("cameras")
    if cams is not None:
        present = set(cams["kind"])
        for kind in (*KINDS, "other"):
            if kind in present:
                handles.append(Line2D([], [], marker=KIND_MARKERS[kind], linestyle="",
                                      markerfacecolor=KIND_COLOURS[kind],
                                      markeredgecolor="white", markersize=7,
                                      label=tr(f"{KIND_NAMES[kind]}摄像头", kind)))
        if (~cams["online"]).any():
            handles.append(Line2D([], [], marker="o", linestyle="", markerfacecolor="white",
                                  markeredgecolor="#555555", markersize=6,
                                  label=tr("离线(空心)", "offline (hollow)")))
    if "sites" in lay:
        handles.append(Line2D([], [], marker="*", linestyle="", markerfacecolor=SITE_COLOUR,
                              markeredgecolor="white", markersize=11,
                              label=tr("新摄像头点位(序号)", "new camera site (rank)")))
    return handles


def briefing_figure(
    layers: Mapping[str, pd.DataFrame],
    *,
    title: str | None = None,
    date: str | _dt.date | None = None,
    cameras: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    min_count: int = 0,
    progress: Progress | None = None,
) -> Figure:
    """The briefing page as a matplotlib ``Figure`` (Agg canvas attached, no pyplot).

    Parameters are those of :func:`render_map`. The figure's ``lever_grid`` attribute
    holds what was drawn (``cjk`` font family or None, ``title``, ``date``, the map
    ``crs`` and ``scale_m``, the scale-bar length in metres).
    """
    from matplotlib import rc_context
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    progress = progress or Progress()
    lay = map_layers(layers, cameras=cameras, roads=roads, min_count=min_count)
    family = cjk_font()
    cjk = family is not None

    def tr(zh: str, en: str) -> str:
        return f"{zh} {en}" if cjk else en

    if title is None:
        title = DEFAULT_TITLE if cjk else DEFAULT_TITLE.split(" ", 1)[1]
    day = date.isoformat() if isinstance(date, _dt.date) else (date or _dt.date.today()
                                                               .isoformat())
    cells = lay["cells"]
    texts = [title, *cells.get("name", pd.Series(dtype=object)).dropna().astype(str)]
    if not cjk and any(_CJK_CHAR.search(t) for t in texts):
        progress.info("map: no CJK font found (install fonts-noto-cjk); Chinese text is "
                      "drawn as boxes")
    with rc_context(_rc(family)), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        fig = Figure(figsize=PAGE)
        FigureCanvasAgg(fig)
        scale = _draw(fig, lay, title, day, tr, cjk, min_count)
    fig.lever_grid = {"cjk": family, "title": title, "date": day, "crs": cells.crs,
                      "scale_m": scale}
    return fig


def _rc(family: str | None) -> dict:
    return {"font.family": [family, "DejaVu Sans"] if family else ["DejaVu Sans"],
            "hatch.linewidth": 0.7, "axes.unicode_minus": False,
            "pdf.fonttype": 3 if family else 42}


def render_map(
    layers: Mapping[str, pd.DataFrame],
    path: str | os.PathLike,
    *,
    pdf: str | os.PathLike | None = None,
    title: str | None = None,
    date: str | _dt.date | None = None,
    cameras: gpd.GeoDataFrame | None = None,
    roads: gpd.GeoDataFrame | None = None,
    min_count: int = 0,
    dpi: int = 150,
    progress: Progress | None = None,
) -> Path:
    """Draw the briefing map to ``path`` (``.png`` or ``.pdf``) and optionally ``pdf``.

    Parameters
    ----------
    layers
        Analysis layers: ``cell_stats`` (or ``cells``) needed; ``cells`` (names, police
        offices), ``camera_views``, ``blind_spots``, ``cameras``, ``roads`` and ``sites``
        (new camera sites, numbered by rank) drawn when present.
    path
        Output file; the format follows its suffix. Written atomically.
    pdf
        A second output in PDF (same drawing).
    title
        Page title (default :data:`DEFAULT_TITLE`, English only without a CJK font).
    date
        Date printed under the title (default: today).
    cameras, roads
        Override the layers of the same name.
    min_count
        Mask incident counts below it (labels then show ``—`` for the change).
    dpi
        Resolution of PNG output (150 dpi: 1754 × 1240 pixels).

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    fig = briefing_figure(layers, title=title, date=date, cameras=cameras, roads=roads,
                          min_count=min_count, progress=progress)
    title = fig.lever_grid["title"]
    with rc_context_for(fig), warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Glyph .* missing")
        for out in [Path(path)] + ([Path(pdf)] if pdf is not None else []):
            fmt = out.suffix.lower().lstrip(".") or "png"
            meta = ({"Title": title, "Software": "lever_grid"} if fmt == "png"
                    else {"Title": title, "Creator": "lever_grid"})
            with atomic_path(out) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi, metadata=meta)
    return Path(path)


def rc_context_for(fig: Figure) -> AbstractContextManager:
    """The matplotlib rc settings the figure was drawn with (fonts for saving)."""
    from matplotlib import rc_context

    return rc_context(_rc(fig.lever_grid["cjk"]))


def _draw(fig, lay: dict, title: str, day: str, tr, cjk: bool, min_count: int) -> float:
    from matplotlib.cm import ScalarMappable
    from matplotlib.colors import Normalize
    from matplotlib.patches import Rectangle

    cells = lay["cells"]
    font: dict = {}
    fig.text(0.025, 0.955, title, fontsize=15, fontweight="bold", va="bottom")
    offices = sorted({str(v) for v in cells.get("police_office", pd.Series(dtype=object))
                      .dropna()}) if "police_office" in cells else []
    sub = f"{tr('制图日期', 'Date')}: {day}"
    if offices:
        sub += f"    {tr('派出所', 'Police offices')}: {'、'.join(offices[:6])}"
    fig.text(0.025, 0.925, sub, fontsize=9.5, va="bottom", color="#333333")

    ax = fig.add_axes([0.02, 0.04, 0.69, 0.87])
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_linewidth(0.8)

    cmap = _cmap()
    norm = Normalize(-100.0, 100.0)
    change = pd.to_numeric(cells["change_pct"], errors="coerce").to_numpy(dtype=float)
    faces = [cmap(norm(v)) if np.isfinite(v) else (0.93, 0.93, 0.93, 1.0) for v in change]
    _polygons(ax, cells, 1, facecolors=faces, edgecolors="none", alpha=0.55)
    views = lay.get("camera_views")
    if views is not None:
        colours = [KIND_COLOURS[k] for k in views["kind"]]
        _polygons(ax, views, 2, facecolors=colours, edgecolors="none", alpha=0.22)
    blind = lay.get("blind_spots")
    if blind is not None:
        _polygons(ax, blind, 3, edgecolors=BLIND_RED, linewidths=0.35, hatch="////")
    if "roads" in lay:
        _lines(ax, lay["roads"], colors="#9a9a9a", linewidths=1.6, zorder=4)
    _polygons(ax, cells, 5, edgecolors="#222222", linewidths=1.4)
    cams = lay.get("cameras")
    if cams is not None:
        pts = cams[cams.geometry.notna() & ~cams.geometry.is_empty]
        for kind in (*KINDS, "other"):
            for online in (True, False):
                sub_ = pts[(pts["kind"] == kind) & (pts["online"] == online)]
                if len(sub_):
                    ax.scatter(sub_.geometry.x, sub_.geometry.y, s=30,
                               marker=KIND_MARKERS[kind],
                               c=KIND_COLOURS[kind] if online else "white",
                               edgecolors="white" if online else "#555555",
                               linewidths=0.6 if online else 1.0, zorder=7)
    sites = lay.get("sites")
    if sites is not None:  # from `lever-grid site`: red stars numbered by rank
        pts = sites[sites.geometry.notna() & ~sites.geometry.is_empty]
        ax.scatter(pts.geometry.x, pts.geometry.y, s=160, marker="*", c=SITE_COLOUR,
                   edgecolors="white", linewidths=0.8, zorder=8)
        if "rank" in pts.columns:
            for x, y, rank in zip(pts.geometry.x, pts.geometry.y, pts["rank"], strict=True):
                ax.annotate(str(rank), (x, y), xytext=(5, 5), textcoords="offset points",
                            fontsize=8, fontweight="bold", color=SITE_COLOUR, zorder=8)
    anchors = shapely.point_on_surface(cells.geometry.to_numpy())
    centroids = shapely.centroid(cells.geometry.to_numpy())
    inside = shapely.contains(cells.geometry.to_numpy(), centroids)
    anchors = np.where(inside, centroids, anchors)
    for pt, text in zip(anchors, cells["label"], strict=True):
        if pt is None or pt.is_empty:
            continue
        ax.text(pt.x, pt.y, text, ha="center", va="center", fontsize=9, zorder=9,
                linespacing=1.15, fontweight="bold",
                bbox={"boxstyle": "round,pad=0.25", "fc": "white", "alpha": 0.8, "lw": 0.4,
                      "ec": "#555555"})

    minx, miny, maxx, maxy = cells.total_bounds
    w, h = maxx - minx, maxy - miny
    span = max(w, h, 1.0)
    x0, x1 = minx - 0.03 * span, maxx + 0.03 * span
    y0, y1 = miny - 0.11 * span, maxy + 0.03 * span
    # keep the map axes' shape: widen the short side so nothing is cut off
    box_ratio = (0.87 * PAGE[1]) / (0.69 * PAGE[0])
    if (y1 - y0) / (x1 - x0) < box_ratio:
        extra = box_ratio * (x1 - x0) - (y1 - y0)
        y0, y1 = y0 - extra / 2, y1 + extra / 2
    else:
        extra = (y1 - y0) / box_ratio - (x1 - x0)
        x0, x1 = x0 - extra / 2, x1 + extra / 2
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    ax.set_gid("map")
    length = _nice_length(x1 - x0)
    _scale_bar(ax, x0 + 0.04 * (x1 - x0), y0 + 0.035 * (y1 - y0), length,
               0.012 * (y1 - y0), font)
    size = 0.06 * (y1 - y0)
    nx, ny = x1 - 0.06 * (x1 - x0), y1 - 0.13 * (y1 - y0)
    _north_arrow(ax, nx, ny, size, _true_north(cells.crs, nx, ny), cjk, font)

    panel = fig.add_axes([0.73, 0.04, 0.25, 0.87])
    panel.set_axis_off()
    panel.add_patch(Rectangle((0, 0), 1, 1, transform=panel.transAxes, facecolor="#fafafa",
                              edgecolor="#888888", linewidth=0.8))
    legend = panel.legend(handles=_legend_handles(lay, tr), loc="upper left",
                          bbox_to_anchor=(0.03, 0.985), fontsize=8, frameon=False,
                          title=tr("图例", "Legend"), title_fontsize=10, alignment="left",
                          handlelength=2.2, borderaxespad=0.2)

    fig.canvas.draw()  # the legend's height decides where the colour scale goes
    bbox = legend.get_window_extent().transformed(fig.transFigure.inverted())
    top = bbox.y0 - 0.05
    cax = fig.add_axes([0.75, top, 0.21, 0.014])
    extend = "max" if np.nanmax(np.append(change, -np.inf)) > 100 else "neither"
    bar = fig.colorbar(ScalarMappable(norm, cmap), cax=cax, orientation="horizontal",
                       extend=extend, ticks=[-100, -50, 0, 50, 100])
    bar.ax.tick_params(labelsize=7)
    bar.set_label(tr("警情变化 %", "incident change %"), fontsize=8)
    bar.ax.xaxis.set_label_position("top")

    lines = [tr("网格", "Cells")]
    shown = cells.sort_values("cell_id")
    room = max(int((top - 0.11) / 0.0175), 3)
    for row in shown.head(room).itertuples():
        name = getattr(row, "name", "")
        name = "" if pd.isna(name) else str(name)
        change_text = row.label.split("\n", 1)[1]
        lines.append(f"{row.cell_id!s:>3}  {name}  {change_text}")
    if len(shown) > room:
        lines.append(f"… {len(shown) - room} more")
    panel_top = (top - 0.07 - 0.04) / 0.87
    panel.text(0.05, panel_top, "\n".join(lines), transform=panel.transAxes, fontsize=8,
               va="top", linespacing=1.45)
    notes = [tr("标注:网格编号/警情变化", "Labels: cell id / change"),
             tr("变化=(本期−上期)/上期", "change = (now − before) / before"),
             tr("覆盖按摄像头类型着色", "views coloured by camera kind"),
             f"CRS: {_crs_name(cells.crs)}"]
    if min_count > 0:
        notes.append(tr(f"少于 {min_count} 的计数已遮蔽 (—)",
                        f"counts below {min_count} masked (—)"))
    notes.append("lever_grid")
    panel.text(0.05, 0.02, "\n".join(notes), transform=panel.transAxes, fontsize=7,
               va="bottom", color="#444444", linespacing=1.4)
    return length


def _cmap():
    from matplotlib import colormaps

    return colormaps["RdYlGn_r"]


def _crs_name(crs) -> str:
    if crs is None:
        return "local (m)"
    crs = CRS.from_user_input(crs)
    epsg = crs.to_epsg()
    return f"EPSG:{epsg} (m)" if epsg else f"{crs.name} (m)"
