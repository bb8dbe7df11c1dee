"""The labelled dates the classifier is scored on, and their development / validation split.

Three sources, each label taken from a public account and never from riskoff's output: the
episode library's peaks (``episodes.toml``), the calm reference dates, and the extra cases of
``labels.toml`` (corrections, further days of named events). Each case belongs to an event (an
episode id, a named event, or the calm date itself).

The split is fixed and documented: within each crash type, the events are sorted by their
first date and alternate, development first (1st, 3rd, 5th ... event: development; 2nd, 4th
...: validation). Whole events go to one half, so two days of one event never sit on both
sides. Thresholds and the confidence mapping are tuned on the development half only.
"""

from __future__ import annotations

import datetime as dt
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources

from riskoff.diagnosis.episodes import CALM_DATES, load_episodes
from riskoff.errors import CatalogError
from riskoff.vocabulary import CrashType, Epicenter

__all__ = ["DEVELOPMENT", "VALIDATION", "LabelledCase", "labelled_cases", "parse_cases"]

DEVELOPMENT, VALIDATION = "development", "validation"


@dataclass(frozen=True)
class LabelledCase:
    """One labelled date: the agreed type (and epicenter), its event, source and half."""

    date: dt.date
    crash_type: CrashType
    epicenter: Epicenter | None
    event: str
    source: str
    name: str
    half: str = ""


def parse_cases(text: str) -> list[LabelledCase]:
    """Parse and validate ``labels.toml`` text (unknown types or epicenters are errors)."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"labelled cases are not valid TOML: {exc}") from exc
    out = []
    for i, raw in enumerate(data.get("case", [])):
        where = f"case #{i + 1} ({raw.get('date')})"
        day = raw.get("date")
        if not isinstance(day, dt.date) or isinstance(day, dt.datetime) or day.weekday() >= 5:
            raise CatalogError(f"{where}: date must be a business-day date")
        try:
            crash_type = CrashType(raw.get("type"))
            epi = raw.get("epicenter")
            epicenter = Epicenter(epi) if epi is not None else None
        except ValueError as exc:
            raise CatalogError(f"{where}: {exc}") from None
        if crash_type == CrashType.CONCENTRATED and epicenter is None:
            raise CatalogError(f"{where}: a concentrated case needs an epicenter")
        source = str(raw.get("source", ""))
        if "http" not in source:
            raise CatalogError(f"{where}: source must include a URL")
        event = str(raw.get("event", "")) or day.isoformat()
        out.append(LabelledCase(day, crash_type, epicenter, event, source, event))
    return out


def _split(cases: list[LabelledCase]) -> list[LabelledCase]:
    first: dict[tuple[CrashType, str], dt.date] = {}
    for c in cases:
        key = (c.crash_type, c.event)
        first[key] = min(first.get(key, c.date), c.date)
    half: dict[tuple[CrashType, str], str] = {}
    for t in CrashType:
        events = sorted((d, e) for (ct, e), d in first.items() if ct == t)
        for i, (_, e) in enumerate(events):
            half[(t, e)] = DEVELOPMENT if i % 2 == 0 else VALIDATION
    return [
        LabelledCase(c.date, c.crash_type, c.epicenter, c.event, c.source, c.name,
                     half[(c.crash_type, c.event)])
        for c in sorted(cases, key=lambda c: c.date)
    ]  # fmt: skip


@cache
def _all() -> tuple[LabelledCase, ...]:
    cases = [
        LabelledCase(e.peak, e.crash_type, e.epicenter, e.id, e.source, e.name)
        for e in load_episodes()
    ]
    calm_source = (
        "CBOE VIX history (close below 15) and S&P 500 within 3% of its 52-week high, "
        "https://www.cboe.com/tradable_products/vix/vix_historical_data/"
    )
    cases += [
        LabelledCase(dt.date.fromisoformat(d), CrashType.CALM, None, d, calm_source, "calm")
        for d in CALM_DATES
    ]
    text = resources.files("riskoff.diagnosis").joinpath("labels.toml").read_text("utf-8")
    cases += parse_cases(text)
    seen: set[dt.date] = set()
    for c in cases:
        if c.date in seen:
            raise CatalogError(f"labelled date {c.date} is listed twice")
        seen.add(c.date)
    return tuple(_split(cases))


def labelled_cases(half: str | None = None) -> list[LabelledCase]:
    """Every labelled case in date order, or only the ``development`` / ``validation`` half."""
    return [c for c in _all() if half is None or c.half == half]
