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
# The market severity table's stress bounds (mild, moderate, severe, extreme): the percentiles
# from which the brief's words for the stress index step up.
STRESS_BOUNDS: tuple[float, ...] = tuple(_rules.market_bounds["stress_pct"])
