"""The cross-asset basket: one daily return series per asset class, from the best proxy.

Each class lists proxies in order of preference; on each day the first proxy with a return is
used, so a class survives a proxy that starts late or stops early (UUP ends before the broad
dollar index, FXY before USD/JPY...). Returns are log returns in the direction an investor holding
the asset sees them: the yen from USD/JPY is the negative of its log change.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class Proxy:
    """A series standing in for an asset class.

    ``invert`` flips the sign of its returns (USD/JPY for the yen). ``duration`` marks a yield
    in percent whose bond return is approximated as ``-duration * change in yield``.
    """

    series_id: str
    invert: bool = False
    duration: float | None = None


# The configurable basket: asset class -> proxies in order of preference.
DEFAULT_BASKET: dict[str, tuple[Proxy, ...]] = {
    "us_equities": (Proxy("SPY"), Proxy("VTI"), Proxy("SP500"), Proxy("NASDAQCOM")),
    "tech": (Proxy("QQQ"), Proxy("NASDAQCOM")),
    "semis": (Proxy("SMH"),),
    "small_caps": (Proxy("IWM"),),
    "intl_equities": (Proxy("EFA"), Proxy("STOXX50E")),
    "em_equities": (Proxy("EEM"),),
    "japan": (Proxy("NIKKEI225"),),
    "banks": (Proxy("XLF"),),
    "credit": (Proxy("HYG"),),
    # Before TLT (2002) the 30-year yield stands in, at TLT's typical duration of about 17.
    "long_treasuries": (Proxy("TLT"), Proxy("DGS30", duration=17.0)),
    "gold": (Proxy("GLD"), Proxy("GOLD_LBMA_PM")),
    "silver": (Proxy("SLV"),),
    "oil": (Proxy("USO"), Proxy("DCOILWTICO")),
    "commodities": (Proxy("DBC"),),
    "crypto": (Proxy("BTC-USD"),),
    "dollar": (Proxy("UUP"), Proxy("DTWEXBGS")),
    "yen": (Proxy("FXY"), Proxy("USDJPY", invert=True)),
}
# Roles of the classes in the diagnosis.
SAFE_HAVENS = ("gold", "long_treasuries", "yen")
CASH_DOLLAR = "dollar"
EQUITY_ANCHOR = "us_equities"
RISK_CLASSES = tuple(c for c in DEFAULT_BASKET if c not in (*SAFE_HAVENS, CASH_DOLLAR))
# Series read alongside the basket but not part of it (they would count twice in breadth and
# co-movement): ether for the analog fingerprint, the 30-year mortgage rate for the brief.
SIDE_SERIES = {"ether": "ETH-USD", "mortgage_30y": "MORTGAGE30US"}
# Readable names for reports.
CLASS_LABELS = {
    "us_equities": "US equities",
    "tech": "US tech (Nasdaq 100)",
    "semis": "Semiconductors",
    "small_caps": "US small caps",
    "intl_equities": "Developed ex-US equities",
    "em_equities": "Emerging-market equities",
    "japan": "Japan (Nikkei 225)",
    "banks": "US financials",
    "credit": "High-yield credit",
    "long_treasuries": "Long Treasuries",
    "gold": "Gold",
    "silver": "Silver",
    "oil": "Oil",
    "commodities": "Broad commodities",
    "crypto": "Bitcoin",
    "dollar": "US dollar",
    "yen": "Japanese yen",
    "ether": "Ether",
}


def basket_series(basket: dict[str, tuple[Proxy, ...]] | None = None) -> list[str]:
    """Return every series id the basket may use (with ``SIDE_SERIES`` for the default basket)."""
    side = set(SIDE_SERIES.values()) if basket is None or basket is DEFAULT_BASKET else set()
    basket = basket or DEFAULT_BASKET
    return sorted({p.series_id for proxies in basket.values() for p in proxies} | side)


def basket_proxies(
    panel: pd.DataFrame, basket: dict[str, tuple[Proxy, ...]] | None = None
) -> pd.DataFrame:
    """Return, per day and class, the id of the proxy whose return ``basket_returns`` used."""
    basket = basket or DEFAULT_BASKET
    out = {}
    for name, proxies in basket.items():
        used = pd.Series(None, index=panel.index, dtype=object)
        for proxy in proxies:
            if proxy.series_id in panel:
                level = panel[proxy.series_id]
                has = (level.notna() & level.shift(1).notna()) & used.isna()
                used[has] = proxy.series_id
        out[name] = used
    return pd.DataFrame(out, index=panel.index)


def basket_returns(
    panel: pd.DataFrame, basket: dict[str, tuple[Proxy, ...]] | None = None
) -> pd.DataFrame:
    """Return daily log returns per asset class from a point-in-time panel.

    Parameters
    ----------
    panel : DataFrame
        Business-day panel holding the proxies' levels.
    basket : dict, optional
        Asset class -> proxies (default ``DEFAULT_BASKET``).

    Returns
    -------
    DataFrame
        One column per class; NaN where no proxy has a return that day. A level carried
        forward over a holiday gives a zero return.
    """
    basket = basket or DEFAULT_BASKET
    out = {}
    for name, proxies in basket.items():
        combined = pd.Series(np.nan, index=panel.index)
        for proxy in proxies:
            if proxy.series_id not in panel:
                continue
            level = panel[proxy.series_id]
            if proxy.duration is not None:
                ret = -proxy.duration * level.diff() / 100.0
            else:
                # A non-positive price (WTI on 2020-04-20) has no log return.
                with np.errstate(invalid="ignore", divide="ignore"):
                    ret = np.log((level / level.shift(1)).where(level > 0))
            if proxy.invert:
                ret = -ret
            combined = combined.fillna(ret)
        out[name] = combined
    return pd.DataFrame(out, index=panel.index)
