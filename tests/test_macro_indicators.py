"""Macro backdrop measures: known readings from the public record, point in time."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskoff.errors import CatalogError
from riskoff.indicators import INDICATOR_SERIES, compute
from riskoff.indicators import macro as m
from riskoff.panel import load_panel
from riskoff.store import Store
from riskoff.vocabulary import MacroVerdict

SERIES = [*m.MACRO_SERIES, "DTWEXBGS", "GOLD_LBMA_PM", "GLD"]


def _panel(store: Store, day: str) -> pd.DataFrame:
    return load_panel(SERIES, start="1985-01-01", as_of=day, store=store)


def test_rules_load_and_cover_every_measure() -> None:
    rules = m.load_rules()
    assert set(rules) == set(m.MEASURES)
    assert rules["sahm_gap_pp"].state(0.5) == "contracting"
    assert rules["sahm_gap_pp"].state(0.0) == "strong"
    assert rules["payrolls_3m_avg_k"].state(200.0) == "strong"
    assert rules["payrolls_3m_avg_k"].state(-10.0) == "contracting"
    assert rules["payrolls_3m_avg_k"].state(math.nan) == ""
    assert set(m.fiscal_thresholds()) == {
        "term_premium_bp",
        "long_yield_bp",
        "dollar_fall_pct",
        "gold_rise_pct",
    }


def test_cut_offs_out_of_order_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    text = m._rule_text().replace("strong = 150.0", "strong = -150.0", 1)
    monkeypatch.setattr(m, "_rule_text", lambda: text)
    m.load_rules.cache_clear()
    try:
        with pytest.raises(CatalogError, match="out of order"):
            m.load_rules()
    finally:
        monkeypatch.undo()
        m.load_rules.cache_clear()


def test_sahm_gap_reaches_half_a_point_in_spring_2020(store: Store) -> None:
    frame = m.macro_frame(_panel(store, "2020-07-31"))
    spring = frame.loc["2020-03-01":"2020-06-30", "sahm_gap_pp"]
    assert spring.max() >= 0.5
    # Before the April report (out 2020-05-08) the gap was still small.
    assert frame.loc["2020-03-02", "sahm_gap_pp"] < 0.5


def test_sahm_gap_reaches_half_a_point_in_summer_2024_on_the_release_day(store: Store) -> None:
    # July 2024 unemployment came out on Friday 2024-08-02 (latest vintage: 4.2%).
    before = m.macro_readings(_panel(store, "2024-08-01"))["sahm_gap_pp"]
    on = m.macro_readings(_panel(store, "2024-08-02"))["sahm_gap_pp"]
    assert before.observed == "2024-06-01" and before.value < 0.5
    assert on.observed == "2024-07-01" and on.released == "2024-08-02"
    assert on.value >= 0.5
    assert on.state == "contracting"


def test_cpi_year_on_year_near_nine_percent_in_june_2022(store: Store) -> None:
    reading = m.macro_readings(_panel(store, "2022-07-15"))["cpi_yoy_pct"]
    assert reading.observed == "2022-06-01"
    assert reading.value == pytest.approx(9.0, abs=0.1)
    assert reading.percentile > 95


def test_payrolls_and_claims_in_october_2008(store: Store) -> None:
    panel = _panel(store, "2008-10-10")
    readings = m.macro_readings(panel)
    assert readings["payrolls_3m_avg_k"].observed == "2008-09-01"
    assert readings["payrolls_3m_avg_k"].value < -100
    assert readings["claims_vs_52w_low_pct"].value > 30
    assert readings["claims_vs_52w_low_pct"].released == "2008-10-09"
    verdict, evidence = m.macro_verdict(readings)
    assert verdict == MacroVerdict.RECESSION_SIGNAL
    assert any("PAYEMS" in line for line in evidence)


def test_june_2022_data_were_strong(store: Store) -> None:
    backdrop = m.macro_backdrop(_panel(store, "2022-06-13"))
    assert backdrop.verdict == MacroVerdict.STRONG
    assert backdrop.readings["payrolls_3m_avg_k"].value > 300


def test_long_end_measures(store: Store) -> None:
    panel = _panel(store, "2022-06-13")
    readings = m.macro_readings(panel)
    curve = readings["curve_2s30s_bp"].value
    expected = 100 * (panel["DGS30"].iloc[-1] - panel["DGS2"].iloc[-1])
    assert curve == pytest.approx(expected)
    tp = readings["term_premium_10y_pct"]
    # ACM is published with a lag: the value on the day was observed a week earlier.
    assert tp.observed < "2022-06-13" <= tp.released
    assert np.isfinite(readings["term_premium_3m_change_bp"].value)


def test_a_month_not_yet_released_is_not_read(store: Store) -> None:
    # On 2024-02-01 January payrolls were not out: the reading is December's.
    reading = m.macro_readings(_panel(store, "2024-02-01"))["payrolls_3m_avg_k"]
    assert reading.observed == "2023-12-01"
    assert reading.released == "2024-01-05"


def test_fiscal_worry_pattern() -> None:
    index = pd.bdate_range("2024-01-01", periods=30)
    ramp = np.linspace(0.0, 1.0, 30)
    frame = pd.DataFrame(
        {"term_premium_10y_pct": 0.2 + 0.3 * ramp, "ust30y_pct": 4.0 + 0.4 * ramp}, index=index
    )
    panel = pd.DataFrame({"DTWEXBGS": 120 - 5 * ramp, "GLD": 200 + 10 * ramp}, index=index)
    present, line = m.fiscal_worry(frame, panel, 10)
    assert present and "term premium rose" in line and "[DTWEXBGS]" in line
    calm, none = m.fiscal_worry(frame, panel.assign(GLD=200 - 10 * ramp), 10)
    assert not calm and none == ""


def test_compute_carries_the_macro_frame(store: Store) -> None:
    assert set(m.MACRO_SERIES) <= set(INDICATOR_SERIES)
    panel = load_panel(INDICATOR_SERIES, start="2018-01-01", as_of="2022-06-13", store=store)
    result = compute(panel)
    assert list(result.macro.columns) == list(m.MEASURES)
    assert set(m.MEASURES) <= set(result.table.columns)
    assert result.table["cpi_yoy_pct"].iloc[-1] == pytest.approx(
        result.macro["cpi_yoy_pct"].iloc[-1]
    )
