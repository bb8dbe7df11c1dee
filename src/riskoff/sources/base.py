"""What every source shares: the ``Source`` protocol, the registry, and one polite HTTP client.

A source is a small pipeline: build the query, fetch the raw bytes, turn them into a tidy frame
of ``date``, ``value`` (float, already in the catalog unit) and, for providers that publish
vintages, ``vintage`` (when that value became public). Validation against the store (dates,
duplicates, unit) happens in :mod:`riskoff.update`, at the store boundary.

The HTTP client retries timeouts, dropped connections, truncated bodies, HTTP 429 (honouring
``Retry-After``) and 5xx with exponential backoff and jitter, bounds the requests in flight per
host and spaces them out, so that FRED and Yahoo do not throttle us. Its knobs come from the
environment so that tests (and impatient users) can make it fast.
"""

from __future__ import annotations

import email.utils
import importlib.util
import os
import re
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol, TypeVar, runtime_checkable
from urllib.parse import urlsplit

import httpx
import pandas as pd
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from riskoff._version import __version__
from riskoff.catalog import SeriesSpec
from riskoff.errors import DataError, MissingExtraError, SourceError

T = TypeVar("T")
USER_AGENT = f"riskoff/{__version__} (+https://pypi.org/project/riskoff/)"
# Tokens providers use for "no observation that day": FRED's "." (and an empty cell in the
# current fredgraph.csv), NY Fed's null.
MISSING_TOKENS = frozenset({"", ".", "nan", "NaN", "null", "None", "#N/A"})


# -- the protocol -----------------------------------------------------------------------------
@runtime_checkable
class Source(Protocol):
    """A provider of observations.

    Attributes
    ----------
    name : str
        The registry key, also the ``source`` recorded in the store.
    """

    name: str

    def fetch(self, spec: SeriesSpec, start: date, end: date) -> pd.DataFrame:
        """Return the observations of ``spec`` dated in ``[start, end]``.

        Returns
        -------
        DataFrame
            Columns ``date`` (ISO strings or datetimes), ``value`` (float64 in the catalog unit
            ``spec.unit``) and optionally ``vintage`` (datetime the value became public).

        Raises
        ------
        SourceError
            When the provider cannot be reached or answers with something unusable.
        DataError
            When a value in the answer is not a number.
        """
        ...


# -- the registry -----------------------------------------------------------------------------
@dataclass(frozen=True)
class _Entry:
    factory: Callable[[], Source]
    extra: str | None
    module: str | None


_REGISTRY: dict[str, _Entry] = {}
_INSTANCES: dict[str, Source] = {}
_REGISTRY_LOCK = threading.Lock()


def register_source(
    name: str,
    factory: Callable[[], Source],
    extra: str | None = None,
    module: str | None = None,
) -> None:
    """Add a source to the registry.

    Parameters
    ----------
    name : str
        Registry key (the ``source`` field of catalog entries).
    factory : callable
        Builds the source; called once, on first use.
    extra : str, optional
        The package extra that provides the optional dependency (``yahoo``, ``crypto``).
    module : str, optional
        The optional dependency's import name; when it is not importable the source is absent.
    """
    with _REGISTRY_LOCK:
        _REGISTRY[name] = _Entry(factory, extra, module)
        _INSTANCES.pop(name, None)


def _installed(module: str | None) -> bool:
    return module is None or importlib.util.find_spec(module) is not None


def available_sources() -> list[str]:
    """Return the names of the registered sources whose dependencies are installed."""
    return sorted(name for name, entry in _REGISTRY.items() if _installed(entry.module))


def known_sources() -> list[str]:
    """Return every registered source name, installed or not."""
    return sorted(_REGISTRY)


def missing_extra(name: str) -> str | None:
    """Return the extra to install for source ``name``, or None when it is usable."""
    entry = _REGISTRY.get(name)
    if entry is None or _installed(entry.module):
        return None
    return entry.extra


def get_source(name: str) -> Source:
    """Return the source registered as ``name``.

    Raises
    ------
    MissingExtraError
        If the source needs an optional dependency that is not installed; the message names the
        extra to install.
    SourceError
        If no source of that name exists.
    """
    entry = _REGISTRY.get(name)
    if entry is None:
        known = ", ".join(known_sources()) or "none"
        raise SourceError(name, "-", f"no such source (known sources: {known})")
    if not _installed(entry.module):
        raise MissingExtraError(
            f"source {name!r} needs the optional package {entry.module}: "
            f"pip install 'riskoff[{entry.extra}]'"
        )
    with _REGISTRY_LOCK:
        if name not in _INSTANCES:
            _INSTANCES[name] = entry.factory()
        return _INSTANCES[name]


# -- configuration ----------------------------------------------------------------------------
def base_url(source: str, default: str) -> str:
    """Return ``$RISKOFF_<SOURCE>_URL`` when set, else ``default``, without a trailing slash."""
    value = os.environ.get(f"RISKOFF_{source.upper()}_URL") or default
    return value.rstrip("/")


def _env_float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        return float(raw)
    except ValueError:
        raise DataError(f"environment variable {name}={raw!r} is not a number") from None


@dataclass(frozen=True)
class RetryPolicy:
    """How hard the client tries before giving up on one request.

    Attributes
    ----------
    attempts : int
        Total tries, first one included (``RISKOFF_HTTP_RETRIES``, default 4).
    backoff : float
        Base of the exponential backoff in seconds (``RISKOFF_HTTP_BACKOFF``, default 1):
        waits are random in ``[0, backoff * 2**n]`` ("full jitter").
    max_wait : float
        Longest single wait, also the cap on a server's ``Retry-After``
        (``RISKOFF_HTTP_MAX_WAIT``, default 60).
    timeout : float
        Connect and read timeout in seconds (``RISKOFF_HTTP_TIMEOUT``, default 30).
    """

    attempts: int = 4
    backoff: float = 1.0
    max_wait: float = 60.0
    timeout: float = 30.0

    @classmethod
    def from_env(cls) -> RetryPolicy:
        """Read the policy from the environment (read per request, so tests can change it)."""
        return cls(
            attempts=max(1, int(_env_float("RISKOFF_HTTP_RETRIES", 4))),
            backoff=max(0.0, _env_float("RISKOFF_HTTP_BACKOFF", 1.0)),
            max_wait=max(0.0, _env_float("RISKOFF_HTTP_MAX_WAIT", 60.0)),
            timeout=max(0.01, _env_float("RISKOFF_HTTP_TIMEOUT", 30.0)),
        )


@dataclass(frozen=True)
class HostPolicy:
    """Politeness towards one host: requests in flight and the gap between two requests."""

    max_concurrent: int = 2
    min_interval: float = 0.0


class _HostGate:
    """A semaphore plus a minimal spacing between the starts of two requests to one host."""

    def __init__(self, policy: HostPolicy) -> None:
        self._slots = threading.BoundedSemaphore(max(1, policy.max_concurrent))
        # RISKOFF_HTTP_MIN_INTERVAL overrides every host's spacing (a mirror of one's own, tests).
        self._interval = _env_float("RISKOFF_HTTP_MIN_INTERVAL", policy.min_interval)
        self._lock = threading.Lock()
        self._next_start = 0.0

    @contextmanager
    def hold(self) -> Iterator[None]:
        with self._slots:
            with self._lock:
                now = time.monotonic()
                start = max(now, self._next_start)
                self._next_start = start + self._interval
            if start > now:
                time.sleep(start - now)
            yield


# -- errors worth another try -----------------------------------------------------------------
class _RetryableStatusError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


_SECRET = re.compile(r"(api_key|apikey|token|key)=[^&\s]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Hide credentials (``api_key=...``) in a URL or message."""
    return _SECRET.sub(r"\1=***", text)


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds a 429/503 asks us to wait: ``Retry-After`` as seconds or as an HTTP date."""
    raw = response.headers.get("Retry-After")
    if not raw:
        return None
    raw = raw.strip()
    if raw.isdigit():
        return float(raw)
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _describe_transport(exc: Exception, policy: RetryPolicy) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"timed out (no answer within {policy.timeout:g} s)"
    if isinstance(exc, httpx.RemoteProtocolError):
        if "without sending a response" in str(exc):
            return "the server closed the connection without answering"
        return f"truncated response: the server closed the connection mid-body ({exc})"
    if isinstance(exc, httpx.ConnectError):
        return f"could not connect ({exc})"
    if isinstance(exc, httpx.ReadError | httpx.WriteError):
        return f"connection reset by the server ({exc})"
    return f"{type(exc).__name__}: {exc}"


def _describe_status(response: httpx.Response) -> str:
    snippet = " ".join(response.text[:200].split())
    reason = f"HTTP {response.status_code} {response.reason_phrase}".rstrip()
    if response.status_code == 429:
        after = response.headers.get("Retry-After")
        reason += " (rate limited" + (f", Retry-After {after}" if after else "") + ")"
    return f"{reason}: {snippet}" if snippet else reason


# -- the client -------------------------------------------------------------------------------
class HttpClient:
    """A thread-safe HTTP client with retries, per-host bounds and spacing.

    Parameters
    ----------
    transport : httpx.BaseTransport, optional
        For tests (``httpx.MockTransport``); default is the network.
    sleep : callable, optional
        Replaces ``time.sleep`` between retries (tests).
    """

    def __init__(
        self,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = httpx.Client(
            transport=transport,
            headers={"User-Agent": USER_AGENT},
            follow_redirects=True,
        )
        self._sleep = sleep
        self._gates: dict[str, _HostGate] = {}
        self._gates_lock = threading.Lock()

    def close(self) -> None:
        """Close the underlying connection pool."""
        self._client.close()

    def gate(self, host: str, policy: HostPolicy) -> _HostGate:
        """Return the gate of ``host``, created with ``policy`` on first use."""
        with self._gates_lock:
            if host not in self._gates:
                self._gates[host] = _HostGate(policy)
            return self._gates[host]

    def get(
        self,
        url: str,
        *,
        source: str,
        series: str,
        params: dict[str, str] | None = None,
        policy: HostPolicy | None = None,
        ok_statuses: Sequence[int] = (),
    ) -> httpx.Response:
        """GET ``url``, retrying what is worth retrying.

        Parameters
        ----------
        url : str
            The address.
        source, series : str
            Named in every error message.
        params : dict, optional
            Query parameters.
        policy : HostPolicy, optional
            Politeness towards the URL's host (default 2 in flight, no spacing).
        ok_statuses : sequence of int
            Non-2xx statuses handed back to the caller instead of raising (FRED's 400 carries
            a JSON error message worth reading).

        Returns
        -------
        httpx.Response
            A response whose body has been read in full.

        Raises
        ------
        SourceError
            After the last attempt, or at once on a 4xx other than 429.
        """
        retry = RetryPolicy.from_env()
        gate = self.gate(urlsplit(url).netloc, policy or HostPolicy())
        timeout = httpx.Timeout(retry.timeout)

        def attempt() -> httpx.Response:
            with gate.hold():
                response = self._client.get(url, params=params, timeout=timeout)
            if response.status_code == 429 or response.status_code >= 500:
                raise _RetryableStatusError(response)
            if response.is_success or response.status_code in ok_statuses:
                return response
            raise SourceError(source, series, redact(_describe_status(response)))

        retrying = Retrying(
            stop=stop_after_attempt(retry.attempts),
            wait=_backoff(retry),
            # Timeouts, resets, refused connections and bodies cut short are TransportErrors.
            retry=retry_if_exception_type((_RetryableStatusError, httpx.TransportError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableStatusError as exc:
            problem = _describe_status(exc.response)
        except httpx.TransportError as exc:
            problem = _describe_transport(exc, retry)
        raise SourceError(source, series, redact(f"{problem} ({_gave_up(retry)})"))


def _gave_up(retry: RetryPolicy) -> str:
    return (
        "gave up after 1 attempt"
        if retry.attempts == 1
        else (f"gave up after {retry.attempts} attempts")
    )


def _backoff(retry: RetryPolicy) -> Callable[[RetryCallState], float]:
    """Exponential backoff with full jitter, or the server's ``Retry-After`` when it sent one."""
    jitter = wait_random_exponential(multiplier=retry.backoff, max=retry.max_wait)

    def wait(state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome is not None else None
        if isinstance(exc, _RetryableStatusError):
            after = _retry_after(exc.response)
            if after is not None:
                return min(after, retry.max_wait)
        return float(jitter(state))

    return wait


_SHARED: HttpClient | None = None
_SHARED_LOCK = threading.Lock()


def shared_client() -> HttpClient:
    """Return the process-wide client (created on first use)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = HttpClient()
        return _SHARED


class HttpSource:
    """Base of the sources that speak HTTP through riskoff's client (retries, per-host bounds).

    Parameters
    ----------
    client : HttpClient, optional
        Default: the shared client.
    """

    name = "http"

    def __init__(self, client: HttpClient | None = None) -> None:
        self._client = client

    @property
    def client(self) -> HttpClient:
        """The HTTP client in use."""
        return self._client or shared_client()


def reset_shared_client() -> None:
    """Close and forget the process-wide client (tests, forked workers)."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is not None:
            _SHARED.close()
        _SHARED = None


# -- parsing helpers --------------------------------------------------------------------------
def reject_html(response: httpx.Response, source: str, series: str, expected: str) -> None:
    """Raise when a provider sent an HTML page (an error or login page) instead of data."""
    ctype = response.headers.get("Content-Type", "").lower()
    head = response.text[:512].lstrip().lower()
    if "html" in ctype or head.startswith(("<!doctype html", "<html", "<?xml", "<head")):
        title = re.search(r"<title[^>]*>(.*?)</title>", response.text[:4096], re.I | re.S)
        what = f" titled {' '.join(title.group(1).split())!r}" if title else ""
        raise SourceError(
            source,
            series,
            f"expected {expected}, got an HTML page{what} (HTTP {response.status_code})",
        )


def parse_json(response: httpx.Response, source: str, series: str) -> Any:
    """Decode a JSON body, with a clear message for an HTML page or a truncated document."""
    reject_html(response, source, series, "JSON")
    try:
        return response.json()
    except ValueError as exc:
        size = len(response.content)
        raise SourceError(
            source, series, f"malformed or truncated JSON ({size} bytes): {exc}"
        ) from None


def tidy(
    rows: Sequence[tuple[int, object, object]],
    source: str,
    series: str,
    scale: float = 1.0,
    vintages: Sequence[object] | None = None,
    label: str = "line",
) -> pd.DataFrame:
    """Turn ``(line, date, value)`` rows into the tidy frame a source returns.

    Missing-value tokens (``.``, empty, null) drop the row; any other non-number raises with
    the line it came from. Values are multiplied by ``scale`` (native unit to catalog unit).

    Parameters
    ----------
    rows : sequence of (int, object, object)
        Position in the provider's answer (for messages), date, raw value.
    source, series : str
        Named in error messages.
    scale : float
        Native unit to catalog unit.
    vintages : sequence, optional
        One vintage (publication time) per row; adds a ``vintage`` column.
    label : str
        What a position is called in messages (``line`` for CSV, ``observation`` for JSON).

    Raises
    ------
    DataError
        On a date that does not parse or a value that is not a number.
    """
    dates: list[pd.Timestamp] = []
    values: list[float] = []
    kept: list[object] = []
    for i, (line, day, raw) in enumerate(rows):
        if raw is None or (isinstance(raw, str) and raw.strip() in MISSING_TOKENS):
            continue
        try:
            value = float(raw)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            raise DataError(
                f"{source}: series {series}: {label} {line}: value {raw!r} is not a number"
            ) from None
        if value != value:  # NaN published as a number means "missing" as well
            continue
        try:
            stamp = pd.Timestamp(str(day).strip())
        except ValueError:
            stamp = None
        if stamp is None or pd.isna(stamp):
            raise DataError(f"{source}: series {series}: {label} {line}: unparseable date {day!r}")
        dates.append(stamp.normalize())
        values.append(value * scale)
        if vintages is not None:
            kept.append(vintages[i])
    frame = pd.DataFrame(
        {"date": pd.DatetimeIndex(dates, dtype="datetime64[ns]"), "value": values},
        columns=["date", "value"],
    )
    frame["value"] = frame["value"].astype("float64")
    if vintages is not None:
        frame["vintage"] = pd.to_datetime(pd.Series(kept, dtype=object))
    return frame


def call_with_retries(
    call: Callable[[], T],
    *,
    source: str,
    series: str,
    retryable: Callable[[Exception], bool],
    describe: Callable[[Exception], str] = lambda exc: f"{type(exc).__name__}: {exc}",
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Run a library call (yfinance, ccxt) under the same retry policy as HTTP requests.

    Parameters
    ----------
    call : callable
        The request.
    source, series : str
        Named in the error.
    retryable : callable
        Whether an exception is worth another try (rate limit, timeout, network).
    describe : callable
        Turns the last exception into the error's reason.
    sleep : callable
        Replaces ``time.sleep`` (tests).

    Raises
    ------
    SourceError
        With the last problem, after the last attempt or at once when it is not retryable.
    """
    retry = RetryPolicy.from_env()

    def worth_retrying(exc: BaseException) -> bool:
        # Our own errors are final: they already describe what the provider answered.
        return (
            isinstance(exc, Exception)
            and not isinstance(exc, SourceError | DataError)
            and (retryable(exc))
        )

    retrying = Retrying(
        stop=stop_after_attempt(retry.attempts),
        wait=_backoff(retry),
        retry=retry_if_exception(worth_retrying),
        sleep=sleep,
        reraise=True,
    )
    try:
        return retrying(call)
    except (SourceError, DataError):
        raise
    except Exception as exc:
        tail = f" ({_gave_up(retry)})" if retryable(exc) else ""
        raise SourceError(source, series, redact(describe(exc)) + tail) from exc
