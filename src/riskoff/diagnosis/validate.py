"""The honest scorecard: the classifier on every library episode and on calm dates."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from riskoff.diagnosis.episodes import CALM_DATES, load_episodes
from riskoff.diagnosis.result import CRASH_TYPES, Diagnosis, Evidence


@dataclass
class Case:
    """One validation case: the agreed label and what the classifier said."""

    name: str
    date: str
    expected: str
    expected_epicenter: str | None
    got: str
    got_epicenter: str | None
    confidence: float
    runner_up: str
    evidence: list[Evidence] = field(default_factory=list)

    @property
    def hit(self) -> bool:
        """Type matches (and the epicenter too, for a concentrated episode)."""
        if self.got != self.expected:
            return False
        return self.expected != "concentrated" or self.got_epicenter == self.expected_epicenter


@dataclass
class Scorecard:
    """Accuracy, confusion matrix and misses of one validation run."""

    cases: list[Case]
    window: int

    @property
    def accuracy(self) -> float:
        """Share of cases classified as agreed."""
        return sum(c.hit for c in self.cases) / len(self.cases)

    def confusion(self) -> pd.DataFrame:
        """Rows: agreed type; columns: classifier's type; cells: counts."""
        labels = [t for t in CRASH_TYPES if any(t in (c.expected, c.got) for c in self.cases)]
        frame = pd.DataFrame(0, index=labels, columns=labels)
        for c in self.cases:
            frame.loc[c.expected, c.got] += 1
        frame.index.name = "agreed \\ classified"
        return frame

    def misses(self) -> list[Case]:
        """Cases the classifier got wrong."""
        return [c for c in self.cases if not c.hit]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "window": self.window,
            "accuracy": self.accuracy,
            "n_cases": len(self.cases),
            "confusion": self.confusion().to_dict(),
            "cases": [
                {
                    "name": c.name,
                    "date": c.date,
                    "expected": c.expected,
                    "expected_epicenter": c.expected_epicenter,
                    "got": c.got,
                    "got_epicenter": c.got_epicenter,
                    "confidence": c.confidence,
                    "hit": c.hit,
                }
                for c in self.cases
            ],
        }

    def to_markdown(self) -> str:
        """The scorecard as Markdown (for the README)."""
        lines = [
            f"Accuracy: **{sum(c.hit for c in self.cases)}/{len(self.cases)} "
            f"({self.accuracy:.0%})**, window {self.window} business days, each date diagnosed "
            "with only the data knowable on it.",
            "",
            "| date | episode | agreed | classified | confidence | hit |",
            "|---|---|---|---|---|---|",
        ]
        for c in self.cases:
            agreed = c.expected + (f" ({c.expected_epicenter})" if c.expected_epicenter else "")
            got = c.got + (f" ({c.got_epicenter})" if c.got_epicenter else "")
            lines.append(
                f"| {c.date} | {c.name} | {agreed} | {got} | {c.confidence:.2f} | "
                f"{'yes' if c.hit else '**no**'} |"
            )
        lines += ["", "Confusion matrix (rows: agreed type, columns: classified):", ""]
        conf = self.confusion()
        lines.append("| | " + " | ".join(conf.columns) + " |")
        lines.append("|---" * (len(conf.columns) + 1) + "|")
        for label, row in conf.iterrows():
            lines.append(f"| {label} | " + " | ".join(str(v) for v in row) + " |")
        return "\n".join(lines)


def validate(
    window: int = 10,
    diagnose_fn: Callable[[str, int], Diagnosis] | None = None,
    progress: Callable[[str], None] | None = None,
) -> Scorecard:
    """Diagnose every library episode at its peak and every calm date; score the results.

    Parameters
    ----------
    window : int
        Window in business days.
    diagnose_fn : callable, optional
        ``(date, window) -> Diagnosis`` (default :func:`riskoff.diagnose` without analogs).
    progress : callable, optional
        Called with each case's name before it runs.
    """
    if diagnose_fn is None:
        diagnose_fn = _diagnose_without_analogs
    targets = [(e.name, e.peak.isoformat(), e.crash_type, e.epicenter) for e in load_episodes()] + [
        ("calm reference", d, "calm", None) for d in CALM_DATES
    ]
    cases = []
    for name, day, expected, epicenter in targets:
        if progress:
            progress(name)
        d = diagnose_fn(day, window)
        cases.append(
            Case(
                name,
                day,
                expected,
                epicenter,
                d.crash_type,
                d.epicenter,
                d.confidence,
                d.runner_up,
                d.evidence,
            )
        )
    return Scorecard(cases, window)


def _diagnose_without_analogs(day: str, window: int) -> Diagnosis:
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.indicators import indicator_set

    result = indicator_set(day, window)
    return diagnose_from(result, result.table.index[-1], analogs_k=0)
