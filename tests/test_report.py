"""The sell-off brief: numbers traced to the diagnosis, section order, determinism, formats."""

from __future__ import annotations

import json
import math
import re
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from riskoff.diagnosis.diagnose import diagnose_from
from riskoff.indicators import IndicatorSet, crossasset
from riskoff.indicators.composite import compare_with_published
from riskoff.indicators.funding import RESERVE_DRAIN_USD_BN, STATE_THRESHOLDS_BP
from riskoff.pipeline import indicator_set
from riskoff.report import Report, render_html, render_json, render_text, report_from
from riskoff.report.charts import plotly_figure
from riskoff.report.narrative import (
    LOG_PERCENT,
    OPTIONAL_SECTIONS,
    SECTION_ORDER,
    THRESHOLDS,
    Fact,
    ReportInputs,
    Sentence,
    date_text,
    fmt,
    iter_facts,
    percentile_words,
    rate_mismatch,
    simple_percent,
)
from riskoff.report.render import render_markdown

DATES = ("2020-03-16", "2021-05-19", "2026-02-05")

# Numbers a template may contain as part of a name, not as a value ("the 10-year yield").
NAME_NUMBERS = (
    "10-year",
    "30-year",
    "200-day",
    "S&P 500",
    "MAG7",
    "out of 1",
    "from 0, calm, to 1",
    "from 0 to 1",
    "scores from 0 to 1",
    "60 days",
    "20 days",
)


Built = tuple[Report, IndicatorSet]


@pytest.fixture(scope="module")
def built(seeded_home: Path) -> dict[str, Built]:
    """One indicator set and one diagnosis per example date, and the report written from them."""
    out = {}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        for day in DATES:
            result = indicator_set(day, window=10)
            last = result.table.index[-1]
            out[day] = (report_from(result, diagnose_from(result, last), last), result)
    return out


# -- every number comes from somewhere, and says what the source says ---------------------------
def _walk(node: Any, path: list[str]) -> Any:
    for part in path:
        if isinstance(node, dict):
            node = node[part]
        elif part.isdigit():
            node = node[int(part)]
        else:
            node = next(
                i for i in node if part in (i.get("asset_class"), i.get("name"), i.get("id"))
            )
    return node


def _threshold(name: str) -> float:
    own = {
        "crossasset.FELL_Z": abs(crossasset.FELL_Z),
        "funding.SPIKE_BP": STATE_THRESHOLDS_BP["spike"],
        "funding.SCARCE_LEVEL_BP": STATE_THRESHOLDS_BP["scarce_level"],
        "funding.TIGHTENING_LEVEL_BP": STATE_THRESHOLDS_BP["tightening_level"],
        "funding.RESERVE_DRAIN_ABS_USD_BN": abs(RESERVE_DRAIN_USD_BN),
    }
    return own.get(name, THRESHOLDS.get(name, math.nan))


def _expected(source: str, report: Report, result: IndicatorSet) -> Any:
    """Read a fact's source independently of the report code (None: not checkable here)."""
    kind, _, rest = source.partition(".")
    day = pd.Timestamp(report.date)
    if kind == "diagnosis":
        parts = rest.split(".")
        value = _walk(report.diagnosis.to_dict(), parts)
        if parts[0] == "triggers" and parts[1].isdigit():
            parts = ["triggers", report.diagnosis.triggers[int(parts[1])].name, parts[2]]
        log_move = parts[0] == "sectors" or (
            parts[-1] in ("move", *LOG_PERCENT)
            and parts[-2 if parts[0] == "triggers" else -1] in LOG_PERCENT
        )
        return simple_percent(value) if log_move and isinstance(value, float) else value
    if kind == "threshold":
        return _threshold(rest)
    if kind == "series":
        sid, _, attr = rest.rpartition(".")
        return next(s for s in report.series if s.series_id == sid).to_dict()[attr]
    if kind == "published":
        sid, _, attr = rest.partition(".")
        entry = compare_with_published(result.table["stress_index"].loc[:day], result.panel)[sid]
        end = min(str(entry["span"][1]), report.date)  # a weekly label never after the day
        return {"start": entry["span"][0], "end": end}.get(attr, entry.get(attr))
    column, _, at = rest.partition("@")
    when = pd.Timestamp(at) if at and ":" not in at else day
    frames = {
        "table": result.table,
        "move_pct": result.move_pct,
        "move_z": result.move_z,
        "day_z": result.day_z,
        "contributions": result.contributions,
        "subindices": result.subindices,
        "panel": result.panel,
    }
    if column == "dollar" and kind in ("move_pct", "move_z", "day_z", "returns"):
        # The dollar class is the broad dollar wherever it has a z-score (the diagnosis's).
        row = result.table.loc[when]
        if math.isfinite(row["dollar_move_z"]):
            return float(
                {
                    "move_pct": np.expm1(row["dollar_move_pct"] / 100.0) * 100.0,
                    "move_z": row["dollar_move_z"],
                    "day_z": row["dollar_day_z"],
                    "returns": row["dollar_day_pct"],
                }[kind]
            )
    if kind in frames:
        value = float(frames[kind].at[when, column])
        return simple_percent(value) if kind == "table" and column in LOG_PERCENT else value
    if kind == "returns":
        return float(np.expm1(result.returns.at[when, column]) * 100.0)
    if kind in ("max", "argmax", "first_valid"):
        start, _, end = at.partition(":")
        s = result.table[column].loc[start or None : end or None].dropna()
        if kind == "max":
            return float(s.max())
        return (s.idxmax() if kind == "argmax" else s.index[0]).date().isoformat()
    return None


@pytest.mark.parametrize("day", DATES)
def test_every_number_matches_its_source(built: dict[str, Built], day: str) -> None:
    report, result = built[day]
    checked = 0
    for text, fact in iter_facts(report.sections):
        assert fact.text in text
        expected = _expected(fact.source, report, result)
        if isinstance(expected, float) and math.isnan(expected):
            expected = None
        if expected is None and fact.source.split(".")[0] not in ("diagnosis", "series"):
            continue
        if isinstance(expected, float) and isinstance(fact.value, float):
            assert fact.value == pytest.approx(expected, rel=1e-9, abs=1e-12), fact.source
        elif isinstance(expected, bool):
            assert fact.value == float(expected), fact.source
        elif fact.unit != "text":
            assert fact.value == expected, fact.source
        shown = fmt(expected if fact.unit != "text" else fact.value, fact.unit)
        if fact.unit == "percentile" and not fact.source.startswith("threshold"):
            shown = percentile_words(float(expected))
        assert fact.text == shown
        checked += 1
    assert checked > 150


@pytest.mark.parametrize("day", DATES)
def test_no_number_is_typed_by_hand(built: dict[str, Built], day: str) -> None:
    report, _ = built[day]
    sentences: list[Sentence] = []
    for section in report.sections:
        for block in section.blocks:
            sentences += block.sentences
            sentences += [k.detail for k in block.keys]
            if block.table is not None:
                sentences += [c for row in block.table.rows for c in row if isinstance(c, Sentence)]
    assert len(sentences) > 40
    for sentence in sentences:
        literal = re.sub(r"\{[^}]*\}", "", sentence.template)
        for name in sorted(NAME_NUMBERS, key=len, reverse=True):
            literal = literal.replace(name, "")
        assert not re.search(r"\d", literal), sentence.template
        assert "{" not in sentence.text and "n/a" not in sentence.text, sentence.text
        for word in sentence.words.values():
            assert not re.search(r"[-+]\d", word), word  # words name things, never values


def test_headline_numbers_are_the_diagnosis(built: dict[str, Built]) -> None:
    report, _ = built["2026-02-05"]
    d = report.diagnosis
    keys = {k.label: k for b in report.section("verdict").blocks for k in b.keys}
    eq = next(m for m in d.returns if m.asset_class == "us_equities")
    assert keys["US equities"].value.text == f"{eq.move_pct:+.1f}%"
    assert keys["Stress index (0 to 1)"].value.text == f"{d.stress_index:.2f}"
    assert keys["Breadth of the selling"].value.text == f"{d.breadth:.0%}"
    assert 3 <= len(keys) <= 5


# -- honesty: the text follows the numbers -----------------------------------------------------
def test_2026_02_05_says_crypto_and_silver_not_equities_or_funding(
    built: dict[str, Built],
) -> None:
    report, _ = built["2026-02-05"]
    d = report.diagnosis
    verdict = " ".join(b.text for b in report.section("verdict").blocks if b.sentences)
    moves = {m.asset_class: m for m in d.returns}
    assert f"Bitcoin {moves['crypto'].move_pct:+.1f}%" in verdict
    assert f"silver {moves['silver'].move_pct:+.1f}%" in verdict
    assert moves["us_equities"].move_z > -1.0
    assert "US equities fell little" in verdict
    assert "Money markets did not seize up" in verdict


def test_a_spread_across_a_reserve_rate_change_is_flagged(built: dict[str, Built]) -> None:
    report, result = built["2020-03-16"]
    day = pd.Timestamp(report.date)
    inputs = ReportInputs(
        diagnosis=report.diagnosis,
        result=result,
        day=day,
        series=report.series,
        published={},
        episodes=(),
        diagnosis_dict=report.diagnosis.to_dict(),
    )
    # As known at the end of 16 March 2020, SOFR (13 March) and IOER (1.10%) are aligned.
    assert rate_mismatch(inputs) is None
    # Had the 15 March cut to 0.10% been known on the 16th, SOFR of the 13th would be stale.
    panel = result.panel.copy()
    panel.loc[day, "IOER"] = 0.10
    mismatch = rate_mismatch(replace(inputs, result=replace(result, panel=panel)))
    assert mismatch is not None
    assert (mismatch.rate_id, mismatch.reserve_id) == ("SOFR", "IOER")
    assert (mismatch.reserve_then, mismatch.reserve_now) == (1.10, 0.10)


def test_latest_report_says_net_liquidity_is_missing(seeded_home: Path) -> None:
    result = indicator_set(None, window=10)
    day = result.table.index[-1]
    report = report_from(result, diagnose_from(result, day), day)
    text = " ".join(render_text(report).split())
    assert "Net liquidity cannot be computed" in text and "(WTREGEN)" in text
    stale = {s.series_id for s in report.series if s.stale}
    assert {"WTREGEN", "UUP", "FXY"} <= stale
    for sid in ("UUP", "FXY"):
        assert f"Stale on {date_text(report.date)}: {sid}" in text


# -- structure and formats ---------------------------------------------------------------------
@pytest.mark.parametrize("day", DATES)
def test_sections_in_order_in_every_format(built: dict[str, Built], day: str) -> None:
    report, _ = built[day]
    ids = tuple(s.id for s in report.sections)
    assert ids == tuple(s for s in SECTION_ORDER if s in ids)
    assert set(SECTION_ORDER) - OPTIONAL_SECTIONS <= set(ids)
    html = render_html(report)
    positions = [html.index(f'<section id="{sid}">') for sid in ids]
    assert positions == sorted(positions)
    text = render_text(report)
    titles = [f"{n}. {s.title}" for n, s in enumerate(report.sections, start=1)]
    assert [text.index(t) for t in titles] == sorted(text.index(t) for t in titles)
    for section in report.sections:
        for chart in section.charts:
            assert chart in report.charts
            assert f'id="chart-{chart}"' in html


def test_html_is_self_contained(built: dict[str, Built]) -> None:
    report, _ = built["2026-02-05"]
    html = render_html(report)
    # Nothing is loaded from the network; links to sources are followed only when clicked.
    assert not re.search(r"""src\s*=\s*["']?(https?:)?//""", html)
    assert "<link" not in html and "@import" not in html
    anchors = re.findall(r"""<a href="(https://[^"]+)" rel="noopener">""", html)
    assert "https://fred.stlouisfed.org/series/DGS10" in anchors
    assert "https://www.newyorkfed.org/markets/reference-rates/sofr" in anchors
    assert any("bis.org" in a or "federalreserve.gov" in a for a in anchors)
    assert html.count('id="plotly-gz"') == 1
    assert "@media print" in html
    assert len(html) < 3_000_000


def test_figures_are_valid_plotly(built: dict[str, Built]) -> None:
    import plotly.graph_objects as go

    report, _ = built["2020-03-16"]
    assert len(report.charts) >= 10
    for chart in report.charts.values():
        fig = plotly_figure(chart)
        go.Figure(fig)  # raises on any unknown attribute
        assert chart.title and chart.source.startswith("Source:")
        assert fig["layout"]["title"]["text"]
    spans = report.charts["stress_history"].spans
    assert len(spans) > 10  # the library's episodes are marked


def test_renders_are_deterministic(built: dict[str, Built], tmp_path: Path) -> None:
    report, result = built["2021-05-19"]
    again = report_from(result, report.diagnosis, pd.Timestamp(report.date))
    assert render_html(report) == render_html(again)
    assert render_json(report) == render_json(again)
    first = render_markdown(report, tmp_path / "a" / "brief.md")
    second = render_markdown(again, tmp_path / "b" / "brief.md")
    assert first.read_bytes() == second.read_bytes()
    pngs = sorted((tmp_path / "a" / "brief_files").glob("*.png"))
    assert pngs
    for png in pngs:
        assert png.read_bytes() == (tmp_path / "b" / "brief_files" / png.name).read_bytes()


def test_markdown_links_its_png_folder(built: dict[str, Built], tmp_path: Path) -> None:
    report, _ = built["2026-02-05"]
    path = render_markdown(report, tmp_path / "brief.md")
    text = path.read_text()
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text)
    assert len(links) == len(report.charts)
    for link in links:
        assert link.startswith("brief_files/")
        png = tmp_path / link
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n"
        assert b"tIME" not in data and b"Software" not in data
    headings = re.findall(r"^## (\d+)\. ", text, flags=re.M)
    assert headings == [str(n) for n in range(1, len(report.sections) + 1)]


def test_json_has_every_section_and_the_diagnosis(built: dict[str, Built]) -> None:
    report, _ = built["2026-02-05"]
    data = json.loads(render_json(report))
    assert [s["id"] for s in data["sections"]] == [s.id for s in report.sections]
    assert data["facts"] and all("quantity" not in f for f in data["facts"])
    assert data["diagnosis"] == json.loads(json.dumps(report.diagnosis.to_dict()))
    assert set(data["charts"]) == set(report.charts)
    assert all(c["traces"] or c.get("heatmap") for c in data["charts"].values())
    assert data["series"] and all("last_date" in s for s in data["series"])
    first = data["sections"][0]["blocks"][0]["sentences"][0]
    assert first["facts"]["date"]["source"] == "diagnosis.date"


# -- the command ---------------------------------------------------------------------------------
def _app() -> typer.Typer:
    from riskoff.cli import app

    return app


def test_cli_writes_default_file_in_cwd(
    built: dict[str, Built], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RISKOFF_TODAY", "2026-08-24")  # recent data: no staleness notice
    res = CliRunner().invoke(_app(), ["report", "--date", "2026-02-05"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "riskoff-report-2026-02-05.html"
    assert out.exists() and out.name in res.output.replace("\n", "")
    assert render_html(built["2026-02-05"][0]) == out.read_text()


def test_cli_json_and_text_go_to_stdout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    res = CliRunner().invoke(_app(), ["report", "--date", "2021-05-19", "--format", "json"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.output)["date"] == "2021-05-19"
    res = CliRunner().invoke(
        _app(), ["report", "--date", "2021-05-19", "--format", "md", "-o", "x/brief.md"]
    )
    assert res.exit_code == 0, res.output
    assert (tmp_path / "x" / "brief.md").exists()
    assert any((tmp_path / "x" / "brief_files").glob("*.png"))
    assert list(tmp_path.glob("*.html")) == []


def test_fact_formatting() -> None:
    assert fmt(0.004, "bp") == "0 bp"
    assert fmt(-12.44, "%") == "-12.4%"
    assert fmt(0.553, "percentile") == "55th percentile"
    assert fmt(0.999, "percentile") == "top 1%"
    assert fmt(float("nan"), "%") == "n/a"
    assert fmt("2026-02-05", "date") == "5 Feb 2026"
    assert fmt(1, "days") == "1 day"
    assert Fact(1.0, "z", "x", "+1.0").to_dict()["value"] == 1.0
