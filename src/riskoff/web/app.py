"""The FastAPI application: the JSON API, the dashboard page and the brief of a date.

Nothing here writes to the store. Every parameter is checked (by its declared type and
pattern, then by riskoff's own checks); a refused request gets a 4xx with a JSON ``detail``,
an unexpected failure a JSON 500 without a trace. No request names a file: static assets are
a fixed list, and the brief is addressed by its date.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Annotated, Any

from fastapi import FastAPI, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import TypeAdapter
from starlette.middleware.trustedhost import TrustedHostMiddleware

from riskoff import __version__
from riskoff.errors import (
    CatalogError,
    DataError,
    RiskoffError,
    StaleDataError,
    StoreError,
)
from riskoff.inputs import MAX_K, MAX_WINDOW, MIN_K, MIN_WINDOW
from riskoff.store import Store
from riskoff.web import models
from riskoff.web.service import MAX_VIEWS, Bounded, Service

__all__ = ["CSP", "LOOPBACK_HOSTS", "MAX_CLAIMS_BYTES", "create_app"]

log = logging.getLogger("riskoff.web")

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
MAX_CLAIMS_BYTES = 64 * 1024  # a commentary's claims are a few kB; refuse anything far larger
DATE_PATTERN = r"^\d{4}-\d{2}-\d{2}$"
AS_OF_PATTERN = r"^(\d{4}-\d{2}-\d{2}|latest)$"
SERIES_PATTERN = r"^[A-Za-z0-9_.^=\-]{1,40}$"
COLUMNS_PATTERN = r"^[a-z0-9_]+(,[a-z0-9_]+)*$"

# Only the app itself: scripts and data from this origin, nothing inline except styles, which
# plotly.js sets on the elements it draws (and in <style> tags it adds) at run time; images
# from data: URLs, which plotly.js draws heatmaps with (and the page's empty icon).
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; connect-src 'self'; font-src 'self'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
STATIC = {
    "dashboard.js": ("riskoff.web", "static/dashboard.js", "text/javascript; charset=utf-8"),
    "dashboard.css": ("riskoff.web", "static/dashboard.css", "text/css; charset=utf-8"),
    "plotly.min.js": ("plotly", "package_data/plotly.min.js", "text/javascript; charset=utf-8"),
}
ERRORS: dict[int | str, dict[str, Any]] = {
    400: {"model": models.ErrorOut, "description": "A malformed parameter."},
    404: {"model": models.ErrorOut, "description": "No data for that date or id."},
    422: {"model": models.ErrorOut, "description": "A parameter of the wrong type or range."},
}

DateQuery = Annotated[
    str | None,
    Query(pattern=DATE_PATTERN, description="Any calendar date YYYY-MM-DD (default: latest)."),
]
AsOfQuery = Annotated[
    str | None,
    Query(pattern=AS_OF_PATTERN, description="Knowledge date YYYY-MM-DD or 'latest'."),
]
WindowQuery = Annotated[
    int, Query(ge=MIN_WINDOW, le=MAX_WINDOW, description="Window in business days.")
]
StartQuery = Annotated[str | None, Query(pattern=DATE_PATTERN, description="First day.")]
EndQuery = Annotated[str | None, Query(pattern=DATE_PATTERN, description="Last day.")]


class TableFormat(StrEnum):
    """Output of the indicator table."""

    json = "json"
    csv = "csv"


def _status(exc: RiskoffError) -> int:
    if isinstance(exc, StaleDataError | CatalogError):
        return 404
    if isinstance(exc, StoreError):
        return 503
    return 400


@cache
def _asset(name: str) -> bytes:
    package, path, _ = STATIC[name]
    return resources.files(package).joinpath(path).read_bytes()


@cache
def _adapter(model: Any) -> TypeAdapter[Any]:
    return TypeAdapter(model)


@cache
def _dashboard_html(latest: str, earliest: str) -> str:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("riskoff.web", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
    )
    return env.get_template("dashboard.html.j2").render(
        latest=latest, earliest=earliest, version=__version__
    )


def create_app(
    store: Store | None = None, allowed_hosts: Sequence[str] | None = LOOPBACK_HOSTS
) -> FastAPI:
    """Build the app over ``store`` (default: the configured one, opened on first request).

    Parameters
    ----------
    store : Store, optional
        The store to read.
    allowed_hosts : sequence of str, optional
        Host names the app answers to (default: loopback names, which keeps web pages of other
        sites from reaching it by DNS rebinding); None answers any host.

    Returns
    -------
    FastAPI
    """
    from riskoff.indicators import EARLIEST_DAY
    from riskoff.store import default_store

    service = Service(store or default_store())
    app = FastAPI(
        title="riskoff",
        version=__version__,
        description="Point-in-time diagnosis of market sell-offs: the JSON API of "
        "`riskoff serve`. Every number carries its observation date, window and series.",
        docs_url=None,  # the interactive docs load their scripts from a CDN
        redoc_url=None,
    )
    if allowed_hosts is not None:
        app.add_middleware(TrustedHostMiddleware, allowed_hosts=list(allowed_hosts))

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers.setdefault("Cache-Control", "no-store")
        return response

    answers = Bounded(MAX_VIEWS)

    def answer(model: Any, key: tuple[Any, ...], compute: Callable[[], Any]) -> Response:
        # The JSON text of an answer is kept per store version and parameters: a repeated
        # request costs a dictionary look-up, not a validation and serialization.
        full = (service.store.version(), *key)
        body = answers.get(full)
        if body is None:
            body = _adapter(model).dump_json(_adapter(model).validate_python(compute()))
            answers.put(full, body)
        return Response(body, media_type="application/json")

    # -- errors ------------------------------------------------------------------------------
    @app.exception_handler(RiskoffError)
    async def riskoff_error(request: Request, exc: RiskoffError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=_status(exc))

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        parts = []
        for err in exc.errors():
            where = ".".join(str(p) for p in err.get("loc", ()) if p not in ("query", "path"))
            parts.append(f"{where}: {err.get('msg', 'invalid')}")
        return JSONResponse({"detail": "; ".join(parts) or "invalid request"}, status_code=422)

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.error("unexpected error on %s: %r", request.url.path, exc)
        return JSONResponse({"detail": "internal error"}, status_code=500)

    # -- pages -------------------------------------------------------------------------------
    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def dashboard() -> HTMLResponse:
        latest = service.latest().date().isoformat()
        return HTMLResponse(_dashboard_html(latest, EARLIEST_DAY))

    @app.get("/static/{name}", include_in_schema=False)
    def static(name: str) -> Response:
        if name not in STATIC:
            return JSONResponse({"detail": "no such asset"}, status_code=404)
        return Response(
            _asset(name),
            media_type=STATIC[name][2],
            headers={"Cache-Control": "public, max-age=3600"},
        )

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)  # no icon; spares the browser's console a 404

    @app.get("/brief/{day}", response_class=HTMLResponse, include_in_schema=False)
    def brief(
        day: Annotated[str, Path(pattern=DATE_PATTERN)], window: WindowQuery = 10
    ) -> HTMLResponse:
        page, hashes = service.brief_html(day, window)
        policy = CSP.replace("script-src 'self'", f"script-src 'self' {hashes}".rstrip())
        return HTMLResponse(page, headers={"Content-Security-Policy": policy})

    # -- API ---------------------------------------------------------------------------------
    @app.get("/api/diagnosis", response_model=models.DiagnosisOut, responses=ERRORS)
    def diagnosis(date: DateQuery = None, as_of: AsOfQuery = None, window: WindowQuery = 10) -> Any:
        """The diagnosis of a date: crash type, severity, epicenters, evidence, key numbers."""
        return answer(
            models.DiagnosisOut,
            ("diagnosis", date, as_of, window),
            lambda: service.diagnosis(date, as_of, window),
        )

    @app.get(
        "/api/indicators",
        response_model=models.IndicatorsOut,
        responses={
            **ERRORS,
            200: {
                "description": "The table as JSON columns, or CSV with format=csv.",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            },
        },
    )
    def indicators(
        start: StartQuery = None,
        end: EndQuery = None,
        as_of: AsOfQuery = None,
        window: WindowQuery = 10,
        columns: Annotated[
            str | None,
            Query(
                pattern=COLUMNS_PATTERN,
                max_length=2000,
                description="Comma-separated indicator columns (default: all).",
            ),
        ] = None,
        format: TableFormat = TableFormat.json,
    ) -> Any:
        """The indicator table from ``start`` (default: a year before ``end``) to ``end``."""
        names = columns.split(",") if columns else None
        table, meta = service.indicators(start, end, as_of, window, names)
        if format == TableFormat.csv:
            text = table.to_csv(index_label="date", date_format="%Y-%m-%d")
            name = f"riskoff-indicators-{meta['end']}.csv"
            return Response(
                text,
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{name}"'},
            )
        from riskoff.web.service import jsonable

        return {
            **meta,
            "dates": [d.date().isoformat() for d in table.index],
            "columns": {str(c): jsonable(table[c].tolist()) for c in table.columns},
        }

    @app.get("/api/series/{series_id}", response_model=models.SeriesOut, responses=ERRORS)
    def series(
        series_id: Annotated[str, Path(pattern=SERIES_PATTERN)],
        start: StartQuery = None,
        end: EndQuery = None,
        as_of: AsOfQuery = None,
    ) -> Any:
        """One stored series (newest vintage known on ``as_of``; default everything)."""
        return answer(
            models.SeriesOut,
            ("series", series_id, start, end, as_of),
            lambda: service.series(series_id, start, end, as_of),
        )

    @app.get("/api/stress", response_model=models.StressOut, responses=ERRORS)
    def stress(
        start: StartQuery = None,
        end: EndQuery = None,
        as_of: AsOfQuery = None,
        window: WindowQuery = 10,
    ) -> Any:
        """The composite stress index over time (default: its whole history up to ``end``)."""
        return answer(
            models.StressOut,
            ("stress", start, end, as_of, window),
            lambda: service.stress(start, end, as_of, window),
        )

    @app.get("/api/analogs", response_model=models.AnalogsOut, responses=ERRORS)
    def analogs(
        date: DateQuery = None,
        as_of: AsOfQuery = None,
        k: Annotated[int, Query(ge=MIN_K, le=MAX_K, description="How many of each.")] = 5,
        window: WindowQuery = 10,
    ) -> Any:
        """The closest labelled episodes and most similar past windows to a date."""
        return answer(
            models.AnalogsOut,
            ("analogs", date, as_of, k, window),
            lambda: service.analogs(date, as_of, k, window),
        )

    @app.get("/api/timeline", response_model=models.TimelineOut, responses=ERRORS)
    def timeline(start: StartQuery = None, end: EndQuery = None, window: WindowQuery = 10) -> Any:
        """The crash type of every business day (default: the year up to ``end``)."""
        return answer(
            models.TimelineOut,
            ("timeline", start, end, window),
            lambda: service.timeline(start, end, window),
        )

    @app.post(
        "/api/verify",
        response_model=models.VerifyOut,
        responses={**ERRORS, 413: {"model": models.ErrorOut, "description": "Too large."}},
        openapi_extra={
            "requestBody": {
                "required": True,
                "description": "A claims file (TOML with [[claim]] tables), at most 64 KiB.",
                "content": {
                    "application/toml": {"schema": {"type": "string"}},
                    "text/plain": {"schema": {"type": "string"}},
                },
            }
        },
    )
    async def verify(
        request: Request,
        date: DateQuery = None,
        as_of: AsOfQuery = None,
        window: WindowQuery = 10,
    ) -> Any:
        """Check a commentary's claims (the TOML of ``riskoff verify``) against a date."""
        declared = request.headers.get("content-length", "")
        if declared.isdigit() and int(declared) > MAX_CLAIMS_BYTES:
            return _too_large()
        body = bytearray()
        async for chunk in request.stream():
            body += chunk
            if len(body) > MAX_CLAIMS_BYTES:
                return _too_large()
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            raise DataError("claims: the file is not UTF-8 text") from None
        return await run_in_threadpool(service.verify, text, date, as_of, window)

    @app.get("/api/episodes", response_model=list[models.EpisodeOut])
    def episodes() -> Any:
        """The labelled historical sell-offs of the bundled library."""
        return service.episodes()

    @app.get("/api/health", response_model=models.HealthOut)
    def health() -> Any:
        """The store's status: latest close, staleness, last date per source."""
        return service.health()

    return app


def _too_large() -> JSONResponse:
    return JSONResponse(
        {"detail": f"claims: larger than {MAX_CLAIMS_BYTES // 1024} KiB"}, status_code=413
    )
