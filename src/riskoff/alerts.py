"""Alert rules on the latest indicators and diagnosis, for ``riskoff check`` in cron and CI.

A rules file is TOML with one ``[[rule]]`` table per rule::

    [[rule]]
    name = "sofr_above_iorb"
    when = "sofr_iorb_bp > 10"
    note = "Repo cash is scarce: SOFR trades above the rate the Fed pays on reserves."

The ``when`` language is small and parsed here, never evaluated as Python:

- comparisons ``sofr_iorb_bp > 10`` with ``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``;
- membership ``crash_type in [liquidity_crunch, funding_squeeze]`` (and ``not in``); list items
  are bare words, quoted strings or numbers;
- a bare name, for a true/false indicator: ``calendar_day``; a number must be compared
  (``safe_haven_failure >= 1``), so that a threshold is never implicit;
- a percentile of history up to the date: ``stress_index percentile > 0.95``;
- ``and``, ``or``, ``not`` and parentheses.

Names are checked when the rules load: a name that the diagnosis does not provide (a typo)
is refused with the closest valid names, so a misspelled rule can never sit quietly "unknown".
The valid names come from :func:`context_names`, derived from the code that builds the context
(:func:`context_from_diagnosis` over ``Diagnosis`` and the indicators it reports).

A rule whose inputs are missing (or NaN) neither fires nor passes: it is reported as unknown,
so a broken feed is visible rather than silently quiet.

The parser (:func:`parse_expression`) and the evaluator (:func:`evaluate_expression`) are
public, with the valid names passed as a parameter, for other small claim languages.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
import math
import re
import tomllib
import types
import typing
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

from riskoff.errors import RiskoffError

# Parentheses and ``not`` nest at most this deep: deeper is no rule a person writes, and the
# recursive parser would otherwise end in RecursionError.
MAX_DEPTH = 100


class RuleError(RiskoffError):
    """A rules file or a rule expression is malformed."""


class WebhookError(RiskoffError):
    """The webhook could not be delivered (the URL's password is never part of the message)."""


# -- the expression tree ----------------------------------------------------------------------
Scalar = float | str | bool


@dataclass(frozen=True)
class Ref:
    """A name looked up in the context, or in its ``percentiles`` when ``percentile`` is set."""

    name: str
    percentile: bool = False

    @property
    def label(self) -> str:
        """How the value is named in messages."""
        return f"{self.name} percentile" if self.percentile else self.name


@dataclass(frozen=True)
class Compare:
    """``ref OP literal``."""

    ref: Ref
    op: str
    literal: Scalar


@dataclass(frozen=True)
class Member:
    """``ref in [...]`` or ``ref not in [...]``."""

    ref: Ref
    items: tuple[Scalar, ...]
    negate: bool = False


@dataclass(frozen=True)
class Truth:
    """A bare name: its truth value."""

    ref: Ref


@dataclass(frozen=True)
class Logic:
    """``and`` / ``or`` of two or more parts, or ``not`` of one."""

    op: str
    parts: tuple[Node, ...]


Node = Compare | Member | Truth | Logic

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
      | (?P<string>"[^"]*"|'[^']*')
      | (?P<op><=|>=|==|!=|<|>)
      | (?P<punct>[\[\](),])
      | (?P<name>[A-Za-z_][A-Za-z0-9_.\-]*)
    )""",
    re.VERBOSE,
)
_KEYWORDS = frozenset({"and", "or", "not", "in", "percentile", "true", "false"})


def _tokenize(text: str) -> list[tuple[str, str]]:
    tokens: list[tuple[str, str]] = []
    pos = 0
    text = text.rstrip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise RuleError(f"cannot read {text[pos:].strip()[:20]!r} in {_clip(text)}")
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "name" and value.lower() in _KEYWORDS:
            kind, value = "keyword", value.lower()
        tokens.append((kind, value))
        pos = match.end()
    return tokens


class _Parser:
    """Recursive descent over ``or > and > not > atom``, nesting at most ``MAX_DEPTH`` deep."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.tokens = _tokenize(text)
        self.pos = 0
        self.depth = 0

    def enter(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise RuleError(
                f"the expression nests more than {MAX_DEPTH} parentheses or 'not' deep: "
                f"{_clip(self.text)}"
            )

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self, kind: str, value: str | None = None) -> str:
        token = self.peek()
        if token is None or token[0] != kind or (value is not None and token[1] != value):
            want = value or kind
            found = "the end" if token is None else repr(token[1])
            raise RuleError(f"expected {want} but found {found} in {_clip(self.text)}")
        self.pos += 1
        return token[1]

    def accept(self, kind: str, value: str | None = None) -> bool:
        token = self.peek()
        if token is not None and token[0] == kind and (value is None or token[1] == value):
            self.pos += 1
            return True
        return False

    def parse(self) -> Node:
        if not self.tokens:
            raise RuleError("empty rule expression")
        node = self.parse_or()
        if self.peek() is not None:
            raise RuleError(f"unexpected {self.peek()[1]!r} in {_clip(self.text)}")  # type: ignore[index]
        return node

    def parse_or(self) -> Node:
        parts = [self.parse_and()]
        while self.accept("keyword", "or"):
            parts.append(self.parse_and())
        return parts[0] if len(parts) == 1 else Logic("or", tuple(parts))

    def parse_and(self) -> Node:
        parts = [self.parse_not()]
        while self.accept("keyword", "and"):
            parts.append(self.parse_not())
        return parts[0] if len(parts) == 1 else Logic("and", tuple(parts))

    def parse_not(self) -> Node:
        if self.accept("keyword", "not"):
            self.enter()
            node = Logic("not", (self.parse_not(),))
            self.depth -= 1
            return node
        return self.parse_atom()

    def parse_atom(self) -> Node:
        if self.accept("punct", "("):
            self.enter()
            node = self.parse_or()
            self.take("punct", ")")
            self.depth -= 1
            return node
        ref = Ref(self.take("name"), percentile=self.accept("keyword", "percentile"))
        token = self.peek()
        if token is not None and token[0] == "op":
            self.pos += 1
            return Compare(ref, token[1], self.literal())
        if self.accept("keyword", "in"):
            return Member(ref, self.items())
        if self.tokens[self.pos : self.pos + 2] == [("keyword", "not"), ("keyword", "in")]:
            self.pos += 2
            return Member(ref, self.items(), negate=True)
        return Truth(ref)

    def literal(self) -> Scalar:
        token = self.peek()
        if token is None:
            raise RuleError(f"expected a value at the end of {_clip(self.text)}")
        kind, value = token
        self.pos += 1
        if kind == "number":
            return float(value)
        if kind == "string":
            return value[1:-1]
        if kind == "keyword" and value in ("true", "false"):
            return value == "true"
        if kind == "name":
            return value  # a bare word: crash_type == liquidity_crunch
        raise RuleError(f"expected a value but found {value!r} in {_clip(self.text)}")

    def items(self) -> tuple[Scalar, ...]:
        self.take("punct", "[")
        items: list[Scalar] = []
        if self.accept("punct", "]"):
            return ()
        while True:
            items.append(self.literal())
            if self.accept("punct", "]"):
                return tuple(items)
            if not self.accept("punct", ","):
                token = self.peek()
                found = "the end" if token is None else repr(token[1])
                raise RuleError(f"expected ',' or ']' but found {found} in {_clip(self.text)}")


def _clip(text: str, width: int = 60) -> str:
    """Quote ``text`` for a message, cut to ``width`` characters (a rule may be huge)."""
    return repr(text if len(text) <= width else text[: width - 3] + "...")


def parse_expression(
    text: str,
    names: Collection[str] | None = None,
    percentile_names: Collection[str] | None = None,
) -> Node:
    """Parse a ``when`` expression into a tree (never evaluated as Python).

    Parameters
    ----------
    text : str
        The expression, e.g. ``"sofr_iorb_bp > 10 and stress_index percentile > 0.95"``.
    names : collection of str, optional
        The names the expression may read; any other is refused with the closest valid ones.
        None accepts every name (they are then checked only when evaluated).
    percentile_names : collection of str, optional
        The names that may be followed by ``percentile`` (default: ``names``).

    Returns
    -------
    Node
        ``Compare``, ``Member``, ``Truth`` or ``Logic``; evaluate it with
        :func:`evaluate_expression`.

    Raises
    ------
    RuleError
        On anything outside the rule language, an unknown name, or nesting deeper than
        ``MAX_DEPTH``, with the offending text.
    """
    tree = _Parser(text).parse()
    if names is not None:
        check_names(tree, names, percentile_names)
    return tree


def check_names(
    tree: Node, names: Collection[str], percentile_names: Collection[str] | None = None
) -> None:
    """Refuse a name that is not in ``names`` (or, before ``percentile``, ``percentile_names``).

    Raises
    ------
    RuleError
        Naming the unknown name and up to three close valid names.
    """
    pct = names if percentile_names is None else percentile_names
    for ref in _refs(tree):
        valid = pct if ref.percentile else names
        if ref.name in valid:
            continue
        close = difflib.get_close_matches(ref.name, sorted(valid), n=3, cutoff=0.6)
        hint = (
            f"did you mean {', '.join(close)}?"
            if close
            else f"valid names include {', '.join(sorted(valid)[:8])} ..."
        )
        what = " before 'percentile'" if ref.percentile else ""
        raise RuleError(f"unknown name {ref.name!r}{what}: {hint}")


# -- evaluation -------------------------------------------------------------------------------
class _UnknownInputError(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _lookup(ref: Ref, context: Mapping[str, Any], seen: dict[str, Any]) -> Any:
    space: Mapping[str, Any] = (context.get("percentiles") or {}) if ref.percentile else context
    if ref.name not in space or space[ref.name] is None:
        raise _UnknownInputError(f"{ref.label} is not available")
    value = space[ref.name]
    if isinstance(value, float) and math.isnan(value):
        raise _UnknownInputError(f"{ref.label} is NaN")
    seen[ref.label] = value
    return value


def _same(a: Any, b: Scalar) -> bool:
    if isinstance(b, str) or isinstance(a, str):
        return str(a) == str(b)
    if isinstance(b, bool) or isinstance(a, bool):
        return bool(a) == bool(b)
    return float(a) == float(b)


def _compare(value: Any, op: str, literal: Scalar, label: str) -> bool:
    if op in ("==", "!="):
        return _same(value, literal) == (op == "==")
    if isinstance(literal, str | bool) or isinstance(value, str | bool):
        raise RuleError(f"{label} {op} {literal!r}: order comparisons need numbers")
    a, b = float(value), float(literal)
    return {"<": a < b, "<=": a <= b, ">": a > b, ">=": a >= b}[op]


def evaluate_expression(
    tree: Node, context: Mapping[str, Any], seen: dict[str, Any] | None = None
) -> bool | None:
    """Evaluate a parsed expression against a flat context, in three values.

    Parameters
    ----------
    tree : Node
        From :func:`parse_expression`.
    context : mapping
        Name to value; ``percentiles`` maps names to their percentile of history.
    seen : dict, optional
        Filled with every input read, by label.

    Returns
    -------
    bool or None
        True or False, or None when an input is missing or NaN.

    Raises
    ------
    RuleError
        On a comparison the values do not support (an order comparison on text, a bare number).
    """
    return _evaluate(tree, context, {} if seen is None else seen)


def _evaluate(node: Node, context: Mapping[str, Any], seen: dict[str, Any]) -> bool | None:
    """Three-valued: True, False, or None when an input is missing."""
    try:
        if isinstance(node, Compare):
            return _compare(_lookup(node.ref, context, seen), node.op, node.literal, node.ref.label)
        if isinstance(node, Member):
            value = _lookup(node.ref, context, seen)
            inside = any(_same(value, item) for item in node.items)
            return inside != node.negate
        if isinstance(node, Truth):
            value = _lookup(node.ref, context, seen)
            if not isinstance(value, bool):
                # A number's truth would hide a threshold (any tiny positive would fire).
                raise RuleError(
                    f"{node.ref.label} is {value!r}, not true/false: compare it, "
                    f"e.g. '{node.ref.label} >= 1'"
                )
            return value
    except _UnknownInputError:
        return None
    results = [_evaluate(part, context, seen) for part in node.parts]
    if node.op == "not":
        return None if results[0] is None else not results[0]
    if node.op == "and":
        return False if False in results else (None if None in results else True)
    return True if True in results else (None if None in results else False)


@dataclass(frozen=True)
class Rule:
    """One named rule."""

    name: str
    when: str
    note: str = ""
    tree: Node = field(default=Truth(Ref("_")), compare=False, repr=False)

    @classmethod
    def parse(
        cls,
        name: str,
        when: str,
        note: str = "",
        names: Collection[str] | None = None,
        percentile_names: Collection[str] | None = None,
    ) -> Rule:
        """Build a rule, parsing ``when`` now so that a bad file fails before any check.

        ``names`` and ``percentile_names`` are the valid names (see :func:`parse_expression`).
        """
        try:
            tree = parse_expression(when, names, percentile_names)
        except RuleError as exc:
            raise RuleError(f"rule {name!r}: {exc}") from None
        return cls(name, when, note, tree)


@dataclass(frozen=True)
class RuleResult:
    """How one rule came out.

    Attributes
    ----------
    fired : bool or None
        True when the condition holds, None when an input is missing.
    values : dict
        Every input the rule read, by label (``stress_index percentile``), with its value.
    """

    rule: Rule
    fired: bool | None
    values: dict[str, Any]
    reason: str = ""

    @property
    def status(self) -> str:
        """``fired``, ``ok`` or ``unknown``."""
        return {True: "fired", False: "ok", None: "unknown"}[self.fired]

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return {
            "name": self.rule.name,
            "when": self.rule.when,
            "note": self.rule.note,
            "status": self.status,
            "fired": self.fired,
            "values": {k: _jsonable(v) for k, v in self.values.items()},
            "reason": self.reason,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, bool | str | int) or value is None:
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return str(value)
    return None if math.isnan(number) else number


def evaluate_rule(rule: Rule, context: Mapping[str, Any]) -> RuleResult:
    """Evaluate one rule against a flat context (see :func:`build_context`)."""
    seen: dict[str, Any] = {}
    try:
        fired = _evaluate(rule.tree, context, seen)
    except RuleError as exc:
        return RuleResult(rule, None, seen, f"rule {rule.name!r}: {exc}")
    reason = ""
    if fired is None:
        missing = [p.label for p in _refs(rule.tree) if p.label not in seen]
        reason = "missing input: " + ", ".join(missing) if missing else "missing input"
    return RuleResult(rule, fired, seen, reason)


def _refs(node: Node) -> list[Ref]:
    if isinstance(node, Logic):
        return [ref for part in node.parts for ref in _refs(part)]
    return [node.ref]


def evaluate(rules: Sequence[Rule], context: Mapping[str, Any]) -> list[RuleResult]:
    """Evaluate every rule, in file order."""
    return [evaluate_rule(rule, context) for rule in rules]


# -- rules files ------------------------------------------------------------------------------
def default_rules_text() -> str:
    """Return the shipped ``default_rules.toml``."""
    return resources.files("riskoff").joinpath("default_rules.toml").read_text(encoding="utf-8")


def parse_rules(
    text: str,
    origin: str = "rules",
    names: Collection[str] | None = None,
    percentile_names: Collection[str] | None = None,
) -> list[Rule]:
    """Parse a rules TOML document.

    Parameters
    ----------
    text : str
        The document.
    origin : str
        Named in messages (the file).
    names, percentile_names : collection of str, optional
        The valid names (default: :func:`context_names`).

    Raises
    ------
    RuleError
        On invalid TOML, a rule without ``name`` or ``when``, a duplicate name, a bad
        expression or an unknown name; the message names ``origin`` and the rule.
    """
    if names is None:
        names, default_pct = context_names()
        percentile_names = default_pct if percentile_names is None else percentile_names
    try:
        document = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RuleError(f"{origin}: invalid TOML: {exc}") from None
    tables = document.get("rule", [])
    if not isinstance(tables, list) or not tables:
        raise RuleError(f"{origin}: no [[rule]] tables")
    rules: list[Rule] = []
    rule_names: set[str] = set()
    for i, table in enumerate(tables, start=1):
        if not isinstance(table, dict):
            raise RuleError(f"{origin}: rule {i} is not a table")
        name, when = table.get("name"), table.get("when")
        if not isinstance(name, str) or not isinstance(when, str):
            raise RuleError(f"{origin}: rule {i} needs a text 'name' and 'when'")
        if name in rule_names:
            raise RuleError(f"{origin}: rule name {name!r} is used twice")
        rule_names.add(name)
        try:
            rules.append(
                Rule.parse(name, when, str(table.get("note", "")), names, percentile_names)
            )
        except RuleError as exc:
            raise RuleError(f"{origin}: {exc}") from None
    return rules


def load_rules(path: Path | None = None) -> list[Rule]:
    """Read rules from ``path``, or the shipped default rules.

    Raises
    ------
    RuleError
        If the file is missing or malformed.
    """
    if path is None:
        return parse_rules(default_rules_text(), "default_rules.toml")
    if not path.exists():
        raise RuleError(f"{path}: no such rules file")
    if path.is_dir():
        raise RuleError(f"{path}: is a directory, not a rules file")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise RuleError(f"{path}: cannot read the rules file ({exc.strerror or exc})") from None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise RuleError(
            f"{path}: not UTF-8 text (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
            "save the rules file as UTF-8"
        ) from None
    return parse_rules(text, str(path))


# -- the context ------------------------------------------------------------------------------
def context_from_diagnosis(diagnosis: Mapping[str, Any]) -> dict[str, Any]:
    """Flatten ``Diagnosis.to_dict()`` into what rules read.

    Scalar fields (``date``, ``crash_type``, ``confidence`` ...) and every entry of
    ``indicators`` become top-level names; ``percentiles`` stays a mapping, read by
    ``X percentile``.
    """
    context: dict[str, Any] = {
        key: value
        for key, value in diagnosis.items()
        if isinstance(value, str | int | float | bool) or value is None
    }
    indicators = diagnosis.get("indicators") or {}
    if isinstance(indicators, Mapping):
        context.update(indicators)
    percentiles = diagnosis.get("percentiles") or {}
    context["percentiles"] = dict(percentiles) if isinstance(percentiles, Mapping) else {}
    return context


# Indicator entries the diagnosis adds beside the numeric ``REPORTED`` ones.
_INDICATOR_EXTRAS = ("funding_state", "calendar_day")


def _is_scalar_type(hint: Any) -> bool:
    """Whether a field annotated ``hint`` stays a scalar in ``Diagnosis.to_dict()``."""
    if hint is type(None) or hint in (str, int, float, bool):
        return True
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return True
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        return all(_is_scalar_type(arg) for arg in typing.get_args(hint))
    return False


@cache
def context_names() -> tuple[frozenset[str], frozenset[str]]:
    """Return the names a rule may read, and those it may read a percentile of.

    Derived from the code that builds the context: the scalar fields of ``Diagnosis`` (what
    :func:`context_from_diagnosis` keeps), the indicators the diagnosis reports, and their
    percentiles. A field added to the diagnosis becomes a valid name without an edit here.

    Returns
    -------
    names : frozenset of str
        Valid bare names.
    percentile_names : frozenset of str
        Names valid before ``percentile``.
    """
    from riskoff.diagnosis import diagnose as diagnosis_module
    from riskoff.diagnosis.result import Diagnosis

    hints = typing.get_type_hints(Diagnosis)
    scalars = {f.name for f in dataclasses.fields(Diagnosis) if _is_scalar_type(hints[f.name])}
    reported = tuple(diagnosis_module.REPORTED)
    names = frozenset(scalars | set(reported) | set(_INDICATOR_EXTRAS))
    return names, frozenset(reported)


def build_context(as_of: date | str | None = None) -> dict[str, Any]:
    """Diagnose ``as_of`` (default: the newest day the store can describe) and flatten it.

    The diagnosis is imported here, not at import time: ``riskoff check --help`` stays fast and
    the alerts never depend on the diagnosis to load.
    """
    import importlib

    diagnose = importlib.import_module("riskoff").diagnose
    return context_from_diagnosis(diagnose(as_of).to_dict())


# -- output -----------------------------------------------------------------------------------
def _fmt(label: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return f"{label} = {value}"
    if label.endswith("percentile"):
        return f"{label} = {value:.2f}"
    unit = " bp" if label.endswith("_bp") else (" USD bn" if label.endswith("_usd_bn") else "")
    return f"{label} = {value:,.4g}{unit}"


def describe(result: RuleResult) -> str:
    """One line: status, rule, condition and the numbers it read."""
    numbers = ", ".join(_fmt(k, v) for k, v in result.values.items())
    tail = f" ({numbers})" if numbers else ""
    if result.reason:
        tail += f" [{result.reason}]"
    return f"{result.status.upper():7} {result.rule.name}: {result.rule.when}{tail}"


def report(results: Sequence[RuleResult], context: Mapping[str, Any]) -> dict[str, Any]:
    """Return the JSON document of a check (also what the webhook receives)."""
    return {
        "as_of": _jsonable(context.get("date")),
        "crash_type": _jsonable(context.get("crash_type")),
        "fired": [r.rule.name for r in results if r.fired],
        "unknown": [r.rule.name for r in results if r.fired is None],
        "results": [r.to_dict() for r in results],
    }


def check_webhook_url(url: str) -> str:
    """Return ``url`` when it is a usable ``http(s)`` address.

    Raises
    ------
    WebhookError
        On a malformed URL, another scheme or no host; the password is masked.
    """
    import httpx

    from riskoff.sources.base import redact

    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError) as exc:
        raise WebhookError(f"webhook {_clip(redact(url))}: not a valid URL ({exc})") from None
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise WebhookError(
            f"webhook {_clip(redact(url))}: not an http:// or https:// address with a host"
        )
    return url


def post_webhook(url: str, payload: Mapping[str, Any], timeout: float | None = None) -> None:
    """POST ``payload`` as JSON to ``url``, once, within a total deadline.

    Parameters
    ----------
    url : str
        The webhook; ``user:password@`` in it is sent but never printed.
    payload : mapping
        The JSON document.
    timeout : float, optional
        Total deadline in seconds (default ``RISKOFF_HTTP_TIMEOUT``, 30): a server that
        trickles its answer cannot hold the check longer.

    Raises
    ------
    WebhookError
        When the URL is malformed, the server cannot be reached, does not answer in time or
        does not answer 2xx; secrets in the URL are masked.
    """
    from riskoff.errors import SourceError
    from riskoff.sources.base import HttpClient, redact

    check_webhook_url(url)
    client = HttpClient()
    try:
        # Once: a POST the server processed but answered 5xx must not be delivered twice.
        client.request(
            "POST",
            url,
            source="webhook",
            series="-",
            json=dict(payload),
            attempts=1,
            timeout=timeout,
        )
    except SourceError as exc:
        raise WebhookError(f"webhook {redact(url)}: {redact(exc.reason)}") from None
    finally:
        client.close()
