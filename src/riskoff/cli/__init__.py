"""The ``riskoff`` command line: thin commands over the public API, one module per group.

Heavy modules are imported inside the commands so that ``riskoff --version`` and ``--help`` stay
fast.
"""

from __future__ import annotations

import os
import sys

from riskoff.cli import analysis, data, live, validation
from riskoff.cli._app import app, err_console
from riskoff.errors import RiskoffError

__all__ = ["analysis", "app", "data", "live", "main", "validation"]


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
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        code = 2
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)
