"""Indicators on real data: spot checks, units, point-in-time, and slow references."""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from riskoff.datasets import load_history
from riskoff.indicators import INDICATOR_SERIES, compute
from riskoff.indicators.crossasset import breadth, safe_haven_failure, window_moves
from riskoff.indicators.funding import calendar_days
from riskoff.indicators.triggers import expanding_zscore, years_since_level
from riskoff.panel import load_panel
from riskoff.pipeline import indicator_set
from riskoff.store import Store


@pytest.fixture(scope="module")
def latest() -> pd.DataFrame:
    return indicator_set("2026-08-21").table


def test_sofr_iorb_spot_checks(latest: pd.DataFrame) -> None:
    # SOFR 4.22% vs IORB 3.90% on the 2025-10-31 month-end; SOFR 5.25% vs IOER 2.10% in the
    # September 2019 repo spike.
    assert latest.loc["2025-10-31", "sofr_iorb_bp"] == pytest.approx(32.0)
    assert latest.loc["2019-09-17", "sofr_iorb_bp"] == pytest.approx(315.0)
    assert latest.loc["2019-09-17", "funding_state"] == "stressed"
    assert latest.loc["2021-12-15", "funding_state"] == "abundant"


def test_net_liquidity_by_hand() -> None:
    raw = load_history(["WALCL", "WTREGEN", "RRPONTSYD"]).pivot(
        index="date", columns="series_id", values="value"
    )
    wed = pd.Timestamp("2024-06-12")
    # H.4.1 in USD millions, ON RRP in USD billions; the panel sees Wednesday's H.4.1 data
    # from Thursday on.
    expected = raw.loc[wed, "WALCL"] / 1000 - raw.loc[wed, "WTREGEN"] / 1000
    table = indicator_set("2024-06-14").table
    rrp = raw["RRPONTSYD"].loc[:wed].dropna().iloc[-1]
    assert table.loc[wed, "net_liquidity_usd_bn"] == pytest.approx(expected - rrp)
    assert 5000 < table.loc[wed, "net_liquidity_usd_bn"] < 7000


def test_calendar_days() -> None:
    index = pd.bdate_range("2025-09-01", "2025-11-05")
    cal = calendar_days(index)
    for day in (
        "2025-09-01",
        "2025-09-15",
        "2025-09-30",
        "2025-10-01",
        "2025-10-15",
        "2025-10-31",
        "2025-11-03",
    ):
        assert cal.loc[day], day
    for day in ("2025-09-17", "2025-10-08", "2025-10-29"):
        assert not cal.loc[day], day
    # The 15th on a Saturday moves to Monday the 17th.
    nov = calendar_days(pd.bdate_range("2025-11-01", "2025-11-30"))
    assert nov.loc["2025-11-17"] and not nov.loc["2025-11-14"]
    # The last row of a point-in-time panel is not a month-end because the data stop there.
    cut = calendar_days(pd.bdate_range("2026-01-20", "2026-02-05"))
    assert not cut.loc["2026-02-05"] and not cut.loc["2026-01-20"]


def test_expanding_zscore_matches_loop() -> None:
    rng = np.random.default_rng(42)
    x = pd.Series(rng.normal(size=700))
    x[100:120] = np.nan
    got = expanding_zscore(x, min_periods=50)
    for t in (60, 150, 400, 699):
        past = x.iloc[:t].dropna()
        want = (x.iloc[t] - past.mean()) / past.std(ddof=1)
        assert got.iloc[t] == pytest.approx(want)
    assert math.isnan(got.iloc[10]) and math.isnan(got.iloc[110])


def test_years_since_level_matches_loop() -> None:
    rng = np.random.default_rng(7)
    idx = pd.bdate_range("2000-01-03", periods=400)
    level = pd.Series(100 + rng.normal(size=400).cumsum(), index=idx)
    got = years_since_level(level, lower=True)
    for t in (0, 50, 250, 399):
        earlier_lower = level.iloc[:t][level.iloc[:t] < level.iloc[t]]
        start = earlier_lower.index[-1] if len(earlier_lower) else idx[0]
        assert got.iloc[t] == pytest.approx((idx[t] - start).days / 365.25)


def test_breadth_and_safe_haven_by_hand() -> None:
    z = pd.DataFrame(
        {
            "us_equities": [-3.0, 0.5],
            "gold": [-2.0, 1.0],
            "long_treasuries": [-1.0, 2.0],
            "yen": [0.0, 0.0],
            "dollar": [2.0, -2.0],
            "crypto": [-1.5, 0.0],
        }
    )
    # Day 0: equities, gold, crypto below -1 of 5 classes (dollar excluded).
    assert breadth(z).iloc[0] == pytest.approx(3 / 5)
    assert safe_haven_failure(z).iloc[0] == pytest.approx(1.0)  # -(mean -2, -1, 0)
    assert safe_haven_failure(z).iloc[1] == 0.0  # equities not selling off


def test_window_moves_use_sigma_from_before_the_window() -> None:
    rng = np.random.default_rng(1)
    r = pd.DataFrame({"a": rng.normal(0, 0.01, 600)})
    r.iloc[590:600, 0] = -0.05  # a crash in the last ten days
    pct, z = window_moves(r, 10)
    sigma = r["a"].iloc[340:590].std()
    assert z.iloc[-1, 0] == pytest.approx(-0.5 / (sigma * math.sqrt(10)))
    assert pct.iloc[-1, 0] == pytest.approx((math.exp(-0.5) - 1) * 100)


def test_window_moves_and_breadth_match_references_on_real_data() -> None:
    import naive

    from riskoff.indicators.crossasset import VOL_LOOKBACK

    result = indicator_set("2020-06-30")
    returns = result.returns.loc["2018-01-01":]
    _, z = window_moves(returns, 10)
    want = naive.window_z(returns.to_numpy(), 10, VOL_LOOKBACK)
    got = z.to_numpy()
    rows = slice(VOL_LOOKBACK + 20, None)  # the reference sees no history before 2018
    np.testing.assert_allclose(got[rows], want[rows], rtol=1e-9, atol=1e-12, equal_nan=True)
    dollar = list(returns.columns).index("dollar")
    np.testing.assert_allclose(
        breadth(z).to_numpy()[rows], naive.breadth(got, dollar)[rows], equal_nan=True
    )


def test_trigger_zscores_match_reference_on_real_data(latest: pd.DataFrame) -> None:
    import naive

    move = latest["oil_move_pct"].loc["2005-01-01":"2009-12-31"].to_numpy()
    got = expanding_zscore(pd.Series(move), min_periods=200).to_numpy()
    np.testing.assert_allclose(got, naive.expanding_zscore(move, 200), rtol=1e-9, equal_nan=True)


def test_indicators_point_in_time(private_store: Store) -> None:
    day = "2020-03-16"
    before = compute(
        load_panel(INDICATOR_SERIES, start="1985-01-01", as_of=day, store=private_store)
    ).table
    later = pd.DataFrame({"date": pd.bdate_range("2020-03-17", periods=5), "value": 1.0})
    for sid in ("SPY", "GLD", "SOFR", "BAMLH0A0HYM2"):
        private_store.write(sid, later, source="test", seen_at=datetime(2026, 11, 1))
    revision = pd.DataFrame({"date": [pd.Timestamp("2020-03-13")], "value": [1.0]})
    private_store.write("SPY", revision, source="test", seen_at=datetime(2026, 11, 1))
    after = compute(
        load_panel(INDICATOR_SERIES, start="1985-01-01", as_of=day, store=private_store)
    ).table
    pd.testing.assert_frame_equal(before, after)


def test_rows_use_no_later_data(latest: pd.DataFrame) -> None:
    # Cutting the panel at an earlier day must not change that day's indicators, except for
    # values published after it (lagged series), which the cut panel cannot know.
    cut = indicator_set("2022-06-13").table.loc["2022-06-13"]
    full = latest.loc["2022-06-13"]
    for col in (
        "avg_corr_60d",
        "absorption_ratio",
        "turbulence",
        "breadth",
        "safe_haven_failure",
        "vix_move_z",
    ):
        assert cut[col] == pytest.approx(full[col], nan_ok=True), col
    # SOFR is published the next morning: on the day itself the panel carries the day before.
    assert cut["sofr_iorb_bp"] != full["sofr_iorb_bp"]


def test_stress_index_in_unit_interval_and_decomposes(latest: pd.DataFrame) -> None:
    from riskoff import stress_decomposition

    s = latest["stress_index"].dropna()
    assert ((s >= 0) & (s <= 1)).all()
    assert s.loc["2008-10-10"] > 0.5 > s.loc["2017-06-15"]
    parts = stress_decomposition("2020-03-16", as_of="2020-03-16")
    assert parts.iloc[1:].sum() == pytest.approx(parts["stress_index"])
    assert parts["stress_index"] > 0.5


def _percentile_mean(table: pd.DataFrame, start: str, end: str) -> float:
    from riskoff.diagnosis.features import expanding_percentile

    return float(expanding_percentile(table["stress_index"]).loc[start:end].mean())


def test_composite_ranks_moderate_episodes_above_calm_stretches(latest: pd.DataFrame) -> None:
    # The percentile the brief prints (expanding, 1986 on). February 2016 (oil, high yield,
    # China) and December 2018 (the Q4 sell-off) rank in the top fifth of the history: the
    # composite reads about 0.82 and 0.84 on those fortnights (0.80 and 0.82 before the banks
    # segment, 0.77 and 0.80 before the rates sub-index read the 10-year's 20-day move and a
    # calm market stopped cancelling stress).
    assert _percentile_mean(latest, "2016-02-01", "2016-02-12") > 0.81
    assert _percentile_mean(latest, "2018-12-17", "2018-12-28") > 0.83
    # Calm stretches stay in the lower half.
    assert _percentile_mean(latest, "2017-06-01", "2017-08-31") < 0.5
    assert _percentile_mean(latest, "2014-05-01", "2014-07-31") < 0.5
    assert _percentile_mean(latest, "2006-01-02", "2006-04-28") < 0.5


def test_banks_segment_reads_bank_stress(latest: pd.DataFrame) -> None:
    # The CISS's financial-intermediaries segment, from financials' drawdown and volatility:
    # near its maximum through Lehman, high in the March 2023 bank run, low in calm 2017.
    banks = latest["stress_banks"]
    assert banks.loc["2008-09-15":"2008-10-31"].mean() > 0.95
    assert banks.loc["2023-03-10":"2023-03-24"].mean() > 0.75
    assert banks.loc["2017-01-01":"2017-12-31"].mean() < 0.35
    # Without financials in the panel the segment is missing, not zero.
    from riskoff.indicators.composite import stress_measures

    panel = pd.DataFrame({"SPY": [100.0, 99.0]}, index=pd.bdate_range("2020-01-01", periods=2))
    returns = pd.DataFrame(0.0, index=panel.index, columns=["us_equities", "banks", "dollar",
                           "yen", "oil", "gold", "crypto"])  # fmt: skip
    funding = pd.DataFrame(
        {"funding_level_vs_baseline_bp": np.nan, "funding_spike_bp": np.nan}, index=panel.index
    )
    assert stress_measures(panel, returns, funding)["banks"]["drawdown"].isna().all()


def test_credit_and_vix_rise_from_their_one_year_low() -> None:
    from riskoff.indicators.composite import _rise_from_low

    # Before 20 values nothing is given; after, the level minus the trailing minimum.
    assert _rise_from_low(pd.Series([3.0] * 19)).isna().all()
    full = _rise_from_low(pd.Series([3.0] * 20 + [5.5, 4.0]), window=250)
    assert full.iloc[20] == pytest.approx(2.5)
    assert full.iloc[21] == pytest.approx(1.0)


@pytest.mark.parametrize(
    ("day", "state"),
    [("2019-09-17", "stressed"), ("2021-11-15", "abundant"), ("2025-10-31", "stressed"),
     ("2026-02-05", "easing")],
)  # fmt: skip
def test_funding_state_point_in_time(day: str, state: str) -> None:
    from riskoff.pipeline import indicator_set as pit

    row = pit(day).table.iloc[-1]
    assert row["funding_state"] == state
    if state == "easing":
        assert row["funding_direction"] == "easing"


def test_calendar_spike_counts_only_beyond_the_usual_calendar_pressure() -> None:
    from riskoff.pipeline import indicator_set as pit

    # Once the 31 December 2018 fixing is known (SOFR 60 bp over IOER, a year-end against
    # quarter-ends of about +5 to +17 bp that year), it is a spike of the funding squeeze's size.
    table = pit("2019-01-04").table
    assert table.loc["2018-12-31", "calendar_day"] == 1.0
    assert table.loc["2018-12-31", "funding_spike_bp"] >= 40.0
    assert table.loc["2018-12-31", "funding_spike_over_rate_bp"] == pytest.approx(60.0)
    # Ordinary month-ends of 2019's first half are not (nor are the days around them).
    table = pit("2019-06-07").table
    for day in ("2019-02-28", "2019-03-29", "2019-04-30", "2019-05-31"):
        assert table.loc[day, "funding_spike_bp"] < 10.0, day


def test_funding_subindex_judges_the_baseline_not_the_level(latest: pd.DataFrame) -> None:
    # 0 bp over IORB in February 2026 followed a decade at -5..-15 bp and a late-2025 peak:
    # against its own baseline it is not "most stressed".
    assert latest.loc["2026-02-05", "funding_spread_bp"] == pytest.approx(0.0, abs=1.0)
    assert latest.loc["2026-02-05", "stress_funding"] < 0.7
    assert latest.loc["2019-09-17", "stress_funding"] > 0.9


def test_dollar_sign_follows_the_broad_index_not_uup() -> None:
    from riskoff.pipeline import indicator_set as pit

    result = pit("2020-03-12")
    row = result.table.iloc[-1]
    uup = result.panel["UUP"]
    uup_move = (uup.iloc[-1] / uup.iloc[-11] - 1.0) * 100.0
    assert uup_move < 0 < row["dollar_move_pct"]
    assert row["dollar_source"].startswith("DTWEXBGS")


def test_window_of_a_lagged_series_ends_at_its_last_observation() -> None:
    from riskoff.indicators.triggers import observed_dates, observed_move

    index = pd.bdate_range("2026-01-01", periods=15)
    level = pd.Series(np.arange(100.0, 115.0), index=index)
    level.iloc[-1] = level.iloc[-2]  # the last day carries the previous observation forward
    move = observed_move(level, 10)
    expected = math.log(level.iloc[-2] / level.iloc[-12]) * 100.0  # 10 observations
    assert move.iloc[-1] == pytest.approx(expected)
    assert observed_dates(level).iloc[-1] == index[-2]
