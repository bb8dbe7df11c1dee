"""Indicators: pure functions of the point-in-time panel, one column per measure.

``indicators()`` is the public entry point; every value on row t uses only data dated up to t
(and, with ``as_of``, known by then). Column names carry their units (``_bp``, ``_pct``,
``_usd_bn``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from riskoff.errors import DataError, StaleDataError
from riskoff.indicators.basket import DEFAULT_BASKET, basket_returns, basket_series
from riskoff.indicators.composite import (
    composite,
    stress_measures,
    subindices,
)
from riskoff.indicators.crossasset import (
    breadth,
    comovement_indicators,
    day_moves,
    safe_haven_failure,
    window_moves,
)
from riskoff.indicators.funding import FUNDING_SERIES, funding_indicators
from riskoff.indicators.triggers import TRIGGER_SERIES, sector_moves, trigger_indicators

__all__ = [
    "INDICATOR_SERIES",
    "IndicatorSet",
    "compute",
    "indicators",
    "stress_decomposition",
]

PANEL_START = "1985-01-01"  # indicators need history for their trailing windows and ECDFs
EARLIEST_DAY = "1987-01-02"  # the first day with enough history behind it to diagnose
INDICATOR_SERIES = sorted(
    {
        *FUNDING_SERIES,
        *TRIGGER_SERIES,
        *basket_series(DEFAULT_BASKET),
        "BAMLH0A0HYM2",
        "BAMLC0A0CM",
        "VIXCLS",
        "STLFSI4",
        "NFCI",
        "SP500",
    }
)


@dataclass(frozen=True)
class IndicatorSet:
    """Everything computed from one point-in-time panel.

    Attributes
    ----------
    table : DataFrame
        The indicator table (one column per indicator).
    panel : DataFrame
        The panel it came from (levels).
    returns : DataFrame
        Basket daily log returns by asset class.
    move_pct, move_z : DataFrame
        Window returns (percent) and their sigma-scaled z by asset class.
    day_z : DataFrame
        Today's return by asset class in units of its daily sigma.
    sectors : DataFrame
        Window moves of the sector ETFs (percent).
    subindices, contributions : DataFrame
        Stress sub-indices in [0, 1] and their additive contributions to ``stress_index``.
    window : int
        The window in business days.
    """

    table: pd.DataFrame
    panel: pd.DataFrame
    returns: pd.DataFrame
    move_pct: pd.DataFrame
    move_z: pd.DataFrame
    day_z: pd.DataFrame
    sectors: pd.DataFrame
    subindices: pd.DataFrame
    contributions: pd.DataFrame
    window: int


def compute(panel: pd.DataFrame, window: int = 10) -> IndicatorSet:
    """Compute every indicator on a point-in-time panel.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel holding ``INDICATOR_SERIES`` (missing series give NaN columns).
    window : int
        Window for moves, breadth and safe-haven behaviour, in business days.

    Returns
    -------
    IndicatorSet
    """
    returns = basket_returns(panel)
    funding = funding_indicators(panel)
    triggers = trigger_indicators(panel, window)
    move_pct, move_z = window_moves(returns, window)
    co = comovement_indicators(returns)
    sub = subindices(stress_measures(panel, returns, funding))
    stress, contributions = composite(sub)
    table = pd.concat(
        [
            funding,
            triggers,
            co,
            breadth(move_z).to_frame(),
            safe_haven_failure(move_z).to_frame(),
            stress.to_frame(),
            sub.add_prefix("stress_"),
        ],
        axis=1,
    )
    return IndicatorSet(
        table=table,
        panel=panel,
        returns=returns,
        move_pct=move_pct,
        move_z=move_z,
        day_z=day_moves(returns),
        sectors=sector_moves(panel, window),
        subindices=sub,
        contributions=contributions,
        window=window,
    )


def indicator_set(as_of: str | date | pd.Timestamp | None = None, window: int = 10) -> IndicatorSet:
    """Load the panel as known on ``as_of`` and compute every indicator on it.

    The result for the store's latest date is kept on disk (keyed by the store's version, the
    window and riskoff's code), so the daily ``diagnose`` and ``report`` do not recompute it.
    """
    from riskoff import cache
    from riskoff.panel import load_panel
    from riskoff.store import default_store

    store = default_store()
    latest = store.latest_date()
    try:
        day = latest if as_of is None else pd.Timestamp(as_of).normalize()
    except (ValueError, TypeError):
        raise DataError(f"{as_of!r} is not a date (use YYYY-MM-DD)") from None
    if day > latest:
        raise StaleDataError(
            f"{day.date()} is after the latest market close in the store ({latest.date()}): "
            "run `riskoff update` to fetch newer data"
        )
    if day < pd.Timestamp(EARLIEST_DAY):
        raise StaleDataError(
            f"{day.date()} is before {EARLIEST_DAY}: the indicators need about two years of "
            f"history from {PANEL_START}"
        )
    key = cache.key("indicators", store.version(), day.date().isoformat(), window)
    if day == latest:
        hit = cache.load(store, key)
        if isinstance(hit, IndicatorSet):
            return hit
    panel = load_panel(INDICATOR_SERIES, start=PANEL_START, as_of=day, store=store)
    result = compute(panel, window)
    if day == latest:
        cache.save(store, key, result)
    return result


def indicators(
    start: str | date | pd.Timestamp | None = None,
    end: str | date | pd.Timestamp | None = None,
    as_of: str | date | pd.Timestamp | None = None,
    window: int = 10,
) -> pd.DataFrame:
    """Return the indicator table, one column per indicator, as knowable on ``as_of``.

    Parameters
    ----------
    start, end : date-like, optional
        Rows to return (default: all rows up to ``as_of``).
    as_of : date-like, optional
        Knowledge date (default: ``end``, else the store's latest date).
    window : int
        Window for moves, breadth and safe-haven behaviour, in business days.

    Returns
    -------
    DataFrame
        Indexed by business day; columns such as ``sofr_iorb_bp``, ``net_liquidity_usd_bn``,
        ``stress_index``, ``absorption_ratio``, ``turbulence``, ``avg_corr_60d``,
        ``breadth``, ``safe_haven_failure``, ``funding_state``.
    """
    result = indicator_set(as_of if as_of is not None else end, window).table
    return result.loc[start:end]


def stress_decomposition(
    date: str | pd.Timestamp | None = None, as_of: str | pd.Timestamp | None = None
) -> pd.Series:
    """Return the stress index on ``date`` and each sub-index's contribution to it.

    Returns
    -------
    Series
        ``stress_index`` followed by one contribution per sub-index (they sum to the index).
    """
    result = indicator_set(as_of if as_of is not None else date)
    day = result.table.index[-1] if date is None else pd.Timestamp(date)
    row = result.contributions.loc[day]
    return pd.concat([pd.Series({"stress_index": float(row.sum())}), row])
