"""Release calendars: a macro value is absent from the panel before its release day."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pandas as pd
import pytest

from riskoff.catalog import get_spec, load_catalog
from riskoff.panel import load_panel
from riskoff.releases import RELEASE_RULES, public_dates
from riskoff.store import Store

MACRO = [
    "PAYEMS",
    "UNRATE",
    "ICSA",
    "INDPRO",
    "RSAFS",
    "CPIAUCSL",
    "PCEPILFE",
    "UMCSENT",
    "ACMTP10",
]


def _row_value(store: Store, series: str, observed: str, as_of: str) -> float:
    """The panel's value on the business day of ``observed`` as known on ``as_of``."""
    panel = load_panel([series], start="2023-06-01", as_of=as_of, store=store)
    row = panel.index[panel.index >= pd.Timestamp(observed)][0]
    return float(panel.at[row, series])


def _check_release(store: Store, series: str, observed: str, before: str, on: str) -> None:
    latest = load_panel([series], start="2023-06-01", store=store)[series]
    row = latest.index[latest.index >= pd.Timestamp(observed)][0]
    truth, previous = latest[row], latest[:row].iloc[-2]
    assert truth != previous  # otherwise a carried value would look like the observation
    assert _row_value(store, series, observed, before) != truth
    assert _row_value(store, series, observed, on) == truth


def test_catalog_has_the_macro_series_with_rules() -> None:
    catalog = load_catalog()
    for sid in MACRO:
        assert catalog[sid].asset_class == "macro"
    assert catalog["PAYEMS"].release_rule == "first_friday_next_month"
    assert catalog["CPIAUCSL"].release_rule == "day15_next_month"
    assert catalog["ICSA"].release_rule is None and catalog["ICSA"].publication_lag_days == 5
    assert "not public domain" in catalog["UMCSENT"].licence
    assert catalog["ACMTP10"].source == "acm"


@pytest.mark.parametrize(
    ("rule", "observed", "released"),
    [
        ("first_friday_next_month", "2024-01-01", "2024-02-02"),
        ("first_friday_next_month", "2023-08-01", "2023-09-01"),
        ("day15_next_month", "2024-01-01", "2024-02-15"),
        ("day15_next_month", "2024-05-01", "2024-06-17"),  # the 15th is a Saturday
        ("day17_next_month", "2024-02-01", "2024-03-18"),
        ("last_weekday_next_month", "2024-05-01", "2024-06-28"),
        ("first_weekday_next_month", "2024-05-01", "2024-06-03"),
    ],
)
def test_release_rules(rule: str, observed: str, released: str) -> None:
    assert rule in RELEASE_RULES
    assert public_dates([observed], rule)[0] == pd.Timestamp(released)


def test_no_rule_means_a_fixed_lag() -> None:
    assert public_dates(["2024-01-06"], None, 5)[0] == pd.Timestamp("2024-01-11")


def test_bundled_rows_first_seen_on_release_day(store: Store) -> None:
    snap = store.snapshot()
    code = list(snap.names).index("PAYEMS")
    day = (np.datetime64("2024-01-01") - np.datetime64("1970-01-01")).astype(np.int64)
    hit = (snap.codes == code) & (snap.days == day)
    seen = snap.seen[hit]
    assert len(seen) == 1
    assert pd.Timestamp(int(seen[0]), unit="s") == pd.Timestamp("2024-02-02")


def test_january_payrolls_absent_on_thursday_present_on_friday(store: Store) -> None:
    # January 2024 payrolls and unemployment were released on Friday 2024-02-02.
    _check_release(store, "PAYEMS", "2024-01-01", "2024-02-01", "2024-02-02")
    _check_release(store, "UNRATE", "2024-01-01", "2024-02-01", "2024-02-02")


def test_weekly_claims_absent_before_thursday(store: Store) -> None:
    # The week ending Saturday 2024-01-06 was published on Thursday 2024-01-11.
    _check_release(store, "ICSA", "2024-01-06", "2024-01-10", "2024-01-11")


def test_cpi_absent_before_mid_month(store: Store) -> None:
    # January 2024 CPI (out 2024-02-13): public on the 15th under the conservative rule.
    _check_release(store, "CPIAUCSL", "2024-01-01", "2024-02-14", "2024-02-15")


def _first_seen(store: Store, series: str, day: str) -> list[pd.Timestamp]:
    snap = store.snapshot()
    code = list(snap.names).index(series)
    number = (np.datetime64(day) - np.datetime64("1970-01-01")).astype(np.int64)
    seen = snap.seen[(snap.codes == code) & (snap.days == number)]
    return [pd.Timestamp(int(s), unit="s") for s in seen]


def test_fetched_rows_without_vintage_follow_the_rule(private_store: Store) -> None:
    # September 2026 payrolls, fetched later without a vintage: public on Friday 2026-10-02.
    frame = pd.DataFrame({"date": [date(2026, 9, 1)], "value": [160_000.0]})
    private_store.write("PAYEMS", frame, "fred", spec=get_spec("PAYEMS"))
    assert _first_seen(private_store, "PAYEMS", "2026-09-01") == [pd.Timestamp("2026-10-02")]


def test_fetched_vintage_is_its_release_day(private_store: Store) -> None:
    # An ALFRED vintage says when the value came out (a delayed release): it wins over the rule.
    frame = pd.DataFrame({"date": [date(2026, 9, 1)], "value": [160_000.0]})
    late = datetime(2026, 10, 9)
    private_store.write_vintages("PAYEMS", [(late, frame)], "fred", get_spec("PAYEMS"))
    assert _first_seen(private_store, "PAYEMS", "2026-09-01") == [pd.Timestamp(late)]
