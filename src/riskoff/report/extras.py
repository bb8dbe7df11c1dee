"""The sections a reader of a market commentary asks for.

Claims checked, named comparisons, the episode's peaks and timeline, and what would change the
call.

Each section formats facts entered in the brief's fact table (through the narrative's
``FactBook``); nothing here reads the store. Named comparisons arrive as :class:`Comparison`
values, built by :func:`comparison_from` from the past day's own point-in-time indicator set
(the caller loads it), so a past day shows the numbers of its own brief.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import CLASS_LABELS
from riskoff.report.facts import Fact as TableFact
from riskoff.report.facts import column_max, peak_move

if TYPE_CHECKING:
    from riskoff.claims import ClaimCheck
    from riskoff.report.narrative import (
        Block,
        Cell,
        FactBook,
        ReportInputs,
        Section,
        Sentence,
    )

__all__ = ["Comparison", "comparison_from", "quantity_of"]

PEAK_LOOKBACK = 60  # business days back to look for an asset's recent peak
FUNDING_LOOKBACK = 126  # business days (six months) back to look for the funding peak
STRESS_CROSSING = 0.8  # the stress percentile whose crossing the timeline dates
TIMELINE_MOVES = 5  # largest daily moves listed in the timeline
PEAK_CLASSES = ("us_equities", "tech", "gold", "silver", "crypto", "japan", "oil")
# Proxies whose level is not a price (a yield, an exchange rate quoted the other way).
NOT_PRICES = frozenset({"DGS30", "USDJPY", "DTWEXBGS"})
COMPARE_CLASSES = ("us_equities", "gold", "silver", "long_treasuries", "dollar", "crypto")
COMPARE_VALUES = (
    ("funding_spread_bp", "Overnight funding - reserve rate", "bp"),
    ("sofr_iorb_bp", "SOFR - reserve rate", "bp"),
    ("stress_index", "Stress index (0 to 1)", "index"),
    ("breadth", "Breadth (share of classes down)", "share"),
)


@dataclass(frozen=True)
class Comparison:
    """A named past day, as known on that day: its fingerprint, moves and readings."""

    date: str
    fingerprint: dict[str, float]
    readings: dict[str, Any] = field(default_factory=dict)


def comparison_from(result: IndicatorSet, day: pd.Timestamp) -> Comparison:
    """Build the comparison of ``day`` from its own point-in-time indicator set."""
    from riskoff.diagnosis.analogs import fingerprint, point_in_time_readings

    # Rounded like the bundled episode table, so a named day that is an episode's peak has the
    # same fingerprint, similarity and rank as that episode.
    features = {k: round(v, 6) for k, v in fingerprint(result, day).items()}
    return Comparison(day.date().isoformat(), features, point_in_time_readings(result, day))


def quantity_of(key: str, iso: str, columns: Sequence[str]) -> str:
    """The fact-table quantity of a claims reading (``sofr_iorb_bp`` -> ``table.sofr_...@d``)."""
    if key == "sofr_iorb_max_6m_bp":
        return f"max_126d.sofr_iorb_bp@{iso}"
    if key in columns:
        return f"table.{key}@{iso}"
    family, _, rest = key.partition(".")
    if rest:
        return f"{family}.{rest}@{iso}"
    return f"diagnosis.{key}@{iso}"


_UNITS = {"years": "years ago", "level": "index", "text": "text"}


def _entry_fact(book: FactBook, entry: TableFact) -> Any:
    columns = list(book.inputs.result.table.columns)
    key = quantity_of(entry.key, book.iso, columns)
    unit = _UNITS.get(entry.unit, entry.unit)
    return book.fact(
        TableFact(
            key,
            entry.value,
            unit,
            entry.observed,
            entry.start,
            entry.end,
            entry.series,
            entry.proxy,
        )
    )


# -- claims ---------------------------------------------------------------------------------------
def claims_section(book: FactBook, inputs: ReportInputs) -> Section | None:
    """What the commentary says vs what the data say (only when claims were given)."""
    from riskoff.report.narrative import Block, S, Section, Table

    if not inputs.claims:
        return None
    checks: Sequence[ClaimCheck] = inputs.claims
    counts: dict[str, int] = {}
    for c in checks:
        counts[str(c.verdict)] = counts.get(str(c.verdict), 0) + 1
    lead = S(
        "{title}: {n} claims checked against the data known on {date}.",
        {"title": inputs.claims_title or "The commentary"},
        n=book.fact(TableFact(f"claims.count@{book.iso}", float(len(checks)), "count"), "count"),
        date=book.date(),
    )
    rows: list[tuple[Cell, ...]] = []
    for c in checks:
        rows.append((c.claim.says, str(c.verdict), _numbers(book, c)))
    blocks: list[Block] = [
        Block("lead", (lead,)),
        Block(
            "table",
            table=Table(
                "claims",
                "Each claim, the verdict of the data and the numbers behind it (observation "
                "dates; moves between the two closes named)",
                ("the commentary says", "the data say", "the numbers"),
                tuple(rows),
                (False, False, False),
            ),
        ),
        Block(
            "paragraph",
            (
                S(
                    "Supported: every check of the claim holds; partly: some do; "
                    "contradicted: none does; no data: nothing to judge it by on the day."
                ),
            ),
        ),
    ]
    return Section("claims", "What the commentary says vs what the data say", tuple(blocks))


def _numbers(book: FactBook, check: ClaimCheck) -> Sentence:
    from riskoff.report.narrative import S

    parts: list[str] = []
    facts: dict[str, Any] = {}
    for i, entry in enumerate(check.facts):
        fact = _entry_fact(book, entry)
        facts[f"v{i}"] = fact
        if entry.start and entry.end and entry.unit == "%":
            facts[f"a{i}"] = book.date(entry.start)
            facts[f"b{i}"] = book.date(entry.end)
            parts.append(f"{entry.key} {{v{i}}} ({{a{i}}} to {{b{i}}})")
        elif entry.unit == "years" and entry.start:
            facts[f"a{i}"] = book.date(entry.start)
            parts.append(f"{entry.key} {{v{i}}} (last beyond it on {{a{i}}})")
        elif entry.observed and entry.unit != "text":
            facts[f"a{i}"] = book.date(entry.observed)
            parts.append(f"{entry.key} {{v{i}}} ({{a{i}}})")
        else:
            parts.append(f"{entry.key} {{v{i}}}")
    return S("; ".join(parts) if parts else "none", **facts)


# -- named comparisons ----------------------------------------------------------------------------
def compare_section(book: FactBook, inputs: ReportInputs) -> Section | None:
    """Named past days side by side with the day: similarity, rank, moves and funding."""
    from riskoff.diagnosis.analogs import compare, episode_analogs, fingerprint
    from riskoff.report.narrative import Block, S, Section, Table, date_text

    if not inputs.comparisons:
        return None
    result, day = inputs.result, inputs.day
    today = fingerprint(result, day)
    ranked = episode_analogs(result, day, k=0)
    sims = [r["similarity"] for r in ranked]
    lead: list[Sentence] = []
    sim_cells: list[Cell] = []
    rank_cells: list[Cell] = []
    for comp in inputs.comparisons:
        match = compare(today, comp.fingerprint)
        sim = float(match["similarity"])
        if not math.isfinite(sim):
            sim_cells.append("n/a")
            rank_cells.append("n/a")
            continue
        rank = 1 + sum(1 for s in sims if s > sim)
        key = f"compare.{comp.date}"
        sim_fact = book.fact(TableFact(f"{key}.similarity@{book.iso}", sim, "score"), "score")
        rank_fact = book.fact(
            TableFact(f"{key}.rank@{book.iso}", float(rank), "ordinal"), "ordinal"
        )
        of_fact = book.fact(
            TableFact(f"episodes.eligible@{book.iso}", float(len(sims)), "count"), "count"
        )
        sim_cells.append(sim_fact)
        rank_cells.append(S("{rank} of {of}", rank=rank_fact, of=of_fact))
        lead.append(
            S(
                "{then}: similarity {sim}; among the {of} library episodes it would rank {rank}.",
                then=book.date(comp.date),
                sim=sim_fact,
                of=of_fact,
                rank=rank_fact,
            )
        )
    columns = (
        "",
        f"Today ({date_text(book.iso)})",
        *(date_text(c.date) for c in inputs.comparisons),
    )
    rows: list[tuple[Cell, ...]] = [
        ("Similarity to today (1: the same day)", "1", *sim_cells),
        ("Rank among the library's episodes", "", *rank_cells),
    ]
    from riskoff.report.narrative import _analog_cell, _analog_value, _today_cell

    moves = {m.asset_class for m in inputs.diagnosis.returns}
    for c in COMPARE_CLASSES:
        rows.append(
            (
                f"{CLASS_LABELS[c]}, {result.window}-day move",
                _today_cell(book, inputs.diagnosis, c) if c in moves else "n/a",
                *(
                    _analog_cell(book, c, {"peak": comp.date, "point_in_time": comp.readings})
                    for comp in inputs.comparisons
                ),
            )
        )
    for column, label, unit in COMPARE_VALUES:
        today_cell: Cell = book.t(column, unit)
        rows.append(
            (
                label,
                today_cell,
                *(
                    _analog_value(
                        book, column, unit, {"peak": comp.date, "point_in_time": comp.readings}
                    )
                    for comp in inputs.comparisons
                ),
            )
        )
    blocks: list[Block] = [
        Block("lead", tuple(lead) or (S("No named day could be compared."),)),
        Block(
            "table",
            table=Table(
                "compare",
                "Today and the named days, each as known on that day",
                columns,
                tuple(rows),
                (False, *([True] * (len(columns) - 1))),
            ),
        ),
    ]
    return Section("compare", "Named days side by side", tuple(blocks))


# -- the episode: peaks and timeline --------------------------------------------------------------
def episode_section(book: FactBook, inputs: ReportInputs) -> Section:
    """Moves from the recent peak as well as over the window, and a dated timeline."""
    from riskoff.report.narrative import Block, S, Section, Table

    d = inputs.diagnosis
    moves = {m.asset_class: m for m in d.returns}
    classes = [e.asset_class for e in d.epicenters] + list(PEAK_CLASSES)
    rows: list[tuple[Cell, ...]] = []
    seen: set[str] = set()
    for c in classes:
        if c in seen or c not in moves or not moves[c].proxy or moves[c].proxy in NOT_PRICES:
            continue
        seen.add(c)
        proxy = moves[c].proxy
        peak = peak_move(book.obs, proxy, PEAK_LOOKBACK)
        if peak.value is None:
            continue
        window = book.d(f"returns.{c}.move_pct", "%")
        rows.append(
            (
                f"{CLASS_LABELS[c]} ({proxy})",
                S(
                    "{move} ({a} to {b})",
                    move=window,
                    a=book.date(window.start or book.iso),
                    b=book.date(window.end or book.iso),
                ),
                S(
                    "{move} (peak {a}, to {b})",
                    move=book.fact(_keyed(peak, book.iso)),
                    a=book.date(peak.start),
                    b=book.date(peak.end),
                ),
            )
        )
    blocks: list[Block] = []
    if rows:
        blocks.append(
            Block(
                "table",
                table=Table(
                    "peaks",
                    f"Over the window and from the highest close of the last {PEAK_LOOKBACK} "
                    "business days (simple returns between the closes named)",
                    ("market (series)", "over the window", "from its recent peak"),
                    tuple(rows),
                    (False, True, True),
                ),
            )
        )
    timeline = _timeline(book, inputs)
    if timeline:
        blocks.append(Block("list", tuple(s for _, s in sorted(timeline, key=lambda x: x[0]))))
    if not blocks:
        blocks.append(Block("lead", (S("No price series to date the episode by."),)))
    return Section("episode", "The episode: peaks and timeline", tuple(blocks))


def _keyed(fact: TableFact, iso: str) -> TableFact:
    return TableFact(
        f"{fact.key}@{iso}",
        fact.value,
        fact.unit,
        fact.observed,
        fact.start,
        fact.end,
        fact.series,
        fact.proxy,
    )


def _timeline(book: FactBook, inputs: ReportInputs) -> list[tuple[str, Sentence]]:
    from riskoff.report.narrative import S, _label

    result, day = inputs.result, inputs.day
    out: list[tuple[str, Sentence]] = []
    # The largest daily moves of the window, in sigma of each market's daily swings.
    span = result.day_z.loc[:day].iloc[-result.window :]
    stacked = span.stack()
    stacked = stacked[np.isfinite(stacked.to_numpy(dtype=float))]
    top = stacked.abs().sort_values(ascending=False).index[:TIMELINE_MOVES]
    for when, c in top:
        at = pd.Timestamp(when).date().isoformat()
        out.append(
            (
                at,
                S(
                    "{day}: {label} {move} in a day ({z} times its usual daily swing).",
                    {"label": _label(str(c))},
                    day=book.date(at),
                    move=book.get(f"returns.{c}@{at}", "%"),
                    z=book.get(f"day_z.{c}@{at}", "z abs"),
                ),
            )
        )
    crossing = _stress_crossing(result, day)
    if crossing is not None:
        at, _ = crossing
        out.append(
            (
                at,
                S(
                    "{day}: the stress index rose above its {pct} ({value}).",
                    day=book.date(at),
                    pct=book.fact(
                        TableFact(
                            "threshold.report.STRESS_CROSSING", STRESS_CROSSING, "percentile"
                        ),
                        "percentile",
                    ),
                    value=book.t("stress_index", "index", at=at),
                ),
            )
        )
    column = "sofr_iorb_bp" if "sofr_iorb_bp" in result.table else "funding_spread_bp"
    peak = column_max(result.table, book.obs, column, FUNDING_LOOKBACK, "bp")
    if peak.value is not None and float(peak.value) > 0:
        peak_day = _argmax_day(result.table[column], day, FUNDING_LOOKBACK)
        fact = book.fact(
            TableFact(
                f"max_126d.{column}@{book.iso}",
                peak.value,
                "bp",
                peak.observed,
                peak.start,
                peak.end,
                column,
            )
        )
        out.append(
            (
                peak_day,
                S(
                    "{day}: overnight funding peaked at {peak} over the reserve rate, the "
                    "highest of the past six months; the latest reading known on {today} "
                    "was {now}.",
                    day=book.date(peak.observed or peak_day),
                    peak=fact,
                    today=book.date(),
                    now=book.d(f"indicators.{column}", "bp"),
                ),
            )
        )
    return out


def _argmax_day(series: pd.Series, day: pd.Timestamp, lookback: int) -> str:
    values = series.loc[:day].iloc[-lookback:].dropna()
    return pd.Timestamp(values.idxmax()).date().isoformat() if not values.empty else ""


def _stress_crossing(result: IndicatorSet, day: pd.Timestamp) -> tuple[str, float] | None:
    """The last day of the past six months the stress percentile crossed ``STRESS_CROSSING``."""
    stress = result.table["stress_index"].loc[:day].dropna()
    if len(stress) < FUNDING_LOOKBACK + 250:
        return None
    values = stress.to_numpy()
    start = len(values) - FUNDING_LOOKBACK
    pct = np.array([(values[: i + 1] <= values[i]).mean() for i in range(start - 1, len(values))])
    above = pct >= STRESS_CROSSING
    ups = np.flatnonzero(above[1:] & ~above[:-1])
    if not len(ups):
        return None
    i = start + int(ups[-1])
    return stress.index[i].date().isoformat(), float(pct[ups[-1] + 1])


_NUMBER_WORDS = {"1": "one", "5": "five", "20": "twenty", "60": "sixty", "250": "250"}


def _spelled(text: str) -> str:
    """A feature's meaning with its small numbers in words (numbers in the brief are facts)."""
    import re

    return re.sub(r"\b(1|5|20|60)\b", lambda m: _NUMBER_WORDS[m.group(1)], text)


# -- what would change the call -------------------------------------------------------------------
def change_section(book: FactBook, inputs: ReportInputs) -> Section | None:
    """For the verdict and the closest alternative: the levels that would flip the call."""
    from riskoff.diagnosis.features import FEATURES, day_features
    from riskoff.diagnosis.rules import load_rules
    from riskoff.report.narrative import TYPE_NAMES, Block, S, Section
    from riskoff.vocabulary import CrashType

    d = inputs.diagnosis
    rules = load_rules()
    row = day_features(inputs.result, tail=250).loc[inputs.day]
    verdict = CrashType(str(d.crash_type))
    others = sorted(
        (
            (score, t)
            for t, score in d.scores.items()
            if t != verdict and t in {r.crash_type for r in rules.rules if not r.fallback}
        ),
        reverse=True,
    )
    alternative = (
        CrashType(str(d.runner_up))
        if d.runner_up is not None
        else (CrashType(others[0][1]) if others else None)
    )
    sentences: list[Sentence] = []
    for crash_type, holds in ((verdict, True), (alternative, False)):
        if crash_type is None:
            continue
        try:
            rule = rules.rule(crash_type)
        except StopIteration:
            continue
        required = [c for c in rule.conditions if c.required]
        if not required:
            continue
        parts: list[str] = []
        facts: dict[str, Any] = {}
        words: dict[str, str] = {}
        for i, cond in enumerate(required):
            value = float(row.get(cond.feature, math.nan))
            met = math.isfinite(value) and (
                value >= cond.weak if cond.rising else value <= cond.weak
            )
            if met != holds:
                continue  # the verdict lists what holds; the alternative what is missing
            words[f"m{i}"] = _spelled(
                FEATURES[cond.feature].meaning if cond.feature in FEATURES else cond.feature
            )
            facts[f"n{i}"] = book.fact(
                TableFact(f"feature.{cond.feature}@{book.iso}", value, "index"), "index"
            )
            facts[f"b{i}"] = book.fact(
                TableFact(f"rule.{crash_type}.{cond.feature}.weak", cond.weak, "index"),
                "index",
            )
            sign = "at least" if cond.rising else "at most"
            parts.append(f"{{m{i}}} {sign} {{b{i}}} (now {{n{i}}})")
        if not parts:
            continue
        words["name"] = TYPE_NAMES.get(str(crash_type), str(crash_type))
        lead = (
            "The {name} call would no longer hold if any of these failed: "
            if holds
            else "A {name} call would need: "
        )
        sentences.append(S(lead + "; ".join(parts) + ".", words, **facts))
    if not sentences:
        return None
    sentences.append(
        S("The bounds are the necessary conditions of the rule table (diagnosis/rules.toml).")
    )
    return Section("change", "What would change the call", (Block("list", tuple(sentences)),))
