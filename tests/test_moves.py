"""Window moves: exact windows ending at each series' latest observation, simple returns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from riskoff.indicators.basket import basket_returns
from riskoff.indicators.crossasset import carried_tail, window_moves, window_span


def _panel(lag: int) -> pd.DataFrame:
    index = pd.bdate_range("2020-01-01", periods=400)
    rng = np.random.default_rng(3)
    a = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, len(index))))
    b = 50 * np.exp(np.cumsum(rng.normal(0, 0.02, len(index))))
    if lag:
        b[-lag:] = b[-lag - 1]  # published late: the last value carried forward
    return pd.DataFrame({"SPY": a, "GLD": b}, index=index)


def test_simple_return_between_the_two_closes() -> None:
    panel = _panel(0)
    returns = basket_returns(panel)[["us_equities", "gold"]]
    pct, _ = window_moves(returns, 10)
    expected = (panel["SPY"].iloc[-1] / panel["SPY"].iloc[-11] - 1) * 100
    assert abs(pct["us_equities"].iloc[-1] - expected) < 1e-9
    start, end = window_span(returns, 10, panel.index[-1])["us_equities"]
    assert (start, end) == (panel.index[-11], panel.index[-1])


def test_lagged_series_keeps_a_full_window() -> None:
    panel = _panel(1)
    returns = basket_returns(panel)[["us_equities", "gold"]]
    assert carried_tail(returns).to_dict() == {"us_equities": 0, "gold": 1}
    pct, z = window_moves(returns, 10)
    # The gold window ends at its last observation (row -2) and starts 10 rows before it.
    expected = (panel["GLD"].iloc[-2] / panel["GLD"].iloc[-12] - 1) * 100
    assert abs(pct["gold"].iloc[-1] - expected) < 1e-9
    assert z["gold"].iloc[-1] == z["gold"].iloc[-2]
    start, end = window_span(returns, 10, panel.index[-1])["gold"]
    assert (start, end) == (panel.index[-12], panel.index[-2])
