"""Shared fixtures: a store seeded from the bundled snapshot, built once per test session."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from riskoff.store import Store

CHILD_GUARD = Path(__file__).resolve().parent / "childguard"
CHROMIUM = Path("/usr/bin/chromium")  # Debian's package; no test downloads a browser
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(autouse=True, scope="session")
def _children_without_network() -> Iterator[None]:
    """No test reaches the network, child processes included.

    pytest-socket (configured in ``pyproject.toml``) allows loopback connections only in this
    process; a child started with ``subprocess`` inherits ``PYTHONPATH`` and with it
    ``childguard/sitecustomize.py``, which installs the same pytest-socket guard at start-up.
    """
    patch = pytest.MonkeyPatch()
    inherited = os.environ.get("PYTHONPATH")
    patch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(CHILD_GUARD), inherited])))
    yield
    patch.undo()


@pytest.fixture(scope="session")
def seeded_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A RISKOFF_HOME whose store holds the bundled history (read-only use)."""
    home = tmp_path_factory.mktemp("riskoff-home")
    Store(home / "riskoff.duckdb").ensure_ready()
    return home


@pytest.fixture(autouse=True)
def _isolated_home(seeded_home: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # Every test reads the session's seeded store unless it asks for a private copy.
    monkeypatch.setenv("RISKOFF_HOME", str(seeded_home))
    yield


@pytest.fixture
def store(seeded_home: Path) -> Store:
    """The session's seeded store (do not write to it)."""
    return Store(seeded_home / "riskoff.duckdb")


@pytest.fixture
def private_store(seeded_home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Store:
    """A writable copy of the seeded store, also set as RISKOFF_HOME."""
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(seeded_home / "riskoff.duckdb", home / "riskoff.duckdb")
    shutil.copy(seeded_home / "seeded-bundle", home / "seeded-bundle")
    monkeypatch.setenv("RISKOFF_HOME", str(home))
    return Store(home / "riskoff.duckdb")


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's headless Chromium through Playwright; skipped when either is missing."""
    if not CHROMIUM.exists():
        pytest.skip("Debian chromium is not installed")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()
