"""The ``riskoff`` command line: thin commands over the public API, one module per group.

Heavy modules are imported inside the commands so that ``riskoff --version`` and ``--help`` stay
fast.
"""

from __future__ import annotations

import os
import sys

from riskoff.cli import analysis, data, live, scan, serve, validation, verify
from riskoff.cli._app import app, err_console
from riskoff.errors import RiskoffError

__all__ = ["analysis", "app", "data", "live", "main", "scan", "serve", "validation", "verify"]


def main() -> None:
    """Entry point of the ``riskoff`` script: errors become one clear line and exit code 2.

    Once the command has finished (every write committed, every file closed), the process
    exits without the interpreter's teardown, which would spend about 0.3 s freeing pandas
    objects that the operating system reclaims anyway.
    """
    code: int
    try:
        app()
        code = 0
    except SystemExit as exc:
        if isinstance(exc.code, str):
            err_console.print(exc.code, highlight=False)
        code = exc.code if isinstance(exc.code, int) else (1 if exc.code else 0)
    except RiskoffError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False, soft_wrap=True)
        code = 2
    except OSError as exc:  # an output path, RISKOFF_HOME or a file given on the command line
        err_console.print(f"[red]error:[/red] {_os_error(exc)}", highlight=False, soft_wrap=True)
        code = 2
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except BrokenPipeError:  # the reader left (``riskoff indicators | head``); click said so
        pass
    except OSError:  # e.g. a full disk behind a redirection
        code = code or 1
    os._exit(code)


def _os_error(exc: OSError) -> str:
    """One line for a file-system error: what failed, on which path, and what to check."""
    from rich.markup import escape

    path = exc.filename if exc.filename is not None else ""
    reason = exc.strerror or type(exc).__name__
    hints = {
        IsADirectoryError: "give a file name, not a directory",
        NotADirectoryError: "a part of the path is a file, not a directory (check RISKOFF_HOME)",
        PermissionError: "check the permissions, or choose another path",
        FileNotFoundError: "check the path",
    }
    hint = next((h for cls, h in hints.items() if isinstance(exc, cls)), "")
    text = f"{reason}: {path}" if path else f"{reason}"
    return escape(text + (f" ({hint})" if hint else ""))
