"""Point-in-time panels: the wide frame of the data contract as it was knowable on a date.

Each value sits on its own date, rolled forward to the next business day when it falls on a
weekend (weekly and monthly series, calendar-daily rates, crypto); values dated after ``as_of`` and
values not yet published by it are absent. A value is carried forward for at most its frequency's
limit (``catalog.FFILL_LIMIT_BDAYS``) so a long gap stays a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

import numpy as np
import pandas as pd

from riskoff.catalog import FFILL_LIMIT_BDAYS, load_catalog
from riskoff.store import Store, default_store

# Read this much history before ``start`` so carried-forward values exist on the first day.
_WARMUP = pd.Timedelta(days=120)
_cache: dict[tuple[object, ...], pd.DataFrame] = {}


def _to_timestamp(value: str | date | pd.Timestamp | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).normalize()


def load_panel(
    series: Sequence[str] | None = None,
    start: str | date | pd.Timestamp | None = None,
    as_of: str | date | pd.Timestamp | None = None,
    store: Store | None = None,
) -> pd.DataFrame:
    """Return the business-day panel of ``series`` as it was knowable at the end of ``as_of``.

    Parameters
    ----------
    series : sequence of str, optional
        Series ids (default: every catalog series).
    start : date-like, optional
        First row of the panel (default: the first observation).
    as_of : date-like, optional
        Last row and knowledge date (default: the store's latest US equity date).
    store : Store, optional
        The store to read (default: the configured one).

    Returns
    -------
    DataFrame
        Index ``date`` (business days, tz-naive), one float64 column per series in the
        catalog unit, NaN where nothing was known or the last value is too old.
    """
    store = store or default_store()
    store.ensure_ready()
    ids = list(series) if series is not None else list(load_catalog())
    end = _to_timestamp(as_of) or store.latest_date()
    first = _to_timestamp(start)
    stamp = store.path.stat().st_mtime_ns if store.path.exists() else 0
    key = (str(store.path), stamp, tuple(ids), first, end)
    if key in _cache:
        return _cache[key].copy()
    query_start = None if first is None else (first - _WARMUP).date()
    long = store.observations(ids, start=query_start, as_of=end.date())
    panel = _widen(long, ids, store, first, end)
    if len(_cache) > 16:
        _cache.clear()
    _cache[key] = panel
    return panel.copy()


def _widen(
    long: pd.DataFrame,
    ids: list[str],
    store: Store,
    first: pd.Timestamp | None,
    end: pd.Timestamp,
) -> pd.DataFrame:
    days = long["date"].to_numpy(dtype="datetime64[D]")
    long = long.assign(date=np.busday_offset(days, 0, roll="forward").astype("datetime64[ns]"))
    # Several calendar days rolled onto one business day: the business day's own value wins.
    long = long.drop_duplicates(["series_id", "date"], keep="last")
    wide = long.pivot(index="date", columns="series_id", values="value")
    begin = first if first is not None else (wide.index.min() if len(wide) else end)
    index = pd.bdate_range(min(begin, end), end, name="date")
    wide = wide.reindex(index.union(wide.index)).sort_index()
    wide = wide.reindex(columns=ids)
    own = store.user_series()
    catalog = load_catalog()
    specs = {s: own.get(s) or catalog[s] for s in ids}
    for limit in sorted(set(FFILL_LIMIT_BDAYS.values())):
        cols = [s for s in ids if specs[s].ffill_limit == limit]
        if cols:
            wide[cols] = wide[cols].ffill(limit=limit)
    wide = wide.reindex(index).astype("float64")
    wide.columns.name = None
    return wide
