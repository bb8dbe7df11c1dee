"""The JSON shapes of the web API: pydantic models typed with the diagnosis vocabulary.

They make the OpenAPI schema (``/openapi.json``) that clients and the schema fuzzing read.
Every number that can be unknown is ``number | null``: a NaN of the computation is sent as
``null``, never as an invalid JSON token.
"""

from __future__ import annotations

from pydantic import BaseModel, Field

from riskoff.claims import Verdict
from riskoff.vocabulary import CrashType, Epicenter, FundingState, SafeHavenVerdict, Severity

__all__ = [
    "AnalogsOut",
    "DiagnosisOut",
    "EpisodeOut",
    "ErrorOut",
    "HealthOut",
    "IndicatorsOut",
    "SeriesOut",
    "StressOut",
    "TimelineOut",
    "VerifyOut",
]

Number = float | None


class ErrorOut(BaseModel):
    """A refused request: what was wrong, in one sentence."""

    detail: str


class KeyNumber(BaseModel):
    """One headline number with its observation date, window and series."""

    label: str
    value: Number
    text: str
    unit: str
    observed: str
    window: int | None
    series: str


class AssetMoveOut(BaseModel):
    """An asset class's move over the window, between the closes of ``start`` and ``end``."""

    asset_class: str
    label: str
    move_pct: Number
    move_z: Number
    proxy: str
    start: str = ""
    end: str = ""


class EpicenterMoveOut(BaseModel):
    """One market at the centre of the selling."""

    epicenter: Epicenter
    asset_class: str
    label: str
    move_pct: Number
    move_z: Number
    day_pct: Number
    day_z: Number
    severity: Severity
    series: str
    start: str
    end: str


class TriggerOut(BaseModel):
    """A surface trigger: a move judged against its own history."""

    name: str
    label: str
    move: Number
    unit: str
    z: Number
    series: str
    observed: str = ""


class EvidenceOut(BaseModel):
    """One claim behind the verdict, with the number it rests on."""

    claim: str
    value: Number
    unit: str
    series: str
    as_of: str
    direction: str


class DollarOut(BaseModel):
    """The US dollar over the window."""

    move_pct: Number
    z: Number
    series: str
    start: str
    end: str
    bid: bool


class EpisodeAnalogOut(BaseModel):
    """A labelled past episode ranked by similarity to the day."""

    id: str
    name: str
    peak: str
    crash_type: CrashType
    epicenter: Epicenter | None = None
    source: str = ""
    similarity: Number = None
    distance: Number = None
    shared: int | None = None
    similar_in: list[str] = Field(default_factory=list)
    differs_in: list[str] = Field(default_factory=list)


class PathMatchOut(BaseModel):
    """A past window whose trajectory was closest to the last weeks."""

    start: str
    end: str
    distance: Number
    equities_next_20d_pct: Number = None


class DiagnosisOut(BaseModel):
    """The diagnosis of one trading day, as known on ``as_of``."""

    requested: str = Field(description="The date asked for (any calendar date).")
    note: str = Field(description="Why ``date`` differs from ``requested`` (empty if equal).")
    date: str = Field(description="The trading day described (ISO).")
    as_of: str
    window: int
    crash_type: CrashType
    epicenter: Epicenter | None
    epicenters: list[EpicenterMoveOut]
    confidence: Number
    runner_up: CrashType | None
    runner_up_score: Number = None
    scores: dict[str, Number]
    severity: Severity
    market_severity: Severity
    headline: str
    stress_index: Number
    stress_percentile: Number
    funding_state: FundingState
    funding_direction: str
    breadth: Number
    fell: list[str]
    missing: list[str]
    safe_haven_failure: Number
    safe_haven_verdict: SafeHavenVerdict
    safe_haven_text: str
    dash_for_cash: bool
    cash_bid: bool = False
    verdict_key: str = ""
    dollar: DollarOut | None
    returns: list[AssetMoveOut]
    triggers: list[TriggerOut]
    sectors: dict[str, Number]
    evidence: list[EvidenceOut]
    indicators: dict[str, float | str | bool | None]
    percentiles: dict[str, Number]
    observed: dict[str, str]
    analogs: list[EpisodeAnalogOut]
    path_matches: list[PathMatchOut]
    margin: Number = None
    key_numbers: list[KeyNumber]
    brief_url: str = Field(description="The app's page of the full brief for this date.")


class IndicatorsOut(BaseModel):
    """The indicator table, column by column, as known on ``as_of``."""

    start: str
    end: str
    as_of: str
    window: int
    dates: list[str]
    columns: dict[str, list[float | str | None]]


class SeriesOut(BaseModel):
    """One stored series (newest vintage known on ``as_of``) in its catalog unit."""

    id: str
    name: str
    unit: str
    frequency: str
    source: str
    as_of: str
    dates: list[str]
    values: list[Number]


class StressOut(BaseModel):
    """The composite stress index over time and its sub-indices' contributions on ``end``."""

    series: str = "stress_index"
    start: str
    end: str
    as_of: str
    window: int
    dates: list[str]
    values: list[Number]
    contributions: dict[str, Number]


class AnalogsOut(BaseModel):
    """The closest labelled episodes and past windows to a day."""

    date: str
    as_of: str
    window: int
    k: int
    episodes: list[EpisodeAnalogOut]
    paths: list[PathMatchOut]


class TimelineDay(BaseModel):
    """The classification of one business day."""

    date: str
    crash_type: CrashType
    severity: Severity
    market_severity: Severity
    epicenters: list[Epicenter]
    confidence: Number


class TimelineOut(BaseModel):
    """The crash type of every business day from ``start`` to ``end``."""

    start: str
    end: str
    window: int
    note: str
    days: list[TimelineDay]


class CheckOut(BaseModel):
    """One check of a claim and whether it held (null: an input unknown on the day)."""

    check: str
    holds: bool | None


class FactOut(BaseModel):
    """A number a check read, with its observation date and window."""

    key: str
    value: float | str | None
    unit: str
    observed: str = ""
    start: str = ""
    end: str = ""
    series: str = ""
    proxy: str = ""
    label: str = ""


class ClaimOut(BaseModel):
    """The verdict on one claim and the numbers behind it."""

    id: str
    says: str
    verdict: Verdict
    checks: list[CheckOut]
    facts: list[FactOut]
    note: str


class VerifyOut(BaseModel):
    """A claims file checked against the data of a date."""

    date: str
    as_of: str
    window: int
    title: str
    source: str
    claims: list[ClaimOut]


class EpisodeOut(BaseModel):
    """A labelled historical sell-off of the bundled library."""

    id: str
    name: str
    start: str
    peak: str
    end: str
    crash_type: CrashType
    epicenter: Epicenter | None
    note: str
    source: str
    tags: list[str]


class SourceStatus(BaseModel):
    """The newest observation held from one provider."""

    source: str
    series: int
    last_date: str


class HealthOut(BaseModel):
    """The store's status: latest close, staleness and the last date of each source."""

    status: str
    version: str
    latest_close: str
    today: str
    business_days_old: int
    stale: bool
    staleness: str
    sources: list[SourceStatus]
