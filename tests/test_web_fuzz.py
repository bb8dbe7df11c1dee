"""The JSON API fuzzed from its own OpenAPI schema: no 5xx, every answer as documented.

Schemathesis generates requests (valid and invalid) for every operation of ``/openapi.json``
and checks each answer: no server error, a documented status code and content type, and a
body that matches the response schema. The run is bounded (a few examples per operation).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

schemathesis = pytest.importorskip("schemathesis")
pytest.importorskip("fastapi")

from hypothesis import HealthCheck, Phase, given, settings  # noqa: E402
from schemathesis import GenerationMode  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402
from schemathesis.specs.openapi.checks import (  # noqa: E402
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from riskoff.store import Store  # noqa: E402
from riskoff.web import create_app  # noqa: E402

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture(scope="module")
def api_schema(seeded_home: Path) -> Any:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        app = create_app(Store(seeded_home / "riskoff.duckdb"), allowed_hosts=None)
        return schemathesis.openapi.from_asgi("/openapi.json", app)


OPERATIONS = [
    ("GET", "/api/diagnosis"),
    ("GET", "/api/indicators"),
    ("GET", "/api/series/{series_id}"),
    ("GET", "/api/stress"),
    ("GET", "/api/analogs"),
    ("GET", "/api/timeline"),
    ("POST", "/api/verify"),
    ("GET", "/api/episodes"),
    ("GET", "/api/health"),
]


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[p for _, p in OPERATIONS])
def test_api_answers_every_generated_request_as_documented(
    api_schema: Any, method: str, path: str
) -> None:
    operation = api_schema[path][method]
    # Valid requests by the schema (which still name dates outside the data, unknown series,
    # windows without history) and requests that break it (wrong types, patterns, bounds).
    strategy = operation.as_strategy() | operation.as_strategy(GenerationMode.NEGATIVE)

    @given(case=strategy)
    @settings(
        max_examples=10,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def answers(case: Any) -> None:
        case.call_and_validate(checks=CHECKS)

    answers()


def test_schema_declares_every_endpoint(api_schema: Any) -> None:
    paths = set(api_schema.raw_schema["paths"])
    assert paths == {
        "/api/diagnosis",
        "/api/indicators",
        "/api/series/{series_id}",
        "/api/stress",
        "/api/analogs",
        "/api/timeline",
        "/api/verify",
        "/api/episodes",
        "/api/health",
    }
    crash = api_schema.raw_schema["components"]["schemas"]["CrashType"]
    assert "liquidity_crunch" in crash["enum"]
