"""The ``Diagnosis`` result: what kind of sell-off, why, how bad, and what it resembles."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

import pandas as pd

from riskoff.indicators.macro import MacroBackdrop
from riskoff.vocabulary import (
    CrashType,
    Epicenter,
    FundingState,
    MacroVerdict,
    SafeHavenVerdict,
    Severity,
)

# Every crash type, as plain strings in the vocabulary's order.
CRASH_TYPES = tuple(t.value for t in CrashType)


@dataclass(frozen=True)
class Evidence:
    """One claim backed by a number.

    Attributes
    ----------
    claim : str
        A plain sentence, e.g. "gold fell 5.1% over the window while equities fell 22%".
    value : float
        The number the claim rests on.
    unit : str
        Its unit (``%``, ``bp``, ``sigma``, ``share``, ``index`` ...).
    series : str
        The series or indicator it came from.
    as_of : str
        ISO date of the value.
    direction : str
        ``supports`` or ``contradicts`` the verdict.
    """

    claim: str
    value: float
    unit: str
    series: str
    as_of: str
    direction: str


@dataclass(frozen=True)
class AssetMove:
    """An asset class's move over the window, from the close of ``start`` to that of ``end``."""

    asset_class: str
    label: str
    move_pct: float
    move_z: float
    proxy: str
    start: str = ""
    end: str = ""


@dataclass(frozen=True)
class EpicenterMove:
    """One epicenter of a sell-off: the asset class that fell, how far and how unusually.

    Attributes
    ----------
    epicenter : Epicenter
        The market named (``precious_metals`` for gold or silver ...).
    asset_class : str
        The basket class behind it (``silver``).
    label : str
        Its readable name.
    move_pct, move_z : float
        Simple return over the window in percent, and that move in units of its own sigma.
    day_pct, day_z : float
        The return of the day itself, and in units of its daily sigma.
    severity : Severity
        How bad the move is for that market.
    series : str
        The proxy series the moves are measured on.
    start, end : str
        Observation dates of the window's first and last close (ISO).
    """

    epicenter: Epicenter
    asset_class: str
    label: str
    move_pct: float
    move_z: float
    day_pct: float
    day_z: float
    severity: Severity
    series: str
    start: str
    end: str


@dataclass(frozen=True)
class Trigger:
    """A surface trigger: a move judged against its own history."""

    name: str
    label: str
    move: float
    unit: str
    z: float
    series: str
    observed: str = ""


@dataclass(frozen=True)
class DollarReading:
    """The US dollar over the window: the broad trade-weighted index where known, else a proxy.

    Attributes
    ----------
    move_pct, z : float
        Move in percent over the window (positive: dollar stronger) and in sigma of its history.
    day_pct, day_z : float
        The day's move in percent and in sigma of the previous year's daily moves.
    series : str
        ``DTWEXBGS`` when the broad index covers the whole window, else the proxy used
        (``DTWEXBGS+FX proxy`` when the index's last days are extended by the daily proxy).
    start, end : str
        Observation dates of the window's ends (ISO).
    bid : bool
        True when the dollar rose by more than the rule table's "dollar bid" bound: its window
        z, or half its day z when the day was stronger (a dash for cash can be a day old).
    """

    move_pct: float
    z: float
    series: str
    start: str
    end: str
    bid: bool
    day_pct: float = float("nan")
    day_z: float = float("nan")


@dataclass
class Diagnosis:
    """The diagnosis of one date; print it for a summary, ``to_dict()`` for JSON.

    Every number carries its unit and date; ``evidence`` holds the claims behind the verdict,
    for and against. ``date`` is the business day described and ``as_of`` the knowledge date
    (equal by default: point in time). ``epicenters`` lists up to three markets at the centre
    of the selling, worst first (``epicenter`` is the first, or None); ``severity`` is the
    worse of ``market_severity`` and the first epicenter's. ``runner_up`` is set only when its
    score (``runner_up_score``) is a real alternative. ``indicators`` holds values and
    ``observed`` the observation date of each (for a series published with a lag, the last
    value known on ``as_of``). ``safe_haven_verdict`` is the typed reading and
    ``safe_haven_text`` its sentence; ``cash_bid`` is True when the broad dollar was bid or
    funding spreads rose (a scramble for cash, whatever the havens did) and ``dash_for_cash``
    when, besides, the havens failed or were mixed. ``verdict_key`` names the verdict's wording
    (the crash type, or a variant that keeps the words true to the readings, e.g.
    ``broad_selloff_narrow``); the headline and the brief both use it.
    """

    date: str
    window: int
    crash_type: CrashType
    epicenter: Epicenter | None
    confidence: float
    runner_up: CrashType | None
    scores: dict[str, float]
    severity: Severity
    headline: str
    stress_index: float | None
    stress_percentile: float | None
    funding_state: FundingState
    breadth: float | None
    fell: list[str]
    missing: list[str]
    safe_haven_failure: float | None
    safe_haven_verdict: SafeHavenVerdict
    returns: list[AssetMove]
    triggers: list[Trigger]
    sectors: dict[str, float]
    evidence: list[Evidence]
    indicators: dict[str, Any]
    percentiles: dict[str, float]
    analogs: list[dict[str, Any]] = field(default_factory=list)
    path_matches: list[dict[str, Any]] = field(default_factory=list)
    # Added with the typed vocabulary; see the class docstring.
    as_of: str = ""
    epicenters: list[EpicenterMove] = field(default_factory=list)
    market_severity: Severity = Severity.UNKNOWN
    runner_up_score: float | None = None
    funding_direction: str = "flat"
    dollar: DollarReading | None = None
    safe_haven_text: str = ""
    dash_for_cash: bool = False
    cash_bid: bool = False
    verdict_key: str = ""
    observed: dict[str, str] = field(default_factory=dict)
    margin: float | None = None
    # The macro backdrop (riskoff.indicators.macro): verdict, readings with release dates.
    macro_verdict: MacroVerdict = MacroVerdict.UNKNOWN
    macro: MacroBackdrop | None = None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (NaN becomes None)."""
        return _clean(asdict(self))

    def to_json(self, indent: int | None = 2) -> str:
        """Return ``to_dict()`` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)

    def to_frame(self) -> pd.DataFrame:
        """Return the window's moves by asset class as a frame."""
        return pd.DataFrame([asdict(m) for m in self.returns]).set_index("asset_class")

    def summary(self) -> str:
        """Return a readable plain-text summary."""
        lines = [
            f"riskoff diagnosis for {self.date} (window {self.window} business days)",
            self.headline,
            f"type: {self.crash_type}"
            + (f" (epicenter: {self.epicenter})" if self.epicenter else "")
            + f"; confidence {self.confidence:.2f}"
            + (
                f"; runner-up {self.runner_up} (score {self.runner_up_score:.2f})"
                if self.runner_up is not None and self.runner_up_score is not None
                else ""
            ),
        ]
        if self.stress_index is not None:
            pct = (
                f", higher than on {self.stress_percentile:.0%} of past days"
                if self.stress_percentile
                else ""
            )
            lines.append(f"stress index {self.stress_index:.2f}{pct}; funding {self.funding_state}")
        lines.append("evidence:")
        for item in self.evidence:
            mark = "+" if item.direction == "supports" else "-"
            lines.append(f"  {mark} {item.claim}")
        if self.analogs:
            lines.append("closest episodes:")
            for a in self.analogs:
                lines.append(f"  {a['name']} ({a['peak']}): similarity {a['similarity']:.2f}")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


def _clean(value: Any) -> Any:
    if isinstance(value, StrEnum):
        return value.value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value
