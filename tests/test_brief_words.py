"""The brief's words follow the facts: policy regimes, observation dates, one disclaimer."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from riskoff.diagnosis.diagnose import diagnose_from
from riskoff.pipeline import indicator_set
from riskoff.report.links import episode_url, series_url
from riskoff.report.phrases import phrase, regime_on, regimes
from riskoff.report.render import Report, render_html, render_text, report_from

DATES = ("2008-10-10", "2022-06-13", "2025-10-31", "2024-08-05")


@pytest.fixture(scope="module")
def briefs(seeded_home: Path) -> dict[str, Report]:
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        for date in DATES:
            result = indicator_set(date)
            day = result.table.index[-1]
            out[date] = report_from(result, diagnose_from(result, day), day)
    return out


def _text(report: Report) -> str:
    return " ".join(render_text(report).split())


def test_regimes_are_dated_without_gaps() -> None:
    table = regimes()
    assert table[0].start < dt.date(1990, 1, 1) and table[-1].end > dt.date(2030, 1, 1)
    assert regime_on(dt.date(2008, 10, 10)).kind == "emergency"  # type: ignore[union-attr]
    assert regime_on(dt.date(2022, 6, 13)).kind == "qt"  # type: ignore[union-attr]
    assert regime_on(dt.date(2026, 2, 5)).kind == "reserve_management"  # type: ignore[union-attr]


def test_no_policy_sentence_contradicts_the_regime(briefs: dict[str, Report]) -> None:
    lehman = _text(briefs["2008-10-10"])
    assert "no quantitative tightening" not in lehman.lower()
    assert "emergency lending after the Lehman failure" in lehman
    qt = _text(briefs["2022-06-13"])
    assert "paused" not in qt and "ended" not in qt.split("Fed balance sheet:")[1][:120]
    assert "the second quantitative tightening" in qt and "since 1 Jun 2022" in qt
    assert "2024" not in qt.split("Fed balance sheet:")[1][:200]  # nothing from after the day


def test_orderly_is_never_said_and_one_disclaimer(briefs: dict[str, Report]) -> None:
    for report in briefs.values():
        text = _text(report)
        assert "orderly" not in text.replace("not orderly", "")
        assert text.count("not investment advice") == 1
        assert render_html(report).count("not investment advice") == 1
        crisis = str(report.diagnosis.crash_type) in ("liquidity_crunch", "funding_squeeze")
        if not (report.diagnosis.dash_for_cash and crisis):
            assert "dash for cash" not in text  # not for a rates repricing (2022-06-13)


def test_a_violent_day_is_called_so(briefs: dict[str, Report]) -> None:
    text = _text(briefs["2024-08-05"])
    assert "The selling was not orderly" in text
    assert not re.search(r"fell -\d", text)  # "fell 12.4%", never "fell -12.4%"


def test_a_lagged_value_says_when_it_was_observed(briefs: dict[str, Report]) -> None:
    report = briefs["2025-10-31"]
    text = _text(report)
    sofr = report.facts.get("table.sofr_iorb_bp@2025-10-31")
    assert sofr is not None and sofr.observed == "2025-10-30"  # the 31 Oct fixing came later
    assert re.search(r"SOFR - IORB known was \+\d+ bp \(value of 30 Oct 2025\)", text)


def test_measures_in_plain_words(briefs: dict[str, Report]) -> None:
    text = _text(briefs["2008-10-10"])
    assert "higher than on" in text and "% of days" in text
    assert "(out of 1" not in text
    assert "Similarity runs from 0 to 1" in text
    assert phrase("measures", "confidence").startswith("The classifier's confidence")


def test_links() -> None:
    assert series_url("fred", "SOFR") == "https://fred.stlouisfed.org/series/SOFR"
    assert series_url("yahoo", "BTC-USD") == "https://finance.yahoo.com/quote/BTC-USD"
    assert episode_url("BIS report (2009), https://www.bis.org/publ/arpdf/ar2009e2.htm") == (
        "https://www.bis.org/publ/arpdf/ar2009e2.htm"
    )
    assert episode_url("no address") == ""


def test_every_type_and_state_has_its_sentence() -> None:
    from riskoff.vocabulary import CrashType, FundingState

    for t in CrashType:
        assert "{date}" in phrase("verdicts", str(t))
        assert phrase("notes", str(t))
    for state in FundingState:
        assert "{date}" in phrase("funding", str(state))


@pytest.mark.parametrize(
    ("percentile", "words"),
    [(0.40, "lower than on most days"), (0.69, "close to normal"), (0.70, "elevated"),
     (0.84, "elevated"), (0.85, "high"), (0.95, "very high"), (0.99, "extreme"),
     (None, "lower than on most days")],
)  # fmt: skip
def test_stress_words_step_up_at_the_severity_bounds(percentile: float | None, words: str) -> None:
    from riskoff.report.narrative import _stress_words

    assert _stress_words(percentile) == words


def test_a_moderate_episode_reads_elevated_not_normal(seeded_home: Path) -> None:
    # 5 February 2016 ranked above 81% of the history: the brief said "close to normal".
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        result = indicator_set("2016-02-05")
        day = result.table.index[-1]
        text = _text(report_from(result, diagnose_from(result, day), day))
    found = re.search(r"to 1, extreme\): (\w[\w ]*), higher than on (\d+)% of days", text)
    assert found
    assert found.group(1) == "elevated" and int(found.group(2)) >= 80, found.group(0)
    assert "close to normal" not in text
