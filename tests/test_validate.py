import pytest

from riskoff.diagnosis import validate as validate_module
from riskoff.diagnosis.episodes import get_episode


def test_scorecard_on_a_few_episodes(monkeypatch: pytest.MonkeyPatch) -> None:
    episodes = [get_episode("svb-bank-run-2023"), get_episode("yen-carry-unwind-2024"),
                get_episode("volmageddon-2018")]  # fmt: skip
    monkeypatch.setattr(validate_module, "load_episodes", lambda: episodes)
    monkeypatch.setattr(validate_module, "CALM_DATES", ("2024-01-25",))
    card = validate_module.validate(window=10)
    assert len(card.cases) == 4
    hits = {c.name: c.hit for c in card.cases}
    assert hits["SVB / regional bank run"] and hits["calm reference"]
    # Volmageddon is labelled concentrated (volatility); the data show broad de-risking.
    miss = [c for c in card.misses() if c.expected == "concentrated"]
    assert miss and miss[0].got == "broad_selloff" and miss[0].evidence
    assert card.accuracy == pytest.approx(sum(hits.values()) / 4)
    conf = card.confusion()
    assert conf.to_numpy().sum() == 4
    assert conf.loc["concentrated", "broad_selloff"] == 1
    text = card.to_markdown()
    assert "| 2018-02-05 | Volmageddon |" in text and "**no**" in text
