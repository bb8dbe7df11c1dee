from datetime import datetime

import numpy as np
import pandas as pd
import pytest

from riskoff.panel import load_panel
from riskoff.store import Store

SERIES = ["SOFR", "IORB", "WALCL", "WRESBAL", "SPY", "BTC-USD", "NFCI", "PALLFNFINDEXM", "DGS10"]


def _reference_panel(store: Store, series: list[str], start: str, as_of: str) -> pd.DataFrame:
    """The same panel through SQL and pandas, the obvious way."""
    long = store.observations(series, as_of=pd.Timestamp(as_of).date())
    out = {}
    index = pd.bdate_range(start, as_of, name="date")
    for sid in series:
        s = long[long.series_id == sid].set_index("date")["value"]
        if s.empty:
            out[sid] = pd.Series(np.nan, index=index)
            continue
        s.index = s.index.map(lambda d: d + pd.offsets.BDay(0))
        s = s[~s.index.duplicated(keep="last")]
        full = s.reindex(pd.bdate_range(min(s.index.min(), index[0]), as_of))
        limit = store.spec(sid).ffill_limit
        out[sid] = full.ffill(limit=limit).reindex(index)
    return pd.DataFrame(out, index=index)


@pytest.mark.parametrize("as_of", ["2019-09-17", "2020-03-16", "2025-06-04", "2026-08-21"])
def test_panel_matches_reference(store: Store, as_of: str) -> None:
    start = str((pd.Timestamp(as_of) - pd.Timedelta(days=400)).date())
    got = load_panel(SERIES, start=start, as_of=as_of, store=store)
    want = _reference_panel(store, SERIES, start, as_of)
    pd.testing.assert_frame_equal(got, want, check_freq=False, check_names=False)


@pytest.mark.parametrize("as_of", ["2008-10-10", "2019-09-17", "2020-03-16", "2026-02-05"])
def test_panel_as_of_is_unchanged_by_later_data(private_store: Store, as_of: str) -> None:
    before = load_panel(SERIES, start="2005-01-03", as_of=as_of, store=private_store)
    # Later observations, and a revision of an old value seen after as_of, must not leak in.
    day = pd.Timestamp(as_of)
    later = pd.DataFrame({"date": [day + pd.Timedelta(days=1)], "value": [123.0]})
    private_store.write("SPY", later, source="test", seen_at=datetime(2026, 11, 1))
    old_day = pd.Timestamp(
        load_panel(["WALCL"], as_of=as_of, store=private_store).dropna().index[-1]
    )
    revision = pd.DataFrame({"date": [old_day], "value": [1.0]})
    private_store.write("WALCL", revision, source="test", seen_at=datetime(2026, 11, 1))
    after = load_panel(SERIES, start="2005-01-03", as_of=as_of, store=private_store)
    pd.testing.assert_frame_equal(before, after)
    now = load_panel(["WALCL"], as_of="2026-08-21", store=private_store)
    assert 1.0 in now["WALCL"].to_numpy() or old_day < now.index[0]


def test_h41_wednesday_value_absent_on_wednesday_present_on_friday(store: Store) -> None:
    wed, fri = pd.Timestamp("2026-08-19"), pd.Timestamp("2026-08-21")
    new_value = store.series_values("WALCL").loc[wed]
    on_wed = load_panel(["WALCL"], start="2026-08-03", as_of=wed, store=store)["WALCL"]
    on_fri = load_panel(["WALCL"], start="2026-08-03", as_of=fri, store=store)["WALCL"]
    assert on_wed.loc[wed] != new_value
    assert on_wed.loc[wed] == on_wed.loc[pd.Timestamp("2026-08-12")]  # last week's, carried
    assert on_fri.loc[wed] == new_value
    assert on_fri.loc[fri] == new_value


def test_panel_index_is_business_days(store: Store) -> None:
    panel = load_panel(["SPY", "BTC-USD"], start="2024-01-01", as_of="2024-03-01", store=store)
    assert panel.index.name == "date"
    assert (panel.index.day_of_week < 5).all()
    assert panel.dtypes.eq(np.float64).all()
    assert panel.index[-1] == pd.Timestamp("2024-03-01")


def test_no_silent_fill_across_long_gaps(store: Store) -> None:
    # WTREGEN has no observations between 2025-11-19 and 2026-01-07: after ten business days
    # of carrying the 2025-11-19 value the panel shows NaN until data return.
    panel = load_panel(["WTREGEN"], start="2025-11-03", as_of="2026-01-15", store=store)
    col = panel["WTREGEN"]
    assert col.loc["2025-11-20":"2025-12-03"].notna().all()
    assert col.loc["2025-12-05":"2026-01-06"].isna().all()
    assert col.loc["2026-01-07":].notna().all()


def test_monthly_values_dated_on_weekends_survive(store: Store) -> None:
    # 2025-06-01 is a Sunday: the value moves to Monday 2025-06-02 (and publication lag applies).
    panel = load_panel(["PALLFNFINDEXM"], start="2025-05-01", as_of="2025-08-29", store=store)
    assert panel["PALLFNFINDEXM"].notna().any()


def test_unknown_series_is_a_clear_error(store: Store) -> None:
    from riskoff.errors import CatalogError

    with pytest.raises(CatalogError, match="SOFRR"):
        load_panel(["SOFRR"], store=store)


@pytest.mark.parametrize("as_of", ["2026-08-01", "2026-08-02", "2020-03-14", "2025-12-25"])
def test_panel_as_of_a_weekend_or_holiday_ends_on_the_business_day_before(
    store: Store, as_of: str
) -> None:
    # Calendar-daily series (BTC-USD) have values on the weekend itself: they belong to Monday,
    # after the panel's end, and must neither crash the panel nor leak into Friday.
    got = load_panel(["BTC-USD", "SPY", "WALCL"], start="2019-01-01", as_of=as_of, store=store)
    friday = pd.Timestamp(as_of) - pd.offsets.BDay(0 if pd.Timestamp(as_of).weekday() < 5 else 1)
    assert got.index[-1] == friday
    same = load_panel(["BTC-USD", "SPY", "WALCL"], start="2019-01-01", as_of=friday, store=store)
    weekday_values = same.loc[friday].to_numpy()
    np.testing.assert_array_equal(got.loc[friday].to_numpy(), weekday_values)


def test_panel_of_series_without_data_before_as_of_is_empty_not_an_error(store: Store) -> None:
    got = load_panel(["AAPL"], start="1989-01-02", as_of="1990-01-01", store=store)
    assert got["AAPL"].isna().all() and got.index[-1] == pd.Timestamp("1990-01-01")
