"""A small on-disk cache of computed results, keyed by the data and the code that made them."""

from __future__ import annotations

import hashlib
import os
import pickle
from functools import cache as memoize
from pathlib import Path

from riskoff._version import __version__
from riskoff.store import Store

MAX_ENTRIES = 4


@memoize
def _code_token() -> str:
    """Hash of riskoff's own source, so a changed computation never reads an old result."""
    root = Path(__file__).parent
    digest = hashlib.sha256(__version__.encode())
    for path in sorted(root.rglob("*.py")):
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def key(*parts: object) -> str:
    """Return a file-name-safe key for ``parts`` and the current code."""
    text = "|".join(map(str, (*parts, _code_token())))
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def _dir(store: Store) -> Path:
    return store.path.parent / "cache"


def load(store: Store, name: str) -> object | None:
    """Return the cached object, or None when absent or unreadable."""
    path = _dir(store) / f"result-{name}.pkl"
    try:
        with path.open("rb") as handle:
            return pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        return None


def save(store: Store, name: str, value: object) -> None:
    """Write ``value`` atomically and keep only the newest ``MAX_ENTRIES`` results."""
    folder = _dir(store)
    folder.mkdir(parents=True, exist_ok=True)
    tmp = folder / f".result-{name}.{os.getpid()}.tmp"
    with tmp.open("wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, folder / f"result-{name}.pkl")
    entries = sorted(folder.glob("result-*.pkl"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in entries[MAX_ENTRIES:]:
        old.unlink(missing_ok=True)
