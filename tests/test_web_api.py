"""The web app's JSON API, pages and safety, through FastAPI's test client (no socket)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient

import riskoff
from riskoff.store import Store
from riskoff.vocabulary import CrashType, Severity
from riskoff.web import create_app
from riskoff.web.app import CSP, MAX_CLAIMS_BYTES

BASE = "http://127.0.0.1"
CLAIMS = Path(__file__).resolve().parents[1] / "docs/examples/claims-2026-02.toml"


@pytest.fixture(scope="module")
def client(seeded_home: Path) -> Iterator[TestClient]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("RISKOFF_HOME", str(seeded_home))
        app = create_app(Store(seeded_home / "riskoff.duckdb"))
        with TestClient(app, base_url=BASE) as c:
            yield c


def _refused(response: Any, status: int, words: str = "") -> str:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    detail = response.json()["detail"]
    assert isinstance(detail, str) and detail
    assert "Traceback" not in detail and 'File "' not in detail
    assert words.lower() in detail.lower()
    return detail


# -- endpoints -------------------------------------------------------------------------------------
def test_health_names_the_latest_close_and_each_source(client: TestClient) -> None:
    body = client.get("/api/health").json()
    assert body["latest_close"] == riskoff.latest_date().date().isoformat()
    assert isinstance(body["stale"], bool)
    assert body["status"] == ("stale" if body["stale"] else "ok")
    assert body["latest_close"] in body["staleness"]
    sources = {s["source"]: s for s in body["sources"]}
    assert {"fred", "yahoo"} <= set(sources)
    assert all(s["series"] >= 1 and s["last_date"] <= body["today"] for s in sources.values())


def test_episodes_are_the_library(client: TestClient) -> None:
    body = client.get("/api/episodes").json()
    assert [e["id"] for e in body] == [e.id for e in riskoff.load_episodes()]
    assert all(CrashType(e["crash_type"]) for e in body)
    assert all(e["start"] <= e["peak"] <= e["end"] for e in body)


def test_diagnosis_matches_the_python_api(client: TestClient) -> None:
    body = client.get("/api/diagnosis", params={"date": "2020-03-16", "window": 10}).json()
    expected = riskoff.diagnose("2020-03-16", window=10)
    assert body["date"] == expected.date == "2020-03-16"
    assert body["crash_type"] == expected.crash_type == CrashType.LIQUIDITY_CRUNCH
    assert Severity(body["severity"]) == expected.severity
    assert body["epicenters"][0]["epicenter"] == expected.epicenters[0].epicenter
    assert body["stress_index"] == pytest.approx(expected.stress_index)
    assert body["brief_url"] == "/brief/2020-03-16?window=10"
    for number in body["key_numbers"]:  # each with its observation date, window or series
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", number["observed"]), number
        assert number["observed"] <= "2020-03-16" and number["series"]
    labels = [n["label"] for n in body["key_numbers"]]
    assert labels[:2] == ["Stress index", "SOFR − IORB"]


def test_diagnosis_defaults_to_the_latest_close(client: TestClient) -> None:
    body = client.get("/api/diagnosis").json()
    assert body["date"] == body["requested"] == riskoff.latest_date().date().isoformat()
    assert body["note"] == ""


def test_a_weekend_describes_the_friday_before_and_says_so(client: TestClient) -> None:
    body = client.get("/api/diagnosis", params={"date": "2020-03-14"}).json()
    assert body["requested"] == "2020-03-14"
    assert body["date"] == "2020-03-13"
    assert "Saturday" in body["note"]


def test_indicators_as_json_columns_and_as_csv(client: TestClient) -> None:
    params = {"start": "2020-03-02", "end": "2020-03-16", "columns": "sofr_iorb_bp,stress_index"}
    body = client.get("/api/indicators", params=params).json()
    assert body["end"] == "2020-03-16" and body["window"] == 10
    assert body["dates"][0] >= "2020-03-02" and body["dates"][-1] == "2020-03-16"
    assert list(body["columns"]) == ["sofr_iorb_bp", "stress_index"]
    assert all(len(v) == len(body["dates"]) for v in body["columns"].values())
    csv = client.get("/api/indicators", params={**params, "format": "csv"})
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.strip().splitlines()
    assert lines[0] == "date,sofr_iorb_bp,stress_index"
    assert len(lines) == len(body["dates"]) + 1
    assert lines[-1].startswith("2020-03-16,")
    last = float(lines[-1].split(",")[2])
    assert last == pytest.approx(body["columns"]["stress_index"][-1])


def test_series_in_its_unit_over_the_dates_asked(client: TestClient) -> None:
    body = client.get("/api/series/SPY", params={"start": "2020-03-02", "end": "2020-03-06"}).json()
    assert body["id"] == "SPY" and body["unit"] == "USD"
    assert body["dates"] == ["2020-03-02", "2020-03-03", "2020-03-04", "2020-03-05", "2020-03-06"]
    assert all(v > 0 for v in body["values"])


def test_stress_history_ends_on_the_day_and_its_parts_add_up(client: TestClient) -> None:
    body = client.get("/api/stress", params={"end": "2020-03-16", "start": "2020-01-02"}).json()
    assert body["dates"][0] == "2020-01-02" and body["dates"][-1] == "2020-03-16"
    assert len(body["values"]) == len(body["dates"])
    assert sum(body["contributions"].values()) == pytest.approx(body["values"][-1])


def test_analogs_give_k_of_each(client: TestClient) -> None:
    body = client.get("/api/analogs", params={"date": "2020-03-16", "k": 3}).json()
    assert len(body["episodes"]) == 3 and len(body["paths"]) == 3
    assert all(e["peak"] < "2020-03-16" for e in body["episodes"])
    sims = [e["similarity"] for e in body["episodes"]]
    assert sims == sorted(sims, reverse=True)


def test_timeline_classifies_each_business_day(client: TestClient) -> None:
    body = client.get("/api/timeline", params={"start": "2020-03-02", "end": "2020-03-20"}).json()
    assert body["days"][0]["date"] == "2020-03-02"
    assert body["days"][-1]["date"] == "2020-03-20"
    assert len(body["days"]) == 15
    assert {d["crash_type"] for d in body["days"]} - {"calm"}, "March 2020 was not calm"


def test_verify_posts_a_claims_file(client: TestClient) -> None:
    text = CLAIMS.read_text(encoding="utf-8")
    res = client.post(
        "/api/verify",
        params={"date": "2026-02-05"},
        content=text.encode(),
        headers={"content-type": "application/toml"},
    )
    assert res.status_code == 200, res.text
    body = res.json()
    expected = riskoff.verify(CLAIMS, "2026-02-05")
    assert [c["id"] for c in body["claims"]] == [c.claim.id for c in expected]
    assert [c["verdict"] for c in body["claims"]] == [str(c.verdict) for c in expected]
    assert body["date"] == "2026-02-05"


# -- refused requests ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("path", "params", "status", "words"),
    [
        ("/api/diagnosis", {"date": "2020-02-30"}, 400, "not a calendar date"),
        ("/api/diagnosis", {"date": "yesterday"}, 422, "date"),
        ("/api/diagnosis", {"date": "16/03/2020"}, 422, "date"),
        ("/api/diagnosis", {"date": "1950-01-03"}, 404, "before"),
        ("/api/diagnosis", {"date": "2099-01-05"}, 404, "after the latest"),
        ("/api/diagnosis", {"window": 1}, 422, "window"),
        ("/api/diagnosis", {"window": 251}, 422, "window"),
        ("/api/diagnosis", {"window": "ten"}, 422, "window"),
        ("/api/diagnosis", {"date": "2020-03-16", "as_of": "2020-03-01"}, 400, "as_of"),
        ("/api/diagnosis", {"as_of": "soon"}, 422, "as_of"),
        ("/api/indicators", {"columns": "no_such_indicator"}, 404, "no_such_indicator"),
        ("/api/indicators", {"columns": "a;b"}, 422, "columns"),
        ("/api/indicators", {"format": "xlsx"}, 422, "format"),
        ("/api/indicators", {"start": "2020-03-17", "end": "2020-03-16"}, 400, "after"),
        ("/api/series/NO_SUCH_SERIES", {}, 404, "unknown series"),
        ("/api/series/SPY", {"start": "2020-03-17", "end": "2020-03-16"}, 400, "after"),
        ("/api/series/SPY", {"as_of": "2020-13-01"}, 400, "as_of"),
        ("/api/stress", {"end": "1900-01-01"}, 404, "before"),
        ("/api/analogs", {"k": 0}, 422, "k"),
        ("/api/analogs", {"k": 31}, 422, "k"),
        ("/api/timeline", {"start": "2020-03-21", "end": "2020-03-20"}, 400, "after"),
        ("/api/timeline", {"window": 0}, 422, "window"),
    ],
)
def test_bad_parameters_get_a_4xx_with_a_message(
    client: TestClient, path: str, params: dict[str, Any], status: int, words: str
) -> None:
    _refused(client.get(path, params=params), status, words)


def test_oversized_claims_are_refused_before_reading_them_whole(client: TestClient) -> None:
    big = b"# " + b"x" * MAX_CLAIMS_BYTES + b"\n"
    _refused(client.post("/api/verify", content=big), 413, "KiB")

    def chunks() -> Iterator[bytes]:  # no content-length: the stream is cut at the limit
        for _ in range(100):
            yield b"#" * 4096

    _refused(client.post("/api/verify", content=chunks()), 413, "KiB")


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"", "no [[claim]]"),
        (b"[[claim", "invalid TOML"),
        (b"\xff\xfe not text", "UTF-8"),
        (b'[[claim]]\nid = "x"\nsays = "y"\ncheck = ["no_such_name > 1"]\n', "unknown names"),
        (b'[[claim]]\nid = "x"\nsays = "y"\ncheck = ["1 >"]\n', "claim 'x'"),
    ],
)
def test_malformed_claims_are_a_400(client: TestClient, body: bytes, words: str) -> None:
    _refused(client.post("/api/verify", content=body), 400, words)


def test_unknown_routes_and_methods_are_json_4xx(client: TestClient) -> None:
    _refused(client.get("/api/nothing"), 404)
    _refused(client.post("/api/diagnosis"), 405)
    _refused(client.get("/api/verify"), 405)


def test_an_unexpected_failure_is_a_json_500_without_a_trace(
    seeded_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from riskoff.web import service

    def broken(self: Any) -> Any:
        raise RuntimeError("secret internals /home/user/file.py line 3")

    monkeypatch.setattr(service.Service, "episodes", broken)
    app = create_app(Store(seeded_home / "riskoff.duckdb"))
    with TestClient(app, base_url=BASE, raise_server_exceptions=False) as c:
        res = c.get("/api/episodes")
    assert res.status_code == 500
    assert res.json() == {"detail": "internal error"}
    assert "secret" not in res.text


# -- pages, assets and safety ----------------------------------------------------------------------
def test_dashboard_runs_no_inline_script_and_loads_only_its_own_assets(client: TestClient) -> None:
    res = client.get("/")
    assert res.status_code == 200
    assert res.headers["content-security-policy"] == CSP
    assert "script-src 'self';" in CSP and "unsafe-eval" not in CSP
    html = res.text
    latest = riskoff.latest_date().date().isoformat()
    assert f'value="{latest}"' in html and f'max="{latest}"' in html
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, re.DOTALL)
    assert scripts and all(re.search(r'src="/static/[\w.]+"', a) and not b for a, b in scripts)
    urls = re.findall(r'(?:src|href)="([^"]*)"', html)
    assert urls and all(u.startswith(("/", "#", "data:")) and not u.startswith("//") for u in urls)


def test_assets_are_a_fixed_list(client: TestClient) -> None:
    import pkgutil

    plotly = client.get("/static/plotly.min.js")
    assert plotly.status_code == 200
    assert plotly.content == pkgutil.get_data("plotly", "package_data/plotly.min.js")
    assert plotly.headers["content-type"].startswith("text/javascript")
    for name in ("dashboard.js", "dashboard.css"):
        assert client.get(f"/static/{name}").status_code == 200
    for bad in ("app.py", "..%2Fapp.py", "%2e%2e%2fservice.py", "../../pyproject.toml", "x"):
        assert client.get(f"/static/{bad}").status_code == 404, bad


def test_dashboard_script_sets_text_never_html() -> None:
    from importlib import resources

    code = resources.files("riskoff.web").joinpath("static/dashboard.js").read_text()
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code
    assert "eval(" not in code and "document.write" not in code
    assert "http:" not in code and "https:" not in code


def test_brief_of_a_date_is_served_with_its_own_script_allowed_by_hash(client: TestClient) -> None:
    res = client.get("/brief/2020-03-16")
    assert res.status_code == 200
    policy = res.headers["content-security-policy"]
    sources = re.search(r"script-src ([^;]*);", policy)
    assert sources is not None
    assert sources.group(1).startswith("'self' 'sha256-")
    assert "unsafe-inline" not in sources.group(1)
    assert '<script src="/static/plotly.min.js"></script>' in res.text
    assert len(res.content) < 1_000_000  # plotly.js is linked, not embedded
    assert "16 Mar 2020" in res.text


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/brief/2020-02-30", 400),
        ("/brief/riskoff-report-2020-03-16.html", 422),
        ("/brief/..%2F..%2Fpyproject.toml", 404),
        ("/brief/2099-01-05", 404),
        ("/brief/2020-03-16?window=1", 422),
    ],
)
def test_brief_takes_a_date_not_a_file_name(client: TestClient, path: str, status: int) -> None:
    _refused(client.get(path), status)


def test_requests_for_another_host_name_are_refused(client: TestClient) -> None:
    res = client.get("/api/health", headers={"host": "attacker.example"})
    assert res.status_code == 400


def test_no_request_writes_to_the_store(client: TestClient, store: Store) -> None:
    before = store.version()
    for path in (
        "/",
        "/api/health",
        "/api/diagnosis?date=2021-05-19",
        "/api/indicators?columns=breadth",
        "/api/series/GLD",
        "/api/stress?start=2026-01-02",
        "/api/analogs?k=2",
        "/api/timeline",
        "/api/episodes",
    ):
        assert client.get(path).status_code == 200, path
    assert client.post("/api/verify", content=CLAIMS.read_bytes()).status_code == 200
    assert store.version() == before


def test_answers_are_computed_once_per_date_as_of_and_window(
    seeded_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import riskoff.pipeline

    calls: list[tuple[Any, ...]] = []
    real = riskoff.pipeline.indicator_set

    def counting(day: Any, **kwargs: Any) -> Any:
        calls.append((day, kwargs["as_of"], kwargs["window"]))
        return real(day, **kwargs)

    monkeypatch.setattr(riskoff.pipeline, "indicator_set", counting)
    app = create_app(Store(seeded_home / "riskoff.duckdb"))
    with TestClient(app, base_url=BASE) as c:
        first = c.get("/api/diagnosis", params={"date": "2021-05-19"}).json()
        again = c.get("/api/diagnosis", params={"date": "2021-05-19"}).json()
        c.get("/api/stress", params={"end": "2021-05-19"})
        c.get("/api/analogs", params={"date": "2021-05-19"})
        assert first == again
        assert len(calls) == 1
        c.get("/api/diagnosis", params={"date": "2021-05-19", "window": 20})
        c.get("/api/diagnosis", params={"date": "2021-05-19", "as_of": "latest"})
        assert len(calls) == 3


def test_serve_binds_loopback_by_default_and_warns_otherwise(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import uvicorn
    from typer.testing import CliRunner

    from riskoff.cli import app
    from riskoff.cli.serve import is_loopback

    runs: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: runs.append(kw))
    runner = CliRunner()
    quiet = runner.invoke(app, ["serve"])
    assert quiet.exit_code == 0, quiet.output
    assert runs[-1]["host"] == "127.0.0.1" and runs[-1]["port"] == 8050
    assert "warning" not in quiet.output
    loud = runner.invoke(app, ["serve", "--host", "0.0.0.0", "--port", "8123"])
    assert loud.exit_code == 0
    assert runs[-1]["host"] == "0.0.0.0" and runs[-1]["port"] == 8123
    assert "warning" in loud.output and "other machines" in loud.output
    assert runner.invoke(app, ["serve", "--port", "70000"]).exit_code != 0
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5")


def test_an_update_beside_the_app_is_seen_on_the_next_request(private_store: Store) -> None:
    import pandas as pd

    app = create_app(Store(private_store.path))
    with TestClient(app, base_url=BASE) as c:
        before = c.get("/api/health").json()["latest_close"]
        assert c.get("/api/diagnosis").json()["date"] == before
        # Another process (``riskoff update``) writes a new close while the app serves.
        monday = (pd.Timestamp(before) + pd.offsets.BDay(1)).date().isoformat()
        last = private_store.series_values("SPY").iloc[-1]
        frame = pd.DataFrame({"date": [pd.Timestamp(monday)], "value": [last * 0.99]})
        Store(private_store.path).write("SPY", frame, source="test")
        assert c.get("/api/health").json()["latest_close"] == monday
        assert c.get("/api/diagnosis").json()["date"] == monday
