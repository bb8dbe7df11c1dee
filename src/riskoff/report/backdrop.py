"""The brief's macro backdrop: "Is the economy strong?" and the long end of the curve.

Every number is a fact of the brief's fact table (keys ``macro.<measure>@<day>``), read from
the diagnosis's macro backdrop (:mod:`riskoff.indicators.macro`), with the period it describes
and the day it was released.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from riskoff.report.facts import Fact as TableFact
from riskoff.report.narrative import Block, Fact, S, Section, Sentence

if TYPE_CHECKING:
    from riskoff.indicators.macro import MacroBackdrop, MacroReading
    from riskoff.report.narrative import FactBook, ReportInputs

__all__ = ["economy_section", "long_end_sentences"]

# How each measure is written: the brief's unit, and whether it is an activity measure.
UNITS = {
    "payrolls_3m_avg_k": "k a month",
    "sahm_gap_pp": "pp",
    "unemployment_rate_pct": "level",
    "claims_vs_52w_low_pct": "%",
    "indpro_yoy_pct": "%",
    "real_retail_sales_yoy_pct": "%",
    "consumer_sentiment": "level",
    "core_pce_3m_ann_pct": "%",
    "core_pce_yoy_pct": "%",
    "cpi_yoy_pct": "%",
    "term_premium_10y_pct": "% level",
    "term_premium_3m_change_bp": "bp",
    "ust30y_pct": "% level",
    "curve_2s30s_bp": "bp",
}
ACTIVITY = (
    "payrolls_3m_avg_k",
    "sahm_gap_pp",
    "claims_vs_52w_low_pct",
    "indpro_yoy_pct",
    "real_retail_sales_yoy_pct",
    "consumer_sentiment",
)
PRICES = ("cpi_yoy_pct", "core_pce_yoy_pct", "core_pce_3m_ann_pct")
VERDICT_WORDS = {
    "strong": "strong",
    "mixed": "mixed",
    "weakening": "weakening",
    "recession_signal": "flashing a recession signal",
    "unknown": "not known",
}


def _backdrop(inputs: ReportInputs) -> MacroBackdrop | None:
    return getattr(inputs.diagnosis, "macro", None)


def _fact(book: FactBook, r: MacroReading, unit: str | None = None) -> Fact:
    value = r.value if math.isfinite(r.value) else None
    return book.fact(
        TableFact(
            f"macro.{r.name}@{book.iso}",
            value,
            unit or UNITS[r.name],
            observed=r.observed,
            series=r.series,
            label=r.label,
        )
    )


def _percentile(book: FactBook, r: MacroReading) -> Fact:
    share = r.percentile / 100.0 if math.isfinite(r.percentile) else None
    return book.fact(
        TableFact(
            f"macro_percentile.{r.name}@{book.iso}",
            share,
            "percentile",
            observed=r.observed,
            series=r.series,
        )
    )


def book_month(iso: str) -> str:
    """``Jan 2026`` for the first day of a month."""
    from riskoff.report.narrative import MONTHS

    return f"{MONTHS[int(iso[5:7]) - 1]} {iso[:4]}"


def _line(book: FactBook, r: MacroReading) -> Sentence:
    words = {"label": r.label, "state": r.state, "series": r.series}
    if not math.isfinite(r.value) or not r.observed:
        return S("{label}: not known on the day [{series}].", words)
    facts = {
        "value": _fact(book, r),
        "pct": _percentile(book, r),
        "released": book.date(r.released),
    }
    if r.series == "ICSA":
        return S(
            "{label}: {value} (week to {week}, released {released}; {pct} of its history): "
            "{state} [{series}].",
            words,
            week=book.date(r.observed),
            **facts,
        )
    words["period"] = f"{book_month(r.observed)} data"
    return S(
        "{label}: {value} ({period}, released {released}; {pct} of its history): {state} "
        "[{series}].",
        words,
        **facts,
    )


def _contrast(book: FactBook, inputs: ReportInputs, backdrop: MacroBackdrop) -> Sentence:
    d = inputs.diagnosis
    words = VERDICT_WORDS.get(str(backdrop.verdict), str(backdrop.verdict))
    equities = next((m for m in d.returns if m.asset_class == "us_equities"), None)
    facts: dict[str, Fact] = {}
    if equities is not None:
        facts["eq"] = book.d("returns.us_equities.move_pct", "%")
    move = "US equities moved {eq} over the window" if equities is not None else "markets moved"
    sold = str(d.crash_type) != "calm"
    verdict = str(backdrop.verdict)
    if not sold:
        text = f"Markets were calm ({move}); the data were {{words}}."
    elif verdict == "strong":
        text = (
            f"A sell-off against strong data ({move}): the 'strong data' premise held, so "
            "the selling is not a growth scare in the numbers."
        )
    elif verdict in ("weakening", "recession_signal"):
        text = (
            f"The 'strong data' premise did not hold: the data were {{words}} while {move}, "
            "so a growth scare fits the numbers."
        )
    else:
        text = f"The 'strong data' premise held only in part: the data were {{words}} while {move}."
    return S(text, {"words": words}, **facts)


def economy_section(book: FactBook, inputs: ReportInputs) -> Section | None:
    """Section "Is the economy strong?": the verdict, each measure with dates, the contrast.

    Returns None when the diagnosis carries no macro backdrop.
    """
    backdrop = _backdrop(inputs)
    if backdrop is None:
        return None
    readings = backdrop.readings
    words = VERDICT_WORDS.get(str(backdrop.verdict), str(backdrop.verdict))
    lead = [
        S(
            "What the official US data said on {date}: {words}.",
            {"words": words},
            date=book.date(),
        ),
        _contrast(book, inputs, backdrop),
    ]
    activity = tuple(_line(book, readings[n]) for n in ACTIVITY if n in readings)
    prices = tuple(_line(book, readings[n]) for n in PRICES if n in readings)
    blocks = [Block("lead", tuple(lead)), Block("list", activity)]
    if prices:
        blocks.append(Block("paragraph", (S("Prices:"),)))
        blocks.append(Block("list", prices))
    if backdrop.latest_vintage:
        blocks.append(
            Block(
                "warning",
                (
                    S(
                        "These monthly figures are latest vintages (revised since), dated by "
                        "their usual release calendar, not the first releases seen on the day."
                    ),
                ),
            )
        )
    return Section("economy", "Is the economy strong?", tuple(blocks))


def long_end_sentences(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """The long end for the funding section: 30-year yield, 2s30s, term premium, fiscal check."""
    backdrop = _backdrop(inputs)
    if backdrop is None:
        return []
    r = backdrop.readings
    needed = ("ust30y_pct", "curve_2s30s_bp", "term_premium_10y_pct", "term_premium_3m_change_bp")
    if not all(n in r for n in needed):
        return []
    out = []
    if math.isfinite(r["ust30y_pct"].value):
        out.append(
            S(
                "The long end: the 30-year Treasury yield at {y30} ({p30} of its history), the "
                "{curve_name} curve at {curve} [{ids}].",
                {"curve_name": "2s30s", "ids": "DGS30, DGS2"},
                y30=_fact(book, r["ust30y_pct"]),
                p30=_percentile(book, r["ust30y_pct"]),
                curve=_fact(book, r["curve_2s30s_bp"]),
            )
        )
    tp = r["term_premium_10y_pct"]
    if math.isfinite(tp.value):
        out.append(
            S(
                "The ACM 10-year term premium was {tp} (estimate for {seen}; {ptp} of its "
                "history), {chg} over three months [{tp_id}].",
                {"tp_id": "ACMTP10"},
                seen=book.date(tp.observed),
                tp=_fact(book, tp),
                ptp=_percentile(book, tp),
                chg=_fact(book, r["term_premium_3m_change_bp"]),
            )
        )
    check = backdrop.fiscal
    if check is not None and check.present:
        start, end = check.start, check.end

        def moved(name: str, value: float, unit: str, series: str) -> Fact:
            key = f"fiscal.{name}@{book.iso}"
            return book.fact(TableFact(key, value, unit, start=start, end=end, series=series))

        out.append(
            S(
                "A fiscal-worry pattern over the window: the term premium {tp} and the 30-year "
                "yield {y30}, the dollar {usd} and gold {gold} [{ids}].",
                {"ids": f"ACMTP10, DGS30, {check.dollar}, {check.gold}"},
                tp=moved("term_premium_bp", check.term_premium_bp, "bp", "ACMTP10"),
                y30=moved("long_yield_bp", check.long_yield_bp, "bp", "DGS30"),
                usd=moved("dollar_pct", check.dollar_pct, "%", check.dollar),
                gold=moved("gold_pct", check.gold_pct, "%", check.gold),
            )
        )
    return out
