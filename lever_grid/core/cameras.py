"""Camera model: kinds, defaults, validation and view polygons (circles or sectors)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from .errors import InputError
from .progress import Progress

__all__ = [
    "KINDS",
    "KIND_ALIASES",
    "DEFAULT_RANGE_M",
    "DEFAULT_SECTOR_FOV",
    "QUAD_SEGS",
    "normalize_cameras",
    "parse_kinds",
    "view_polygons",
]

#: Camera classes, in the order they are listed to users.
KINDS = ("public1", "public2", "smart_eye", "social", "enterprise")

#: Accepted spellings (lower-cased) for each kind, Chinese aliases included.
KIND_ALIASES = {
    "public1": "public1",
    "一类": "public1",
    "一类视频": "public1",
    "一类点": "public1",
    "public2": "public2",
    "二类": "public2",
    "二类视频": "public2",
    "二类点": "public2",
    "smart_eye": "smart_eye",
    "smarteye": "smart_eye",
    "smart-eye": "smart_eye",
    "慧眼": "smart_eye",
    "智能": "smart_eye",
    "智慧眼": "smart_eye",
    "social": "social",
    "社会": "social",
    "社会视频": "social",
    "enterprise": "enterprise",
    "企业": "enterprise",
    "企业视频": "enterprise",
}

#: Range used when range_m is empty, by kind (metres). Documented in docs/data-model.md.
DEFAULT_RANGE_M = {
    "public1": 80.0,
    "public2": 60.0,
    "smart_eye": 50.0,
    "social": 30.0,
    "enterprise": 30.0,
}

#: Field of view used when a heading is given but fov_deg is empty (degrees).
DEFAULT_SECTOR_FOV = 90.0

#: Segments per quarter circle when a circle is approximated by a polygon; the same
#: number must be given to QGIS's native:buffer (SEGMENTS) to reproduce our areas.
QUAD_SEGS = 16

_STATUS = {"online": True, "offline": False, "在线": True, "离线": False, "": True}


def parse_kinds(text: str | list[str] | None) -> tuple[str, ...]:
    """Parse ``--kinds public1,public2`` (aliases allowed); ``None`` means all kinds."""
    if text is None or text == "" or text == []:
        return KINDS
    items = text.split(",") if isinstance(text, str) else list(text)
    kinds = []
    for item in items:
        key = str(item).strip().lower()
        if key not in KIND_ALIASES:
            raise InputError(
                f"unknown camera kind {item!r} in --kinds; allowed: {', '.join(KINDS)}"
            )
        kinds.append(KIND_ALIASES[key])
    return tuple(dict.fromkeys(kinds))


def _where(cams: gpd.GeoDataFrame) -> dict:
    return {"file": cams.attrs.get("file"), "layer": cams.attrs.get("layer", "cameras")}


def _numeric(cams: gpd.GeoDataFrame, field: str) -> pd.Series:
    if field not in cams.columns:
        return pd.Series(np.nan, index=cams.index, dtype=float)
    raw = cams[field]
    values = pd.to_numeric(raw, errors="coerce")
    bad = values.isna() & raw.notna() & (raw.astype(str).str.strip() != "")
    if bad.any():
        fid = cams.index[bad.to_numpy()][0]
        raise InputError(
            f"{raw[bad].iloc[0]!r} is not a number", feature=fid, field=field, **_where(cams)
        )
    return values.astype(float)


def _first_bad(cams: gpd.GeoDataFrame, mask: pd.Series, field: str, message: str) -> None:
    if mask.any():
        fid = cams.index[mask.to_numpy()][0]
        value = cams[field][mask].iloc[0]
        raise InputError(message.format(value=value), feature=fid, field=field, **_where(cams))


def normalize_cameras(cams: gpd.GeoDataFrame, progress: Progress | None = None) -> gpd.GeoDataFrame:
    """Validate a cameras layer and fill defaults.

    Returns a GeoDataFrame with columns camera_id (str), kind (canonical), online (bool),
    range_m, heading_deg (NaN = omnidirectional), fov_deg, and the point geometry.
    Raises :class:`InputError` on the first bad value, naming feature and field.
    """
    progress = progress or Progress()
    where = _where(cams)
    for field in ("camera_id", "kind"):
        if field not in cams.columns:
            raise InputError(
                f"required field is missing (fields: {', '.join(map(str, cams.columns))})",
                field=field,
                **where,
            )
    geoms = cams.geometry
    empty = geoms.isna() | geoms.is_empty
    _first_bad(cams, empty, "camera_id", "camera {value!r} has no geometry")
    kinds_bad = geoms.geom_type != "Point"
    if kinds_bad.any():
        fid = cams.index[kinds_bad.to_numpy()][0]
        raise InputError(
            f"{geoms.geom_type[kinds_bad].iloc[0]} geometry; a camera must be a single "
            "Point (split multipoints into one camera each)",
            feature=fid,
            field="geometry",
            **where,
        )
    ids = cams["camera_id"].astype("string").str.strip()
    _first_bad(cams, ids.isna() | (ids == ""), "camera_id", "camera_id is empty")
    _first_bad(cams, ids.duplicated(keep="first"), "camera_id", "duplicate camera_id {value!r}")

    kind_key = cams["kind"].astype("string").str.strip().str.lower()
    kind = kind_key.map(KIND_ALIASES)
    _first_bad(
        cams,
        kind.isna(),
        "kind",
        "unknown camera kind {value!r}; allowed: "
        + ", ".join(KINDS)
        + " (or 一类, 二类, 慧眼/智能, 社会, 企业)",
    )

    if "status" in cams.columns:
        status_key = cams["status"].astype("string").str.strip().str.lower().fillna("")
        online = status_key.map(_STATUS)
        _first_bad(
            cams, online.isna(), "status", "unknown status {value!r}; allowed: online, offline"
        )
        online = online.astype(bool)
    else:
        online = pd.Series(True, index=cams.index)

    range_m = _numeric(cams, "range_m")
    _first_bad(
        cams, range_m.notna() & ~(range_m > 0), "range_m", "range_m must be > 0, got {value}"
    )
    _first_bad(
        cams,
        range_m.notna() & (range_m > 5000),
        "range_m",
        "range_m {value} is beyond 5000 m; no camera sees that far",
    )
    defaulted = range_m.isna()
    range_m = range_m.fillna(kind.map(DEFAULT_RANGE_M).astype(float))
    if defaulted.any():
        progress.info(
            f"cameras: {int(defaulted.sum())} without range_m got the default for their kind"
        )

    heading = _numeric(cams, "heading_deg")
    _first_bad(
        cams,
        heading.notna() & ((heading < 0) | (heading > 360)),
        "heading_deg",
        "heading_deg must be within 0-360 (clockwise from north), got {value}",
    )
    fov = _numeric(cams, "fov_deg")
    _first_bad(
        cams,
        fov.notna() & ((fov <= 0) | (fov > 360)),
        "fov_deg",
        "fov_deg must be > 0 and <= 360, got {value}",
    )
    fov = fov.where(fov.notna(), np.where(heading.notna(), DEFAULT_SECTOR_FOV, 360.0))
    heading = heading.where(fov < 360.0)

    out = gpd.GeoDataFrame(
        {
            "camera_id": ids.astype(str).to_numpy(),
            "kind": kind.astype(str).to_numpy(),
            "online": online.to_numpy(dtype=bool),
            "range_m": range_m.to_numpy(dtype=float),
            "heading_deg": (heading % 360.0).to_numpy(dtype=float),
            "fov_deg": fov.to_numpy(dtype=float),
        },
        geometry=shapely.force_2d(geoms.to_numpy()),
        crs=cams.crs,
        index=cams.index,
    )
    out.attrs.update(cams.attrs)
    return out


def view_polygons(
    points: np.ndarray,
    range_m: np.ndarray,
    heading_deg: np.ndarray,
    fov_deg: np.ndarray,
    quad_segs: int = QUAD_SEGS,
) -> np.ndarray:
    """View polygons: circles where heading is NaN, field-of-view sectors elsewhere.

    Circles are ``shapely.buffer(point, range, quad_segs)``, exactly what GEOS (and so
    QGIS's native:buffer with SEGMENTS=quad_segs) produces. A sector is the apex plus
    arc vertices every ``90 / quad_segs`` degrees (the arc's ends always included).
    """
    points = np.asarray(points, dtype=object)
    range_m = np.asarray(range_m, dtype=float)
    heading = np.asarray(heading_deg, dtype=float)
    fov = np.asarray(fov_deg, dtype=float)
    views = np.empty(len(points), dtype=object)
    circle = np.isnan(heading) | (fov >= 360.0)
    if circle.any():
        views[circle] = shapely.buffer(points[circle], range_m[circle], quad_segs=quad_segs)
    sector = ~circle
    if sector.any():
        views[sector] = _sectors(
            points[sector], range_m[sector], heading[sector], fov[sector], quad_segs
        )
    return views


def _sectors(points, radius, heading, fov, quad_segs) -> np.ndarray:
    """Vectorised sector polygons with a common vertex count per batch."""
    step = 90.0 / quad_segs
    n_arc = np.ceil(fov / step).astype(int) + 1  # vertices on the arc, ends included
    width = int(n_arc.max())
    frac = np.minimum(np.arange(width)[None, :] / (n_arc - 1)[:, None], 1.0)
    azimuth = np.radians((heading - fov / 2.0)[:, None] + fov[:, None] * frac)
    x0 = shapely.get_x(points)[:, None]
    y0 = shapely.get_y(points)[:, None]
    ax = x0 + radius[:, None] * np.sin(azimuth)
    ay = y0 + radius[:, None] * np.cos(azimuth)
    # Repeated trailing vertices (short arcs padded to ``width``) are removed by the
    # ring constructor below via the per-row counts.
    ring_len = n_arc + 2  # apex, arc..., apex
    coords = np.empty((len(points), width + 2, 2))
    coords[:, 0, 0], coords[:, 0, 1] = x0[:, 0], y0[:, 0]
    coords[:, 1 : width + 1, 0], coords[:, 1 : width + 1, 1] = ax, ay
    keep = np.arange(width + 2)[None, :] < (ring_len - 1)[:, None]
    flat = coords[keep]
    ring_index = np.repeat(np.arange(len(points)), ring_len - 1)
    # close each ring: shapely.linearrings closes automatically
    rings = shapely.linearrings(flat, indices=ring_index)
    return shapely.polygons(rings)
