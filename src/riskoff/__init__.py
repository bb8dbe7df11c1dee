"""riskoff: why is everything falling, and how bad is it.

The public API. The functions are defined in :mod:`riskoff.api` and bound here eagerly; heavy
modules load on first call, so ``import riskoff`` stays cheap.

Two public functions share their name with a subpackage (``riskoff.indicators()`` and the
``riskoff.indicators`` package, ``riskoff.report()`` and ``riskoff.report``). Python's import
system sets ``riskoff.<name>`` to a subpackage once it is imported, which would replace the
function; the package's module class refuses that, so ``riskoff.report(...)`` stays the function
in any call order. Import the subpackages by their full name (``from riskoff.report import
render``).
"""

from __future__ import annotations

import sys
import types
from typing import TYPE_CHECKING, Any

from riskoff._version import __version__
from riskoff.api import (
    analogs,
    data_notices,
    diagnose,
    indicators,
    latest_date,
    latest_values,
    load_episodes,
    load_panel,
    report,
    resolve_day,
    stress_decomposition,
    timeline,
    validate,
    verify,
)

if TYPE_CHECKING:
    from riskoff.diagnosis.result import Diagnosis

__all__ = [
    "Diagnosis",
    "__version__",
    "analogs",
    "data_notices",
    "diagnose",
    "indicators",
    "latest_date",
    "latest_values",
    "load_episodes",
    "load_panel",
    "report",
    "resolve_day",
    "stress_decomposition",
    "timeline",
    "validate",
    "verify",
]
_FUNCTIONS = frozenset(__all__) - {"Diagnosis", "__version__"}


class _Facade(types.ModuleType):
    """The package module: a submodule import cannot rebind a public function's name."""

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FUNCTIONS and isinstance(value, types.ModuleType):
            return  # the subpackage stays reachable through sys.modules and full imports
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Facade


def __getattr__(name: str) -> Any:
    if name == "Diagnosis":
        from riskoff.diagnosis.result import Diagnosis

        return Diagnosis
    raise AttributeError(f"module 'riskoff' has no attribute {name!r}")
