"""Any calendar date, any window, any series: each public function answers or refuses in one line.

Dates are drawn from 1987 to today with weekends, market holidays, month and quarter ends and
dates outside the data mixed in. An answer must describe a trading day on or before the date;
a refusal must be one :class:`RiskoffError` line (exit code 2 on the command line). Anything
else (a traceback) fails.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import riskoff
from riskoff.catalog import load_catalog
from riskoff.cli import app
from riskoff.errors import RiskoffError

FIRST, TODAY = date(1987, 1, 1), date.today()
HOLIDAYS = [
    date(y, m, d)
    for y in (1990, 2001, 2008, 2019, 2020, 2024, 2025)
    for m, d in ((1, 1), (7, 4), (12, 25))
] + [date(2001, 9, 11), date(2001, 9, 12), date(2012, 10, 29), date(2025, 1, 9)]
PERIOD_ENDS = [
    (pd.Timestamp(y, m, 1) + pd.offsets.MonthEnd(0)).date()
    for y in (1987, 1999, 2008, 2020, 2026)
    for m in (3, 6, 8, 9, 12)
]
OUTSIDE = [date(1900, 1, 1), date(1986, 12, 31), TODAY + timedelta(days=1), date(2199, 12, 31)]

any_day = st.dates(FIRST, TODAY)
weekend = any_day.map(lambda d: d + timedelta(days=(5 - d.weekday()) % 7))
days = st.one_of(
    any_day,
    weekend.filter(lambda d: d <= TODAY),
    st.sampled_from(HOLIDAYS),
    st.sampled_from(PERIOD_ENDS),
    st.sampled_from(OUTSIDE),
)
windows = st.integers(2, 250)
SERIES = sorted(load_catalog())
SLOW = settings(
    max_examples=6, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
FAST = settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _answer_or_refusal(call: Callable[[], Any]) -> Any:
    """Return the call's result, or None after a one-line RiskoffError."""
    try:
        return call()
    except RiskoffError as exc:
        text = str(exc)
        assert text and "\n" not in text, text
        return None


def _described(day: date, described: pd.Timestamp) -> None:
    assert described.date() <= day and described.weekday() < 5
    assert (day - described.date()).days <= 10  # the last trading day, not some older one


@FAST
@given(day=days, series=st.lists(st.sampled_from(SERIES), min_size=1, max_size=6, unique=True))
def test_load_panel(day: date, series: list[str]) -> None:
    panel = _answer_or_refusal(lambda: riskoff.load_panel(series, start="1986-01-01", as_of=day))
    if panel is not None:
        assert list(panel.columns) == series
        if len(panel):
            assert panel.index[-1].date() <= day and panel.index[-1].weekday() < 5


@SLOW
@given(day=days, window=windows)
def test_indicators(day: date, window: int) -> None:
    table = _answer_or_refusal(lambda: riskoff.indicators(end=day, window=window))
    if table is not None:
        _described(day, table.index[-1])


@SLOW
@given(day=days, window=windows)
def test_diagnose(day: date, window: int) -> None:
    result = _answer_or_refusal(lambda: riskoff.diagnose(day, window=window))
    if result is not None:
        _described(day, pd.Timestamp(result.date))
        assert result.window == window


@settings(max_examples=3, deadline=None)
@given(day=days)
def test_report_text(day: date) -> None:
    from riskoff.report.render import render_text

    report = _answer_or_refusal(lambda: riskoff.report(day))
    if report is not None:
        _described(day, pd.Timestamp(report.date))
        assert report.title in render_text(report)


@SLOW
@given(day=days, k=st.integers(1, 30))
def test_analogs(day: date, k: int) -> None:
    found = _answer_or_refusal(lambda: riskoff.analogs(day, k=k))
    if found is not None:
        assert len(found["episodes"]) <= k


@FAST
@given(day=days, series=st.sampled_from(SERIES))
def test_series_show(day: date, series: str) -> None:
    res = CliRunner().invoke(app, ["series", "show", series, "--as-of", day.isoformat()])
    if res.exception is not None and not isinstance(res.exception, SystemExit):
        assert isinstance(res.exception, RiskoffError), res.exception
        assert "\n" not in str(res.exception)
    else:
        assert res.exit_code in (0, 2), res.output


@pytest.mark.parametrize("text", ["today", "01/09/2026", "0001-01-01", "1500-06-01", "2026-02-30"])
def test_nonsense_dates_are_refused_in_one_line(text: str) -> None:
    for call in (
        lambda: riskoff.diagnose(text),
        lambda: riskoff.load_panel(["SPY"], as_of=text),
        lambda: riskoff.indicators(start=text),
        lambda: riskoff.analogs(text),
    ):
        with pytest.raises(RiskoffError) as caught:
            call()
        message = str(caught.value)
        assert "\n" not in message
        assert "YYYY-MM-DD" in message or "1900-2199" in message, message
