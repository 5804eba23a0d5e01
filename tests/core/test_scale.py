"""The partitioned engines give the one-pass layers: chunked in this process and on Dask.

Oracle: the single-process :func:`~lever_grid.core.pipeline.analyse` on the same data
(a reduced copy of the synthetic town, with buildings, incidents and roads); areas within
1e-9 relative, counts and ids exactly. The tile-corner case is checked against plain
shapely intersections of each view with each cell, and the Hilbert keys against the
definition of the curve (a path through every grid point, one unit step at a time).

The Dask tests start a LocalCluster of 2 workers; the town runs with ``processes=False``
(threads: the cluster starts in a second instead of several on a loaded machine), the
tile-corner case with worker processes (everything pickled between processes).
"""

from __future__ import annotations

import sys

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from bench.bench_coverage import make_data
from lever_grid.core.errors import Cancelled, InputError
from lever_grid.core.inputs.layers import read_layer
from lever_grid.core.pipeline import analyse
from lever_grid.core.progress import Progress
from lever_grid.core.scale.engine import analyse_scaled, merge_incident_cells
from lever_grid.core.scale.partitions import cell_parts, hilbert_keys

COMPARED = ("cells", "camera_views", "overlap", "blind_spots", "cell_stats", "office_stats",
            "incidents")


def _quiet() -> Progress:
    return Progress(log=lambda _m: None)


@pytest.fixture(scope="module")
def town() -> dict:
    """The synthetic town's south-west sixth (48 cells), with what lies in or near it."""
    data = make_data("town")
    cells = data["cells"]
    box = shapely.box(0, 0, 1600, 1200)
    x0, y0 = cells.geometry.total_bounds[:2]
    box = shapely.affinity.translate(box, x0, y0)
    keep = cells.geometry.centroid.within(box).to_numpy()
    cells = cells.loc[keep]
    near = shapely.buffer(box, 150)
    out = {"cells": cells}
    for name in ("cameras", "incidents", "buildings"):
        layer = data[name]
        out[name] = layer.loc[layer.geometry.intersects(near).to_numpy()]
    # roads: the cell edges (roads run along cell boundaries) and one diagonal avenue
    edges = shapely.get_parts(shapely.line_merge(shapely.union_all(
        shapely.boundary(cells.geometry.to_numpy()))))
    avenue = shapely.LineString([(x0, y0), (x0 + 1600, y0 + 1200)])
    out["roads"] = gpd.GeoDataFrame({"road_id": np.arange(len(edges) + 1)},
                                    geometry=[*edges, avenue], crs=cells.crs)
    return out


@pytest.fixture(scope="module")
def one_pass(town) -> dict:
    return analyse(town["cells"], town["cameras"], incidents=town["incidents"],
                   buildings=town["buildings"], roads=town["roads"], progress=_quiet())


def assert_same_layers(got: dict, want: dict) -> None:
    """Same layers, rows in the same order, areas within 1e-9 relative, the rest exact."""
    assert set(got) == set(want)
    for name in (n for n in COMPARED if n in want):
        a, b = got[name], want[name]
        assert list(a.columns) == list(b.columns), name
        assert len(a) == len(b), name
        for col in a.columns:
            if col == "geometry":
                ga, gb = a.geometry.to_numpy(), b.geometry.to_numpy()
                assert a.crs == b.crs, name
                np.testing.assert_allclose(shapely.area(ga), shapely.area(gb), rtol=1e-9,
                                           atol=1e-9, err_msg=f"{name}.geometry")
                continue
            u, v = a[col].to_numpy(), b[col].to_numpy()
            if u.dtype.kind == "f":
                np.testing.assert_allclose(u, v, rtol=1e-9, atol=0, err_msg=f"{name}.{col}")
            elif u.dtype.kind == "M":  # a GeoPackage keeps milliseconds, GeoParquet more
                assert (u.astype("datetime64[ms]") == v.astype("datetime64[ms]")).all(), col
            else:
                assert pd.Series(u).equals(pd.Series(v)), f"{name}.{col}"


def test_town_has_everything(town, one_pass):
    """The reduced town exercises every layer (else the comparisons prove little)."""
    assert len(town["cells"]) == 48
    for name in ("overlap", "blind_spots", "incidents"):
        assert len(one_pass[name]) > 100, name
    assert (one_pass["cell_stats"]["incidents_in_blind"] > 0).any()
    assert one_pass["cell_stats"]["road_covered_share"].notna().all()
    assert (one_pass["cell_stats"]["cameras"] > 1).all()


@pytest.mark.parametrize("partitions", [3, 7])
def test_chunked_single_engine_equals_one_pass(town, one_pass, partitions):
    progress = _quiet()
    got = analyse_scaled(town["cells"], town["cameras"], incidents=town["incidents"],
                         buildings=town["buildings"], roads=town["roads"], progress=progress,
                         partitions=partitions)
    assert f"engine single: {partitions} partitions of cells, one after the other" in \
        progress.messages
    assert_same_layers(got, one_pass)


def test_dask_engine_equals_one_pass(town, one_pass):
    steps: list[float] = []
    progress = Progress(steps.append, None, lambda _m: None)
    got = analyse_scaled(town["cells"], town["cameras"], incidents=town["incidents"],
                         buildings=town["buildings"], roads=town["roads"], progress=progress,
                         engine="dask", workers=2, processes=False)
    assert "engine dask: 2 worker(s), 4 partitions" in progress.messages
    assert steps == sorted(steps) and steps[-1] == 1.0
    assert_same_layers(got, one_pass)


def test_dask_workers_keep_nothing_once_the_run_is_merged(town, one_pass):
    """Every result is fetched when its task ends and dropped on the worker with the
    tile's inputs: after the run the cluster holds no data (worker memory is bounded by
    the running tasks, not by the whole province)."""
    import time

    from lever_grid.core.scale.dask_engine import DaskRunner

    with DaskRunner(2, processes=False) as runner:
        got = analyse_scaled(town["cells"], town["cameras"], incidents=town["incidents"],
                             buildings=town["buildings"], roads=town["roads"],
                             progress=_quiet(), runner=runner)

        def held() -> int:
            return sum(len(keys) for keys in runner.client.has_what().values())

        deadline = time.monotonic() + 10
        while held() and time.monotonic() < deadline:  # releases reach the workers async
            time.sleep(0.05)
        assert held() == 0
    assert_same_layers(got, one_pass)


def test_watch_roads_without_overlap_partitioned(town):
    kw = dict(incidents=town["incidents"], roads=town["roads"], watch="roads", overlap=False,
              progress=_quiet())
    want = analyse(town["cells"], town["cameras"], **kw)
    got = analyse_scaled(town["cells"], town["cameras"], partitions=5, **kw)
    assert_same_layers(got, want)
    assert len(got["overlap"]) == 0


@pytest.mark.parametrize("engine", ["single", "dask"])
def test_cancel_stops_between_partitions(town, engine):
    """Cancel asked for once the coverage of the tiles has begun stops the run there."""
    seen: list[float] = []
    progress = Progress(seen.append, lambda: bool(seen) and seen[-1] > 0.5, lambda _m: None)
    with pytest.raises(Cancelled):
        analyse_scaled(town["cells"], town["cameras"], incidents=town["incidents"],
                       partitions=6, engine=engine, progress=progress,
                       **({"workers": 2, "processes": False} if engine == "dask" else {}))
    assert 0.5 < seen[-1] < 0.9


def _grid(n: int, size: float) -> gpd.GeoDataFrame:
    boxes = [shapely.box(i * size, j * size, (i + 1) * size, (j + 1) * size)
             for j in range(n) for i in range(n)]
    return gpd.GeoDataFrame({"cell_id": np.arange(1, n * n + 1), "police_office": "A"},
                            geometry=boxes, crs="EPSG:4547")


def test_camera_on_tile_corners_counts_once_per_cell():
    """4 x 4 cells of 100 m in 4 tiles; cameras on the corner where 4 tiles meet, on tile
    edges and on the outer corner. Each counts once for each cell its view reaches, with
    the area of its view inside that cell (shapely intersection, cell by cell)."""
    x0, y0 = 500000.0, 3000000.0
    cells = _grid(4, 100.0)
    cells["geometry"] = cells.geometry.translate(x0, y0)
    spots = [(200, 200, 80), (100, 200, 30), (200, 300, 30), (0, 0, 40), (300, 100, 10)]
    cameras = gpd.GeoDataFrame(
        {"camera_id": [f"c{k}" for k in range(len(spots))], "kind": "public1",
         "range_m": [r for _x, _y, r in spots]},
        geometry=[shapely.Point(x0 + x, y0 + y) for x, y, _r in spots], crs="EPSG:4547")
    want = analyse(cells, cameras, progress=_quiet(), min_blind_area=0.0)
    views = want["camera_views"].geometry.to_numpy()
    with np.errstate(invalid="ignore"):
        sees = shapely.area(shapely.intersection(views[:, None],
                                                 cells.geometry.to_numpy()[None, :])) > 0
    expected_cameras = sees.sum(axis=0)
    assert expected_cameras.tolist() == [1, 0, 1, 1,
                                         1, 2, 2, 1,
                                         1, 3, 2, 0,
                                         0, 1, 1, 0]
    # the engine's tiles (balanced on the views per cell): c0's four cells lie in three
    # tiles, c1's in three, c2's in two
    parts = cell_parts(cells.geometry.to_numpy(), 4, views)
    assert [p.cells.tolist() for p in parts] == [[0, 1, 4, 5], [8, 12, 13],
                                                 [9, 10, 11, 14, 15], [2, 3, 6, 7]]
    tile = np.zeros(16, dtype=int)
    for k, p in enumerate(parts):
        tile[p.cells] = k
    assert [len(set(tile[sees[c]])) for c in range(len(spots))] == [3, 3, 2, 1, 1]
    expected_covered = np.array([shapely.area(shapely.intersection(
        shapely.union_all(views[sees[:, k]]), cells.geometry.iloc[k])) for k in range(16)])
    for engine, kw in (("single", {"partitions": 4}),
                       ("dask", {"workers": 2, "partitions": 4, "processes": True})):
        got = analyse_scaled(cells, cameras, progress=_quiet(), min_blind_area=0.0,
                             engine=engine, **kw)
        stats = got["cell_stats"]
        assert stats["cameras"].tolist() == expected_cameras.tolist(), engine
        np.testing.assert_allclose(stats["covered_m2"], expected_covered, rtol=1e-9, atol=1e-9)
        assert len(got["camera_views"]) == len(spots)  # a view is made once per camera
        ov = got["overlap"]
        np.testing.assert_allclose(ov.groupby("cell_id")["area_m2"].sum().reindex(
            stats["cell_id"], fill_value=0.0).to_numpy(), expected_covered, rtol=1e-9,
            atol=1e-9)
        # the two cameras overlap only in cells 6 and 10 (ids), never twice in one cell
        assert sorted(ov.loc[ov["n_cameras"] == 2, "cell_id"].tolist()) == [6, 10, 11]
        assert_same_layers(got, want)


def test_hilbert_keys_walk_the_grid_one_step_at_a_time():
    for order in (1, 2, 3, 5):
        n = 1 << order
        gx, gy = np.meshgrid(np.arange(n, dtype=float), np.arange(n, dtype=float))
        keys = hilbert_keys(gx.ravel(), gy.ravel(), order)
        assert sorted(keys.tolist()) == list(range(n * n))
        path = np.column_stack([gx.ravel(), gy.ravel()])[np.argsort(keys)]
        steps = np.abs(np.diff(path, axis=0)).sum(axis=1)
        assert (steps == 1).all(), order


def test_incident_on_a_tile_edge_goes_to_the_lowest_cell_id():
    ids = np.array([7, 3, 5])
    # incident 0 was found by two tiles (cells at 0 and 1), incident 2 by one, 1 by none
    where = merge_incident_cells(3, ids, [np.array([0, 2]), np.array([0])],
                                 [np.array([0, 2]), np.array([1])])
    assert where.tolist() == [1, -1, 2]


def test_bad_engine_options_are_one_line_errors(town):
    with pytest.raises(InputError, match="--engine must be one of single, dask"):
        analyse_scaled(town["cells"], town["cameras"], engine="spark")
    with pytest.raises(InputError, match="--partitions must be >= 1"):
        analyse_scaled(town["cells"], town["cameras"], partitions=0)


def test_missing_dask_names_the_extra(monkeypatch, capsys, tmp_path):
    from lever_grid.cli import main

    monkeypatch.setitem(sys.modules, "distributed", None)
    code = main(["analyse", "--cells", "x.gpkg", "--cameras", "y.gpkg", "--engine", "dask",
                 "--out", str(tmp_path / "o.gpkg")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2
    assert err == ["lever-grid: error: --engine dask needs the optional extra 'dask': "
                   "pip install 'lever-grid[dask]' (dask, distributed, dask-geopandas, "
                   "pyarrow)"]
    assert not (tmp_path / "o.gpkg").exists()


def test_cli_engines_on_the_sample_village(tmp_path):
    """``analyse --engine dask --workers 2`` (worker processes) and ``--engine single
    --partitions 3`` write the layers of the default one-pass run."""
    import subprocess

    import pyogrio

    from tests.conftest import ROOT

    gpkg = ROOT / "resources" / "sample" / "yangwu.gpkg"
    base = ["analyse", *(a for name in ("cells", "cameras", "incidents", "buildings", "roads")
                         for a in (f"--{name}", f"{gpkg}|layername={name}"))]
    outs = {}
    for label, extra in (("one", []), ("chunked", ["--engine", "single", "--partitions", "3"]),
                         ("dask", ["--engine", "dask", "--workers", "2"])):
        outs[label] = tmp_path / f"{label}.{'parquet' if label == 'dask' else 'gpkg'}"
        res = subprocess.run([sys.executable, "-m", "lever_grid", *base, *extra,
                              "--out", str(outs[label])], capture_output=True, text=True,
                             cwd=ROOT, timeout=300)
        assert res.returncode == 0, res.stderr
        assert "Traceback" not in res.stderr and "Warning" not in res.stderr, res.stderr
    want = {name: gpd.read_file(outs["one"], layer=name)
            for name in pyogrio.list_layers(outs["one"])[:, 0]}
    assert len(want["blind_spots"]) > 0 and len(want["overlap"]) > 0
    got = {name: gpd.read_file(outs["chunked"], layer=name)
           for name in pyogrio.list_layers(outs["chunked"])[:, 0]}
    assert_same_layers(got, want)
    # the Dask run wrote GeoParquet: one file per layer, read back like a GeoPackage layer
    assert sorted(p.name for p in outs["dask"].iterdir()) == sorted(
        f"{name}.parquet" for name in want)
    got = {name: (read_layer(f"{outs['dask']}|layername={name}", name)
                  if name != "office_stats" else
                  pd.read_parquet(outs["dask"] / "office_stats.parquet"))
           for name in want}
    assert_same_layers(got, want)


def test_factory_with_walls_watch_points_and_indoor_cameras_partitioned():
    """The factory plan (walls with heights, gates as watch points, wall and indoor
    cameras): 3 tiles in this process and 2 Dask workers give the one-pass layers."""
    from lever_grid.demo_factory import factory_inputs

    inputs = factory_inputs()
    cells, cameras = inputs.pop("cells"), inputs.pop("cameras")
    assert inputs.get("walls") is not None and inputs.get("watch_points") is not None
    want = analyse(cells, cameras, progress=_quiet(), **inputs)
    assert len(want["watch_points"]) > 0
    for engine, kw in (("single", {"partitions": 3}),
                       ("dask", {"workers": 2, "partitions": 3, "processes": False})):
        got = analyse_scaled(cells, cameras, progress=_quiet(), engine=engine, **kw, **inputs)
        assert_same_layers({k: v for k, v in got.items() if k != "watch_points"},
                           {k: v for k, v in want.items() if k != "watch_points"})
        assert got["watch_points"].drop(columns="geometry").equals(
            want["watch_points"].drop(columns="geometry")), engine


def test_geoparquet_folder_errors_are_one_line(tmp_path):
    from lever_grid.core.fs import write_parquet_layers

    empty = tmp_path / "empty.parquet"
    empty.mkdir()
    with pytest.raises(InputError, match="the folder holds no .parquet layers"):
        read_layer(str(empty), "cells")
    blocked = tmp_path / "blocked.parquet"
    blocked.write_text("not a folder")
    with pytest.raises(InputError, match="a file of that name is in the way"):
        write_parquet_layers(blocked, {"t": pd.DataFrame({"a": [1]})})
    # a second write replaces the folder whole: no layer of the first run is left
    out = tmp_path / "run.parquet"
    write_parquet_layers(out, {"a": pd.DataFrame({"x": [1]}), "b": pd.DataFrame({"x": [2]})})
    write_parquet_layers(out, {"a": pd.DataFrame({"x": [3]})})
    assert sorted(p.name for p in out.iterdir()) == ["a.parquet"]
    assert pd.read_parquet(out / "a.parquet")["x"].tolist() == [3]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["blocked.parquet", "empty.parquet",
                                                          "run.parquet"]
