"""Network faults, provider drift and alert faults through the command line.

Each case runs ``riskoff update`` or ``riskoff check`` against local servers replaying recorded
provider answers (or a fault of our own), and checks three things: the command ends (it runs in
a thread with a generous join limit; nothing is timed), the exit code and one-line message are
the documented ones, and the store holds exactly what it held before when nothing good came.
"""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner, Result

sys.path.insert(0, str(Path(__file__).parent / "sources"))

from riskoff_testnet import (
    FIXTURES,
    LocalServer,
    Reply,
    Request,
    business_days,
)

from riskoff import alerts
from riskoff.errors import SourceError
from riskoff.sources import reset_shared_client
from riskoff.sources.base import redact
from riskoff.sources.fred import parse_observations
from riskoff.sources.nyfed import parse_operations
from riskoff.sources.yahoo import parse_chart
from riskoff.store import Store
from riskoff.update import run_update

NEW_END = "2026-09-04"
RATES = ["DGS10", "DGS2", "DGS30", "T10Y2Y", "T10YIE", "T5YIE"]
# A command still running after this long is hung; the cases end in a few seconds.
JOIN_LIMIT = 120.0


@pytest.fixture(autouse=True)
def _fast_http(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for key, value in {
        "RISKOFF_HTTP_TIMEOUT": "3",
        "RISKOFF_HTTP_RETRIES": "2",
        "RISKOFF_HTTP_BACKOFF": "0.01",
        "RISKOFF_HTTP_MAX_WAIT": "0.1",
        "RISKOFF_HTTP_MIN_INTERVAL": "0",
        "RISKOFF_TODAY": "2026-11-25",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FRED_API_KEY", raising=False)
    for name in ("FRED", "FRED_API", "NYFED", "YAHOO", "CRYPTO"):
        monkeypatch.delenv(f"RISKOFF_{name}_URL", raising=False)
    reset_shared_client()
    yield
    reset_shared_client()


def invoke(args: list[str]) -> Result:
    """Run the CLI in a thread; fail when it is still running after ``JOIN_LIMIT`` seconds."""
    from riskoff.cli import app

    box: dict[str, Result] = {}

    def run() -> None:
        box["result"] = CliRunner().invoke(app, args)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(JOIN_LIMIT)
    assert not thread.is_alive(), f"riskoff {' '.join(args)} did not end"
    return box["result"]


def flat(output: str) -> str:
    """The output as one line: table and panel borders dropped, wrapped cells joined."""
    return " ".join(re.sub(r"[\u2500-\u257f]", " ", output).split())


def snapshot(store: Store) -> list[tuple[Any, ...]]:
    """Row count and a checksum of every stored observation, vintages included."""
    with duckdb.connect(str(store.path), read_only=True) as con:
        return con.execute(
            "SELECT count(*), sum(hash(series_id, date, value, first_seen, source)) "
            "FROM observations"
        ).fetchall()


def closed_port() -> int:
    """A loopback port nothing listens on: connecting is refused at once."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


# -- answers --------------------------------------------------------------------------------
def fred_csv(store: Store, series_id: str, spoil: int | None = None) -> str:
    """A fredgraph.csv: the last stored days unchanged, then new days near the last value.

    ``spoil`` multiplies the value of that new day (counted from the last) by 1000.
    """
    stored = store.series_values(series_id)
    last = stored.index.max()
    days = business_days((last - pd.Timedelta(days=9)).date().isoformat(), NEW_END)
    lines = [f"observation_date,{series_id}"]
    for i, day in enumerate(days):
        value = stored.get(pd.Timestamp(day), float(stored.iloc[-1]) + 0.01)
        if spoil is not None and i == len(days) - spoil:
            value *= 1000
        lines.append(f"{day},{value:.4f}")
    return "\n".join(lines) + "\n"


def sofr_rows(store: Store) -> list[dict[str, Any]]:
    """SOFR in the layout of the recorded ``search.json``: overlap days, then new days."""
    stored = store.series_values("SOFR")
    rows = []
    for day in business_days("2026-08-10", NEW_END):
        value = float(stored.get(pd.Timestamp(day), float(stored.iloc[-1])))
        rows.append({"effectiveDate": day, "type": "SOFR", "percentRate": value})
    return rows[::-1]


def recorded(relative: str, **renames: str) -> str:
    """A recorded answer with some keys renamed (a provider's format drift)."""
    text = (FIXTURES / relative).read_text()
    for old, new in renames.items():
        text = text.replace(f'"{old}"', f'"{new}"')
    return text


Setup = Callable[[LocalServer, Store, pytest.MonkeyPatch], None]


def fred(reply: Callable[[Store], Reply]) -> Setup:
    def setup(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RISKOFF_FRED_URL", server.url)
        server.route("/graph/fredgraph.csv", reply(store))

    return setup


def nyfed(body: Callable[[Store], str]) -> Setup:
    def setup(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("RISKOFF_NYFED_URL", server.url + "/api")
        server.route("/api/rates/secured/sofr/search.json", Reply(body=body(store)))

    return setup


def refused(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RISKOFF_FRED_URL", f"http://127.0.0.1:{closed_port()}")


def unresolvable(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # The resolver's answer for a name that does not exist, without asking a DNS server.
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".invalid"):
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("RISKOFF_FRED_URL", "http://fred.invalid")


def fred_down_nyfed_up(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    refused(server, store, monkeypatch)
    nyfed(lambda s: json.dumps({"refRates": sofr_rows(s)}))(server, store, monkeypatch)


def api_key_echoed(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FRED_API_KEY", "sekrit0123456789")
    monkeypatch.setenv("RISKOFF_FRED_API_URL", server.url + "/fred")

    def answer(req: Request) -> Reply:
        echoed = (
            f"https://api.stlouisfed.org/fred/series/observations?api_key={req.query['api_key']}"
        )
        return Reply(status=403, body=f"Forbidden: {echoed}", content_type="text/plain")

    server.route("/fred/series/observations", answer)


def nothing(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    pass


@dataclass(frozen=True)
class Case:
    """One command run against a fault, with what must come out."""

    name: str
    setup: Setup
    args: list[str]
    code: int
    message: str  # a regex the whitespace-normalised output must match
    absent: str | None = None  # a regex it must not match
    changes_store: bool = False


UPDATE = ["update", "--series"]
UPDATE_CASES = [
    Case(
        "server trickling 1 byte/s",
        fred(lambda s: Reply(body=fred_csv(s, "DGS10"), content_type="text/csv", mode="trickle")),
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: timed out \(no complete answer within 3 s",
    ),
    Case(
        "connection refused (closed port)",
        refused,
        [*UPDATE, ",".join(RATES)],
        1,
        r"network unreachable: 6 series not updated \(could not reach 127\.0\.0\.1:\d+\)",
        absent=r"failed fred: series",
    ),
    Case(
        "host name does not resolve",
        unresolvable,
        [*UPDATE, ",".join(RATES)],
        1,
        r"network unreachable: 6 series not updated \(could not reach fred\.invalid\)",
        absent=r"failed fred: series",
    ),
    Case(
        "one host down, the other up",
        fred_down_nyfed_up,
        [*UPDATE, "DGS10,SOFR"],
        1,
        r"127\.0\.0\.1:\d+ unreachable: 1 series not updated",
        changes_store=True,
    ),
    Case(
        "renamed JSON list (refRates)",
        nyfed(lambda s: recorded("nyfed/sofr_search.json", refRates="referenceRates")),
        [*UPDATE, "SOFR"],
        1,
        r"nyfed: series SOFR: the answer has no 'refRates' list",
    ),
    Case(
        "renamed JSON field (percentRate)",
        nyfed(lambda s: recorded("nyfed/sofr_search.json", percentRate="rate")),
        [*UPDATE, "SOFR"],
        1,
        r"nyfed: series SOFR: none of the \d+ refRates rows has the field 'percentRate'",
    ),
    Case(
        "JSON served where CSV is expected",
        fred(lambda s: Reply.fixture("fred/observations_SOFR_latest.json")),
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: expected CSV, got a JSON document",
    ),
    Case(
        "HTML error page with status 200",
        fred(lambda s: Reply.fixture("fred/error_page.html")),
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: expected CSV, got an HTML page titled 'Error - Federal Reserve",
    ),
    Case(
        "CSV header names another series",
        fred(lambda s: Reply.fixture("fred/fredgraph_SOFR.csv")),
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: the answer's header names series 'SOFR', not 'DGS10': refused",
    ),
    Case(
        "no new observations (header only)",
        fred(lambda s: Reply(body="observation_date,DGS10\n", content_type="text/csv")),
        [*UPDATE, "DGS10"],
        0,
        r"no new observations since 2026-08-20",
    ),
    Case(
        "one value 1000x off in a good answer",
        fred(lambda s: Reply(body=fred_csv(s, "DGS10", spoil=3), content_type="text/csv")),
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: .*value 4\d{3}(\.\d+)? .*2026-09-02.*(outside|implausible)",
    ),
    Case(
        "one price 1000x off in a good answer",
        fred(lambda s: Reply(body=fred_csv(s, "DCOILWTICO", spoil=2), content_type="text/csv")),
        [*UPDATE, "DCOILWTICO"],
        1,
        r"fred: series DCOILWTICO: .*value \d{5}(\.\d+)? on 2026-09-03 .*(outside|implausible)",
    ),
    Case(
        "API key echoed in an error",
        api_key_echoed,
        [*UPDATE, "DGS10"],
        1,
        r"fred: series DGS10: HTTP 403 .*api_key=\*\*\*",
        absent=r"sekrit",
    ),
    Case(
        "--since is not a date",
        nothing,
        ["update", "--since", "2026-02-31"],
        2,
        r"Invalid value for '--since'",
    ),
]


def test_cases_have_unique_names() -> None:
    names = [c.name for c in UPDATE_CASES + CHECK_CASES]
    assert len(names) == len(set(names))


def _run_case(case: Case, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    with LocalServer() as server:
        case.setup(server, store, monkeypatch)
        before = snapshot(store)
        places = {
            "{server}": server.url,
            "{auth}": server.url.replace("http://", "http://alice:hunter2@"),
            "{closed}": str(closed_port()),
        }
        args = []
        for arg in case.args:
            for key, value in places.items():
                arg = arg.replace(key, value)
            args.append(arg)
        result = invoke(args)
    text = flat(result.output)
    found = re.search(case.message, text)
    unchanged = snapshot(store) == before
    # The row of the closing table: case, exit code, message, store unchanged (run with -s).
    shown = text[found.start() : found.start() + 80] if found else text[:80]
    print(f"\nCASE | {case.name} | {result.exit_code} | {shown} | {'yes' if unchanged else 'no'}")
    assert result.exit_code == case.code, result.output
    assert found, text
    assert case.absent is None or not re.search(case.absent, text), text
    assert "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert unchanged != case.changes_store


@pytest.mark.parametrize("case", UPDATE_CASES, ids=lambda c: c.name)
def test_update_fault(case: Case, private_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    _run_case(case, private_store, monkeypatch)


def test_unreachable_host_is_asked_once(
    private_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if str(host).endswith(".invalid"):
            calls.append(str(host))
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setenv("RISKOFF_FRED_URL", "http://fred.invalid")
    report = run_update(RATES, store=private_store, max_workers=1)
    assert calls == ["fred.invalid"]  # not 6 series x 2 attempts
    assert {o.unreachable for o in report.outcomes} == {"fred.invalid"}
    assert "the host name does not resolve" in report.outcomes[0].message
    assert "not asked again in this run" in report.outcomes[-1].message


def test_an_empty_answer_where_data_were_expected_is_a_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = Store(tmp_path / "empty.duckdb", seed=False)
    with LocalServer() as server:
        monkeypatch.setenv("RISKOFF_FRED_URL", server.url)
        server.route(
            "/graph/fredgraph.csv", Reply(body="observation_date,DGS10\n", content_type="text/csv")
        )
        (outcome,) = run_update(["DGS10"], store=store).outcomes
    assert outcome.status == "failed"
    assert "holds no observations for 1990-01-01..2026-11-25 and the store has none" in (
        outcome.message
    )


# -- format drift in the parsers (recorded answers, one key renamed) ----------------------------
def test_fred_json_observation_without_value_is_refused() -> None:
    payload = json.loads(recorded("fred/observations_SOFR_latest.json", value="val"))
    with pytest.raises(SourceError, match="observation 1: not an object with a date and a value"):
        parse_observations(payload, "SOFR")


def test_nyfed_operations_with_a_renamed_amount_are_refused() -> None:
    payload = json.loads(recorded("nyfed/rp_results_search.json", totalAmtAccepted="accepted"))
    with pytest.raises(SourceError, match="has the field 'totalAmtAccepted'"):
        parse_operations(payload, "RRPONTSYD", "rrp", "accepted")


def test_yahoo_chart_without_indicators_is_refused() -> None:
    payload = json.loads(recorded("yahoo/chart_SPY.json", indicators="series"))
    with pytest.raises(SourceError, match="no 'indicators' object"):
        parse_chart(payload, "SPY")


# -- secrets --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("https://x/y?series_id=A&api_key=abc123&x=1", "https://x/y?series_id=A&api_key=***&x=1"),
        ("http://alice:hunter2@hooks.test/a?token=t0k", "http://alice:***@hooks.test/a?token=***"),
        ("Authorization: Bearer abc.def-123", "Authorization: Bearer ***"),
        ("https://h/x?access_token=z&monkey=1", "https://h/x?access_token=***&monkey=1"),
    ],
)
def test_secrets_are_masked(text: str, masked: str) -> None:
    assert redact(text) == masked


# -- check and its webhook ------------------------------------------------------------------
CONTEXT = alerts.context_from_diagnosis(
    {
        "date": "2020-03-16",
        "crash_type": "liquidity_crunch",
        "indicators": {"sofr_iorb_bp": 14.0, "vix_level": 57.8, "breadth": 0.7},
        "percentiles": {"stress_index": 0.99},
    }
)


def hook(reply: Reply) -> Setup:
    def setup(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        server.route("/hook", reply)

    return setup


def rules_file(text: str | bytes, name: str = "rules.toml") -> Setup:
    def setup(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
        path = store.path.parent / name
        if isinstance(text, bytes):
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        monkeypatch.chdir(store.path.parent)

    return setup


def rules_dir(server: LocalServer, store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    (store.path.parent / "rules.toml").mkdir()
    monkeypatch.chdir(store.path.parent)


def rule(when: str, name: str = "r") -> str:
    return f'[[rule]]\nname = "{name}"\nwhen = "{when}"\n'


CHECK_CASES = [
    Case(
        "webhook trickling 1 byte/s",
        hook(Reply(status=204, mode="trickle")),
        ["check", "--webhook", "{server}/hook"],
        3,
        r"webhook http://127\.0\.0\.1:\d+/hook: timed out \(no complete answer within 3 s",
    ),
    Case(
        "webhook HTTP 500, password in URL",
        hook(Reply(status=500, body="down", content_type="text/plain")),
        ["check", "--webhook", "{auth}/hook"],
        3,
        r"webhook http://alice:\*\*\*@127\.0\.0\.1:\d+/hook: HTTP 500",
        absent="hunter2",
    ),
    Case(
        "webhook connection refused",
        nothing,
        ["check", "--webhook", "http://127.0.0.1:{closed}/hook"],
        3,
        r"webhook http://127\.0\.0\.1:\d+/hook: 127\.0\.0\.1:\d+ unreachable "
        r"\(connection refused\)",
    ),
    Case(
        "malformed webhook URL",
        nothing,
        ["check", "--webhook", "http://bob:pw123@[::1"],
        2,
        r"webhook 'http://bob:\*\*\*@\[::1': not a valid URL",
        absent="pw123",
    ),
    Case(
        "webhook not http(s)",
        nothing,
        ["check", "--webhook", "ftp://files.test/x"],
        2,
        r"not an http:// or https:// address with a host",
    ),
    Case(
        "misspelled indicator in a rule",
        rules_file(rule("sofr_iorb > 10", name="typo")),
        ["check", "--rules", "rules.toml"],
        2,
        r"rules\.toml: rule 'typo': unknown name 'sofr_iorb': did you mean sofr_iorb_bp",
    ),
    Case(
        "10,000 nested parentheses",
        rules_file(rule("(" * 10_000 + "vix_level > 30" + ")" * 10_000)),
        ["check", "--rules", "rules.toml"],
        2,
        r"rule 'r': the expression nests more than 100 parentheses or 'not' deep",
    ),
    Case(
        "rules file not UTF-8",
        rules_file(rule("vix_level > 30").encode("utf-16")),
        ["check", "--rules", "rules.toml"],
        2,
        r"rules\.toml: not UTF-8 text \(byte 0xff at offset 0\)",
    ),
    Case(
        "directory as rules file",
        rules_dir,
        ["check", "--rules", "rules.toml"],
        2,
        r"rules\.toml: is a directory, not a rules file",
    ),
    Case(
        "--format xml",
        nothing,
        ["check", "--format", "xml"],
        2,
        r"'xml' is not one of 'text', 'json'",
    ),
    Case(
        "--as-of not a date",
        nothing,
        ["check", "--as-of", "2026-13-01"],
        2,
        r"Invalid value for '--as-of'",
    ),
]


@pytest.mark.parametrize("case", CHECK_CASES, ids=lambda c: c.name)
def test_check_fault(case: Case, private_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    diagnosed: list[object] = []

    def context(as_of: object = None) -> dict[str, Any]:
        diagnosed.append(as_of)
        return dict(CONTEXT)

    monkeypatch.setattr(alerts, "build_context", context)
    _run_case(case, private_store, monkeypatch)
    # Bad options and rules are refused before any diagnosis; a webhook fault comes after one.
    assert diagnosed == ([] if case.code == 2 else [None])


def test_fired_rules_are_printed_before_a_failing_webhook(
    private_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(alerts, "build_context", lambda as_of=None: dict(CONTEXT))
    with LocalServer() as server:
        server.route("/hook", Reply(status=500, body="down", content_type="text/plain"))
        result = invoke(["check", "--webhook", server.url + "/hook"])
    text = flat(result.output)
    assert result.exit_code == 3
    assert text.index("FIRED sofr_above_iorb") < text.index("webhook http://")


# -- names valid in rules -------------------------------------------------------------------
def test_rule_names_cover_the_real_diagnosis_context() -> None:
    names, percentile_names = alerts.context_names()
    context = alerts.build_context()  # the real diagnosis of the seeded store
    assert set(context) - {"percentiles"} <= names
    assert set(context["percentiles"]) <= percentile_names
    assert {"sofr_iorb_bp", "crash_type", "vix_level"} <= names


def test_parser_takes_the_valid_names_as_a_parameter() -> None:
    tree = alerts.parse_expression("alpha > 1 and beta percentile < 0.5", {"alpha"}, {"beta"})
    assert alerts.evaluate_expression(tree, {"alpha": 2, "percentiles": {"beta": 0.1}}) is True
    with pytest.raises(alerts.RuleError, match="unknown name 'alpah': did you mean alpha"):
        alerts.parse_expression("alpah > 1", {"alpha", "beta"})
    with pytest.raises(alerts.RuleError, match="unknown name 'alpha' before 'percentile'"):
        alerts.parse_expression("alpha percentile > 1", {"alpha"}, {"beta"})


# -- the network guard ----------------------------------------------------------------------
def test_this_process_cannot_reach_the_network() -> None:
    from pytest_socket import SocketConnectBlockedError

    with pytest.warns(UserWarning, match="192.0.2.1"), pytest.raises(SocketConnectBlockedError):
        socket.create_connection(("192.0.2.1", 80), timeout=1)


@pytest.mark.parametrize("host", ["192.0.2.1", "localhost"])
def test_a_child_process_reaches_loopback_only(host: str) -> None:
    with LocalServer() as server:
        port = server.url.rsplit(":", 1)[1]
        script = f"import socket\nsocket.create_connection(({host!r}, {port}), timeout=2)\n"
        child = subprocess.run(
            [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
        )
    if host == "localhost":
        assert child.returncode == 0, child.stderr
    else:
        assert child.returncode != 0
        assert "SocketConnectBlockedError" in child.stderr
