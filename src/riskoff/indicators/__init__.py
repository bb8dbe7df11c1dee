"""Indicators: pure functions of the point-in-time panel, one column per measure.

``compute(panel, window)`` is the entry point; every value on row t uses only data dated up to
t. Column names carry their units (``_bp``, ``_pct``, ``_usd_bn``). Loading the panel and
caching the result is the job of :mod:`riskoff.pipeline`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

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
from riskoff.indicators.macro import MACRO_SERIES, macro_frame
from riskoff.indicators.triggers import TRIGGER_SERIES, sector_moves, trigger_indicators

__all__ = [
    "EARLIEST_DAY",
    "INDICATOR_SERIES",
    "PANEL_START",
    "IndicatorSet",
    "compute",
]

PANEL_START = "1985-01-01"  # indicators need history for their trailing windows and ECDFs
EARLIEST_DAY = "1987-01-02"  # the first day with enough history behind it to diagnose
INDICATOR_SERIES = sorted(
    {
        *FUNDING_SERIES,
        *TRIGGER_SERIES,
        *basket_series(DEFAULT_BASKET),
        *MACRO_SERIES,
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
    last_observed : dict of str to date
        The date of each series' last observation known on the table's last day (filled by
        the pipeline, which sees the raw observations; empty when computed from a bare panel).
    macro : DataFrame
        The macro backdrop measures (:mod:`riskoff.indicators.macro`), also in ``table``.
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
    last_observed: dict[str, date] = field(default_factory=dict)
    macro: pd.DataFrame = field(default_factory=pd.DataFrame)


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
    macro = macro_frame(panel)
    table = pd.concat(
        [
            funding,
            triggers,
            co,
            breadth(move_z).to_frame(),
            safe_haven_failure(move_z).to_frame(),
            stress.to_frame(),
            sub.add_prefix("stress_"),
            macro,
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
        macro=macro,
    )
