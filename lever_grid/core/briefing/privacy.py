"""What may leave the building: masked counts and incident points stripped to three fields."""

from __future__ import annotations

from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import InputError
from ..progress import Progress

__all__ = [
    "MASK_FIELD", "AGGREGATE_FIELDS", "COUNT_FIELDS", "mask_counts", "incident_points",
    "incident_counts",
]


#: Flag added to every layer that carries incident counts: true where one was masked.
MASK_FIELD = "incidents_masked"


#: Properties of ``incidents.geojson`` in aggregate mode (one cell polygon per feature).
AGGREGATE_FIELDS = ("cell_id", "incidents_current", "incidents_previous", "change_pct",
                    "incidents_in_blind", MASK_FIELD)


#: Incident counts per layer that ``min_count`` masks.
COUNT_FIELDS = {"cell_stats": ("incidents_current", "incidents_previous",
                               "incidents_in_blind"),
                "blind_spots": ("incidents",),
                "office_stats": ("incidents_current", "incidents_previous")}


def mask_counts(
    layers: Mapping[str, pd.DataFrame], min_count: int = 0
) -> dict[str, pd.DataFrame]:
    """Copies of the layers with incident counts below ``min_count`` set to null.

    Masked: the fields of :data:`COUNT_FIELDS`; ``change_pct`` too where the current or
    previous count is masked (with one count and the change the other follows). Every
    layer with counts gets a boolean :data:`MASK_FIELD` column (false everywhere when
    ``min_count`` is 0). Counts of 0 are masked as well when ``min_count`` > 0.

    Examples
    --------
    >>> stats = pd.DataFrame({"incidents_current": [2, 9], "incidents_previous": [8, 9],
    ...                       "incidents_in_blind": [0, 5], "change_pct": [-75.0, 0.0]})
    >>> out = mask_counts({"cell_stats": stats}, 3)["cell_stats"]
    >>> out[["incidents_current", "change_pct", "incidents_masked"]].to_dict("list")
    {'incidents_current': [nan, 9.0], 'change_pct': [nan, 0.0], 'incidents_masked': [True, False]}
    """
    if min_count < 0:
        raise InputError(f"--min-count must be 0 or more, not {min_count}", field="min_count")
    out = dict(layers)
    for name, fields in COUNT_FIELDS.items():
        frame = layers.get(name)
        if frame is None:
            continue
        frame = frame.copy()
        present = [f for f in fields if f in frame.columns]
        flag = np.zeros(len(frame), dtype=bool)
        for f in present:
            values = pd.to_numeric(frame[f], errors="coerce")
            small = (values < min_count).to_numpy() & values.notna().to_numpy()
            if min_count > 0 and small.any():
                frame[f] = values.where(~small)
                flag |= small
                if f in ("incidents_current", "incidents_previous") and \
                        "change_pct" in frame.columns:
                    frame["change_pct"] = frame["change_pct"].where(~small)
        frame[MASK_FIELD] = flag
        out[name] = frame
    return out


def incident_points(
    incidents: gpd.GeoDataFrame,
    *,
    cells: gpd.GeoDataFrame | None = None,
    period: tuple[pd.Timestamp, pd.Timestamp] | None = None,
    progress: Progress | None = None,
) -> gpd.GeoDataFrame:
    """A new frame with only ``incident_id``, ``date`` and ``category`` of each incident.

    Nothing else of the source is copied (not even its ``attrs``). ``date`` is the ISO
    day of ``occurred_at`` (the time of day is dropped). With ``cells`` only incidents
    inside a cell are kept; with ``period`` (half-open ``[start, end)``, as from
    :func:`~lever_grid.core.incidents.parse_period`) only those of the period.
    """
    progress = progress or Progress()
    for col in ("incident_id", "occurred_at"):
        if col not in incidents.columns:
            raise InputError(f"no {col} column in the incidents", field=col)
    when = pd.to_datetime(incidents["occurred_at"], errors="coerce")
    keep = when.notna().to_numpy() & ~(incidents.geometry.isna()
                                       | incidents.geometry.is_empty).to_numpy()
    if period is not None:
        keep &= ((when >= period[0]) & (when < period[1])).to_numpy()
    geoms = incidents.geometry.to_numpy()
    if cells is not None and len(cells):
        area = cells.geometry.to_crs(incidents.crs) if incidents.crs and cells.crs else \
            cells.geometry
        inside = np.zeros(len(incidents), dtype=bool)
        hit, _ = shapely.STRtree(area.to_numpy()).query(geoms, predicate="intersects")
        inside[np.unique(hit)] = True
        if (keep & ~inside).any():
            progress.info(f"incidents: {int((keep & ~inside).sum())} outside every cell "
                          "not exported")
        keep &= inside
    category = (incidents["category"] if "category" in incidents.columns
                else pd.Series("", index=incidents.index))
    data = {
        "incident_id": [str(v) for v in incidents["incident_id"].to_numpy()[keep]],
        "date": [t.date().isoformat() for t in when[keep]],
        "category": ["" if pd.isna(v) else str(v) for v in category.to_numpy()[keep]],
    }
    return gpd.GeoDataFrame(data, geometry=np.asarray(geoms[keep], dtype=object),
                            crs=incidents.crs)


def incident_counts(layers: Mapping[str, pd.DataFrame]) -> gpd.GeoDataFrame | None:
    """Aggregate incidents: the cell_stats polygons with only their incident counts."""
    stats = layers.get("cell_stats")
    if not isinstance(stats, gpd.GeoDataFrame):
        return None
    fields = [f for f in AGGREGATE_FIELDS if f in stats.columns]
    return stats[fields + [stats.geometry.name]].copy()
