"""New York Fed Markets Data API connector, against its real JSON served from 127.0.0.1."""

from __future__ import annotations

import json
import re
from datetime import date

import pandas as pd
import pytest
from riskoff_testnet import FIXTURES, LocalServer, Reply, Request, Route, business_days, store_rows

from riskoff.catalog import SeriesSpec, get_spec
from riskoff.errors import DataError, SourceError
from riskoff.sources.nyfed import NyFedSource, parse_operations, parse_reference_rates
from riskoff.store import Store
from riskoff.update import run_update

TODAY = date(2026, 11, 25)


def _spec(series_id: str, native_id: str, unit: str = "percent", scale: float = 1.0) -> SeriesSpec:
    return SeriesSpec(
        series_id, series_id, "funding", unit, "daily", 1, "nyfed", native_id, scale=scale
    )


def _payload(name: str) -> object:
    return json.loads((FIXTURES / "nyfed" / name).read_text())


# -- parsing the real formats -----------------------------------------------------------------
def test_sofr_rate_percentiles_and_volume_from_the_real_answer() -> None:
    payload = _payload("sofr_search.json")
    rate = parse_reference_rates(payload, "SOFR", "sofr", "rate")
    p99 = parse_reference_rates(payload, "SOFR_P99", "sofr", "p99")
    volume = parse_reference_rates(payload, "SOFR_VOLUME", "sofr", "volume")
    # The API lists the newest first; dates come back as given, the store sorts them.
    assert dict(zip(rate["date"].dt.date.astype(str), rate["value"], strict=True)) == {
        "2024-06-06": 5.33,
        "2024-06-05": 5.33,
        "2024-06-04": 5.33,
        "2024-06-03": 5.35,
    }
    assert list(p99["value"]) == [5.44, 5.43, 5.44, 5.44]
    assert list(volume["value"]) == [2008, 1989, 2092, 1912]


def test_effr_percentiles_and_target_range() -> None:
    payload = _payload("effr_search.json")
    p99 = parse_reference_rates(payload, "EFFR_P99", "effr", "p99")
    top = parse_reference_rates(payload, "FF_TOP", "effr", "target_to")
    assert list(p99["value"])[:4] == [5.30, 5.30, 5.30, 5.35]
    assert set(top["value"]) == {5.25}


def test_missing_fields_are_missing_not_zero_and_other_types_ignored() -> None:
    payload = {
        "refRates": [
            {"effectiveDate": "2018-04-02", "type": "SOFR", "percentRate": 1.80},
            {
                "effectiveDate": "2018-04-03",
                "type": "SOFR",
                "percentRate": 1.83,
                "percentPercentile99": 1.92,
            },
            {"effectiveDate": "2018-04-03", "type": "BGCR", "percentRate": 1.81},
        ]
    }
    p99 = parse_reference_rates(payload, "SOFR_P99", "sofr", "p99")
    assert list(p99["date"]) == [pd.Timestamp("2018-04-03")]
    rate = parse_reference_rates(payload, "SOFR", "sofr", "rate")
    assert list(rate["value"]) == [1.80, 1.83]


def test_reference_rate_faults() -> None:
    with pytest.raises(SourceError, match="nyfed: series SOFR: the answer has no 'refRates'"):
        parse_reference_rates({"error": "x"}, "SOFR", "sofr", "rate")
    bad = {"refRates": [{"effectiveDate": "2024-06-03", "type": "SOFR", "percentRate": "5,35"}]}
    with pytest.raises(DataError, match=r"nyfed: series SOFR: refRates row 1: value '5,35'"):
        parse_reference_rates(bad, "SOFR", "sofr", "rate")


def test_reverse_repo_and_repo_operations() -> None:
    payload = _payload("rp_results_search.json")
    rrp = parse_operations(payload, "RRP_ONTSYD_NYFED", "rrp", "accepted", scale=1e-9)
    assert dict(zip(rrp["date"].dt.date.astype(str), rrp["value"], strict=True)) == pytest.approx(
        {"2024-06-03": 387.069, "2024-06-04": 377.825}
    )
    repo = parse_operations(payload, "SRF", "repo", "accepted", scale=1e-9)
    # Morning and afternoon standing repo operations add up.
    assert list(repo["value"]) == pytest.approx([0.005])
    cpty = parse_operations(payload, "RRP_CPTY", "rrp", "counterparties")
    assert list(cpty["value"]) == [76, 73]


# -- through a real local socket --------------------------------------------------------------
def test_urls_for_each_rate(server: LocalServer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
    server.route("/api/rates/", Reply(body='{"refRates": []}'))
    server.route("/api/rp/", Reply(body='{"repo": {"operations": []}}'))
    source = NyFedSource()
    for native in ("sofr", "sofr:p99", "tgcr", "bgcr", "effr", "obfr:volume", "rrp:accepted"):
        frame = source.fetch(_spec("X", native), date(2024, 6, 3), date(2024, 6, 7))
        assert frame.empty
    paths = [r.path for r in server.requests]
    assert paths == [
        "/api/rates/secured/sofr/search.json",
        "/api/rates/secured/sofr/search.json",
        "/api/rates/secured/tgcr/search.json",
        "/api/rates/secured/bgcr/search.json",
        "/api/rates/unsecured/effr/search.json",
        "/api/rates/unsecured/obfr/search.json",
        "/api/rp/results/search.json",
    ]
    assert server.requests[0].query == {"startDate": "2024-06-03", "endDate": "2024-06-07"}


def test_unknown_rate_or_field(server: LocalServer) -> None:
    with pytest.raises(SourceError, match="unknown rate 'estr'"):
        NyFedSource().fetch(_spec("X", "estr"), date(2024, 6, 3), date(2024, 6, 7))
    with pytest.raises(SourceError, match="unknown field 'p50'"):
        NyFedSource().fetch(_spec("X", "sofr:p50"), date(2024, 6, 3), date(2024, 6, 7))


def _sofr_answer(store: Store, factor: float = 1.0) -> Route:
    """search.json: overlap days with stored values, new days after, newest first, in window."""
    stored = store.series_values("SOFR")
    last_value = float(stored.iloc[-1])
    rows = []
    for day in business_days("2026-08-10", "2026-09-04"):
        value = stored.get(pd.Timestamp(day), last_value)
        rows.append(
            {
                "effectiveDate": day,
                "type": "SOFR",
                "percentRate": value * factor,
                "percentPercentile99": (value + 0.1) * factor,
                "volumeInBillions": 2800,
                "revisionIndicator": "",
            }
        )

    def answer(req: Request) -> Reply:
        inside = [
            r for r in rows if req.query["startDate"] <= r["effectiveDate"] <= req.query["endDate"]
        ]
        return Reply(body=json.dumps({"refRates": inside[::-1]}))

    return answer


def test_update_sofr_and_its_99th_percentile_as_own_series(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
    server.route("/api/rates/secured/sofr/search.json", _sofr_answer(private_store))
    catalog = {
        "SOFR": get_spec("SOFR"),
        "SOFR_P99": _spec("SOFR_P99", "sofr:p99"),
        "SOFR_VOLUME": _spec("SOFR_VOLUME", "sofr:volume", unit="USD bn"),
    }
    report = run_update(store=private_store, catalog=catalog, today=TODAY)
    outcomes = {o.series_id: o for o in report.outcomes}
    assert report.exit_code == 0, [o.message for o in report.outcomes]
    new_days = len(business_days("2026-08-21", "2026-09-04"))
    assert (outcomes["SOFR"].added, outcomes["SOFR"].revised) == (new_days, 0)
    # A series the store never held is fetched from the rate's first day, a year at a time.
    assert outcomes["SOFR_P99"].added == len(business_days("2026-08-10", "2026-09-04"))
    windows = [
        r.query for r in server.hits("/api/rates/secured/sofr/") if r.query["startDate"] < "2026"
    ]
    assert windows[0]["startDate"] == "2018-04-02" and len(windows) >= 8
    p99 = private_store.series_values("SOFR_P99")
    sofr = private_store.series_values("SOFR")
    assert (p99 - sofr).dropna().round(6).eq(0.1).all()
    assert private_store.series_values("SOFR_VOLUME").eq(2800).all()


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        (Reply(mode="hang", delay=2.0), r"timed out"),
        (Reply(mode="reset"), r"(connection reset|closed the connection|disconnected)"),
        (Reply(status=500, body='{"error":"internal"}'), r"HTTP 500"),
        (Reply(status=429, body="slow down", headers={"Retry-After": "0"}), r"HTTP 429"),
        (
            Reply(body='{ "refRates": [ { "effectiveDate": "2026-08-20", "type": "SOFR" ,"perc'),
            r"malformed or truncated JSON",
        ),
        (
            Reply(
                body='{"refRates": [{"effectiveDate": "2026-08-20", "percentRate": 4.3}]}' * 3,
                mode="truncate",
            ),
            r"truncated",
        ),
        (
            Reply(
                body="<html><head><title>Service Unavailable</title></head></html>",
                content_type="text/html",
            ),
            r"expected JSON, got an HTML page titled 'Service",
        ),
    ],
    ids=["timeout", "reset", "500", "429", "bad-json", "truncated", "html"],
)
def test_faults_leave_the_store_unchanged(
    private_store: Store,
    server: LocalServer,
    monkeypatch: pytest.MonkeyPatch,
    reply: Reply,
    expected: str,
) -> None:
    monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
    before = store_rows(private_store.path, "SOFR")
    server.route("/api/rates/secured/sofr/search.json", reply)
    report = run_update(["SOFR"], store=private_store, today=TODAY)
    (outcome,) = report.outcomes
    assert outcome.status == "failed" and report.exit_code == 1
    assert outcome.message.startswith("nyfed: series SOFR: ")
    assert re.search(expected, outcome.message), outcome.message
    assert store_rows(private_store.path, "SOFR") == before


def test_rates_in_basis_points_instead_of_percent_are_rejected(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
    before = store_rows(private_store.path, "SOFR")
    server.route("/api/rates/secured/sofr/search.json", _sofr_answer(private_store, factor=100))
    (outcome,) = run_update(["SOFR"], store=private_store, today=TODAY).outcomes
    assert outcome.status == "failed"
    assert re.search(r"nyfed: series SOFR: .*(wrong unit|far outside)", outcome.message)
    assert store_rows(private_store.path, "SOFR") == before


def test_revision_is_a_new_row_and_yesterday_replays(
    private_store: Store, server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
    stored = private_store.series_values("SOFR")
    day = stored.index.max()
    old = float(stored[day])

    def answer(req: Request) -> Reply:
        rows = [
            {
                "effectiveDate": day.date().isoformat(),
                "type": "SOFR",
                "percentRate": old + 0.02,
                "revisionIndicator": "R",
            }
        ]
        rows += [
            {"effectiveDate": d.date().isoformat(), "type": "SOFR", "percentRate": float(v)}
            for d, v in stored.iloc[-8:-1].items()
        ]
        return Reply(body=json.dumps({"refRates": rows}))

    server.route("/api/rates/secured/sofr/search.json", answer)
    (outcome,) = run_update(["SOFR"], store=private_store, today=TODAY).outcomes
    assert (outcome.status, outcome.added, outcome.revised) == ("ok", 0, 1)
    assert private_store.series_values("SOFR")[day] == pytest.approx(old + 0.02)
    # As known before the revision was fetched, the old value stands.
    before_fetch = private_store.series_values("SOFR", as_of=TODAY - pd.Timedelta(days=1))
    assert before_fetch[day] == pytest.approx(old)
    assert len([r for r in store_rows(private_store.path, "SOFR") if r[0] == day.date()]) == 2
