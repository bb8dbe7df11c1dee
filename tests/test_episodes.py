"""The labelled episode library: completeness, invariants, calm dates checked on real data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterator
from importlib import resources

import pandas as pd
import pytest

from riskoff.diagnosis import episodes as ep
from riskoff.errors import CatalogError

# Peak dates the library must contain, with the agreed type (and epicenter) where the brief
# fixes it; None means "any type".
REQUIRED_PEAKS: dict[str, tuple[str | None, str | None]] = {
    "1987-10-19": (None, None),  # Black Monday
    "1998-10-08": (None, None),  # LTCM / Russia
    "2008-10-10": (None, None),  # GFC after Lehman
    "2010-05-06": (None, None),  # Flash Crash
    "2011-08-08": ("flight_to_safety", None),  # US downgrade / euro crisis
    "2013-06-24": ("rate_shock", None),  # taper tantrum
    "2015-08-24": (None, None),  # China devaluation
    "2018-02-05": ("broad_selloff", None),  # Volmageddon (no volatility asset class)
    "2018-12-24": (None, None),  # Q4 2018
    "2019-09-17": ("funding_squeeze", None),  # repo spike
    "2020-03-16": (None, None),  # COVID dash for cash
    "2021-05-19": ("concentrated", "crypto"),  # crypto crash
    "2022-06-13": (None, None),  # 2022 rate shock
    "2022-11-09": ("concentrated", "crypto"),  # FTX
    "2023-03-13": ("concentrated", "banks"),  # SVB
    "2024-08-05": ("carry_unwind", None),  # yen carry unwind
    "2025-04-08": (None, None),  # tariff shock
    "2026-02-05": (None, None),  # late-Jan/early-Feb 2026 cross-asset sell-off
}

HISTORY = resources.files("riskoff.datasets").joinpath("history.parquet")


@pytest.fixture(scope="module")
def library() -> list[ep.Episode]:
    return ep.load_episodes()


@pytest.fixture(scope="module")
def history() -> pd.DataFrame:
    """Wide daily panel (date x series) of the bundled history, read directly."""
    long = pd.read_parquet(str(HISTORY), columns=["series_id", "date", "value"])
    long = long[long["series_id"].isin(["SPY", "VIXCLS", "NASDAQCOM"])]
    long = long.assign(date=pd.to_datetime(long["date"]), series_id=long["series_id"].astype(str))
    return long.pivot(index="date", columns="series_id", values="value").sort_index()


@pytest.fixture
def fresh_cache() -> Iterator[None]:
    ep._load_all.cache_clear()
    yield
    ep._load_all.cache_clear()


def test_library_is_large_and_holds_the_required_episodes(library: list[ep.Episode]) -> None:
    assert len(library) >= 18
    by_peak = {e.peak.isoformat(): e for e in library}
    for peak, (crash_type, epicenter) in REQUIRED_PEAKS.items():
        assert peak in by_peak, f"no episode peaks on {peak}"
        if crash_type is not None:
            assert by_peak[peak].crash_type == crash_type, peak
        if epicenter is not None:
            assert by_peak[peak].epicenter == epicenter, peak
    # UK LDI crisis: peak on 27 or 28 Sep 2022, concentrated in gilts.
    ldi = [e for e in library if e.peak in (dt.date(2022, 9, 27), dt.date(2022, 9, 28))]
    assert len(ldi) == 1
    # No gilt series is bundled: labelled with what the data can show, a rate shock.
    assert (ldi[0].crash_type, ldi[0].epicenter) == ("rate_shock", None)
    # One COVID episode only, whichever March 2020 day is its peak.
    assert sum(e.start <= dt.date(2020, 3, 12) <= e.end for e in library) == 1


def test_a_label_the_classifier_cannot_produce_fails_at_load() -> None:
    from riskoff.diagnosis.episodes import parse_episodes

    good = resources.files("riskoff").joinpath("episodes.toml").read_text("utf-8")
    bad = good.replace('epicenter = "crypto"', 'epicenter = "volatility"', 1)
    with pytest.raises(CatalogError, match="unknown epicenter 'volatility'"):
        parse_episodes(bad)
    bad = good.replace('crash_type = "rate_shock"', 'crash_type = "gilt_crisis"', 1)
    with pytest.raises(CatalogError, match="unknown crash_type 'gilt_crisis'"):
        parse_episodes(bad)


def test_every_crash_type_is_represented(library: list[ep.Episode]) -> None:
    assert {e.crash_type for e in library} == set(ep.CRASH_TYPES)


def test_fields_are_typed(library: list[ep.Episode]) -> None:
    for e in library:
        for day in (e.start, e.peak, e.end):
            assert type(day) is dt.date, e.id
        assert isinstance(e.tags, tuple)
        assert all(isinstance(t, str) for t in e.tags)
        assert e.note.count("\n") == 1, f"{e.id}: the note should have two lines"
        assert "http" in e.source, e.id
    with pytest.raises(dataclasses.FrozenInstanceError):
        library[0].name = "changed"  # type: ignore[misc]


def test_ordering_invariants(library: list[ep.Episode]) -> None:
    ids = [e.id for e in library]
    assert len(ids) == len(set(ids))
    for e in library:
        assert e.start <= e.peak <= e.end, e.id
        assert e.crash_type in ep.CRASH_TYPES
        assert e.epicenter is None or e.epicenter in ep.EPICENTERS
    peaks = [e.peak for e in library]
    assert peaks == sorted(peaks), "episodes are listed in chronological order"
    for earlier, later in itertools.pairwise(library):
        assert earlier.end < later.start, f"{earlier.id} overlaps {later.id}"
    assert library[0].peak.year == 1987
    assert library[-1].peak.year == 2026


def test_concentrated_episodes_have_an_epicenter(library: list[ep.Episode]) -> None:
    concentrated = [e for e in library if e.crash_type == "concentrated"]
    assert concentrated
    assert all(e.epicenter in ep.EPICENTERS for e in concentrated)


def test_peaks_are_trading_days(library: list[ep.Episode], history: pd.DataFrame) -> None:
    spy = history["SPY"].dropna()
    nasdaq = history["NASDAQCOM"].dropna()
    for e in library:
        assert e.peak.weekday() < 5, e.id
        reference = spy if pd.Timestamp(e.peak) >= spy.index[0] else nasdaq
        assert pd.Timestamp(e.peak) in reference.index, f"{e.id}: no US close on {e.peak}"


def test_equities_fell_into_most_peaks(library: list[ep.Episode], history: pd.DataFrame) -> None:
    # Sanity check of the windows: the US equity benchmark is lower at the peak than at the
    # start for all but the few episodes whose stress sat outside equities.
    not_equity_led = {"repo-spike-2019", "crypto-crash-2021"}
    for e in library:
        if e.id in not_equity_led:
            continue
        series = history["SPY"] if e.peak.year >= 1994 else history["NASDAQCOM"]
        series = series.dropna()
        at_start = series[: pd.Timestamp(e.start)].iloc[-1]
        at_peak = series[: pd.Timestamp(e.peak)].iloc[-1]
        assert at_peak < at_start, e.id


def test_calm_dates_are_calm(library: list[ep.Episode], history: pd.DataFrame) -> None:
    assert len(ep.CALM_DATES) >= 10
    days = [dt.date.fromisoformat(d) for d in ep.CALM_DATES]
    assert min(days).year <= 2006
    assert max(days).year >= 2025
    spy = history["SPY"].dropna()
    vix = history["VIXCLS"].dropna()
    high = spy.rolling(252, min_periods=200).max()
    ret10 = spy.pct_change(10)
    for day in days:
        ts = pd.Timestamp(day)
        assert day.weekday() < 5, day
        assert ts in spy.index and ts in vix.index, f"{day}: not a trading day in the data"
        assert vix[ts] < 15.0, f"{day}: VIX {vix[ts]:.2f}"
        assert spy[ts] >= 0.97 * high[ts], f"{day}: SPY {spy[ts] / high[ts] - 1:.1%} off high"
        assert ret10[ts] > -0.02, f"{day}: 10-day SPY return {ret10[ts]:.1%}"
        assert not any(e.contains(day) for e in library), f"{day} lies inside an episode"


def test_get_episode(library: list[ep.Episode]) -> None:
    covid = ep.get_episode("covid-dash-for-cash-2020")
    assert covid.peak == dt.date(2020, 3, 16)
    assert covid.crash_type == "liquidity_crunch"
    assert ep.get_episode(library[0].id) == library[0]
    with pytest.raises(CatalogError, match="did you mean covid-dash-for-cash-2020"):
        ep.get_episode("covid-dash-for-cash")


def test_load_episodes_returns_a_fresh_list() -> None:
    first = ep.load_episodes()
    first.clear()
    assert ep.load_episodes()


GOOD = """
[[episode]]
id = "fine-episode-2001"
name = "Fine"
start = 2001-01-02
peak = 2001-01-03
end = 2001-01-04
crash_type = "flight_to_safety"
note = "line one\\nline two"
source = "A report, https://example.org/report"
"""

BAD_ENTRIES = {
    "dates out of order": ("bad-dates-2002", "peak = 2002-01-10\nend = 2002-01-08\n"),
    "concentrated without epicenter": (
        "no-epicenter-2002",
        'peak = 2002-01-03\nend = 2002-01-08\ncrash_type = "concentrated"\n',
    ),
    "unknown crash type": (
        "odd-type-2002",
        'peak = 2002-01-03\nend = 2002-01-08\ncrash_type = "panic"\n',
    ),
    "unknown epicenter": (
        "odd-epicenter-2002",
        'peak = 2002-01-03\nend = 2002-01-08\ncrash_type = "concentrated"\nepicenter = "tulips"\n',
    ),
    "weekend peak": ("weekend-peak-2002", "peak = 2002-01-05\nend = 2002-01-08\n"),
    "empty source": ("no-source-2002", 'peak = 2002-01-03\nend = 2002-01-08\nsource = ""\n'),
    "source without URL": (
        "no-url-2002",
        'peak = 2002-01-03\nend = 2002-01-08\nsource = "a report"\n',
    ),
    "unknown field": ("typo-2002", "peak = 2002-01-03\nend = 2002-01-08\npaek = 2002-01-03\n"),
    "missing field": ("missing-2002", "peak = 2002-01-03\n"),
}


def _bad_entry(eid: str, overrides: str) -> str:
    fields = {
        "name": '"Bad"',
        "start": "2002-01-02",
        "crash_type": '"flight_to_safety"',
        "note": '"one\\ntwo"',
        "source": '"A report, https://example.org/x"',
    }
    given = {line.split("=")[0].strip() for line in overrides.splitlines() if "=" in line}
    if eid != "missing-2002":
        fields.setdefault("end", "2002-01-08")
    lines = [f'id = "{eid}"'] + [f"{k} = {v}" for k, v in fields.items() if k not in given]
    return "\n[[episode]]\n" + "\n".join(lines) + "\n" + overrides


@pytest.mark.parametrize("case", sorted(BAD_ENTRIES))
def test_malformed_entry_raises_catalog_error_naming_it(
    case: str, fresh_cache: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    eid, overrides = BAD_ENTRIES[case]
    text = GOOD + _bad_entry(eid, overrides)
    monkeypatch.setattr(ep, "_read_text", lambda: text)
    with pytest.raises(CatalogError, match=eid):
        ep.load_episodes()


def test_duplicate_id_raises(fresh_cache: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ep, "_read_text", lambda: GOOD + GOOD)
    with pytest.raises(CatalogError, match="fine-episode-2001 is listed twice"):
        ep.load_episodes()


def test_the_good_entry_parses(fresh_cache: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ep, "_read_text", lambda: GOOD)
    (only,) = ep.load_episodes()
    assert only.id == "fine-episode-2001"
    assert only.epicenter is None
    assert only.tags == ()


def test_invalid_toml_raises() -> None:
    with pytest.raises(CatalogError, match="not valid TOML"):
        ep.parse_episodes("[[episode]\nid = ")
