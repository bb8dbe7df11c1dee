"""Named thresholds read by the report, taken from the rule table (``rules.toml``).

The rule table is the only place thresholds are set; this module only gives a few of them the
names the report's sentences quote.
"""

from __future__ import annotations

from riskoff.diagnosis.rules import Condition, load_rules
from riskoff.vocabulary import CrashType


def _bounds(crash_type: CrashType, feature: str) -> tuple[float, float]:
    cond: Condition = next(
        c for c in load_rules().rule(crash_type).conditions if c.feature == feature
    )
    return (cond.weak, cond.strong)


_rules = load_rules()
BREADTH = _bounds(CrashType.LIQUIDITY_CRUNCH, "breadth")
STRESS_PERCENTILE = _bounds(CrashType.LIQUIDITY_CRUNCH, "stress_pct")
CORRELATION_JUMP = _bounds(CrashType.LIQUIDITY_CRUNCH, "corr_jump")
CREDIT_WIDENING_BP = _bounds(CrashType.LIQUIDITY_CRUNCH, "credit_move_bp")
# Stress percentile below each bound: the word for it (the market severity's stress bounds).
_stress = _rules.market_bounds["stress_pct"]
SEVERITY_BOUNDS = (
    (_stress[1], "mild"),
    (_stress[2], "moderate"),
    (_stress[3], "severe"),
    (1.01, "extreme"),
)
