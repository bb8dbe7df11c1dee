"""The shared number formatter, JSON sanitiser and percentile helper."""

from __future__ import annotations

import json
import math
from datetime import date

import numpy as np

from riskoff.formatting import fmt_number, json_safe, percentile_in


def test_fmt_number() -> None:
    assert fmt_number(None) == "-"
    assert fmt_number(math.nan) == "-"
    assert fmt_number(math.inf) == "-"
    assert fmt_number(3.14159) == "3.14"
    assert fmt_number(3.14159, 4) == "3.1416"
    assert fmt_number(-12_345.6) == "-12,346"


def test_json_safe_writes_strict_json() -> None:
    value = {
        "a": math.nan,
        "b": [np.float64(1.5), np.int64(2), math.inf, None],
        "c": (np.bool_(True), date(2026, 8, 21)),
        1: "x",
    }
    text = json.dumps(json_safe(value), allow_nan=False)
    assert json.loads(text) == {
        "a": None,
        "b": [1.5, 2, None, None],
        "c": [True, "2026-08-21"],
        "1": "x",
    }


def test_percentile_in() -> None:
    assert percentile_in([1.0, 2.0, 3.0, math.nan], 2.0) == 2 / 3
    assert percentile_in([1.0, 2.0], 0.0) == 0.0
    assert percentile_in([], 1.0) is None
    assert percentile_in([1.0], math.nan) is None


def test_window_and_k_checks() -> None:
    import pytest

    from riskoff.errors import DataError
    from riskoff.inputs import check_k, check_window

    assert check_window(np.int64(20)) == 20 and check_k(30) == 30
    for bad in (True, 2.5, "10", 0, 1, -5, 251, 100_000):
        with pytest.raises(DataError, match="window"):
            check_window(bad)
    for bad in (0, -3, 31, 1.0):
        with pytest.raises(DataError, match="k"):
            check_k(bad)
