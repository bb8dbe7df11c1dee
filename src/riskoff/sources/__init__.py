"""Data sources: one module per provider behind the ``Source`` protocol and a registry.

=========  ==================================================  ==============  =============
source     provider                                            needs           throttle
=========  ==================================================  ==============  =============
fred       FRED / ALFRED (St. Louis Fed)                       -               2 at once
nyfed      New York Fed Markets Data API                       -               2 at once
acm        New York Fed ACM term premium file (CSV; .xls)      (``xlrd``)      1 at once, 1/s
yahoo      Yahoo Finance through yfinance                      ``[yahoo]``     1 at once, 1/s
crypto     a public exchange through ccxt (OHLCV)              ``[crypto]``    1 at once
bundled    the snapshot shipped inside the package             -               -
=========  ==================================================  ==============  =============

A source whose optional package is missing is absent from :func:`available_sources`; asking
for it raises :class:`~riskoff.errors.MissingExtraError` naming the extra to install
(``pip install 'riskoff[yahoo]'``).

Environment variables
---------------------
Every address can be redirected, for a mirror, a proxy or a test server:

``RISKOFF_FRED_URL``
    Root of FRED's keyless CSV, default ``https://fred.stlouisfed.org``
    (riskoff asks ``{root}/graph/fredgraph.csv?id=ID&cosd=START&coed=END``).
``RISKOFF_FRED_API_URL``
    Root of FRED's JSON API, default ``https://api.stlouisfed.org/fred``
    (``{root}/series/observations``), used only when ``FRED_API_KEY`` is set.
``RISKOFF_NYFED_URL``
    Root of the New York Fed Markets Data API, default ``https://markets.newyorkfed.org/api``
    (``{root}/rates/secured/sofr/search.json``, ``{root}/rp/results/search.json`` ...).
``RISKOFF_ACM_URL``
    The ACM term-premium file, default the NY Fed's ``ACMTermPremium.xls``; a CSV export of
    its ``ACM Daily`` sheet is read as well (the workbook needs the package ``xlrd``).
``RISKOFF_YAHOO_URL``
    When set, Yahoo's chart API is read directly from ``{root}/v8/finance/chart/{ticker}``
    instead of through yfinance (which always talks to Yahoo itself).
``RISKOFF_CRYPTO_URL``
    Replaces scheme and host of every API address of the ccxt exchange.
``RISKOFF_CRYPTO_EXCHANGE``
    The ccxt exchange id for crypto closes, default ``binance``.

Credentials, from the environment only:

``FRED_API_KEY``
    A free FRED key. Without it riskoff reads the keyless CSV (latest values only); with it,
    the JSON API with ALFRED vintages, so revisions are stored as first seen when FRED
    published them. The key is never written to the store, to logs or to error messages.

Politeness and retries (seconds unless said otherwise):

``RISKOFF_HTTP_TIMEOUT``
    Total deadline of one request, from connecting to the last byte of the body, default 30
    (a server trickling its answer cannot hold a request longer).
``RISKOFF_HTTP_RETRIES``
    Attempts per request, first included, default 4. Timeouts, dropped or truncated
    connections, HTTP 429 and 5xx are retried; other 4xx are not. A host that cannot be
    reached at all (its name does not resolve, the connection is refused, no route, no
    handshake within 90% of the deadline) is not retried, and every later request to it in the
    same run fails at once.
``RISKOFF_HTTP_BACKOFF``
    Base of the exponential backoff with full jitter, default 1.
``RISKOFF_HTTP_MAX_WAIT``
    Longest wait between two attempts, also the cap on a server's ``Retry-After``, default 60.
``RISKOFF_HTTP_MIN_INTERVAL``
    Overrides the spacing between two requests to one host (FRED 0.5, NY Fed 0.2, Yahoo 1):
    for a mirror of your own. Requests in flight per host stay bounded (FRED 2, NY Fed 2,
    Yahoo 1, crypto 1).
"""

from __future__ import annotations

from riskoff.sources.base import (
    HostPolicy,
    HttpClient,
    RetryPolicy,
    Source,
    available_sources,
    get_source,
    known_sources,
    missing_extra,
    register_source,
    reset_shared_client,
    shared_client,
)

__all__ = [
    "HostPolicy",
    "HttpClient",
    "RetryPolicy",
    "Source",
    "available_sources",
    "get_source",
    "known_sources",
    "missing_extra",
    "register_source",
    "reset_shared_client",
    "shared_client",
]


def _fred() -> Source:
    from riskoff.sources.fred import FredSource

    return FredSource()


def _nyfed() -> Source:
    from riskoff.sources.nyfed import NyFedSource

    return NyFedSource()


def _acm() -> Source:
    from riskoff.sources.acm import AcmSource

    return AcmSource()


def _yahoo() -> Source:
    from riskoff.sources.yahoo import YahooSource

    return YahooSource()


def _crypto() -> Source:
    from riskoff.sources.crypto import CryptoSource

    return CryptoSource()


def _bundled() -> Source:
    from riskoff.sources.bundled import BundledSource

    return BundledSource()


# Modules are imported when a source is first used, so importing riskoff.sources stays cheap and
# never imports yfinance or ccxt.
register_source("fred", _fred)
register_source("nyfed", _nyfed)
register_source("acm", _acm)
register_source("yahoo", _yahoo, extra="yahoo", module="yfinance")
register_source("crypto", _crypto, extra="crypto", module="ccxt")
register_source("bundled", _bundled)
