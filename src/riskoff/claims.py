"""Claims of a market commentary checked against the data of a date.

A claims file is TOML with one ``[[claim]]`` table per claim::

    title = "A commentary on the early-February 2026 sell-off"
    source = "https://example.org/commentary"

    [[claim]]
    id = "bitcoin-below-75k"
    says = "Bitcoin fell below $75,000"
    check = ["level.BTC-USD < 75000"]

Each ``check`` is an expression of the alert-rule language (:mod:`riskoff.alerts`), read over
the names of :data:`NAMES` and the per-series families of :data:`FAMILIES`
(``move_pct.NIKKEI225``, ``peak_move_pct.SLV``, ``level.BTC-USD``, ``low_years.DTWEXBGS``,
``max_126d.sofr_iorb_bp``). A claim is **supported** when every check holds, **contradicted**
when none does, **partly** supported when some do, and **no data** when none can be judged;
the numbers behind the verdict are given with their observation dates and windows.

Everything here is pure: the indicator set, the diagnosis and the last observation dates come
in as arguments.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from riskoff.alerts import Compare, Logic, Member, Node, Ref, RuleError, Truth, parse_expression
from riskoff.diagnosis.result import Diagnosis
from riskoff.errors import RiskoffError
from riskoff.indicators import IndicatorSet
from riskoff.indicators.crossasset import window_span
from riskoff.report.facts import (
    LOG_PERCENT,
    Fact,
    Observations,
    column_max,
    level,
    peak_move,
    series_move,
    simple_percent,
    years_since,
)

__all__ = [
    "FAMILIES",
    "NAMES",
    "Claim",
    "ClaimCheck",
    "ClaimError",
    "ClaimSet",
    "Readings",
    "Verdict",
    "builtin_claims",
    "check_claims",
    "fact_text",
    "load_claims",
    "parse_claims",
]


class ClaimError(RiskoffError):
    """A claims file or a claim's check is malformed or names an unknown quantity."""


class Verdict(StrEnum):
    """What the data say of a claim."""

    SUPPORTED = "supported"
    PARTLY = "partly"
    CONTRADICTED = "contradicted"
    NO_DATA = "no data"


# Names read from the diagnosis (typed fields) rather than the indicator table.
DIAGNOSIS_NAMES = (
    "crash_type",
    "severity",
    "funding_state",
    "safe_haven_verdict",
    "dash_for_cash",
    "confidence",
)
# Per-series families: ``<family>.<series id>`` (or an indicator column for ``max_126d``).
FAMILIES = {
    "move_pct": "simple return over the window, percent",
    "day_pct": "return of the last observed day, percent",
    "peak_move_pct": "return from the highest close of the last 60 business days, percent",
    "peak_record_years": "years before that 60-day peak since a higher close (a record: all)",
    "level": "last value known on the day",
    "low_years": "years since the series was last lower",
    "high_years": "years since the series was last higher",
    "max_126d": "highest value of an indicator over the last 126 business days (6 months)",
}
PEAK_LOOKBACK = 60
# Fixed names beyond the indicator columns (documented in ``riskoff verify --help``).
NAMES = (*DIAGNOSIS_NAMES, "sofr_iorb_max_6m_bp")


def _unit(column: str) -> str:
    if column.endswith("_pct") and "move" not in column and "chg" not in column:
        return "% level"
    for suffix, unit in (("_bp", "bp"), ("_pct", "%"), ("_usd_bn", "USD bn"), ("_years", "years")):
        if column.endswith(suffix) or suffix + "_" in column:
            return unit
    return "index"


class Readings(Mapping[str, Any]):
    """The names a check may read, computed on first use, each backed by a :class:`Fact`.

    Parameters
    ----------
    result : IndicatorSet
        The indicator set as known on the day.
    diagnosis : Diagnosis
        The diagnosis of the day.
    day : Timestamp
        The day described.
    last_dates : mapping, optional
        Series id -> last observation date known on the day (default: the indicator set's
        ``last_observed``, recorded from the store by the pipeline).
    """

    def __init__(
        self,
        result: IndicatorSet,
        diagnosis: Diagnosis,
        day: pd.Timestamp,
        last_dates: Mapping[str, str | None] | None = None,
    ) -> None:
        self.result = result
        self.diagnosis = diagnosis
        self.day = day
        if last_dates is None:
            last_dates = {k: str(v) for k, v in getattr(result, "last_observed", {}).items()}
        self.obs = Observations(result.panel, day, last_dates)
        self.facts: dict[str, Fact] = {}
        self.percentiles = dict(diagnosis.percentiles)

    # Mapping protocol: only known names are "in" the readings.
    def __getitem__(self, name: str) -> Any:
        if name == "percentiles":
            return self.percentiles
        fact = self.fact(name)
        if fact is None:
            raise KeyError(name)
        return fact.value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and (name == "percentiles" or self.valid(name))

    def __iter__(self) -> Iterator[str]:
        return iter(self.facts)

    def __len__(self) -> int:
        return len(self.facts)

    def valid(self, name: str) -> bool:
        """Whether ``name`` is a quantity the readings can give (known or not on the day)."""
        if name in NAMES or name in self.result.table.columns:
            return True
        family, _, rest = name.partition(".")
        if family not in FAMILIES or not rest:
            return False
        if family == "max_126d":
            return rest in self.result.table.columns
        return rest in self.result.panel.columns or rest in self.result.move_pct.columns

    def fact(self, name: str) -> Fact | None:
        """The fact behind ``name`` (None when the name is unknown)."""
        if name in self.facts:
            return self.facts[name]
        if not self.valid(name):
            return None
        fact = self._compute(name)
        self.facts[name] = fact
        return fact

    def ref_fact(self, ref: Ref) -> Fact | None:
        """The fact behind a reference of a check (its percentile when it asks for one)."""
        if not ref.percentile:
            return self.fact(ref.name)
        base = self.fact(ref.name)
        value = self.percentiles.get(ref.name)
        return Fact(
            f"percentile.{ref.name}",
            float(value) if value is not None else None,
            "percentile",
            base.observed if base is not None else "",
            series=ref.name,
        )

    def _compute(self, name: str) -> Fact:
        d, day, obs = self.diagnosis, self.day, self.obs
        iso = day.date().isoformat()
        if name in DIAGNOSIS_NAMES:
            value = getattr(d, name)
            if isinstance(value, bool):
                return Fact(name, str(value).lower(), "text", iso, series="diagnosis")
            if isinstance(value, StrEnum | str):
                return Fact(name, str(value), "text", iso, series="diagnosis")
            return Fact(name, float(value), "score", iso, series="diagnosis")
        if name == "sofr_iorb_max_6m_bp":
            return _renamed(column_max(self.result.table, obs, "sofr_iorb_bp", 126, "bp"), name)
        family, _, rest = name.partition(".")
        if family == "max_126d":
            return column_max(self.result.table, obs, rest, 126, _unit(rest))
        if family == "move_pct" and rest in self.result.move_pct.columns:
            return self._class_move(name, rest)
        if family == "move_pct":
            return series_move(obs, rest, self.result.window, key=name)
        if family == "day_pct":
            return _renamed(series_move(obs, rest, 1), name)
        if family == "peak_move_pct":
            return peak_move(obs, rest, PEAK_LOOKBACK)
        if family == "peak_record_years":
            peak = peak_move(obs, rest, PEAK_LOOKBACK)
            if not peak.start:
                return Fact(name, None, "years", series=rest)
            return _renamed(years_since(obs, rest, True, at=pd.Timestamp(peak.start)), name)
        if family == "level":
            return level(obs, rest, "level")
        if family in ("low_years", "high_years"):
            return years_since(obs, rest, higher=family == "high_years")
        raw = self.result.table[name].loc[day] if day in self.result.table.index else math.nan
        if name == "funding_state" or isinstance(raw, str):
            return Fact(name, str(raw), "text", obs.column_date(name), series=name)
        value = float(raw)
        if name in LOG_PERCENT and math.isfinite(value):
            value = simple_percent(value)  # shown and judged as the move between the closes
        return Fact(
            name,
            value if math.isfinite(value) else None,
            _unit(name),
            obs.column_date(name),
            series=name,
        )

    def _class_move(self, name: str, asset_class: str) -> Fact:
        span = window_span(self.result.returns, self.result.window, self.day).get(asset_class)
        value = float(self.result.move_pct[asset_class].loc[self.day])
        if span is None or not math.isfinite(value):
            return Fact(name, None, "%", series=asset_class)
        start, end = (t.date().isoformat() for t in span)
        proxy = next((m.proxy for m in self.diagnosis.returns if m.asset_class == asset_class), "")
        return Fact(name, value, "%", end, start, end, asset_class, proxy)


def _renamed(fact: Fact, key: str) -> Fact:
    return Fact(
        key, fact.value, fact.unit, fact.observed, fact.start, fact.end, fact.series, fact.proxy
    )


# -- claims files --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Claim:
    """One claim: what the commentary says and the checks that would make it true."""

    id: str
    says: str
    checks: tuple[str, ...]
    note: str = ""
    trees: tuple[Node, ...] = field(default=(), compare=False, repr=False)


@dataclass(frozen=True)
class ClaimSet:
    """A commentary's claims."""

    title: str
    source: str
    claims: tuple[Claim, ...]


def _refs(node: Node) -> list[Ref]:
    if isinstance(node, Logic):
        return [r for part in node.parts for r in _refs(part)]
    if isinstance(node, Compare | Member | Truth):
        return [node.ref]
    return []  # pragma: no cover - every node kind is handled above


def parse_claims(text: str, origin: str = "claims") -> ClaimSet:
    """Parse a claims TOML document.

    Raises
    ------
    ClaimError
        On invalid TOML, a claim without ``id``, ``says`` or ``check``, a duplicate id or a
        check outside the rule language; the message names ``origin`` and the claim.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ClaimError(f"{origin}: invalid TOML: {exc}") from None
    tables = doc.get("claim", [])
    if not isinstance(tables, list) or not tables:
        raise ClaimError(f"{origin}: no [[claim]] tables")
    claims: list[Claim] = []
    seen: set[str] = set()
    for i, table in enumerate(tables, start=1):
        cid, says, checks = table.get("id"), table.get("says"), table.get("check")
        if isinstance(checks, str):
            checks = [checks]
        if not isinstance(cid, str) or not isinstance(says, str) or not checks:
            raise ClaimError(f"{origin}: claim {i} needs a text 'id', 'says' and 'check'")
        if cid in seen:
            raise ClaimError(f"{origin}: claim id {cid!r} is used twice")
        seen.add(cid)
        trees = []
        for check in checks:
            try:
                trees.append(parse_expression(str(check)))
            except RuleError as exc:
                raise ClaimError(f"{origin}: claim {cid!r}: {exc}") from None
        claims.append(
            Claim(
                cid, says, tuple(str(c) for c in checks), str(table.get("note", "")), tuple(trees)
            )
        )
    return ClaimSet(str(doc.get("title", "")), str(doc.get("source", "")), tuple(claims))


def load_claims(path: str | Path) -> ClaimSet:
    """Read a claims file.

    Raises
    ------
    ClaimError
        If the file is missing or malformed.
    """
    path = Path(path)
    if not path.exists():
        raise ClaimError(f"{path}: no such claims file")
    return parse_claims(path.read_text(encoding="utf-8"), str(path))


def builtin_claims() -> ClaimSet:
    """The shipped claims of the common sell-off narratives (``default_claims.toml``)."""
    text = resources.files("riskoff").joinpath("default_claims.toml").read_text(encoding="utf-8")
    return parse_claims(text, "default_claims.toml")


# -- checking ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ClaimCheck:
    """How one claim came out on a date.

    Attributes
    ----------
    claim : Claim
    verdict : Verdict
    results : tuple of (str, bool or None)
        Each check's text and outcome (None: an input unknown on the day).
    facts : tuple of Fact
        The numbers the checks read, with observation dates and windows.
    """

    claim: Claim
    verdict: Verdict
    results: tuple[tuple[str, bool | None], ...]
    facts: tuple[Fact, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "id": self.claim.id,
            "says": self.claim.says,
            "verdict": str(self.verdict),
            "checks": [{"check": c, "holds": r} for c, r in self.results],
            "facts": [f.to_dict() for f in self.facts],
            "note": self.claim.note,
        }


def fact_text(fact: Fact) -> str:
    """One number behind a verdict: ``move_pct.NIKKEI225 = +0.24% (2026-01-22 to 2026-02-05)``."""
    value = fact.value
    if value is None:
        shown = "no data"
    elif isinstance(value, str):
        shown = value
    elif fact.unit == "%":
        shown = f"{value:+.2f}%"
    elif fact.unit == "% level":
        shown = f"{value:.2f}%"
    elif fact.unit == "bp":
        shown = f"{value:+.0f} bp"
    elif fact.unit == "percentile":
        shown = f"higher than on {value:.0%} of past days"
    elif fact.unit == "years":
        shown = f"{value:.1f} years"
    else:
        shown = f"{value:,.2f}"
    when = (
        f"{fact.start} to {fact.end}"
        if fact.start and fact.end and fact.unit != "years"
        else fact.observed
    )
    if fact.unit == "years" and fact.start:
        when = f"on {fact.observed}; last beyond it on {fact.start}"
    elif fact.unit != "%" and fact.start and fact.end:
        when = f"on {fact.observed}, the highest from {fact.start} to {fact.end}"
    proxy = f", via {fact.proxy}" if fact.proxy else ""
    return f"{fact.key} = {shown} ({when}{proxy})" if when else f"{fact.key} = {shown}"


def _verdict(outcomes: Sequence[bool | None]) -> Verdict:
    known = [o for o in outcomes if o is not None]
    if not known:
        return Verdict.NO_DATA
    if all(known) and len(known) == len(outcomes):
        return Verdict.SUPPORTED
    if not any(known):
        return Verdict.CONTRADICTED
    return Verdict.PARTLY


def _check(tree: Node, readings: Readings) -> bool | None:
    from riskoff.alerts import Rule, evaluate_rule

    rule = Rule("claim", "", "", tree)
    return evaluate_rule(rule, readings).fired


def check_claims(claims: ClaimSet, readings: Readings) -> list[ClaimCheck]:
    """Check every claim against the readings of a day.

    Raises
    ------
    ClaimError
        When a check names a quantity the readings do not know (a typo, not missing data).
    """
    unknown = sorted(
        {r.name for c in claims.claims for t in c.trees for r in _refs(t) if r.name not in readings}
    )
    if unknown:
        raise ClaimError(
            "unknown names in the checks: "
            + ", ".join(unknown)
            + " (indicator columns, "
            + ", ".join(NAMES)
            + ", or "
            + ", ".join(f"{f}.<series>" for f in FAMILIES)
            + ")"
        )
    out = []
    for claim in claims.claims:
        results = tuple(
            (text, _check(tree, readings))
            for text, tree in zip(claim.checks, claim.trees, strict=True)
        )
        refs = dict.fromkeys(r for t in claim.trees for r in _refs(t))
        facts = tuple(f for f in (readings.ref_fact(r) for r in refs) if f is not None)
        out.append(ClaimCheck(claim, _verdict([r for _, r in results]), results, facts))
    return out
