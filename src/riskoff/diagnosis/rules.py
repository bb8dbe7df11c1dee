"""The rule table (``rules.toml``) as frozen dataclasses, validated on load, and its evaluation.

``load_rules()`` reads and checks the bundled table once (every feature name must be one of
``features.FEATURES``, every type one of ``CrashType``, every bound list ordered).
``evaluate(rules, features)`` scores every crash type on every row of a feature frame at once:
the strengths of the conditions, whether the necessary ones hold, the scores, the winner, the
runner-up and the confidence. One day's diagnosis and the whole history's timeline both use it.
"""

from __future__ import annotations

import itertools
import math
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.features import FEATURES
from riskoff.errors import CatalogError
from riskoff.vocabulary import SEVERITY_LEVELS, CrashType, Severity

__all__ = [
    "LAST_TIER",
    "Condition",
    "Evaluation",
    "Rule",
    "Rules",
    "evaluate",
    "level_of",
    "load_rules",
    "parse_rules",
    "strength",
]


# Tiers of precedence: the cross-market types (1), a concentrated sell-off (2), and the
# fallbacks (3: broad sell-off, calm). A type is given only when no type of an earlier tier
# has its necessary conditions hold.
LAST_TIER = 3


@dataclass(frozen=True)
class Condition:
    """One condition of a rule: a feature ramping from ``weak`` (0) to ``strong`` (1)."""

    feature: str
    weak: float
    strong: float
    required: bool = False
    group: str = ""

    @property
    def rising(self) -> bool:
        """True when higher values are stronger."""
        return self.strong > self.weak

    def bound_text(self) -> str:
        """The necessary bound in words, e.g. ``stress_pct >= 0.7``."""
        return f"{self.feature} {'>=' if self.rising else '<='} {self.weak:g}"


@dataclass(frozen=True)
class Rule:
    """A crash type's conditions and headline."""

    crash_type: CrashType
    headline: str
    conditions: tuple[Condition, ...]
    tier: int = 1

    @property
    def fallback(self) -> bool:
        """True for the last tier's types (broad sell-off, calm)."""
        return self.tier == LAST_TIER


@dataclass(frozen=True)
class Rules:
    """The whole rule table."""

    rules: tuple[Rule, ...]
    market_bounds: dict[str, tuple[float, float, float, float]]
    market_top: int
    epicenter_bounds: tuple[float, float, float, float]
    funding_bounds: tuple[float, float, float, float]
    max_epicenters: int
    epicenter_shock_z: float
    epicenter_gap_z: float
    haven_selloff_z: float
    haven_protected_z: float
    haven_failed_z: float
    haven_fell_z: float
    haven_rose_z: float
    dollar_bid_z: float
    funding_up_bp: float
    confidence_intercept: float
    confidence_slope: float
    confidence_score_slope: float
    runner_up_within: float

    def rule(self, crash_type: CrashType) -> Rule:
        """The rule of ``crash_type``."""
        return next(r for r in self.rules if r.crash_type == crash_type)


def _float(table: dict[str, Any], key: str, where: str) -> float:
    value = table.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CatalogError(f"rule table: {where}.{key} must be a number, got {value!r}")
    return float(value)


def _feature(name: object, where: str) -> str:
    if not isinstance(name, str) or name not in FEATURES:
        raise CatalogError(
            f"rule table: {where} names unknown feature {name!r} "
            f"(one of {', '.join(sorted(FEATURES))})"
        )
    return name


def _bounds(value: object, where: str) -> tuple[float, float, float, float]:
    if not isinstance(value, list) or len(value) != 4:
        raise CatalogError(f"rule table: {where} needs four bounds (mild ... extreme)")
    nums = [float(v) for v in value]
    rising = all(a < b for a, b in itertools.pairwise(nums))
    falling = all(a > b for a, b in itertools.pairwise(nums))
    if not (rising or falling):
        raise CatalogError(f"rule table: {where} bounds must be strictly ordered: {value}")
    return (nums[0], nums[1], nums[2], nums[3])


def _condition(raw: object, where: str) -> Condition:
    if not isinstance(raw, dict):
        raise CatalogError(f"rule table: {where} must be a table")
    unknown = set(raw) - {"feature", "weak", "strong", "required", "group"}
    if unknown:
        raise CatalogError(f"rule table: {where} has unknown key(s) {', '.join(sorted(unknown))}")
    weak, strong = _float(raw, "weak", where), _float(raw, "strong", where)
    if weak == strong:
        raise CatalogError(f"rule table: {where} needs weak != strong")
    group = raw.get("group", "")
    required = raw.get("required", False)
    if not isinstance(group, str) or not isinstance(required, bool):
        raise CatalogError(f"rule table: {where}: group is a string, required a boolean")
    if group and required:
        raise CatalogError(f"rule table: {where} is either required or in a group, not both")
    return Condition(_feature(raw.get("feature"), where), weak, strong, required, group)


def parse_rules(text: str) -> Rules:
    """Parse and validate a rule table in the ``rules.toml`` format.

    Raises
    ------
    CatalogError
        On invalid TOML, an unknown crash type or feature, a type listed twice or missing,
        malformed bounds, or a rule without a necessary condition (calm excepted).
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"rule table is not valid TOML: {exc}") from exc
    rules = []
    for i, raw in enumerate(data.get("rule", [])):
        where = f"rule #{i + 1}"
        try:
            crash_type = CrashType(raw.get("type"))
        except ValueError:
            raise CatalogError(
                f"rule table: {where} has unknown type {raw.get('type')!r}"
            ) from None
        conds = tuple(
            _condition(c, f"{crash_type}.conditions[{j}]")
            for j, c in enumerate(raw.get("conditions", []))
        )
        if not any(c.required or c.group for c in conds):
            raise CatalogError(f"rule table: {crash_type} has no necessary condition")
        tier = raw.get("tier", 1)
        if isinstance(tier, bool) or tier not in range(1, LAST_TIER + 1):
            raise CatalogError(
                f"rule table: {crash_type}.tier must be 1, 2 or {LAST_TIER}, not {tier!r}"
            )
        headline = str(raw.get("headline", crash_type.value))
        rules.append(Rule(crash_type, headline, conds, tier))
    types = [r.crash_type for r in rules]
    if sorted(types) != sorted(CrashType):
        missing = sorted(set(CrashType) - set(types))
        twice = sorted({t for t in types if types.count(t) > 1})
        raise CatalogError(f"rule table: types missing {missing}, listed twice {twice}")
    sev = data.get("severity", {})
    market = {
        _feature(k, "severity.market"): _bounds(v, f"severity.market.{k}")
        for k, v in sev.get("market", {}).items()
    }
    epi, haven, conf = data.get("epicenters", {}), data.get("safe_havens", {}), data["confidence"]
    return Rules(
        rules=tuple(rules),
        market_bounds=market,
        market_top=int(sev.get("market_top", 3)),
        epicenter_bounds=_bounds(sev.get("epicenter", {}).get("shock_z"), "severity.epicenter"),
        funding_bounds=_bounds(sev.get("funding", {}).get("spike_bp"), "severity.funding"),
        max_epicenters=int(epi.get("max", 3)),
        epicenter_shock_z=_float(epi, "shock_z", "epicenters"),
        epicenter_gap_z=_float(epi, "gap_z", "epicenters"),
        haven_selloff_z=_float(haven, "selloff_z", "safe_havens"),
        haven_protected_z=_float(haven, "protected_z", "safe_havens"),
        haven_failed_z=_float(haven, "failed_z", "safe_havens"),
        haven_fell_z=_float(haven, "fell_z", "safe_havens"),
        haven_rose_z=_float(haven, "rose_z", "safe_havens"),
        dollar_bid_z=_float(data.get("dollar", {}), "bid_z", "dollar"),
        funding_up_bp=_float(data.get("funding", {}), "up_bp", "funding"),
        confidence_intercept=_float(conf, "intercept", "confidence"),
        confidence_slope=_float(conf, "slope", "confidence"),
        confidence_score_slope=_float(conf, "score_slope", "confidence"),
        runner_up_within=_float(conf, "runner_up_within", "confidence"),
    )


@cache
def load_rules() -> Rules:
    """Read and validate the bundled ``rules.toml`` (once)."""
    text = resources.files("riskoff.diagnosis").joinpath("rules.toml").read_text("utf-8")
    return parse_rules(text)


def strength(cond: Condition, x: np.ndarray) -> np.ndarray:
    """Ramp of ``x`` from ``cond.weak`` (0) to ``cond.strong`` (1); NaN gives 0."""
    with np.errstate(invalid="ignore"):
        s = (x - cond.weak) / (cond.strong - cond.weak)
    return np.nan_to_num(np.clip(s, 0.0, 1.0), nan=0.0)


def holds(cond: Condition, x: np.ndarray) -> np.ndarray:
    """Whether ``x`` is at ``cond.weak`` or beyond on the strong side (NaN never holds)."""
    with np.errstate(invalid="ignore"):
        return (x >= cond.weak) if cond.rising else (x <= cond.weak)


def level_of(x: np.ndarray, bounds: tuple[float, ...]) -> np.ndarray:
    """How many of ``bounds`` (mild ... extreme) ``x`` reaches; NaN stays NaN."""
    rising = bounds[-1] > bounds[0]
    reached = [(x >= b) if rising else (x <= b) for b in bounds]
    out = np.sum(reached, axis=0).astype(float)
    return np.where(np.isnan(x), np.nan, out)


@dataclass
class Evaluation:
    """Scores and verdicts of every row of a feature frame."""

    scores: pd.DataFrame  # type -> score
    passes: pd.DataFrame  # type -> necessary conditions hold (fallbacks: before precedence)
    crash_type: pd.Series
    runner_up: pd.Series  # type or None
    runner_up_score: pd.Series
    margin: pd.Series
    confidence: pd.Series


def evaluate(rules: Rules, features: pd.DataFrame) -> Evaluation:
    """Score every type on every row; the winner is the best type whose conditions hold."""
    scores, passes = {}, {}
    for rule in rules.rules:
        strengths, ok = [], np.ones(len(features), dtype=bool)
        groups: dict[str, np.ndarray] = {}
        for cond in rule.conditions:
            x = features[cond.feature].to_numpy(dtype=float)
            strengths.append(strength(cond, x))
            if cond.required:
                ok &= holds(cond, x)
            elif cond.group:
                groups[cond.group] = groups.get(cond.group, np.zeros(len(x), bool)) | holds(cond, x)
        for g in groups.values():
            ok &= g
        name = rule.crash_type.value
        scores[name] = np.mean(strengths, axis=0)
        passes[name] = ok
    score_frame = pd.DataFrame(scores, index=features.index)
    pass_frame = pd.DataFrame(passes, index=features.index)
    # A type competes only on rows where no type of an earlier tier has its conditions hold.
    eligible_mask = pass_frame.copy()
    earlier = np.zeros(len(features), dtype=bool)
    for tier in range(1, LAST_TIER + 1):
        names_in = [r.crash_type.value for r in rules.rules if r.tier == tier]
        eligible_mask.loc[earlier, names_in] = False
        earlier |= pass_frame[names_in].any(axis=1).to_numpy()
    eligible = score_frame.where(eligible_mask, -np.inf).to_numpy()
    order = np.argsort(-eligible, axis=1, kind="stable")
    names = np.array(score_frame.columns)
    best = np.take_along_axis(eligible, order[:, :1], axis=1)[:, 0]
    second = np.take_along_axis(eligible, order[:, 1:2], axis=1)[:, 0]
    winner = np.where(np.isfinite(best), names[order[:, 0]], CrashType.CALM.value)
    best_score = np.where(np.isfinite(best), best, 0.0)
    has_second = np.isfinite(second)
    margin = np.where(has_second, best_score - np.where(has_second, second, 0.0), best_score)
    # A runner-up only when its necessary conditions hold and it is close to the winner.
    named = has_second & (margin <= rules.runner_up_within)
    runner = names[order[:, 1]].astype(object)
    runner[~named] = None
    runner_score = np.where(named, second, np.nan)
    z = (
        rules.confidence_intercept
        + rules.confidence_slope * margin
        + rules.confidence_score_slope * best_score
    )
    confidence = 1.0 / (1.0 + np.exp(-z))
    idx = features.index
    return Evaluation(
        scores=score_frame,
        passes=pass_frame,
        crash_type=pd.Series(winner, index=idx),
        runner_up=pd.Series(runner, index=idx),
        runner_up_score=pd.Series(runner_score.astype(float), index=idx),
        margin=pd.Series(margin, index=idx),
        confidence=pd.Series(confidence, index=idx),
    )


def market_level(rules: Rules, features: pd.DataFrame) -> pd.Series:
    """The market's severity level (0 none ... 4 extreme), NaN when no measure is known."""
    levels = np.vstack(
        [level_of(features[k].to_numpy(dtype=float), b) for k, b in rules.market_bounds.items()]
    )
    top = -np.sort(-np.nan_to_num(levels, nan=-1.0), axis=0)[: rules.market_top]
    top = np.where(top < 0, np.nan, top)
    counts = np.isfinite(top).sum(axis=0)
    mean = np.where(counts > 0, np.nansum(top, axis=0) / np.maximum(counts, 1), np.nan)
    return pd.Series(np.floor(mean), index=features.index)


def severity_name(level: float) -> Severity:
    """The severity of a level (0 ... 4); unknown for NaN."""
    if level is None or not math.isfinite(level):
        return Severity.UNKNOWN
    return SEVERITY_LEVELS[int(min(max(level, 0), 4))]
