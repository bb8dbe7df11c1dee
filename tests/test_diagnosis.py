"""The diagnosis: pinned episodes, honesty on 2026-02-05, point-in-time, and output shape."""

from __future__ import annotations

import ast
import inspect
import json
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import riskoff
from riskoff.cli import app
from riskoff.diagnosis import classify
from riskoff.store import Store
from riskoff.vocabulary import Severity

PINNED = [
    ("2020-03-16", "liquidity_crunch"),
    ("2021-05-19", "concentrated"),
    ("2022-06-13", "rate_shock"),
    ("2011-08-08", "flight_to_safety"),
    ("2019-09-17", "funding_squeeze"),
    ("2017-06-15", "calm"),
]


@pytest.mark.parametrize(("day", "crash_type"), PINNED)
def test_pinned_episodes(day: str, crash_type: str) -> None:
    d = riskoff.diagnose(day, window=10)
    assert d.date == day and d.as_of == day
    assert d.crash_type == crash_type, d.summary()
    assert d.epicenter == (d.epicenters[0].epicenter if d.epicenters else None)
    assert 0.0 <= d.confidence <= 1.0
    assert d.runner_up != d.crash_type
    if d.runner_up is not None:
        assert d.runner_up_score is not None and d.runner_up_score <= d.scores[d.crash_type]
    assert any(e.direction == "supports" for e in d.evidence)


def test_severity_from_the_market_and_per_epicenter() -> None:
    d = riskoff.diagnose("2024-08-05")
    japan = [e for e in d.epicenters if e.epicenter == "japan"]
    assert japan and japan[0].severity.rank >= Severity.SEVERE.rank
    assert d.severity.rank >= Severity.SEVERE.rank
    feb = riskoff.diagnose("2026-02-05")
    assert {"crypto", "precious_metals"} <= {e.epicenter.value for e in feb.epicenters}
    assert feb.severity.rank >= Severity.MODERATE.rank


def test_calm_under_strain_says_so() -> None:
    # Mid-May 2022: no new sell-off over the window, but US equities deep in a drawdown and the
    # VIX near 30; "no meaningful sell-off" would contradict the market's own severity.
    d = riskoff.diagnose("2022-05-16")
    assert d.crash_type == "calm" and d.severity.rank >= Severity.MILD.rank
    assert "No meaningful sell-off" not in d.headline
    assert f"still under strain ({d.severity.value})" in d.headline


def test_dollar_is_the_broad_dollar_on_2020_03_12() -> None:
    # UUP (euro-heavy) fell over the window while the broad trade-weighted dollar rose.
    d = riskoff.diagnose("2020-03-12")
    assert d.dollar is not None and d.dollar.series.startswith("DTWEXBGS")
    assert d.dollar.move_pct > 0
    # With the dollar up, the headline does not claim there was no dash for cash.
    assert "no dash for cash" not in d.headline


def test_2026_02_05_says_what_the_data_say() -> None:
    d = riskoff.diagnose("2026-02-05")
    moves = {m.asset_class: m for m in d.returns}
    # The selling was led by crypto and silver; US equities and Treasuries barely moved.
    worst_two = sorted(moves.values(), key=lambda m: m.move_z)[:2]
    assert {m.asset_class for m in worst_two} == {"crypto", "silver"}
    assert moves["crypto"].move_pct < -25
    assert moves["us_equities"].move_pct > -3
    assert abs(moves["long_treasuries"].move_pct) < 2
    # Money markets were calm: SOFR within a few bp of IORB.
    assert abs(d.indicators["sofr_iorb_bp"]) <= 5
    assert d.funding_state not in ("scarce", "stressed")
    assert d.crash_type == "concentrated" and d.epicenter == "crypto"
    assert any(e.series == "epicenter_z" and e.direction == "supports" for e in d.evidence)


@pytest.mark.parametrize(
    ("day", "key", "words"),
    [("2021-01-27", "broad_selloff_narrow", "has not spread"),  # breadth 6%: a VIX spike
     ("2022-04-29", "broad_selloff_cash_bid", "cash in demand")],  # the dollar bid
)  # fmt: skip
def test_a_broad_sell_off_is_worded_by_its_readings(day: str, key: str, words: str) -> None:
    d = riskoff.diagnose(day)
    assert d.crash_type == "broad_selloff" and d.verdict_key == key
    assert words in d.headline and "no dash for cash" not in d.headline
    assert ("across classes" in d.headline) == (key != "broad_selloff_narrow")


def test_the_condition_that_met_a_group_supports_the_verdict() -> None:
    # 27 January 2021: a broad sell-off only because the VIX jumped 3.9 sigma (the "selling"
    # group's weakest way in); that reading supports the verdict, the group's others do not.
    d = riskoff.diagnose("2021-01-27")
    assert d.crash_type == "broad_selloff"
    by_feature = {e.series: e.direction for e in d.evidence}
    assert by_feature["vix_jump_z"] == "supports"
    assert by_feature["equity_day_z"] == "contradicts"


def test_diagnosis_is_point_in_time(private_store: Store) -> None:
    day = "2020-03-16"
    before = riskoff.diagnose(day).to_dict()
    later = pd.DataFrame({"date": pd.bdate_range("2020-03-17", periods=30), "value": 1.0})
    for sid in ("SPY", "GLD", "TLT", "BTC-USD", "SOFR", "VIXCLS"):
        private_store.write(sid, later, source="test", seen_at=datetime(2026, 11, 1))
    revision = pd.DataFrame({"date": [pd.Timestamp("2020-03-02")], "value": [1.0]})
    private_store.write("GLD", revision, source="test", seen_at=datetime(2026, 11, 1))
    after = riskoff.diagnose(day).to_dict()
    assert json.dumps(before, sort_keys=True) == json.dumps(after, sort_keys=True)


def test_to_dict_has_contract_keys() -> None:
    d = riskoff.diagnose("2024-08-05").to_dict()
    for key in ("date", "crash_type", "epicenter", "confidence", "runner_up", "stress_index",
                "funding_state", "evidence", "analogs"):  # fmt: skip
        assert key in d
    assert d["crash_type"] == "carry_unwind"
    item = d["evidence"][0]
    assert set(item) == {"claim", "value", "unit", "series", "as_of", "direction"}
    assert item["as_of"] == "2024-08-05"
    assert d["analogs"], "analogs expected"
    for a in d["analogs"]:
        assert a["peak"] < "2024-08-05"  # only episodes known by then
        assert 0 < a["similarity"] <= 1
    json.dumps(d)


def test_classifier_does_not_read_the_episode_library() -> None:
    tree = ast.parse(Path(inspect.getfile(classify)).read_text())
    imported = {
        node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not any("episodes" in m or "analogs" in m for m in imported)
    assert "load_episodes" not in Path(inspect.getfile(classify)).read_text()


def test_cli_diagnose_json_and_text() -> None:
    runner = CliRunner()
    res = runner.invoke(app, ["diagnose", "--date", "2021-05-19", "--format", "json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.stdout[res.stdout.index("{") :])
    assert data["crash_type"] == "concentrated" and data["epicenter"] == "crypto"
    assert data["epicenters"][0]["severity"] in ("mild", "moderate", "severe", "extreme")
    res = runner.invoke(app, ["diagnose", "--date", "2021-05-19"], env={"COLUMNS": "160"})
    assert res.exit_code == 0, res.output
    assert "concentrated" in res.output and "Bitcoin" in res.output


def test_dates_outside_the_data_are_clear_errors() -> None:
    from riskoff.errors import DataError, StaleDataError

    with pytest.raises(
        StaleDataError, match=r"after the latest market close in the store \(2026-08-21\)"
    ):
        riskoff.diagnose("2030-01-02")
    with pytest.raises(StaleDataError, match="before 1987-01-02"):
        riskoff.diagnose("1960-01-04")
    with pytest.raises(DataError, match="'x1' is not a date"):
        riskoff.diagnose("x1")
    res = CliRunner().invoke(app, ["diagnose", "--date", "2020-13-01"], env={"COLUMNS": "200"})
    assert res.exit_code == 2
    assert "'2020-13-01' is not a" in res.output
