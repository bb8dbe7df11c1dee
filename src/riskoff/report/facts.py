"""The brief's fact table: every number with its unit, observation date, window and series.

A :class:`Fact` is one quantity as the brief states it: the value, its unit, the date of the
observation behind it (for a series published with a lag, the last value known on the day,
not the day itself), the window's first and last close for a move, the series it was read
from and the proxy used when a class's preferred series is missing. A :class:`FactTable`
holds one fact per quantity: asking twice for the same quantity gives the same fact, and
registering a second value for a quantity is an error, so the same number cannot appear with
two values or two dates anywhere in the brief.

Everything here is pure: the panel and indicators come in as arguments, and the last
observation date of each series known on the day (read from the store by the caller) is
passed as a mapping.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

__all__ = [
    "COLUMN_SERIES",
    "LOG_PERCENT",
    "Fact",
    "FactConflictError",
    "FactTable",
    "Observations",
    "peak_move",
    "series_move",
    "simple_percent",
    "years_since",
]

# The series behind each indicator column: groups are alternatives (the first with data wins,
# IORB after IOER), and a column's observation date is the oldest of its groups' latest.
COLUMN_SERIES: dict[str, tuple[tuple[str, ...], ...]] = {
    "sofr_iorb_bp": (("SOFR",), ("IORB", "IOER")),
    "effr_iorb_bp": (("EFFR",), ("IORB", "IOER")),
    "funding_spread_bp": (("SOFR", "EFFR"), ("IORB", "IOER")),
    "funding_spread_ex_cal_bp": (("SOFR", "EFFR"), ("IORB", "IOER")),
    "reserves_usd_bn": (("WRESBAL",),),
    "reserves_chg_4w_usd_bn": (("WRESBAL",),),
    "reserves_chg_13w_usd_bn": (("WRESBAL",),),
    "reserves_chg_52w_usd_bn": (("WRESBAL",),),
    "reserves_to_fed_assets_pct": (("WRESBAL",), ("WALCL",)),
    "fed_assets_usd_bn": (("WALCL",),),
    "qt_pace_usd_bn_per_month": (("WALCL",),),
    "tga_usd_bn": (("WTREGEN",),),
    "on_rrp_usd_bn": (("RRPONTSYD",),),
    "net_liquidity_usd_bn": (("WALCL",), ("WTREGEN",), ("RRPONTSYD",)),
    "net_liquidity_chg_4w_usd_bn": (("WALCL",), ("WTREGEN",), ("RRPONTSYD",)),
    "yield_2y_pct": (("DGS2",),),
    "yield_10y_pct": (("DGS10",),),
    "yield_30y_pct": (("DGS30",),),
    "yield_2y_chg_5d_bp": (("DGS2",),),
    "yield_10y_chg_5d_bp": (("DGS10",),),
    "yield_30y_chg_5d_bp": (("DGS30",),),
    "yield_2y_chg_20d_bp": (("DGS2",),),
    "yield_10y_chg_20d_bp": (("DGS10",),),
    "yield_30y_chg_20d_bp": (("DGS30",),),
    "yield_10y_move_bp": (("DGS10",),),
    "real_yield_10y_pct": (("DFII10",),),
    "mortgage_30y_pct": (("MORTGAGE30US",),),
    "mortgage_spread_bp": (("MORTGAGE30US",), ("DGS10",)),
    "curve_2s10s_bp": (("DGS2",), ("DGS10",)),
    "dollar_low_years": (("DTWEXBGS",),),
    "dollar_high_years": (("DTWEXBGS",),),
    "hy_oas_pct": (("BAMLH0A0HYM2",),),
    "hy_oas_move_bp": (("BAMLH0A0HYM2",),),
    "vix_level": (("VIXCLS",),),
    "vix_move_pts": (("VIXCLS",),),
}


class FactConflictError(ValueError):
    """A quantity was given two different values or dates in one brief."""


@dataclass(frozen=True)
class Fact:
    """One quantity of the brief.

    Attributes
    ----------
    key : str
        The quantity, e.g. ``move_pct.SLV`` or ``table.sofr_iorb_bp``.
    value : float, str or None
        The raw value (None when unknown).
    unit : str
        ``%``, ``bp``, ``% level``, ``USD``, ``years``, ``share``, ``index`` ...
    observed : str
        ISO date of the observation behind the value ("" for constants).
    start, end : str
        For a move: ISO dates of the first and last close ("" otherwise).
    series : str
        The series (or indicator column) it was read from.
    proxy : str
        The series actually used when it stands in for another ("" when none).
    label : str
        A readable name.
    """

    key: str
    value: float | str | None
    unit: str
    observed: str = ""
    start: str = ""
    end: str = ""
    series: str = ""
    proxy: str = ""
    label: str = ""

    @property
    def known(self) -> bool:
        """True when the value is a finite number or a text."""
        v = self.value
        return v is not None and (not isinstance(v, float) or math.isfinite(v))

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN becomes None)."""
        out = asdict(self)
        if isinstance(self.value, float) and not math.isfinite(self.value):
            out["value"] = None
        return out


class FactTable:
    """One fact per quantity; registering a different fact for a known quantity fails."""

    def __init__(self) -> None:
        self._facts: dict[str, Fact] = {}

    def add(self, fact: Fact) -> Fact:
        """Register ``fact`` and return the table's fact for its quantity.

        Raises
        ------
        FactConflictError
            When the quantity is already there with another value or date.
        """
        old = self._facts.get(fact.key)
        if old is None:
            self._facts[fact.key] = fact
            return fact
        if not _same(old, fact):
            raise FactConflictError(f"{fact.key}: {old} and {fact}")
        return old

    def get(self, key: str) -> Fact | None:
        """Return the fact for a quantity, if registered."""
        return self._facts.get(key)

    def __contains__(self, key: object) -> bool:
        return key in self._facts

    def __iter__(self) -> Iterator[Fact]:
        return iter(self._facts.values())

    def __len__(self) -> int:
        return len(self._facts)

    def to_list(self) -> list[dict[str, Any]]:
        """Every fact as a dict, sorted by quantity."""
        return [self._facts[k].to_dict() for k in sorted(self._facts)]


def _same(a: Fact, b: Fact) -> bool:
    if (a.observed, a.start, a.end) != (b.observed, b.start, b.end):
        return False
    if isinstance(a.value, float) and isinstance(b.value, float):
        if not math.isfinite(a.value) and not math.isfinite(b.value):
            return True
        return math.isclose(a.value, b.value, rel_tol=1e-9, abs_tol=1e-12)
    return a.value == b.value


# Indicator columns holding log moves in percent (kept so for their z-scores): the brief shows
# them as simple returns, the move between the two closes.
LOG_PERCENT = frozenset(
    {
        "oil_move_pct",
        "gold_move_pct",
        "dollar_move_pct",
        "yen_move_pct",
        "mag7_move_pct",
        "equal_weight_move_pct",
        "mag7_vs_equal_weight_pct",
        "mag7_vs_equal_weight_1y_pct",
    }
)


def simple_percent(log_percent: float) -> float:
    """A log move in percent as the simple return in percent (``-52.7`` log is ``-41.0``)."""
    return float(np.expm1(log_percent / 100.0) * 100.0)


# -- observation dates ---------------------------------------------------------------------------
@cache
def _carry_limits() -> dict[str, int]:
    """Business days the panel may carry each catalogued series past its last observation."""
    from riskoff.catalog import load_catalog

    return {sid: spec.ffill_limit for sid, spec in load_catalog().items()}


class Observations:
    """When each value was observed, as known on ``day``.

    Parameters
    ----------
    panel : DataFrame
        The point-in-time panel (levels carried forward over gaps).
    day : Timestamp
        The day described.
    last_dates : mapping, optional
        Series id -> ISO date of its last observation known on ``day`` (from the store's data
        appendix). Without it, a daily series' carried tail is recognised by unchanged values.
    """

    def __init__(
        self,
        panel: pd.DataFrame,
        day: pd.Timestamp,
        last_dates: Mapping[str, str | None] | None = None,
    ) -> None:
        self.panel = panel.loc[:day]
        self.day = day
        self.last_dates = dict(last_dates or {})

    def series_date(self, series_id: str, at: pd.Timestamp | None = None) -> pd.Timestamp | None:
        """The date of the observation behind ``series_id``'s panel value at ``at``."""
        at = self.day if at is None else at
        if series_id not in self.panel:
            return None
        col = self.panel[series_id].loc[:at].dropna()
        if col.empty:
            return None
        if at == self.day and self.last_dates.get(series_id):
            known = pd.Timestamp(str(self.last_dates[series_id]))
            # Weekend observations (crypto, weekly data) sit on the next business day.
            rolled = known if known.day_of_week < 5 else known + pd.offsets.BDay(1)
            return min(rolled, col.index[-1]) if rolled <= at else col.index[-1]
        limit = _carry_limits().get(series_id, 5)
        if limit > 5 or at == self.day:
            # A carried value repeats the last observation: the run of equal values starts at
            # the observation (for a slow series anywhere, for a daily one at the panel's end).
            # A run longer than the carry limit is a series that truly did not change.
            values = col.to_numpy()
            n = len(values) - 1
            k = 0
            while k <= min(n - 1, limit) and values[n - k - 1] == values[n]:
                k += 1
            if k <= limit:
                return pd.Timestamp(col.index[n - k])
        return pd.Timestamp(col.index[-1])

    def column_date(self, column: str, at: pd.Timestamp | None = None) -> str:
        """Observation date (ISO) of an indicator column's value at ``at``."""
        at = self.day if at is None else at
        groups = COLUMN_SERIES.get(column)
        if not groups:
            return at.date().isoformat()
        dates = []
        for group in groups:
            found = [d for d in (self.series_date(s, at) for s in group) if d is not None]
            if found:
                dates.append(max(found))
        return (min(dates) if dates else at).date().isoformat()


# -- moves between stated closes -------------------------------------------------------------------
def _iso(t: pd.Timestamp) -> str:
    return t.date().isoformat()


def series_move(
    obs: Observations, series_id: str, window: int, key: str | None = None, label: str = ""
) -> Fact:
    """The simple return of a series over ``window`` observations to its latest close.

    The window ends at the series' last observation known on the day and starts ``window``
    business days earlier; the value is ``close(end) / close(start) - 1`` in percent.
    """
    key = key or f"move_pct.{series_id}"
    end = obs.series_date(series_id)
    if end is None:
        return Fact(key, None, "%", series=series_id, label=label)
    col = obs.panel[series_id]
    pos = int(col.index.get_loc(end))
    if pos < window:
        return Fact(key, None, "%", series=series_id, label=label)
    start = col.index[pos - window]
    a, b = float(col.iloc[pos - window]), float(col.iloc[pos])
    value = (b / a - 1.0) * 100.0 if a > 0 and math.isfinite(a) and math.isfinite(b) else None
    return Fact(key, value, "%", _iso(end), _iso(start), _iso(end), series_id, label=label)


def peak_move(obs: Observations, series_id: str, lookback: int = 60, label: str = "") -> Fact:
    """The simple return from the highest close of the last ``lookback`` business days."""
    key = f"peak_move_pct.{series_id}"
    end = obs.series_date(series_id)
    if end is None:
        return Fact(key, None, "%", series=series_id, label=label)
    col = obs.panel[series_id].loc[:end].dropna().iloc[-(lookback + 1) :]
    if len(col) < 2:
        return Fact(key, None, "%", series=series_id, label=label)
    peak = col.idxmax()
    value = (float(col.iloc[-1]) / float(col.max()) - 1.0) * 100.0
    return Fact(key, value, "%", _iso(end), _iso(peak), _iso(end), series_id, label=label)


def years_since(
    obs: Observations,
    series_id: str,
    higher: bool,
    label: str = "",
    at: pd.Timestamp | None = None,
) -> Fact:
    """Years back to the last close beyond today's (higher or lower): "a two-year low" is 2.

    With ``at``, the same for the close of that day; a value beyond every earlier close gives
    the whole history (a record).
    """
    key = f"{'high' if higher else 'low'}_years.{series_id}"
    end = obs.series_date(series_id) if at is None else at
    if end is None:
        return Fact(key, None, "years", series=series_id, label=label)
    col = obs.panel[series_id].loc[:end].dropna()
    today = float(col.iloc[-1])
    past = col.iloc[:-1]
    beyond = past[past > today] if higher else past[past < today]
    if beyond.empty:
        years = (end - col.index[0]).days / 365.25
        since = col.index[0]
    else:
        since = beyond.index[-1]
        years = (end - since).days / 365.25
    return Fact(key, years, "years", _iso(end), _iso(since), _iso(end), series_id, label=label)


def level(obs: Observations, series_id: str, unit: str, label: str = "") -> Fact:
    """The last value of a series known on the day, with its observation date."""
    key = f"level.{series_id}"
    end = obs.series_date(series_id)
    if end is None:
        return Fact(key, None, unit, series=series_id, label=label)
    value = float(obs.panel[series_id].loc[end])
    return Fact(key, value, unit, _iso(end), series=series_id, label=label)


def column_max(
    table: pd.DataFrame, obs: Observations, column: str, lookback: int, unit: str
) -> Fact:
    """The highest value of an indicator column over the last ``lookback`` rows, and its date."""
    key = f"max_{lookback}d.{column}"
    values = table[column].loc[: obs.day].iloc[-lookback:].dropna()
    if values.empty:
        return Fact(key, None, unit, series=column)
    at = pd.Timestamp(values.idxmax())
    observed = obs.column_date(column, at)
    start = _iso(values.index[0])
    return Fact(key, float(values.max()), unit, observed, start, _iso(obs.day), column)


def finite(value: Any) -> bool:
    """True for a finite number."""
    return isinstance(value, int | float | np.floating) and math.isfinite(float(value))
