"""``lever-grid demo --factory``: the factory audit on the bundled CAD site plan."""

from __future__ import annotations

from pathlib import Path

from .core.progress import Progress
from .paths import resources_dir

__all__ = ["factory_paths", "factory_inputs", "run_factory_demo", "gate_table"]


#: CAD layers of resources/sample/factory.dxf for each input role.
FACTORY_CADLAYERS = {"cells": "ZONE", "buildings": "BUILDING", "walls": "WALL,FENCE",
                     "roads": "ROAD", "watch points": "GATE"}


def factory_paths() -> tuple[Path, Path]:
    """The bundled factory plan (DXF, millimetres) and its cameras/incidents GeoPackage."""
    from .core.errors import InputError

    folder = resources_dir() / "sample"
    dxf, gpkg = folder / "factory.dxf", folder / "factory.gpkg"
    for path in (dxf, gpkg):
        if not path.exists():
            raise InputError("the bundled factory sample is missing", file=str(path))
    return dxf, gpkg


def factory_inputs(progress: Progress | None = None) -> dict:
    """The factory's inputs as ``analyse`` takes them (cells are the plan's four zones)."""
    from .core.inputs.incidents import read_incidents
    from .core.inputs.layers import ROLE_GEOMETRY, read_layer

    dxf, gpkg = factory_paths()
    plan = {role: read_layer(f"{dxf}|cadlayer={cad}", role, geometry=ROLE_GEOMETRY[role],
                             assume_crs="local")
            for role, cad in FACTORY_CADLAYERS.items()}
    return {
        "cells": plan["cells"],
        "cameras": read_layer(f"{gpkg}|layername=cameras", "cameras", assume_crs="local"),
        "buildings": plan["buildings"], "walls": plan["walls"], "roads": plan["roads"],
        "watch_points": plan["watch points"],
        "incidents": read_incidents(f"{gpkg}|layername=incidents", assume_crs="local",
                                    progress=progress),
    }


def run_factory_demo(out: Path, progress: Progress | None = None) -> dict:
    """Analyse the factory plan and write analysis.gpkg, geojson/ and map.png (+ .pdf)."""
    from .core.briefing.mapping import render_map
    from .core.fs import write_layers
    from .core.pipeline import analyse
    from .demo import summary_table

    progress = progress or Progress()
    inputs = factory_inputs(progress)
    layers = analyse(inputs.pop("cells"), inputs.pop("cameras"), progress=progress, **inputs)
    cams = factory_inputs()["cameras"]
    out.mkdir(parents=True, exist_ok=True)
    write_layers(out / "analysis.gpkg", dict(layers, cameras=cams, walls=inputs["walls"],
                                             roads=inputs["roads"]))
    render_map(layers, out / "map.png", pdf=out / "map.pdf", cameras=cams,
               roads=inputs["roads"], progress=progress,
               title="工厂视频覆盖审计 Factory audit: coverage, blind spots and thefts")
    table = summary_table(layers).splitlines()[:-1]  # the village line compares two periods
    stats = layers["cell_stats"]
    cur, blind = int(stats.incidents_current.sum()), int(stats.incidents_in_blind.sum())
    table.append(f"site: {cur} incidents, {blind} of them in blind spots; blind area "
                 f"{stats.blind_m2.sum():.0f} m2 of {stats.watch_m2.sum():.0f} m2 watched")
    print("\n".join(table))
    print(gate_table(layers["watch_points"]))
    return layers


def gate_table(points) -> str:
    """Gates and doors: seen or not, and by which cameras."""
    rows = [f"{'watch point':<32} {'seen':>5} {'cameras'}"]
    for r in points.itertuples():
        rows.append(f"{r.name:<32} {'yes' if r.seen else 'NO':>5} {r.camera_ids or '-'}")
    return "\n".join(rows)
