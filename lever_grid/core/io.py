"""Reading input layers and writing output GeoPackages atomically."""

from __future__ import annotations

import os
import tempfile
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from .crs import LOCAL, check_coordinates
from .errors import InputError

__all__ = ["LayerSpec", "read_layer", "write_layers", "list_layers"]

POLYGONS = ("Polygon", "MultiPolygon")
LINES = ("LineString", "MultiLineString")
POINTS = ("Point",)


@dataclass(frozen=True)
class LayerSpec:
    """A file path plus an optional layer name (QGIS style ``path|layername=NAME``)."""

    path: str
    layer: str | None = None

    @classmethod
    def parse(cls, text: str | os.PathLike) -> LayerSpec:
        text = os.fspath(text)
        if "|" in text:
            path, _, rest = text.partition("|")
            for part in rest.split("|"):
                key, _, value = part.partition("=")
                if key.strip().lower() == "layername" and value:
                    return cls(path, value)
            return cls(path)
        return cls(text)

    def __str__(self) -> str:
        return self.path if self.layer is None else f"{self.path}|layername={self.layer}"


def list_layers(path: str) -> list[str]:
    """Names of the layers in an OGR data source."""
    return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def _choose_layer(spec: LayerSpec, role: str) -> str | None:
    try:
        names = list_layers(spec.path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        raise InputError(f"not a readable geodata file ({_short(exc)})", file=spec.path) from None
    if not names:
        raise InputError("the file holds no layers", file=spec.path)
    if spec.layer is not None:
        if spec.layer not in names:
            raise InputError(
                f"no such layer; the file has: {', '.join(names)}", file=spec.path,
                layer=spec.layer,
            )
        return spec.layer
    if len(names) == 1:
        return names[0]
    if role in names:
        return role
    raise InputError(
        f"the file has several layers and none is named '{role}'; choose one with "
        f"'{spec.path}|layername=NAME' (layers: {', '.join(names)})",
        file=spec.path,
    )


def _short(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__


def _read(path: str, layer: str) -> gpd.GeoDataFrame:
    kwargs: dict = {"layer": layer, "fid_as_index": True}
    is_shp = path.lower().endswith(".shp")
    has_cpg = is_shp and Path(path).with_suffix(".cpg").exists()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if is_shp and not has_cpg:
            try:
                return pyogrio.read_dataframe(path, encoding="UTF-8", **kwargs)
            except Exception:  # noqa: BLE001 - fall back to GBK, common in Chinese data
                gdf = pyogrio.read_dataframe(path, encoding="GBK", **kwargs)
                gdf.attrs["encoding"] = "GBK"
                return gdf
        return pyogrio.read_dataframe(path, **kwargs)


def read_layer(
    source: str | os.PathLike | LayerSpec,
    role: str,
    *,
    geometry: tuple[str, ...] | None = None,
    assume_crs: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one input layer for ``role`` (roads, cells, cameras, ...).

    The result's ``attrs`` carry ``file``, ``layer`` and ``local`` (True for a site plan
    in metres without CRS). Bad input raises :class:`InputError` naming file and layer.
    """
    spec = source if isinstance(source, LayerSpec) else LayerSpec.parse(source)
    path = spec.path
    if not os.path.exists(path):
        raise InputError("file not found", file=path)
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise InputError("the file is empty (0 bytes)", file=path)
    layer = _choose_layer(spec, role)
    try:
        gdf = _read(path, layer)
    except Exception as exc:  # noqa: BLE001
        raise InputError(f"cannot read the layer ({_short(exc)})", file=path,
                         layer=layer) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(f"the layer has no geometry; {role} must be a geometry layer",
                         file=path, layer=layer)
    gdf.attrs.update(file=path, layer=layer, local=False, role=role)
    _apply_crs(gdf, assume_crs, path, layer)
    if path.lower().endswith((".geojson", ".json")) and gdf.crs is None:
        gdf.set_crs(4326, inplace=True)
    if geometry is not None:
        _check_geometry_types(gdf, geometry, path, layer, role)
    check_coordinates(gdf, file=path, layer=layer)
    return gdf


def _apply_crs(gdf: gpd.GeoDataFrame, assume_crs: str | None, path: str, layer: str) -> None:
    if gdf.crs is not None:
        return
    if path.lower().endswith((".geojson", ".json")):
        return  # RFC 7946: WGS84 by definition
    if assume_crs is None:
        raise InputError(
            "the layer has no CRS; pass --assume-crs EPSG:NNNN (or 'local' for a site plan "
            "in metres)", file=path, layer=layer,
        )
    if assume_crs.strip().lower() == LOCAL:
        gdf.attrs["local"] = True
        return
    try:
        gdf.set_crs(CRS.from_user_input(assume_crs), inplace=True)
    except Exception:  # noqa: BLE001
        raise InputError(f"--assume-crs {assume_crs!r} is not a known CRS", file=path,
                         layer=layer) from None


def _check_geometry_types(
    gdf: gpd.GeoDataFrame, allowed: tuple[str, ...], path: str, layer: str, role: str
) -> None:
    geoms = gdf.geometry
    null = geoms.isna() | geoms.is_empty
    types = geoms.geom_type.where(~null)
    bad = types.notna() & ~types.isin(allowed)
    if bad.any():
        fid = gdf.index[bad.to_numpy()][0]
        raise InputError(
            f"{types[bad].iloc[0]} geometry where {role} must be {' or '.join(allowed)}",
            file=path, layer=layer, feature=fid, field="geometry",
        )


def write_layers(
    out: str | os.PathLike,
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
) -> Path:
    """Write ``layers`` into one GeoPackage atomically.

    Everything goes to a temporary file beside ``out`` that is renamed into place only
    when complete, so ``out`` is either the previous file, absent, or the full result.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=".part.gpkg", dir=out.parent)
    os.close(fd)
    os.unlink(tmp)
    try:
        for name, frame in layers.items():
            _write_one(frame, tmp, name)
        os.replace(tmp, out)
    except BaseException:
        for leftover in (tmp, tmp + "-journal", tmp + "-wal", tmp + "-shm"):
            if os.path.exists(leftover):
                os.unlink(leftover)
        raise
    return out


def _write_one(frame: gpd.GeoDataFrame | pd.DataFrame, path: str, name: str) -> None:
    kwargs = {"layer": name, "driver": "GPKG", "append": os.path.exists(path)}
    frame = frame.reset_index(drop=True)
    if isinstance(frame, gpd.GeoDataFrame):
        pyogrio.write_dataframe(frame, path, promote_to_multi=False, **kwargs)
    else:
        pyogrio.write_dataframe(frame, path, **kwargs)
