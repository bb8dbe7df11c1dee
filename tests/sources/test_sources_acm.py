"""ACM term premium connector, against a CSV export of the NY Fed sheet served from 127.0.0.1."""

from __future__ import annotations

import json
from datetime import date

import pytest
from riskoff_testnet import FIXTURES, LocalServer, Reply, store_rows

from riskoff.catalog import get_spec
from riskoff.errors import SourceError
from riskoff.sources import get_source, known_sources
from riskoff.sources.acm import AcmSource, parse_acm_csv
from riskoff.store import Store
from riskoff.update import run_update


def test_parses_the_sheet_layout_by_column_name() -> None:
    text = (FIXTURES / "acm" / "acm_daily.csv").read_text()
    frame = parse_acm_csv(text, "ACMTP10", "ACMTP10")
    assert frame["date"].dt.date.astype(str).tolist()[:2] == ["2024-05-28", "2024-05-29"]
    assert frame["value"].tolist()[-1] == pytest.approx(-0.183848)
    assert len(frame) == 9


def test_a_header_without_the_column_is_refused() -> None:
    with pytest.raises(SourceError, match="no ACMTP10 column"):
        parse_acm_csv("DATE,ACMTP05\n03-Jun-2024,0.1\n", "ACMTP10", "ACMTP10")


def test_registered() -> None:
    assert "acm" in known_sources()
    assert isinstance(get_source("acm"), AcmSource)


def test_fetch_cuts_to_the_requested_days(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RISKOFF_ACM_URL", server.url + "/ACMTermPremium.csv")
    server.route("/ACMTermPremium.csv", Reply.fixture("acm/acm_daily.csv"))
    frame = AcmSource().fetch(get_spec("ACMTP10"), date(2024, 6, 3), date(2024, 6, 6))
    assert frame["date"].dt.date.astype(str).tolist() == [
        "2024-06-03",
        "2024-06-04",
        "2024-06-05",
        "2024-06-06",
    ]


def test_a_workbook_without_xlrd_says_what_to_do(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    try:
        import xlrd  # noqa: F401
    except ImportError:
        pass
    else:
        pytest.skip("xlrd is installed")
    monkeypatch.setenv("RISKOFF_ACM_URL", server.url + "/ACMTermPremium.xls")
    body = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504
    server.route("/ACMTermPremium.xls", Reply(body=body, content_type="application/vnd.ms-excel"))
    with pytest.raises(SourceError, match="xlrd"):
        AcmSource().fetch(get_spec("ACMTP10"), date(2024, 6, 3), date(2024, 6, 6))


def test_update_revises_the_bundled_term_premium(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, private_store: Store
) -> None:
    monkeypatch.setenv("RISKOFF_ACM_URL", server.url + "/acm.csv")
    text = (FIXTURES / "acm" / "acm_daily.csv").read_text()
    # The model is re-estimated on every update: one day's value differs from the bundle.
    server.route(
        "/acm.csv", Reply(body=text.replace("-0.183848", "-0.190000"), content_type="text/csv")
    )
    report = run_update(
        ["ACMTP10"], store=private_store, since=date(2024, 5, 28), today=date(2024, 6, 10)
    )
    (outcome,) = report.outcomes
    assert outcome.status == "ok", outcome.message
    assert outcome.revised == 1
    rows = [r for r in store_rows(private_store.path, "ACMTP10") if str(r[0]) == "2024-06-07"]
    assert [round(r[1], 6) for r in rows] == [-0.183848, -0.19]


def test_alfred_vintages_of_payrolls_are_stored_as_first_released(
    server: LocalServer, monkeypatch: pytest.MonkeyPatch, private_store: Store
) -> None:
    # August 2026 payrolls: first print on Friday 2026-09-04, revised on 2026-10-02
    # (constructed numbers, FRED's ALFRED layout).
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")
    monkeypatch.setenv("FRED_API_KEY", "test-key-not-real")
    observations = [
        {"realtime_start": "2026-09-04", "realtime_end": "2026-10-01", "date": "2026-08-01",
         "value": "158900"},
        {"realtime_start": "2026-10-02", "realtime_end": "9999-12-31", "date": "2026-08-01",
         "value": "158950"},
    ]  # fmt: skip
    payload = {"count": len(observations), "observations": observations}
    server.route("/fred/series/observations", Reply(body=json.dumps(payload)))
    report = run_update(["PAYEMS"], store=private_store, today=date(2026, 10, 10))
    (outcome,) = report.outcomes
    assert outcome.status == "ok", outcome.message
    rows = [r for r in store_rows(private_store.path, "PAYEMS") if str(r[0]) == "2026-08-01"]
    assert [(str(r[2])[:10], r[1]) for r in rows] == [
        ("2026-09-04", 158900.0),
        ("2026-10-02", 158950.0),
    ]
