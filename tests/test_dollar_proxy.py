"""The daily dollar proxy: fitted to the broad index point in time, and read on the day."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import riskoff
from riskoff.indicators.triggers import PROXY_MIN_DAYS, broad_dollar, dollar_proxy_returns


def _synthetic(n: int = 1500, seed: int = 3) -> tuple[pd.DataFrame, np.ndarray]:
    """A panel whose broad index is a known mix of the proxy's inputs plus noise."""
    rng = np.random.default_rng(seed)
    index = pd.bdate_range("2010-01-01", periods=n)
    rets = rng.normal(0.0, 0.006, size=(n, 5))
    # Quoted as dollars per unit for the four currencies (the dollar's return is minus theirs);
    # EEM is a price.
    weights = np.array([0.25, 0.05, 0.12, 0.08, -0.03])
    signs = np.array([-1.0, -1.0, -1.0, -1.0, 1.0])
    broad_ret = (rets * signs) @ weights + rng.normal(0.0, 0.0005, n)
    levels = np.exp(np.cumsum(rets, axis=0))
    panel = pd.DataFrame(levels, index=index, columns=["FXE", "FXY", "FXB", "AUDUSD", "EEM"])
    panel["DTWEXBGS"] = 100.0 * np.exp(np.cumsum(broad_ret))
    return panel, broad_ret


def test_fit_recovers_the_broad_index() -> None:
    panel, broad_ret = _synthetic()
    proxy = dollar_proxy_returns(panel)
    ok = proxy.notna().to_numpy()
    assert not ok[:PROXY_MIN_DAYS].any()  # no fit before enough history
    resid = broad_ret[ok] - proxy.to_numpy()[ok]
    assert np.std(resid) < 1.1 * 0.0005  # only the noise the inputs cannot explain is left
    slope = np.polyfit(proxy.to_numpy()[ok], broad_ret[ok], 1)[0]
    assert slope == pytest.approx(1.0, abs=0.02)


def test_fit_matches_a_naive_least_squares_per_day() -> None:
    import naive

    from riskoff.indicators.triggers import DOLLAR_PROXY, PROXY_FIT_DAYS

    panel, _ = _synthetic(n=900, seed=11)
    # Gaps: a currency missing on some days, the broad index on others.
    rng = np.random.default_rng(5)
    for col in ("FXY", "DTWEXBGS"):
        panel.loc[panel.index[rng.choice(len(panel), 40, replace=False)], col] = np.nan
    ours = dollar_proxy_returns(panel).to_numpy()
    x = np.column_stack(
        [
            (-1.0 if per_unit else 1.0) * np.log(panel[sid] / panel[sid].shift(1)).to_numpy()
            for sid, per_unit in DOLLAR_PROXY
        ]
    )
    y = np.log(panel["DTWEXBGS"] / panel["DTWEXBGS"].shift(1)).to_numpy()
    ref = naive.dollar_proxy(x, y, PROXY_FIT_DAYS, PROXY_MIN_DAYS)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    np.testing.assert_allclose(ours, ref, rtol=1e-7, atol=1e-12)


def test_a_currency_that_never_moves_gets_no_weight() -> None:
    panel, _ = _synthetic()
    reference = dollar_proxy_returns(panel.drop(columns="FXY"))
    panel["FXY"] = 1.0  # a peg: the least-squares fit is singular without it
    pegged = dollar_proxy_returns(panel)
    assert pegged.notna().sum() == reference.notna().sum() > 0
    np.testing.assert_allclose(pegged.dropna(), reference.dropna(), rtol=1e-6, atol=1e-12)


def test_proxy_is_point_in_time() -> None:
    panel, _ = _synthetic()
    full = dollar_proxy_returns(panel)
    cut = 1000
    # Garbage after the cut must not change a single value before it.
    damaged = panel.copy()
    damaged.iloc[cut:, :] = damaged.iloc[cut:, :].to_numpy()[::-1]
    again = dollar_proxy_returns(damaged)
    pd.testing.assert_series_equal(full.iloc[:cut], again.iloc[:cut])


def test_extension_follows_the_proxy_after_the_last_broad_value() -> None:
    panel, _ = _synthetic()
    unpublished = panel.copy()
    unpublished.iloc[-4:, unpublished.columns.get_loc("DTWEXBGS")] = np.nan
    unpublished["DTWEXBGS"] = unpublished["DTWEXBGS"].ffill()  # a point-in-time panel
    level, source = broad_dollar(unpublished)
    assert (source.iloc[-4:] == "DTWEXBGS+FX proxy").all()
    proxy = dollar_proxy_returns(unpublished)
    steps = np.log(level).diff().iloc[-4:]
    np.testing.assert_allclose(steps.to_numpy(), proxy.iloc[-4:].to_numpy(), rtol=1e-12)


def test_the_day_beyond_the_panels_carry_limit_is_still_the_broad_dollar() -> None:
    # The broad index's lag (six business days) is one longer than the panel's carry limit
    # (five): the last row of such a panel has no level at all, and read UUP's move instead.
    panel, _ = _synthetic()
    col = panel.columns.get_loc("DTWEXBGS")
    panel.iloc[-6:, col] = np.nan
    panel["DTWEXBGS"] = panel["DTWEXBGS"].ffill(limit=5)
    assert np.isnan(panel["DTWEXBGS"].iloc[-1])
    level, source = broad_dollar(panel)
    assert (source.iloc[-6:] == "DTWEXBGS+FX proxy").all()
    proxy = dollar_proxy_returns(panel)
    steps = np.log(level).diff().iloc[-6:]
    np.testing.assert_allclose(steps.to_numpy(), proxy.iloc[-6:].to_numpy(), rtol=1e-9)
    # Beyond the lag the index is not extended: a store without recent values is a gap, also
    # after the five rows the panel carries.
    panel.iloc[-12:, col] = np.nan
    panel["DTWEXBGS"] = panel["DTWEXBGS"].ffill(limit=5)
    level, source = broad_dollar(panel)
    assert source.iloc[-12:-6].eq("DTWEXBGS+FX proxy").all()  # the lag, six rows
    assert level.iloc[-6:].isna().all() and source.iloc[-6:].isna().all()


@pytest.mark.parametrize("day", ["2014-06-02", "2021-01-27", "2025-01-27"])
def test_labelled_days_read_the_broad_dollar_on_the_day(day: str) -> None:
    from riskoff.pipeline import indicator_set

    assert indicator_set(day).table["dollar_source"].iloc[-1] == "DTWEXBGS+FX proxy"


def test_dash_for_cash_read_on_the_day_2020_03_12() -> None:
    # The broad index was published only to the week before; the proxy carries it to the day,
    # and the day's dollar surge counts at half weight.
    d = riskoff.diagnose("2020-03-12")
    assert d.dollar is not None and d.dollar.series == "DTWEXBGS+FX proxy"
    assert d.dollar.day_pct > 0.5 and d.dollar.day_z > 2.0
    assert d.dollar.bid
    assert d.crash_type == "liquidity_crunch"


def test_rest_of_the_market_leaves_out_every_epicenter() -> None:
    from riskoff.diagnosis.features import EPICENTER_CLASSES, day_features
    from riskoff.indicators.basket import RISK_CLASSES
    from riskoff.pipeline import indicator_set

    day = pd.Timestamp("2026-02-05")
    result = indicator_set("2026-02-05")
    row = day_features(result, tail=250).loc[day]
    d = riskoff.diagnose("2026-02-05")
    named = {c for e in d.epicenters for c in EPICENTER_CLASSES[e.epicenter]}
    assert {"crypto", "gold", "silver"} <= named
    z = result.move_z.loc[day]
    rest = [c for c in RISK_CLASSES if c in z.index and c not in named and np.isfinite(z[c])]
    assert row["breadth_outside"] == pytest.approx(float(np.mean([z[c] < -1.0 for c in rest])))
    assert row["others_median_z"] == pytest.approx(float(np.median([z[c] for c in rest])))
