"""CAD site plans (DXF) through GDAL/OGR: entities by CAD layer, closed polylines as
footprints, units from ``$INSUNITS`` (or ``--units``) scaled to metres.

GDAL reads a DXF as one OGR layer ``entities`` with a ``Layer`` field holding each
entity's CAD layer; ``plan.dxf|cadlayer=WALL`` selects the entities of CAD layer WALL
(compared case-insensitively, as CAD programs do; ``cadlayer=WALL,FENCE`` takes both).
Text entities on a polygon layer name the polygon they stand in (a zone label); on a
point layer they are the points (``Text`` is their name).
"""

from __future__ import annotations

import re
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely

from ..errors import InputError

__all__ = [
    "UNITS", "INSUNITS_METRES", "is_dxf", "unit_factor", "dxf_insunits", "dxf_unit_factor",
    "scale_to_metres", "read_dxf",
]


#: Metres per unit for ``--units`` (local site plans; CAD plans are often in millimetres).
UNITS = {"m": 1.0, "mm": 0.001, "cm": 0.01, "ft": 0.3048}


#: Metres per drawing unit for DXF ``$INSUNITS`` codes (0 = unitless is not listed).
INSUNITS_METRES = {
    1: 0.0254, 2: 0.3048, 3: 1609.344, 4: 0.001, 5: 0.01, 6: 1.0, 7: 1000.0,
    8: 2.54e-8, 9: 2.54e-5, 10: 0.9144, 11: 1e-10, 12: 1e-9, 13: 1e-6, 14: 0.1,
    15: 10.0, 16: 100.0, 21: 1200.0 / 3937.0,
}


_INSUNITS_NAMES = {1: "inches", 2: "feet", 4: "millimetres", 5: "centimetres", 6: "metres",
                   7: "kilometres", 14: "decimetres", 21: "US survey feet"}


def is_dxf(path: str) -> bool:
    """True for a ``.dxf`` file name."""
    return str(path).lower().endswith(".dxf")


def unit_factor(units: str | None) -> float:
    """Metres per unit of ``--units`` (m, mm, cm, ft); ``None`` is metres."""
    if units is None:
        return 1.0
    key = str(units).strip().lower()
    if key not in UNITS:
        raise InputError(f"--units must be one of {', '.join(UNITS)}, not {units!r}")
    return UNITS[key]


def dxf_insunits(path: str) -> int | None:
    """The ``$INSUNITS`` code in the HEADER section of an ASCII DXF (None if absent)."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            head = []
            for line in f:
                head.append(line.strip())
                if head[-1] == "ENTITIES" or len(head) > 200_000:
                    break
    except OSError:
        return None
    for i, text in enumerate(head):
        if text == "$INSUNITS":
            for code, value in zip(head[i + 1::2], head[i + 2::2], strict=False):
                if code == "70":
                    return int(value) if re.fullmatch(r"-?\d+", value) else None
                if code == "9":
                    return None
    return None


def dxf_unit_factor(path: str, units: str | None = None) -> tuple[float, str]:
    """Metres per drawing unit of a DXF and where it came from.

    ``units`` (``--units``) wins; else ``$INSUNITS`` when it names a unit; else metres.
    """
    if units is not None:
        return unit_factor(units), f"--units {units}"
    code = dxf_insunits(path)
    if code in INSUNITS_METRES:
        return INSUNITS_METRES[code], f"$INSUNITS {code} ({_INSUNITS_NAMES.get(code, 'unit')})"
    return 1.0, "no $INSUNITS: metres"


def scale_to_metres(gdf: gpd.GeoDataFrame, factor: float) -> gpd.GeoDataFrame:
    """A local site plan's coordinates multiplied by ``factor`` (metres per unit).

    The result carries the same attrs; ``attrs['source_unit_factor']`` records the factor
    applied (so nothing scales it twice).
    """
    out = gdf
    if factor != 1.0:
        geoms = shapely.transform(gdf.geometry.to_numpy(), lambda xy: xy * factor)
        out = gdf.set_geometry(geoms, crs=gdf.crs)
        out.attrs.update(gdf.attrs)
    out.attrs["source_unit_factor"] = float(factor)
    return out


def _entities(path: str) -> gpd.GeoDataFrame:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return pyogrio.read_dataframe(path, layer="entities", fid_as_index=True)
    except Exception as exc:  # noqa: BLE001 - GDAL raises many types
        first = str(exc).strip().splitlines()[0][:200] if str(exc).strip() else type(exc).__name__
        raise InputError(f"not a readable DXF file ({first})", file=path) from None


def read_dxf(path: str, cadlayer: str | None, geometry: tuple[str, ...] | None,
             units: str | None = None) -> gpd.GeoDataFrame:
    """The entities of CAD layer ``cadlayer`` as a layer of the wanted ``geometry`` types.

    Polygon roles: closed polylines (and hatches) become polygons, an open polyline is an
    error naming its entity; a layer without ``cell_id`` gets 1..n and the name of a text
    inside. Line roles: polylines, lines and polygon outlines. Point roles: points and
    texts. Coordinates come back in metres (:func:`scale_to_metres`); no CRS.
    """
    gdf = _entities(path)
    if "Layer" not in gdf.columns:
        raise InputError("the DXF has no Layer field (not a DXF read by GDAL?)", file=path)
    names = gdf["Layer"].fillna("").astype(str)
    have = sorted(set(names) - {""})
    if cadlayer is None:
        raise InputError(f"choose a CAD layer with '{path}|cadlayer=NAME' (CAD layers: "
                         f"{', '.join(have) or 'none'})", file=path)
    wanted = [c.strip().lower() for c in cadlayer.split(",") if c.strip()]
    pick = names.str.lower().isin(wanted)
    missing = sorted(set(wanted) - set(names.str.lower()))
    if missing and pick.any():
        raise InputError(f"no entity on CAD layer {missing[0]!r}; the plan has: "
                         f"{', '.join(have) or 'none'}", file=path, layer=cadlayer)
    if not pick.any():
        raise InputError(f"no entity on CAD layer {cadlayer!r}; the plan has: "
                         f"{', '.join(have) or 'none'}", file=path, layer=cadlayer)
    gdf = gdf.loc[pick.to_numpy()]
    geoms = shapely.force_2d(gdf.geometry.to_numpy())
    kind = shapely.get_type_id(geoms)
    wants = set(geometry or ())
    where = {"file": path, "layer": cadlayer}
    if wants & {"Polygon", "MultiPolygon"}:
        out = _footprints(gdf, geoms, kind, where)
    elif wants & {"LineString", "MultiLineString"}:
        lines = np.isin(kind, (1, 2, 5))
        poly = np.isin(kind, (3, 6))
        geoms = np.where(poly, shapely.boundary(geoms), geoms)
        keep = lines | poly
        out = gdf.loc[keep].set_geometry(geoms[keep])
    elif wants & {"Point"}:
        keep = kind == 0
        out = gdf.loc[keep].set_geometry(geoms[keep])
    else:
        out = gdf.set_geometry(geoms)
    if len(out) == 0:
        raise InputError(f"CAD layer {cadlayer!r} has no entity of the kind needed "
                         f"({' or '.join(geometry or ())})", **where)
    factor, source = dxf_unit_factor(path, units)
    out = gpd.GeoDataFrame(out, geometry=out.geometry.name, crs=None)
    out.attrs.update(file=path, layer=cadlayer, units_source=source)
    return scale_to_metres(out, factor)


def _footprints(gdf, geoms, kind, where) -> gpd.GeoDataFrame:
    """Closed polylines and hatches on a polygon layer as polygons; texts as their names."""
    text = kind == 0
    line = np.isin(kind, (1, 2))
    closed = np.zeros(len(geoms), dtype=bool)
    closed[line] = shapely.is_closed(geoms[line]) & (shapely.get_num_coordinates(geoms[line]) >= 4)
    open_line = line & ~closed
    if open_line.any():
        k = np.flatnonzero(open_line)[0]
        handle = gdf["EntityHandle"].iloc[k] if "EntityHandle" in gdf.columns else gdf.index[k]
        raise InputError(f"open polyline (entity {handle}) on a footprint layer; close it in "
                         "the CAD program or move it to a line layer",
                         feature=gdf.index[k], field="geometry", **where)
    poly = np.isin(kind, (3, 6))
    out_geoms = geoms.copy()
    if closed.any():
        rings = shapely.linearrings(*[shapely.get_coordinates(geoms[closed])[:, i]
                                      for i in (0, 1)],
                                    indices=shapely.get_coordinates(geoms[closed],
                                                                    return_index=True)[1])
        out_geoms[closed] = shapely.polygons(rings)  # normalize_polygons repairs
    keep = closed | poly
    out = gdf.loc[keep].set_geometry(out_geoms[keep])
    if "cell_id" not in out.columns:
        out = out.assign(cell_id=np.arange(1, int(keep.sum()) + 1))
        names = np.full(len(out), "", dtype=object)
        if text.any() and "Text" in gdf.columns:
            pt_i, poly_i = shapely.STRtree(out.geometry.to_numpy()).query(
                geoms[text], predicate="within")
            first = np.unique(poly_i, return_index=True)[1]
            labels = gdf["Text"].to_numpy(dtype=object)[text]
            names[poly_i[first]] = [str(v).strip() for v in labels[pt_i[first]]]
        if "name" not in out.columns:
            out = out.assign(name=pd.Series(names, index=out.index))
    return out
