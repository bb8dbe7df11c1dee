"""The local web app and JSON API of ``riskoff serve`` (needs the ``web`` extra)."""

from __future__ import annotations

from riskoff.web.app import create_app

__all__ = ["create_app"]
