import datetime as dt

import pandas as pd
import pytest

from riskoff.diagnosis import validate as validate_module
from riskoff.diagnosis.labels import DEVELOPMENT, VALIDATION, labelled_cases, parse_cases
from riskoff.errors import CatalogError
from riskoff.vocabulary import CrashType


def test_labelled_set_size_sources_and_split() -> None:
    cases = labelled_cases()
    assert len(cases) >= 80
    for t in CrashType:
        assert sum(c.crash_type == t for c in cases) >= 5, t
    assert all("http" in c.source for c in cases)
    # Whole events sit in one half; both halves are non-empty for every type.
    halves: dict[tuple[CrashType, str], set[str]] = {}
    for c in cases:
        halves.setdefault((c.crash_type, c.event), set()).add(c.half)
    assert all(len(h) == 1 for h in halves.values())
    for t in CrashType:
        assert {c.half for c in cases if c.crash_type == t} == {DEVELOPMENT, VALIDATION}


def test_unknown_labels_fail_at_load() -> None:
    bad = '[[case]]\ndate = 2020-03-16\ntype = "panic"\nsource = "https://x"\n'
    with pytest.raises(CatalogError, match="panic"):
        parse_cases(bad)
    bad = '[[case]]\ndate = 2020-03-16\ntype = "concentrated"\nepicenter = "volatility"\n' \
          'source = "https://x"\n'  # fmt: skip
    with pytest.raises(CatalogError, match="volatility"):
        parse_cases(bad)


def test_scorecard_halves_and_calibration() -> None:
    cases = [c for c in labelled_cases() if c.date.isoformat() in
             ("2021-05-19", "2024-01-25", "2019-09-17", "2022-06-13")]  # fmt: skip
    card = validate_module.validate(window=10, cases=cases, history=False)
    assert len(card.cases) == 4
    assert card.accuracy == pytest.approx(sum(c.hit for c in card.cases) / 4)
    assert card.confusion().to_numpy().sum() == 4
    rel = card.reliability()
    assert rel["cases"].sum() == 4
    assert 0.0 <= card.brier() <= 1.0
    text = card.to_markdown()
    assert "in-sample" in text and "out of sample" in text and "| 2021-05-19 |" in text


def test_fit_confidence_tracks_hit_rate() -> None:
    import numpy as np

    rng = np.random.default_rng(0)
    margins = rng.uniform(0, 1, 400)
    hits = (rng.uniform(0, 1, 400) < 0.3 + 0.6 * margins).astype(float)
    _a, b = validate_module.fit_confidence(margins[:, None], hits)
    assert b > 1.0  # a larger margin means a higher hit rate


def test_history_stats_flip_rate_and_peaks() -> None:
    dates = pd.bdate_range("2020-01-01", periods=10)
    frame = pd.DataFrame({"date": dates, "crash_type": ["calm"] * 5 + ["liquidity_crunch"] * 5,
                          "epicenters": [""] * 10})  # fmt: skip
    stats = validate_module.history_stats(
        frame,
        [
            (dates[7].date().isoformat(), "liquidity_crunch", None),
            (dates[1].date().isoformat(), "carry_unwind", None),
        ],
    )
    assert stats["flip_rate"] == pytest.approx(1 / 9)
    assert stats["peak_agreement"] == {"episodes": 2, "agree_within_3_days": 1}
    assert dt.date.fromisoformat(stats["span"][0]) == dates[0].date()
