"""``lever-grid demo``: the whole job on the bundled sample village."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from .core.progress import Progress
from .paths import resources_dir

__all__ = ["sample_path", "run_demo", "SAMPLE_NAME"]

SAMPLE_NAME = "yangwu.gpkg"


def sample_path() -> Path:
    """The sample village GeoPackage (inside the plugin zip or in a source checkout)."""
    from .core.errors import InputError

    candidate = resources_dir() / "sample" / SAMPLE_NAME
    if not candidate.exists():
        raise InputError("the bundled sample village is missing", file=str(candidate))
    return candidate


def run_demo(out: Path, progress: Progress | None = None) -> dict:
    """Analyse the sample village and write analysis.gpkg, geojson/ and map.png to ``out``."""
    from .core.analysis import analyse
    from .core.export import export_briefing
    from .core.incidents import read_incidents
    from .core.io import LINES, POINTS, POLYGONS, read_layer, write_layers
    from .core.mapping import render_map

    progress = progress or Progress()
    sample = str(sample_path())
    layer = lambda name, geom: read_layer(f"{sample}|layername={name}", name, geometry=geom)  # noqa: E731
    cameras = layer("cameras", POINTS)
    layers = analyse(
        layer("cells", POLYGONS), cameras,
        buildings=layer("buildings", POLYGONS), roads=layer("roads", LINES),
        incidents=read_incidents(f"{sample}|layername=incidents", progress=progress),
        progress=progress,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_layers(out / "analysis.gpkg", dict(layers, cameras=cameras))
    export_briefing(dict(layers, cameras=cameras), out / "geojson", progress=progress)
    render_map(layers, out / "map.png", pdf=out / "map.pdf", cameras=cameras,
               roads=layer("roads", LINES), progress=progress,
               title="杨屋村 网格视频覆盖、盲区与警情变化 Yangwu village: coverage and incidents")
    print(summary_table(layers))
    return layers


def summary_table(layers: dict) -> str:
    """A plain-text per-cell table plus the village totals."""
    stats = layers["cell_stats"]
    head = (f"{'cell':>4} {'area m2':>10} {'covered':>8} {'blind m2':>10} {'cams':>5} "
            f"{'prev':>5} {'curr':>5} {'change %':>9} {'in blind':>8}")
    rows = [head, "-" * len(head)]
    for r in stats.itertuples():
        change = "" if not np.isfinite(r.change_pct) else f"{r.change_pct:+.2f}"
        rows.append(f"{r.cell_id!s:>4} {r.area_m2:>10.0f} {r.covered_share:>8.1%} "
                    f"{r.blind_m2:>10.0f} {r.cameras:>5d} {r.incidents_previous:>5d} "
                    f"{r.incidents_current:>5d} {change:>9} {r.incidents_in_blind:>8d}")
    from .core.incidents import change_pct

    prev, cur = int(stats.incidents_previous.sum()), int(stats.incidents_current.sum())
    rows.append("-" * len(head))
    rows.append(f"village: incidents {prev} -> {cur} ({change_pct(cur, prev):+.2f} %), "
                f"blind area {stats.blind_m2.sum():.0f} m2 of {stats.watch_m2.sum():.0f} m2 "
                f"watched")
    return "\n".join(rows)
