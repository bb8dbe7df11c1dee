"""Day-state features: the named numbers the rule table reads, for every day at once.

``day_features`` turns an indicator set into one row per business day and one column per
feature (``FEATURES`` names them, with their unit and meaning). Every value on row t uses only
rows up to t of the indicator table, so the same frame serves one day's diagnosis and the whole
history's timeline. The features are computed vectorised over all days.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import RISK_CLASSES
from riskoff.indicators.crossasset import DAY_WEIGHT, FELL_Z
from riskoff.vocabulary import Epicenter

if TYPE_CHECKING:
    from riskoff.diagnosis.rules import Rules

__all__ = ["EPICENTER_CLASSES", "FEATURES", "Feature", "day_features", "epicenter_shocks"]


@dataclass(frozen=True)
class Feature:
    """A feature's unit and plain meaning (for evidence and for the rule table's reader)."""

    unit: str
    meaning: str


FEATURES: dict[str, Feature] = {
    "equity_z": Feature("sigma", "US equities' window move in sigma of their own history"),
    "equity_pct": Feature("%", "US equities' window move"),
    "equity_shock_z": Feature(
        "sigma", "US equities' window z, or half their day z when the day was worse"
    ),
    "yen_over_havens_z": Feature(
        "sigma", "the yen's window z minus the better of gold and Treasuries"
    ),
    "equity_day_z": Feature("sigma", "US equities' move on the day in sigma of the past year's"),
    "equity_day_long_z": Feature(
        "sigma", "US equities' move on the day in sigma of all their earlier daily moves"
    ),
    "equity_drawdown_pct": Feature("%", "US equities below their 60-day high (negative)"),
    "market_severity": Feature(
        "level", "the market's severity: 0 none, 1 mild, 2 moderate, 3 severe, 4 extreme"
    ),
    "breadth": Feature("share", "share of asset classes down more than 1 sigma"),
    "stress_pct": Feature("percentile", "composite stress index, percentile of its history"),
    "vix": Feature("index points", "VIX level"),
    "vix_jump_z": Feature(
        "sigma", "VIX change over the window in sigma of its history; 0 where the VIX is unknown"
    ),
    "turbulence_pct": Feature("percentile", "turbulence (Kritzman-Li), percentile of history"),
    "gold_z": Feature("sigma", "gold's window move"),
    "treasuries_z": Feature("sigma", "long Treasuries' window move"),
    "yen_z": Feature("sigma", "the yen's window move (positive: yen stronger)"),
    "dollar_bid_z": Feature(
        "sigma", "the broad dollar's window z, or half its day z when the day was stronger"
    ),
    "breadth_outside": Feature(
        "share", "share of risk classes outside every epicenter down more than 1 sigma"
    ),
    "haven_rally_z": Feature("sigma", "mean window move of gold, long Treasuries and the yen"),
    "haven_best_z": Feature("sigma", "the better of gold and long Treasuries"),
    "haven_worst_z": Feature("sigma", "the worse of gold and long Treasuries"),
    "haven_largest_abs_z": Feature("sigma", "the largest absolute move of gold and Treasuries"),
    "yield_move_bp": Feature("bp", "10-year Treasury yield change over the window"),
    "credit_move_bp": Feature("bp", "high-yield spread change over the window"),
    "corr_jump": Feature("correlation", "20-day average correlation minus a window earlier"),
    "funding_spike_bp": Feature(
        "bp",
        "highest funding spread of 5 days above its 60-day baseline (calendar days only above"
        " the previous year's calendar-day peak)",
    ),
    "funding_over_rate_bp": Feature(
        "bp",
        "highest funding spread of 5 days over the reserve rate (calendar days only above the"
        " previous year's calendar-day peak)",
    ),
    "financed_worst_z": Feature("sigma", "worst shock among Japan, EM, tech, crypto"),
    "yen_lead": Feature("ratio", "the yen's z over US equities' fall (at least 1)"),
    "epicenter_z": Feature("sigma", "worst shock of an epicenter (window or day)"),
    "epicenter_gap_z": Feature("sigma", "worst epicenter shock minus the rest of the market's"),
    "others_median_z": Feature("sigma", "median window move of risk assets outside it"),
}

# Basket classes behind each epicenter.
EPICENTER_CLASSES: dict[Epicenter, tuple[str, ...]] = {
    Epicenter.CRYPTO: ("crypto",),
    Epicenter.BANKS: ("banks",),
    Epicenter.TECH: ("tech", "semis"),
    Epicenter.PRECIOUS_METALS: ("gold", "silver"),
    Epicenter.ENERGY: ("oil", "commodities"),
    Epicenter.JAPAN: ("japan",),
    Epicenter.EM: ("em_equities",),
    Epicenter.CREDIT: ("credit",),
    Epicenter.SMALL_CAPS: ("small_caps",),
    Epicenter.INTERNATIONAL: ("intl_equities",),
}
CARRY_FINANCED = ("japan", "em_equities", "tech", "semis", "crypto")
DRAWDOWN_DAYS = 60
MIN_PERCENTILE_HISTORY = 250
VOL_LONG_RUN_MIN = 250  # daily moves before the long-run daily sigma is given


def expanding_percentile(x: pd.Series, min_periods: int = MIN_PERCENTILE_HISTORY) -> pd.Series:
    """Share of the values up to each day that are at or below that day's value."""
    return x.expanding(min_periods=min_periods).rank(pct=True, method="max")


def epicenter_shocks(result: IndicatorSet) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per epicenter and day: its worst shock and how far that stands out from US equities.

    The shock is the worst of its classes' window z and day z. The gap compares like with
    like: the window z minus US equities' window z, and the day z minus their day z; the more
    negative of the two counts (a market that fell less than US equities does not stand out).

    Returns
    -------
    tuple of DataFrame
        ``(shocks, gaps)``, one column per epicenter.
    """
    eq_w = result.move_z.get("us_equities", pd.Series(np.nan, index=result.table.index))
    eq_d = result.day_z.get("us_equities", pd.Series(np.nan, index=result.table.index))
    shocks: dict[str, pd.Series] = {}
    gaps: dict[str, pd.Series] = {}
    for epi, classes in EPICENTER_CLASSES.items():
        present = [c for c in classes if c in result.move_z and c in result.day_z]
        if not present:
            continue
        shock = pd.concat(
            [np.fmin(result.move_z[c], result.day_z[c]) for c in present], axis=1
        ).min(axis=1)
        gap = pd.concat(
            [np.fmin(result.move_z[c] - eq_w, result.day_z[c] - eq_d) for c in present], axis=1
        ).min(axis=1)
        shocks[epi.value], gaps[epi.value] = shock, gap
    index = result.table.index
    return pd.DataFrame(shocks, index=index), pd.DataFrame(gaps, index=index)


def day_features(
    result: IndicatorSet,
    tail: int | None = None,
    rules: Rules | None = None,
) -> pd.DataFrame:
    """Compute every feature of ``FEATURES`` for every day of ``result``'s table.

    Parameters
    ----------
    result : IndicatorSet
        The indicator set (any span; row t uses rows up to t only).
    tail : int, optional
        Only the last ``tail`` rows (at least 120, so the 60-day drawdown and the window
        shifts are complete); percentiles are still taken over the whole history. One day's
        diagnosis uses this to stay fast.
    rules : Rules, optional
        The rule table (default: the bundled one), for its epicenter bounds (a market beyond
        both is an epicenter; the rest of the market is measured outside all of them) and its
        market severity bounds.

    Returns
    -------
    DataFrame
        One row per day of ``result.table`` (or of its tail), one float column per feature.
    """
    # The rule table imports this module: its functions are imported when first needed.
    from riskoff.diagnosis.rules import load_rules, market_level

    rules = rules or load_rules()
    pct_stress = expanding_percentile(result.table["stress_index"])
    pct_turbulence = expanding_percentile(result.table["turbulence"])
    # The same day against the whole history's daily swing (the long-run sigma comes from every
    # earlier day, also when only the tail is computed).
    equities = result.returns.get("us_equities", pd.Series(np.nan, index=result.returns.index))
    long_run_sigma = equities.expanding(min_periods=VOL_LONG_RUN_MIN).std().shift(1)
    if tail is not None:
        n = max(int(tail), 120)
        result = replace(
            result,
            table=result.table.iloc[-n:],
            returns=result.returns.iloc[-n:],
            move_pct=result.move_pct.iloc[-n:],
            move_z=result.move_z.iloc[-n:],
            day_z=result.day_z.iloc[-n:],
        )
        pct_stress, pct_turbulence = pct_stress.iloc[-n:], pct_turbulence.iloc[-n:]
        long_run_sigma = long_run_sigma.iloc[-n:]
    t, z = result.table, result.move_z
    nan = pd.Series(np.nan, index=t.index)
    col = z.get
    out = pd.DataFrame(index=t.index)
    out["equity_z"] = col("us_equities", nan)
    out["equity_pct"] = result.move_pct.get("us_equities", nan)
    # A one-day crash is a sell-off before the window shows it; a day's z counts at half
    # weight (a 3-sigma day weighs as a 1.5-sigma window), so ordinary down days do not.
    day_eq = result.day_z.get("us_equities", nan)
    out["equity_shock_z"] = np.fmin(out["equity_z"], DAY_WEIGHT * day_eq)
    out["equity_day_z"] = day_eq
    # "No sell-off" is an absolute statement: a -3% day after a volatile year is small only
    # against that year, not against the whole history's daily swing.
    out["equity_day_long_z"] = result.returns.get("us_equities", nan) / long_run_sigma
    level = result.returns.get("us_equities", nan).fillna(0.0).cumsum()
    peak = level.rolling(DRAWDOWN_DAYS, min_periods=1).max()
    out["equity_drawdown_pct"] = np.expm1(level - peak).where(out["equity_z"].notna()) * 100.0
    out["breadth"] = t["breadth"]
    out["stress_pct"] = pct_stress
    out["vix"] = t["vix_level"]
    # Evidence of a fear spike: before the VIX exists (1990) there is none, which must not
    # stop a quiet day from being calm (a missing value never meets a condition).
    out["vix_jump_z"] = t["vix_move_z"].fillna(0.0)
    out["turbulence_pct"] = pct_turbulence
    out["gold_z"] = col("gold", nan)
    out["treasuries_z"] = col("long_treasuries", nan)
    out["yen_z"] = col("yen", nan)
    out["dollar_bid_z"] = t["dollar_bid_z"]
    havens = pd.concat([out["gold_z"], out["treasuries_z"]], axis=1)
    out["haven_rally_z"] = pd.concat([havens, out["yen_z"]], axis=1).mean(axis=1)
    out["haven_best_z"] = havens.max(axis=1)
    out["haven_worst_z"] = havens.min(axis=1)
    out["haven_largest_abs_z"] = havens.abs().max(axis=1)
    out["yen_over_havens_z"] = out["yen_z"] - out["haven_best_z"]
    out["yield_move_bp"] = t["yield_10y_move_bp"]
    out["credit_move_bp"] = t["hy_oas_move_bp"]
    corr = t["avg_corr_20d"]
    out["corr_jump"] = corr - corr.shift(result.window)
    out["funding_spike_bp"] = t["funding_spike_bp"]
    out["funding_over_rate_bp"] = t["funding_spike_over_rate_bp"]
    shock = {c: np.fmin(z[c], result.day_z[c]) for c in CARRY_FINANCED if c in z}
    out["financed_worst_z"] = pd.DataFrame(shock).min(axis=1) if shock else nan
    out["yen_lead"] = out["yen_z"] / np.maximum(-out["equity_z"], 1.0)
    shocks, gaps = epicenter_shocks(result)
    worst = shocks.min(axis=1)
    worst_name = shocks.fillna(np.inf).idxmin(axis=1).where(worst.notna())
    out["epicenter_z"] = worst
    # The rest of the market: the risk classes outside every epicenter of the day (the worst
    # one, and any other that reaches the epicenter bounds), for its median window z and its
    # breadth (the epicenters' own classes and havens falling with them do not make a
    # sell-off broad).
    risk = z[[c for c in RISK_CLASSES if c in z]]
    with np.errstate(invalid="ignore"):
        named = (shocks <= rules.epicenter_shock_z) & (gaps <= rules.epicenter_gap_z)
    named = named | pd.DataFrame({e: worst_name == e for e in shocks.columns}, index=t.index)
    outside = pd.DataFrame(True, index=t.index, columns=risk.columns)
    for epi, classes in EPICENTER_CLASSES.items():
        if epi.value in named:
            for c in classes:
                if c in outside:
                    outside[c] &= ~named[epi.value]
    rest = risk.where(outside)
    others = rest.median(axis=1)
    out["others_median_z"] = others
    out["breadth_outside"] = (rest < FELL_Z).sum(axis=1) / rest.notna().sum(axis=1)
    worst_gap = pd.Series(np.nan, index=t.index)
    for name in gaps.columns:
        rows = worst_name == name
        worst_gap[rows] = gaps.loc[rows, name]
    # Worse than US equities on its own horizon and worse than the median other risk asset.
    out["epicenter_gap_z"] = np.fmax(worst_gap, worst - others)
    out["market_severity"] = market_level(rules, out)
    return out.astype(float)
