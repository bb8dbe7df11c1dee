"""Universe scan benchmarks: one process, Dask with 1 and 2 workers, and the universe doubled.

The test suite runs with ``--benchmark-disable``: each case then runs once on a small synthetic
universe (thread workers), as a smoke test. Full size (2,000 and 4,000 assets x 6,300 days,
co-movement window 60, process workers so that each worker's memory is its own):

    RISKOFF_BENCH_FULL=1 .venv/bin/pytest benchmarks/test_bench_universe.py --benchmark-enable

Peak memory per worker is the largest resident set size of each worker process, sampled every
0.2 s during the run through ``client.run`` (psutil); in one process, the resident set of the
process (prices and results included) sampled the same way. The naive way (pandas: per-day
``DataFrame.corr`` and ``cov``, the eigenvalues of the N x N covariance, the Ledoit-Wolf
covariance and its inverse) runs in the same test on a few days at full width and is scaled
linearly to every day, as ``extra_info["naive_note"]`` says. Timings are never asserted.
"""

from __future__ import annotations

import math
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from riskoff.universe import scan_universe
from riskoff.universe.synthetic import synthetic_universe

FULL = os.environ.get("RISKOFF_BENCH_FULL") == "1"
N_ASSETS, N_DAYS, WINDOW = (2000, 6300, 60) if FULL else (60, 700, 20)
RESULTS: list[dict[str, Any]] = []  # printed by conftest.py at the end of the session


@pytest.fixture(scope="module")
def universes() -> dict[int, pd.DataFrame]:
    return {n: synthetic_universe(n, N_DAYS, seed=7) for n in (N_ASSETS, 2 * N_ASSETS)}


def _rss() -> int:
    import psutil

    return int(psutil.Process().memory_info().rss)


class _Sampler:
    """Largest resident set per worker (or of this process) while a run lasts."""

    def __init__(self, client: Any | None) -> None:
        self.client = client
        self.peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _sample(self) -> None:
        found = {"this process": _rss()} if self.client is None else self.client.run(_rss)
        for key, value in found.items():
            self.peak[key] = max(self.peak.get(key, 0), int(value))

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(0.2)

    def __enter__(self) -> _Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


@pytest.fixture(scope="module")
def clusters() -> Iterator[dict[int, Any]]:
    distributed = pytest.importorskip("distributed")
    made = {}
    for n in (1, 2):
        cluster = distributed.LocalCluster(
            n_workers=n,
            threads_per_worker=1,
            processes=FULL,
            dashboard_address=None,
            host="127.0.0.1",
            protocol="tcp",
            memory_limit=0,  # measure, do not manage: no spilling or pausing
            silence_logs=50,
        )
        made[n] = (cluster, distributed.Client(cluster))
    yield {n: client for n, (_, client) in made.items()}
    for cluster, client in made.values():
        client.close()
        cluster.close()


def _ledoit_wolf_inverse(x: np.ndarray) -> np.ndarray:
    t, n = x.shape
    xc = x - x.mean(axis=0)
    s = xc.T @ xc / t
    mu = np.trace(s) / n
    delta = np.sum((s - mu * np.eye(n)) ** 2) / n
    beta = min((np.sum((xc**2).sum(axis=1) ** 2) / t - np.sum(s**2)) / (t * n), delta)
    shrink = beta / delta
    return np.linalg.inv((1 - shrink) * s + shrink * mu * np.eye(n))


def _naive_days(returns: pd.DataFrame, days: range, window: int) -> None:
    """The measures the textbook way, with pandas, one day at a time."""
    for t in days:
        win = returns.iloc[t - window + 1 : t + 1].dropna(axis=1)
        n = win.shape[1]
        corr = win.corr().to_numpy()
        _ = (corr.sum() - n) / (n * (n - 1))
        eig = np.sort(np.linalg.eigvalsh(win.cov().to_numpy()))[::-1]
        _ = eig[: math.ceil(min(n, window - 1) / 5)].sum() / eig.sum()
        before = returns.iloc[t - window : t].dropna(axis=1)
        v = (returns.iloc[t][before.columns] - before.mean()).to_numpy()
        _ = v @ _ledoit_wolf_inverse(before.to_numpy()) @ v / v.size


def _naive_seconds(prices: pd.DataFrame) -> tuple[float, str]:
    returns = np.log(prices).diff()
    sample = 3 if FULL else 20
    days = range(len(prices) - sample, len(prices))
    start = time.perf_counter()
    _naive_days(returns, days, WINDOW)
    per_day = (time.perf_counter() - start) / sample
    start = time.perf_counter()
    move = returns.rolling(10).sum()
    sigma = returns.rolling(250).std().shift(10)
    _ = ((move / (sigma * np.sqrt(10))) < -1).mean(axis=1)
    _ = (prices <= prices.rolling(252).min()).mean(axis=1)
    _ = returns.std(axis=1, ddof=0)
    _ = prices / prices.cummax() - 1
    rolling_s = time.perf_counter() - start
    total = per_day * len(prices) + rolling_s
    note = (
        f"pandas per-day corr/cov/eigvalsh/Ledoit-Wolf inverse on the last {sample} days at"
        f" full width ({per_day:.3g} s a day), scaled to {len(prices)} days, plus pandas rolling"
        f" breadth, lows, dispersion and drawdowns on the whole panel ({rolling_s:.3g} s)"
    )
    return total, note


CASES = [(n, w) for n in ("base", "double") for w in (0, 1, 2)]


@pytest.mark.parametrize(("size", "workers"), CASES, ids=[f"{s}-{w}w" for s, w in CASES])
def test_bench_universe_scan(
    benchmark: Any, universes: dict[int, pd.DataFrame], clusters: dict[int, Any], size: str,
    workers: int,
) -> None:  # fmt: skip
    prices = universes[N_ASSETS if size == "base" else 2 * N_ASSETS]
    client = clusters[workers] if workers else None
    with _Sampler(client) as sampler:
        scan = benchmark.pedantic(
            scan_universe, args=(prices, WINDOW), kwargs={"client": client}, rounds=1, iterations=1
        )
    daily = scan.daily
    assert daily["avg_corr"].notna().sum() > 0.5 * len(daily)
    assert daily["turbulence"].notna().sum() > 0.5 * len(daily)
    if workers == 2:  # the same numbers as one process, at every size
        single = scan_universe(prices.iloc[-400:], WINDOW)
        spread = scan_universe(prices.iloc[-400:], WINDOW, client=client)
        pd.testing.assert_frame_equal(spread.daily, single.daily, rtol=1e-9, atol=1e-12)
    peak_mb = max(sampler.peak.values()) / 2**20
    benchmark.extra_info["peak_rss_mb_per_worker"] = peak_mb
    benchmark.extra_info["workers"] = workers
    naive_s, note = (math.nan, "")
    if size == "base" and workers == 0:
        naive_s, note = _naive_seconds(prices)
        benchmark.extra_info["naive_s"] = naive_s
        benchmark.extra_info["naive_note"] = note
    if benchmark.stats is not None:  # None when benchmarks are disabled (smoke run)
        ours = float(benchmark.stats.stats.median)
        label = f"scan {prices.shape[1]}x{N_DAYS} w{WINDOW} " + (
            f"{workers} worker(s)" if workers else "1 process"
        )
        RESULTS.append(
            {
                "kernel": label,
                "ours_s": ours,
                "naive_s": naive_s if naive_s == naive_s else ours,
                "note": note or "(no naive run for this case)",
                "peak_mb": peak_mb,
            }
        )
