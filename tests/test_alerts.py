"""Alert rules: the small language, the default set, ``riskoff check`` and its webhook."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

sys.path.insert(0, str(Path(__file__).parent / "sources"))

from riskoff_testnet import LocalServer, Reply

from riskoff import alerts
from riskoff.alerts import (
    Rule,
    RuleError,
    context_from_diagnosis,
    evaluate,
    evaluate_rule,
    load_rules,
    parse_expression,
    parse_rules,
)


def march_2020() -> dict[str, Any]:
    """A hand-built diagnosis in the shape of ``Diagnosis.to_dict()``."""
    return {
        "date": "2020-03-16",
        "crash_type": "liquidity_crunch",
        "epicenter": "funding",
        "confidence": 0.8,
        "runner_up": "growth_scare",
        "stress_index": 0.91,
        "funding_state": "strained",
        "evidence": [{"claim": "SOFR above IORB", "value": 14.0}],
        "analogs": [{"episode": "2008-10", "distance": 0.4}],
        "indicators": {
            "sofr_iorb_bp": 14.0,
            "effr_iorb_bp": -5.0,
            "stress_index": 0.91,
            "avg_corr_60d": 0.72,
            "breadth": 0.7,
            "safe_haven_failure": 1.4,
            "calendar_day": False,
            "vix_level": 57.8,
            "net_liquidity_usd_bn": 3200.0,
            "turbulence": 45.0,
            "absorption_ratio": float("nan"),
        },
        "percentiles": {
            "stress_index": 0.99,
            "avg_corr_60d": 0.97,
            "breadth": 0.99,
            "turbulence": 0.995,
        },
    }


CTX = context_from_diagnosis(march_2020())


def fired(when: str, context: dict[str, Any] = CTX) -> bool | None:
    return evaluate_rule(Rule.parse("r", when), context).fired


# -- the language -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("when", "expected"),
    [
        ("sofr_iorb_bp > 10", True),
        ("sofr_iorb_bp >= 14", True),
        ("sofr_iorb_bp < 14", False),
        ("sofr_iorb_bp <= -1e3", False),
        ("effr_iorb_bp == -5", True),
        ("effr_iorb_bp != -5.0", False),
        ("crash_type in [liquidity_crunch, funding_squeeze]", True),
        ("crash_type in ['growth_scare', \"rates_shock\"]", False),
        ("crash_type not in [growth_scare]", True),
        ("crash_type == liquidity_crunch", True),
        ("safe_haven_failure >= 1", True),
        ("not calendar_day", True),
        ("calendar_day", False),
        ("calendar_day == false", True),
        ("stress_index percentile > 0.95", True),
        ("breadth percentile > 0.95 and avg_corr_60d percentile > 0.95", True),
        ("sofr_iorb_bp > 100 or (breadth > 0.5 and not effr_iorb_bp > 0)", True),
        ("confidence > 0.5", True),
    ],
)
def test_expressions(when: str, expected: bool) -> None:
    assert fired(when) is expected


@pytest.mark.parametrize(
    "when",
    [
        "absorption_ratio > 0.8",
        "missing_indicator > 1",
        "absorption_ratio percentile > 0.9",
        "missing and not calendar_day",
    ],
)
def test_missing_or_nan_inputs_are_unknown_not_quiet(when: str) -> None:
    result = evaluate_rule(Rule.parse("r", when), CTX)
    assert result.fired is None and result.status == "unknown"
    assert "missing input" in result.reason


def test_three_valued_logic_short_cuts() -> None:
    assert fired("missing > 1 or not calendar_day") is True
    assert fired("missing > 1 and calendar_day") is False


def test_a_bare_number_must_be_compared() -> None:
    result = evaluate_rule(Rule.parse("r", "safe_haven_failure"), CTX)
    assert result.fired is None
    assert "compare it, e.g. 'safe_haven_failure >= 1'" in result.reason


@pytest.mark.parametrize(
    ("when", "message"),
    [
        ("", "empty rule expression"),
        ("sofr_iorb_bp >", "expected a value"),
        ("sofr_iorb_bp > 10 10", "unexpected '10'"),
        ("crash_type in [a, b", "expected ',' or '\\]' but found the end"),
        ("__import__('os').system('rm -rf /')", "cannot read|expected"),
        ("sofr_iorb_bp ; 1", "cannot read"),
        ("(sofr_iorb_bp > 1", "expected \\)"),
    ],
)
def test_malformed_expressions_are_refused(when: str, message: str) -> None:
    with pytest.raises(RuleError, match=message):
        parse_expression(when)


def test_order_comparison_on_text_is_reported() -> None:
    result = evaluate_rule(Rule.parse("r", "crash_type > 3"), CTX)
    assert result.fired is None and "order comparisons need numbers" in result.reason


def test_values_read_are_reported() -> None:
    result = evaluate_rule(Rule.parse("r", "stress_index percentile > 0.95"), CTX)
    assert result.values == {"stress_index percentile": 0.99}
    assert "stress_index percentile = 0.99" in alerts.describe(result)


# -- rules files ------------------------------------------------------------------------------
def test_default_rules_parse_and_fire_on_march_2020() -> None:
    rules = load_rules()
    assert 8 <= len(rules) <= 12
    assert all(rule.note for rule in rules)
    results = {r.rule.name: r for r in evaluate(rules, CTX)}
    names = {name for name, r in results.items() if r.fired}
    assert names == {
        "sofr_above_iorb",
        "funding_driven_selloff",
        "stress_extreme",
        "safe_haven_failure",
        "breadth_of_selling",
        "correlation_spike",
        "turbulence_extreme",
        "vix_above_30",
    }
    assert results["absorption_extreme"].status == "unknown"  # NaN in, no guess out


def test_rules_file_errors(tmp_path: Path) -> None:
    with pytest.raises(RuleError, match="no such rules file"):
        load_rules(tmp_path / "nope.toml")
    with pytest.raises(RuleError, match="invalid TOML"):
        parse_rules("[[rule]\nname=", "f.toml")
    with pytest.raises(RuleError, match="needs a text 'name' and 'when'"):
        parse_rules('[[rule]]\nname = "a"\n', "f.toml")
    with pytest.raises(RuleError, match="used twice"):
        parse_rules(
            '[[rule]]\nname="a"\nwhen="breadth > 1"\n[[rule]]\nname="a"\nwhen="breadth > 2"\n',
            "f.toml",
        )
    with pytest.raises(RuleError, match=r"f\.toml: rule 'bad': expected a value"):
        parse_rules('[[rule]]\nname="bad"\nwhen="x >"\n', "f.toml")


def test_build_context_uses_diagnose_lazily(monkeypatch: pytest.MonkeyPatch) -> None:
    import riskoff

    class FakeDiagnosis:
        def to_dict(self) -> dict[str, Any]:
            return march_2020()

    seen: list[object] = []

    def diagnose(day: object) -> FakeDiagnosis:
        seen.append(day)
        return FakeDiagnosis()

    monkeypatch.setattr(riskoff, "diagnose", diagnose, raising=False)
    context = alerts.build_context("2020-03-16")
    assert seen == ["2020-03-16"]
    assert context["sofr_iorb_bp"] == 14.0 and context["crash_type"] == "liquidity_crunch"
    assert context["percentiles"]["stress_index"] == 0.99
    assert "evidence" not in context  # lists stay out of the flat context


def test_build_context_on_the_real_diagnosis_shape(monkeypatch: pytest.MonkeyPatch) -> None:
    result_module = pytest.importorskip("riskoff.diagnosis.result")
    fields = {f.name for f in result_module.Diagnosis.__dataclass_fields__.values()}
    assert {"date", "crash_type", "indicators", "percentiles"} <= fields


# -- the command ------------------------------------------------------------------------------
def _app() -> typer.Typer:
    from riskoff.cli import app

    return app


@pytest.fixture
def march(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(alerts, "build_context", lambda as_of=None: dict(CTX))


def test_check_text_exits_1_when_a_rule_fires(march: None) -> None:
    result = CliRunner().invoke(_app(), ["check"])
    assert result.exit_code == 1, result.output
    text = " ".join(result.output.split())
    assert "riskoff check as of 2020-03-16: liquidity_crunch" in text
    assert "FIRED sofr_above_iorb: sofr_iorb_bp > 10 (sofr_iorb_bp = 14 bp)" in text
    assert "UNKNOWN absorption_extreme" in text


def test_check_json_and_quiet_day(march: None, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "calm"\nwhen = "sofr_iorb_bp > 50"\nnote = "n"\n')
    result = CliRunner().invoke(_app(), ["check", "--rules", str(rules), "--format", "json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["fired"] == [] and document["as_of"] == "2020-03-16"
    assert document["results"][0]["values"] == {"sofr_iorb_bp": 14.0}


def test_check_bad_rules_file_exits_2(march: None, tmp_path: Path) -> None:
    rules = tmp_path / "rules.toml"
    rules.write_text('[[rule]]\nname = "x"\nwhen = "a >"\n')
    result = CliRunner().invoke(_app(), ["check", "--rules", str(rules)])
    assert result.exit_code == 2 and "expected a value" in result.output


def test_webhook_posts_the_json_to_a_local_server(march: None) -> None:
    with LocalServer() as server:
        server.route("/hook", Reply(status=204, body=b""))
        result = CliRunner().invoke(
            _app(), ["check", "--webhook", server.url + "/hook", "--format", "json"]
        )
        assert result.exit_code == 1, result.output
        (hit,) = server.hits("/hook")
    assert hit.method == "POST"
    posted = json.loads(hit.body)
    assert posted == json.loads(result.output)
    assert "sofr_above_iorb" in posted["fired"]


def test_webhook_failure_still_prints_the_fired_rules_and_exits_3(march: None) -> None:
    with LocalServer() as server:
        server.route("/hook", Reply(status=500, body="down"))
        result = CliRunner().invoke(_app(), ["check", "--webhook", server.url + "/hook"])
        assert len(server.hits("/hook")) == 1  # a POST is never repeated
    text = " ".join(result.output.split())
    assert result.exit_code == 3, result.output
    assert "FIRED sofr_above_iorb" in text and "8 of 10 rules fired" in text
    assert "webhook" in text and "HTTP 500" in text
