"""Test networking: recorded provider answers served locally, and the guard for child processes.

``LocalServer`` is a threaded HTTP server on 127.0.0.1 whose routes return ``Reply`` objects,
including faults that need a real socket: a hang past the client's timeout, a connection
reset, a body shorter than its Content-Length, a body trickled one byte at a time.

Network access is refused by pytest-socket, in the test process and in its children (see
``tests/conftest.py``).
"""

from __future__ import annotations

import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


# -- the local server -------------------------------------------------------------------------
@dataclass
class Reply:
    """What the local server answers.

    ``mode``: ``ok``; ``hang`` (sleep ``delay`` then answer); ``reset`` (close with a TCP RST);
    ``truncate`` (announce the full length, send half the body, close); ``trickle`` (send the
    whole answer, status line and headers included, one byte every ``delay`` seconds, 1 by
    default, until the server stops).
    """

    status: int = 200
    body: bytes | str = b""
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    mode: str = "ok"
    delay: float = 0.0

    @classmethod
    def fixture(cls, relative: str, **kwargs: Any) -> Reply:
        """Answer with the bytes of ``tests/fixtures/<relative>``."""
        path = FIXTURES / relative
        ctype = {
            ".csv": "text/csv",
            ".json": "application/json; charset=utf-8",
            ".html": "text/html; charset=utf-8",
        }.get(path.suffix, "application/octet-stream")
        kwargs.setdefault("content_type", ctype)
        return cls(body=path.read_bytes(), **kwargs)


@dataclass
class Request:
    """What the server received."""

    method: str
    path: str
    query: dict[str, str]
    body: bytes


Route = Callable[[Request], Reply]


class LocalServer:
    """A threaded HTTP server on 127.0.0.1 with routes keyed by path prefix.

    Examples
    --------
    >>> with LocalServer() as server:
    ...     server.route("/graph/fredgraph.csv", lambda req: Reply(body="a,b\\n"))
    ...     server.url  # 'http://127.0.0.1:PORT'
    """

    def __init__(self) -> None:
        self.routes: list[tuple[str, Route]] = []
        self.requests: list[Request] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                request = Request(self.command, parts.path, query, body)
                with server._lock:
                    server.requests.append(request)
                reply = server._dispatch(request)
                server._answer(self, reply)

            do_GET = _serve  # noqa: N815 - the names http.server looks up
            do_POST = _serve  # noqa: N815

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        # A client that gave up on a hanging reply leaves a dead socket: not worth a traceback.
        self._httpd.handle_error = lambda *args: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        """``http://127.0.0.1:PORT``."""
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def route(self, prefix: str, handler: Route | Reply) -> None:
        """Answer requests whose path starts with ``prefix`` (last registered wins)."""
        fn: Route = handler if callable(handler) else (lambda _req, r=handler: r)
        with self._lock:
            self.routes.insert(0, (prefix, fn))

    def sequence(self, prefix: str, *replies: Reply) -> None:
        """Answer successive requests with ``replies`` in turn, repeating the last one."""
        calls = {"n": 0}

        def pick(_req: Request) -> Reply:
            i = min(calls["n"], len(replies) - 1)
            calls["n"] += 1
            return replies[i]

        self.route(prefix, pick)

    def hits(self, prefix: str) -> list[Request]:
        """Requests received for paths starting with ``prefix``."""
        with self._lock:
            return [r for r in self.requests if r.path.startswith(prefix)]

    def _dispatch(self, request: Request) -> Reply:
        with self._lock:
            routes = list(self.routes)
        for prefix, fn in routes:
            if request.path.startswith(prefix):
                return fn(request)
        return Reply(status=404, body=b"not found", content_type="text/plain")

    def _answer(self, handler: BaseHTTPRequestHandler, reply: Reply) -> None:
        body = reply.body.encode() if isinstance(reply.body, str) else reply.body
        if reply.mode == "trickle":
            self._trickle(handler, reply, body)
            return
        if reply.mode == "hang" or reply.delay:
            self._stop.wait(reply.delay or 30.0)
        if reply.mode == "reset":
            # SO_LINGER with a zero timeout turns close() into a TCP RST: "connection reset".
            handler.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
            )
            handler.connection.close()
            handler.close_connection = True
            return
        handler.send_response(reply.status)
        handler.send_header("Content-Type", reply.content_type)
        handler.send_header("Content-Length", str(len(body)))
        for key, value in reply.headers.items():
            handler.send_header(key, value)
        if reply.mode == "truncate":
            handler.send_header("Connection", "close")
        handler.end_headers()
        if reply.mode == "truncate":
            handler.wfile.write(body[: len(body) // 2])
            handler.wfile.flush()
            handler.close_connection = True
            return
        handler.wfile.write(body)

    def _trickle(self, handler: BaseHTTPRequestHandler, reply: Reply, body: bytes) -> None:
        head = (
            f"HTTP/1.1 {reply.status} OK\r\nContent-Type: {reply.content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode()
        handler.close_connection = True
        for i, byte in enumerate(head + body):
            if i and self._stop.wait(reply.delay or 1.0):
                return
            try:
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
            except OSError:  # the client gave up: that is the point
                return

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)


def wait_for(predicate: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``predicate`` until it holds or ``timeout`` passes."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()


# -- store helpers ----------------------------------------------------------------------------
def store_rows(path: Path, series_id: str) -> list[tuple[Any, ...]]:
    """Every stored row of one series, vintages included, in a stable order."""
    import duckdb

    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(
            "SELECT date, value, first_seen, source FROM observations WHERE series_id = ? "
            "ORDER BY date, first_seen, value",
            [series_id],
        ).fetchall()


def business_days(start: str, end: str) -> list[str]:
    """ISO dates of the weekdays in ``[start, end]``."""
    import pandas as pd

    return [d.date().isoformat() for d in pd.bdate_range(start, end)]
