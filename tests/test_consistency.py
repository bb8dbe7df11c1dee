"""Every brief reads one fact table: one value and one date per quantity, moves between closes.

Briefs are built for every labelled episode's peak and for the dates the brief's readers check
(the 2020 dash for cash, Lehman, the 2022 rate shock, the 2024 carry unwind, the late-2025 repo
squeeze, February 2026, calm days and the latest close). For each, and across all of them:

- no quantity appears with two values or two observation dates (inside a brief, the fact table
  refuses it; across briefs, a past day reads the same in its own brief and in another's
  analog or comparison table);
- every percent move stated between two closes is the simple return between those closes of
  the series named;
- every number of every section is an entry of the fact table, and the text format shows it.

Charts are not rendered: the fact table is what is checked.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from riskoff.diagnosis.diagnose import diagnose_from
from riskoff.diagnosis.episodes import load_episodes
from riskoff.indicators.basket import DEFAULT_BASKET, basket_proxies
from riskoff.pipeline import indicator_set
from riskoff.report.extras import comparison_from
from riskoff.report.narrative import Fact, iter_facts
from riskoff.report.render import Report, render_text, report_from

ROOT = Path(__file__).resolve().parents[1]
NAMED = (
    "2020-03-12",
    "2020-03-16",
    "2008-10-10",
    "2022-06-13",
    "2024-08-05",
    "2025-10-31",
    "2026-02-05",
    "2026-02-10",
    "2017-06-15",  # calm
    "2019-06-03",  # calm
)
DATES = [*sorted({*NAMED, *(e.peak.isoformat() for e in load_episodes())}), "latest"]
PRICE_CLASSES = {
    c: {p.series_id for p in proxies if not p.invert and p.duration is None}
    for c, proxies in DEFAULT_BASKET.items()
}


@pytest.fixture(scope="module")
def briefs(seeded_home: Path) -> dict[str, tuple[Report, pd.DataFrame]]:
    """One indicator set, diagnosis and brief per date (the 2026-02-05 one with claims and
    comparisons, as in the example)."""
    from riskoff.claims import load_claims

    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        for date in DATES:
            result = indicator_set(None if date == "latest" else date)
            day = result.table.index[-1]
            extra: dict = {}
            if date == "2026-02-05":
                extra["claims"] = load_claims(ROOT / "docs/examples/claims-2026-02.toml")
                extra["comparisons"] = [
                    comparison_from(r, r.table.index[-1])
                    for r in (indicator_set("2020-03-12"), indicator_set("2021-05-19"))
                ]
            report = report_from(result, diagnose_from(result, day), day, charts=False, **extra)
            out[date] = (report, result.panel)
    return out


def _facts(report: Report) -> Iterator[Fact]:
    for _, fact in iter_facts(report.sections):
        yield fact


def test_at_least_thirty_dates_of_every_type(
    briefs: dict[str, tuple[Report, pd.DataFrame]],
) -> None:
    assert len(briefs) >= 30
    types = {str(r.diagnosis.crash_type) for r, _ in briefs.values()}
    labelled = {e.crash_type for e in load_episodes()}
    assert len(types) >= 4, types
    assert len(labelled) >= 6


@pytest.mark.parametrize("date", DATES)
def test_one_value_and_one_date_per_quantity(
    briefs: dict[str, tuple[Report, pd.DataFrame]], date: str
) -> None:
    report, _ = briefs[date]
    assert report.conflicts == ()
    checked = 0
    for fact in _facts(report):
        if fact.unit in ("date", "text") or fact.source.startswith(("threshold", "series")):
            continue
        # Every number of every section is an entry of the fact table.
        assert fact.quantity, fact.source
        entry = report.facts.get(fact.quantity)
        assert entry is not None, fact.quantity
        assert (entry.observed, entry.start, entry.end) == (fact.observed, fact.start, fact.end)
        if isinstance(fact.value, float) and isinstance(entry.value, float):
            assert math.isclose(fact.value, entry.value, rel_tol=1e-9, abs_tol=1e-12)
        else:
            assert fact.value == entry.value
        checked += 1
    assert checked > 100


def _close(panel: pd.DataFrame, series: str, iso: str) -> float:
    return float(panel[series].loc[pd.Timestamp(iso)])


@pytest.mark.parametrize("date", DATES)
def test_every_percent_move_is_the_simple_return_between_its_closes(
    briefs: dict[str, tuple[Report, pd.DataFrame]], date: str
) -> None:
    report, panel = briefs[date]
    checked = 0
    for fact in report.facts:
        if fact.unit != "%" or not (fact.start and fact.end) or fact.value is None:
            continue
        family, _, rest = fact.key.partition(".")
        name = rest.partition("@")[0]
        if family in ("peak_move_pct", "move_pct") and name in panel:
            series = name
        elif name == "dollar":
            # The broad index carried to the day by a fitted currency proxy: not one price
            # series; test_report checks it against the indicator table.
            continue
        elif family in ("move_pct", "day_pct") and name in PRICE_CLASSES:
            # A class move: the proxy must be one price series over the whole window.
            span = panel.loc[fact.start : fact.end]
            used = basket_proxies(span, {name: DEFAULT_BASKET[name]})[name].iloc[1:]
            proxies = set(used.dropna())
            if len(proxies) != 1 or not proxies <= PRICE_CLASSES[name]:
                continue
            series = proxies.pop()
        else:
            continue
        if fact.start not in panel.index or fact.end not in panel.index:
            continue
        expected = (_close(panel, series, fact.end) / _close(panel, series, fact.start) - 1) * 100
        # Episode-day moves come from the bundled point-in-time table, kept to 6 decimals.
        assert float(fact.value) == pytest.approx(expected, rel=1e-6, abs=2e-6), fact
        checked += 1
    assert checked >= 10


def test_a_past_day_reads_the_same_in_every_brief(
    briefs: dict[str, tuple[Report, pd.DataFrame]],
) -> None:
    """Lehman's funding spread, say, is the same in its own brief and in another's analogs."""
    own: dict[str, tuple[object, str]] = {}
    for report, _ in briefs.values():
        for fact in report.facts:
            if fact.key.endswith("@" + report.date):
                own[fact.key] = (fact.value, fact.observed)
    compared = 0
    for report, _ in briefs.values():
        for fact in report.facts:
            at = fact.key.rpartition("@")[2]
            if at == report.date or fact.key not in own:
                continue
            if not fact.key.startswith(("move_pct.", "move_z.", "table.")):
                continue
            value, observed = own[fact.key]
            assert observed == fact.observed, fact.key
            if isinstance(value, float) and isinstance(fact.value, float):
                assert fact.value == pytest.approx(value, rel=1e-5, abs=1e-5), fact.key
            compared += 1
    assert compared >= 30


def test_the_text_shows_every_fact(briefs: dict[str, tuple[Report, pd.DataFrame]]) -> None:
    report, _ = briefs["2026-02-05"]
    text = " ".join(render_text(report).split())
    missing = [f.text for f in _facts(report) if " ".join(f.text.split()) not in text]
    # Table cells may be cut to the terminal's width; sentences never are.
    assert len(missing) < 0.1 * sum(1 for _ in _facts(report)), missing[:10]


def test_the_2026_02_05_brief_answers_the_commentary(
    briefs: dict[str, tuple[Report, pd.DataFrame]],
) -> None:
    report, _ = briefs["2026-02-05"]
    ids = [s.id for s in report.sections]
    assert {"claims", "compare", "episode"} <= set(ids)
    silver = report.facts.get("peak_move_pct.SLV@2026-02-05")
    assert silver is not None and silver.value is not None and float(silver.value) < -30
    spike = report.facts.get("max_126d.sofr_iorb_bp@2026-02-05")
    assert spike is not None and spike.observed == "2025-10-31"
    assert report.facts.get("compare.2020-03-12.similarity@2026-02-05") is not None
    # 19 May 2021 is the peak of the May 2021 crypto crash: the same rank as in the analogs.
    rank = report.facts.get("compare.2021-05-19.rank@2026-02-05")
    episode = next(a for a in report.diagnosis.analogs if a["peak"] == "2021-05-19")
    assert rank is not None and rank.value == float(episode["rank"])
