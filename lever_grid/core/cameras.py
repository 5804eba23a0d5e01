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
    "sector_segments",
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
    if pd.api.types.is_numeric_dtype(raw.dtype) and not pd.api.types.is_bool_dtype(raw.dtype):
        return raw.astype(float)
    values = pd.to_numeric(raw, errors="coerce")
    text = _text(cams, field)
    bad = values.isna().to_numpy() & np.array([t is not None and t != "" for t in text],
                                               dtype=bool)
    if bad.any():
        fid = cams.index[bad][0]
        raise InputError(
            f"{raw[bad].iloc[0]!r} is not a number", feature=fid, field=field, **_where(cams)
        )
    return values.astype(float)


def _text(cams: gpd.GeoDataFrame, field: str) -> np.ndarray:
    """A field's values as stripped strings (object array); ``None`` where missing."""
    values = cams[field].to_numpy(dtype=object)
    out = np.full(len(values), None, dtype=object)
    present = np.flatnonzero(~pd.isna(values))
    out[present] = [str(v).strip() for v in values[present]]
    return out


def _lookup(text: np.ndarray, table: dict, missing=None) -> np.ndarray:
    """``table[value.lower()]`` per value (``None`` when unknown; ``missing`` for None)."""
    return np.array([table.get(v.lower()) if v is not None else missing for v in text],
                    dtype=object)


def _first_bad(cams: gpd.GeoDataFrame, mask, field: str, message: str) -> None:
    mask = np.asarray(mask, dtype=bool)
    if mask.any():
        fid = cams.index[mask][0]
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
    geoms = cams.geometry.to_numpy()
    empty = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    _first_bad(cams, empty, "camera_id", "camera {value!r} has no geometry")
    types = shapely.get_type_id(geoms)
    kinds_bad = types != 0
    if kinds_bad.any():
        fid = cams.index[kinds_bad][0]
        raise InputError(
            f"{geoms[kinds_bad][0].geom_type} geometry; a camera must "
            "be a single Point (split multipoints into one camera each)",
            feature=fid,
            field="geometry",
            **where,
        )
    ids = _text(cams, "camera_id")
    _first_bad(cams, [v is None or v == "" for v in ids], "camera_id", "camera_id is empty")
    _first_bad(cams, pd.Series(ids).duplicated(keep="first").to_numpy(), "camera_id",
               "duplicate camera_id {value!r}")

    kind = _lookup(_text(cams, "kind"), KIND_ALIASES)
    _first_bad(
        cams,
        [k is None for k in kind],
        "kind",
        "unknown camera kind {value!r}; allowed: "
        + ", ".join(KINDS)
        + " (or 一类, 二类, 慧眼/智能, 社会, 企业)",
    )
    kind = pd.Series(kind, index=cams.index)

    if "status" in cams.columns:
        online = _lookup(_text(cams, "status"), _STATUS, missing=True)
        _first_bad(
            cams, [o is None for o in online], "status",
            "unknown status {value!r}; allowed: online, offline"
        )
        online = pd.Series(online.astype(bool), index=cams.index)
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
            "camera_id": ids.astype(str),
            "kind": kind.to_numpy(dtype=object).astype(str),
            "online": online.to_numpy(dtype=bool),
            "range_m": range_m.to_numpy(dtype=float),
            "heading_deg": (heading % 360.0).to_numpy(dtype=float),
            "fov_deg": fov.to_numpy(dtype=float),
        },
        geometry=shapely.force_2d(geoms),
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
    QGIS's native:buffer with SEGMENTS=quad_segs) produces. Sectors are the polygon QGIS
    gets from native:wedgebuffers followed by native:segmentizebymaxangle with
    ANGLE = 90 / quad_segs (see :func:`sector_segments` for the rule).

    Examples
    --------
    >>> pts = shapely.points([[0.0, 0.0], [0.0, 0.0]])
    >>> views = view_polygons(pts, np.array([10.0, 10.0]), np.array([np.nan, 90.0]),
    ...                       np.array([360.0, 30.0]))
    >>> shapely.get_num_coordinates(views).tolist()  # 64-gon + closing; apex + 7 + apex
    [65, 9]
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


_TWO_PI = 2.0 * np.pi


def _normalized_angle(a: np.ndarray) -> np.ndarray:
    """QgsGeometryUtils::normalizedAngle: an angle in radians brought into [0, 2π)."""
    a = np.where((a >= _TWO_PI) | (a <= -_TWO_PI), np.fmod(a, _TWO_PI), a)
    return np.where(a < 0.0, a + _TWO_PI, a)


def _line_angle(x1, y1, x2, y2) -> np.ndarray:
    """QgsGeometryUtils::lineAngle: azimuth of (x1, y1)→(x2, y2) in radians."""
    return _normalized_angle(-np.arctan2(y2 - y1, x2 - x1) + np.pi / 2.0)


def sector_segments(
    x: np.ndarray,
    y: np.ndarray,
    radius: np.ndarray,
    heading_deg: np.ndarray,
    fov_deg: np.ndarray,
    step_deg: float = 90.0 / QUAD_SEGS,
) -> np.ndarray:
    """Number of arc segments QGIS gives a wedge when it segmentizes it by ``step_deg``.

    QGIS 3.22's native:wedgebuffers makes a curved polygon: a circular string through
    the arc's ends (``center.project(radius, heading ∓ fov/2)``) and a middle point
    (``QgsGeometryUtils::segmentMidPointFromCenter``), closed through the apex.
    Segmentizing it (native:segmentizebymaxangle, or QGIS's default of 1° when a curve
    goes to GEOS) runs ``QgsGeometryUtils::segmentizeArc``: the circle is recomputed
    from the three points, the arc's angle Δ is measured with ``atan2`` from that
    centre, and the arc gets ``n = ceil(Δ / step)`` equal steps of Δ / n, ends included.

    In exact arithmetic n = ceil(fov / step). In floating point, when fov is a multiple
    of the step (45°, 90°, 135° ... for 5.625°) the measured Δ lands a hair above or
    below it depending on the camera's coordinates, and QGIS then uses one segment more
    about half of the time (e.g. 17 steps of 5.294° instead of 16 of 5.625° for a 90°
    wedge). This function repeats QGIS's arithmetic operation for operation (numpy uses
    the same libm), so the count is QGIS's own; checked against QGIS 3.22.16 on
    80,000 random wedges, all equal.
    """
    x, y, r, heading, fov = (np.asarray(v, dtype=float)
                             for v in (x, y, radius, heading_deg, fov_deg))
    # QgsGeometry::createWedgeBuffer and QgsPoint::project
    start = (heading - fov * 0.5) * np.pi / 180.0
    end = (heading + fov * 0.5) * np.pi / 180.0
    p1x, p1y = x + r * np.sin(start), y + r * np.cos(start)
    p2x, p2y = x + r * np.sin(end), y + r * np.cos(end)
    # QgsGeometryUtils::segmentMidPointFromCenter(p1, p2, center, useShortestArc)
    a1 = _line_angle(x, y, p1x, p1y)
    a2 = _line_angle(x, y, p2x, p2y)
    cw = np.where(a2 >= a1, a2 - a1, a2 + (_TWO_PI - a1))
    ccw = _TWO_PI - cw
    mid = _normalized_angle(np.where(cw <= ccw, a1 + cw / 2.0, a1 - ccw / 2.0))
    mid = np.where(fov <= 180.0, mid, mid + np.pi)
    # At fov == 180 QGIS may pick the half circle behind the camera (both arcs are the
    # "shortest"); ours always faces the heading, so count that arc's segments.
    behind = np.cos(mid - np.radians(heading)) < 0.0
    mid = np.where(behind, mid + np.pi, mid)
    dist = np.sqrt((x - p1x) * (x - p1x) + (y - p1y) * (y - p1y))
    az = (mid * 180 / np.pi) * np.pi / 180.0
    pmx, pmy = x + dist * np.sin(az), y + dist * np.cos(az)
    # QgsGeometryUtils::segmentizeArc(p1, pm, p2): orientation, circumcentre, Δ
    side = (pmx - p1x) * (p2y - p1y) - (p2x - p1x) * (pmy - p1y)
    rev = side < 0.0
    c1x, c1y = np.where(rev, p2x, p1x), np.where(rev, p2y, p1y)
    c3x, c3y = np.where(rev, p1x, p2x), np.where(rev, p1y, p2y)
    dx21, dy21 = pmx - c1x, pmy - c1y
    dx31, dy31 = c3x - c1x, c3y - c1y
    h21 = dx21 * dx21 + dy21 * dy21
    h31 = dx31 * dx31 + dy31 * dy31
    d = 2 * (dx21 * dy31 - dx31 * dy21)
    with np.errstate(divide="ignore", invalid="ignore"):
        cx = c1x + (h21 * dy31 - h31 * dy21) / d
        cy = c1y - (h21 * dx31 - h31 * dx21) / d
        delta = np.arctan2(c3y - cy, c3x - cx) - np.arctan2(c1y - cy, c1x - cx)
        delta = np.where(delta <= 0, delta + np.pi * 2, delta)
        n = np.ceil(delta / (np.pi * step_deg / 180.0))
    exact = np.ceil(fov / step_deg)
    # degenerate input (collinear points): fall back to the exact-arithmetic count
    n = np.where(np.isfinite(n) & (np.abs(n - exact) <= 1), n, exact)
    return np.maximum(n, 1).astype(np.int64)


def _sectors(points, radius, heading, fov, quad_segs) -> np.ndarray:
    """Sector polygons: apex, then ``n + 1`` arc vertices at equal steps fov / n from
    heading - fov/2 to heading + fov/2 (clockwise from north), n from
    :func:`sector_segments`; all sectors built in one vectorised call."""
    x0 = shapely.get_x(points)
    y0 = shapely.get_y(points)
    n_seg = sector_segments(x0, y0, radius, heading, fov, 90.0 / quad_segs)
    n_arc = n_seg + 1  # arc vertices, both ends included
    ring_len = n_arc + 2  # apex, arc ..., apex (closing)
    row = np.repeat(np.arange(len(points)), ring_len)
    k = np.arange(ring_len.sum()) - np.repeat(np.cumsum(ring_len) - ring_len, ring_len)
    on_arc = (k >= 1) & (k <= n_arc[row])
    frac = np.where(on_arc, (k - 1) / n_seg[row], 0.0)
    azimuth = np.radians(heading[row] - fov[row] / 2.0 + fov[row] * frac)
    reach = np.where(on_arc, radius[row], 0.0)
    coords = np.column_stack([x0[row] + reach * np.sin(azimuth),
                              y0[row] + reach * np.cos(azimuth)])
    return shapely.polygons(shapely.linearrings(coords, indices=row))
