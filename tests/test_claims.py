"""Claims of a commentary checked against the data: parsing, verdicts, numbers with dates."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from riskoff.claims import (
    ClaimError,
    Readings,
    Verdict,
    builtin_claims,
    check_claims,
    load_claims,
    parse_claims,
)
from riskoff.cli import app
from riskoff.diagnosis.diagnose import diagnose_from
from riskoff.pipeline import indicator_set

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "docs" / "examples" / "claims-2026-02.toml"


@pytest.fixture(scope="module")
def readings(seeded_home: Path) -> Readings:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        result = indicator_set("2026-02-05")
        day = result.table.index[-1]
        return Readings(result, diagnose_from(result, day, analogs_k=0), day)


def test_malformed_claims_are_refused() -> None:
    with pytest.raises(ClaimError, match="needs a text"):
        parse_claims('[[claim]]\nid = "a"\ncheck = ["breadth > 0.5"]\n')
    with pytest.raises(ClaimError, match="used twice"):
        parse_claims(
            '[[claim]]\nid = "a"\nsays = "x"\ncheck = "breadth > 1"\n'
            '[[claim]]\nid = "a"\nsays = "y"\ncheck = "breadth > 1"\n'
        )
    with pytest.raises(ClaimError, match="claim 'a'"):
        parse_claims('[[claim]]\nid = "a"\nsays = "x"\ncheck = "breadth >> 1"\n')


def test_an_unknown_name_is_an_error_not_missing_data(readings: Readings) -> None:
    claims = parse_claims('[[claim]]\nid = "a"\nsays = "x"\ncheck = "sofr_iorbb_bp > 14"\n')
    with pytest.raises(ClaimError, match="sofr_iorbb_bp"):
        check_claims(claims, readings)
    typo = parse_claims('[[claim]]\nid = "a"\nsays = "x"\ncheck = "move_pct.NIKEI < 0"\n')
    with pytest.raises(ClaimError, match=r"move_pct\.NIKEI"):
        check_claims(typo, readings)


def test_verdicts_follow_the_checks(readings: Readings) -> None:
    text = """
[[claim]]
id = "all"
says = "both hold"
check = ["level.BTC-USD < 1000000", "level.BTC-USD > 1"]
[[claim]]
id = "some"
says = "one holds"
check = ["level.BTC-USD < 1000000", "level.BTC-USD < 1"]
[[claim]]
id = "none"
says = "none holds"
check = ["level.BTC-USD > 1000000"]
[[claim]]
id = "unknown"
says = "no data"
check = ["level.ETH-USD > 1 and move_pct.DGS30 > 1000"]
"""
    verdicts = {c.claim.id: c.verdict for c in check_claims(parse_claims(text), readings)}
    assert verdicts["all"] == Verdict.SUPPORTED
    assert verdicts["some"] == Verdict.PARTLY
    assert verdicts["none"] == Verdict.CONTRADICTED


def test_the_february_2026_commentary(readings: Readings) -> None:
    checks = {c.claim.id: c for c in check_claims(load_claims(EXAMPLE), readings)}
    verdict = {k: c.verdict for k, c in checks.items()}
    assert verdict["nikkei"] == Verdict.CONTRADICTED
    assert verdict["mortgages"] == Verdict.CONTRADICTED
    assert verdict["liquidity-crunch"] == Verdict.CONTRADICTED
    assert verdict["bitcoin"] == Verdict.SUPPORTED
    assert verdict["mags"] == Verdict.SUPPORTED
    # The funding spike was real in late 2025, not on the day.
    assert verdict["sofr-iorb"] == Verdict.PARTLY
    facts = {f.key: f for f in checks["sofr-iorb"].facts}
    assert facts["sofr_iorb_max_6m_bp"].value == pytest.approx(32.0)
    assert facts["sofr_iorb_max_6m_bp"].observed == "2025-10-31"
    # The day's SOFR fixing is published the next morning: the value known is the 4 Feb one.
    assert facts["sofr_iorb_bp"].observed == "2026-02-04"
    # A peak move states both closes and equals their simple return.
    silver = {f.key: f for f in checks["metals"].facts}["peak_move_pct.SLV"]
    slv = readings.result.panel["SLV"]
    expected = (slv.loc[silver.end] / slv.loc[silver.start] - 1) * 100
    assert silver.value == pytest.approx(expected)
    assert silver.value < -30


def test_builtin_claims_are_all_valid(readings: Readings) -> None:
    checks = check_claims(builtin_claims(), readings)
    assert len(checks) >= 10
    assert {c.verdict for c in checks} <= set(Verdict)
    for c in checks:
        for f in c.facts:
            assert f.value is None or f.observed, f  # every known number has its date


def test_verify_command(seeded_home: Path) -> None:
    out = CliRunner().invoke(app, ["verify", str(EXAMPLE), "--date", "2026-02-05"])
    assert out.exit_code == 0, out.output
    assert "contradicted" in out.output and "supported" in out.output
    assert pd.Timestamp("2026-02-05").date().isoformat() in out.output


def test_a_brief_with_the_builtin_claims_has_one_value_per_quantity(readings: Readings) -> None:
    from riskoff.report.render import report_from

    report = report_from(
        readings.result, readings.diagnosis, readings.day, claims=builtin_claims(), charts=False
    )
    assert report.conflicts == ()
    mag7 = report.facts.get(f"table.mag7_move_pct@{readings.day.date().isoformat()}")
    assert mag7 is not None  # read by the claims and by the triggers: the same simple return
    section = report.section("claims")
    assert section.blocks and "claims checked" in section.blocks[0].text
