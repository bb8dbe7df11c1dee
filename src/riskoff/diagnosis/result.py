"""The ``Diagnosis`` result: what kind of sell-off, why, how bad, and what it resembles."""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

CRASH_TYPES = (
    "calm",
    "liquidity_crunch",
    "flight_to_safety",
    "rate_shock",
    "concentrated",
    "funding_squeeze",
    "carry_unwind",
    "broad_selloff",
)


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
    """An asset class's move over the window."""

    asset_class: str
    label: str
    move_pct: float
    move_z: float
    proxy: str


@dataclass(frozen=True)
class Trigger:
    """A surface trigger: a move judged against its own history."""

    name: str
    label: str
    move: float
    unit: str
    z: float
    series: str


@dataclass
class Diagnosis:
    """The diagnosis of one date; print it for a summary, ``to_dict()`` for JSON.

    Every number carries its unit and date; ``evidence`` holds the claims behind the verdict,
    for and against.
    """

    date: str
    window: int
    crash_type: str
    epicenter: str | None
    confidence: float
    runner_up: str
    scores: dict[str, float]
    severity: str
    headline: str
    stress_index: float | None
    stress_percentile: float | None
    funding_state: str
    breadth: float | None
    fell: list[str]
    missing: list[str]
    safe_haven_failure: float | None
    safe_haven_verdict: str
    returns: list[AssetMove]
    triggers: list[Trigger]
    sectors: dict[str, float]
    evidence: list[Evidence]
    indicators: dict[str, Any]
    percentiles: dict[str, float]
    analogs: list[dict[str, Any]] = field(default_factory=list)
    path_matches: list[dict[str, Any]] = field(default_factory=list)

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
            + f"; confidence {self.confidence:.2f}; runner-up {self.runner_up}",
        ]
        if self.stress_index is not None:
            pct = f" ({self.stress_percentile:.0%} percentile)" if self.stress_percentile else ""
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
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalars
        return _clean(value.item())
    return value
