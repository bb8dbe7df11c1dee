"""The pipeline: which trading day a calendar date describes, knowledge dates, the cache."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from riskoff.errors import DataError, StaleDataError
from riskoff.pipeline import indicator_set, resolve_as_of, resolve_day, staleness_notice
from riskoff.store import Store


@pytest.mark.parametrize(
    ("asked", "described", "note"),
    [
        ("2026-08-21", "2026-08-21", ""),
        ("2026-08-01", "2026-07-31", "2026-08-01 is a Saturday: describing Friday 2026-07-31"),
        ("2026-08-23", "2026-08-21", "2026-08-23 is a Sunday: describing Friday 2026-08-21"),
        ("2025-12-25", "2025-12-24", "2025-12-25 is a Thursday without a US equity close"),
        ("2001-09-13", "2001-09-10", "2001-09-13 is a Thursday without a US equity close"),
        ("1987-10-19", "1987-10-19", ""),
        ("2020-03-31", "2020-03-31", ""),  # a quarter end
    ],
)
def test_resolve_day(store: Store, asked: str, described: str, note: str) -> None:
    got = resolve_day(asked, store=store)
    assert got.requested == date.fromisoformat(asked)
    assert got.day == pd.Timestamp(described)
    assert got.note.startswith(note) and (got.note == "") == (note == "")


def test_resolve_day_default_is_the_latest_close(store: Store) -> None:
    assert resolve_day(None, store=store).day == pd.Timestamp("2026-08-21")


@pytest.mark.parametrize(
    ("asked", "words"),
    [
        ("2026-08-24", "after the latest market close"),
        ("2031-01-06", "after the latest market close"),
        ("1986-12-31", "before 1987-01-02"),
        ("1987-01-01", "before 1987-01-02"),
    ],
)
def test_resolve_day_refuses_dates_outside_the_data(store: Store, asked: str, words: str) -> None:
    with pytest.raises(StaleDataError, match=words):
        resolve_day(asked, store=store)


def test_as_of() -> None:
    day = pd.Timestamp("2026-08-14")
    assert resolve_as_of(None, day) == date(2026, 8, 14)
    assert resolve_as_of("latest", day) == "latest"
    assert resolve_as_of("2026-08-20", day) == date(2026, 8, 20)
    with pytest.raises(DataError, match="before the day described"):
        resolve_as_of("2026-08-13", day)
    with pytest.raises(DataError, match="YYYY-MM-DD"):
        resolve_as_of("yesterday", day)


def test_indicator_set_ends_on_the_described_day_and_knows_only_its_as_of(store: Store) -> None:
    friday = indicator_set("2026-08-16", store=store)  # a Sunday
    assert friday.table.index[-1] == pd.Timestamp("2026-08-14")
    later = indicator_set("2026-08-16", as_of="latest", store=store)
    assert later.table.index[-1] == pd.Timestamp("2026-08-14")
    # The broad dollar index is published a week after its date: the 14th's value is known
    # only with the later knowledge date.
    assert friday.last_observed["DTWEXBGS"] == date(2026, 8, 7)
    assert later.last_observed["DTWEXBGS"] == date(2026, 8, 14)


def test_latest_result_is_cached_per_knowledge_date(private_store: Store) -> None:
    folder = Path(private_store.path).parent / "cache"
    first = indicator_set(store=private_store)
    entries = set(folder.glob("result-*.pkl"))
    again = indicator_set(store=private_store)
    assert set(folder.glob("result-*.pkl")) == entries and len(entries) == 1
    pd.testing.assert_frame_equal(first.table, again.table)
    indicator_set(as_of="latest", store=private_store)
    assert len(set(folder.glob("result-*.pkl"))) == 2


def test_window_bounds(store: Store) -> None:
    for bad in (0, 1, -5, 251, 100_000):
        with pytest.raises(DataError, match="window"):
            indicator_set(window=bad, store=store)


def test_staleness_notice(store: Store) -> None:
    assert staleness_notice(store, now=date(2026, 8, 28)) == ""  # 5 business days
    notice = staleness_notice(store, now=date(2026, 8, 31))
    assert "latest close 2026-08-21 is 6 business days before today 2026-08-31" in notice
