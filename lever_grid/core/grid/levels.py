"""Grade levels of roads: which lines may be noded where they cross.

Roads on different levels cross without a junction (a bridge over a road, a footway in a
tunnel under it). The level of a line:

- with ``no_node_field`` (``--no-node-field NAME``): that field alone; a number is the
  level, ``yes``/``true`` (any other text) is level 1, empty, ``no``, ``false``, ``0``
  level 0;
- otherwise the OpenStreetMap tags when the layer has them: ``layer`` (a whole number;
  OSM's default 0), else ``bridge`` (not ``no``) is level 1 and ``tunnel`` (not ``no``,
  and not ``building_passage``, which is a passage at street level) level -1.

Level 0 roads are the ground network: they bound faces. Lines on other levels are still
road metres (they count for road length in the face they run over), and their ends join
the ground network where they meet it exactly or are snapped to it.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..errors import InputError

__all__ = ["FALSE_WORDS", "road_levels"]


#: Texts that mean "no" in a bridge/tunnel/no-node field.
FALSE_WORDS = ("", "no", "false", "0", "none", "null", "nan")


def _truthy(values: pd.Series) -> np.ndarray:
    text = values.astype(object).where(values.notna(), "").astype(str).str.strip().str.lower()
    return ~text.isin(FALSE_WORDS).to_numpy()


def _numeric(values: pd.Series) -> np.ndarray:
    """Whole numbers of a text or number column (OSM ``layer`` is text); NaN elsewhere.

    ``"1;2"`` (two values mapped on one way) takes the first."""
    text = values.astype(object).where(values.notna(), "").astype(str).str.split(";").str[0]
    num = pd.to_numeric(text.str.strip(), errors="coerce").to_numpy(dtype=float)
    return np.where(np.isfinite(num), np.round(num), np.nan)


def road_levels(roads: gpd.GeoDataFrame, no_node_field: str | None = None) -> np.ndarray:
    """Level per road row (int64; 0 = ground), see the module docstring.

    Examples
    --------
    >>> import geopandas as gpd
    >>> from shapely import LineString
    >>> g = gpd.GeoDataFrame({"bridge": ["yes", None, None], "layer": [None, "-1", None]},
    ...                      geometry=[LineString([(0, 0), (1, 1)])] * 3)
    >>> road_levels(g).tolist()
    [1, -1, 0]
    """
    n = len(roads)
    if no_node_field:
        if no_node_field not in roads.columns:
            raise InputError(f"no field {no_node_field!r} for --no-node-field (fields: "
                             f"{', '.join(map(str, roads.columns.drop(roads.geometry.name)))})",
                             file=roads.attrs.get("file"),
                             layer=roads.attrs.get("layer", "roads"), field=no_node_field)
        col = roads[no_node_field]
        num = _numeric(col)
        level = np.where(np.isfinite(num), num, np.where(_truthy(col), 1.0, 0.0))
        return level.astype(np.int64)
    level = np.zeros(n)
    known = np.zeros(n, dtype=bool)
    if "layer" in roads.columns:
        num = _numeric(roads["layer"])
        known = np.isfinite(num)
        level[known] = num[known]
    if "tunnel" in roads.columns:
        t = roads["tunnel"]
        low = t.astype(object).where(t.notna(), "").astype(str).str.strip().str.lower()
        under = _truthy(t) & (low != "building_passage").to_numpy()
        level[under & ~known] = -1.0
    if "bridge" in roads.columns:
        over = _truthy(roads["bridge"])
        level[over & ~known] = 1.0
    return level.astype(np.int64)
