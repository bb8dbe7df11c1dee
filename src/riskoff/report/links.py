"""Where a reader can check a number: each series' page at its provider, each episode's source.

Links are plain ``https`` addresses in the brief's tables; the HTML stays self-contained (a
link is followed only when the reader clicks it).
"""

from __future__ import annotations

import re
from urllib.parse import quote

__all__ = ["episode_url", "series_url"]

NYFED_RATES = {
    "sofr": "https://www.newyorkfed.org/markets/reference-rates/sofr",
    "effr": "https://www.newyorkfed.org/markets/reference-rates/effr",
    "obfr": "https://www.newyorkfed.org/markets/reference-rates/obfr",
    "tgcr": "https://www.newyorkfed.org/markets/reference-rates/tgcr",
    "bgcr": "https://www.newyorkfed.org/markets/reference-rates/bgcr",
    "rrp": "https://www.newyorkfed.org/markets/desk-operations/reverse-repo",
    "repo": "https://www.newyorkfed.org/markets/desk-operations/repo",
}
PAGES = {
    "lbma": "https://www.lbma.org.uk/prices-and-data/precious-metal-prices",
    "reconstructed": "https://fred.stlouisfed.org/series/IOER",
}
COINS = {"BTC": "bitcoin", "ETH": "ethereum"}
_URL = re.compile(r"https?://[^\s)\]>,;]+")


def series_url(source: str, native_id: str) -> str:
    """The provider's page of a series ("" when the provider has none)."""
    if source == "fred":
        return f"https://fred.stlouisfed.org/series/{quote(native_id)}"
    if source == "yahoo":
        return f"https://finance.yahoo.com/quote/{quote(native_id)}"
    if source == "nyfed":
        return NYFED_RATES.get(native_id.split(":")[0], "https://www.newyorkfed.org/markets")
    if source == "crypto":
        base = native_id.split("/")[0]
        return f"https://www.coingecko.com/en/coins/{COINS.get(base, base.lower())}"
    return PAGES.get(source, "")


def episode_url(source: str) -> str:
    """The first address in an episode's source text ("" when it has none)."""
    match = _URL.search(source)
    return match.group(0).rstrip(".") if match else ""
