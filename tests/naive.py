"""Slow, obviously-correct references for the numerical kernels.

One Python loop per day (or per window) calling ``np.corrcoef``, ``np.cov``,
``np.linalg.eigh`` and ``np.linalg.inv`` on the textbook formula, with the same NaN conventions
as the fast kernels: an asset takes part on a day only if its whole window is finite and not
constant. The fast kernels in ``riskoff`` are tested against these (as stumpy does).
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

HISTORY = Path(__file__).resolve().parents[1] / "src" / "riskoff" / "datasets" / "history.parquet"
REAL_TICKERS = ["SPY", "TLT", "GLD", "UUP", "BTC-USD", "EEM", "USO", "FXY", "HYG", "QQQ", "MAGS"]


def real_log_returns(days: int = 1500, tickers: list[str] | None = None) -> np.ndarray:
    """Daily log returns of bundled series on SPY's trading days, last ``days`` rows.

    Not forward-filled: holidays that differ across markets and late starters (MAGS, 2023)
    leave NaN, which exercises the kernels' missing-data rules on real data.
    """
    tickers = REAL_TICKERS if tickers is None else tickers
    long = pd.read_parquet(HISTORY)
    prices = long.pivot(index="date", columns="series_id", values="value")[tickers]
    prices = prices[prices["SPY"].notna()]
    returns = np.log(prices.astype(float)).diff()
    return returns.to_numpy(dtype=np.float64)[-days:]


def _usable_columns(win: np.ndarray) -> np.ndarray:
    finite = np.isfinite(win).all(axis=0)
    varies = np.zeros(win.shape[1], dtype=bool)
    varies[finite] = np.ptp(win[:, finite], axis=0) > 0
    return finite & varies


def avg_corr(returns: np.ndarray, window: int, min_assets: int = 3) -> np.ndarray:
    out = np.full(returns.shape[0], np.nan)
    for t in range(window - 1, returns.shape[0]):
        win = returns[t - window + 1 : t + 1]
        cols = _usable_columns(win)
        n = int(cols.sum())
        if n < max(min_assets, 2):
            continue
        corr = np.corrcoef(win[:, cols].T)
        out[t] = (corr.sum() - np.trace(corr)) / (n * (n - 1))
    return out


def absorption_ratio(
    returns: np.ndarray, window: int, n_factors: int | None = None, min_assets: int = 2
) -> np.ndarray:
    out = np.full(returns.shape[0], np.nan)
    for t in range(window - 1, returns.shape[0]):
        win = returns[t - window + 1 : t + 1]
        cols = _usable_columns(win)
        n = int(cols.sum())
        k = n_factors if n_factors is not None else math.ceil(n / 5)
        if n < max(min_assets, 2) or k >= n:
            continue
        cov = np.atleast_2d(np.cov(win[:, cols].T))
        eigenvalues = np.sort(np.linalg.eigh(cov)[0])[::-1]
        out[t] = eigenvalues[:k].sum() / eigenvalues.sum()
    return out


def absorption_shift(ar: np.ndarray, short: int = 15, long: int = 250) -> np.ndarray:
    out = np.full(ar.shape[0], np.nan)
    for t in range(long - 1, ar.shape[0]):
        win = ar[t - long + 1 : t + 1]
        if np.isnan(win).any() or np.std(win) == 0:
            continue
        out[t] = (win[-short:].mean() - win.mean()) / np.std(win, ddof=1)
    return out


def turbulence(
    returns: np.ndarray, window: int, min_assets: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_days = returns.shape[0]
    turb = np.full(n_days, np.nan)
    mag = np.full(n_days, np.nan)
    for t in range(window, n_days):
        win = returns[t - window : t]
        today = returns[t]
        cols = _usable_columns(win) & np.isfinite(today)
        n = int(cols.sum())
        if n < max(min_assets, 1):
            continue
        mu = win[:, cols].mean(axis=0)
        cov = np.atleast_2d(np.cov(win[:, cols].T))
        dev = today[cols] - mu
        try:
            inv = np.linalg.inv(cov)
        except np.linalg.LinAlgError:
            continue
        turb[t] = dev @ inv @ dev / n
        mag[t] = (dev**2 / np.diag(cov)).sum() / n
    return turb, mag, turb / mag


def ecdf(x: np.ndarray, min_periods: int = 1) -> np.ndarray:
    out = np.full(x.shape[0], np.nan)
    for t in range(x.shape[0]):
        if np.isnan(x[t]):
            continue
        seen = x[: t + 1]
        seen = seen[~np.isnan(seen)]
        if seen.size >= min_periods:
            out[t] = (seen <= x[t]).sum() / seen.size
    return out


def ciss(
    subindices: np.ndarray, weights: np.ndarray, ewma_lambda: float = 0.93, min_periods: int = 20
) -> tuple[np.ndarray, np.ndarray]:
    n_days, k = subindices.shape
    composite = np.full(n_days, np.nan)
    contributions = np.full((n_days, k), np.nan)
    moments = np.zeros((k, k))
    seen = np.zeros(k, dtype=int)
    for t in range(n_days):
        s = subindices[t]
        finite = ~np.isnan(s)
        seen += finite
        dev = np.where(finite, s - 0.5, 0.0)
        moments = ewma_lambda * moments + (1 - ewma_lambda) * np.outer(dev, dev)
        avail = np.flatnonzero(finite & (seen >= min_periods))
        if avail.size == 0 or weights[avail].sum() == 0:
            continue
        sub = moments[np.ix_(avail, avail)]
        sd = np.sqrt(np.diag(sub))
        corr = np.eye(avail.size)
        for i in range(avail.size):
            for j in range(avail.size):
                if i != j and sd[i] > 0 and sd[j] > 0:
                    corr[i, j] = max(0.0, sub[i, j] / (sd[i] * sd[j]))  # negatives count 0
        ws = weights[avail] / weights[avail].sum() * s[avail]
        composite[t] = ws @ corr @ ws
        contributions[t] = 0.0
        contributions[t, avail] = ws * (corr @ ws)
    return composite, contributions


def distance_profile(query: np.ndarray, series: np.ndarray) -> np.ndarray:
    m = query.shape[0]
    n_windows = series.shape[0] - m + 1
    out = np.full(n_windows, np.inf)
    q_const = np.ptp(query, axis=0) == 0
    q_z = (query - query.mean(axis=0)) / np.where(q_const, 1.0, query.std(axis=0))
    for s in range(n_windows):
        win = series[s : s + m]
        if not np.isfinite(win).all():
            continue
        w_const = np.ptp(win, axis=0) == 0
        w_z = (win - win.mean(axis=0)) / np.where(w_const, 1.0, win.std(axis=0))
        squared = ((q_z - w_z) ** 2).sum(axis=0)
        # stumpy's convention for constant windows
        squared = np.where(q_const & w_const, 0.0, np.where(q_const | w_const, m, squared))
        out[s] = np.sqrt(squared.sum())
    return out


def top_matches(
    profile: np.ndarray, k: int, exclusion: int, exclude_after: int | None = None
) -> list[int]:
    picks: list[int] = []
    for i in np.argsort(profile, kind="stable"):
        if len(picks) == k or not np.isfinite(profile[i]):
            break
        if exclude_after is not None and i > exclude_after:
            continue
        if all(abs(int(i) - p) >= exclusion for p in picks):
            picks.append(int(i))
    return picks


# -- references for the indicators built on the kernels ---------------------------------------


def expanding_zscore(x: np.ndarray, min_periods: int) -> np.ndarray:
    """Z-score of each value against all earlier finite values (ddof=1), one day at a time."""
    out = np.full(len(x), np.nan)
    for t in range(len(x)):
        past = x[:t][np.isfinite(x[:t])]
        if np.isfinite(x[t]) and len(past) >= min_periods and past.std(ddof=1) > 0:
            out[t] = (x[t] - past.mean()) / past.std(ddof=1)
    return out


def window_z(returns: np.ndarray, window: int, lookback: int) -> np.ndarray:
    """Window log move over the sigma of the ``lookback`` daily returns before the window."""
    n_days, n_assets = returns.shape
    out = np.full((n_days, n_assets), np.nan)
    for t in range(n_days):
        for j in range(n_assets):
            win = returns[max(0, t - window + 1) : t + 1, j]
            past = returns[max(0, t - window - lookback + 1) : t - window + 1, j]
            past = past[np.isfinite(past)]
            if (
                t >= window - 1
                and np.isfinite(win).sum() >= window - 2
                and len(past) >= lookback // 2
            ):
                out[t, j] = np.nansum(win) / (past.std(ddof=1) * math.sqrt(window))
    return out


def breadth(z: np.ndarray, exclude: int) -> np.ndarray:
    """Share of columns (``exclude`` left out) below -1, where at least 3 are known."""
    out = np.full(z.shape[0], np.nan)
    keep = [j for j in range(z.shape[1]) if j != exclude]
    for t in range(z.shape[0]):
        row = z[t, keep]
        known = row[np.isfinite(row)]
        if len(known) >= 3:
            out[t] = float(np.mean(known < -1.0))
    return out


def dollar_proxy(x: np.ndarray, y: np.ndarray, window: int, min_days: int) -> np.ndarray:
    """The proxy's return each day: ``x[t] @ w``, ``w`` the least-squares fit of ``y`` on ``x``
    over the previous ``window`` rows where all of them are known (NaN inputs count as 0 on
    the day predicted, as in riskoff; at least two inputs must be known that day)."""
    out = np.full(len(y), np.nan)
    for t in range(len(y)):
        lo = max(0, t - window)
        xs, ys = x[lo:t], y[lo:t]
        ok = np.isfinite(xs).all(axis=1) & np.isfinite(ys)
        if ok.sum() < min_days or np.isfinite(x[t]).sum() < 2:
            continue
        w = np.linalg.lstsq(xs[ok], ys[ok], rcond=None)[0]
        out[t] = np.nan_to_num(x[t]) @ w
    return out
