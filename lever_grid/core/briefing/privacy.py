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
    """Copies of the layers with incident counts below ``min_count`` set to null, plus
    enough other counts that no masked one can be recovered by subtraction.

    Primary: every count of :data:`COUNT_FIELDS` below ``min_count`` (0 included).
    Secondary, because the published tables add up:

    - a blind spot's ``incidents`` sum to its cell's ``incidents_in_blind``: a cell with a
      masked blind spot gets ``incidents_in_blind`` masked; and when its unmasked blind
      spots already account for all of ``incidents_current`` (``incidents_in_blind <=
      incidents_current`` would pin the masked ones), ``incidents_current`` too;
    - cells sum to their police office's totals (``office_stats``): an office with a masked
      cell gets that total masked (every office when the ``cells`` layer that maps cells to
      offices is missing);
    - the offices (and cells without office) sum to the village total, which the summary
      prints only when no cell count is masked.

    ``change_pct`` is masked where the current or previous count is (with one count and
    the change the other follows). Every layer with counts gets a boolean
    :data:`MASK_FIELD` column (false everywhere when ``min_count`` is 0).

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
    frames = {name: layers[name] for name in COUNT_FIELDS if layers.get(name) is not None}
    masks = {(name, f): _small(frame, f, min_count) for name, frame in frames.items()
             for f in COUNT_FIELDS[name] if f in frame.columns}
    if min_count > 0:
        _secondary(layers, frames, masks)
    out = dict(layers)
    for name, frame in frames.items():
        frame = frame.copy()
        flag = np.zeros(len(frame), dtype=bool)
        for f in COUNT_FIELDS[name]:
            mask = masks.get((name, f))
            if mask is None:
                continue
            frame[f] = pd.to_numeric(frame[f], errors="coerce").where(~mask) if mask.any() \
                else frame[f]
            flag |= mask
            if f in ("incidents_current", "incidents_previous") and mask.any() and \
                    "change_pct" in frame.columns:
                frame["change_pct"] = frame["change_pct"].where(~mask)
        frame[MASK_FIELD] = flag
        out[name] = frame
    return out


def _small(frame: pd.DataFrame, field: str, min_count: int) -> np.ndarray:
    values = pd.to_numeric(frame[field], errors="coerce")
    if min_count <= 0:
        return np.zeros(len(frame), dtype=bool)
    return (values < min_count).to_numpy() & values.notna().to_numpy()


def _secondary(layers: Mapping[str, pd.DataFrame], frames: dict[str, pd.DataFrame],
               masks: dict[tuple[str, str], np.ndarray]) -> None:
    """Extend the primary ``masks`` in place so that no masked count can be solved for."""
    stats, spots = frames.get("cell_stats"), frames.get("blind_spots")
    if stats is not None and "cell_id" in stats.columns:
        ids = stats["cell_id"].to_numpy()
        if spots is not None and ("blind_spots", "incidents") in masks and \
                ("cell_stats", "incidents_in_blind") in masks and "cell_id" in spots.columns:
            spot_masked = masks[("blind_spots", "incidents")]
            hit = np.isin(ids, spots["cell_id"].to_numpy()[spot_masked])
            masks[("cell_stats", "incidents_in_blind")] |= hit
            # incidents_in_blind <= incidents_current: if the unmasked spots of a cell
            # already make up its current count, its masked spots must be 0
            known = pd.to_numeric(spots["incidents"], errors="coerce").where(~spot_masked, 0)
            known_sum = known.groupby(spots["cell_id"].to_numpy()).sum()
            if ("cell_stats", "incidents_current") in masks:
                current = pd.to_numeric(stats["incidents_current"], errors="coerce")
                pinned = hit & (current.to_numpy() <= pd.Series(ids).map(known_sum)
                                .fillna(0).to_numpy())
                masks[("cell_stats", "incidents_current")] |= pinned
        offices = frames.get("office_stats")
        if offices is not None and "police_office" in offices.columns:
            office_of = _office_of(layers, stats)
            names = offices["police_office"].astype(str).to_numpy()
            for f in ("incidents_current", "incidents_previous"):
                cell_mask = masks.get(("cell_stats", f))
                if cell_mask is None or ("office_stats", f) not in masks or not cell_mask.any():
                    continue
                if office_of is None:
                    masks[("office_stats", f)] |= True
                    continue
                masked_offices = set(office_of[cell_mask])
                masks[("office_stats", f)] |= np.isin(names, list(masked_offices))


def _office_of(layers: Mapping[str, pd.DataFrame], stats: pd.DataFrame) -> np.ndarray | None:
    """The police office of each row of ``stats`` (from the cells layer), or None."""
    source: pd.DataFrame | None = stats if "police_office" in stats.columns else \
        layers.get("cells")
    if source is None or "police_office" not in source.columns or \
            "cell_id" not in source.columns:
        return None
    names = [str(v).strip() if not pd.isna(v) else "" for v in source["police_office"]]
    lookup = pd.Series(names, index=source["cell_id"].to_numpy(), dtype=object)
    lookup = lookup[~lookup.index.duplicated()]
    office = pd.Series(stats["cell_id"].to_numpy()).map(lookup)
    if office.isna().any():
        return None
    return office.to_numpy(dtype=object)


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
