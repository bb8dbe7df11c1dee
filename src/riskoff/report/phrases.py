"""The brief's fixed sentences and the Fed's balance-sheet regimes, read from data files.

``phrases.toml`` holds the sentence templates a reader sees (grouped by topic, placeholders
in braces); ``fed_regimes.toml`` the dated table of the Fed's balance-sheet regimes. Both are
loaded once and validated: a missing group or key is an error at the first use, not a silent
blank in a brief.
"""

from __future__ import annotations

import datetime as dt
import itertools
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from riskoff.errors import RiskoffError

__all__ = ["Regime", "phrase", "regime_on", "regimes"]


@cache
def _phrases() -> dict[str, dict[str, str]]:
    text = resources.files("riskoff.report").joinpath("data/phrases.toml").read_text("utf-8")
    data = tomllib.loads(text)
    return {group: dict(items) for group, items in data.items() if isinstance(items, dict)}


def phrase(group: str, key: str) -> str:
    """Return the sentence template ``group.key`` of ``phrases.toml``.

    Raises
    ------
    RiskoffError
        When the phrase file has no such template.
    """
    try:
        return _phrases()[group][key]
    except KeyError:
        raise RiskoffError(f"phrases.toml has no [{group}] {key}") from None


@dataclass(frozen=True)
class Regime:
    """One dated regime of the Fed's balance sheet."""

    start: dt.date
    end: dt.date
    kind: str
    name: str
    source: str


@cache
def regimes() -> tuple[Regime, ...]:
    """The dated regimes, in order, without gaps or overlaps (checked on load)."""
    text = resources.files("riskoff.report").joinpath("data/fed_regimes.toml").read_text("utf-8")
    rows = tomllib.loads(text)["regime"]
    out = tuple(
        Regime(r["start"], r["end"], str(r["kind"]), str(r["name"]), str(r["source"])) for r in rows
    )
    for a, b in itertools.pairwise(out):
        if b.start != a.end + dt.timedelta(days=1):
            raise RiskoffError(f"fed_regimes.toml: {a.end} and {b.start} leave a gap or overlap")
    return out


def regime_on(day: dt.date) -> Regime | None:
    """The balance-sheet regime in force on ``day``."""
    return next((r for r in regimes() if r.start <= day <= r.end), None)
