"""The full indicator table on the bundled data, against a naive per-day loop.

The naive way recomputes each day's co-movement measures from scratch (``np.corrcoef`` over 20
and 60 days, ``np.linalg.eigh`` and ``np.linalg.inv`` of the 250-day covariance) and the
window z-scores with pandas; it would take minutes over the 10,000+ days, so it is timed on a
slice of days and scaled linearly.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from test_bench_kernels import FULL, ROUNDS, _median_seconds, _record

from riskoff.indicators import INDICATOR_SERIES, PANEL_START, compute
from riskoff.indicators.basket import basket_returns
from riskoff.panel import load_panel
from riskoff.store import Store


@pytest.fixture(scope="module")
def panel(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    store = Store(Path(tmp_path_factory.mktemp("bench-home")) / "riskoff.duckdb")
    return load_panel(INDICATOR_SERIES, start=PANEL_START, as_of="2026-08-21", store=store)


def _naive_day(x: np.ndarray, t: int) -> tuple[float, ...]:
    out = []
    for window in (20, 60):
        win = x[t - window + 1 : t + 1]
        ok = np.isfinite(win).all(axis=0) & (win.std(axis=0) > 0)
        c = np.corrcoef(win[:, ok].T)
        n = c.shape[0]
        out.append((c.sum() - n) / (n * (n - 1)) if n >= 3 else math.nan)
    hist = x[t - 250 : t]
    ok = np.isfinite(hist).all(axis=0) & np.isfinite(x[t])
    cov = np.cov(hist[:, ok].T)
    eigenvalues = np.linalg.eigh(cov)[0]
    k = math.ceil(ok.sum() / 5)
    out.append(eigenvalues[-k:].sum() / eigenvalues.sum())
    d = x[t, ok] - hist[:, ok].mean(axis=0)
    out.append(float(d @ np.linalg.inv(cov) @ d) / ok.sum())
    return tuple(out)


def _naive_table(returns: pd.DataFrame, days: range) -> list[tuple[float, ...]]:
    x = returns.to_numpy()
    rows = []
    for t in days:
        window = returns.iloc[t - 9 : t + 1].sum()
        sigma = returns.iloc[t - 259 : t - 9].std() * math.sqrt(10)
        rows.append((*_naive_day(x, t), float((window / sigma < -1).mean())))
    return rows


def test_bench_full_indicator_table(benchmark: Any, panel: pd.DataFrame) -> None:
    returns = basket_returns(panel)
    n_days = len(returns)
    days = range(n_days - (400 if FULL else 20), n_days)
    naive_s = _median_seconds(lambda: _naive_table(returns, days), 3 if FULL else 1)
    result = benchmark.pedantic(compute, args=(panel,), rounds=ROUNDS, iterations=1)
    assert result.table.shape[0] == n_days
    assert result.table["stress_index"].iloc[-1] >= 0
    scale = n_days / len(days)
    _record(
        benchmark,
        f"indicator table {n_days}d" if FULL else "indicator table (smoke)",
        naive_s * scale,
        f"per-day corrcoef/eigh/inv + pandas window z on {len(days)} days, scaled x{scale:.1f}",
    )
