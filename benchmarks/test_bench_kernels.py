"""Kernel benchmarks: ours against the naive pandas / per-day numpy way, in the same run.

The test suite runs with ``--benchmark-disable``: every benchmark then runs once at a small size,
as a smoke test that also checks ours against the naive result. Full sizes (PERFORMANCE.md):

    RISKOFF_BENCH_FULL=1 .venv/bin/pytest benchmarks/test_bench_kernels.py --benchmark-enable

The naive way is timed inside the same test (median of a few runs). Where it would take too long
it runs on part of the problem and is scaled, as ``extra_info["naive_note"]`` says: per-day loops
on a slice of days, scaled linearly in days; pandas' pairwise rolling correlation, whose cost is
per asset pair (about 0.4 ms a pair even on 60 rows), at full length on 50 and 100 assets and
scaled by the number of pairs. ``extra_info["ratio"]`` is naive / our median. Timings are never
asserted.
"""

from __future__ import annotations

import math
import os
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskoff.diagnosis.pathsearch import distance_profile
from riskoff.indicators.comovement import (
    _iter_window_moments,
    absorption_ratio,
    rolling_avg_corr,
    turbulence,
)
from riskoff.indicators.stress import ciss, ecdf_transform
from riskoff.indicators.triggers import PROXY_FIT_DAYS, PROXY_MIN_DAYS, dollar_proxy_returns

FULL = os.environ.get("RISKOFF_BENCH_FULL") == "1"
ROUNDS = 5 if FULL else 1
RESULTS: list[dict[str, Any]] = []  # printed by conftest.py at the end of the session


def _returns(n_days: int, n_assets: int, seed: int = 42) -> np.ndarray:
    rng = np.random.default_rng(seed)
    factors = rng.standard_normal((n_days, 3))
    loadings = rng.uniform(0.0, 1.0, (3, n_assets))
    return 0.01 * (factors @ loadings + rng.standard_normal((n_days, n_assets)))


def _median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def _record(benchmark: Any, kernel: str, naive_s: float, note: str, **extra: float) -> None:
    benchmark.extra_info["naive_s"] = naive_s
    benchmark.extra_info["naive_note"] = note
    benchmark.extra_info.update(extra)
    if benchmark.stats is not None:  # None when benchmarks are disabled (smoke run)
        ours = float(benchmark.stats.stats.median)
        benchmark.extra_info["ratio"] = naive_s / ours
        RESULTS.append(
            {"kernel": kernel, "ours_s": ours, "naive_s": naive_s, "note": note, **extra}
        )


# --- average pairwise correlation -------------------------------------------------------------


def _pandas_avg_corr(x: np.ndarray, window: int) -> np.ndarray:
    n = x.shape[1]
    corr = pd.DataFrame(x).rolling(window).corr().to_numpy().reshape(-1, n, n)
    return (np.nansum(corr, axis=(1, 2)) - n) / (n * (n - 1))


def test_bench_avg_corr(benchmark: Any) -> None:
    n_days, n_assets, window = (10_000, 500, 60) if FULL else (300, 20, 60)
    x = _returns(n_days, n_assets)
    # pandas materialises one row per day per asset pair (20 GB at full size) and its cost is
    # per pair: time it at full length on fewer assets and scale by the number of pairs
    subsets = (50, 100) if FULL else (10, n_assets)
    times = {}
    for n in subsets:
        start = time.perf_counter()
        naive = _pandas_avg_corr(x[:, :n], window)
        times[n] = time.perf_counter() - start
    largest = subsets[-1]
    naive_s = times[largest] * (n_assets * (n_assets - 1)) / (largest * (largest - 1))
    ours = benchmark.pedantic(rolling_avg_corr, args=(x, window), rounds=ROUNDS, iterations=1)
    assert np.isfinite(ours[window - 1 :]).all()
    np.testing.assert_allclose(
        rolling_avg_corr(x[:, :largest], window)[window - 1 :],
        naive[window - 1 :],
        rtol=1e-6,
        atol=1e-9,
    )
    _record(
        benchmark,
        "avg corr 10000x500 w60" if FULL else "avg corr (smoke)",
        naive_s,
        f"pandas rolling().corr() at full length on {subsets[0]} and {largest} assets"
        f" ({times[subsets[0]]:.2f} s, {times[largest]:.2f} s), scaled by asset pairs"
        f" to {n_assets} (a lower bound: the full result table is never built)",
    )


# --- turbulence -------------------------------------------------------------------------------


def _numpy_turbulence(x: np.ndarray, window: int, days: range) -> np.ndarray:
    out = np.full(len(days), np.nan)
    for i, t in enumerate(days):
        win = x[t - window : t]
        dev = x[t] - win.mean(axis=0)
        out[i] = dev @ np.linalg.inv(np.cov(win.T)) @ dev / x.shape[1]
    return out


def _pandas_turbulence(x: np.ndarray, window: int) -> np.ndarray:
    n = x.shape[1]
    frame = pd.DataFrame(x)
    cov = frame.rolling(window).cov().to_numpy().reshape(-1, n, n)
    mean = frame.rolling(window).mean().to_numpy()
    out = np.full(x.shape[0], np.nan)
    for t in range(window, x.shape[0]):
        dev = x[t] - mean[t - 1]
        out[t] = dev @ np.linalg.inv(cov[t - 1]) @ dev / n
    return out


def test_bench_turbulence(benchmark: Any) -> None:
    n_days, n_assets, window = (10_000, 50, 250) if FULL else (400, 10, 250)
    x = _returns(n_days, n_assets)
    days = range(window, min(window + 2_000, n_days))
    naive = _numpy_turbulence(x, window, days)
    scale = (n_days - window) / len(days)
    naive_s = _median_seconds(lambda: _numpy_turbulence(x, window, days), 3 if FULL else 1)
    pandas_s = _median_seconds(lambda: _pandas_turbulence(x, window), 1)
    ours = benchmark.pedantic(turbulence, args=(x, window), rounds=ROUNDS, iterations=1)
    np.testing.assert_allclose(ours[0][days.start : days.stop], naive, rtol=1e-8)
    _record(
        benchmark,
        "turbulence 10000x50 w250" if FULL else "turbulence (smoke)",
        naive_s * scale,
        f"per-day np.cov + np.linalg.inv on {len(days)} days, scaled x{scale:.2f};"
        " pandas_s: rolling().cov() + per-day inv, full size",
        pandas_s=pandas_s,
    )


# --- absorption ratio -------------------------------------------------------------------------


def _numpy_absorption(x: np.ndarray, window: int, days: range) -> np.ndarray:
    k = math.ceil(x.shape[1] / 5)
    out = np.full(len(days), np.nan)
    for i, t in enumerate(days):
        eigenvalues = np.linalg.eigh(np.cov(x[t - window + 1 : t + 1].T))[0]
        out[i] = eigenvalues[-k:].sum() / eigenvalues.sum()
    return out


def _pandas_absorption(x: np.ndarray, window: int) -> np.ndarray:
    n = x.shape[1]
    k = math.ceil(n / 5)
    cov = pd.DataFrame(x).rolling(window).cov().to_numpy().reshape(-1, n, n)
    out = np.full(x.shape[0], np.nan)
    for t in range(window - 1, x.shape[0]):
        eigenvalues = np.linalg.eigh(cov[t])[0]
        out[t] = eigenvalues[-k:].sum() / eigenvalues.sum()
    return out


def test_bench_absorption_ratio(benchmark: Any) -> None:
    n_days, n_assets, window = (10_000, 100, 500) if FULL else (600, 20, 500)
    x = _returns(n_days, n_assets)
    n_windows = n_days - window + 1
    days = range(window - 1, min(window - 1 + 500, n_days))
    naive = _numpy_absorption(x, window, days)
    naive_s = _median_seconds(lambda: _numpy_absorption(x, window, days), 1)
    pandas_s = _median_seconds(lambda: _pandas_absorption(x, window), 1)
    # the eigen-solver alone, on the same covariance matrices (first chunk of days)
    _, _, moments = next(_iter_window_moments(x, np.isfinite(x), window))
    sums = moments[:, 0, 1:]
    scatter = moments[:, 1:, 1:] - sums[:, :, None] * sums[:, None, :] / window
    eig_s = _median_seconds(lambda: np.linalg.eigvalsh(scatter), 3) * n_windows / len(scatter)
    ours = benchmark.pedantic(absorption_ratio, args=(x, window), rounds=ROUNDS, iterations=1)
    np.testing.assert_allclose(ours[days.start : days.stop], naive, rtol=1e-8)
    _record(
        benchmark,
        "absorption 10000x100 w500" if FULL else "absorption (smoke)",
        naive_s * n_windows / len(days),
        f"per-day np.cov + np.linalg.eigh on {len(days)} days, scaled x{n_windows / len(days):.1f};"
        " pandas_s: rolling().cov() + per-day eigh, full size; eigvalsh_only_s: the eigen-solver"
        " on our covariance matrices (one chunk, scaled)",
        pandas_s=pandas_s,
        eigvalsh_only_s=eig_s,
    )


# --- CISS composite and its ECDF --------------------------------------------------------------


def _stress_measures(n_days: int, k: int = 5) -> np.ndarray:
    rng = np.random.default_rng(42)
    return np.abs(rng.standard_normal((n_days, k)).cumsum(axis=0))


def _pandas_ciss(subindices: pd.DataFrame, weights: np.ndarray, lam: float) -> np.ndarray:
    """EWMA cross-moments with pandas, then the quadratic form day by day."""
    k = subindices.shape[1]
    dev = subindices - 0.5
    pairs = pd.concat(
        {(i, j): dev.iloc[:, i] * dev.iloc[:, j] for i in range(k) for j in range(k)}, axis=1
    )
    moments = pairs.ewm(alpha=1 - lam, adjust=False).mean().to_numpy().reshape(-1, k, k)
    s = subindices.to_numpy()
    out = np.full(len(s), np.nan)
    for t in range(len(s)):
        sd = np.sqrt(np.diag(moments[t]))
        ws = weights * s[t]
        corr = np.maximum(moments[t] / np.outer(sd, sd), 0.0)  # negative co-moments count 0
        out[t] = ws @ corr @ ws
    return out


def test_bench_ciss(benchmark: Any) -> None:
    n_days = 15_000 if FULL else 800
    weights = np.full(5, 0.2)
    raw = _stress_measures(n_days)
    sub = ecdf_transform(raw)
    frame = pd.DataFrame(sub)
    naive = _pandas_ciss(frame, weights, 0.93)
    naive_s = _median_seconds(lambda: _pandas_ciss(frame, weights, 0.93), 3 if FULL else 1)
    ours = benchmark.pedantic(
        ciss, args=(sub, weights), kwargs={"min_periods": 1}, rounds=ROUNDS * 4, iterations=1
    )
    # pandas' adjust=False EWMA starts at the first value instead of (1 - lambda) times it;
    # the difference decays like lambda^t (1e-13 after 400 days)
    np.testing.assert_allclose(ours[0][400:], naive[400:], rtol=1e-9)
    _record(
        benchmark,
        "ciss composite 15000x5" if FULL else "ciss (smoke)",
        naive_s,
        "pandas ewm() of the pair products + per-day quadratic form",
    )


def test_bench_ecdf(benchmark: Any) -> None:
    n_days = 15_000 if FULL else 500
    raw = _stress_measures(n_days)
    frame = pd.DataFrame(raw)
    naive = frame.expanding().rank(pct=True, method="max").to_numpy()
    naive_s = _median_seconds(
        lambda: frame.expanding().rank(pct=True, method="max"), 5 if FULL else 1
    )
    ours = benchmark.pedantic(ecdf_transform, args=(raw,), rounds=ROUNDS * 4, iterations=1)
    np.testing.assert_allclose(ours, naive, rtol=1e-12)
    _record(
        benchmark,
        "ecdf 15000x5" if FULL else "ecdf (smoke)",
        naive_s,
        "pandas expanding().rank(pct=True, method='max')",
    )


# --- path search ------------------------------------------------------------------------------


def _numpy_distance_profile(query: np.ndarray, series: np.ndarray, starts: range) -> np.ndarray:
    m = len(query)
    q_z = (query - query.mean(axis=0)) / query.std(axis=0)
    out = np.empty(len(starts))
    for i, s in enumerate(starts):
        win = series[s : s + m]
        w_z = (win - win.mean(axis=0)) / win.std(axis=0)
        out[i] = np.sqrt(((q_z - w_z) ** 2).sum())
    return out


def test_bench_path_search(benchmark: Any) -> None:
    n_days, n_dims, m = (18_000, 10, 60) if FULL else (1_000, 3, 60)
    series = np.random.default_rng(42).standard_normal((n_days, n_dims)).cumsum(axis=0)
    query = series[-m:]
    n_windows = n_days - m + 1
    starts = range(0, min(n_windows, 6_000))
    naive = _numpy_distance_profile(query, series, starts)
    naive_s = _median_seconds(lambda: _numpy_distance_profile(query, series, starts), 1)
    ours = benchmark.pedantic(
        distance_profile, args=(query, series), rounds=ROUNDS * 4, iterations=1
    )
    np.testing.assert_allclose(ours[: len(starts)] ** 2, naive**2, rtol=1e-8, atol=1e-8)
    _record(
        benchmark,
        "path search 18000x10 m60" if FULL else "path search (smoke)",
        naive_s * n_windows / len(starts),
        f"per-window z-normalise loop on {len(starts)} windows,"
        f" scaled x{n_windows / len(starts):.1f}",
    )


# --- the daily dollar proxy: a rolling least-squares fit ---------------------------------------
def _proxy_panel(n_days: int, seed: int = 42) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rets = rng.normal(0.0, 0.006, size=(n_days, 5))
    broad = rets @ np.array([-0.25, -0.05, -0.12, -0.08, 0.03]) + rng.normal(0, 5e-4, n_days)
    panel = pd.DataFrame(
        np.exp(rets.cumsum(axis=0)),
        index=pd.bdate_range("1990-01-01", periods=n_days),
        columns=["FXE", "FXY", "FXB", "AUDUSD", "EEM"],
    )
    panel["DTWEXBGS"] = 100.0 * np.exp(broad.cumsum())
    return panel


def _pandas_proxy(panel: pd.DataFrame, days: range) -> np.ndarray:
    """One least-squares fit per day on the trailing two years (pandas slices, np.linalg)."""
    x = -np.log(panel[["FXE", "FXY", "FXB", "AUDUSD"]]).diff()
    x["EEM"] = np.log(panel["EEM"]).diff()
    y = np.log(panel["DTWEXBGS"]).diff()
    out = np.full(len(days), np.nan)
    for i, t in enumerate(days):
        xs, ys = x.iloc[max(0, t - PROXY_FIT_DAYS) : t], y.iloc[max(0, t - PROXY_FIT_DAYS) : t]
        ok = xs.notna().all(axis=1) & ys.notna()
        if ok.sum() >= PROXY_MIN_DAYS:
            w = np.linalg.lstsq(xs[ok].to_numpy(), ys[ok].to_numpy(), rcond=None)[0]
            out[i] = float(x.iloc[t].fillna(0.0).to_numpy() @ w)
    return out


def test_bench_dollar_proxy(benchmark: Any) -> None:
    n_days = 10_864 if FULL else 800
    panel = _proxy_panel(n_days)
    days = range(PROXY_MIN_DAYS + 1, min(n_days, PROXY_MIN_DAYS + 1 + (2_000 if FULL else 300)))
    naive = _pandas_proxy(panel, days)
    naive_s = _median_seconds(lambda: _pandas_proxy(panel, days), 3 if FULL else 1)
    ours = benchmark.pedantic(dollar_proxy_returns, args=(panel,), rounds=ROUNDS, iterations=1)
    np.testing.assert_allclose(ours.to_numpy()[days.start : days.stop], naive, rtol=1e-7)
    scale = (n_days - days.start) / len(days)
    _record(
        benchmark,
        f"dollar proxy {n_days}x5 w{PROXY_FIT_DAYS}" if FULL else "dollar proxy (smoke)",
        naive_s * scale,
        f"per-day pandas slice + np.linalg.lstsq on {len(days)} days, scaled x{scale:.1f}",
    )


@pytest.fixture(autouse=True)
def _label(request: pytest.FixtureRequest) -> None:
    """Mark full-size runs in the saved JSON so they are not mixed with smoke runs."""
    if "benchmark" in request.fixturenames:
        request.getfixturevalue("benchmark").extra_info["full_size"] = FULL
