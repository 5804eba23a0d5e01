"""A briefing map picture (PNG/PDF) drawn with matplotlib: cells, cameras, blind spots."""

from __future__ import annotations

import datetime as _dt
import os
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np

from .crs import metric_crs

__all__ = ["render_map"]

KIND_COLOURS = {"public1": "#1f4e9c", "public2": "#3a8fd6", "smart_eye": "#7a3ab8",
                "social": "#e08a1a", "enterprise": "#2e9a4a"}


def _nice_length(span: float) -> float:
    raw = span / 5.0
    base = 10 ** np.floor(np.log10(raw))
    for step in (1, 2, 5, 10):
        if step * base >= raw:
            return float(step * base)
    return float(10 * base)


def render_map(
    layers: dict[str, gpd.GeoDataFrame],
    path: str | os.PathLike,
    *,
    title: str = "Camera coverage and blind spots",
    cameras: gpd.GeoDataFrame | None = None,
    dpi: int = 150,
) -> Path:
    """Draw the briefing map to ``path`` (.png or .pdf) atomically and return the path."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    layers = _metric_layers(layers)
    stats = layers.get("cell_stats")
    cells = stats if stats is not None else layers["cells"]
    fig, ax = plt.subplots(figsize=(10, 8))
    if stats is not None and stats["change_pct"].notna().any():
        cells.plot(ax=ax, column="change_pct", cmap="RdYlGn_r", edgecolor="#333333",
                   linewidth=0.8, legend=True, vmin=-100, vmax=100,
                   legend_kwds={"label": "incident change %", "shrink": 0.6})
    else:
        cells.plot(ax=ax, facecolor="#f2f2f2", edgecolor="#333333", linewidth=0.8)
    views = layers.get("camera_views")
    if views is not None and len(views):
        views.plot(ax=ax, facecolor="#3a8fd6", alpha=0.18, edgecolor="none")
    blind = layers.get("blind_spots")
    if blind is not None and len(blind):
        blind.plot(ax=ax, facecolor="none", edgecolor="#d62728", hatch="////", linewidth=0.4)
    if cameras is not None and len(cameras):
        cams = cameras.to_crs(cells.crs) if cells.crs is not None and cameras.crs else cameras
        for kind, colour in KIND_COLOURS.items():
            sub = cams[cams["kind"] == kind]
            if len(sub):
                sub.plot(ax=ax, color=colour, markersize=14, marker="^", zorder=5)
    for _, row in cells.iterrows():  # one label per cell (a handful), not a hot path
        p = row.geometry.representative_point()
        label = str(row["cell_id"])
        if stats is not None and np.isfinite(row.get("change_pct", np.nan)):
            label += f"\n{row['change_pct']:+.1f}%"
        ax.annotate(label, (p.x, p.y), ha="center", va="center", fontsize=8,
                    bbox={"boxstyle": "round,pad=0.2", "fc": "white", "alpha": 0.7, "lw": 0})
    _decorate(ax, cells, title)
    handles = [Patch(facecolor="none", edgecolor="#d62728", hatch="////", label="blind spot"),
               Patch(facecolor="#3a8fd6", alpha=0.3, label="camera view")]
    handles += [Line2D([], [], marker="^", color=c, linestyle="", label=k)
                for k, c in KIND_COLOURS.items()]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.01, 0.42), fontsize=8,
              framealpha=0.9, title="legend")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=dpi, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        plt.close(fig)
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _metric_layers(layers: dict[str, gpd.GeoDataFrame]) -> dict[str, gpd.GeoDataFrame]:
    """Layers in a metric CRS so the scale bar reads in metres."""
    ref = layers.get("cell_stats", layers.get("cells"))
    if ref is None or ref.crs is None or ref.crs.is_projected:
        return layers
    target = metric_crs(ref.crs, tuple(ref.total_bounds))
    return {k: (v.to_crs(target) if isinstance(v, gpd.GeoDataFrame) and v.crs else v)
            for k, v in layers.items()}


def _decorate(ax, cells: gpd.GeoDataFrame, title: str) -> None:
    minx, miny, maxx, maxy = cells.total_bounds
    ax.set_title(f"{title}\n{_dt.date.today().isoformat()}", fontsize=12)
    ax.set_aspect("equal")
    ax.set_xticks([])
    ax.set_yticks([])
    length = _nice_length(maxx - minx)
    x0, y0 = minx + 0.62 * (maxx - minx), miny - 0.06 * (maxy - miny)
    ax.plot([x0, x0 + length], [y0, y0], color="black", linewidth=3, solid_capstyle="butt")
    ax.annotate(f"{length:g} m", (x0 + length / 2, y0), xytext=(0, 4),
                textcoords="offset points", ha="center", fontsize=8)
    nx, ny = maxx + 0.02 * (maxx - minx), maxy - 0.05 * (maxy - miny)
    ax.annotate("N", xy=(nx, ny), xytext=(nx, ny - 0.1 * (maxy - miny)), ha="center",
                fontsize=12, fontweight="bold",
                arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5})
    ax.set_xlim(minx - 0.03 * (maxx - minx), maxx + 0.06 * (maxx - minx))
    ax.set_ylim(miny - 0.1 * (maxy - miny), maxy + 0.03 * (maxy - miny))
