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
    """Build 14 cells from the sample's 58 roads, analyse them, and write analysis.gpkg,
    geojson/ and map.png (+ map.pdf) to ``out``."""
    from .core.briefing.geojson import export_briefing
    from .core.briefing.mapping import render_map
    from .core.fs import write_layers
    from .core.grid.partition import build_cells
    from .core.inputs.incidents import read_incidents
    from .core.inputs.layers import LINES, POINTS, POLYGONS, read_layer
    from .core.pipeline import analyse
    from .extras import available, needs

    progress = progress or Progress()
    sample = str(sample_path())
    layer = lambda name, geom: read_layer(f"{sample}|layername={name}", name, geometry=geom)  # noqa: E731
    cameras = layer("cameras", POINTS)
    roads = layer("roads", LINES)
    cells, report = build_cells(roads, 14, boundary=layer("boundary", POLYGONS),
                                progress=progress)
    for line in report.get("summary", []):
        progress.info(line)
    cells = inherit_assignments(cells, layer("cells", POLYGONS))
    layers = analyse(
        cells, cameras,
        buildings=layer("buildings", POLYGONS), roads=roads,
        incidents=read_incidents(f"{sample}|layername=incidents", progress=progress),
        progress=progress,
    )
    out.mkdir(parents=True, exist_ok=True)
    write_layers(out / "analysis.gpkg", dict(layers, cameras=cameras))
    export_briefing(dict(layers, cameras=cameras), out / "geojson", progress=progress)
    if available("matplotlib"):
        title = "杨屋村 网格视频覆盖、盲区与警情变化 Yangwu village: coverage and incidents"
        render_map(layers, out / "map.png", pdf=out / "map.pdf", cameras=cameras,
                   roads=roads, progress=progress, title=title)
    else:  # everything else is written; say how to get the map too
        progress.info("map.png not drawn: " + needs("demo", "matplotlib", "for the map"))
    print(summary_table(layers))
    return layers


def inherit_assignments(built, drawn):
    """Give built cells the police_office and officer of the hand-drawn cell they overlap
    most (the officers' assignments live on the drawn cells)."""
    import shapely

    pairs = shapely.STRtree(drawn.geometry.to_numpy()).query(built.geometry.to_numpy(),
                                                             predicate="intersects")
    shared = shapely.area(shapely.intersection(built.geometry.to_numpy()[pairs[0]],
                                               drawn.geometry.to_numpy()[pairs[1]]))
    order = np.lexsort((-shared, pairs[0]))
    first = np.unique(pairs[0][order], return_index=True)[1]
    best = pairs[1][order][first]
    out = built.copy()
    for field in ("police_office", "officer"):
        out.loc[out.index[pairs[0][order][first]], field] = drawn[field].to_numpy()[best]
    return out


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
    from .core.stats.periods import change_pct

    prev, cur = int(stats.incidents_previous.sum()), int(stats.incidents_current.sum())
    rows.append("-" * len(head))
    rows.append(f"village: incidents {prev} -> {cur} ({change_pct(cur, prev):+.2f} %), "
                f"blind area {stats.blind_m2.sum():.0f} m2 of {stats.watch_m2.sum():.0f} m2 "
                f"watched")
    return "\n".join(rows)
