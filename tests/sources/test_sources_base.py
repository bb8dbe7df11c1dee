"""The shared client, the registry and the parsing helpers, with ``httpx.MockTransport``."""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, datetime, timedelta
from email.utils import format_datetime

import httpx
import pandas as pd
import pytest

from riskoff.catalog import get_spec
from riskoff.errors import DataError, HostUnreachableError, SourceError
from riskoff.sources import (
    HostPolicy,
    HttpClient,
    RetryPolicy,
    Source,
    available_sources,
    get_source,
    known_sources,
)
from riskoff.sources.base import call_with_retries, forget_unreachable, redact, tidy


def client_for(*responses: httpx.Response) -> tuple[HttpClient, list[float], list[httpx.Request]]:
    """A client answering ``responses`` in turn (the last repeats), recording its sleeps."""
    sleeps: list[float] = []
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return responses[min(len(seen), len(responses)) - 1]

    return HttpClient(httpx.MockTransport(handler), sleep=sleeps.append), sleeps, seen


def test_retry_after_seconds_is_honoured() -> None:
    client, sleeps, seen = client_for(
        httpx.Response(503, headers={"Retry-After": "2"}), httpx.Response(200, text="ok")
    )
    response = client.get("https://example.test/x", source="s", series="X")
    assert response.text == "ok" and sleeps == [2.0] and len(seen) == 2


def test_retry_after_http_date_and_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_HTTP_MAX_WAIT", "5")
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=3600), usegmt=True)
    client, sleeps, _ = client_for(
        httpx.Response(429, headers={"Retry-After": later}), httpx.Response(200, text="ok")
    )
    client.get("https://example.test/x", source="s", series="X")
    assert sleeps == [5.0]  # an hour asked, capped at RISKOFF_HTTP_MAX_WAIT


def test_backoff_is_jittered_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_HTTP_RETRIES", "4")
    monkeypatch.setenv("RISKOFF_HTTP_BACKOFF", "1")
    client, sleeps, seen = client_for(httpx.Response(500, text="boom"))
    with pytest.raises(SourceError, match=r"s: series X: HTTP 500 .*gave up after 4 attempts"):
        client.get("https://example.test/x", source="s", series="X")
    assert len(seen) == 4 and len(sleeps) == 3
    assert all(0 <= wait <= 2**i for i, wait in enumerate(sleeps))


def test_client_errors_are_not_retried() -> None:
    client, sleeps, seen = client_for(httpx.Response(404, text="no such series"))
    with pytest.raises(SourceError, match="HTTP 404 Not Found: no such series"):
        client.get("https://example.test/x", source="s", series="X")
    assert len(seen) == 1 and sleeps == []


def test_transport_errors_are_retried_then_reported() -> None:
    sleeps: list[float] = []

    def handler(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("slow", request=request)

    client = HttpClient(httpx.MockTransport(handler), sleep=sleeps.append)
    with pytest.raises(SourceError, match=r"timed out .*gave up after 3 attempts"):
        client.get("https://example.test/x", source="s", series="X")
    assert len(sleeps) == 2


def test_hosts_are_spaced(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("RISKOFF_HTTP_MIN_INTERVAL")
    client, _, _ = client_for(httpx.Response(200, text="ok"))
    started = time.monotonic()
    for _ in range(3):
        client.get(
            "https://example.test/x", source="s", series="X", policy=HostPolicy(1, min_interval=0.1)
        )
    assert time.monotonic() - started >= 0.19


def test_retry_policy_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_HTTP_RETRIES", "0")
    assert RetryPolicy.from_env().attempts == 1
    monkeypatch.setenv("RISKOFF_HTTP_TIMEOUT", "soon")
    with pytest.raises(DataError, match="RISKOFF_HTTP_TIMEOUT='soon' is not a number"):
        RetryPolicy.from_env()


def test_redact() -> None:
    assert redact("https://x/y?series_id=A&api_key=abc123&x=1") == (
        "https://x/y?series_id=A&api_key=***&x=1"
    )


def test_call_with_retries() -> None:
    sleeps: list[float] = []
    attempts = iter([TimeoutError("slow"), TimeoutError("slow"), "done"])

    def call() -> str:
        item = next(attempts)
        if isinstance(item, Exception):
            raise item
        return item

    retryable = lambda exc: isinstance(exc, TimeoutError)  # noqa: E731
    assert (
        call_with_retries(call, source="s", series="X", retryable=retryable, sleep=sleeps.append)
        == "done"
    )
    assert len(sleeps) == 2

    def broken() -> str:
        raise KeyError("nope")

    with pytest.raises(SourceError) as info:
        call_with_retries(broken, source="s", series="X", retryable=retryable)
    assert "gave up" not in str(info.value) and "KeyError" in str(info.value)


@pytest.mark.parametrize(
    ("fault", "reason"),
    [
        (httpx.ConnectTimeout, r"no answer to connect within 0\.45 s"),
        (httpx.ConnectError, r"connection refused"),
    ],
)
def test_an_unreachable_host_is_asked_once(
    monkeypatch: pytest.MonkeyPatch, fault: type[httpx.TransportError], reason: str
) -> None:
    monkeypatch.setenv("RISKOFF_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("RISKOFF_HTTP_RETRIES", "4")
    forget_unreachable()
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        raise fault("[Errno 111] Connection refused", request=request)

    client = HttpClient(httpx.MockTransport(handler), sleep=lambda s: None)
    with pytest.raises(
        HostUnreachableError, match=rf"s: series X: down\.test unreachable \({reason}"
    ):
        client.get("https://down.test/x", source="s", series="X")
    with pytest.raises(HostUnreachableError, match="not asked again in this run"):
        client.get("https://down.test/y", source="s", series="Y")
    assert len(seen) == 1  # neither retried nor asked again
    forget_unreachable()


def test_library_calls_get_the_total_deadline(monkeypatch: pytest.MonkeyPatch) -> None:
    # A library whose own timeout bounds each read (yfinance, ccxt) cannot hold a call longer.
    monkeypatch.setenv("RISKOFF_HTTP_TIMEOUT", "0.2")
    monkeypatch.setenv("RISKOFF_HTTP_RETRIES", "2")
    release = threading.Event()
    calls: list[int] = []

    def stuck() -> str:
        calls.append(1)
        release.wait(30)
        return "late"

    try:
        with pytest.raises(SourceError, match=r"s: series X: timed out .*gave up after 2"):
            call_with_retries(stuck, source="s", series="X", retryable=lambda e: False)
    finally:
        release.set()
    assert len(calls) == 2


def test_an_unreachable_library_host_is_not_retried_nor_asked_again() -> None:
    forget_unreachable()
    calls: list[int] = []

    def refused() -> str:
        calls.append(1)
        raise ConnectionError("Max retries exceeded ([Errno 111] Connection refused)")

    retryable = lambda exc: isinstance(exc, ConnectionError)  # noqa: E731
    with pytest.raises(HostUnreachableError, match=r"query2\.test unreachable"):
        call_with_retries(refused, source="s", series="X", retryable=retryable, host="query2.test")
    with pytest.raises(HostUnreachableError, match="not asked again in this run"):
        call_with_retries(refused, source="s", series="Y", retryable=retryable, host="query2.test")
    assert calls == [1]
    forget_unreachable()
    with pytest.raises(HostUnreachableError):
        call_with_retries(refused, source="s", series="Z", retryable=retryable, host="query2.test")
    assert calls == [1, 1]  # a new run asks again
    forget_unreachable()


def test_registry() -> None:
    assert {"fred", "nyfed", "yahoo", "crypto", "bundled"} <= set(known_sources())
    assert {"fred", "nyfed", "bundled"} <= set(available_sources())
    for name in available_sources():
        assert isinstance(get_source(name), Source)
        assert get_source(name) is get_source(name)
    with pytest.raises(SourceError, match="no such source"):
        get_source("bloomberg")


def test_tidy_drops_missing_and_keeps_vintages() -> None:
    rows = [(1, "2024-01-03", "7681024"), (2, "2024-01-10", "."), (3, "2024-01-17", float("nan"))]
    frame = tidy(rows, "fred", "WALCL", scale=0.001, vintages=["2024-01-04", "x", "y"])
    assert frame["value"].tolist() == [7681.024]
    assert frame["vintage"].tolist() == [pd.Timestamp("2024-01-04")]
    assert tidy([], "fred", "X").empty


def test_bundled_source_scales_like_the_store() -> None:
    frame = get_source("bundled").fetch(get_spec("WALCL"), date(2024, 1, 1), date(2024, 1, 10))
    assert frame["value"].tolist() == pytest.approx([7681.024, 7686.710])
