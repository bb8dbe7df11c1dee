"""The macro backdrop in the diagnosis, the claims language and the brief."""

from __future__ import annotations

import riskoff
from riskoff.alerts import context_names, parse_expression
from riskoff.vocabulary import MacroVerdict


def test_diagnosis_carries_the_macro_verdict() -> None:
    d = riskoff.diagnose("2022-06-13")
    assert d.macro_verdict == MacroVerdict.STRONG
    assert d.macro is not None
    assert d.macro.readings["payrolls_3m_avg_k"].released == "2022-06-03"
    assert d.indicators["payrolls_3m_avg_k"] > 300
    # The 2022 rate shock came against strong data: said as evidence.
    assert any("against strong economic data" in e.claim for e in d.evidence)
    assert d.to_dict()["macro"]["verdict"] == "strong"


def test_october_2008_flags_a_recession_signal() -> None:
    d = riskoff.diagnose("2008-10-10")
    assert d.macro_verdict == MacroVerdict.RECESSION_SIGNAL


def test_claims_language_knows_the_new_names() -> None:
    names, percentile_names = context_names()
    for name in ("payrolls_3m_avg_k", "term_premium_10y_pct", "sahm_gap_pp", "macro_verdict"):
        assert name in names
    assert "term_premium_10y_pct" in percentile_names
    parse_expression("payrolls_3m_avg_k > 150 and term_premium_10y_pct > 0.5", names)


def _section(report: riskoff.Report, section_id: str) -> str:
    section = next(s for s in report.sections if s.id == section_id)
    return " ".join(b.text for b in section.blocks)


def test_june_2022_brief_reads_the_backdrop_and_the_long_end() -> None:
    june_2022 = riskoff.report("2022-06-13")
    economy = _section(june_2022, "economy")
    assert "strong data" in economy and "premise held" in economy
    assert "released 3 Jun 2022" in economy
    funding = _section(june_2022, "funding")
    assert "30-year Treasury yield" in funding and "term premium" in funding
    assert june_2022.conflicts == ()
    assert june_2022.facts.get("macro.payrolls_3m_avg_k@2022-06-13") is not None


def test_october_2008_brief() -> None:
    report = riskoff.report("2008-10-10")
    economy = _section(report, "economy")
    assert "recession signal" in economy and "did not hold" in economy
    assert "30-year Treasury yield" in _section(report, "funding")


def test_february_2026_brief_says_whether_the_strong_data_premise_held() -> None:
    report = riskoff.report("2026-02-05")
    economy = _section(report, "economy")
    assert "premise" in economy
    # January payrolls were not out on 5 Feb 2026: the brief reads December's.
    assert "Dec 2025 data, released 2 Jan 2026" in economy
    assert "latest vintages" in economy
