"""Sentences from numbers: the brief's text, built by rules from one diagnosis.

Every number in the text is a :class:`Fact`: a value read from a named place (a field of the
``Diagnosis``, a cell of the indicator table, a threshold of the classifier, a data-appendix
date), its unit and its formatted text. A :class:`Sentence` is a fixed template whose
placeholders are filled with facts, so the same inputs always give the same words and every
number can be traced back to where it came from (``Report.to_dict()`` lists them). Rules pick
which template applies; no number is typed by hand.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from riskoff.diagnosis import thresholds as th
from riskoff.diagnosis.diagnose import TRIGGERS as TRIGGER_COLUMNS
from riskoff.diagnosis.episodes import Episode
from riskoff.diagnosis.result import Diagnosis
from riskoff.indicators import IndicatorSet
from riskoff.indicators.basket import CLASS_LABELS, SAFE_HAVENS
from riskoff.indicators.crossasset import FELL_Z, window_span
from riskoff.indicators.funding import (
    EX_CAL_MEDIAN_DAYS,
    RESERVE_DRAIN_USD_BN,
    STATE_THRESHOLDS_BP,
)
from riskoff.report.facts import (
    LOG_PERCENT,
    FactConflictError,
    FactTable,
    Observations,
    simple_percent,
)
from riskoff.report.facts import Fact as TableFact
from riskoff.report.links import episode_url, series_url
from riskoff.report.phrases import phrase, regime_on

__all__ = [
    "SECTION_ORDER",
    "Block",
    "Fact",
    "KeyNumber",
    "ReportInputs",
    "Section",
    "Sentence",
    "SeriesStatus",
    "Table",
    "build_sections",
    "fmt",
    "iter_facts",
    "resolve",
]

SECTION_ORDER = (
    "verdict",
    "claims",
    "compare",
    "episode",
    "triggers",
    "economy",
    "funding",
    "selling",
    "history",
    "change",
    "regime",
    "note",
    "data",
)
OPTIONAL_SECTIONS = frozenset({"claims", "compare", "change", "economy"})

UNUSUAL_Z = 2.0  # a move beyond this many standard deviations of its own history is unusual
NOTABLE_Z = 1.0
FIRST_MOVE_Z = 2.0  # a daily move this large (in daily sigma) marks "who moved first"
QT_FLAT_USD_BN = 5.0  # balance-sheet pace (USD bn a month) below which it counts as flat
HIGH_PERCENTILE = 0.9  # co-movement measures above this percentile of their history are high
LOW_PERCENTILE = 0.5
HAVEN_MOVE_Z = 0.5  # a haven "rose" or "fell" when its window move is beyond this z
HAVEN_STATES = {
    "protected": "protected",
    "failed": "failed",
    "mixed": "gave mixed protection",
    "not_tested": "were not tested (equities did not sell off)",
}
TOP_ANALOGS = 3
TOP_PATHS = 3

TYPE_NAMES = {
    "calm": "calm",
    "liquidity_crunch": "liquidity crunch",
    "flight_to_safety": "flight to safety",
    "rate_shock": "rate shock",
    "concentrated": "concentrated sell-off",
    "funding_squeeze": "funding squeeze",
    "carry_unwind": "carry-trade unwind",
    "broad_selloff": "broad de-risking",
}
EPICENTER_NAMES = {
    "crypto": "crypto",
    "banks": "banks",
    "tech": "tech",
    "precious_metals": "precious metals",
    "energy": "energy",
    "japan": "Japan",
    "china": "China",
    "em": "emerging markets",
    "credit": "credit",
    "uk_gilts": "UK gilts",
    "volatility": "volatility products",
    "small_caps": "small caps",
    "international": "markets outside the US",
}
SUBINDEX_NAMES = {
    "funding": "funding",
    "rates": "rates",
    "credit": "credit",
    "banks": "banks",
    "equity": "equities",
    "volatility": "volatility",
    "fx": "currencies",
    "commodities": "commodities",
    "crypto": "crypto",
}
PUBLISHED_NAMES = {
    "STLFSI4": "the St. Louis Fed Financial Stress Index (STLFSI4)",
    "NFCI": "the Chicago Fed National Financial Conditions Index (NFCI)",
}
PROVIDERS = {
    "fred": "FRED",
    "nyfed": "New York Fed",
    "yahoo": "Yahoo Finance",
    "crypto": "crypto exchanges",
    "lbma": "LBMA",
    "reconstructed": "Fed announcements",
    "user": "user data",
}
FUNDING_STATES = ("abundant", "ample", "easing", "tightening", "scarce", "stressed", "unknown")
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


# -- facts and their formatting -----------------------------------------------------------------
def ordinal(n: int) -> str:
    """Return ``1st``, ``2nd``, ``3rd``, ``11th``, ``55th`` ..."""
    if 10 <= n % 100 <= 20:
        return f"{n}th"
    return f"{n}{ {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th') }"


def date_text(value: str | pd.Timestamp) -> str:
    """Return a date as ``5 Feb 2026``."""
    day = pd.Timestamp(value)
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}"


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _percentile_text(v: float) -> str:
    n = round(v * 100)
    if n >= 100:
        return "top 1%"
    if n <= 0:
        return "bottom 1%"
    return f"{ordinal(n)} percentile"


_FORMATS: dict[str, Any] = {
    "%": lambda v: f"{v:+.1f}%",
    "% abs": lambda v: f"{abs(v):.1f}%",
    "% level": lambda v: f"{v:.2f}%",
    "bp": lambda v: f"{v:+.0f} bp",
    "bp abs": lambda v: f"{abs(v):.0f} bp",
    "bp level": lambda v: f"{v:.0f} bp",
    "z": lambda v: f"{v:+.1f}",
    "z abs": lambda v: f"{abs(v):.0f}",
    "z abs 1": lambda v: f"{abs(v):.1f}",
    "USD bn": lambda v: f"{v:,.0f} USD bn",
    "USD bn change": lambda v: f"{v:+,.0f} USD bn",
    "USD bn a month": lambda v: f"{abs(v):,.0f} USD bn a month",
    "percentile": _percentile_text,
    "share": lambda v: f"{v:.0%}",
    "index": lambda v: f"{v:.2f}",
    "index 3": lambda v: f"{v:.3f}",
    "index change": lambda v: f"{v:+.2f}",
    "score": lambda v: f"{v:.2f}",
    "correlation": lambda v: f"{v:.2f}",
    "years": lambda v: f"{v:.1f}-year",
    "years ago": lambda v: f"{v:.1f} years",
    "pp": lambda v: f"{v:+.1f} pp",
    "points": lambda v: f"{v:+.1f} points",
    "vix": lambda v: f"{v:.1f}",
    "count": lambda v: f"{int(v)}",
    "ordinal": lambda v: ordinal(int(v)),
    "business days": lambda v: f"{int(v)} business days",
    "days": lambda v: f"{int(v)} day" + ("" if int(v) == 1 else "s"),
    "weeks": lambda v: f"{int(v)} weeks",
    "k a month": lambda v: f"{v:+,.0f}k a month",
    "level": lambda v: f"{v:.1f}",
}


def fmt(value: Any, unit: str) -> str:
    """Format a value in its unit; ``n/a`` when it is missing.

    Units: ``%`` (signed), ``% abs``, ``% level`` (a rate), ``bp`` (signed), ``bp abs``,
    ``bp level``, ``z`` (signed), ``USD bn``, ``USD bn change``, ``USD bn a month``,
    ``percentile``, ``share``, ``index``, ``score``, ``correlation``, ``years``, ``pp``,
    ``points``, ``vix``, ``count``, ``business days``, ``days``, ``weeks``, ``date`` and
    ``text``.
    """
    if unit == "date":
        return "n/a" if value is None else date_text(str(value))
    if unit == "text":
        return "n/a" if value is None else str(value)
    if not _finite(value):
        return "n/a"
    text = str(_FORMATS[unit](float(value)))
    if text[:1] in "+-" and not any(ch in "123456789" for ch in text):
        return text[1:]  # "+0 bp" and "-0.0%" read as "0 bp" and "0.0%"
    return text


@dataclass(frozen=True)
class Fact:
    """A number (or date, or label) in the text, with its unit and where it came from.

    Attributes
    ----------
    value : float, str or None
        The raw value.
    unit : str
        How it is formatted (see :func:`fmt`).
    source : str
        Where it was read: ``diagnosis.<path>``, ``table.<column>@<date>``,
        ``move_pct.<class>@<date>``, ``threshold.<name>``, ``series.<id>.last_date`` ...
        (see :func:`resolve`).
    text : str
        The formatted value as it appears in the brief.
    quantity : str
        What the number is, the same wherever it appears (``table.sofr_iorb_bp@2026-02-05``
        for the funding spread read from the diagnosis or from the table): the key of the
        brief's fact table.
    observed : str
        ISO date of the observation behind the value (for a series published with a lag, the
        last value known on the day).
    start, end : str
        For a move: the dates of its first and last close.
    series : str
        The series or indicator read.
    proxy : str
        The series that stood in for an asset class.
    """

    value: float | str | None
    unit: str
    source: str
    text: str
    quantity: str = ""
    observed: str = ""
    start: str = ""
    end: str = ""
    series: str = ""
    proxy: str = ""
    note: str = ""

    @property
    def shown(self) -> str:
        """The text with its observation note (``0 bp (value of 4 Feb 2026)``) when it has one."""
        return f"{self.text} ({self.note})" if self.note else self.text

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        value = self.value if not isinstance(self.value, float) or _finite(self.value) else None
        out: dict[str, Any] = {
            "value": value,
            "unit": self.unit,
            "source": self.source,
            "text": self.text,
        }
        for key in ("quantity", "observed", "start", "end", "series", "proxy", "note"):
            if getattr(self, key):
                out[key] = getattr(self, key)
        return out


@dataclass(frozen=True)
class Sentence:
    """A template filled with facts (numbers) and words (no numbers)."""

    template: str
    facts: Mapping[str, Fact] = field(default_factory=dict)
    words: Mapping[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The sentence as the reader sees it."""
        values = {k: f.text for k, f in self.facts.items()}
        plain = self.template.format(**values, **self.words)
        # A value observed before the day says so, unless the sentence already names that date.
        noted = {
            k: f.shown
            for k, f in self.facts.items()
            if f.note and date_text(f.observed or f.end) not in plain
        }
        if not noted:
            return plain
        return self.template.format(**{**values, **noted}, **self.words)

    def to_dict(self) -> dict[str, Any]:
        """Return the text, its template and its facts."""
        return {
            "text": self.text,
            "template": self.template,
            "facts": {k: f.to_dict() for k, f in self.facts.items()},
            "words": dict(self.words),
        }

    def __str__(self) -> str:
        return self.text


Cell = str | Fact | Sentence


def cell_text(cell: Cell) -> str:
    """Return the text of a table cell (a fact with its observation note)."""
    if isinstance(cell, Fact):
        return cell.shown
    return cell if isinstance(cell, str) else cell.text


@dataclass(frozen=True)
class Table:
    """A table of the brief; numeric cells are facts."""

    id: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    numeric: tuple[bool, ...] = ()
    links: tuple[tuple[str, ...], ...] = ()

    def text_rows(self) -> list[list[str]]:
        """Return the cells as text."""
        return [[cell_text(c) for c in row] for row in self.rows]

    def linked_rows(self) -> list[list[tuple[str, str]]]:
        """Return the cells as ``(text, url)``; ``url`` is "" for a cell without a link."""
        out = []
        for i, row in enumerate(self.rows):
            urls = self.links[i] if i < len(self.links) else ()
            out.append(
                [(cell_text(c), urls[j] if j < len(urls) else "") for j, c in enumerate(row)]
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        """Return the caption, columns, text rows and the facts behind each numeric cell."""
        return {
            "id": self.id,
            "caption": self.caption,
            "columns": list(self.columns),
            "rows": self.text_rows(),
            "links": [list(r) for r in self.links],
            "facts": [
                [c.to_dict() if not isinstance(c, str) else None for c in row] for row in self.rows
            ],
        }


@dataclass(frozen=True)
class KeyNumber:
    """One of the headline's key numbers."""

    label: str
    value: Fact
    detail: Sentence

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"label": self.label, "value": self.value.to_dict(), "detail": self.detail.to_dict()}


@dataclass(frozen=True)
class Block:
    """A piece of a section, in reading order.

    ``kind`` is ``lead`` (the plain answer), ``paragraph``, ``list``, ``warning``, ``keys``,
    ``table`` or ``chart``.
    """

    kind: str
    sentences: tuple[Sentence, ...] = ()
    table: Table | None = None
    chart: str | None = None
    keys: tuple[KeyNumber, ...] = ()

    @property
    def text(self) -> str:
        """The sentences joined into one paragraph."""
        return " ".join(s.text for s in self.sentences)

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        out: dict[str, Any] = {"kind": self.kind}
        if self.sentences:
            out["text"] = self.text
            out["sentences"] = [s.to_dict() for s in self.sentences]
        if self.table is not None:
            out["table"] = self.table.to_dict()
        if self.chart is not None:
            out["chart"] = self.chart
        if self.keys:
            out["keys"] = [k.to_dict() for k in self.keys]
        return out


@dataclass(frozen=True)
class Section:
    """A numbered section of the brief with an anchor id."""

    id: str
    title: str
    blocks: tuple[Block, ...]

    @property
    def charts(self) -> list[str]:
        """Ids of the charts in this section."""
        return [b.chart for b in self.blocks if b.chart]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {"id": self.id, "title": self.title, "blocks": [b.to_dict() for b in self.blocks]}


@dataclass(frozen=True)
class SeriesStatus:
    """A series used by the brief: provenance and its last observation known on the day."""

    series_id: str
    name: str
    unit: str
    frequency: str
    source: str
    origin: str
    licence: str
    last_date: str | None
    days_behind: int | None
    stale_after_days: int
    replaced_by: str | None = None
    native_id: str = ""

    @property
    def stale(self) -> bool:
        """True when the last observation is older than the series' frequency allows.

        A series that a fresh successor replaces (IOER by IORB) is not stale: it has ended.
        """
        late = self.days_behind is not None and self.days_behind > self.stale_after_days
        return late and self.replaced_by is None

    @property
    def status(self) -> str:
        """``ok``, ``stale``, ``missing`` or ``replaced by <id>``."""
        if self.missing:
            return "missing"
        if self.replaced_by is not None:
            return f"replaced by {self.replaced_by}"
        return "stale" if self.stale else "ok"

    @property
    def missing(self) -> bool:
        """True when nothing was known on the day."""
        return self.last_date is None

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "series_id": self.series_id,
            "name": self.name,
            "unit": self.unit,
            "frequency": self.frequency,
            "source": self.source,
            "origin": self.origin,
            "licence": self.licence,
            "last_date": self.last_date,
            "days_behind": self.days_behind,
            "stale_after_days": self.stale_after_days,
            "replaced_by": self.replaced_by,
            "status": self.status,
        }


@dataclass(frozen=True)
class ReportInputs:
    """Everything the text is built from, computed once per report."""

    diagnosis: Diagnosis
    result: IndicatorSet
    day: pd.Timestamp
    series: tuple[SeriesStatus, ...]
    published: Mapping[str, Any]
    episodes: tuple[Episode, ...]
    diagnosis_dict: Mapping[str, Any] = field(default_factory=dict)
    claims: Sequence[Any] = ()
    claims_title: str = ""
    comparisons: Sequence[Any] = ()

    @cached_property
    def frames(self) -> dict[str, pd.DataFrame]:
        """The frames facts are read from, with the dollar class as the broad dollar."""
        return _frames(self.result)

    def status(self, series_id: str) -> SeriesStatus | None:
        """Return the appendix entry of a series, if it was used."""
        for s in self.series:
            if s.series_id == series_id:
                return s
        return None


# -- resolving sources ----------------------------------------------------------------------------
def _plain(value: Any) -> float | str | None:
    if value is None:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat()
    if isinstance(value, str):
        return value
    if isinstance(value, bool | np.bool_):
        return float(value)
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return v if math.isfinite(v) else None
    return str(value)


def _walk(node: Any, parts: Sequence[str]) -> Any:
    for part in parts:
        if isinstance(node, dict):
            node = node[part]
        elif isinstance(node, list):
            if part.isdigit():
                node = node[int(part)]
            else:
                node = next(
                    item
                    for item in node
                    if part in (item.get("asset_class"), item.get("name"), item.get("id"))
                )
        else:
            raise KeyError(part)
    return node


def _frames(result: IndicatorSet) -> dict[str, pd.DataFrame]:
    move_pct, move_z, day_z, returns = result.move_pct, result.move_z, result.day_z, result.returns
    t = result.table
    if "dollar" in returns and "dollar_day_z" in t:
        # One dollar per brief: the diagnosis's broad dollar (extended to the day by the
        # currency proxy), not the basket's UUP, wherever a dollar move is quoted.
        # UUP stays only while the broad index lacks the history for a z-score (to 2007).
        broad = t["dollar_move_z"].notna()
        broad_pct = np.expm1(t["dollar_move_pct"] / 100.0) * 100.0
        move_pct = move_pct.assign(dollar=broad_pct.where(broad, move_pct["dollar"]))
        move_z = move_z.assign(dollar=t["dollar_move_z"].where(broad, move_z["dollar"]))
        day_z = day_z.assign(dollar=t["dollar_day_z"].where(broad, day_z["dollar"]))
        broad_ret = np.log1p(t["dollar_day_pct"] / 100.0)
        returns = returns.assign(dollar=broad_ret.where(broad, returns["dollar"]))
    return {
        "table": result.table,
        "move_pct": move_pct,
        "move_z": move_z,
        "day_z": day_z,
        "returns": returns,
        "contributions": result.contributions,
        "subindices": result.subindices,
        "panel": result.panel,
        "sectors": result.sectors,
    }


def resolve(source: str, inputs: ReportInputs) -> float | str | None:
    """Read the value a fact's ``source`` names.

    Sources: ``diagnosis.<path>`` (list items by index, ``asset_class``, ``name`` or ``id``);
    ``<frame>.<column>[@date]`` for ``table``, ``move_pct``, ``move_z``, ``day_z``,
    ``returns`` (daily simple return in percent), ``contributions``, ``subindices``, ``panel``
    and ``sectors`` (default date: the report's day); ``max``/``min``/``argmax``/``argmin``/
    ``first_valid``/``last_valid``.``<column>@<start>:<end>`` over the indicator table;
    ``series.<id>.<field>`` from the data appendix; ``published.<id>.<field>``; and
    ``threshold.<module>.<NAME>`` for a classifier or report constant.

    Raises
    ------
    KeyError
        When the source names nothing.
    """
    kind, _, rest = source.partition(".")
    if kind == "diagnosis":
        parts = rest.split(".")
        value = _plain(_walk(inputs.diagnosis_dict, parts))
        if parts[0] == "triggers" and len(parts) == 3 and parts[1].isdigit():
            parts = ["triggers", str(inputs.diagnosis.triggers[int(parts[1])].name), parts[2]]
        if _log_percent(parts) and isinstance(value, float):
            return simple_percent(value)
        return value
    if kind == "threshold":
        return _plain(THRESHOLDS[rest])
    if kind == "series":
        sid, _, attr = rest.rpartition(".")
        status = inputs.status(sid)
        if status is None:
            raise KeyError(source)
        return _plain(getattr(status, attr))
    if kind == "published":
        sid, _, attr = rest.partition(".")
        entry = inputs.published[sid]
        if attr == "start":
            return str(entry["span"][0])
        if attr == "end":
            # A weekly span is labelled by its week's end: never later than the day described.
            return min(str(entry["span"][1]), inputs.day.date().isoformat())
        return _plain(entry[attr])
    column, _, at = rest.partition("@")
    if kind in ("max", "min", "argmax", "argmin", "first_valid", "last_valid"):
        series = inputs.result.table[column]
        if at:
            start, _, end = at.partition(":")
            series = series.loc[
                pd.Timestamp(start) if start else None : pd.Timestamp(end) if end else None
            ]
        series = series.dropna()
        if series.empty:
            return None
        if kind in ("max", "min"):
            return _plain(series.max() if kind == "max" else series.min())
        if kind in ("argmax", "argmin"):
            return _plain(series.idxmax() if kind == "argmax" else series.idxmin())
        return _plain(series.index[0] if kind == "first_valid" else series.index[-1])
    frames = inputs.frames
    if kind not in frames:
        raise KeyError(source)
    day = pd.Timestamp(at) if at else inputs.day
    value = frames[kind].at[day, column]
    if kind == "returns":
        return _plain(float(np.expm1(float(value)) * 100.0))
    if (kind == "sectors" or (kind == "table" and column in LOG_PERCENT)) and _finite(value):
        return simple_percent(float(value))
    return _plain(value)


def _log_percent(parts: Sequence[str]) -> bool:
    """Whether a diagnosis path holds a log move in percent."""
    if parts[0] == "sectors":
        return True
    if parts[0] == "indicators" and len(parts) == 2:
        return parts[1] in LOG_PERCENT
    return parts[0] == "triggers" and parts[-1] == "move" and parts[1] in LOG_PERCENT


THRESHOLDS: dict[str, float] = {
    "crossasset.FELL_Z": abs(FELL_Z),
    "thresholds.BREADTH_LOW": th.BREADTH[0],
    "thresholds.BREADTH_HIGH": th.BREADTH[1],
    "thresholds.STRESS_PERCENTILE_HIGH": th.STRESS_PERCENTILE[0],
    "thresholds.CORRELATION_JUMP": th.CORRELATION_JUMP[1],
    "thresholds.CREDIT_WIDENING_BP": th.CREDIT_WIDENING_BP[0],
    "funding.SPIKE_BP": STATE_THRESHOLDS_BP["spike"],
    "funding.STRESSED_SPIKE_BP": STATE_THRESHOLDS_BP["stressed_spike"],
    "funding.SCARCE_LEVEL_BP": STATE_THRESHOLDS_BP["scarce_level"],
    "funding.TIGHTENING_LEVEL_BP": STATE_THRESHOLDS_BP["tightening_level"],
    "funding.RESERVE_DRAIN_ABS_USD_BN": abs(RESERVE_DRAIN_USD_BN),
    "report.UNUSUAL_Z": UNUSUAL_Z,
    "report.NOTABLE_Z": NOTABLE_Z,
    "report.HIGH_PERCENTILE": HIGH_PERCENTILE,
    "report.FIRST_MOVE_Z": FIRST_MOVE_Z,
    "report.QT_FLAT_USD_BN": QT_FLAT_USD_BN,
    "funding.EX_CAL_MEDIAN_DAYS": float(EX_CAL_MEDIAN_DAYS),
    "report.COUNT_13_WEEKS": 13.0,
    "report.COUNT_4_WEEKS": 4.0,
    "report.COUNT_20_DAYS": 20.0,
    "report.PATH_LENGTH": 60.0,
}


class FactBook:
    """Creates facts by reading their sources, so a fact's value is what its source says.

    Every fact is also entered in the brief's fact table under its quantity: the same
    quantity read twice (from the diagnosis and from the indicator table, in two sections)
    must give the same value and the same observation date, and any disagreement is kept in
    ``conflicts`` (the consistency test asserts there is none).
    """

    def __init__(self, inputs: ReportInputs) -> None:
        self.inputs = inputs
        self.day = inputs.day
        self.iso = inputs.day.date().isoformat()
        last = {s.series_id: s.last_date for s in inputs.series}
        self.obs = Observations(inputs.result.panel, inputs.day, last)
        self.table = FactTable()
        self.conflicts: list[str] = []
        self._spans: dict[str, dict[str, tuple[pd.Timestamp, pd.Timestamp]]] = {}
        # A trigger's move and z are observed when its series was (the diagnosis says when).
        self._trigger_dates: dict[str, str] = {}
        for t in inputs.diagnosis.triggers:
            when = getattr(t, "observed", "") or ""
            z_column = t.name[: -len("_pct")] + "_z" if t.name.endswith("_pct") else ""
            if t.name == "dollar_move_pct" and inputs.diagnosis.dollar is not None:
                # The broad dollar's window ends where its reading does (the daily currency
                # proxy extends the weekly index to the day).
                when = inputs.diagnosis.dollar.end or when
            for column in (t.name, z_column, t.name.replace("_bp", "_z")):
                if column and when:
                    self._trigger_dates[column] = when

    def get(self, source: str, unit: str) -> Fact:
        """Return a fact read from ``source``, with its provenance, entered in the table."""
        value = resolve(source, self.inputs)
        prov = self._provenance(source)
        text = fmt(value, unit)
        if unit == "percentile" and isinstance(value, float) and prov.get("since"):
            text = percentile_words(value)
        note = ""
        lag = prov.get("observed", "")
        at = prov.get("at", self.iso)
        if value is None:
            pass
        elif unit in NOTED_UNITS and lag and lag < at and not prov.get("end"):
            note = f"{'to' if unit == '%' else 'value of'} {date_text(lag)}"
        elif prov.get("end") and prov["end"] < at and unit == "%":
            note = f"to {date_text(prov['end'])}"
        fact = Fact(
            value,
            unit,
            source,
            text,
            quantity=prov.get("quantity", ""),
            observed=prov.get("observed", ""),
            start=prov.get("start", ""),
            end=prov.get("end", ""),
            series=prov.get("series", ""),
            proxy=prov.get("proxy", ""),
            note=note,
        )
        self.register(fact)
        return fact

    def register(self, fact: Fact) -> None:
        """Enter a fact in the fact table (a disagreement is recorded, never silenced)."""
        if not fact.quantity:
            return
        entry = TableFact(
            fact.quantity,
            fact.value,
            fact.unit,
            fact.observed,
            fact.start,
            fact.end,
            fact.series,
            fact.proxy,
        )
        try:
            self.table.add(entry)
        except FactConflictError as exc:
            self.conflicts.append(str(exc))

    def _span(self, asset_class: str, at: str) -> tuple[str, str]:
        if at not in self._spans:
            r = self.inputs.result
            self._spans[at] = window_span(r.returns, r.window, pd.Timestamp(at))
        span = self._spans[at].get(asset_class)
        if span is None:
            return "", ""
        return span[0].date().isoformat(), span[1].date().isoformat()

    def _column(self, column: str, at: str) -> dict[str, str]:
        observed = self._trigger_dates.get(column, "") if at == self.iso else ""
        observed = observed or self.obs.column_date(column, pd.Timestamp(at))
        return {"quantity": f"table.{column}@{at}", "observed": observed, "series": column}

    def _since(self, column: str) -> str:
        if column not in self.inputs.result.table:
            return ""
        first = self.inputs.result.table[column].first_valid_index()
        return "" if first is None else str(pd.Timestamp(first).year)

    def _provenance(self, source: str) -> dict[str, str]:
        kind, _, rest = source.partition(".")
        iso = self.iso
        if kind == "diagnosis":
            parts = rest.split(".")
            head = parts[0]
            if head == "indicators" and len(parts) == 2:
                return self._column(parts[1], iso)
            if head in ("stress_index", "breadth", "safe_haven_failure") and len(parts) == 1:
                return self._column(head, iso)
            if head == "stress_percentile":
                return {
                    **self._column("stress_index", iso),
                    "quantity": f"percentile.stress_index@{iso}",
                    "since": self._since("stress_index"),
                }
            if head == "percentiles" and len(parts) == 2:
                return {
                    **self._column(parts[1], iso),
                    "quantity": f"percentile.{parts[1]}@{iso}",
                    "since": self._since(parts[1]),
                }
            if head == "returns" and len(parts) == 3 and parts[2] in ("move_pct", "move_z"):
                return self._move(parts[2], parts[1], iso)
            if head == "sectors" and len(parts) == 2:
                return {"quantity": f"sector.{parts[1]}@{iso}", "observed": iso, "at": iso}
            if head == "triggers" and len(parts) == 3:
                triggers = self.inputs.diagnosis.triggers
                name = parts[1]
                if name.isdigit():
                    name = triggers[int(name)].name if int(name) < len(triggers) else name
                trigger = next((t for t in triggers if t.name == name), None)
                if trigger is not None and parts[2] == "move":
                    return self._column(name, iso)
                if trigger is not None and parts[2] == "z":
                    z_column = next((z for m, z, *_ in TRIGGER_COLUMNS if m == name), "")
                    if z_column:
                        return self._column(z_column, iso)
                return {"quantity": f"diagnosis.{rest}@{iso}", "observed": iso}
            if head == "analogs" and len(parts) >= 3 and parts[1].isdigit():
                analogs = self.inputs.diagnosis.analogs
                i = int(parts[1])
                ident = analogs[i].get("id", parts[1]) if i < len(analogs) else parts[1]
                return {"quantity": f"analog.{ident}.{'.'.join(parts[2:])}@{iso}"}
            if head == "date":
                return {}
            if head == "window":
                return {"quantity": "window"}
            return {"quantity": f"diagnosis.{rest}@{iso}", "observed": iso}
        if kind == "table":
            column, _, at = rest.partition("@")
            return self._column(column, at or iso)
        if kind in ("move_pct", "move_z"):
            column, _, at = rest.partition("@")
            return self._move(kind, column, at or iso)
        if kind in ("returns", "day_z"):
            column, _, at = rest.partition("@")
            at = at or iso
            index = self.inputs.result.returns.index
            pos = int(index.get_loc(pd.Timestamp(at)))
            start = index[pos - 1].date().isoformat() if pos > 0 else ""
            name = "day_pct" if kind == "returns" else "day_z"
            return {
                "quantity": f"{name}.{column}@{at}",
                "observed": at,
                "start": start,
                "end": at,
                "at": at,
                "series": column,
            }
        if kind == "panel":
            column, _, at = rest.partition("@")
            seen = self.obs.series_date(column, pd.Timestamp(at or iso))
            observed = seen.date().isoformat() if seen is not None else at or iso
            return {
                "quantity": f"level.{column}@{observed}",
                "observed": observed,
                "series": column,
            }
        if kind in ("max", "min", "argmax", "argmin"):
            column, _, span = rest.partition("@")
            series = self.inputs.result.table[column]
            start, _, end = span.partition(":")
            window = series.loc[
                pd.Timestamp(start) if start else None : pd.Timestamp(end) if end else None
            ].dropna()
            if window.empty:
                return {"quantity": source}
            at = window.idxmax() if kind in ("max", "argmax") else window.idxmin()
            stem = "max" if kind in ("max", "argmax") else "min"
            return {
                "quantity": f"{stem}{'' if kind in ('max', 'min') else '_date'}.{column}@{span}",
                "observed": self.obs.column_date(column, pd.Timestamp(at)),
                "series": column,
            }
        if kind in ("threshold", "series", "published", "first_valid", "last_valid"):
            return {"quantity": source}
        column, _, at = rest.partition("@")
        when = at if at and ":" not in at else iso
        return {"quantity": f"{kind}.{column}@{at or iso}", "observed": when}

    def _move(self, kind: str, asset_class: str, at: str) -> dict[str, str]:
        start, end = self._span(asset_class, at)
        proxy = ""
        if at == self.iso:
            proxy = next(
                (m.proxy for m in self.inputs.diagnosis.returns if m.asset_class == asset_class),
                "",
            )
        return {
            "quantity": f"{kind}.{asset_class}@{at}",
            "observed": end,
            "start": start,
            "end": end,
            "at": at,
            "series": asset_class,
            "proxy": proxy,
        }

    def d(self, path: str, unit: str) -> Fact:
        """Return a fact read from the diagnosis."""
        return self.get(f"diagnosis.{path}", unit)

    def t(self, column: str, unit: str, at: str | None = None) -> Fact:
        """Return a fact read from the indicator table (default: the report's day)."""
        return self.get(f"table.{column}@{at or self.iso}", unit)

    def date(self, iso: str | None = None) -> Fact:
        """Return the report's date (or another ISO date) as a fact."""
        if iso is None:
            return self.d("date", "date")
        return Fact(iso, "date", "date", fmt(iso, "date"))

    def threshold(self, name: str, unit: str) -> Fact:
        """Return a constant of the classifier or of the report as a fact."""
        return self.get(f"threshold.{name}", unit)

    def num(self, source: str) -> float:
        """Return a numeric value (NaN when missing)."""
        value = resolve(source, self.inputs)
        return float(value) if isinstance(value, float) else math.nan

    def fact(self, entry: TableFact, unit: str | None = None) -> Fact:
        """Return a fact of the brief for an entry computed outside the indicator table.

        Used for moves between stated closes (from a peak, of a named past day) and claims'
        numbers: the entry is registered in the fact table like every other fact.
        """
        unit = unit or entry.unit
        value = entry.value
        text = fmt(value, unit)
        if (
            unit == "percentile"
            and isinstance(value, float)
            and not entry.key.startswith("threshold")
        ):
            text = percentile_words(value)
        # A level observed before the day it describes says so (a past day's SOFR fixing).
        at = entry.key.rpartition("@")[2]
        note = ""
        if (
            value is not None
            and unit in NOTED_UNITS
            and unit != "%"
            and entry.observed
            and len(at) == 10
            and entry.observed < at
            and not entry.start
        ):
            note = f"value of {date_text(entry.observed)}"
        fact = Fact(
            value,
            unit,
            f"facts.{entry.key}",
            text,
            quantity=entry.key,
            observed=entry.observed,
            start=entry.start,
            end=entry.end,
            series=entry.series,
            proxy=entry.proxy,
            note=note,
        )
        self.register(fact)
        return fact


# Values whose observation date is worth saying when it is not the day (levels and spreads;
# z-scores, percentiles and counts follow the value they describe).
NOTED_UNITS = frozenset({"bp", "bp level", "% level", "USD bn", "index", "vix", "%"})


def percentile_words(value: float) -> str:
    """``higher than on 97% of days`` (the share of past days below the value)."""
    share = round(value * 100)
    if share >= 100:
        return "higher than on every past day"
    if share <= 0:
        return "lower than on every past day"
    return f"higher than on {share}% of days"


def S(template: str, words: Mapping[str, str] | None = None, /, **facts: Fact) -> Sentence:  # noqa: N802
    """Build a sentence from a template, its facts and its words.

    Raises
    ------
    ValueError
        When a fact is not used by the template (a number computed but never shown).
    """
    unused = [k for k in facts if "{" + k + "}" not in template]
    if unused:
        raise ValueError(f"unused placeholders {unused} for template {template!r}")
    return Sentence(template, dict(facts), dict(words or {}))


def iter_facts(sections: Sequence[Section]) -> Iterator[tuple[str, Fact]]:
    """Every fact of the brief with the text it appears in (sentences, key numbers, tables)."""
    for section in sections:
        for block in section.blocks:
            for sentence in block.sentences:
                for f in sentence.facts.values():
                    yield sentence.text, f
            for key in block.keys:
                yield key.value.text, key.value
                for f in key.detail.facts.values():
                    yield key.detail.text, f
            if block.table is not None:
                for row in block.table.rows:
                    for c in row:
                        if isinstance(c, Fact):
                            yield c.text, c
                        elif isinstance(c, Sentence):
                            for f in c.facts.values():
                                yield c.text, f


# -- helpers on the diagnosis ---------------------------------------------------------------------
def _moves(d: Diagnosis) -> dict[str, Any]:
    return {m.asset_class: m for m in d.returns}


def _label(asset_class: str) -> str:
    label = CLASS_LABELS.get(asset_class, asset_class)
    return label if label.startswith(("US", "Japan", "Bitcoin")) else label[0].lower() + label[1:]


def _epicenter(d: Diagnosis) -> str:
    return EPICENTER_NAMES.get(d.epicenter or "", (d.epicenter or "").replace("_", " "))


def _severity_words(d: Diagnosis) -> str:
    return "" if d.severity in ("unknown", "none") else d.severity + " "


def _a(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _class_move(book: FactBook, asset_class: str, label: bool = True) -> Sentence:
    """``Bitcoin -29.9% (z -4.6)`` (or without the label)."""
    return S(
        "{label} {move} (z {z})" if label else "{move} (z {z})",
        {"label": _label(asset_class)} if label else {},
        move=book.d(f"returns.{asset_class}.move_pct", "%"),
        z=book.d(f"returns.{asset_class}.move_z", "z"),
    )


def _join(parts: Sequence[Sentence], sep: str = ", ", last: str = " and ") -> Sentence:
    """Join sentence fragments into one, keeping their facts apart."""
    renamed = [_rename(part, f"p{i}_") for i, part in enumerate(parts)]
    texts = [r.template for r in renamed]
    template = sep.join(texts[:-1]) + last + texts[-1] if len(texts) > 1 else "".join(texts)
    facts = {k: f for r in renamed for k, f in r.facts.items()}
    words = {k: w for r in renamed for k, w in r.words.items()}
    return Sentence(template, facts, words)


def _rename(part: Sentence, prefix: str) -> Sentence:
    """Return the fragment with its placeholders prefixed, so fragments can be combined."""
    mapping = {k: f"{prefix}{k}" for k in [*part.facts, *part.words]}
    return Sentence(
        part.template.format(**{k: "{" + v + "}" for k, v in mapping.items()}),
        {mapping[k]: f for k, f in part.facts.items()},
        {mapping[k]: w for k, w in part.words.items()},
    )


def _compose(
    template: str,
    slots: Mapping[str, Sentence],
    words: Mapping[str, str] | None = None,
    **facts: Fact,
) -> Sentence:
    """Fill the named ``{slot}`` placeholders of ``template`` with fragments."""
    text = template
    all_facts: dict[str, Fact] = dict(facts)
    all_words: dict[str, str] = dict(words or {})
    for name, part in slots.items():
        renamed = _rename(part, f"{name}_")
        text = text.replace("{" + name + "}", renamed.template)
        all_facts.update(renamed.facts)
        all_words.update(renamed.words)
    return Sentence(text, all_facts, all_words)


def _wrap(
    template: str, inner: Sentence, words: Mapping[str, str] | None = None, **facts: Fact
) -> Sentence:
    """Put a fragment into the ``{inner}`` slot of an outer template."""
    return _compose(template, {"inner": inner}, words, **facts)


# -- 1. verdict -----------------------------------------------------------------------------------


def _verdict_sentence(book: FactBook, d: Diagnosis) -> Sentence:
    severity = _severity_words(d)
    words = {
        "severity": severity,
        "article": _a(severity or TYPE_NAMES[d.crash_type]),
        "epicenter": _epicenter(d),
    }
    # The diagnosis's wording: never contradicting its havens, breadth, dollar or severity.
    key = d.verdict_key or str(d.crash_type)
    if key == "calm_under_strain":
        words["severity"] = d.severity.value
    return S(phrase("verdicts", key), words, date=book.date())


def _worst_falls(d: Diagnosis, n: int = 3) -> list[str]:
    falls = sorted(
        (m for m in d.returns if m.asset_class != "dollar" and m.move_z < -abs(FELL_Z)),
        key=lambda m: m.move_z,
    )
    return [m.asset_class for m in falls[:n]]


def _verdict(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    moves = _moves(d)
    lead = [_verdict_sentence(book, d)]
    body: list[Sentence] = []
    body.append(S(phrase("measures", "confidence"), conf=book.d("confidence", "score")))
    if d.runner_up is not None and d.runner_up_score is not None:
        body.append(
            S(
                phrase("measures", "runner_up"),
                {"runner": TYPE_NAMES.get(str(d.runner_up), str(d.runner_up))},
                score=book.d("runner_up_score", "score"),
            )
        )
    else:
        body.append(S(phrase("measures", "no_runner_up")))
    # The alternatives are said after the numbers that support the verdict.
    alternatives = body[-2:]
    del body[-2:]
    worst = _worst_falls(d)
    window = book.d("window", "business days")
    if worst:
        body.append(
            _wrap(
                "Largest falls over the {window} to {date}, measured against each market's usual "
                "swings: {inner}.",
                _join([_class_move(book, c) for c in worst]),
                window=window,
                date=book.date(),
            )
        )
    else:
        body.append(
            S(
                "No asset class fell by more than {fell} standard deviation of its usual move "
                "over the {window} to {date}.",
                fell=book.threshold("crossasset.FELL_Z", "count"),
                window=window,
                date=book.date(),
            )
        )
    if "us_equities" in moves and "us_equities" not in worst:
        eq_z = moves["us_equities"].move_z
        verb = "fell little" if -abs(FELL_Z) <= eq_z < 0 else "held up" if eq_z >= 0 else "fell"
        body.append(
            _wrap(
                "US equities {verb}: {inner}.",
                _class_move(book, "us_equities", label=False),
                {"verb": verb},
            )
        )
    # In a crunch or a rate shock, rising havens are a caveat to the verdict, said below.
    skip = SAFE_HAVENS if d.crash_type in ("liquidity_crunch", "rate_shock") else ()
    risers = sorted(
        (m for m in d.returns if m.move_z > abs(FELL_Z) and m.asset_class not in skip),
        key=lambda m: m.move_z,
        reverse=True,
    )[:3]
    if risers and d.crash_type != "calm":
        body.append(
            _wrap(
                "Rising against the tide: {inner}.",
                _join([_class_move(book, m.asset_class) for m in risers]),
            )
        )
    checks = _story_checks(book, d)
    blocks = [
        Block("lead", tuple(lead)),
        Block("keys", keys=tuple(_key_numbers(book, d))),
        Block("paragraph", tuple(body)),
        Block("paragraph", (*alternatives, *checks)),
    ]
    stale = [st.series_id for st in inputs.series if st.stale]
    if stale:
        blocks.append(
            Block(
                "warning",
                (
                    S(
                        "Data gaps: {n} of the series this brief reads {verb} stale on {date} "
                        "({ids}); the markets that depend on them are measured with a stand-in "
                        "or left out, and the data appendix lists each one.",
                        {"ids": ", ".join(stale), "verb": "is" if len(stale) == 1 else "are"},
                        n=book.fact(
                            TableFact(f"count.stale_series@{book.iso}", float(len(stale)), "count")
                        ),
                        date=book.date(),
                    ),
                ),
            )
        )
    return Section("verdict", "The verdict", tuple(blocks))


def _story_checks(book: FactBook, d: Diagnosis) -> list[Sentence]:
    """Sentences that confirm or contradict the usual stories, with numbers."""
    out: list[Sentence] = []
    spread = d.indicators.get("funding_spread_bp")
    if d.crash_type != "calm" and spread is not None:
        if d.funding_state in ("abundant", "ample", "easing", "tightening"):
            out.append(
                S(
                    "Money markets did not seize up: overnight funding (SOFR, or EFFR where "
                    "SOFR is missing) cost {spread} against the rate the Fed pays on reserves on "
                    "{date}, and funding is classed {state}.",
                    {"state": d.funding_state},
                    spread=book.d("indicators.funding_spread_bp", "bp"),
                    date=book.date(),
                )
            )
        elif d.funding_state in ("scarce", "stressed"):
            out.append(
                S(
                    "Money markets were under strain: overnight funding cost {spread} against "
                    "the reserve rate on {date}, and funding is classed {state}.",
                    {"state": d.funding_state},
                    spread=book.d("indicators.funding_spread_bp", "bp"),
                    date=book.date(),
                )
            )
        mismatch = rate_mismatch(book.inputs)
        if mismatch is not None:
            out.append(_mismatch_sentence(book, mismatch))
    out.extend(_verdict_caveats(book, d))
    if d.crash_type == "liquidity_crunch" and d.funding_state in ("abundant", "ample"):
        out.append(S("The forced selling came from markets, not from a shortage of cash at banks."))
    return out


LOW_CONFIDENCE = 0.5  # below this the verdict is called "not clear-cut"


def _verdict_caveats(book: FactBook, d: Diagnosis) -> list[Sentence]:
    """Where the numbers do not all fit the verdict, say which, and how close the call was."""
    out: list[Sentence] = []
    moves = _moves(d)
    havens = [c for c in SAFE_HAVENS if c in moves]
    if d.crash_type in ("liquidity_crunch", "rate_shock"):
        rose = [c for c in havens if moves[c].move_z >= HAVEN_MOVE_Z]
        if rose:
            out.append(
                _wrap(
                    "Not everything fits: some safe havens rose, {inner}.",
                    _join([_class_move(book, c) for c in rose]),
                )
            )
    if d.crash_type == "flight_to_safety":
        fell = [c for c in havens if moves[c].move_z <= -HAVEN_MOVE_Z]
        if fell:
            out.append(
                _wrap(
                    "Not everything fits: some safe havens fell, {inner}.",
                    _join([_class_move(book, c) for c in fell]),
                )
            )
    if d.crash_type != "calm" and d.confidence < LOW_CONFIDENCE and d.runner_up in d.scores:
        out.append(
            S(
                "The call is not clear-cut: the {runner} reading scores {second} against {first} "
                "for the verdict (scores from 0 to 1).",
                {"runner": TYPE_NAMES.get(d.runner_up, d.runner_up)},
                second=book.d(f"scores.{d.runner_up}", "score"),
                first=book.d(f"scores.{d.crash_type}", "score"),
            )
        )
    return out


def _key_numbers(book: FactBook, d: Diagnosis) -> list[KeyNumber]:
    moves = _moves(d)
    keys: list[KeyNumber] = []
    window = book.d("window", "business days")
    if "us_equities" in moves:
        keys.append(
            KeyNumber(
                "US equities",
                book.d("returns.us_equities.move_pct", "%"),
                S(
                    "over {window}; z {z}",
                    window=window,
                    z=book.d("returns.us_equities.move_z", "z"),
                ),
            )
        )
    worst = (
        _worst_falls(d, 1)
        or sorted(
            (m.asset_class for m in d.returns if m.asset_class != "dollar"),
            key=lambda c: moves[c].move_z,
        )[:1]
    )
    if worst and worst[0] != "us_equities":
        c = worst[0]
        keys.append(
            KeyNumber(
                f"Worst: {CLASS_LABELS[c]}",
                book.d(f"returns.{c}.move_pct", "%"),
                S("over {window}; z {z}", window=window, z=book.d(f"returns.{c}.move_z", "z")),
            )
        )
    if d.stress_index is not None and math.isfinite(d.stress_index):
        keys.append(
            KeyNumber(
                "Stress index (0 to 1)",
                book.d("stress_index", "index"),
                S("{pct} in its history", pct=book.d("stress_percentile", "percentile")),
            )
        )
    if d.indicators.get("funding_spread_bp") is not None:
        keys.append(
            KeyNumber(
                "Overnight funding vs reserve rate",
                book.d("indicators.funding_spread_bp", "bp"),
                S("funding {state} on {date}", {"state": d.funding_state}, date=book.date()),
            )
        )
    if d.breadth is not None and math.isfinite(d.breadth):
        keys.append(
            KeyNumber(
                "Breadth of the selling",
                book.d("breadth", "share"),
                S(
                    "of asset classes fell more than {fell} standard deviation",
                    fell=book.threshold("crossasset.FELL_Z", "count"),
                ),
            )
        )
    return keys[:5]


# -- 2. triggers ----------------------------------------------------------------------------------
TRIGGER_UNITS = {"%": "%", "bp": "bp", "index points": "points", "pp": "pp"}


def _reading(z: float) -> str:
    if abs(z) >= UNUSUAL_Z:
        return "unusual"
    if abs(z) >= NOTABLE_Z:
        return "notable"
    return "ordinary"


@dataclass(frozen=True)
class BigMove:
    """An asset class's first and largest daily moves beyond ``FIRST_MOVE_Z`` in the window."""

    asset_class: str
    first: pd.Timestamp
    first_z: float
    largest: pd.Timestamp
    largest_z: float


def first_moves(inputs: ReportInputs) -> list[BigMove]:
    """Asset classes with a daily move beyond ``FIRST_MOVE_Z`` (daily sigma) in the window.

    Returns
    -------
    list of BigMove
        Earliest first move first; ties broken by the larger move, then by name.
    """
    dz = inputs.frames["day_z"].loc[: inputs.day].iloc[-inputs.diagnosis.window :]
    found = []
    for c in dz.columns:
        s = dz[c].dropna()
        hits = s[s.abs() >= FIRST_MOVE_Z]
        if len(hits):
            top = int(np.argmax(hits.abs().to_numpy()))
            found.append(
                BigMove(
                    c,
                    pd.Timestamp(hits.index[0]),
                    float(hits.iloc[0]),
                    pd.Timestamp(hits.index[top]),
                    float(hits.iloc[top]),
                )
            )
    found.sort(key=lambda m: (m.first, -abs(m.first_z), m.asset_class))
    return found


def _triggers(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    blocks: list[Block] = []
    window = book.d("window", "business days")
    lead: list[Sentence] = []
    if d.triggers:
        top = d.triggers[0]
        base = f"triggers.{top.name}"
        facts = {
            "move": book.d(f"{base}.move", TRIGGER_UNITS.get(top.unit, "%")),
            "z": book.d(f"{base}.z", "z"),
            "window": window,
        }
        if abs(top.z) >= UNUSUAL_Z:
            lead.append(
                S(
                    "The largest surface move was {label}: {move} over {window} (z {z}).",
                    {"label": _trigger_name(top)},
                    **facts,
                )
            )
        else:
            lead.append(
                S(
                    "No surface trigger was unusual: the largest move, {label}, was {move} "
                    "over {window} (z {z}, unusual is beyond {unusual}).",
                    {"label": _trigger_name(top)},
                    unusual=book.threshold("report.UNUSUAL_Z", "z abs"),
                    **facts,
                )
            )
        others = [t for t in d.triggers[1:] if abs(t.z) >= UNUSUAL_Z][:3]
        if others:
            lead.append(
                _wrap(
                    "Also unusual: {inner}.",
                    _join(
                        [
                            S(
                                "{label} {move} (z {z})",
                                {"label": _trigger_name(t)},
                                move=book.d(
                                    f"triggers.{t.name}.move", TRIGGER_UNITS.get(t.unit, "%")
                                ),
                                z=book.d(f"triggers.{t.name}.z", "z"),
                            )
                            for t in others
                        ]
                    ),
                )
            )
    else:
        lead.append(S("No surface trigger could be measured on {date}.", date=book.date()))
    blocks.append(Block("lead", tuple(lead)))
    blocks.append(
        Block(
            "paragraph",
            (
                S(
                    "A z-score says how unusual a move is against all earlier moves of the same "
                    "length: beyond {unusual} (up or down) is unusual, below {notable} ordinary.",
                    unusual=book.threshold("report.UNUSUAL_Z", "z abs"),
                    notable=book.threshold("report.NOTABLE_Z", "z abs"),
                ),
            ),
        )
    )
    if d.triggers:
        rows = tuple(
            (
                t.label,
                book.d(f"triggers.{t.name}.move", TRIGGER_UNITS.get(t.unit, "%")),
                book.d(f"triggers.{t.name}.z", "z"),
                _reading(t.z),
                d.dollar.series
                if t.name == "dollar_move_pct" and d.dollar is not None
                else t.series,
            )
            for t in d.triggers
        )
        blocks.append(
            Block(
                "table",
                table=Table(
                    "triggers",
                    f"Surface triggers over {d.window} business days to {date_text(d.date)}, "
                    "ranked by the size of their z-score",
                    ("trigger", "move", "z-score", "reading", "series"),
                    rows,
                    (False, True, True, False, False),
                ),
            )
        )
        blocks.append(Block("chart", chart="triggers"))
    blocks.append(Block("paragraph", tuple(_first_movers(book, inputs))))
    blocks.append(Block("chart", chart="paths"))
    gaps = _proxy_gaps(book, inputs)
    if gaps:
        blocks.append(Block("warning", tuple(gaps)))
    extra = [*_dollar_sentences(book, d), *_mag7_sentences(book, d), *_sector_sentences(book, d)]
    if extra:
        blocks.append(Block("paragraph", tuple(extra)))
    if d.sectors:
        blocks.append(Block("chart", chart="sectors"))
    return Section("triggers", "What moved first and most", tuple(blocks))


TRIGGER_CLASSES = {
    "gold_move_pct": "gold",
    "oil_move_pct": "oil",
    "dollar_move_pct": "dollar",
    "yen_move_pct": "yen",
}


def _proxy_gaps(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """Say so where a trigger's series and the moves table's proxy tell different stories."""
    d = inputs.diagnosis
    moves = _moves(d)
    out = []
    for i, t in enumerate(d.triggers):
        c = TRIGGER_CLASSES.get(t.name)
        if c is None or c not in moves or moves[c].proxy == t.series:
            continue
        a, b = t.move, moves[c].move_pct
        opposite = a * b < 0 and max(abs(a), abs(b)) >= 1.0
        if not (opposite or abs(a - b) >= 2.0):
            continue
        trig, proxy = inputs.status(t.series), inputs.status(moves[c].proxy)
        if trig is None or proxy is None:
            continue
        out.append(
            S(
                "Two readings of {label} disagree: {series} moved {a} (last value {d1}) while "
                "{proxy}, used in the moves table, moved {b} (last value {d2}). The gap comes "
                "from different instruments or closing times; read both.",
                {"label": _label(c), "series": t.series, "proxy": moves[c].proxy},
                a=book.d(f"triggers.{i}.move", "%"),
                d1=book.get(f"series.{t.series}.last_date", "date"),
                b=book.d(f"returns.{c}.move_pct", "%"),
                d2=book.get(f"series.{moves[c].proxy}.last_date", "date"),
            )
        )
    return out


TRIGGER_NAMES = {
    "oil_move_pct": "oil",
    "gold_move_pct": "gold",
    "dollar_move_pct": "the US dollar",
    "yen_move_pct": "the Japanese yen",
    "yield_10y_move_bp": "the 10-year Treasury yield",
    "vix_move_pts": "the VIX",
    "mag7_vs_equal_weight_pct": "mega-cap tech (MAG7) against the equal-weight S&P 500",
}


def _trigger_name(t: Any) -> str:
    return TRIGGER_NAMES.get(t.name, t.label)


def _first_movers(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    found = first_moves(inputs)[:5]
    threshold = book.threshold("report.FIRST_MOVE_Z", "z abs")
    if not found:
        return [
            S(
                "No asset class had a daily move beyond {threshold} standard deviations in the "
                "{window} to {date}: the moves built up gradually.",
                threshold=threshold,
                window=book.d("window", "business days"),
                date=book.date(),
            )
        ]
    parts = []
    for m in found:
        first = m.first.date().isoformat()
        part = S(
            "{label} {ret} on {day} (z {z})",
            {"label": _label(m.asset_class)},
            ret=book.get(f"returns.{m.asset_class}@{first}", "%"),
            day=book.date(first),
            z=book.get(f"day_z.{m.asset_class}@{first}", "z"),
        )
        if m.largest != m.first:
            top = m.largest.date().isoformat()
            part = _wrap(
                "{inner}, its largest {ret} on {day} (z {z})",
                part,
                ret=book.get(f"returns.{m.asset_class}@{top}", "%"),
                day=book.date(top),
                z=book.get(f"day_z.{m.asset_class}@{top}", "z"),
            )
        parts.append(part)
    return [
        _wrap(
            "Who moved first: in order of their first daily move beyond {threshold} standard "
            "deviations in the window, {inner}.",
            _join(parts, sep="; ", last="; then "),
            threshold=threshold,
        )
    ]


def _dollar_sentences(book: FactBook, d: Diagnosis) -> list[Sentence]:
    low = d.indicators.get("dollar_low_years")
    high = d.indicators.get("dollar_high_years")
    if low is None or high is None:
        return [S("The broad dollar index was not available on {date}.", date=book.date())]
    last = book.get("series.DTWEXBGS.last_date", "date")
    if low >= 1.0:
        return [
            S(
                "The broad dollar index stood at a {years} low (last value, {date}).",
                years=book.d("indicators.dollar_low_years", "years"),
                date=last,
            )
        ]
    if high >= 1.0:
        return [
            S(
                "The broad dollar index stood at a {years} high (last value, {date}).",
                years=book.d("indicators.dollar_high_years", "years"),
                date=last,
            )
        ]
    return [
        S(
            "The broad dollar index was at no multi-year high or low (last value, {date}).",
            date=last,
        )
    ]


def _mag7_sentences(book: FactBook, d: Diagnosis) -> list[Sentence]:
    names = {t.name for t in d.triggers}
    if "mag7_vs_equal_weight_pct" not in names:
        return []
    out = [
        S(
            "Mega-cap tech (an equal-weight basket of the MAG7) moved {gap} against the "
            "equal-weighted S&P 500 over the window (z {z}).",
            gap=book.d("triggers.mag7_vs_equal_weight_pct.move", "pp"),
            z=book.d("triggers.mag7_vs_equal_weight_pct.z", "z"),
        )
    ]
    if d.indicators.get("mag7_vs_equal_weight_1y_pct") is not None:
        out.append(
            S(
                "Over a year the gap is {gap1y}, and the basket traded {stretch} {side} its "
                "200-day average.",
                {
                    "side": "above"
                    if (d.indicators.get("mag7_above_200d_pct") or 0) >= 0
                    else "below"
                },
                gap1y=book.d("indicators.mag7_vs_equal_weight_1y_pct", "pp"),
                stretch=book.d("indicators.mag7_above_200d_pct", "% abs"),
            )
        )
    return out


def _sector_sentences(book: FactBook, d: Diagnosis) -> list[Sentence]:
    if len(d.sectors) < 4:
        return []
    names = list(d.sectors)  # sorted from weakest to strongest

    def part(name: str) -> Sentence:
        return S("{name} {move}", {"name": name}, move=book.d(f"sectors.{name}", "%"))

    return [
        _compose(
            "Sector rotation over the window: the weakest sectors were {weak}; the strongest "
            "{strong} (SPDR sector funds).",
            {
                "weak": _join([part(n) for n in names[:2]]),
                "strong": _join([part(n) for n in names[::-1][:2]]),
            },
        )
    ]


# -- 3. funding -----------------------------------------------------------------------------------
TYPICAL = (
    "The typical cost of overnight funding over the reserve rate (the median of the last {n}, "
    "calendar days left out) was {level}"
)


@dataclass(frozen=True)
class RateMismatch:
    """The funding spread of the day pairs an older money-market rate with a new reserve rate."""

    rate_id: str  # SOFR or EFFR
    rate_date: str  # its last observation
    reserve_id: str  # IORB or IOER
    reserve_then: float
    reserve_now: float


def rate_mismatch(inputs: ReportInputs) -> RateMismatch | None:
    """Detect a reserve-rate change between the money-market rate's last value and the day.

    SOFR and EFFR are published the next morning, so on the day of a Fed move the spread
    compares yesterday's market rate with today's new reserve rate: after the 100 bp cut of
    15 March 2020 that alone shows +100 bp on 16 March.
    """
    d = inputs.diagnosis
    rate_id = "SOFR" if d.indicators.get("sofr_iorb_bp") is not None else "EFFR"
    status = inputs.status(rate_id)
    panel = inputs.result.panel
    if status is None or status.last_date is None or status.last_date >= d.date:
        return None
    then = pd.Timestamp(status.last_date)
    for reserve_id in ("IORB", "IOER"):
        if reserve_id not in panel:
            continue
        now = panel[reserve_id].loc[: inputs.day]
        if not now.notna().iloc[-1]:
            continue
        before = now.loc[:then].dropna()
        if before.empty:
            return None
        old, new = float(before.iloc[-1]), float(now.iloc[-1])
        if abs(old - new) > 1e-9:
            return RateMismatch(rate_id, status.last_date, reserve_id, old, new)
        return None
    return None


def _mismatch_sentence(book: FactBook, m: RateMismatch) -> Sentence:
    return S(
        "Caution: the spread of {date} compares {rate} of {then} with a reserve rate ({reserve}) "
        "that moved from {old} to {new} since; much of it reflects the Fed's move, not funding "
        "stress.",
        {"rate": m.rate_id, "reserve": m.reserve_id},
        date=book.date(),
        then=book.get(f"series.{m.rate_id}.last_date", "date"),
        old=book.get(f"panel.{m.reserve_id}@{m.rate_date}", "% level"),
        new=book.get(f"panel.{m.reserve_id}", "% level"),
    )


def _reserve_name(inputs: ReportInputs) -> str:
    """IORB, or IOER before it replaced it (29 Jul 2021): the rate in force on the day."""
    panel = inputs.result.panel
    if "IORB" in panel and pd.notna(panel["IORB"].loc[inputs.day]):
        return "IORB"
    return "IOER"


def _funding_reason(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """Say why the funding state is what it is, in the terms of its rules."""
    d = inputs.diagnosis
    level = d.indicators.get("funding_spread_ex_cal_bp")
    if d.funding_state == "unknown" or level is None:
        return []
    n = book.threshold("funding.EX_CAL_MEDIAN_DAYS", "business days")
    typical = book.d("indicators.funding_spread_ex_cal_bp", "bp")
    t = STATE_THRESHOLDS_BP
    if d.funding_state in ("abundant", "ample"):
        line = book.threshold("funding.TIGHTENING_LEVEL_BP", "bp")
        tail = ", below the {line} line where funding starts to tighten."
        return [S(TYPICAL + tail, n=n, level=typical, line=line)]
    if d.funding_state == "tightening":
        if level >= t["tightening_level"]:
            line = book.threshold("funding.TIGHTENING_LEVEL_BP", "bp")
            tail = ", above the {line} line below which funding counts as ample."
            return [S(TYPICAL + tail, n=n, level=typical, line=line)]
        return [
            S(
                "Reserves fell {chg} over {weeks}, more than {drain}: a drain fast enough to "
                "tighten funding on its own.",
                chg=book.d("indicators.reserves_chg_13w_usd_bn", "USD bn change"),
                weeks=book.threshold("report.COUNT_13_WEEKS", "weeks"),
                drain=book.threshold("funding.RESERVE_DRAIN_ABS_USD_BN", "USD bn"),
            )
        ]
    if d.funding_state == "scarce":
        if level >= t["scarce_level"]:
            line = book.threshold("funding.SCARCE_LEVEL_BP", "bp")
            tail = ", above the {line} line that marks scarce reserves."
            return [S(TYPICAL + tail, n=n, level=typical, line=line)]
        return [
            S(
                "Overnight funding cost {spike} or more over the reserve rate on {k} of the last "
                "{m}.",
                spike=book.threshold("funding.SPIKE_BP", "bp"),
                k=book.t("funding_spikes_20d", "count"),
                m=book.threshold("report.COUNT_20_DAYS", "business days"),
            )
        ]
    return [S(TYPICAL + ".", n=n, level=typical)]


def _funding(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    ind = d.indicators
    state = str(d.funding_state)
    answer = S(phrase("funding", state if state in FUNDING_STATES else "unknown"), date=book.date())
    blocks = [Block("lead", (answer, *_funding_reason(book, inputs)))]
    spread: list[Sentence] = []
    if ind.get("sofr_iorb_bp") is not None:
        spread.append(
            S(
                "On {date}, the latest SOFR - {reserve} known was {sofr}, {pct} since {since}.",
                {"reserve": _reserve_name(inputs)},
                sofr=book.d("indicators.sofr_iorb_bp", "bp"),
                date=book.date(),
                pct=book.d("percentiles.sofr_iorb_bp", "percentile"),
                since=book.get(f"first_valid.sofr_iorb_bp@:{book.iso}", "date"),
            )
        )
    if ind.get("effr_iorb_bp") is not None:
        spread.append(
            S(
                "EFFR - {reserve} was {effr} ({pct}).",
                {"reserve": _reserve_name(inputs)},
                effr=book.d("indicators.effr_iorb_bp", "bp"),
                pct=book.d("percentiles.effr_iorb_bp", "percentile"),
            )
        )
    if ind.get("funding_spread_bp") is not None:
        if bool(inputs.result.table["calendar_day"].loc[book.day]):
            spread.append(
                S(
                    "{date} is a calendar day (a month-end, month-start or mid-month settlement "
                    "date), when these spreads rise for technical reasons.",
                    date=book.date(),
                )
            )
        position = int(inputs.result.table.index.searchsorted(book.day))
        start = inputs.result.table.index[
            max(0, position - int(THRESHOLDS["report.COUNT_20_DAYS"]) + 1)
        ]
        span = f"{start.date().isoformat()}:{book.iso}"
        spread.append(
            S(
                "The highest reading of the last {n} was {peak} on {peakday}; spikes of "
                "{spike} or more outside calendar days are the warning sign.",
                n=book.threshold("report.COUNT_20_DAYS", "business days"),
                peak=book.get(f"max.funding_spread_bp@{span}", "bp"),
                peakday=book.get(f"argmax.funding_spread_bp@{span}", "date"),
                spike=book.threshold("funding.SPIKE_BP", "bp"),
            )
        )
    mismatch = rate_mismatch(inputs)
    if mismatch is not None:
        blocks.append(Block("warning", (_mismatch_sentence(book, mismatch),)))
    if spread:
        blocks.append(Block("paragraph", tuple(spread)))
        blocks.append(Block("chart", chart="funding_spread"))
    blocks.append(Block("paragraph", tuple(_reserves(book, inputs))))
    warnings = _liquidity_warnings(book, inputs)
    if warnings:
        blocks.append(Block("warning", tuple(warnings)))
    blocks.append(Block("chart", chart="liquidity"))
    rates = _rates(book, inputs)
    if rates:
        blocks.append(Block("paragraph", tuple(rates)))
        blocks.append(Block("chart", chart="rates"))
    from riskoff.report.backdrop import long_end_sentences

    long_end = long_end_sentences(book, inputs)
    if long_end:
        blocks.append(Block("paragraph", tuple(long_end)))
    return Section("funding", "Funding liquidity: is money getting scarce?", tuple(blocks))


def _reserves(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    ind = inputs.diagnosis.indicators
    out: list[Sentence] = []
    if ind.get("reserves_usd_bn") is not None:
        out.append(
            S(
                "Bank reserves at the Fed were {res} (week of {wk}), {chg} over {weeks} and "
                "{share} of the Fed's assets.",
                res=book.d("indicators.reserves_usd_bn", "USD bn"),
                wk=book.get("series.WRESBAL.last_date", "date"),
                chg=book.d("indicators.reserves_chg_13w_usd_bn", "USD bn change"),
                weeks=book.threshold("report.COUNT_13_WEEKS", "weeks"),
                share=book.d("indicators.reserves_to_fed_assets_pct", "% level"),
            )
        )
        chg = ind.get("reserves_chg_13w_usd_bn")
        if chg is not None and chg <= RESERVE_DRAIN_USD_BN:
            out.append(
                S(
                    "A fall of more than {drain} in {weeks} is fast enough to tighten funding on "
                    "its own.",
                    drain=book.threshold("funding.RESERVE_DRAIN_ABS_USD_BN", "USD bn"),
                    weeks=book.threshold("report.COUNT_13_WEEKS", "weeks"),
                )
            )
    out.extend(_policy(book, inputs))
    if ind.get("net_liquidity_usd_bn") is not None:
        out.append(
            S(
                "Net liquidity (Fed assets less the Treasury's cash account and the reverse-repo "
                "facility) was {nl}, {chg} over {weeks}.",
                nl=book.d("indicators.net_liquidity_usd_bn", "USD bn"),
                chg=book.d("indicators.net_liquidity_chg_4w_usd_bn", "USD bn change"),
                weeks=book.threshold("report.COUNT_4_WEEKS", "weeks"),
            )
        )
    if not out:
        out.append(S("No Fed balance-sheet data were known on {date}.", date=book.date()))
    return out


def _policy(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """The Fed's balance-sheet regime on the day (dated table) and what the data show of it."""
    ind = inputs.diagnosis.indicators
    out: list[Sentence] = []
    regime = regime_on(book.day.date())
    if regime is not None:
        out.append(
            S(
                phrase("policy", "regime"),
                {"name": regime.name},
                since=book.date(max(regime.start, dt.date(1990, 1, 1)).isoformat()),
            )
        )
    pace = ind.get("qt_pace_usd_bn_per_month")
    if pace is not None:
        key = (
            "shrinking"
            if pace <= -QT_FLAT_USD_BN
            else "growing"
            if pace >= QT_FLAT_USD_BN
            else "flat"
        )
        facts = {
            "pace": book.d("indicators.qt_pace_usd_bn_per_month", "USD bn a month"),
            "weeks": book.threshold("report.COUNT_13_WEEKS", "weeks"),
            "assets": book.d("indicators.fed_assets_usd_bn", "USD bn"),
        }
        if key == "flat":
            facts["flat"] = book.threshold("report.QT_FLAT_USD_BN", "USD bn a month")
        out.append(S(phrase("policy", key), **facts))
    out.extend(_rate_moves(book, inputs))
    return out


def _rate_moves(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """Rate cuts or hikes over the past six months, read from the rate paid on reserves.

    IORB (IOER before July 2021) moves with the target range; before October 2008 there is
    no administered rate in the data and nothing is said.
    """
    panel = inputs.result.panel
    rates = [panel[c] for c in ("IORB", "IOER") if c in panel]
    if not rates:
        return []
    rate = rates[0] if len(rates) == 1 else rates[0].fillna(rates[1])
    upper = rate.loc[: book.day].dropna()
    start = book.day - pd.DateOffset(months=6)
    recent = upper.loc[start:]
    if len(recent) < 2 or upper.loc[:start].empty:
        return []
    changes = recent.diff().fillna(0.0)
    moved = changes[changes != 0.0]
    before = float(upper.loc[:start].iloc[-1])
    total = (float(recent.iloc[-1]) - before) * 100.0
    if moved.empty or abs(total) < 1.0:
        return [S(phrase("policy", "steady"))]
    last = pd.Timestamp(moved.index[-1]).date().isoformat()
    change = book.fact(
        TableFact(
            f"rate_change_6m.reserve_rate@{book.iso}",
            abs(total),
            "bp abs",
            last,
            start.date().isoformat(),
            last,
            "IORB"
            if "IORB" in panel and pd.notna(panel["IORB"].get(pd.Timestamp(last)))
            else "IOER",
        )
    )
    key, name = ("cuts", "cut") if total < 0 else ("hikes", "hike")
    return [S(phrase("policy", key), last=book.date(last), **{name: change})]


def _liquidity_warnings(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    out = []
    ind = inputs.diagnosis.indicators
    if ind.get("net_liquidity_usd_bn") is None and ind.get("fed_assets_usd_bn") is not None:
        tga = inputs.status("WTREGEN")
        if tga is not None and tga.last_date is not None:
            out.append(
                S(
                    "Net liquidity cannot be computed for {date}: the Treasury General Account "
                    "(WTREGEN) was last observed on {last} in this store, {behind} earlier.",
                    date=book.date(),
                    last=book.get("series.WTREGEN.last_date", "date"),
                    behind=book.get("series.WTREGEN.days_behind", "days"),
                )
            )
        else:
            out.append(
                S(
                    "Net liquidity cannot be computed for {date}: the Treasury General Account "
                    "(WTREGEN) is missing.",
                    date=book.date(),
                )
            )
    return out


def _rates(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    ind = inputs.diagnosis.indicators
    out = []
    if ind.get("yield_10y_pct") is not None:
        out.append(
            S(
                "The 10-year Treasury yield known on {date} was {y10} ({chg} over {n}; {pct} "
                "in its history).",
                y10=book.d("indicators.yield_10y_pct", "% level"),
                date=book.date(),
                chg=book.t("yield_10y_chg_20d_bp", "bp"),
                n=book.threshold("report.COUNT_20_DAYS", "business days"),
                pct=book.d("percentiles.yield_10y_pct", "percentile"),
            )
        )
    if ind.get("mortgage_30y_pct") is not None:
        out.append(
            S(
                "The 30-year mortgage rate was {m30} (Freddie Mac survey, week of {wk}), "
                "{spread} above the 10-year yield.",
                m30=book.d("indicators.mortgage_30y_pct", "% level"),
                wk=book.get("series.MORTGAGE30US.last_date", "date"),
                spread=book.d("indicators.mortgage_spread_bp", "bp level"),
            )
        )
    return out


# -- 4. indiscriminate selling? ------------------------------------------------------------------
def _selling(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    counted = [m for m in d.returns if m.asset_class != "dollar" and math.isfinite(m.move_z)]
    fell = book.threshold("crossasset.FELL_Z", "count")
    lead: list[Sentence] = []
    if d.breadth is not None and math.isfinite(d.breadth):
        if d.breadth >= th.BREADTH[1]:
            answer = "Yes: the selling was broad."
        elif d.breadth <= th.BREADTH[0]:
            answer = "No: the selling was narrow."
        else:
            answer = "Partly: the selling spread to several markets but not to most."
        lead.append(
            S(
                answer + " {share} of asset classes ({n} of {m}, the dollar left out) fell "
                "more than {fell} standard deviation over the {window} to {date}.",
                share=book.d("breadth", "share"),
                n=book.fact(TableFact(f"count.fell@{book.iso}", float(len(d.fell)), "count")),
                m=book.fact(
                    TableFact(f"count.classes_with_a_move@{book.iso}", float(len(counted)), "count")
                ),
                fell=fell,
                window=book.d("window", "business days"),
                date=book.date(),
            )
        )
    else:
        lead.append(S("Breadth could not be measured on {date}.", date=book.date()))
    blocks = [Block("lead", tuple(lead))]
    blocks.append(Block("paragraph", tuple(_havens(book, d))))
    rows = tuple(
        (
            m.label,
            m.proxy,
            book.d(f"returns.{m.asset_class}.move_pct", "%"),
            book.d(f"returns.{m.asset_class}.move_z", "z"),
            "yes" if m.asset_class in d.fell else "",
        )
        for m in sorted(d.returns, key=lambda m: m.move_z)
    )
    blocks.append(
        Block(
            "table",
            table=Table(
                "moves",
                f"Moves by asset class over {d.window} business days to {date_text(d.date)}, "
                "worst first",
                ("asset class", "proxy", "move", "z-score", f"fell > {abs(FELL_Z):g} sd"),
                rows,
                (False, False, True, True, False),
            ),
        )
    )
    blocks.append(Block("chart", chart="heatmap"))
    blocks.append(Block("paragraph", tuple(_comovement(book, d))))
    blocks.append(Block("chart", chart="comovement"))
    return Section("selling", "Indiscriminate selling?", tuple(blocks))


def _havens(book: FactBook, d: Diagnosis) -> list[Sentence]:
    moves = _moves(d)
    present = [c for c in SAFE_HAVENS if c in moves]
    out: list[Sentence] = []
    if present:
        out.append(
            _wrap(
                "Safe havens over the window: {inner}.",
                _join([_class_move(book, c) for c in present]),
            )
        )
    if "dollar" in moves:
        out.append(_wrap("The US dollar: {inner}.", _class_move(book, "dollar", label=False)))
    verdict = d.safe_haven_verdict
    if verdict == "not_tested":
        out.append(
            S(
                "Did they protect? Not tested: US equities did not fall by more than {fell} "
                "standard deviation over the window.",
                fell=book.threshold("crossasset.FELL_Z", "count"),
            )
        )
        return out
    rose = [_label(c) for c in present if moves[c].move_z >= HAVEN_MOVE_Z]
    fell = [_label(c) for c in present if moves[c].move_z <= -HAVEN_MOVE_Z]
    overall = {
        "protected": "Did they protect? Yes, on balance",
        "failed": "Did they protect? No, on balance",
        "mixed": "Did they protect? Only partly",
    }.get(verdict.split(":")[0], "Did they protect? Unclear")
    detail = []
    if rose:
        detail.append("rose: " + ", ".join(rose))
    if fell:
        detail.append("fell with equities: " + ", ".join(fell))
    if not detail:
        detail.append("none moved much")
    # "A dash for cash" names a scramble for dollars in a liquidity or funding crisis; a dollar
    # bid on a rates repricing is only described.
    dash = ""
    if d.dash_for_cash:
        dash = (
            " The dollar rose while havens fell: a dash for cash."
            if str(d.crash_type) in ("liquidity_crunch", "funding_squeeze")
            else " The dollar rose while havens fell."
        )
    out.append(S(overall + " ({detail})." + dash, {"detail": "; ".join(detail)}))
    if d.safe_haven_failure is not None and d.safe_haven_failure != 0.0:
        shf = d.safe_haven_failure
        out.append(
            S(
                "On average, gold, long Treasuries and the yen {verb} by {shf} standard "
                "deviations of their usual move while equities fell.",
                {"verb": "fell" if shf > 0 else "rose"},
                shf=book.d("safe_haven_failure", "z abs 1"),
            )
        )
    return out


COMOVEMENT = (
    ("avg_corr_60d", "Average correlation between asset classes over 60 days", "correlation"),
    ("avg_corr_20d", "over 20 days", "correlation"),
    ("absorption_ratio", "the absorption ratio (share of risk in the top factors)", "score"),
    ("turbulence", "turbulence (how unusual today's cross-asset moves are)", "score"),
)


def _comovement(book: FactBook, d: Diagnosis) -> list[Sentence]:
    out: list[Sentence] = []
    parts: list[Sentence] = []
    for key, label, unit in COMOVEMENT:
        if d.indicators.get(key) is None or d.percentiles.get(key) is None:
            continue
        parts.append(
            S(
                "{label} {value} ({pct})",
                {"label": label},
                value=book.d(f"indicators.{key}", unit),
                pct=book.d(f"percentiles.{key}", "percentile"),
            )
        )
    if parts:
        out.append(_wrap("Do assets move as one? {inner}.", _join(parts, sep="; ", last="; ")))
        pcts = [d.percentiles.get(k) for k, _, _ in COMOVEMENT if d.indicators.get(k) is not None]
        high = [p for p in pcts if p is not None and math.isfinite(p) and p >= HIGH_PERCENTILE]
        if high:
            out.append(
                S(
                    "Readings above the {high} mean diversification is working less than usual.",
                    high=book.threshold("report.HIGH_PERCENTILE", "percentile"),
                )
            )
        else:
            out.append(
                S(
                    "None is above the {high} of its history: diversification was still working.",
                    high=book.threshold("report.HIGH_PERCENTILE", "percentile"),
                )
            )
    missing = [
        label
        for key, label, _ in COMOVEMENT
        if d.indicators.get(key) is None and key != "avg_corr_20d"
    ]
    if missing:
        out.append(
            S(
                "Not available on {date}: {what}.",
                {"what": "; ".join(m.lower() for m in missing)},
                date=book.date(),
            )
        )
    return out


# -- 5. history -----------------------------------------------------------------------------------
HISTORY_ROWS = (
    ("us_equities", "US equities"),
    ("gold", "Gold"),
    ("long_treasuries", "Long Treasuries"),
    ("dollar", "US dollar"),
    ("crypto", "Bitcoin"),
)


def _analog_cell(book: FactBook, asset_class: str, analog: Mapping[str, Any]) -> Cell:
    """An episode's move on its peak day as known on that day (its own brief's number)."""
    day = str(analog["peak"])
    pit = (analog.get("point_in_time") or {}).get("moves", {}).get(asset_class)
    if pit is None:
        if (analog.get("point_in_time") or {}).get("moves"):
            return "n/a"  # the class had no data on that day
        move = book.get(f"move_pct.{asset_class}@{day}", "%")
        if move.value is None:
            return "n/a"
        return S("{move} (z {z})", move=move, z=book.get(f"move_z.{asset_class}@{day}", "z"))
    span = (pit["end"], pit["start"], pit["end"], asset_class, pit.get("proxy", ""))
    move = book.fact(TableFact(f"move_pct.{asset_class}@{day}", pit["pct"], "%", *span))
    z = book.fact(TableFact(f"move_z.{asset_class}@{day}", pit["z"], "z", *span))
    return S("{move} (z {z})", move=move, z=z)


def _analog_url(analog: Mapping[str, Any]) -> str:
    """The address of an episode's public source."""
    return episode_url(str(analog.get("source", "")))


def _analog_value(book: FactBook, column: str, unit: str, analog: Mapping[str, Any]) -> Cell:
    """An episode's reading on its peak day as known on that day."""
    day = str(analog["peak"])
    pit = (analog.get("point_in_time") or {}).get("values", {})
    if not (analog.get("point_in_time") or {}).get("moves"):
        return book.t(column, unit, at=day)
    entry = pit.get(column)
    if entry is None:
        return "n/a"
    return book.fact(
        TableFact(f"table.{column}@{day}", entry["value"], unit, entry["observed"], series=column)
    )


def _today_cell(book: FactBook, d: Diagnosis, asset_class: str) -> Cell:
    if asset_class not in _moves(d):
        return "n/a"
    return S(
        "{move} (z {z})",
        move=book.d(f"returns.{asset_class}.move_pct", "%"),
        z=book.d(f"returns.{asset_class}.move_z", "z"),
    )


def _history(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    analogs = d.analogs[:TOP_ANALOGS]
    blocks: list[Block] = []
    if not analogs:
        blocks.append(
            Block(
                "lead",
                (
                    S(
                        "No labelled episode that had ended by {date} could be compared.",
                        date=book.date(),
                    ),
                ),
            )
        )
    else:
        first = analogs[0]
        blocks.append(
            Block(
                "lead",
                (
                    S(
                        "The closest labelled episode is {name} ({peak}, a {type}), with "
                        "similarity {sim}.",
                        {
                            "name": first["name"],
                            "type": TYPE_NAMES.get(first["crash_type"], first["crash_type"]),
                        },
                        peak=book.d("analogs.0.peak", "date"),
                        sim=book.d("analogs.0.similarity", "score"),
                    ),
                    S(
                        phrase("measures", "similarity"),
                        {"name": first["name"]},
                        sim=book.d("analogs.0.similarity", "score"),
                        rank=book.d("analogs.0.rank", "ordinal"),
                        of=book.d("analogs.0.of", "count"),
                    ),
                ),
            )
        )
        columns = ["", f"Today ({date_text(d.date)})"] + [
            f"{a['name']} ({date_text(a['peak'])})" for a in analogs
        ]
        rows: list[tuple[Cell, ...]] = []
        for c, label in HISTORY_ROWS:
            rows.append(
                (
                    f"{label}, {d.window}-day move",
                    _today_cell(book, d, c),
                    *(_analog_cell(book, c, a) for a in analogs),
                )
            )
        for col, label, unit in (
            ("funding_spread_bp", "Overnight funding - reserve rate", "bp"),
            ("stress_index", "Stress index (0 to 1)", "index"),
            ("breadth", "Breadth (share of classes down)", "share"),
        ):
            rows.append(
                (
                    label,
                    book.t(col, unit),
                    *(_analog_value(book, col, unit, a) for a in analogs),
                )
            )
        rows.append(
            (
                "Type",
                TYPE_NAMES[d.crash_type] + (f" ({_epicenter(d)})" if d.epicenter else ""),
                *(TYPE_NAMES.get(a["crash_type"], a["crash_type"]) for a in analogs),
            )
        )
        rows.append(("Source", "", *("source" if _analog_url(a) else "" for a in analogs)))
        links = (
            *(("",) * len(columns) for _ in rows[:-1]),
            ("", "", *(_analog_url(a) for a in analogs)),
        )
        blocks.append(
            Block(
                "table",
                table=Table(
                    "analogs",
                    "Today against the closest labelled episodes, on the same measures "
                    "(episodes at their peak day)",
                    tuple(columns),
                    tuple(rows),
                    (False, *([True] * (len(columns) - 1))),
                    links,
                ),
            )
        )
        blocks.append(Block("list", tuple(_analog_sentences(book, analogs))))
    paths = _path_sentences(book, d)
    blocks.append(Block("paragraph", tuple(paths)))
    if d.path_matches:
        blocks.append(Block("chart", chart="path_matches"))
    return Section("history", "Has this happened before?", tuple(blocks))


def _analog_sentences(book: FactBook, analogs: Sequence[dict[str, Any]]) -> list[Sentence]:
    out = []
    for i, a in enumerate(analogs):
        head = S(
            "{name} ({peak}, similarity {sim}):",
            {"name": a["name"]},
            peak=book.d(f"analogs.{i}.peak", "date"),
            sim=book.d(f"analogs.{i}.similarity", "score"),
        )
        features = []
        for key, lead, empty in (
            ("similar_in", "similar in", "no feature is close"),
            ("differs_in", "differs in", "no large difference"),
        ):
            items = "; ".join(a.get(key) or [])
            if items:
                features.append(
                    S(
                        lead + " {items}",
                        items=Fact(items, "text", f"diagnosis.analogs.{i}.{key}", items),
                    )
                )
            else:
                features.append(S(empty))
        out.append(
            _compose("{head} {features}.", {"head": head, "features": _join(features, "; ", "; ")})
        )
    if out:
        out.append(S("Pairs read today vs then; asset moves are in standard deviations."))
    return out


def _path_sentences(book: FactBook, d: Diagnosis) -> list[Sentence]:
    matches = d.path_matches[:TOP_PATHS]
    if not matches:
        return [S("No past window with a similar path could be found on {date}.", date=book.date())]
    out = [
        S(
            "Path search: the past windows whose last {n} of equities, gold, Treasuries, the "
            "dollar, stress and correlation look most like the {n} to {date}:",
            n=book.threshold("report.PATH_LENGTH", "business days"),
            date=book.date(),
        )
    ]
    parts = []
    for i, m in enumerate(matches):
        after = m.get("equities_next_20d_pct")
        base = S(
            "{start} to {end} (distance {dist}; lower is closer)",
            start=book.d(f"path_matches.{i}.start", "date"),
            end=book.d(f"path_matches.{i}.end", "date"),
            dist=book.d(f"path_matches.{i}.distance", "score"),
        )
        if after is not None:
            base = _wrap(
                "{inner}, after which US equities moved {after} in {n}",
                base,
                after=book.d(f"path_matches.{i}.equities_next_20d_pct", "%"),
                n=book.threshold("report.COUNT_20_DAYS", "business days"),
            )
        parts.append(base)
    out.append(_wrap("{inner}.", _join(parts, sep="; ", last="; ")))
    out.append(S("Past paths describe what happened then; they are not a forecast."))
    return out


def _stress_words(percentile: float | None) -> str:
    """Plain words for a stress percentile, stepping up at the severity table's stress bounds.

    Below the first bound (the table's "mild", the 70th percentile) stress is close to normal;
    from it on, elevated: a day more stressed than seven in ten days of history is not normal.
    """
    p = percentile if percentile is not None and math.isfinite(percentile) else 0.0
    if p < LOW_PERCENTILE:
        return "lower than on most days"
    words = ("close to normal", "elevated", "high", "very high", "extreme")
    for bound, word in zip(th.STRESS_BOUNDS, words, strict=False):
        if p < bound:
            return word
    return words[-1]


def _row(frame: pd.DataFrame, day: pd.Timestamp) -> pd.Series:
    return pd.Series(frame.loc[day], dtype=float)


# -- 6. regime ------------------------------------------------------------------------------------
def _regime(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    blocks: list[Block] = []
    if d.stress_index is None or not math.isfinite(d.stress_index):
        blocks.append(
            Block("lead", (S("The stress index is not available on {date}.", date=book.date()),))
        )
        return Section("regime", "The bigger picture: stress regime", tuple(blocks))
    year_ago = (book.day - pd.DateOffset(years=1)).date().isoformat()
    span = f"{year_ago}:{book.iso}"
    level = _stress_words(d.stress_percentile)
    lead = [
        S(
            "The composite stress index was {s} on {date} (it runs from 0, calm, to 1, extreme): "
            "{level}, {pct} since {since}.",
            {"level": level},
            s=book.d("stress_index", "index"),
            date=book.date(),
            pct=book.d("stress_percentile", "percentile"),
            since=book.get(f"first_valid.stress_index@:{book.iso}", "date"),
        ),
        S(
            "Its highest level in the past year was {peak} on {peakday}.",
            peak=book.get(f"max.stress_index@{span}", "index"),
            peakday=book.get(f"argmax.stress_index@{span}", "date"),
        ),
    ]
    blocks.append(Block("lead", tuple(lead)))
    blocks.append(Block("chart", chart="stress_history"))
    contrib = _row(inputs.result.contributions, book.day).dropna().sort_values(ascending=False)
    if len(contrib):
        top = list(contrib.index[:3])
        sub = _row(inputs.result.subindices, book.day).dropna().sort_values(ascending=False)
        blocks.append(
            Block(
                "paragraph",
                (
                    _wrap(
                        "Where the stress comes from: the largest contributions on {date} were "
                        "{inner} (index points; the contributions of all sub-indices add up to "
                        "the index).",
                        _join(
                            [
                                S(
                                    "{name} {c}",
                                    {"name": SUBINDEX_NAMES.get(k, k)},
                                    c=book.get(f"contributions.{k}", "index 3"),
                                )
                                for k in top
                            ]
                        ),
                        date=book.date(),
                    ),
                    _wrap(
                        "Against their own history, the most stressed markets were {inner} "
                        "(sub-indices from 0 to 1).",
                        _join(
                            [
                                S(
                                    "{name} {u}",
                                    {"name": SUBINDEX_NAMES.get(k, k)},
                                    u=book.get(f"subindices.{k}", "index"),
                                )
                                for k in list(sub.index[:3])
                            ]
                        ),
                    ),
                ),
            )
        )
        blocks.append(Block("chart", chart="stress_decomposition"))
    published = _published(book, inputs)
    if published:
        blocks.append(Block("paragraph", tuple(published)))
        blocks.append(Block("chart", chart="published"))
    return Section("regime", "The bigger picture: stress regime", tuple(blocks))


def _published(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    out: list[Sentence] = []
    for sid, entry in sorted(inputs.published.items()):
        if not isinstance(entry, Mapping):
            continue
        out.append(
            S(
                "Compared with {name} over {n} weeks ({start} to {end}), the weekly "
                "correlation is {corr}.",
                {"name": PUBLISHED_NAMES.get(sid, sid)},
                n=book.get(f"published.{sid}.n_weeks", "count"),
                start=book.get(f"published.{sid}.start", "date"),
                end=book.get(f"published.{sid}.end", "date"),
                corr=book.get(f"published.{sid}.correlation", "correlation"),
            )
        )
        status = inputs.status(sid)
        value = book.get(f"panel.{sid}", "index change")
        if status is not None and status.last_date is not None and value.value is not None:
            out.append(
                S(
                    "Its latest value known on {date} was {v} (week of {wk}).",
                    date=book.date(),
                    v=value,
                    wk=book.get(f"series.{sid}.last_date", "date"),
                )
            )
    if out:
        out.append(
            S(
                "Both published indices are centred on zero (above zero: more stress than "
                "average); riskoff's index runs from 0 to 1, so compare their shapes, not levels."
            )
        )
    return out


# -- 7. practical note ----------------------------------------------------------------------------


SHARP_DAY_Z = 4.0  # a daily fall beyond this many daily sigmas is not "orderly"


def _violence(book: FactBook, inputs: ReportInputs) -> list[Sentence]:
    """A sentence on the window's worst daily fall when it was far beyond the usual swing."""
    r = inputs.result
    day = inputs.day
    window = inputs.frames["day_z"].loc[:day].iloc[-r.window :]
    if window.empty:
        return []
    stacked = window.stack()
    if stacked.empty or not math.isfinite(float(stacked.min())):
        return []
    (when, asset_class) = stacked.idxmin()
    if float(stacked.min()) > -SHARP_DAY_Z:
        return []
    at = pd.Timestamp(when).date().isoformat()
    return [
        S(
            phrase("violence", "sharp"),
            {"label": _label(str(asset_class))},
            move=book.get(f"returns.{asset_class}@{at}", "% abs"),
            day=book.date(at),
            z=book.get(f"day_z.{asset_class}@{at}", "z abs"),
        )
    ]


def _note(book: FactBook, inputs: ReportInputs) -> Section:
    d = inputs.diagnosis
    key = d.verdict_key or str(d.crash_type)
    if key == "liquidity_crunch_havens_held":
        key = "liquidity_crunch"  # one note for every crunch
    general = [S(phrase("notes", key)), *_violence(book, inputs)]
    if d.funding_state in ("scarce", "stressed") and d.crash_type not in ("funding_squeeze",):
        general.append(
            S(
                "Money markets are also strained: when cash is scarce, sellers cannot wait, "
                "which makes any sell-off more abrupt."
            )
        )
    if d.safe_haven_verdict.startswith("failed") and d.crash_type != "liquidity_crunch":
        general.append(
            S(
                "Safe havens fell with equities this time: diversification gave less protection "
                "than usual."
            )
        )
    if d.severity in ("severe", "extreme"):
        general.append(
            S(
                "The stress is {severity}: in past episodes of this size, decisions taken in a "
                "hurry were the costly ones.",
                {"severity": d.severity},
            )
        )
    watch = [
        S(
            "Breadth: {now} of asset classes down more than {fell} standard deviation; above "
            "{high}, the selling is broad rather than confined to one market.",
            now=book.d("breadth", "share"),
            fell=book.threshold("crossasset.FELL_Z", "count"),
            high=book.threshold("thresholds.BREADTH_HIGH", "share"),
        ),
        S(
            "Overnight funding over the reserve rate: {now}; {spike} or more outside calendar "
            "days means cash is getting scarce.",
            now=book.d("indicators.funding_spread_bp", "bp"),
            spike=book.threshold("funding.SPIKE_BP", "bp"),
        ),
        S(
            "Stress index: {now} in its history; from the {pct} up, stress is high enough "
            "by its own standard for a liquidity crunch.",
            now=book.d("stress_percentile", "percentile"),
            pct=book.threshold("thresholds.STRESS_PERCENTILE_HIGH", "percentile"),
        ),
        S(
            "Safe havens: gold and long Treasuries falling while equities fall is the mark of "
            "forced selling; today they {state}.",
            {"state": HAVEN_STATES.get(d.safe_haven_verdict.split(":")[0], "were not tested")},
        ),
    ]
    blocks = (
        Block("lead", tuple(general)),
        Block("paragraph", (S("What to watch, with the readings of {date}:", date=book.date()),)),
        Block("list", tuple(watch)),
        Block(
            "paragraph",
            (
                S(
                    "This note describes what such a market state has meant in general "
                    "(see the disclaimer in the appendix)."
                ),
            ),
        ),
    )
    return Section("note", "A practical note", blocks)


# -- 8. disclaimer and data -----------------------------------------------------------------------
def _short_name(name: str) -> str:
    """Return the first clause of a catalog name (the rest stays in the JSON)."""
    return name.split(";")[0].split(", split")[0].strip()


def _data(book: FactBook, inputs: ReportInputs) -> Section:
    blocks = [
        Block(
            "lead",
            (S(phrase("disclaimer", "text"), date=book.date()),),
        )
    ]
    stale = [s for s in inputs.series if s.stale]
    missing = [s for s in inputs.series if s.missing]
    warnings = [
        S(
            "Stale on {date}: {sid} ({name}) was last observed on {last}, {behind} earlier "
            "(expected within {limit}).",
            {"sid": s.series_id, "name": s.name},
            date=book.date(),
            last=book.get(f"series.{s.series_id}.last_date", "date"),
            behind=book.get(f"series.{s.series_id}.days_behind", "days"),
            limit=book.get(f"series.{s.series_id}.stale_after_days", "days"),
        )
        for s in stale
    ]
    if missing:
        warnings.append(
            S(
                "Not yet available on {date} (the series starts later): {ids}.",
                {"ids": ", ".join(s.series_id for s in missing)},
                date=book.date(),
            )
        )
    if warnings:
        blocks.append(Block("warning", tuple(warnings)))
    rows = tuple(
        (
            s.series_id,
            _short_name(s.name),
            PROVIDERS.get(s.source, s.source),
            book.get(f"series.{s.series_id}.last_date", "date") if s.last_date else "none",
            book.get(f"series.{s.series_id}.days_behind", "days") if s.last_date else "",
            s.status,
            s.licence,
        )
        for s in inputs.series
    )
    links = tuple((series_url(s.source, s.native_id or s.series_id),) for s in inputs.series)
    blocks.append(
        Block(
            "table",
            table=Table(
                "data",
                f"Every series the brief reads, as known on {date_text(inputs.day)} (each "
                "series links to its page at the provider)",
                ("series", "name", "source", "last observation", "age", "status", "terms"),
                rows,
                (False, False, False, False, True, False, False),
                links,
            ),
        )
    )
    return Section("data", "Disclaimer and data appendix", tuple(blocks))


# -- entry point ----------------------------------------------------------------------------------
def build_sections(inputs: ReportInputs, book: FactBook | None = None) -> list[Section]:
    """Build the brief's sections, in ``SECTION_ORDER`` (optional ones only when they apply).

    Every number goes through ``book``, whose fact table holds one fact per quantity.
    """
    from riskoff.report.backdrop import economy_section
    from riskoff.report.extras import (
        change_section,
        claims_section,
        compare_section,
        episode_section,
    )

    book = book or FactBook(inputs)
    sections = [
        _verdict(book, inputs),
        claims_section(book, inputs),
        compare_section(book, inputs),
        episode_section(book, inputs),
        _triggers(book, inputs),
        economy_section(book, inputs),
        _funding(book, inputs),
        _selling(book, inputs),
        _history(book, inputs),
        change_section(book, inputs),
        _regime(book, inputs),
        _note(book, inputs),
        _data(book, inputs),
    ]
    return [s for s in sections if s is not None]
