"""Fixtures for the connector tests: fast retries and a local HTTP server.

Network access is refused by pytest-socket for the whole suite (see ``pyproject.toml``).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from riskoff_testnet import LocalServer

from riskoff.sources import reset_shared_client


@pytest.fixture(autouse=True)
def fast_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Short timeouts and near-zero backoff, and a fresh shared client per test."""
    monkeypatch.setenv("RISKOFF_HTTP_TIMEOUT", "0.5")
    monkeypatch.setenv("RISKOFF_HTTP_RETRIES", "3")
    monkeypatch.setenv("RISKOFF_HTTP_BACKOFF", "0.01")
    monkeypatch.setenv("RISKOFF_HTTP_MAX_WAIT", "2")
    monkeypatch.setenv("RISKOFF_HTTP_MIN_INTERVAL", "0")
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    for name in ("FRED", "FRED_API", "NYFED", "ACM", "YAHOO", "CRYPTO"):
        monkeypatch.delenv(f"RISKOFF_{name}_URL", raising=False)
    reset_shared_client()
    yield
    reset_shared_client()


@pytest.fixture
def server() -> Iterator[LocalServer]:
    """A local HTTP server on 127.0.0.1."""
    with LocalServer() as srv:
        yield srv
