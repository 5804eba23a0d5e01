"""The incidents of one period (default: the current one, as ``analyse`` chooses it)."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd

from ..progress import Progress

__all__ = ["current_incidents"]


def current_incidents(incidents: gpd.GeoDataFrame, period: tuple | str | None,
                      progress: Progress,
                      what: str) -> gpd.GeoDataFrame:
    """Incidents of ``period`` (START, END) or of the default current period: 1 January
    of the latest incident's year to its day. ``what`` prefixes the log line."""
    from ..inputs.incidents import normalize_incidents
    from ..stats.periods import default_periods, window

    if "occurred_at" not in incidents.columns or not pd.api.types.is_datetime64_any_dtype(
            incidents["occurred_at"]):
        incidents = normalize_incidents(incidents, progress=progress)
    when = incidents["occurred_at"]
    start, end = window(period, "--period") if period is not None else \
        default_periods(when)[0]
    sel = incidents.loc[((when >= start) & (when < end)).to_numpy()]
    progress.info(f"{what}: {len(sel)} incidents in {start.date()} .. "
                  f"{(end - pd.Timedelta(days=1)).date()}")
    return sel
