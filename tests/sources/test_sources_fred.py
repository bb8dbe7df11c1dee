"""FRED connector: the keyless CSV and the JSON API (ALFRED vintages), served from 127.0.0.1."""

from __future__ import annotations

import json
import re
import time
from datetime import date, datetime

import pandas as pd
import pytest
from riskoff_testnet import FIXTURES, LocalServer, Reply, Request, business_days, store_rows

from riskoff.catalog import SeriesSpec, get_spec
from riskoff.errors import DataError, SourceError
from riskoff.sources.fred import FredSource, parse_fredgraph_csv, parse_observations
from riskoff.store import Store
from riskoff.update import SeriesOutcome, UpdateReport, run_update

TODAY = date(2026, 11, 25)


# -- parsing the real formats -----------------------------------------------------------------
def test_current_csv_header_and_empty_holiday_cell() -> None:
    text = (FIXTURES / "fred/fredgraph_SOFR.csv").read_text()
    frame = parse_fredgraph_csv(text, "SOFR")
    assert len(frame) == 12  # 13 lines, Memorial Day (2024-05-27) has an empty value
    assert pd.Timestamp("2024-05-27") not in set(frame["date"])
    assert frame.iloc[0].tolist() == [pd.Timestamp("2024-05-22"), 5.31]
    assert frame["value"].dtype == "float64"


def test_old_csv_header_and_dot_for_missing() -> None:
    text = (FIXTURES / "fred/fredgraph_DGS10_old_header.csv").read_text()
    frame = parse_fredgraph_csv(text, "DGS10")
    assert list(frame["value"]) == [4.20, 4.28, 4.22, 4.25, 4.25, 4.25]  # 2024-06-19 is "."


def test_renamed_date_headers_are_read_by_position() -> None:
    body = "2024-06-14,4.20\n2024-06-17,4.28\n"
    for header in ("DATE,DGS10", "observation_date,DGS10", "Datum,dgs10"):
        frame = parse_fredgraph_csv(f"{header}\n{body}", "DGS10", native_id="DGS10")
        assert list(frame["value"]) == [4.20, 4.28], header
    assert len(parse_fredgraph_csv(body, "DGS10", native_id="DGS10")) == 2  # no header at all


@pytest.mark.parametrize("header", ["observation_date,DGS2", "date,value", "DATE,SOFR"])
def test_a_header_naming_another_series_is_refused(header: str) -> None:
    body = "2024-06-14,4.20\n2024-06-17,4.28\n"
    with pytest.raises(SourceError, match=r"header names series .*, not 'DGS10': refused"):
        parse_fredgraph_csv(f"{header}\n{body}", "DGS10", native_id="DGS10")


def test_json_where_csv_is_expected_is_refused() -> None:
    with pytest.raises(SourceError, match="expected CSV, got a JSON document"):
        parse_fredgraph_csv('{"error_code": 400, "error_message": "Bad"}', "DGS10")


def test_h41_values_are_converted_from_millions_to_billions() -> None:
    text = (FIXTURES / "fred/fredgraph_WALCL.csv").read_text()
    frame = parse_fredgraph_csv(text, "WALCL", scale=get_spec("WALCL").scale)
    row = frame[frame["date"] == pd.Timestamp("2024-01-03")]
    assert row["value"].iloc[0] == pytest.approx(7681.024)


def test_csv_faults_name_the_line() -> None:
    with pytest.raises(SourceError, match=r"fred: series DGS10: line 1: expected 2 columns"):
        parse_fredgraph_csv("DATE,DGS10,EXTRA\n2024-06-14,4.2,1\n", "DGS10")
    with pytest.raises(SourceError, match=r"line 3: expected 2 columns .*truncated"):
        parse_fredgraph_csv("DATE,DGS10\n2024-06-14,4.2\n2024-06-1", "DGS10")
    with pytest.raises(DataError, match=r"fred: series DGS10: line 3: value 'n/a' is not a number"):
        parse_fredgraph_csv("DATE,DGS10\n2024-06-14,4.2\n2024-06-17,n/a\n", "DGS10")
    with pytest.raises(DataError, match=r"line 2: unparseable date '2024-13-45'"):
        parse_fredgraph_csv("DATE,DGS10\n2024-13-45,4.2\n", "DGS10")
    with pytest.raises(SourceError, match="empty response"):
        parse_fredgraph_csv("", "DGS10")


def test_observations_json_with_vintages() -> None:
    payload = json.loads((FIXTURES / "fred/observations_WALCL_alfred.json").read_text())
    frame = parse_observations(payload, "WALCL", scale=0.001, vintages=True)
    assert len(frame) == 6  # the "." of 2024-02-07 is missing, not zero
    first = frame[frame["date"] == pd.Timestamp("2024-01-03")].sort_values("vintage")
    assert list(first["value"]) == pytest.approx([7681.0, 7681.024])
    assert list(first["vintage"]) == [pd.Timestamp("2024-01-04"), pd.Timestamp("2024-01-11")]


def test_observations_error_document() -> None:
    payload = json.loads((FIXTURES / "fred/observations_error.json").read_text())
    with pytest.raises(SourceError, match="fred: series X: API error 400: Bad Request"):
        parse_observations(payload, "X")


# -- through a real local socket --------------------------------------------------------------
def test_keyless_csv_request(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_FRED_URL", server.url)
    server.route("/graph/fredgraph.csv", Reply.fixture("fred/fredgraph_SOFR.csv"))
    spec = SeriesSpec("SOFR", "SOFR", "funding", "percent", "daily", 1, "fred", "SOFR")
    frame = FredSource().fetch(spec, date(2024, 5, 22), date(2024, 6, 7))
    assert len(frame) == 12
    (hit,) = server.hits("/graph/fredgraph.csv")
    assert hit.query == {"id": "SOFR", "cosd": "2024-05-22", "coed": "2024-06-07"}


def test_api_with_key_asks_alfred_and_keeps_vintages(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")
    monkeypatch.setenv("FRED_API_KEY", "test-key-not-real")
    server.route("/fred/series/observations", Reply.fixture("fred/observations_WALCL_alfred.json"))
    frame = FredSource().fetch(get_spec("WALCL"), date(2024, 1, 3), date(2024, 1, 31))
    assert "vintage" in frame.columns and len(frame) == 6
    (hit,) = server.hits("/fred/series/observations")
    assert hit.query["series_id"] == "WALCL" and hit.query["file_type"] == "json"
    assert hit.query["realtime_start"] == "2024-01-03"
    assert hit.query["realtime_end"] == "9999-12-31"


def test_api_falls_back_when_alfred_lacks_the_series(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")
    monkeypatch.setenv("FRED_API_KEY", "test-key-not-real")

    def answer(req: Request) -> Reply:
        if "realtime_start" in req.query:
            return Reply.fixture("fred/observations_error.json", status=400)
        return Reply.fixture("fred/observations_SOFR_latest.json")

    server.route("/fred/series/observations", answer)
    spec = SeriesSpec("SOFR", "SOFR", "funding", "percent", "daily", 1, "fred", "SOFR")
    frame = FredSource().fetch(spec, date(2024, 6, 3), date(2024, 6, 7))
    assert list(frame["value"]) == [5.35, 5.33, 5.33, 5.33, 5.33]
    assert "vintage" not in frame.columns
    assert len(server.hits("/fred/series/observations")) == 2


def test_api_key_never_appears_in_errors(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")
    monkeypatch.setenv("FRED_API_KEY", "sekrit123")
    server.route("/fred/series/observations", Reply(status=403, body="forbidden api_key=sekrit123"))
    with pytest.raises(SourceError) as info:
        FredSource().fetch(get_spec("WALCL"), date(2024, 1, 3), date(2024, 1, 31))
    assert "sekrit123" not in str(info.value)
    assert "HTTP 403" in str(info.value)


# -- faults end to end: clear message, store unchanged ----------------------------------------
SERIES = "DGS10"


def _good_csv(store: Store, header: str = "observation_date,DGS10") -> str:
    """Overlap days with their stored values, then new business days near the last value."""
    stored = store.series_values(SERIES)
    last = stored.index.max()
    lines = [header]
    for day in business_days((last - pd.Timedelta(days=9)).date().isoformat(), "2026-09-04"):
        ts = pd.Timestamp(day)
        value = stored.get(ts, float(stored.iloc[-1]) + 0.01)
        lines.append(f"{day},{value:.2f}")
    return "\n".join(lines) + "\n"


def _update(
    store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> tuple[UpdateReport, SeriesOutcome]:
    monkeypatch.setenv("RISKOFF_FRED_URL", server.url)
    report = run_update([SERIES], store=store, today=TODAY)
    (outcome,) = report.outcomes
    return report, outcome


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(mode="hang", delay=2.0), r"timed out .*gave up after 3 attempts"),
        (Reply(mode="reset"), r"(connection reset|closed the connection|disconnected)"),
        (Reply(status=500, body="Internal Server Error", content_type="text/plain"), r"HTTP 500"),
        (Reply(status=503, body="busy", content_type="text/plain"), r"HTTP 503"),
        (Reply(status=429, body="Too Many Requests", headers={"Retry-After": "0"}), r"HTTP 429"),
        (Reply.fixture("fred/error_page.html"), r"expected CSV, got an HTML page titled 'Error"),
        (
            Reply(body="observation_date,DGS10\n2026-08-20,4.2\n2026-08-2", mode="truncate"),
            r"truncated",
        ),
        (Reply(status=404, body="Not Found", content_type="text/plain"), r"HTTP 404"),
    ],
    ids=["timeout", "reset", "500", "503", "429", "html", "truncated", "404"],
)
def test_transport_faults_leave_the_store_unchanged(
    private_store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    reply: Reply,
    expected: str,
) -> None:
    before = store_rows(private_store.path, SERIES)
    server.route("/graph/fredgraph.csv", reply)
    report, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "failed" and report.exit_code == 1
    assert outcome.message.startswith(f"fred: series {SERIES}: ")
    assert re.search(expected, outcome.message), outcome.message
    assert store_rows(private_store.path, SERIES) == before


def test_4xx_is_not_retried_but_5xx_is(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.route("/graph/fredgraph.csv", Reply(status=404, body="Not Found"))
    _update(private_store, server, monkeypatch)
    assert len(server.hits("/graph/fredgraph.csv")) == 1
    server.route("/graph/fredgraph.csv", Reply(status=502, body="Bad Gateway"))
    _update(private_store, server, monkeypatch)
    assert len(server.hits("/graph/fredgraph.csv")) == 1 + 3


def test_429_with_retry_after_is_honoured_then_succeeds(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    limited = Reply(status=429, body="Too Many Requests", headers={"Retry-After": "1"})
    server.sequence(
        "/graph/fredgraph.csv",
        limited,
        Reply(body=_good_csv(private_store), content_type="text/csv"),
    )
    started = time.monotonic()
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "ok", outcome.message
    assert time.monotonic() - started >= 0.95  # waited the second it was asked to
    assert len(server.hits("/graph/fredgraph.csv")) == 2
    assert outcome.added == len(business_days("2026-08-21", "2026-09-04"))


def test_reset_then_success_is_retried(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    server.sequence(
        "/graph/fredgraph.csv",
        Reply(mode="reset"),
        Reply(body=_good_csv(private_store), content_type="text/csv"),
    )
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "ok", outcome.message


@pytest.mark.parametrize("header", ["DATE,DGS10", "observation_date,DGS10"])
def test_both_header_wordings_update(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch, header: str
) -> None:
    server.route(
        "/graph/fredgraph.csv",
        Reply(body=_good_csv(private_store, header), content_type="text/csv"),
    )
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "ok" and outcome.revised == 0
    assert outcome.last_date == date(2026, 9, 4)


def test_dot_values_duplicates_and_unsorted_dates(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = _good_csv(private_store).splitlines()
    header, rows = body[0], body[1:]
    rows = [*reversed(rows), rows[-1], "2026-09-07,."]  # unsorted, a repeated line, a "."
    server.route(
        "/graph/fredgraph.csv",
        Reply(body="\n".join([header, *rows]) + "\n", content_type="text/csv"),
    )
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "ok", outcome.message
    values = private_store.series_values(SERIES)
    assert values.index.is_monotonic_increasing and values.index.max() == pd.Timestamp("2026-09-04")


def test_conflicting_duplicate_dates_fail_cleanly(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store_rows(private_store.path, SERIES)
    body = _good_csv(private_store) + "2026-09-04,9.99\n"
    server.route("/graph/fredgraph.csv", Reply(body=body, content_type="text/csv"))
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "failed"
    assert "fred: series DGS10: duplicate date 2026-09-04 with different values" in outcome.message
    assert store_rows(private_store.path, SERIES) == before


def test_values_in_the_wrong_unit_are_rejected(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store_rows(private_store.path, SERIES)
    lines = _good_csv(private_store).splitlines()
    scaled = [lines[0]] + [
        f"{d},{float(v) * 100:.0f}" for d, v in (x.split(",") for x in lines[1:])
    ]
    server.route(
        "/graph/fredgraph.csv", Reply(body="\n".join(scaled) + "\n", content_type="text/csv")
    )
    _, outcome = _update(private_store, server, monkeypatch)
    assert outcome.status == "failed"
    assert re.search(r"fred: series DGS10: .*(wrong unit|far outside)", outcome.message)
    assert store_rows(private_store.path, SERIES) == before


def test_alfred_vintages_are_stored_with_their_publication_time(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # WALCL for 2026-08-26 first published as 6600000 then revised the next week.
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")
    monkeypatch.setenv("FRED_API_KEY", "test-key-not-real")
    stored = private_store.series_values("WALCL")
    last = stored.index.max()
    observations = [
        {
            "realtime_start": (d + pd.Timedelta(days=1)).date().isoformat(),
            "realtime_end": "9999-12-31",
            "date": d.date().isoformat(),
            "value": f"{v * 1000:.0f}",
        }
        for d, v in stored[stored.index > last - pd.Timedelta(days=35)].items()
    ]
    observations += [
        {
            "realtime_start": "2026-08-27",
            "realtime_end": "2026-09-02",
            "date": "2026-08-26",
            "value": "6600000",
        },
        {
            "realtime_start": "2026-09-03",
            "realtime_end": "9999-12-31",
            "date": "2026-08-26",
            "value": "6610000",
        },
    ]
    payload = {"count": len(observations), "observations": observations}
    server.route("/fred/series/observations", Reply(body=json.dumps(payload)))
    report = run_update(["WALCL"], store=private_store, today=TODAY)
    (outcome,) = report.outcomes
    assert outcome.status == "ok", outcome.message
    assert (outcome.added, outcome.revised) == (1, 1)
    as_of_first = private_store.series_values("WALCL", as_of=date(2026, 8, 30))
    as_of_later = private_store.series_values("WALCL", as_of=date(2026, 9, 10))
    assert as_of_first[pd.Timestamp("2026-08-26")] == pytest.approx(6600.0)
    assert as_of_later[pd.Timestamp("2026-08-26")] == pytest.approx(6610.0)
    seen = {
        row[2] for row in store_rows(private_store.path, "WALCL") if row[0] == date(2026, 8, 26)
    }
    assert seen == {datetime(2026, 8, 27), datetime(2026, 9, 3)}
