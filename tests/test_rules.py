"""The rule table: validated at load, and every rule's necessary conditions at their edges."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from riskoff.diagnosis.features import FEATURES
from riskoff.diagnosis.rules import evaluate, load_rules, parse_rules
from riskoff.errors import CatalogError
from riskoff.vocabulary import CrashType

RULES = load_rules()


def test_table_loads_and_names_known_features() -> None:
    assert {r.crash_type for r in RULES.rules} == set(CrashType)
    for rule in RULES.rules:
        for c in rule.conditions:
            assert c.feature in FEATURES


def test_unknown_feature_is_an_error_at_load() -> None:
    from importlib import resources

    text = resources.files("riskoff.diagnosis").joinpath("rules.toml").read_text("utf-8")
    with pytest.raises(CatalogError, match="unknown feature 'stress_pctl'"):
        parse_rules(text.replace('feature = "stress_pct"', 'feature = "stress_pctl"', 1))
    with pytest.raises(CatalogError, match="unknown type"):
        parse_rules(text.replace('type = "rate_shock"', 'type = "rates"', 1))


def _satisfying(crash_type: CrashType) -> dict[str, float]:
    """A day state meeting every condition of ``crash_type`` at full strength."""
    state = {name: math.nan for name in FEATURES}
    for c in RULES.rule(crash_type).conditions:
        state[c.feature] = c.strong
    return state


def _run(state: dict[str, float]) -> tuple[str, bool, dict[str, bool]]:
    frame = pd.DataFrame([state], index=[pd.Timestamp("2020-01-02")])
    ev = evaluate(RULES, frame)
    return str(ev.crash_type.iloc[0]), True, {k: bool(v) for k, v in ev.passes.iloc[0].items()}


CASES = [(rule.crash_type, c) for rule in RULES.rules for c in rule.conditions if c.required]


@pytest.mark.parametrize(("crash_type", "cond"), CASES, ids=lambda x: str(getattr(x, "feature", x)))
def test_required_condition_edges(crash_type: CrashType, cond) -> None:  # type: ignore[no-untyped-def]
    state = _satisfying(crash_type)
    state[cond.feature] = cond.weak  # exactly at the bound: holds
    assert _run(state)[2][crash_type.value]
    step = 1e-6 * (1 if cond.rising else -1) * max(1.0, abs(cond.weak))
    state[cond.feature] = cond.weak - step  # just on the weak side: fails
    assert not _run(state)[2][crash_type.value]
    state[cond.feature] = math.nan  # no data: fails
    assert not _run(state)[2][crash_type.value]


@pytest.mark.parametrize("crash_type", [r.crash_type for r in RULES.rules if not r.fallback])
def test_each_specific_type_can_win(crash_type: CrashType) -> None:
    state = _satisfying(crash_type)
    got, _, passes = _run(state)
    assert passes[crash_type.value]
    # It wins, or loses only to another type whose own necessary conditions also hold.
    assert got == crash_type.value or passes[got]


def test_group_needs_one_alternative() -> None:
    state = _satisfying(CrashType.LIQUIDITY_CRUNCH)
    group = [c for c in RULES.rule(CrashType.LIQUIDITY_CRUNCH).conditions
             if c.group == "dash_for_cash"]  # fmt: skip
    for c in group:
        state[c.feature] = math.nan
    assert not _run(state)[2]["liquidity_crunch"]
    state[group[0].feature] = group[0].weak
    assert _run(state)[2]["liquidity_crunch"]


def test_liquidity_crunch_needs_elevated_stress() -> None:
    state = _satisfying(CrashType.LIQUIDITY_CRUNCH)
    state["stress_pct"] = 0.84  # "mild" stress: a correction's company, not a crunch
    got, _, passes = _run(state)
    assert not passes["liquidity_crunch"] and got != "liquidity_crunch"


def test_a_fear_spike_is_not_calm() -> None:
    state = _satisfying(CrashType.CALM)
    assert _run(state)[0] == "calm"
    state["vix_jump_z"] = 3.5
    got, _, passes = _run(state)
    assert got == "broad_selloff" and not passes["calm"]


def test_fallback_only_when_nothing_specific_holds() -> None:
    state = _satisfying(CrashType.RATE_SHOCK)
    state["equity_z"] = -2.0  # also a broad sell-off by its own conditions
    got, _, passes = _run(state)
    assert passes["broad_selloff"] and got == "rate_shock"


def test_concentrated_only_when_no_cross_market_story_holds() -> None:
    # A day meeting both a rate shock's and a concentrated sell-off's necessary conditions
    # (gold crashing on a taper signal, 20 June 2013) is a rate shock with an epicenter.
    state = _satisfying(CrashType.CONCENTRATED)
    for c in RULES.rule(CrashType.RATE_SHOCK).conditions:
        if c.feature not in ("equity_shock_z",):
            state[c.feature] = c.strong
    state["equity_shock_z"] = -0.5  # both rules' conditions hold at this value
    got, _, passes = _run(state)
    assert passes["concentrated"] and passes["rate_shock"]
    assert got == "rate_shock"
    # Without the rate shock the concentrated sell-off is the answer, ahead of the fallbacks.
    state["yield_move_bp"] = 0.0
    got, _, passes = _run(state)
    assert not passes["rate_shock"] and got == "concentrated"


@pytest.mark.parametrize("bad", ["0", "4", "true", '"1"', "1.5"])
def test_tier_must_be_one_two_or_three(bad: str) -> None:
    from importlib import resources

    text = resources.files("riskoff.diagnosis").joinpath("rules.toml").read_text("utf-8")
    with pytest.raises(CatalogError, match=r"concentrated\.tier must be 1, 2 or 3"):
        parse_rules(text.replace("tier = 2", f"tier = {bad}", 1))


def test_no_data_is_calm_with_low_margin() -> None:
    frame = pd.DataFrame([{n: np.nan for n in FEATURES}], index=[pd.Timestamp("2020-01-02")])
    ev = evaluate(RULES, frame)
    assert ev.crash_type.iloc[0] == "calm"
    assert ev.runner_up.iloc[0] is None


def test_severity_levels_at_their_bounds() -> None:
    from riskoff.diagnosis.classify import overall_level
    from riskoff.diagnosis.rules import level_of

    bounds = RULES.market_bounds["vix"]
    got = level_of(np.array([bounds[0] - 0.01, bounds[0], bounds[1], bounds[3], np.nan]), bounds)
    np.testing.assert_array_equal(got[:4], [0, 1, 2, 4])
    assert np.isnan(got[4])
    # A verdict other than calm is at least mild; calm keeps the market's level.
    assert overall_level(RULES, CrashType.RATE_SHOCK, 0.0, math.nan, math.nan) == 1.0
    assert overall_level(RULES, CrashType.CALM, 0.0, -9.0, math.nan) == 0.0
    # The epicenter's shock can make the verdict worse than the market.
    epi = RULES.epicenter_bounds[2]
    assert overall_level(RULES, CrashType.CONCENTRATED, 1.0, epi, math.nan) == 3.0
    spike = RULES.funding_bounds[1]
    assert overall_level(RULES, CrashType.FUNDING_SQUEEZE, 0.0, math.nan, spike) == 2.0
