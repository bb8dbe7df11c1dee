"""Every option of every command refuses a bad value with exit code 2, naming the option.

The commands are found by walking the command tree, so a new command or option is covered
without editing this file. Values are checked by the command-line framework when it parses the
arguments (``make_context``): nothing is run, so no command touches the store or the network.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import Enum
from typing import Any

import pytest
import typer

from riskoff.cli import app

ROOT = typer.main.get_command(app)
DATE_OPTIONS = ("--date", "--as-of", "--start", "--end", "--since")
BAD_DATES = ("today", "01/09/2026", "1500-01-01", "0001-01-01", "2026-02-30", "20260801")
BAD_BOUNDED = {"--window": ("0", "1", "-5", "100000", "abc"), "-k": ("0", "-3", "31", "abc")}
MUST_BE_CHOICES = ("--format", "--date-format")


def _commands(cmd: Any = ROOT, path: tuple[str, ...] = ()) -> Iterator[tuple[str, Any]]:
    subs = getattr(cmd, "commands", None)
    if subs:
        for name, sub in sorted(subs.items()):
            yield from _commands(sub, (*path, name))
    else:
        yield " ".join(path), cmd


def _options(cmd: Any) -> Iterator[tuple[str, Any]]:
    for param in cmd.params:
        if param.param_type_name == "option" and param.name != "help" and param.opts:
            yield max(param.opts, key=len), param


def _annotation(param: Any) -> Any:
    return getattr(getattr(param, "type_descriptor", None), "annotation", None)


def _is_date_option(name: str) -> bool:
    return name in DATE_OPTIONS or (name.endswith("-date") and name != "--date-format")


def _cases() -> Iterator[Any]:
    for path, cmd in _commands():
        for name, param in _options(cmd):
            ann = _annotation(param)
            bad: list[tuple[str, tuple[str, ...]]] = []
            if isinstance(ann, type) and issubclass(ann, Enum):
                bad.append(("not-a-choice", tuple(str(m.value) for m in ann)))
            elif name in MUST_BE_CHOICES:
                bad.append(("not-a-choice", ("one of",)))
            if _is_date_option(name):
                bad += [(v, ()) for v in BAD_DATES]
            if name in BAD_BOUNDED:
                bad += [(v, ()) for v in BAD_BOUNDED[name]]
            elif ann is int or ann is float:
                bad.append(("abc", ()))
            for value, listed in bad:
                yield pytest.param(path, cmd, name, value, listed, id=f"{path} {name} {value}")


CASES = list(_cases())


def test_the_tree_has_every_command() -> None:
    names = {path for path, _ in _commands()}
    assert {"diagnose", "report", "indicators", "analogs", "latest", "series show"} <= names
    assert len(CASES) > 40


@pytest.mark.parametrize(("path", "cmd", "option", "value", "listed"), CASES)
def test_bad_option_value_is_refused(
    path: str, cmd: Any, option: str, value: str, listed: tuple[str, ...]
) -> None:
    with pytest.raises(Exception) as caught:
        cmd.make_context(path, [option, value])
    exc = caught.value
    assert getattr(exc, "exit_code", None) == 2, f"{path} {option} {value!r}: {exc!r}"
    message = exc.format_message()
    assert option in message, message
    assert "\n" not in message.strip(), message
    for valid in listed:
        assert valid in message, f"{valid!r} not listed in: {message}"


WEEKEND = [
    pytest.param(path, cmd, name, id=f"{path} {name}")
    for path, cmd in _commands()
    for name, _ in _options(cmd)
    if _is_date_option(name)
]


@pytest.mark.parametrize(("path", "cmd", "option"), WEEKEND)
def test_date_options_accept_a_weekend(path: str, cmd: Any, option: str) -> None:
    try:
        cmd.make_context(path, [option, "2026-08-01"])
    except Exception as exc:  # another required option may be missing; this one must be fine
        message = exc.format_message() if hasattr(exc, "format_message") else str(exc)
        assert option not in message, message
