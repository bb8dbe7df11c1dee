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
import errno
import importlib.util
import os
import re
import socket
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
from riskoff.errors import DataError, HostUnreachableError, MissingExtraError, SourceError

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
        Total deadline of one request in seconds, from connecting to the last byte of the body
        (``RISKOFF_HTTP_TIMEOUT``, default 30): a server that trickles its answer cannot hold a
        request longer than this.
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

    def __init__(self, policy: HostPolicy, host: str = "") -> None:
        self._host = host
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
                # Set when the host is found unreachable: waiting for a turn is pointless then.
                _dead_event(self._host).wait(start - now)
            yield


# -- errors worth another try -----------------------------------------------------------------
class _RetryableStatusError(Exception):
    def __init__(self, response: httpx.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class DeadlineError(Exception):
    """A request (or a library call) did not complete within its total deadline."""

    def __init__(self, seconds: float) -> None:
        super().__init__(f"no complete answer within {seconds:g} s (total deadline)")
        self.seconds = seconds


def run_with_deadline(call: Callable[[threading.Event], T], seconds: float) -> T:
    """Run ``call`` in a daemon thread and wait at most ``seconds`` for it.

    A socket timeout bounds each read, not the whole answer: a server sending one byte a
    second never trips it. Waiting from another thread bounds the whole call. The event passed
    to ``call`` is set when the caller gives up, so that a call reading a body in chunks can
    stop and close its connection; a call that ignores it (a library's) is abandoned.

    Parameters
    ----------
    call : callable
        Receives the cancellation event; its result or exception is handed back.
    seconds : float
        The total deadline.

    Raises
    ------
    DeadlineError
        When ``call`` has not finished in time.
    """
    cancel = threading.Event()
    done = threading.Event()
    box: dict[str, Any] = {}

    def target() -> None:
        try:
            box["result"] = call(cancel)
        except BaseException as exc:  # handed to the waiting thread, re-raised there
            box["error"] = exc
        finally:
            done.set()

    threading.Thread(target=target, name="riskoff-deadline", daemon=True).start()
    if not done.wait(seconds):
        cancel.set()
        raise DeadlineError(seconds)
    if "error" in box:
        raise box["error"]
    return box["result"]


# -- hosts that cannot be reached at all --------------------------------------------------------
# Refused connections, unknown names and missing routes do not heal within a run: after the
# first one, every other request to that host fails at once instead of retrying with backoff.
_UNREACHABLE_ERRNOS = frozenset(
    {errno.ECONNREFUSED, errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL}
)
_UNREACHABLE_TEXT = (
    "name or service not known",
    "temporary failure in name resolution",
    "nodename nor servname",
    "failed to resolve",
    "name resolution",
    "no address associated",
    "connection refused",
    "network is unreachable",
    "no route to host",
)
_DEAD_HOSTS: dict[str, str] = {}
_DEAD_EVENTS: dict[str, threading.Event] = {}
_DEAD_LOCK = threading.Lock()


def _dead_event(host: str) -> threading.Event:
    """The event set while ``host`` is known unreachable."""
    with _DEAD_LOCK:
        return _DEAD_EVENTS.setdefault(host, threading.Event())


def unreachable_reason(exc: BaseException) -> str | None:
    """Say why ``exc`` means the host cannot be reached at all, or None when it may be transient.

    Walks the exception's causes: DNS failures, refused connections and missing routes count;
    timeouts and resets do not (a slow or overloaded server may answer the next time).
    """
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, socket.gaierror):
            return "the host name does not resolve"
        if isinstance(current, OSError) and current.errno in _UNREACHABLE_ERRNOS:
            return _errno_text(current.errno)
        text = str(current).lower()
        for needle in _UNREACHABLE_TEXT:
            if needle in text:
                return (
                    "the host name does not resolve"
                    if "resol" in needle or "name" in needle
                    else needle
                )
        current = current.__cause__ or current.__context__
    return None


def _errno_text(code: int | None) -> str:
    return {
        errno.ECONNREFUSED: "connection refused",
        errno.ENETUNREACH: "network is unreachable",
        errno.EHOSTUNREACH: "no route to host",
    }.get(code or 0, "address not available")


def mark_unreachable(host: str, reason: str) -> None:
    """Remember that ``host`` cannot be reached (until :func:`forget_unreachable`)."""
    with _DEAD_LOCK:
        _DEAD_HOSTS.setdefault(host, reason)
        _DEAD_EVENTS.setdefault(host, threading.Event()).set()


def forget_unreachable() -> None:
    """Forget every host marked unreachable (at the start of each update run)."""
    with _DEAD_LOCK:
        _DEAD_HOSTS.clear()
        for event in _DEAD_EVENTS.values():
            event.clear()


def check_reachable(host: str, source: str, series: str) -> None:
    """Raise at once when ``host`` was found unreachable earlier in this run.

    Raises
    ------
    HostUnreachableError
        Naming the host and the first failure.
    """
    with _DEAD_LOCK:
        reason = _DEAD_HOSTS.get(host)
    if reason is not None:
        raise HostUnreachableError(
            source, series, host, f"{host} unreachable ({reason}); not asked again in this run"
        )


# Query parameters that carry credentials (api_key=, token=, access_token=, password= ...).
_SECRET_PARAM = re.compile(
    r"\b((?:api[_-]?key|apikey|key|[a-z_]*token|password|passwd|pwd|secret|signature|sig|auth)=)"
    r"[^&\s#'\"]+",
    re.IGNORECASE,
)
# ``scheme://user:password@host``: the password goes, the user name stays (it helps debugging).
_USERINFO = re.compile(r"(\b[a-z][a-z0-9+.-]*://[^/@\s:]*):[^/@\s]*@", re.IGNORECASE)
_BEARER = re.compile(r"\b(bearer\s+)[A-Za-z0-9._~+/=-]+", re.IGNORECASE)


def redact(text: str) -> str:
    """Hide credentials in a URL or message before it is printed or logged.

    Masks query parameters such as ``api_key=``, ``token=`` or ``password=``, the password of
    ``scheme://user:password@host`` and bearer tokens.

    Parameters
    ----------
    text : str
        A URL, an error message or a log line.

    Returns
    -------
    str
        The text with every secret replaced by ``***``.

    Examples
    --------
    >>> redact("https://u:pw@hooks.example/x?token=abc&a=1")
    'https://u:***@hooks.example/x?token=***&a=1'
    """
    text = _USERINFO.sub(r"\1:***@", text)
    text = _SECRET_PARAM.sub(r"\1***", text)
    return _BEARER.sub(r"\1***", text)


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
    if isinstance(exc, DeadlineError | httpx.TimeoutException):
        return f"timed out (no complete answer within {policy.timeout:g} s, RISKOFF_HTTP_TIMEOUT)"
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
                self._gates[host] = _HostGate(policy, host)
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
        """GET ``url``, retrying what is worth retrying (see :meth:`request`)."""
        return self.request(
            "GET",
            url,
            source=source,
            series=series,
            params=params,
            policy=policy,
            ok_statuses=ok_statuses,
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        source: str,
        series: str,
        params: dict[str, str] | None = None,
        json: Any = None,
        policy: HostPolicy | None = None,
        ok_statuses: Sequence[int] = (),
        attempts: int | None = None,
        timeout: float | None = None,
    ) -> httpx.Response:
        """Send one request, retrying what is worth retrying, each try within a total deadline.

        Parameters
        ----------
        method : str
            ``GET`` or ``POST``.
        url : str
            The address.
        source, series : str
            Named in every error message.
        params : dict, optional
            Query parameters.
        json : object, optional
            A JSON body.
        policy : HostPolicy, optional
            Politeness towards the URL's host (default 2 in flight, no spacing).
        ok_statuses : sequence of int
            Non-2xx statuses handed back to the caller instead of raising (FRED's 400 carries
            a JSON error message worth reading).
        attempts : int, optional
            Overrides ``RISKOFF_HTTP_RETRIES`` (a webhook is tried once).
        timeout : float, optional
            Overrides ``RISKOFF_HTTP_TIMEOUT``, the total deadline of each try.

        Returns
        -------
        httpx.Response
            A response whose body has been read in full.

        Raises
        ------
        HostUnreachableError
            At once when the host's name does not resolve, the connection is refused or there
            is no route, and for every later request to that host in the run.
        SourceError
            After the last attempt, or at once on a 4xx other than 429. Every try, body
            included, ends within ``RISKOFF_HTTP_TIMEOUT`` seconds.
        """
        retry = RetryPolicy.from_env()
        if attempts is not None or timeout is not None:
            retry = RetryPolicy(
                max(1, attempts) if attempts is not None else retry.attempts,
                retry.backoff,
                retry.max_wait,
                max(0.01, timeout) if timeout is not None else retry.timeout,
            )
        host = host_of(url)
        check_reachable(host, source, series)
        gate = self.gate(host, policy or HostPolicy())

        def send(cancel: threading.Event) -> httpx.Response:
            return self._send(method, url, params, json, retry.timeout, cancel)

        def attempt() -> httpx.Response:
            try:
                with gate.hold():
                    # Another request may have found the host unreachable while this one waited.
                    check_reachable(host, source, series)
                    response = run_with_deadline(send, retry.timeout)
            except (httpx.ConnectTimeout, httpx.ConnectError) as exc:
                # No TCP handshake within most of the deadline is a dropped route or a firewall,
                # not a busy server (that one accepts and answers late: a read timeout).
                reason = (
                    f"no answer to connect within {_connect_timeout(retry.timeout):g} s"
                    if isinstance(exc, httpx.ConnectTimeout)
                    else unreachable_reason(exc)
                )
                if reason is None:
                    raise
                mark_unreachable(host, reason)
                raise HostUnreachableError(
                    source, series, host, f"{host} unreachable ({reason})"
                ) from None
            if response.status_code == 429 or response.status_code >= 500:
                raise _RetryableStatusError(response)
            if response.is_success or response.status_code in ok_statuses:
                return response
            raise SourceError(source, series, redact(_describe_status(response)))

        retrying = Retrying(
            stop=stop_after_attempt(retry.attempts),
            wait=_backoff(retry),
            # Timeouts, resets and bodies cut short are TransportErrors; a deadline is a timeout.
            retry=retry_if_exception_type(
                (_RetryableStatusError, httpx.TransportError, DeadlineError)
            ),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            return retrying(attempt)
        except _RetryableStatusError as exc:
            problem = _describe_status(exc.response)
        except (httpx.TransportError, DeadlineError) as exc:
            problem = _describe_transport(exc, retry)
        raise SourceError(source, series, redact(f"{problem} ({_gave_up(retry)})"))

    def _send(
        self,
        method: str,
        url: str,
        params: dict[str, str] | None,
        json: Any,
        timeout: float,
        cancel: threading.Event,
    ) -> httpx.Response:
        """Send and read the body in chunks, stopping as soon as the caller gave up."""
        limits = httpx.Timeout(timeout, connect=_connect_timeout(timeout))
        with self._client.stream(method, url, params=params, json=json, timeout=limits) as response:
            chunks: list[bytes] = []
            for chunk in response.iter_bytes():
                if cancel.is_set():
                    raise DeadlineError(timeout)  # closes the connection on the way out
                chunks.append(chunk)
        # The body is already decoded: the copy must not claim an encoding any more.
        headers = response.headers.copy()
        headers.pop("Content-Encoding", None)
        return httpx.Response(
            response.status_code,
            headers=headers,
            content=b"".join(chunks),
            request=response.request,
            extensions={
                k: v
                for k, v in response.extensions.items()
                if k in ("http_version", "reason_phrase")
            },
        )


def _connect_timeout(total: float) -> float:
    """Return the connect timeout inside a total deadline of ``total`` seconds.

    Short enough to fire before the deadline, so that a host that never completes the
    handshake is told apart from one that answers slowly.
    """
    return round(0.9 * total, 3)


def host_of(url: str) -> str:
    """Return ``host[:port]`` of ``url``, without any user name or password."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{host}:{port}" if port else host


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
    host: str | None = None,
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
    host : str, optional
        The host the library talks to: when it cannot be reached at all (refused, unknown
        name, no route) the call is not retried and later calls to it fail at once.

    Raises
    ------
    HostUnreachableError
        When ``host`` cannot be reached.
    SourceError
        With the last problem, after the last attempt or at once when it is not retryable.
        Each try ends within ``RISKOFF_HTTP_TIMEOUT`` seconds (a library's own timeouts bound
        each read, not the whole call).
    """
    retry = RetryPolicy.from_env()
    if host is not None:
        check_reachable(host, source, series)

    def bounded() -> T:
        try:
            return run_with_deadline(lambda _cancel: call(), retry.timeout)
        except (SourceError, DataError, DeadlineError):
            raise
        except Exception as exc:
            reason = unreachable_reason(exc) if host is not None else None
            if reason is None or host is None:
                raise
            mark_unreachable(host, reason)
            raise HostUnreachableError(
                source, series, host, f"{host} unreachable ({reason})"
            ) from None

    def worth_retrying(exc: BaseException) -> bool:
        # Our own errors are final: they already describe what the provider answered.
        if isinstance(exc, DeadlineError):
            return True
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
        return retrying(bounded)
    except (SourceError, DataError):
        raise
    except DeadlineError as exc:
        raise SourceError(
            source, series, f"timed out ({exc}, RISKOFF_HTTP_TIMEOUT) ({_gave_up(retry)})"
        ) from None
    except Exception as exc:
        tail = f" ({_gave_up(retry)})" if retryable(exc) else ""
        raise SourceError(source, series, redact(describe(exc)) + tail) from exc
