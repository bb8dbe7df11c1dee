"""The timeline: every business day classified, with headlines never contradicting readings."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from riskoff.cli import app
from riskoff.diagnosis.classify import safe_haven_reading
from riskoff.diagnosis.diagnose import HEADLINE_VARIANTS, verdict_key
from riskoff.diagnosis.features import day_features
from riskoff.diagnosis.rules import evaluate, load_rules
from riskoff.diagnosis.timeline import COLUMNS, timeline
from riskoff.pipeline import indicator_set
from riskoff.report.phrases import phrase
from riskoff.vocabulary import CrashType, SafeHavenVerdict, Severity


@pytest.fixture(scope="module")
def result():  # type: ignore[no-untyped-def]
    return indicator_set(as_of="latest")


def test_timeline_columns_and_base_rates(result) -> None:  # type: ignore[no-untyped-def]
    frame = timeline(result, start="1990-01-01")
    assert tuple(frame.columns[:5]) == COLUMNS
    assert frame["date"].is_monotonic_increasing
    crunch = (frame["crash_type"] == "liquidity_crunch").mean()
    assert crunch <= 0.02
    y2017 = frame[frame["date"].dt.year == 2017]
    cross = ~y2017["crash_type"].isin(["calm", "concentrated", "funding_squeeze"])
    assert cross.mean() <= 0.05


def test_calm_is_never_a_crash_day_or_a_severe_market(result) -> None:  # type: ignore[no-untyped-def]
    # "No meaningful sell-off" on 22 October 2008 (-5.4%, market extreme) contradicted itself.
    frame = timeline(result, start="1990-01-01").set_index("date")
    calm = frame["crash_type"] == "calm"
    assert not frame.loc[calm, "severity"].isin(["severe", "extreme"]).any()
    day_z = result.day_z["us_equities"].reindex(frame.index)
    assert not (calm & (day_z <= -2.5)).any()
    # Nor a fall of 3% or more, however volatile the year before (28 October 2020, -3.4%).
    day_pct = np.expm1(result.returns["us_equities"].reindex(frame.index)) * 100.0
    assert not (calm & (day_pct <= -3.0)).any()
    assert frame.loc["2020-10-28", "crash_type"] != "calm"
    assert frame.loc["2008-10-22", "crash_type"] != "calm"
    # Nor a day the VIX jumped 3 sigma over the window (23 to 37 on 27 January 2021).
    assert not (calm & (result.table["vix_move_z"].reindex(frame.index) >= 3.0)).any()
    assert frame.loc["2021-01-27", "crash_type"] == "broad_selloff"


def test_no_headline_contradicts_its_readings_since_2000(result) -> None:  # type: ignore[no-untyped-def]
    rules = load_rules()
    feats = day_features(result).loc["2000-01-01":]
    ev = evaluate(rules, feats)
    funding = result.table["funding_state"].reindex(feats.index)
    stress = feats["stress_pct"]
    broad_keys: set[str] = set()
    for day, crash in ev.crash_type.items():
        row = feats.loc[day]
        haven = safe_haven_reading(rules, row)
        if crash == "liquidity_crunch":
            # "safe havens included, a dash for cash", on elevated stress
            assert haven in (SafeHavenVerdict.FAILED, SafeHavenVerdict.MIXED), day
            assert row["dollar_bid_z"] >= rules.dollar_bid_z or row["funding_spike_bp"] >= 10, day
            assert stress[day] >= 0.85, day  # at least the severity table's "moderate"
        elif crash == "flight_to_safety":
            assert haven == SafeHavenVerdict.PROTECTED, day
        elif crash == "funding_squeeze":
            # "in money markets without a broad sell-off"
            assert funding[day] not in ("abundant", "ample"), day
            assert row["breadth"] <= 0.45, day
        elif crash == "broad_selloff":
            # "across the board" only with breadth, "without a scramble for cash" only without
            # a bid dollar or rising funding spreads, in the headline and in the brief alike.
            cash_bid = bool(
                row["dollar_bid_z"] >= rules.dollar_bid_z
                or row["funding_spike_bp"] >= rules.funding_up_bp
            )
            key = verdict_key(rules, CrashType.BROAD_SELLOFF, Severity.MILD, haven,
                              float(row["breadth"]), cash_bid)  # fmt: skip
            broad_keys.add(key)
            words = phrase("verdicts", key) + HEADLINE_VARIANTS.get(
                key, rules.rule(CrashType.BROAD_SELLOFF).headline
            )
            if "across" in words:
                assert row["breadth"] >= 0.25, day
            if "without a scramble for cash" in words or "no dash" in words:
                assert not cash_bid, day
    assert broad_keys == {"broad_selloff", "broad_selloff_cash_bid", "broad_selloff_narrow"}


def test_timeline_command_writes_csv(tmp_path) -> None:  # type: ignore[no-untyped-def]
    out = tmp_path / "t.csv"
    res = CliRunner().invoke(
        app, ["timeline", "--start", "2024-07-01", "--end", "2024-08-30", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    frame = pd.read_csv(out)
    assert list(frame.columns[:5]) == list(COLUMNS)
    day = frame[frame["date"] == "2024-08-05"]
    assert day["crash_type"].iloc[0] == "carry_unwind"


def test_quiet_days_before_the_vix_are_still_calm(result) -> None:  # type: ignore[no-untyped-def]
    # The fear-spike condition reads 0 where the VIX is unknown (before 1990), so the quiet
    # days of 1986-89 keep a calm verdict that holds, with its fitted confidence.
    feats = day_features(result).loc["1986-01-01":"1989-12-29"]
    assert result.table["vix_move_z"].loc["1986":"1989"].isna().all()
    assert (feats["vix_jump_z"] == 0.0).all()
    frame = timeline(result, start="1986-01-01", end="1989-12-29")
    calm = frame[frame["crash_type"] == "calm"]
    assert len(calm) > 0.7 * len(frame)
    assert calm["confidence"].median() > 0.3
