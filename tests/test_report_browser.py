"""The HTML brief in headless Chromium: it loads offline, every chart draws, nothing is fetched.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright; skipped when either is
missing. A screenshot of the page is kept in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import riskoff
from riskoff.report import render_html

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")

pytestmark = pytest.mark.browser  # the `browser` fixture (conftest) skips without Chromium


@pytest.fixture(scope="module")
def brief(seeded_home: Path) -> Any:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        claims = Path(__file__).resolve().parents[1] / "docs/examples/claims-2026-02.toml"
        return riskoff.report("2026-02-05", claims=claims, compare=("2020-03-12", "2021-05-19"))


def _open(browser: Any, path: Path, media: str = "screen") -> tuple[Any, list[str], list[str]]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.emulate_media(media=media)
    errors: list[str] = []
    remote: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def route(r: Any) -> None:
        if r.request.url.startswith(LOCAL_SCHEMES):
            r.continue_()
        else:
            remote.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.goto(path.as_uri())
    page.wait_for_function(
        "document.documentElement.getAttribute('data-charts') !== null", timeout=60_000
    )
    return page, errors, remote


@pytest.mark.parametrize("compress_js", [True, False], ids=["gzip-js", "plain-js"])
def test_every_chart_draws_offline(
    browser: Any, brief: Any, tmp_path: Path, compress_js: bool
) -> None:
    path = tmp_path / "brief.html"
    path.write_text(render_html(brief, compress_js=compress_js), encoding="utf-8")
    page, errors, remote = _open(browser, path)
    try:
        assert page.evaluate("document.documentElement.getAttribute('data-charts')") == "drawn"
        ids = page.eval_on_selector_all(".plot", "els => els.map(e => e.id)")
        assert sorted(ids) == sorted(f"chart-{c}" for c in brief.charts)
        for chart_id in ids:
            assert page.locator(f"#{chart_id} .main-svg").count() >= 1, chart_id
        sections = page.eval_on_selector_all("main > section", "els => els.map(e => e.id)")
        assert sections == [s.id for s in brief.sections]
        assert errors == []
        assert remote == []
        if compress_js:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-2026-02-05.png"), full_page=True)
            page.screenshot(path=str(ARTIFACTS / "report-2026-02-05-top.png"))
    finally:
        page.close()


def test_prints_on_a4_with_charts_inside_the_page(browser: Any, brief: Any, tmp_path: Path) -> None:
    path = tmp_path / "brief.html"
    path.write_text(render_html(brief), encoding="utf-8")
    page, errors, remote = _open(browser, path)
    try:
        # As a person would: read on screen, then print on A4 (794 CSS px wide).
        page.set_viewport_size({"width": 794, "height": 1123})
        page.emulate_media(media="print")
        assert page.evaluate("getComputedStyle(document.querySelector('nav.toc')).display") == (
            "none"
        )
        widths = page.eval_on_selector_all(
            ".plot .main-svg", "els => els.map(e => e.getBoundingClientRect().right)"
        )
        page_right = page.evaluate("document.querySelector('main').getBoundingClientRect().right")
        assert widths and max(widths) <= page_right + 1
        pdf = page.pdf(format="A4")
        assert pdf[:4] == b"%PDF" and len(pdf) > 50_000
        ARTIFACTS.mkdir(exist_ok=True)
        (ARTIFACTS / "report-2026-02-05.pdf").write_bytes(pdf)
        assert errors == [] and remote == []
    finally:
        page.close()
