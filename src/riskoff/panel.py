"""Point-in-time panels: the wide frame of the data contract as it was knowable on a date.

Each value sits on its own date, rolled forward to the next business day when it falls on a
weekend (weekly and monthly series, calendar-daily rates, crypto; a value rolled past the panel's
last row is not in the panel); values dated after ``as_of`` and
values not yet published by it (first seen later) are absent; for a revised value, the vintage
known by ``as_of`` is used. A value is carried forward for at most its frequency's limit
(``catalog.FFILL_LIMIT_BDAYS``), so a long gap stays a gap.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import TypeAlias

import numpy as np
import pandas as pd

from riskoff.catalog import SeriesSpec, get_spec, load_catalog
from riskoff.errors import CatalogError, DataError
from riskoff.inputs import LATEST, parse_date
from riskoff.store import Snapshot, Store, default_store

_DAY_SECONDS = 86_400
DateLike: TypeAlias = str | date | pd.Timestamp


def _day_number(value: DateLike, what: str = "date") -> int:
    return int(np.datetime64(parse_date(value, what), "D").astype(np.int64))


def latest_date(store: Store | None = None) -> pd.Timestamp:
    """Return the newest business day a diagnosis can describe: the last US equity close."""
    return (store or default_store()).latest_date()


def load_panel(
    series: Sequence[str] | None = None,
    start: DateLike | None = None,
    as_of: DateLike | None = None,
    store: Store | None = None,
    *,
    end: DateLike | None = None,
    snapshot: Snapshot | None = None,
) -> pd.DataFrame:
    """Return the business-day panel of ``series`` as it was knowable at the end of ``as_of``.

    Parameters
    ----------
    series : sequence of str, optional
        Series ids (default: every catalog series).
    start : date-like, optional
        First row of the panel (default: the first observation of any requested series).
    as_of : date-like or "latest", optional
        Knowledge date, and last row unless ``end`` is given (default: the store's latest US
        equity date). Any calendar date: a weekend ends the panel on the Friday before.
        ``"latest"`` means everything in the store.
    store : Store, optional
        The store to read (default: the configured one).
    end : date-like, optional
        Last row, on or before ``as_of``; rows after it are not computed.
    snapshot : Snapshot, optional
        The store's observations already read (default: read them from ``store``).

    Returns
    -------
    DataFrame
        Index ``date`` (business days, tz-naive), one float64 column per series in the
        catalog unit, NaN where nothing was known or the last value is too old.

    Raises
    ------
    CatalogError
        If a series id is neither in the catalog nor a user series of the store.
    DataError
        If a date is not a plausible YYYY-MM-DD date, or ``end`` is after ``as_of``.
    """
    store = store or default_store()
    catalog = load_catalog()
    ids = list(series) if series is not None else list(catalog)
    unknown = [s for s in ids if s not in catalog]
    own = store.user_series() if unknown else {}
    specs: list[SeriesSpec] = []
    for sid in ids:
        if sid in catalog:
            specs.append(catalog[sid])
        elif sid in own:
            specs.append(own[sid])
        else:
            get_spec(sid)  # raises CatalogError with a did-you-mean hint
            raise CatalogError(f"unknown series id {sid!r}")
    if as_of is None or (isinstance(as_of, str) and as_of == LATEST):
        known = None if as_of is not None else _day_number(store.latest_date())
    else:
        known = _day_number(as_of, "as_of")
    last_row = _day_number(end, "end") if end is not None else known
    if last_row is None:
        last_row = _day_number(store.latest_date())
    elif known is not None and last_row > known:
        raise DataError("end: the panel's last row cannot be after its knowledge date as_of")
    first = _day_number(start, "start") if start is not None else None
    return _build(snapshot or store.snapshot(), specs, first, last_row, known)


def _build(
    snap: Snapshot, specs: list[SeriesSpec], first: int | None, end: int, known: int | None
) -> pd.DataFrame:
    names = list(snap.names)
    wanted = np.array([names.index(s.id) if s.id in names else -1 for s in specs])
    # Knowledge cut-off: dated by the end of as_of and first seen before midnight after it.
    mask = np.isin(snap.codes, wanted[wanted >= 0])
    if known is not None:
        mask &= (snap.days <= known) & (snap.seen < (known + 1) * _DAY_SECONDS)
    codes, days, values = snap.codes[mask], snap.days[mask], snap.values[mask]
    # Rows are sorted by (series, date, first_seen): the last row of a (series, date) group is
    # the newest vintage known by as_of. Weekend dates roll onto the next business day, where
    # that day's own value (sorted after) wins; values rolled past the last row are dropped.
    rolled = np.busday_offset(days.astype("datetime64[D]"), 0, roll="forward")
    bdays = rolled.astype(np.int64)
    end = int(np.busday_offset(np.datetime64(end, "D"), 0, roll="backward").astype(np.int64))
    inside = bdays <= end
    codes, bdays, values = codes[inside], bdays[inside], values[inside]
    key = codes.astype(np.int64) << 32 | bdays
    last = np.r_[key[1:] != key[:-1], True] if len(key) else np.zeros(0, dtype=bool)
    codes, bdays, values = codes[last], bdays[last], values[last]

    start_day = first if first is not None else (int(bdays.min()) if len(bdays) else end)
    index = pd.bdate_range(
        np.datetime64(min(start_day, end), "D"), np.datetime64(end, "D"), name="date"
    )
    # Cells are filled on the full span from the first value so carries reach the first row.
    span_start = min(int(bdays.min()), start_day) if len(bdays) else start_day
    span = np.arange(
        np.busday_offset(np.datetime64(span_start, "D"), 0, roll="forward"),
        np.datetime64(end + 1, "D"),
        dtype="datetime64[D]",
    )
    span = span[np.is_busday(span)]
    grid = np.full((len(span), len(specs)), np.nan)
    rows = np.searchsorted(span.astype(np.int64), bdays)
    col_of_code = {int(c): j for j, c in enumerate(wanted) if c >= 0}
    code_to_col = np.full(len(names), -1)
    for code, col in col_of_code.items():
        code_to_col[code] = col
    grid[rows, code_to_col[codes]] = values
    limits = np.array([s.ffill_limit for s in specs])
    grid = _ffill(grid, limits)
    offset = int(np.searchsorted(span, np.datetime64(min(start_day, end), "D")))
    frame = pd.DataFrame(grid[offset:], index=index, columns=[s.id for s in specs])
    return frame


def _ffill(grid: np.ndarray, limits: np.ndarray) -> np.ndarray:
    """Carry each column's last value forward for at most ``limits[j]`` rows."""
    n = grid.shape[0]
    valid = ~np.isnan(grid)
    idx = np.where(valid, np.arange(n)[:, None], -1)
    np.maximum.accumulate(idx, axis=0, out=idx)
    age = np.arange(n)[:, None] - idx
    fill = (idx >= 0) & (age <= limits[None, :])
    taken = np.take_along_axis(grid, np.maximum(idx, 0), axis=0)
    return np.where(fill, taken, np.nan)
