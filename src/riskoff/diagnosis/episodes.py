"""Typed view of ``episodes.toml``: labelled historical sell-offs, plus calm reference dates.

The library is the ground truth a crash-type classifier is scored against: every episode has
an agreed ``crash_type`` (and an ``epicenter`` when the sell-off was concentrated), a window
bracketing the drawdown and a ``peak``, the US business day on which the selling culminated.
``CALM_DATES`` are days on which no sell-off was under way, for checking that a classifier
also says "calm".
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from riskoff.errors import CatalogError
from riskoff.vocabulary import CrashType, Epicenter

__all__ = [
    "CALM_DATES",
    "CRASH_TYPES",
    "EPICENTERS",
    "Episode",
    "get_episode",
    "load_episodes",
    "parse_episodes",
]

# Every sell-off type the classifier knows (an episode is never "calm"), and every epicenter
# it can name: a label outside these could never be matched, so it fails at load.
CRASH_TYPES = tuple(t.value for t in CrashType if t != CrashType.CALM)
EPICENTERS = tuple(e.value for e in Epicenter)

# Calm reference days (ISO dates, US business days, 2005-2026). On each one, in the bundled
# data, the VIX closed below 15, SPY closed within 3% of its 252-day high and SPY's 10-day
# return was above -2%; none lies inside an episode window. 2008-2012 and 2021-2022 have no
# such day with a comfortable margin, so they are not represented.
CALM_DATES: tuple[str, ...] = (
    "2005-11-15",
    "2006-11-08",
    "2007-01-10",
    "2013-01-18",
    "2014-06-02",
    "2015-05-19",
    "2016-12-07",
    "2017-06-15",
    "2017-10-13",
    "2018-08-24",
    "2019-12-13",
    "2020-01-14",
    "2023-12-08",
    "2024-01-25",
    "2024-05-15",
    "2025-08-22",
    "2026-01-09",
)

_REQUIRED = ("id", "name", "start", "peak", "end", "crash_type", "note", "source")
_OPTIONAL = ("epicenter", "tags")
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")


@dataclass(frozen=True)
class Episode:
    """One labelled sell-off or stress episode.

    Attributes
    ----------
    id : str
        Slug, unique in the library, e.g. ``covid-dash-for-cash-2020``.
    name : str
        Human-readable name, e.g. ``COVID dash for cash``.
    start : datetime.date
        Last day before the selling; with ``end`` it brackets the drawdown.
    peak : datetime.date
        The worst day of the selling, or the day the stress culminated (a US business day).
    end : datetime.date
        End of the drawdown (the low, or the day the stress was defused).
    crash_type : str
        The agreed type, one of ``CRASH_TYPES``.
    epicenter : str or None
        One of ``EPICENTERS``; always set for ``concentrated`` episodes.
    note : str
        Two lines: what happened, then the cross-asset evidence for the label (with numbers,
        and the alternative label where the type is debatable).
    source : str
        A public paper or official report, with its URL.
    tags : tuple of str
        Free keywords (``dash-for-cash``, ``yen`` ...).
    """

    id: str
    name: str
    start: dt.date
    peak: dt.date
    end: dt.date
    crash_type: CrashType
    epicenter: Epicenter | None
    note: str
    source: str
    tags: tuple[str, ...] = ()

    def contains(self, day: dt.date) -> bool:
        """Return whether ``day`` lies inside the episode window (ends included).

        Parameters
        ----------
        day : datetime.date
            The day to test.

        Returns
        -------
        bool
            ``start <= day <= end``.
        """
        return self.start <= day <= self.end


def _date(table: Mapping[str, object], key: str, eid: str) -> dt.date:
    value = table[key]
    if isinstance(value, dt.datetime):
        raise CatalogError(f"episode {eid}: {key} must be a date, not a date-time ({value})")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CatalogError(f"episode {eid}: {key} {value!r} is not an ISO date") from None
    raise CatalogError(f"episode {eid}: {key} must be a date, got {type(value).__name__}")


def _text(table: Mapping[str, object], key: str, eid: str) -> str:
    value = table[key]
    if not isinstance(value, str) or not value.strip():
        raise CatalogError(f"episode {eid}: {key} must be a non-empty string")
    return value.strip()


def _episode_from_table(table: Mapping[str, object], position: int) -> Episode:
    raw_id = table.get("id")
    eid = raw_id if isinstance(raw_id, str) and raw_id else f"#{position + 1}"
    missing = [k for k in _REQUIRED if k not in table]
    if missing:
        raise CatalogError(f"episode {eid} lacks field(s) {', '.join(missing)}")
    unknown = sorted(set(table) - set(_REQUIRED) - set(_OPTIONAL))
    if unknown:
        raise CatalogError(f"episode {eid} has unknown field(s) {', '.join(unknown)}")
    if not _SLUG.match(eid):
        raise CatalogError(f"episode {eid}: id must be a lower-case slug like 'svb-2023'")

    start, peak, end = (_date(table, k, eid) for k in ("start", "peak", "end"))
    if not start <= peak <= end:
        raise CatalogError(
            f"episode {eid}: dates must satisfy start <= peak <= end, got {start}, {peak}, {end}"
        )
    if peak.weekday() >= 5:
        raise CatalogError(f"episode {eid}: peak {peak} is a weekend day, not a business day")

    crash_type = _text(table, "crash_type", eid)
    if crash_type not in CRASH_TYPES:
        raise CatalogError(
            f"episode {eid}: unknown crash_type {crash_type!r} (one of {', '.join(CRASH_TYPES)})"
        )
    epicenter = _text(table, "epicenter", eid) if "epicenter" in table else None
    if epicenter is not None and epicenter not in EPICENTERS:
        raise CatalogError(
            f"episode {eid}: unknown epicenter {epicenter!r} (one of {', '.join(EPICENTERS)})"
        )
    if crash_type == "concentrated" and epicenter is None:
        raise CatalogError(f"episode {eid}: a concentrated episode needs an epicenter")

    source = _text(table, "source", eid)
    if "http://" not in source and "https://" not in source:
        raise CatalogError(f"episode {eid}: source must include a URL")

    tags = table.get("tags", [])
    if not isinstance(tags, list) or not all(isinstance(t, str) and t for t in tags):
        raise CatalogError(f"episode {eid}: tags must be a list of non-empty strings")

    return Episode(
        id=eid,
        name=_text(table, "name", eid),
        start=start,
        peak=peak,
        end=end,
        crash_type=CrashType(crash_type),
        epicenter=Epicenter(epicenter) if epicenter else None,
        note=_text(table, "note", eid),
        source=source,
        tags=tuple(tags),
    )


def parse_episodes(text: str) -> list[Episode]:
    """Parse and validate an episode library written in the ``episodes.toml`` format.

    Parameters
    ----------
    text : str
        TOML text with one ``[[episode]]`` table per episode.

    Returns
    -------
    list of Episode
        In file order.

    Raises
    ------
    CatalogError
        If the text is not valid TOML, or an entry is malformed: missing or unknown field,
        duplicate id, dates out of order, peak on a weekend, unknown crash type or epicenter,
        concentrated episode without epicenter, empty source or a source without URL. The
        message names the episode.
    """
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise CatalogError(f"episode library is not valid TOML: {exc}") from exc
    tables = data.get("episode")
    if not isinstance(tables, list) or not tables:
        raise CatalogError("episode library holds no [[episode]] table")
    episodes: list[Episode] = []
    seen: set[str] = set()
    for position, table in enumerate(tables):
        if not isinstance(table, dict):
            raise CatalogError(f"episode #{position + 1} is not a table")
        episode = _episode_from_table(table, position)
        if episode.id in seen:
            raise CatalogError(f"episode {episode.id} is listed twice")
        seen.add(episode.id)
        episodes.append(episode)
    return episodes


def _read_text() -> str:
    return resources.files("riskoff").joinpath("episodes.toml").read_text(encoding="utf-8")


@cache
def _load_all() -> tuple[Episode, ...]:
    return tuple(parse_episodes(_read_text()))


def load_episodes() -> list[Episode]:
    """Read the bundled ``episodes.toml`` (parsed and validated once, then cached).

    Returns
    -------
    list of Episode
        A fresh list, in chronological order.

    Raises
    ------
    CatalogError
        If an entry of the bundled library is malformed (see ``parse_episodes``).
    """
    return list(_load_all())


def get_episode(episode_id: str) -> Episode:
    """Return the episode with id ``episode_id``.

    Parameters
    ----------
    episode_id : str
        The episode's slug, e.g. ``yen-carry-unwind-2024``.

    Returns
    -------
    Episode
        The library entry.

    Raises
    ------
    CatalogError
        If no episode has that id; the message suggests close ids.
    """
    by_id = {e.id: e for e in _load_all()}
    try:
        return by_id[episode_id]
    except KeyError:
        close = difflib.get_close_matches(episode_id, list(by_id), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CatalogError(f"unknown episode {episode_id!r}{hint}") from None
