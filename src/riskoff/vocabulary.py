"""The words every layer shares: crash types, epicenters, severities, funding states, havens.

Each is a ``StrEnum``: a member *is* its string (``CrashType.CALM == "calm"``), so JSON output,
TOML files and templates keep plain strings while the code is checked by mypy. A label that is
not a member fails where it is read (``CrashType("crash")`` raises ``ValueError``).
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["CrashType", "Epicenter", "FundingState", "MacroVerdict", "SafeHavenVerdict", "Severity"]


class CrashType(StrEnum):
    """The kind of sell-off (``calm`` when there is none)."""

    CALM = "calm"
    LIQUIDITY_CRUNCH = "liquidity_crunch"
    FLIGHT_TO_SAFETY = "flight_to_safety"
    RATE_SHOCK = "rate_shock"
    CONCENTRATED = "concentrated"
    FUNDING_SQUEEZE = "funding_squeeze"
    CARRY_UNWIND = "carry_unwind"
    BROAD_SELLOFF = "broad_selloff"


class Epicenter(StrEnum):
    """Where a sell-off is centred: only markets the bundled basket can show."""

    CRYPTO = "crypto"
    BANKS = "banks"
    TECH = "tech"
    PRECIOUS_METALS = "precious_metals"
    ENERGY = "energy"
    JAPAN = "japan"
    EM = "em"
    CREDIT = "credit"
    SMALL_CAPS = "small_caps"
    INTERNATIONAL = "international"


class Severity(StrEnum):
    """How bad a sell-off is, for the market as a whole or for one epicenter."""

    NONE = "none"
    MILD = "mild"
    MODERATE = "moderate"
    SEVERE = "severe"
    EXTREME = "extreme"
    UNKNOWN = "unknown"

    @property
    def rank(self) -> int:
        """Order of the levels: none 0 ... extreme 4; unknown -1."""
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {
    Severity.UNKNOWN: -1,
    Severity.NONE: 0,
    Severity.MILD: 1,
    Severity.MODERATE: 2,
    Severity.SEVERE: 3,
    Severity.EXTREME: 4,
}
SEVERITY_LEVELS = (
    Severity.NONE,
    Severity.MILD,
    Severity.MODERATE,
    Severity.SEVERE,
    Severity.EXTREME,
)


class FundingState(StrEnum):
    """Money-market conditions, judged against the reserve rate and their recent baseline."""

    ABUNDANT = "abundant"
    AMPLE = "ample"
    EASING = "easing"
    TIGHTENING = "tightening"
    SCARCE = "scarce"
    STRESSED = "stressed"
    UNKNOWN = "unknown"


class SafeHavenVerdict(StrEnum):
    """What gold, long Treasuries and the yen did while equities sold off."""

    PROTECTED = "protected"
    FAILED = "failed"
    MIXED = "mixed"
    NOT_TESTED = "not_tested"
    UNKNOWN = "unknown"


class MacroVerdict(StrEnum):
    """What the official US data (jobs, output, spending, sentiment) said on the day."""

    STRONG = "strong"
    MIXED = "mixed"
    WEAKENING = "weakening"
    RECESSION_SIGNAL = "recession_signal"
    UNKNOWN = "unknown"
