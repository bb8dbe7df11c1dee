"""``riskoff serve``: the local web app and JSON API (needs ``pip install 'riskoff[web]'``)."""

from __future__ import annotations

import ipaddress
from typing import Annotated

import typer

from riskoff.cli._app import app, err_console
from riskoff.errors import MissingExtraError

LOOPBACK_NAMES = ("localhost",)


def is_loopback(host: str) -> bool:
    """Return whether ``host`` is a loopback address or ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


@app.command("serve")
def serve_cmd(
    host: Annotated[
        str,
        typer.Option(help="Address to listen on; anything but loopback is reachable by others."),
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on.")] = 8050,
    open_browser: Annotated[
        bool, typer.Option("--open", help="Open the dashboard in the default web browser.")
    ] = False,
) -> None:
    """Serve the dashboard and the JSON API (read-only: `riskoff update` can run meanwhile).

    The dashboard is at http://HOST:PORT/, the API under /api/ and its OpenAPI schema at
    /openapi.json.
    """
    try:
        import uvicorn

        from riskoff.web import create_app
        from riskoff.web.app import LOOPBACK_HOSTS
    except ImportError as exc:
        raise MissingExtraError(
            f"riskoff serve needs the web extra ({exc.name} is missing): pip install 'riskoff[web]'"
        ) from None
    from riskoff.store import default_store

    store = default_store()
    store.ensure_ready()  # a first run seeds the store here, before any request reads it
    local = is_loopback(host)
    if not local:
        err_console.print(
            f"[yellow]warning:[/yellow] listening on {host}: other machines can reach this app "
            "(it has no login); use --host 127.0.0.1 to keep it on this computer",
            highlight=False,
        )
    allowed = (*LOOPBACK_HOSTS, host) if local else None
    url = f"http://{'127.0.0.1' if not local or host == '::1' else host}:{port}/"
    if host == "::1":
        url = f"http://[::1]:{port}/"
    err_console.print(f"riskoff dashboard on {url} (Ctrl+C to stop)", highlight=False)
    if open_browser:
        import threading
        import webbrowser

        threading.Timer(1.0, webbrowser.open, args=(url,)).start()
    uvicorn.run(create_app(store, allowed_hosts=allowed), host=host, port=port, log_level="info")
