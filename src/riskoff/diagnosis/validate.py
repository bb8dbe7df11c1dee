"""The honest scorecard: the classifier on the labelled dates, in two halves, and over history.

Each labelled date (``labels.py``) is diagnosed with only the data knowable on it. The
development half is the one thresholds and the confidence mapping were tuned on (in-sample);
the validation half was not used for tuning (out of sample). The scorecard gives accuracy,
type-by-type tables and confusion matrices per half, a reliability table of the stated
confidence with its Brier score, the logistic fit of confidence on the development half, and,
from the timeline of every business day, each type's share per decade, the day-to-day flip
rate and the agreement within +-3 business days of each episode's peak.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis.labels import DEVELOPMENT, VALIDATION, LabelledCase, labelled_cases
from riskoff.diagnosis.result import CRASH_TYPES, Diagnosis, Evidence

BINS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0001)
PEAK_TOLERANCE_DAYS = 3


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
    runner_up: str | None
    evidence: list[Evidence] = field(default_factory=list)
    half: str = ""
    margin: float = math.nan
    got_epicenters: tuple[str, ...] = ()
    score: float = math.nan

    @property
    def hit(self) -> bool:
        """Type matches (and, for a concentrated case, the epicenter is among those named)."""
        if self.got != self.expected:
            return False
        if self.expected != "concentrated":
            return True
        return self.expected_epicenter in (self.got_epicenters or (self.got_epicenter,))


def fit_confidence(features: np.ndarray, hits: np.ndarray) -> tuple[float, ...]:
    """Logistic regression of hit on features (Newton's method, a small ridge for stability).

    Returns the intercept followed by one slope per column of ``features``.
    """
    cols = features.reshape(len(hits), -1)
    x = np.column_stack([np.ones(len(hits)), cols])
    beta = np.zeros(x.shape[1])
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-x @ beta))
        grad = x.T @ (hits - p) - 0.01 * beta
        hess = (x.T * (p * (1 - p))) @ x + 0.01 * np.eye(x.shape[1])
        step = np.linalg.solve(hess, grad)
        beta += step
        if np.abs(step).max() < 1e-8:
            break
    return tuple(float(b) for b in beta)


@dataclass
class Scorecard:
    """Accuracy per half, confusion matrices, calibration and history statistics."""

    cases: list[Case]
    window: int
    history: dict[str, Any] = field(default_factory=dict)

    def half(self, name: str | None) -> list[Case]:
        """The cases of one half (all with None)."""
        return [c for c in self.cases if name is None or c.half == name]

    @property
    def accuracy(self) -> float:
        """Share of all cases classified as agreed."""
        return sum(c.hit for c in self.cases) / len(self.cases)

    def accuracy_of(self, half: str | None) -> float:
        """Share of one half's cases classified as agreed."""
        cases = self.half(half)
        return sum(c.hit for c in cases) / len(cases) if cases else math.nan

    def confusion(self, half: str | None = None) -> pd.DataFrame:
        """Rows: agreed type; columns: classifier's type; cells: counts."""
        cases = self.half(half)
        labels = [t for t in CRASH_TYPES if any(t in (c.expected, c.got) for c in cases)]
        frame = pd.DataFrame(0, index=labels, columns=labels)
        for c in cases:
            frame.loc[c.expected, c.got] += 1
        frame.index.name = "agreed \\ classified"
        return frame

    def by_type(self, half: str | None = None) -> pd.DataFrame:
        """Per agreed type: cases, hits and hit rate."""
        rows = []
        for t in CRASH_TYPES:
            cases = [c for c in self.half(half) if c.expected == t]
            if cases:
                hits = sum(c.hit for c in cases)
                rows.append({"type": t, "cases": len(cases), "hits": hits,
                             "hit_rate": hits / len(cases)})  # fmt: skip
        return pd.DataFrame(rows).set_index("type")

    def reliability(self, half: str | None = None) -> pd.DataFrame:
        """Stated confidence in bins against the hit rate in each bin."""
        cases = self.half(half)
        conf = np.array([c.confidence for c in cases])
        hits = np.array([c.hit for c in cases], dtype=float)
        rows = []
        for lo, hi in itertools.pairwise(BINS):
            m = (conf >= lo) & (conf < hi)
            rows.append({"bin": f"{lo:.1f}-{min(hi, 1.0):.1f}", "cases": int(m.sum()),
                         "mean_confidence": float(conf[m].mean()) if m.any() else math.nan,
                         "hit_rate": float(hits[m].mean()) if m.any() else math.nan})  # fmt: skip
        return pd.DataFrame(rows).set_index("bin")

    def brier(self, half: str | None = None) -> float:
        """Mean squared gap between confidence and hit (0 perfect; 0.25 a coin at 0.5)."""
        cases = self.half(half)
        return float(np.mean([(c.confidence - float(c.hit)) ** 2 for c in cases]))

    def fitted_confidence(self) -> tuple[float, ...]:
        """(intercept, margin slope, score slope), fitted on the development half only."""
        dev = [c for c in self.half(DEVELOPMENT) if math.isfinite(c.margin)]
        x = np.array([[c.margin, c.score] for c in dev])
        return fit_confidence(x, np.array([c.hit for c in dev], dtype=float))

    def _history_markdown(self) -> list[str]:
        h = self.history
        if not h:
            return []
        types = sorted({t for row in h["share_by_decade"].values() for t in row})
        lines = [
            "",
            f"Every business day {h['span'][0]} to {h['span'][1]} ({h['days']} days; one panel "
            "of everything in the store, lagged series read with values dated up to each row):",
            "",
            "| decade | " + " | ".join(types) + " |",
            "|---" * (len(types) + 1) + "|",
        ]
        for decade, row in h["share_by_decade"].items():
            lines.append(
                f"| {decade} | " + " | ".join(f"{row.get(t, 0):.1%}" for t in types) + " |"
            )
        pa = h["peak_agreement"]
        lines += [
            "",
            f"Day-to-day flip rate {h['flip_rate']:.1%}; the agreed type (and epicenter) within "
            f"+-3 business days of the peak for {pa['agree_within_3_days']} of {pa['episodes']} "
            f"episodes; liquidity crunch on {h['liquidity_crunch_share']:.2%} of days; "
            f"cross-market types in 2017 on {h['cross_market_share_2017']:.1%} of days.",
        ]
        return lines

    def misses(self) -> list[Case]:
        """Cases the classifier got wrong."""
        return [c for c in self.cases if not c.hit]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary."""
        return {
            "window": self.window,
            "accuracy": self.accuracy,
            "n_cases": len(self.cases),
            "halves": {
                h: {
                    "in_sample": h == DEVELOPMENT,
                    "accuracy": self.accuracy_of(h),
                    "n_cases": len(self.half(h)),
                    "by_type": self.by_type(h).to_dict(orient="index"),
                    "confusion": self.confusion(h).to_dict(),
                    "brier": self.brier(h),
                }
                for h in (DEVELOPMENT, VALIDATION)
            },
            "reliability": self.reliability().reset_index().to_dict(orient="records"),
            "brier": self.brier(),
            "confidence_fit_development": dict(
                zip(("intercept", "slope", "score_slope"), self.fitted_confidence(), strict=True)
            ),
            "history": self.history,
            "cases": [
                {
                    "name": c.name,
                    "date": c.date,
                    "half": c.half,
                    "expected": c.expected,
                    "expected_epicenter": c.expected_epicenter,
                    "got": c.got,
                    "got_epicenters": list(c.got_epicenters),
                    "confidence": c.confidence,
                    "hit": c.hit,
                }
                for c in self.cases
            ],
        }

    def to_markdown(self) -> str:
        """The scorecard as Markdown (for the README)."""
        lines = []
        for h in (DEVELOPMENT, VALIDATION):
            cases = self.half(h)
            tag = "in-sample: rules tuned on it" if h == DEVELOPMENT else "out of sample"
            lines += [
                f"**{h.capitalize()} half ({tag})**: {sum(c.hit for c in cases)}/{len(cases)} "
                f"right ({self.accuracy_of(h):.0%}), Brier score {self.brier(h):.3f}.",
                "",
                "| type | cases | hits | hit rate |",
                "|---|---|---|---|",
            ]
            for t, row in self.by_type(h).iterrows():
                lines.append(f"| {t} | {int(row.cases)} | {int(row.hits)} | {row.hit_rate:.0%} |")
            lines += ["", f"Confusion matrix, {h} half (rows: agreed, columns: classified):", ""]
            conf = self.confusion(h)
            lines.append("| | " + " | ".join(conf.columns) + " |")
            lines.append("|---" * (len(conf.columns) + 1) + "|")
            for label, crow in conf.iterrows():
                lines.append(f"| {label} | " + " | ".join(str(v) for v in crow) + " |")
            lines.append("")
        lines += [
            f"Calibration over all {len(self.cases)} cases (Brier {self.brier():.3f}):",
            "",
            "| confidence | cases | mean confidence | hit rate |",
            "|---|---|---|---|",
        ]
        for b, row in self.reliability().iterrows():
            mc = "" if math.isnan(row.mean_confidence) else f"{row.mean_confidence:.2f}"
            hr = "" if math.isnan(row.hit_rate) else f"{row.hit_rate:.0%}"
            lines.append(f"| {b} | {int(row.cases)} | {mc} | {hr} |")
        a, b_, c_ = self.fitted_confidence()
        lines += [
            "",
            f"Logistic fit of hit on the margin and the winner's score, development half only: "
            f"intercept {a:.2f}, margin slope {b_:.2f}, score slope {c_:.2f} (the rule table "
            "holds the values in use).",
        ]
        lines += self._history_markdown()
        lines += [
            "",
            "| date | half | agreed | classified | confidence | hit |",
            "|---|---|---|---|---|---|",
        ]
        for c in self.cases:
            agreed = c.expected + (f" ({c.expected_epicenter})" if c.expected_epicenter else "")
            got = c.got + (f" ({', '.join(c.got_epicenters)})" if c.got_epicenters else "")
            lines.append(f"| {c.date} | {c.half[:3]} | {agreed} | {got} | {c.confidence:.2f} | "
                         f"{'yes' if c.hit else '**no**'} |")  # fmt: skip
        return "\n".join(lines)


def history_stats(frame: pd.DataFrame, peaks: list[tuple[str, str, str | None]]) -> dict[str, Any]:
    """Base rates, flip rate and agreement near episode peaks, from a timeline frame.

    Parameters
    ----------
    frame : DataFrame
        Output of :func:`riskoff.diagnosis.timeline.timeline`.
    peaks : list of (peak date, type, epicenter)
        The episodes' peaks and agreed labels.
    """
    frame = frame.copy()
    frame["decade"] = (frame["date"].dt.year // 10 * 10).astype(str) + "s"
    share = pd.crosstab(frame["decade"], frame["crash_type"], normalize="index").round(3)
    flips = float((frame["crash_type"] != frame["crash_type"].shift()).iloc[1:].mean())
    dates = pd.DatetimeIndex(frame["date"])
    agree, checked = 0, 0
    for peak, label, epicenter in peaks:
        pos = dates.searchsorted(pd.Timestamp(peak))
        if pos >= len(dates) or abs((dates[pos] - pd.Timestamp(peak)).days) > 4:
            continue
        near = frame.iloc[max(0, pos - PEAK_TOLERANCE_DAYS) : pos + PEAK_TOLERANCE_DAYS + 1]
        ok = near["crash_type"] == label
        if epicenter:
            ok &= near["epicenters"].str.split(";").apply(lambda e, want=epicenter: want in e)
        checked += 1
        agree += bool(ok.any())
    years = frame["date"].dt.year
    cross = ~frame["crash_type"].isin(["calm", "concentrated", "funding_squeeze"])
    in_2017 = cross[years == 2017]
    span = [frame["date"].iloc[0].date().isoformat(), frame["date"].iloc[-1].date().isoformat()]
    return {
        "span": span,
        "days": len(frame),
        "share_by_decade": share.to_dict(orient="index"),
        "share_overall": frame["crash_type"].value_counts(normalize=True).round(4).to_dict(),
        "flip_rate": flips,
        "peak_agreement": {"episodes": checked, "agree_within_3_days": agree},
        "liquidity_crunch_share": float((frame["crash_type"] == "liquidity_crunch").mean()),
        "cross_market_share_2017": float(in_2017.mean()) if len(in_2017) else math.nan,
    }


def validate(
    window: int = 10,
    diagnose_fn: Callable[[str, int], Diagnosis] | None = None,
    progress: Callable[[str], None] | None = None,
    cases: list[LabelledCase] | None = None,
    history: bool = True,
) -> Scorecard:
    """Diagnose every labelled date point in time and score the results.

    Parameters
    ----------
    window : int
        Window in business days.
    diagnose_fn : callable, optional
        ``(date, window) -> Diagnosis`` (default: point-in-time diagnosis without analogs).
    progress : callable, optional
        Called with each case's date before it runs.
    cases : list of LabelledCase, optional
        The cases (default: every labelled case).
    history : bool
        Also classify every business day since 1990 for base rates and stability.
    """
    diagnose_fn = diagnose_fn or _diagnose_without_analogs
    out = []
    for lc in cases if cases is not None else labelled_cases():
        day = lc.date.isoformat()
        if progress:
            progress(day)
        d = diagnose_fn(day, window)
        out.append(
            Case(
                lc.name, day, lc.crash_type.value,
                lc.epicenter.value if lc.epicenter else None,
                str(d.crash_type), str(d.epicenter) if d.epicenter else None,
                d.confidence, str(d.runner_up) if d.runner_up else None, d.evidence, lc.half,
                d.margin if d.margin is not None else math.nan,
                tuple(str(e.epicenter) for e in d.epicenters),
                float(d.scores.get(str(d.crash_type), math.nan)),
            )
        )  # fmt: skip
    card = Scorecard(out, window)
    if history:
        card.history = _history(window)
    return card


def _history(window: int) -> dict[str, Any]:
    from riskoff.diagnosis.episodes import load_episodes
    from riskoff.diagnosis.timeline import timeline
    from riskoff.pipeline import indicator_set

    frame = timeline(indicator_set(as_of="latest", window=window), start="1990-01-01")
    peaks = [
        (e.peak.isoformat(), e.crash_type.value, e.epicenter.value if e.epicenter else None)
        for e in load_episodes()
    ]
    return history_stats(frame, peaks)


def _diagnose_without_analogs(day: str, window: int) -> Diagnosis:
    from riskoff.diagnosis.diagnose import diagnose_from
    from riskoff.pipeline import indicator_set

    result = indicator_set(day, window=window)
    return diagnose_from(result, result.table.index[-1], analogs_k=0)
