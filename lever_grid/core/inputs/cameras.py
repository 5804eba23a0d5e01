"""Cameras as they come: kinds (Chinese aliases too), status, range, heading and field of view."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError, location_of
from ..progress import Progress
from .fields import log_missing, rename_fields

__all__ = [
    "KINDS", "KIND_ALIASES", "DEFAULT_RANGE_M", "DEFAULT_SECTOR_FOV", "parse_kinds",
    "normalize_cameras", "MOUNTS", "MOUNT_ALIASES",
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


#: How a camera is mounted (field ``mount``); empty keeps the default rule (a camera on
#: or inside a footprint is on its wall and sees outward).
MOUNTS = ("pole", "wall", "indoor")


#: Accepted spellings (lower-cased) of each mount, Chinese included.
MOUNT_ALIASES = {
    "": "", "pole": "pole", "立杆": "pole", "杆": "pole", "杆装": "pole",
    "wall": "wall", "壁装": "wall", "墙": "wall", "墙装": "wall",
    "indoor": "indoor", "室内": "indoor",
}


#: Highest plausible mount height (m).
MAX_HEIGHT_M = 300.0


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
            f"{raw[bad].iloc[0]!r} is not a number", feature=fid, field=field,
            **location_of(cams, "cameras")
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
        raise InputError(message.format(value=value), feature=fid, field=field,
                         **location_of(cams, "cameras"))


def normalize_cameras(
    cams: gpd.GeoDataFrame,
    progress: Progress | None = None,
    *,
    columns: Mapping[str, str | None] | None = None,
) -> gpd.GeoDataFrame:
    """Validate a cameras layer and fill defaults.

    Field names go through the alias table of :mod:`.fields` (``heading_de`` from a
    Shapefile, 摄像头编号, 类型, 状态, 朝向, 视角, 距离 ...) or ``columns``; an absent
    optional field (status, heading_deg, fov_deg) is reported once.

    Returns a GeoDataFrame with columns camera_id (str), kind (canonical), online (bool),
    range_m, heading_deg (NaN = omnidirectional), fov_deg, mount ('' | pole | wall |
    indoor), height_m (NaN = unknown) and the point geometry.
    Raises :class:`InputError` on the first bad value, naming feature and field.
    """
    progress = progress or Progress()
    where = location_of(cams, "cameras")
    cams = rename_fields(cams, "cameras", columns, progress)
    log_missing(cams, "cameras", progress,
                skip=("fov_deg",) if "heading_deg" not in cams.columns else ())
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

    if "mount" in cams.columns:
        mount = _lookup(_text(cams, "mount"), MOUNT_ALIASES, missing="")
        _first_bad(cams, [m is None for m in mount], "mount",
                   "unknown mount {value!r}; allowed: pole, wall, indoor (or empty)")
    else:
        mount = np.full(len(cams), "", dtype=object)
    height = _numeric(cams, "height_m")
    _first_bad(cams, height.notna() & ((height < 0) | (height > MAX_HEIGHT_M)), "height_m",
               f"height_m must be within 0-{MAX_HEIGHT_M:g} m, got {{value}}")

    out = gpd.GeoDataFrame(
        {
            "camera_id": ids.astype(str),
            "kind": kind.to_numpy(dtype=object).astype(str),
            "online": online.to_numpy(dtype=bool),
            "range_m": range_m.to_numpy(dtype=float),
            "heading_deg": (heading % 360.0).to_numpy(dtype=float),
            "fov_deg": fov.to_numpy(dtype=float),
            "mount": mount.astype(str),
            "height_m": height.to_numpy(dtype=float),
        },
        geometry=shapely.force_2d(geoms),
        crs=cams.crs,
        index=cams.index,
    )
    out.attrs.update(cams.attrs)
    return out
