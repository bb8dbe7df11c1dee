"""The dashboard in headless Chromium against the app served on loopback by uvicorn.

Uses Debian's Chromium (``/usr/bin/chromium``) through Playwright; skipped when either is
missing. The page loads, its charts draw, a new date changes the verdict, an episode jumps to
its peak, the brief link opens the brief; every request goes to the app's own host and the
console stays clean (a Content-Security-Policy violation would be logged there). Screenshots
at laptop and phone widths are kept in ``test-artifacts/`` for a person to look at.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

import riskoff
from riskoff.store import Store

ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
LOCAL_SCHEMES = ("data:", "blob:", "about:")
DRAWN = "html[data-charts='drawn'][data-date='{day}']"

pytestmark = pytest.mark.browser  # the `browser` fixture (conftest) skips without Chromium


@pytest.fixture(scope="module")
def server(seeded_home: Path) -> Iterator[str]:
    uvicorn = pytest.importorskip("uvicorn")
    from riskoff.web import create_app

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        app = create_app(Store(seeded_home / "riskoff.duckdb"))
        config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning")
        srv = uvicorn.Server(config)
        thread = threading.Thread(target=srv.run, daemon=True)
        thread.start()
        for _ in range(600):  # until it listens (readiness, not a timing assertion)
            if srv.started:
                break
            time.sleep(0.05)
        assert srv.started, "the server did not start"
        yield f"http://127.0.0.1:{port}"
        srv.should_exit = True
        thread.join(timeout=30)


class Recorder:
    """Every request and console error of one page; requests to other hosts are aborted."""

    def __init__(self, page: Any, origin: str) -> None:
        self.origin = origin
        self.requests: list[str] = []
        self.errors: list[str] = []
        page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.route("**/*", self._route)

    def _route(self, route: Any) -> None:
        url = route.request.url
        self.requests.append(url)
        if url.startswith(LOCAL_SCHEMES) or self._ours(url):
            route.continue_()
        else:
            route.abort()

    def _ours(self, url: str) -> bool:
        here, there = urlsplit(self.origin), urlsplit(url)
        return (there.scheme, there.netloc) == (here.scheme, here.netloc)

    def outside(self) -> list[str]:
        return [u for u in self.requests if not u.startswith(LOCAL_SCHEMES) and not self._ours(u)]


def _charts_drawn(page: Any, day: str) -> None:
    for chart in ("stress", "sofr", "moves", "timeline"):
        assert page.locator(f"#chart-{chart} .main-svg").count() >= 1, chart
    # One marker per labelled episode whose peak the day described had seen.
    peaks = [e.peak.isoformat() for e in riskoff.load_episodes() if e.peak.isoformat() <= day]
    assert page.locator("#chart-stress .scatterlayer .point").count() == len(peaks)
    assert page.locator("#chart-moves .hm, #chart-moves image").count() >= 1


def test_dashboard_end_to_end(browser: Any, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    latest = riskoff.latest_date().date().isoformat()
    page = browser.new_page(viewport={"width": 1366, "height": 850})
    seen = Recorder(page, server)
    try:
        page.goto(server + "/")
        page.wait_for_selector(DRAWN.format(day=latest), state="attached", timeout=120_000)
        assert page.input_value("#date") == latest
        _charts_drawn(page, latest)
        first = page.text_content("#headline")
        assert first and latest in first
        assert page.locator("#key-numbers li").count() >= 4
        page.screenshot(path=str(ARTIFACTS / "web-dashboard-latest.png"), full_page=True)

        # A new date, typed and submitted from the keyboard.
        page.fill("#date", "2020-03-16")
        page.focus("#date")
        page.keyboard.press("Enter")
        page.wait_for_selector(DRAWN.format(day="2020-03-16"), state="attached", timeout=120_000)
        headline = page.text_content("#headline") or ""
        assert headline != first and "2020-03-16" in headline
        assert page.text_content("#crash-type") == "liquidity crunch"
        assert page.text_content("#severity") == "extreme"
        assert page.locator("#epicenters li").count() >= 1
        assert page.get_attribute("#brief-link", "href") == "/brief/2020-03-16?window=10"
        _charts_drawn(page, "2020-03-16")
        page.screenshot(path=str(ARTIFACTS / "web-dashboard-laptop.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / "web-dashboard-laptop-top.png"))

        # An episode's marker on the stress chart jumps to its peak (Plotly's click event) ...
        page.evaluate(
            "document.getElementById('chart-stress')"
            ".emit('plotly_click', {points: [{customdata: '2008-10-10'}]})"
        )
        page.wait_for_selector(DRAWN.format(day="2008-10-10"), state="attached", timeout=120_000)
        assert page.input_value("#date") == "2008-10-10"
        # ... and so does its button, reached and pressed from the keyboard.
        button = page.locator("#episodes button[data-peak='2011-08-08']")
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(DRAWN.format(day="2011-08-08"), state="attached", timeout=120_000)
        assert button.get_attribute("aria-current") == "date"
        assert "2011-08-08" in (page.text_content("#headline") or "")

        # The brief of that date, served by the app.
        page.click("#brief-link")
        page.wait_for_url(server + "/brief/2011-08-08?window=10")
        page.wait_for_selector("html[data-charts='drawn']", state="attached", timeout=120_000)
        assert "8 Aug 2011" in (page.text_content("h1") or "")
        page.screenshot(path=str(ARTIFACTS / "web-brief-2011-08-08.png"))

        assert seen.errors == []
        assert seen.outside() == []
        assert any(u.endswith("/static/plotly.min.js") for u in seen.requests)
        assert any("/api/diagnosis" in u for u in seen.requests)
    finally:
        page.close()


def test_dashboard_on_a_phone(browser: Any, server: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    seen = Recorder(page, server)
    try:
        page.goto(server + "/?date=2020-03-16")
        page.wait_for_selector(DRAWN.format(day="2020-03-16"), state="attached", timeout=120_000)
        _charts_drawn(page, "2020-03-16")
        # Nothing wider than the screen: the page does not scroll sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        assert page.evaluate("document.getElementById('episodes-box').open") is False
        page.screenshot(path=str(ARTIFACTS / "web-dashboard-phone.png"), full_page=True)
        page.screenshot(path=str(ARTIFACTS / "web-dashboard-phone-top.png"))
        assert seen.errors == []
        assert seen.outside() == []
    finally:
        page.close()


def test_a_bad_date_in_the_address_is_a_message_not_a_broken_page(
    browser: Any, server: str
) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 800})
    seen = Recorder(page, server)
    try:
        page.goto(server + "/?date=2099-01-05")
        page.wait_for_selector("html[data-charts='failed']", state="attached", timeout=60_000)
        status = page.text_content("#status") or ""
        assert "after the latest market close" in status
        assert page.get_attribute("#status", "role") == "alert"
        # The refused API call is the only error the console shows.
        assert all("404" in e for e in seen.errors)
        assert seen.outside() == []
    finally:
        page.close()
