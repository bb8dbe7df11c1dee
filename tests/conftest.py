"""Shared fixtures: a store seeded from the bundled snapshot, built once per test session."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from riskoff.store import Store

sys.path.insert(0, str(Path(__file__).parent / "sources"))
from riskoff_testnet import install_blocker

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"


@pytest.fixture(autouse=True, scope="session")
def _no_network() -> Iterator[None]:
    """No test reaches the network: only loopback connections and local names resolve."""
    undo = install_blocker()
    yield
    undo()


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
