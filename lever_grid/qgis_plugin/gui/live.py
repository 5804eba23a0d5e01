"""Live coverage: after a map edit, recompute only the cells it touched.

An edit changes a cell or two, or adds one camera. :class:`LiveCoverage` keeps what does
not change between edits (camera views already cut by buildings, buildings, roads and
incidents in metres, the incident periods) and, for the edited cells, runs the
pipeline's own steps — :func:`~lever_grid.core.pipeline.camera_views_metric` for new
cameras and :func:`~lever_grid.core.pipeline.cell_tables` (coverage, incidents, output
tables) — on those cells and their neighbours (so roads on shared edges and incidents on shared
borders are split exactly as in the full run), with only the views that reach them.
Their features in the loaded result layers (cell_stats, blind_spots, overlap,
camera_views) are then replaced.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pandas as pd
import shapely
from qgis.core import QgsFeature, QgsFeatureRequest, QgsVectorLayer

from ...core.coverage.arrangement import DEFAULT_ROAD_WIDTH_M
from ...core.crs import MetricFrame
from ...core.inputs.cameras import normalize_cameras, parse_kinds
from ...core.inputs.cells import normalize_cells, normalize_polygons
from ...core.inputs.incidents import normalize_incidents
from ...core.pipeline import Options, Views, camera_views_metric, cell_tables
from ...core.stats.periods import default_periods, parse_period
from ..convert import source_to_gdf
from .common import fit_to_layer, to_qgs

__all__ = ["LiveCoverage", "begin_results", "commit_results"]

#: Roles of the input layers, as in the dock.
ROLES = ("cells", "cameras", "buildings", "roads", "incidents")


def _py(value):
    """A numpy/pandas scalar as a plain Python value for a QgsFeature (NaN -> NULL)."""
    if value is None:
        return None
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating | float):
        return None if math.isnan(value) else float(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if value is pd.NaT:
        return None
    return value


def _key(value) -> str:
    """Cell and camera ids compared as text (1, 1.0 and "1" are the same cell)."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


class _Indexed:
    """An input layer in metres with an STRtree (``frame`` keeps the attributes)."""

    def __init__(self, frame) -> None:
        self.frame = frame
        self.geoms = frame.geometry.to_numpy()
        self.tree = shapely.STRtree(self.geoms)

    def near(self, area) -> np.ndarray:
        return np.sort(self.tree.query(area))


class LiveCoverage:
    """Coverage of a few cells recomputed on demand and written into the result layers.

    ``inputs`` maps roles (cells, cameras, buildings, roads, incidents) to layers (or
    ``None``); ``options`` holds kinds, watch, min_blind_area, period and compare as given
    to the analysis; ``results`` maps output names to the loaded result layers.
    """

    def __init__(self, inputs: dict, options: dict, results: dict[str, QgsVectorLayer]):
        self.inputs = {role: inputs.get(role) for role in ROLES}
        self.options = dict(options)
        self.results = dict(results)
        self.watch = self.options.get("watch") or "cells"
        self.kinds = parse_kinds(self.options.get("kinds") or None)
        self.min_blind_area = float(self.options.get("min_blind_area", 1.0))
        self.last_seconds: float | None = None
        self.last_timing: dict = {}
        self._ready = False

    # ------------------------------------------------------------------ inputs
    def _read(self, role: str):
        layer = self.inputs.get(role)
        if layer is None:
            return None
        return source_to_gdf(layer, layer.name(), role)

    def prepare(self) -> None:
        """Read and index what edits do not change (done once, before the first edit)."""
        cells = normalize_cells(self._read("cells"))
        self.frame = MetricFrame.of(cells)
        buildings = self._read("buildings")
        self.buildings = None
        if buildings is not None:
            buildings = normalize_polygons(buildings, "buildings")
            self.buildings = _Indexed(self.frame.forward(buildings))
        roads = self._read("roads")
        self.roads = _Indexed(self.frame.forward(roads)) if roads is not None else None
        incidents = self._read("incidents")
        self.incidents = None
        self.periods = (None, None)
        if incidents is not None:
            incidents = normalize_incidents(incidents)
            self.incidents = _Indexed(self.frame.forward(incidents))
            period = self.options.get("period") or None
            current = parse_period(period, option="PERIOD") if period else \
                default_periods(incidents["occurred_at"])[0]
            compare = self.options.get("compare") or None
            self.periods = (current, parse_period(compare, option="COMPARE") if compare
                            else None)
        self.cams = None
        self.views = np.empty(0, dtype=object)
        self._add_cameras(self._read("cameras"))
        self._ready = True

    def _add_cameras(self, raw) -> None:
        """Views of the online cameras of the chosen kinds in ``raw``, built by the
        pipeline's own step (buildings and mount rules) with the buildings in reach."""
        cams = self.frame.forward(normalize_cameras(raw))
        cams = cams[cams["online"].to_numpy() & cams["kind"].isin(self.kinds).to_numpy()]
        buildings = None
        if self.buildings is not None and len(cams):
            reach = shapely.union_all(shapely.buffer(cams.geometry.to_numpy(),
                                                     cams["range_m"].to_numpy()))
            buildings = self.buildings.frame.iloc[self.buildings.near(reach)]
        views = camera_views_metric(cams, buildings).geoms
        frame = cams[["camera_id", "kind", "geometry"]]
        self.cams = frame if self.cams is None else pd.concat([self.cams, frame])
        self.views = np.concatenate([self.views, np.asarray(views, dtype=object)])
        self.view_tree = shapely.STRtree(self.views)

    # ------------------------------------------------------------------ update
    def update_cameras(self, camera_ids) -> dict:
        """Cameras were placed or changed: new views, then the cells they can see."""
        start = time.perf_counter()
        if not self._ready:
            self.prepare()
        keys = {_key(c) for c in camera_ids}
        old = self.cams["camera_id"].map(_key).isin(keys).to_numpy()
        before = self.views[old]
        self.cams, self.views = self.cams[~old], self.views[~old]
        raw = self._read("cameras")
        self._add_cameras(raw[raw["camera_id"].map(_key).isin(keys)])
        now = self.views[self.cams["camera_id"].map(_key).isin(keys).to_numpy()]
        reach = shapely.union_all(np.concatenate([before, now]))
        cells = normalize_cells(self._read("cells"))
        cells_m = self.frame.forward(cells)
        hit = shapely.intersects(cells_m.geometry.to_numpy(), reach) if reach is not None \
            else np.zeros(len(cells), dtype=bool)
        return self.update_cells(list(cells.loc[hit, "cell_id"]), camera_ids=camera_ids,
                                 cells=cells, start=start)

    def update_cells(self, cell_ids, camera_ids=(), cells=None, start=None) -> dict:
        """Recompute ``cell_ids`` (deleted cells lose their results) and patch the layers."""
        start = start if start is not None else time.perf_counter()
        if not self._ready:
            self.prepare()
        if cells is None:
            cells = normalize_cells(self._read("cells"))
        keys = {_key(c) for c in cell_ids}
        target = cells["cell_id"].map(_key).isin(keys).to_numpy()
        out: dict = {"cells": sorted(keys), "blind_m2": {}}
        read = time.perf_counter()
        layers = self._tables(cells, target) if target.any() else None
        computed = time.perf_counter()
        self._patch(keys, layers, {_key(c) for c in camera_ids})
        #: where the time went: reading the edited layer, the core, the result layers
        self.last_timing = {"read": read - start, "compute": computed - read,
                            "patch": time.perf_counter() - computed}
        if layers is not None:
            stats = layers["cell_stats"]
            out["blind_m2"] = {_key(c): float(b) for c, b in
                               zip(stats["cell_id"], stats["blind_m2"], strict=True)
                               if _key(c) in keys}
        self.last_seconds = time.perf_counter() - start
        out["seconds"] = self.last_seconds
        return out

    def _tables(self, cells, target: np.ndarray) -> dict:
        """The analysis' output tables for the target cells and their neighbours."""
        geoms_all = self.frame.forward(cells).geometry.to_numpy()
        zone = shapely.union_all(geoms_all[target])
        near = shapely.intersects(geoms_all, shapely.buffer(zone, 0.01)) | target
        cells = cells.loc[near]
        geoms = geoms_all[near]
        box = shapely.buffer(shapely.box(*shapely.bounds(shapely.union_all(geoms))),
                             DEFAULT_ROAD_WIDTH_M, join_style="mitre")

        seen = np.sort(self.view_tree.query(zone, predicate="intersects"))
        views = Views(self.cams.iloc[seen], self.views[seen])
        bld = self.buildings.geoms[self.buildings.near(box)] if self.buildings else None
        roads = self.roads.geoms[self.roads.near(box)] if self.roads else None
        incidents = None
        if self.incidents is not None:
            incidents = self.incidents.frame.iloc[self.incidents.near(box)]
        current, previous = self.periods
        options = Options(self.kinds, self.watch, self.min_blind_area, DEFAULT_ROAD_WIDTH_M,
                          True, current, previous)
        # the pipeline's own second half; police offices are left out: office_stats is not
        # patched live
        with np.errstate(invalid="ignore"):
            return cell_tables(cells, geoms, views, self.frame, options, buildings=bld,
                               roads=roads, incidents=incidents, offices=False)

    # ------------------------------------------------------------------ layers
    def _patch(self, keys: set[str], layers, camera_keys: set[str]) -> None:
        for name, field in (("cell_stats", "cell_id"), ("blind_spots", "cell_id"),
                            ("overlap", "cell_id"), ("cells", "cell_id"),
                            ("camera_views", "camera_id")):
            layer = self.results.get(name)
            if layer is None or not layer.isValid():
                continue
            wanted = camera_keys if name == "camera_views" else keys
            if not wanted:
                continue
            frame = None
            if layers is not None and name in layers:
                frame = layers[name]
                frame = frame[frame[field].map(_key).isin(wanted)]
                if name == "camera_views":
                    frame = frame.drop_duplicates("camera_id")
                if name == "blind_spots":
                    frame = frame.assign(blind_id=self._next_ids(layer, "blind_id", len(frame)))
            _replace(layer, field, wanted, frame)

    @staticmethod
    def _next_ids(layer: QgsVectorLayer, field: str, n: int) -> np.ndarray:
        index = layer.fields().indexOf(field)
        top = layer.maximumValue(index) if index >= 0 else None
        top = int(top) if isinstance(top, int | float) else 0
        return np.arange(top + 1, top + 1 + n)


def _replace(layer: QgsVectorLayer, field: str, keys: set[str], frame) -> None:
    """Delete the features whose ``field`` is in ``keys``; add the rows of ``frame``.

    The changes go to the layer's edit buffer: the map shows them at once, while writing
    the GeoPackage (one transaction per call, tens of milliseconds each) is left to
    :func:`commit_results`, which the dock calls when the edits pause.
    """
    if not layer.isEditable():
        layer.startEditing()
    request = QgsFeatureRequest().setFlags(QgsFeatureRequest.Flag.NoGeometry)
    request.setSubsetOfAttributes([field], layer.fields())
    old = [f.id() for f in layer.getFeatures(request) if _key(f[field]) in keys]
    if old:
        layer.deleteFeatures(old)
    if frame is not None and len(frame):
        fields = layer.fields()
        names = [c for c in frame.columns if c != frame.geometry.name and fields.indexOf(c) >= 0]
        features = []
        for geom, values in zip(frame.geometry.to_numpy(), frame[names].itertuples(index=False),
                                strict=True):
            feature = QgsFeature(fields)
            for name, value in zip(names, values, strict=True):
                feature.setAttribute(name, _py(value))
            if geom is not None and not shapely.is_empty(geom):
                feature.setGeometry(fit_to_layer(to_qgs(geom), layer))
            features.append(feature)
        layer.addFeatures(features)
    layer.triggerRepaint()


def begin_results(layers) -> None:
    """Open the edit sessions of result layers ahead of the first live update."""
    for layer in layers:
        if layer is not None and layer.isValid() and layer.isSpatial() \
                and not layer.isEditable():
            layer.startEditing()


def commit_results(layers, stop: bool = True) -> list[str]:
    """Write pending live updates of result layers to their GeoPackage; returns errors.

    With ``stop=False`` the layers stay in edit mode (no new session for the next edit).
    """
    from qgis.PyQt import sip

    errors = []
    for layer in layers:
        if layer is None or sip.isdeleted(layer):
            continue
        if layer.isValid() and layer.isEditable():
            if not layer.commitChanges(stop):
                errors += layer.commitErrors()
                layer.rollBack()
    return errors
