"""Reading input layers (any OGR source, ``path|layername=NAME``) and checking them."""

from __future__ import annotations

import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
from pyproj import CRS

from ..crs import LOCAL, check_coordinates, defined_crs
from ..errors import InputError
from .dxf import is_dxf, read_dxf

__all__ = [
    "ROLE_GEOMETRY", "LayerSpec", "list_layers", "choose_layer", "read_attributes", "read_layer",
    "check_layer",
]


POLYGONS = ("Polygon", "MultiPolygon")


LINES = ("LineString", "MultiLineString")


POINTS = ("Point",)


#: Geometry types each input role accepts (the CLI and Processing check the same).
ROLE_GEOMETRY = {"cells": POLYGONS, "buildings": POLYGONS, "boundary": POLYGONS,
                 "locked": POLYGONS, "locked cells": POLYGONS, "roads": LINES,
                 "cameras": POINTS, "incidents": POINTS, "walls": LINES,
                 "watch points": POINTS}


@dataclass(frozen=True)
class LayerSpec:
    """A file path plus an optional layer name (QGIS style ``path|layername=NAME``) and,
    for a DXF site plan, a CAD layer (``plan.dxf|cadlayer=WALL``)."""

    path: str
    layer: str | None = None
    cadlayer: str | None = None

    @classmethod
    def parse(cls, text: str | os.PathLike) -> LayerSpec:
        text = os.fspath(text)
        if "|" not in text:
            return cls(text)
        path, _, rest = text.partition("|")
        found: dict[str, str] = {}
        for part in rest.split("|"):
            key, _, value = part.partition("=")
            key = key.strip().lower()
            if key in ("layername", "cadlayer") and value and key not in found:
                found[key] = value
        return cls(path, found.get("layername"), found.get("cadlayer"))

    def __str__(self) -> str:
        text = self.path if self.layer is None else f"{self.path}|layername={self.layer}"
        return text if self.cadlayer is None else f"{text}|cadlayer={self.cadlayer}"


def list_layers(path: str) -> list[str]:
    """Names of the layers in an OGR data source."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. "Measured (M) geometry types are not supported"
        return [str(name) for name in pyogrio.list_layers(path)[:, 0]]


def choose_layer(spec: LayerSpec, role: str | None) -> str:
    """The layer of ``spec`` to read for ``role``.

    The named layer; else the only one; else the one named like ``role`` (``None``: no
    such fallback, several layers are an error).
    """
    try:
        names = list_layers(spec.path)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        if os.path.isdir(spec.path):
            raise InputError("this is a folder, not a geodata file; give the file inside it "
                             "(e.g. cells.gpkg or cells.shp)", file=spec.path) from None
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
    if role is not None and role in names:
        return role
    named = f" and none is named '{role}'" if role is not None else ""
    raise InputError(
        f"the file has several layers{named}; choose one with "
        f"'{spec.path}|layername=NAME' (layers: {', '.join(names)})",
        file=spec.path,
    )


def _short(exc: BaseException) -> str:
    """The first line of a library error, without GDAL's quoting of the path and its hints."""
    text = str(exc).strip()
    if not text:
        return type(exc).__name__
    text = text.splitlines()[0].split("; It might help")[0]
    text = re.sub(r"^'[^']*' not recognized as", "not recognized as", text).rstrip(".; ")
    return text[:200]


def read_parquet(spec: LayerSpec, role: str | None) -> tuple[gpd.GeoDataFrame, str]:
    """A GeoParquet file, or one layer of a ``NAME.parquet`` folder (as ``analyse --out``
    writes: ``<layer>.parquet`` files, chosen like GeoPackage layers)."""
    path = spec.path
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise InputError("GeoParquet input needs pyarrow: pip install 'lever-grid[dask]'",
                         file=path) from None
    target, layer = path, spec.layer or Path(path).stem
    if os.path.isdir(path):
        names = sorted(p.stem for p in Path(path).glob("*.parquet"))
        if not names:
            raise InputError("the folder holds no .parquet layers", file=path)
        if spec.layer is not None and spec.layer not in names:
            raise InputError(f"no such layer; the folder has: {', '.join(names)}", file=path,
                             layer=spec.layer)
        layer = spec.layer or (names[0] if len(names) == 1 else role or "")
        if layer not in names:
            raise InputError(f"the folder has several layers and none is named '{role}'; "
                             f"choose one with '{path}|layername=NAME' (layers: "
                             f"{', '.join(names)})", file=path)
        target = os.path.join(path, f"{layer}.parquet")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            gdf = gpd.read_parquet(target)
    except Exception as exc:  # noqa: BLE001 - pyarrow raises many types
        raise InputError(f"cannot read the GeoParquet layer ({_short(exc)})", file=path,
                         layer=layer) from None
    return gdf, layer


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


def read_attributes(path: str, layer: str | None = None) -> pd.DataFrame:
    """The attribute table of a layer (no geometry), decoded like :func:`read_layer` does.

    Used where another reader (QGIS) decoded a shapefile without ``.cpg`` as UTF-8 and
    mangled its GBK text. Indexed by feature id.
    """
    gdf = _read(path, layer or choose_layer(LayerSpec(path), None))
    return pd.DataFrame(gdf.drop(columns=gdf.geometry.name))


def read_layer(
    source: str | os.PathLike | LayerSpec,
    role: str,
    *,
    geometry: tuple[str, ...] | None = None,
    assume_crs: str | None = None,
    units: str | None = None,
) -> gpd.GeoDataFrame:
    """Read one input layer for ``role`` (roads, cells, cameras, ...).

    The result's ``attrs`` carry ``file``, ``layer`` and ``local`` (True for a site plan
    in metres without CRS). A DXF site plan (``plan.dxf|cadlayer=NAME``, see
    :mod:`.dxf`) comes back in metres: ``units`` (m, mm, cm, ft) or else its
    ``$INSUNITS`` gives the drawing unit. Bad input raises :class:`InputError` naming
    file and layer.
    """
    spec = source if isinstance(source, LayerSpec) else LayerSpec.parse(source)
    path = spec.path
    if not os.path.exists(path):
        raise InputError("file not found", file=path)
    if os.path.isfile(path) and os.path.getsize(path) == 0:
        raise InputError("the file is empty (0 bytes)", file=path)
    if is_dxf(path):
        return _read_dxf(spec, role, geometry, assume_crs, units)
    layer: str | None
    if path.lower().rstrip("/\\").endswith(".parquet"):
        gdf, layer = read_parquet(spec, role)
    else:
        layer = choose_layer(spec, role)
        try:
            gdf = _read(path, layer)
        except Exception as exc:  # noqa: BLE001
            raise InputError(f"cannot read the layer ({_short(exc)})", file=path,
                             layer=layer) from None
    if not isinstance(gdf, gpd.GeoDataFrame) or gdf.geometry.name not in gdf.columns:
        raise InputError(f"the layer has no geometry; {role} must be a geometry layer",
                         file=path, layer=layer)
    if gdf.crs is not None and defined_crs(gdf.crs) is None:  # GDAL's "Undefined ... SRS"
        gdf = gdf.set_crs(None, allow_override=True)
    gdf.attrs.update(file=path, layer=layer, local=False, role=role)
    _apply_crs(gdf, assume_crs, path, layer)
    if path.lower().endswith((".geojson", ".json")) and gdf.crs is None:
        gdf.set_crs(4326, inplace=True)
    check_layer(gdf, role, geometry, file=path, layer=layer)
    return gdf


def _read_dxf(spec: LayerSpec, role: str, geometry: tuple[str, ...] | None,
              assume_crs: str | None, units: str | None) -> gpd.GeoDataFrame:
    """A CAD layer of a DXF plan, scaled to metres, with ``assume_crs`` (needed: DXF has
    no CRS; 'local' for a site plan)."""
    wanted = geometry if geometry is not None else ROLE_GEOMETRY.get(role)
    gdf = read_dxf(spec.path, spec.cadlayer, wanted, units)
    layer = str(spec.cadlayer)  # read_dxf refuses a plan without cadlayer=
    gdf.attrs.update(local=False, role=role)
    if assume_crs is None:
        raise InputError("a DXF plan has no CRS; pass --assume-crs local (a site plan in "
                         "its own coordinates) or --assume-crs EPSG:NNNN", file=spec.path,
                         layer=layer)
    _apply_crs(gdf, assume_crs, spec.path, layer)
    check_layer(gdf, role, geometry, file=spec.path, layer=layer)
    return gdf


def check_layer(
    gdf: gpd.GeoDataFrame,
    role: str,
    geometry: tuple[str, ...] | None = None,
    *,
    file: str | None = None,
    layer: str | None = None,
) -> None:
    """Checks every reader applies: geometry types for ``role`` and plausible coordinates.

    ``geometry`` defaults to :data:`ROLE_GEOMETRY` for the role (no check for an unknown
    role). Raises :class:`InputError` naming file, layer, feature and field.
    """
    allowed = geometry if geometry is not None else ROLE_GEOMETRY.get(role)
    if allowed is not None:
        _check_geometry_types(gdf, allowed, file, layer, role)
    check_coordinates(gdf, file=file, layer=layer)


def _apply_crs(gdf: gpd.GeoDataFrame, assume_crs: str | None, path: str, layer: str) -> None:
    if gdf.crs is not None and defined_crs(gdf.crs) is not None:
        return
    if gdf.crs is not None:  # GDAL's "Undefined geographic/Cartesian SRS": no CRS at all
        gdf.set_crs(None, inplace=True, allow_override=True)
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
    gdf: gpd.GeoDataFrame, allowed: tuple[str, ...], path: str | None, layer: str | None,
    role: str,
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
