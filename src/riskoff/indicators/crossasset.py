"""Is the selling indiscriminate? Breadth, safe-haven behaviour and co-movement of the basket."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.indicators.basket import CASH_DOLLAR, EQUITY_ANCHOR, SAFE_HAVENS

VOL_LOOKBACK = 250  # business days of daily returns behind each class's 1-sigma move
FELL_Z = -1.0  # a class "fell" when its window move is below minus one sigma
# A one-day move counts at half weight beside a window's: a 3-sigma day weighs as a 1.5-sigma
# window, so a crash is seen on its day while ordinary daily swings are not.
DAY_WEIGHT = 0.5
EQUITY_SELLOFF_Z = -1.0  # safe-haven behaviour is only judged while equities sell off


MAX_CARRY = 5  # business days a level may be carried past its last observation at the end


def carried_tail(returns: pd.DataFrame, max_carry: int = MAX_CARRY) -> pd.Series:
    """Rows at the end of the frame where each class has no new observation yet.

    A series published with a lag (LBMA gold, weekly data) is carried forward over the last
    rows of a point-in-time panel, which shows as exact zero returns. Only the tail of the
    frame is judged: inside history a zero return is a holiday or an unchanged close.

    Returns
    -------
    Series
        Per class, how many of the last rows (0 to ``max_carry``) are carried values.
    """
    counts = {}
    tail = returns.iloc[-(max_carry + 1) :]
    for c in returns.columns:
        values = tail[c].to_numpy(dtype=float)
        k = 0
        for v in values[::-1]:
            if v == 0.0 and k < max_carry:
                k += 1
            else:
                break
        # A run of zeros reaching back beyond the tail (or all-missing data) is no lag.
        counts[c] = k if k < len(values) and np.isfinite(values[len(values) - 1 - k]) else 0
    return pd.Series(counts, dtype=int)


def window_moves(returns: pd.DataFrame, window: int = 10) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Return each class's move over the window and that move in units of its own sigma.

    The window of a row is ``window`` observations ending at the class's latest observation:
    on the last rows, a class whose level is still carried forward (published with a lag)
    keeps the move of its last observed day, so a 10-day move never shrinks to 9 days.
    The sigma is the standard deviation of daily returns over the ``VOL_LOOKBACK`` days that
    end where the window starts, times sqrt(window): the crash being judged does not inflate
    its own yardstick. Log returns are summed for the z-score; the percent move is the simple
    return between the two closes (``expm1`` of the summed log returns).

    Returns
    -------
    tuple of DataFrame
        ``(move_pct, move_z)``: simple returns in percent over the window, and z-scores.
    """
    log_move = returns.rolling(window, min_periods=window - 2).sum()
    sigma = returns.rolling(VOL_LOOKBACK, min_periods=VOL_LOOKBACK // 2).std().shift(window)
    move_z = log_move / (sigma * np.sqrt(window))
    if len(returns) > window:
        for c, k in carried_tail(returns).items():
            if k:
                log_move.iloc[-k:, log_move.columns.get_loc(c)] = log_move[c].iloc[-k - 1]
                move_z.iloc[-k:, move_z.columns.get_loc(c)] = move_z[c].iloc[-k - 1]
    move_pct = np.expm1(log_move) * 100.0
    return move_pct, move_z


def window_span(
    returns: pd.DataFrame, window: int, day: pd.Timestamp
) -> dict[str, tuple[pd.Timestamp, pd.Timestamp]]:
    """The closes each class's window move on ``day`` runs between: ``(start, end)``.

    ``end`` is the class's latest observation on or before ``day`` (see :func:`window_moves`)
    and ``start`` the business day ``window`` rows earlier.
    """
    upto = returns.loc[:day]
    carried = carried_tail(upto) if len(upto) > window else pd.Series(dtype=int)
    out = {}
    n = len(upto)
    for c in upto.columns:
        k = int(carried.get(c, 0))
        end = n - 1 - k
        if end - window < 0:
            continue
        out[c] = (upto.index[end - window], upto.index[end])
    return out


def day_moves(returns: pd.DataFrame) -> pd.DataFrame:
    """Each class's return today in units of its daily sigma over the previous year.

    Catches a one-day shock (a 17% fall in one stock on one day) that a longer window dilutes.
    """
    sigma = returns.rolling(VOL_LOOKBACK, min_periods=VOL_LOOKBACK // 2).std().shift(1)
    return returns / sigma


def breadth(move_z: pd.DataFrame) -> pd.Series:
    """Share of asset classes (the dollar excluded) down more than one sigma over the window."""
    cols = [c for c in move_z.columns if c != CASH_DOLLAR]
    z = move_z[cols]
    fell = (z < FELL_Z).sum(axis=1)
    counted = z.notna().sum(axis=1)
    return (fell / counted).where(counted >= 3).rename("breadth")


def safe_haven_failure(move_z: pd.DataFrame) -> pd.Series:
    """Signed measure of safe-haven failure while equities sell off.

    Minus the mean window z of gold, long Treasuries and the yen, on days when US equities are
    down more than one sigma over the window; 0 on other days. Positive: the havens fell with
    equities (with the dollar up, a dash for cash). Negative: they rallied (a flight to safety).
    About +1 or more is a clear failure, -1 or less a clear flight. The dollar is left out on
    purpose: it rises both in a dash for cash and in a flight to safety.
    """
    havens = move_z[[c for c in SAFE_HAVENS if c in move_z]].mean(axis=1, skipna=True)
    selling = move_z[EQUITY_ANCHOR] < EQUITY_SELLOFF_Z
    out = (-havens).where(selling, 0.0).where(move_z[EQUITY_ANCHOR].notna() & havens.notna())
    return out.rename("safe_haven_failure")


def comovement_indicators(returns: pd.DataFrame) -> pd.DataFrame:
    """Rolling correlation, absorption ratio and turbulence of the basket's daily returns.

    Returns
    -------
    DataFrame
        ``avg_corr_20d``, ``avg_corr_60d`` (average pairwise correlation), ``absorption_ratio``
        (share of variance in the top ceil(N/5) eigenvectors, 250-day window) and
        ``absorption_shift`` (its standardised 15-day vs 1-year shift), ``turbulence``
        (Kritzman-Li, divided by the number of assets), ``magnitude_surprise`` and
        ``correlation_surprise`` (Kinlaw-Turkington).
    """
    from riskoff.indicators.comovement import (
        absorption_ratio,
        absorption_shift,
        rolling_avg_corr,
        turbulence,
    )

    x = returns.to_numpy(dtype=np.float64)
    out = pd.DataFrame(index=returns.index)
    out["avg_corr_20d"] = rolling_avg_corr(x, 20)
    out["avg_corr_60d"] = rolling_avg_corr(x, 60)
    ar = absorption_ratio(x, 250)
    out["absorption_ratio"] = ar
    out["absorption_shift"] = absorption_shift(ar)
    turb, magnitude, corr_surprise = turbulence(x, 250)
    out["turbulence"] = turb
    out["magnitude_surprise"] = magnitude
    out["correlation_surprise"] = corr_surprise
    return out
