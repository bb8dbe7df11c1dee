"""Universe kernels against per-day textbook references, on small random data with gaps."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from naive import absorption_ratio as naive_ar
from naive import avg_corr as naive_avg_corr

from riskoff.universe import scan_universe
from riskoff.universe.kernels import LOW_DAYS, VOL_LOOKBACK

WINDOW = 12
MOVE = 5


def _prices(n_days: int = 420, n_assets: int = 9, seed: int = 3, gaps: bool = True) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    market = rng.standard_t(4, (n_days, 1))
    r = 0.01 * (market * rng.uniform(0.3, 1.2, n_assets) + rng.standard_t(5, (n_days, n_assets)))
    p = 50.0 * np.exp(np.cumsum(r, axis=0))
    if gaps:
        p[:90, 1] = np.nan  # listed late
        p[330:, 2] = np.nan  # delisted
        p[200, 4] = np.nan  # a missing print
        p[250:265, 6] = p[249, 6]  # a suspended (constant) stretch
    return pd.DataFrame(p, index=pd.bdate_range("2001-01-01", periods=n_days))


def _set(r: np.ndarray, t: int, w: int) -> np.ndarray:
    rows = r[t - w : t + 1]
    finite = np.isfinite(rows).all(axis=0)
    both = np.zeros(r.shape[1], dtype=bool)
    both[finite] = (np.ptp(rows[:-1, finite], axis=0) > 0) & (np.ptp(rows[1:, finite], axis=0) > 0)
    return finite & both


def _ledoit_wolf(x: np.ndarray) -> tuple[np.ndarray, float]:
    """Ledoit-Wolf (2004) shrunk covariance, textbook form on the N x N matrices."""
    t, n = x.shape
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / t
    mu = np.trace(s) / n
    d2 = np.sum((s - mu * np.eye(n)) ** 2) / n
    b2 = sum(np.sum((np.outer(row, row) - s) ** 2) for row in xc) / t**2 / n
    shrink = min(b2, d2) / d2
    return (1 - shrink) * s + shrink * mu * np.eye(n), shrink


def _reference(prices: pd.DataFrame, w: int, m: int) -> dict[str, np.ndarray]:
    p = prices.to_numpy()
    r = np.full(p.shape, np.nan)
    r[1:] = np.log(p[1:] / p[:-1])
    n_days = p.shape[0]
    out = {k: np.full(n_days, np.nan) for k in ("avg_corr", "ar", "turb", "b1", "low", "disp")}
    contrib = np.full(p.shape, np.nan)
    for t in range(w, n_days):
        cols = _set(r, t, w)
        n = int(cols.sum())
        win = r[t - w + 1 : t + 1, cols]
        if n >= 3:
            c = np.corrcoef(win.T)
            out["avg_corr"][t] = (c.sum() - n) / (n * (n - 1))
        k = math.ceil(min(n, w - 1) / 5)
        if n >= 2 and k < min(n, w - 1):
            eig = np.sort(np.linalg.eigvalsh(np.cov(win.T)))[::-1]
            out["ar"][t] = eig[:k].sum() / eig.sum()
        if n >= 2:
            before = r[t - w : t, cols]
            sigma, _ = _ledoit_wolf(before)
            v = r[t, cols] - before.mean(axis=0)
            sv = np.linalg.inv(sigma) @ v
            out["turb"][t] = v @ sv / n
            contrib[t, cols] = v * sv / n
    for t in range(n_days):
        today = r[t][np.isfinite(r[t])]
        if today.size >= 2:
            out["disp"][t] = today.std()
        if t >= m + VOL_LOOKBACK:
            move = r[t - m + 1 : t + 1]
            hist = r[t - m - VOL_LOOKBACK + 1 : t - m + 1]
            ok = np.isfinite(move).all(axis=0) & np.isfinite(hist).all(axis=0)
            sd = hist[:, ok].std(axis=0, ddof=1)
            z = move[:, ok].sum(axis=0) / (sd * np.sqrt(m))
            if ok.sum() >= 3:
                out["b1"][t] = (z < -1).mean()
        if t >= LOW_DAYS - 1:
            closes = p[t - LOW_DAYS + 1 : t + 1]
            ok = np.isfinite(closes).all(axis=0)
            if ok.sum() >= 3:
                out["low"][t] = (p[t, ok] <= closes[:, ok].min(axis=0)).mean()
    out["contrib"] = contrib
    return out


@pytest.fixture(scope="module")
def case() -> tuple[pd.DataFrame, dict[str, np.ndarray], object]:
    prices = _prices()
    return prices, _reference(prices, WINDOW, MOVE), scan_universe(prices, WINDOW, MOVE)


@pytest.mark.parametrize(
    ("column", "key"),
    [
        ("avg_corr", "avg_corr"),
        ("absorption_ratio", "ar"),
        ("turbulence", "turb"),
        ("breadth_1sd", "b1"),
        ("at_52w_low", "low"),
        ("dispersion", "disp"),
    ],
)
def test_measures_match_naive(case, column: str, key: str) -> None:
    _, ref, scan = case
    ours = scan.daily[column].to_numpy()
    assert np.isfinite(ref[key]).sum() > 50
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref[key]))
    np.testing.assert_allclose(ours, ref[key], rtol=1e-8, atol=1e-10)


def test_contributions_match_naive_and_add_up(case) -> None:
    _, ref, scan = case
    np.testing.assert_allclose(scan.contribution.to_numpy(), ref["contrib"], rtol=1e-7, atol=1e-10)
    total = scan.contribution.sum(axis=1, min_count=1).to_numpy()
    np.testing.assert_allclose(total, scan.daily["turbulence"].to_numpy(), rtol=1e-9)


def test_drawdown_from_running_peak(case) -> None:
    prices, _, scan = case
    expected = prices / prices.cummax() - 1.0
    np.testing.assert_allclose(scan.drawdown.to_numpy(), expected.to_numpy(), atol=1e-15)


def test_complete_panel_agrees_with_repository_references() -> None:
    """Without gaps the asset set is the whole panel: the kernels of tests/naive.py apply."""
    prices = _prices(n_days=160, n_assets=8, gaps=False)
    scan = scan_universe(prices, WINDOW, MOVE)
    r = np.log(prices).diff().to_numpy()
    days = slice(WINDOW + 1, None)  # our set needs w + 1 returns, the first is undefined
    np.testing.assert_allclose(
        scan.daily["avg_corr"].to_numpy()[days], naive_avg_corr(r, WINDOW)[days], rtol=1e-9
    )
    np.testing.assert_allclose(
        scan.daily["absorption_ratio"].to_numpy()[days], naive_ar(r, WINDOW)[days], rtol=1e-9
    )


def test_wide_universe_through_the_gram_matrix() -> None:
    """More assets than days in the window: AR from the Gram matrix equals the N x N one."""
    prices = _prices(n_days=300, n_assets=40, gaps=False, seed=8)
    scan = scan_universe(prices, WINDOW, MOVE, block_assets_n=16)
    ref = _reference(prices, WINDOW, MOVE)
    assert scan.daily["assets"].max() > WINDOW
    for column, key in (("absorption_ratio", "ar"), ("turbulence", "turb")):
        np.testing.assert_allclose(scan.daily[column], ref[key], rtol=1e-7, atol=1e-10)
    assert (scan.daily["shrinkage"].dropna() > 0).all()
