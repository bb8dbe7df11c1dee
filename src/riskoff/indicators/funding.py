"""Funding liquidity: money-market spreads, reserves, the Fed balance sheet, net liquidity.

Everything is in the units of the data contract: rates in percent, spreads in basis points,
balance-sheet quantities in USD billions (H.4.1 series are converted from millions when they
enter the store; ON RRP is published in billions already).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

FUNDING_SERIES = [
    "SOFR", "EFFR", "IORB", "IOER", "WRESBAL", "WALCL", "TREAST", "WTREGEN", "RRPONTSYD",
    "DGS2", "DGS10", "DGS30", "T10Y2Y", "MORTGAGE30US", "DFII10",
]  # fmt: skip

# Funding-state thresholds, in basis points of SOFR (EFFR before 2018) over the reserve rate.
# The level is the median of the spread over the last 10 non-calendar business days, so a
# month-end or tax-date spike alone does not move it; spikes are counted separately.
STATE_THRESHOLDS_BP = {
    "stressed_spike": 25.0,  # a non-calendar day this far above the reserve rate
    "stressed_any_day": 50.0,  # any day, calendar or not (Sep 2019: +315 bp)
    "stressed_level": 10.0,
    "scarce_level": 3.0,
    "scarce_spikes": 3,  # days >= +10 bp in the last 20 business days
    "spike": 10.0,
    "tightening_level": -3.0,
    "ample_level": -8.0,
}
EX_CAL_MEDIAN_DAYS = 10  # non-calendar business days behind the funding-spread level
RESERVE_DRAIN_USD_BN = -150.0  # 13-week fall in reserves that tips 'ample' into 'tightening'
# The spread's recent baseline: the median ex-calendar level over the 60 business days that end
# a week before the day, so a spike does not move its own yardstick.
BASELINE_DAYS = 60
BASELINE_LAG_DAYS = 5
# Direction: the level this far below its 60-day high is easing, above its 60-day low rising.
DIRECTION_BP = 5.0
SPIKE_OVER_BASELINE_BP = 10.0  # a spike this far above the baseline is a tightening
CALENDAR_NORM_DAYS = 250  # the past year's calendar days set the usual calendar pressure
CALENDAR_NORM_MIN = 6  # calendar days seen before a calendar spike can count
STRESSED_LEVEL_WITH_SPIKE_BP = (5.0, 15.0)  # level and non-calendar spike that together stress
FUNDING_STATES = ("abundant", "ample", "tightening", "easing", "scarce", "stressed")


def reserve_rate(panel: pd.DataFrame) -> pd.Series:
    """Return the rate paid on reserves: IORB from 2021-07-29, IOER from 2008-10-09 to then."""
    iorb = panel["IORB"] if "IORB" in panel else pd.Series(np.nan, index=panel.index)
    ioer = panel["IOER"] if "IOER" in panel else pd.Series(np.nan, index=panel.index)
    return iorb.fillna(ioer).rename("reserve_rate_pct")


def calendar_days(index: pd.DatetimeIndex) -> pd.Series:
    """Flag days when money-market rates spike for calendar reasons.

    The last business day of each month (quarter- and year-ends included) and the first of the
    next, and mid-month Treasury coupon settlement / corporate tax dates (the 15th, or the next
    business day when it falls on a weekend or holiday).

    Months are judged on a business-day calendar that runs past both ends of ``index``: the last
    row of a point-in-time panel is not a month-end just because the data stop there.

    Returns
    -------
    Series of bool
        True on a calendar day.
    """
    if len(index) == 0:
        return pd.Series(False, index=index, name="calendar_day")
    full = pd.bdate_range(index[0] - pd.Timedelta(days=40), index[-1] + pd.Timedelta(days=40))
    return _calendar_flags(full).reindex(index, fill_value=False).rename("calendar_day")


def _calendar_flags(index: pd.DatetimeIndex) -> pd.Series:
    days = pd.Series(index, index=index)
    month = index.to_period("M")
    last_of_month = days.groupby(month).transform("max") == days
    first_of_month = days.groupby(month).transform("min") == days
    after_15 = days[index.day >= 15]
    mid_month = after_15.groupby(after_15.index.to_period("M")).transform("min")
    is_mid = pd.Series(False, index=index)
    is_mid.loc[mid_month[mid_month == after_15].index] = True
    return last_of_month | first_of_month | is_mid


def _trailing_median_ex(values: pd.Series, exclude: pd.Series, n: int) -> pd.Series:
    """Median of the last ``n`` values not on excluded days, for every day."""
    kept = values.where(~exclude)
    valid = kept.dropna()
    med = valid.rolling(n, min_periods=max(3, n // 2)).median()
    return med.reindex(values.index).ffill(limit=10)


def funding_indicators(panel: pd.DataFrame) -> pd.DataFrame:
    """Compute the funding-liquidity indicators for every row of a point-in-time panel.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel with (some of) ``FUNDING_SERIES``.

    Returns
    -------
    DataFrame
        Columns with units in their names: ``sofr_iorb_bp``, ``effr_iorb_bp``,
        ``funding_spread_bp`` (SOFR, else EFFR, over the reserve rate), its ex-calendar 10-day
        median ``funding_spread_ex_cal_bp``, ``calendar_day``, ``funding_spikes_20d``, reserves
        (level, 4/13/52-week changes, share of Fed assets), Fed assets and their 13-week pace
        (``qt_pace_usd_bn_per_month``, negative while the balance sheet shrinks), ``tga_usd_bn``,
        ``on_rrp_usd_bn``, ``net_liquidity_usd_bn`` and its 4-week change, yields and their
        5- and 20-day changes in bp, the 30-year mortgage rate and its spread to the 10-year,
        the 2s10s curve, and ``funding_state`` (one of ``FUNDING_STATES``).
    """
    get = panel.get
    nan = pd.Series(np.nan, index=panel.index)
    rate = reserve_rate(panel)
    sofr, effr = get("SOFR", nan), get("EFFR", nan)
    out = pd.DataFrame(index=panel.index)
    out["sofr_iorb_bp"] = (sofr - rate) * 100.0
    out["effr_iorb_bp"] = (effr - rate) * 100.0
    spread = out["sofr_iorb_bp"].fillna(out["effr_iorb_bp"])
    out["funding_spread_bp"] = spread
    cal = calendar_days(panel.index)
    out["calendar_day"] = cal.astype(float)
    out["funding_spread_ex_cal_bp"] = _trailing_median_ex(spread, cal, EX_CAL_MEDIAN_DAYS)
    spikes = (spread >= STATE_THRESHOLDS_BP["spike"]).astype(float).where(spread.notna())
    out["funding_spikes_20d"] = spikes.rolling(20, min_periods=5).sum()
    level = out["funding_spread_ex_cal_bp"]
    out["funding_baseline_bp"] = (
        level.rolling(BASELINE_DAYS, min_periods=BASELINE_DAYS // 2)
        .median()
        .shift(BASELINE_LAG_DAYS)
    )
    # A spike is judged against the baseline: the highest non-calendar spread of the last five
    # days above it (0 bp after a decade at -10 bp is a 10 bp rise, not "the most stressed").
    non_cal_max = spread.where(~cal).rolling(5, min_periods=1).max()
    # A calendar day counts when it beats the usual calendar pressure, the highest calendar-day
    # spread of the past year: a year-end at +60 bp against quarter-ends of +5 to +15 bp
    # (31 December 2018) is a squeeze; an ordinary month-end is not.
    cal_spread = spread.where(cal)
    usual = cal_spread.rolling(CALENDAR_NORM_DAYS, min_periods=CALENDAR_NORM_MIN).max().shift(1)
    cal_excess = cal_spread - np.fmax(usual, out["funding_baseline_bp"])
    beaten = cal_spread.where(cal_excess >= SPIKE_OVER_BASELINE_BP)
    out["funding_spike_bp"] = np.fmax(
        non_cal_max - out["funding_baseline_bp"],
        cal_excess.where(usual.notna()).rolling(5, min_periods=1).max(),
    )
    out["funding_spike_over_rate_bp"] = np.fmax(non_cal_max, beaten.rolling(5, min_periods=1).max())
    out["funding_level_vs_baseline_bp"] = level - out["funding_baseline_bp"]
    out["funding_direction"] = funding_direction(level)

    reserves, assets = get("WRESBAL", nan), get("WALCL", nan)
    out["reserves_usd_bn"] = reserves
    for weeks in (4, 13, 52):
        out[f"reserves_chg_{weeks}w_usd_bn"] = reserves - reserves.shift(weeks * 5)
    out["reserves_to_fed_assets_pct"] = reserves / assets * 100.0
    out["fed_assets_usd_bn"] = assets
    # Balance-sheet pace over 13 weeks expressed per month (13 weeks = 3 months).
    out["qt_pace_usd_bn_per_month"] = (assets - assets.shift(65)) / 3.0
    out["tga_usd_bn"] = get("WTREGEN", nan)
    out["on_rrp_usd_bn"] = get("RRPONTSYD", nan)
    # ON RRP is zero-or-missing on days without an operation before 2013: count missing as 0
    # only where the facility existed and other data are present.
    rrp = out["on_rrp_usd_bn"].fillna(0.0).where(assets.notna())
    out["net_liquidity_usd_bn"] = assets - out["tga_usd_bn"] - rrp
    out["net_liquidity_chg_4w_usd_bn"] = out["net_liquidity_usd_bn"].diff(20)

    for tenor, col in (("2y", "DGS2"), ("10y", "DGS10"), ("30y", "DGS30")):
        y = get(col, nan)
        out[f"yield_{tenor}_pct"] = y
        out[f"yield_{tenor}_chg_5d_bp"] = (y - y.shift(5)) * 100.0
        out[f"yield_{tenor}_chg_20d_bp"] = (y - y.shift(20)) * 100.0
    out["real_yield_10y_pct"] = get("DFII10", nan)
    out["mortgage_30y_pct"] = get("MORTGAGE30US", nan)
    out["mortgage_spread_bp"] = (out["mortgage_30y_pct"] - out["yield_10y_pct"]) * 100.0
    out["curve_2s10s_bp"] = get("T10Y2Y", nan) * 100.0
    out["funding_state"] = funding_state(out)
    return out


def funding_direction(level: pd.Series) -> pd.Series:
    """``rising``, ``easing`` or ``flat``: the ex-calendar level against its 60-day range.

    Easing when the level sits ``DIRECTION_BP`` or more below its high of the last 60 business
    days (and not as far above its low), rising in the mirror case; when both hold, the change
    over 20 days decides.
    """
    high = level.rolling(BASELINE_DAYS, min_periods=10).max()
    low = level.rolling(BASELINE_DAYS, min_periods=10).min()
    below_high = level <= high - DIRECTION_BP
    above_low = level >= low + DIRECTION_BP
    change = level - level.shift(20)
    easing = below_high & (~above_low | (change < 0))
    rising = above_low & (~below_high | (change > 0))
    out = np.select([easing, rising], ["easing", "rising"], default="flat")
    return pd.Series(out, index=level.index, name="funding_direction")


def funding_state(ind: pd.DataFrame) -> pd.Series:
    """Classify each day's funding conditions from the spread level, spikes and reserve trend.

    Rules, first match wins (thresholds in ``STATE_THRESHOLDS_BP``):

    - ``stressed``: in the last 5 business days a non-calendar day at least +25 bp over the
      reserve rate, or any day at least +50 bp, or the ex-calendar level at least +10 bp, or
      a level of +5 bp with a non-calendar day at +15 bp;
    - ``scarce``: ex-calendar level at least +3 bp, or 3+ days at +10 bp in 20 days;
    - ``easing``: level at least -3 bp but falling (``funding_direction`` is ``easing``);
    - ``tightening``: level at least -3 bp, or reserves down 150 bn+ over 13 weeks with the
      level above -8 bp;
    - ``ample``: level at least -8 bp;
    - ``abundant``: below that (cash so plentiful that repo trades well under the floor);
    - ``unknown``: no spread (before the Fed paid interest on reserves in October 2008).

    Returns
    -------
    Series of str
    """
    t = STATE_THRESHOLDS_BP
    spread = ind["funding_spread_bp"]
    cal = ind["calendar_day"].astype(bool)
    level = ind["funding_spread_ex_cal_bp"]
    spike_non_cal = spread.where(~cal).rolling(5, min_periods=1).max() >= t["stressed_spike"]
    spike_any = spread.rolling(5, min_periods=1).max() >= t["stressed_any_day"]
    drain = ind["reserves_chg_13w_usd_bn"] <= RESERVE_DRAIN_USD_BN
    both_level, both_spike = STRESSED_LEVEL_WITH_SPIKE_BP
    spike_15 = spread.where(~cal).rolling(5, min_periods=1).max() >= both_spike
    direction = (
        ind["funding_direction"]
        if "funding_direction" in ind
        else pd.Series("flat", index=ind.index)
    )
    # A spike of +10 bp over the baseline that lifts repo to or above the reserve rate is at
    # least a tightening, whatever the level (the funding-squeeze rule's own bounds).
    spiking = (ind["funding_spike_bp"] >= SPIKE_OVER_BASELINE_BP) & (
        ind["funding_spike_over_rate_bp"] >= 0.0
    )
    not_ample = (level >= t["tightening_level"]) | spiking
    conditions = [
        spike_non_cal
        | spike_any
        | (level >= t["stressed_level"])
        | (spike_15 & (level >= both_level)),
        (level >= t["scarce_level"]) | (ind["funding_spikes_20d"] >= t["scarce_spikes"]),
        not_ample & (direction == "easing"),
        not_ample | (drain & (level >= t["ample_level"])),
        level >= t["ample_level"],
        level.notna(),
    ]
    state = np.select(conditions, list(FUNDING_STATES[::-1]), default="unknown")
    return pd.Series(state, index=ind.index, name="funding_state")
