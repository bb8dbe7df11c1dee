"""The one place of the compute path that does I/O: store -> panel -> cached indicator set.

``resolve_day`` turns any calendar date into the US trading day a diagnosis describes (a
weekend or a market holiday describes the last trading day before it, and says so);
``indicator_set`` loads the point-in-time panel and computes every indicator on it, keeping the
latest day's result on disk. The indicators and the diagnosis below this module are pure
functions of frames.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskoff import cache
from riskoff.errors import DataError, StaleDataError
from riskoff.freshness import STALE_AFTER_BDAYS, data_age
from riskoff.indicators import EARLIEST_DAY, INDICATOR_SERIES, PANEL_START, IndicatorSet, compute
from riskoff.inputs import LATEST, check_window, parse_date
from riskoff.panel import load_panel
from riskoff.store import Snapshot, Store, default_store

if TYPE_CHECKING:
    from riskoff.catalog import SeriesSpec

__all__ = [
    "STALE_AFTER_BDAYS",
    "ResolvedDay",
    "indicator_set",
    "last_observed",
    "latest_close",
    "resolve_as_of",
    "resolve_day",
    "series_values",
    "snapshot",
    "staleness_notice",
    "trading_days",
]

# Series whose closes make the US trading calendar: SPY from 1993, the NASDAQ Composite before.
CALENDAR_SERIES = ("SPY", "NASDAQCOM")


@dataclass(frozen=True)
class ResolvedDay:
    """A requested calendar date and the trading day that describes it.

    Attributes
    ----------
    requested : date
        The date asked for.
    day : Timestamp
        The US trading day described: the requested date, or the last trading day before it.
    note : str
        Why ``day`` differs from ``requested`` (empty when they are equal).
    """

    requested: date
    day: pd.Timestamp
    note: str


# One process reads the store's snapshot and latest close once per store version: a command
# resolves its date, loads the panel and writes its notices from the same arrays.
_MEMO: dict[tuple[str, str, str], Any] = {}


def _memo(store: Store, what: str, compute: Callable[[], Any]) -> Any:
    key = (str(store.path), store.version(), what)
    if key not in _MEMO:
        if len(_MEMO) > 8:
            _MEMO.clear()
        _MEMO[key] = compute()
    return _MEMO[key]


def snapshot(store: Store) -> Snapshot:
    """Return the store's observations as arrays (read once per store version and process)."""
    result: Snapshot = _memo(store, "snapshot", store.snapshot)
    return result


def latest_close(store: Store | None = None) -> pd.Timestamp:
    """Return the store's latest US equity close (read once per store version and process)."""
    store = store or default_store()
    result: pd.Timestamp = _memo(store, "latest", store.latest_date)
    return result


def trading_days(store: Store) -> np.ndarray:
    """Return the sorted day numbers (days since 1970-01-01) with a US equity close in the store."""
    result: np.ndarray = _memo(store, "trading days", lambda: _trading_days(snapshot(store)))
    return result


def _trading_days(snap: Snapshot) -> np.ndarray:
    codes = np.flatnonzero(np.isin(snap.names, CALENDAR_SERIES))
    return np.unique(snap.days[np.isin(snap.codes, codes)]).astype(np.int64)


def resolve_day(value: Any = None, *, store: Store | None = None) -> ResolvedDay:
    """Return the trading day that describes the calendar date ``value``.

    Parameters
    ----------
    value : date-like, optional
        Any calendar date as ``YYYY-MM-DD``, a date or a Timestamp (default: the latest close).
    store : Store, optional
        The store whose closes define the trading days (default: the configured one).

    Returns
    -------
    ResolvedDay

    Raises
    ------
    DataError
        If ``value`` is not a plausible date.
    StaleDataError
        If the date is before ``EARLIEST_DAY`` or after the store's latest close.
    """
    store = store or default_store()
    latest = latest_close(store)
    if value is None:
        return ResolvedDay(latest.date(), latest, "")
    requested = parse_date(value)
    earliest = date.fromisoformat(EARLIEST_DAY)
    # After the latest close, only a weekend straight after it still describes that close.
    weekdays_after = int(np.busday_count(latest.date() + timedelta(days=1), requested)) + int(
        np.is_busday(requested)
    )
    if requested > latest.date() and weekdays_after:
        raise StaleDataError(
            f"{requested} is after the latest market close in the store ({latest.date()}): "
            "run `riskoff update` to fetch newer data"
        )
    if requested < earliest:
        raise StaleDataError(
            f"{requested} is before {EARLIEST_DAY}: the indicators need about two years of "
            f"history from {PANEL_START}"
        )
    number = int(np.datetime64(requested, "D").astype(np.int64))
    closes = trading_days(store)
    if len(closes) and closes[0] <= number:
        found = int(closes[np.searchsorted(closes, number, side="right") - 1])
        why = (
            "is a {weekday}"
            if requested.weekday() >= 5
            else "is a {weekday} without a US equity close (a market holiday)"
        )
    else:  # no calendar series: every weekday is a trading day
        found = int(np.busday_offset(np.datetime64(requested, "D"), 0, roll="backward").astype(int))
        why = "is a {weekday}"
    day = pd.Timestamp(np.datetime64(found, "D"))
    if day.date() < earliest:
        raise StaleDataError(
            f"{requested} describes {day.date()}, before {EARLIEST_DAY}: the indicators need "
            f"about two years of history from {PANEL_START}"
        )
    if found == number:
        return ResolvedDay(requested, day, "")
    note = (
        f"{requested} {why.format(weekday=requested.strftime('%A'))}: "
        f"describing {day.strftime('%A')} {day.date()}"
    )
    return ResolvedDay(requested, day, note)


def resolve_as_of(as_of: Any, day: pd.Timestamp) -> date | str:
    """Return the knowledge date for a description of ``day``: a date on or after it, or LATEST.

    Raises
    ------
    DataError
        If ``as_of`` is not a date or ``"latest"``, or is before ``day``.
    """
    if as_of is None:
        return day.date()
    if isinstance(as_of, str) and as_of.strip().lower() == LATEST:
        return LATEST
    known = parse_date(as_of, "as_of")
    if known < day.date():
        raise DataError(
            f"as_of: {known} is before the day described ({day.date()}): a description "
            "cannot know less than its own day"
        )
    return known


def indicator_set(
    date: Any = None, *, as_of: Any = None, window: int = 10, store: Store | None = None
) -> IndicatorSet:
    """Load the panel known on ``as_of`` and compute every indicator up to ``date``.

    The result for the store's latest close is kept on disk (keyed by the store's version, the
    day, the knowledge date, the window and riskoff's code), so the daily ``diagnose`` and
    ``report`` do not recompute it.

    Parameters
    ----------
    date : date-like, optional
        Any calendar date (default: the latest close); a weekend or holiday describes the last
        trading day before it (see :func:`resolve_day`).
    as_of : date-like or "latest", optional
        Knowledge date (default: the described day; ``"latest"``: everything in the store).
    window : int
        Window for moves, breadth and safe-haven behaviour, in business days (2-250).
    store : Store, optional
        The store to read (default: the configured one).

    Returns
    -------
    IndicatorSet
        Its ``table`` ends on the described trading day.
    """
    window = check_window(window)
    store = store or default_store()
    day = resolve_day(date, store=store).day
    known = resolve_as_of(as_of, day)
    latest = day == latest_close(store)
    name = cache.key("indicators", store.version(), day.date().isoformat(), str(known), window)
    if latest:
        hit = cache.load(store, name)
        if isinstance(hit, IndicatorSet):
            return hit
    panel = load_panel(
        INDICATOR_SERIES,
        start=PANEL_START,
        as_of=known,
        store=store,
        end=day,
        snapshot=snapshot(store),
    )
    result = replace(compute(panel, window), last_observed=last_observed(store, day, known))
    if latest:
        cache.save(store, name, result)
    return result


def last_observed(store: Store, day: pd.Timestamp, known: date | str) -> dict[str, date]:
    """Return the date of each series' last observation dated by ``day`` and known by ``known``.

    ``known`` is a knowledge date or ``"latest"`` (everything in the store).
    """
    snap = snapshot(store)
    end = int(np.datetime64(day.date(), "D").astype(np.int64))
    mask = snap.days <= end
    if known != LATEST:
        seen_by = int(np.datetime64(known, "D").astype(np.int64)) + 1
        mask &= snap.seen < seen_by * 86_400
    last = np.full(len(snap.names), -1, dtype=np.int64)
    np.maximum.at(last, snap.codes[mask], snap.days[mask].astype(np.int64))
    epoch = date(1970, 1, 1)
    return {
        str(name): epoch + timedelta(days=int(n))
        for name, n in zip(snap.names, last, strict=True)
        if n >= 0
    }


def staleness_notice(store: Store | None = None, now: date | None = None) -> str:
    """Return a warning when the latest close is over ``STALE_AFTER_BDAYS`` business days old.

    Parameters
    ----------
    store : Store, optional
        The store (default: the configured one).
    now : date, optional
        Today (default: :func:`riskoff.config.today`, which honours ``RISKOFF_TODAY``).

    Returns
    -------
    str
        Empty when the data are recent.
    """
    age = data_age(latest_close(store).date(), now)
    if not age.stale:
        return ""
    return f"the {age.describe()}: run `riskoff update` for newer data"


def series_values(
    series_id: str, as_of: Any = None, store: Store | None = None
) -> tuple[SeriesSpec, pd.Series]:
    """Return the spec of one series and its values (newest vintage known by ``as_of``).

    Parameters
    ----------
    series_id : str
        Catalog or user series id.
    as_of : date-like or "latest", optional
        Knowledge date (default: everything in the store).
    store : Store, optional
        The store to read (default: the configured one).
    """
    store = store or default_store()
    spec = store.spec(series_id)
    latest = as_of is None or (isinstance(as_of, str) and as_of.strip().lower() == LATEST)
    known = None if latest else parse_date(as_of, "as_of")
    return spec, store.series_values(series_id, as_of=known)
