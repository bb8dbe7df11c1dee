"""Typed view of ``catalog.toml``: every series riskoff knows, with units, lags and roles."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from riskoff.errors import CatalogError

ASSET_CLASSES = (
    "funding",
    "rates",
    "credit",
    "volatility",
    "fx",
    "equity",
    "commodity",
    "crypto",
    "stress_index",
    "macro",
)
FREQUENCIES = ("daily", "weekly", "monthly")

# How many business days a value may be carried forward before it counts as missing: a daily
# series survives a long weekend plus a holiday, a weekly one a skipped week, a monthly one a
# late release. Longer gaps stay NaN rather than being silently filled.
FFILL_LIMIT_BDAYS = {"daily": 5, "weekly": 10, "monthly": 50}
# A series whose last value is older than this (calendar days, beyond its publication lag) is
# reported as stale.
STALE_AFTER_DAYS = {"daily": 5, "weekly": 10, "monthly": 70}


@dataclass(frozen=True)
class SeriesSpec:
    """One series of the catalog.

    Attributes
    ----------
    id : str
        riskoff's id, also the column name in panels.
    name : str
        Human-readable description.
    asset_class : str
        One of ``ASSET_CLASSES``.
    unit : str
        The unit riskoff stores and computes in.
    frequency : str
        ``daily``, ``weekly`` or ``monthly``.
    publication_lag_days : int
        Calendar days between a value's date and the day it is public.
    source : str
        Provider key in the source registry.
    native_id : str
        The provider's own id (FRED code, ticker, market symbol).
    roles : tuple of str
        Flags used by the indicators (``risk_asset``, ``safe_haven``, ``funding_rate`` ...).
    group : str or None
        A finer label (``gold``, ``banks``, ``japan``) used for epicenters and baskets.
    native_unit : str or None
        The provider's unit when it differs from ``unit``.
    scale : float
        ``value_in_unit = native_value * scale``.
    licence : str
        The provider's terms for the data.
    release_rule : str or None
        A calendar rule for the day a value becomes public (see :mod:`riskoff.releases`);
        when set it replaces ``publication_lag_days`` (then an upper bound used for staleness).
    """

    id: str
    name: str
    asset_class: str
    unit: str
    frequency: str
    publication_lag_days: int
    source: str
    native_id: str
    roles: tuple[str, ...] = ()
    group: str | None = None
    native_unit: str | None = None
    scale: float = 1.0
    licence: str = ""
    user_defined: bool = field(default=False, compare=False)
    release_rule: str | None = None

    @property
    def ffill_limit(self) -> int:
        """Business days a value may be carried forward."""
        return FFILL_LIMIT_BDAYS[self.frequency]

    @property
    def stale_after_days(self) -> int:
        """Calendar days after which the latest value counts as stale."""
        return STALE_AFTER_DAYS[self.frequency] + self.publication_lag_days


def _spec_from_table(table: dict[str, object]) -> SeriesSpec:
    try:
        spec = SeriesSpec(
            id=str(table["id"]),
            name=str(table["name"]),
            asset_class=str(table["asset_class"]),
            unit=str(table["unit"]),
            frequency=str(table["frequency"]),
            publication_lag_days=int(table["publication_lag_days"]),  # type: ignore[call-overload]
            source=str(table["source"]),
            native_id=str(table["native_id"]),
            roles=tuple(table.get("roles", ())),  # type: ignore[arg-type]
            group=str(table["group"]) if "group" in table else None,
            native_unit=str(table["native_unit"]) if "native_unit" in table else None,
            scale=float(table.get("scale", 1.0)),  # type: ignore[arg-type]
            licence=str(table.get("licence", "")),
            release_rule=str(table["release_rule"]) if "release_rule" in table else None,
        )
    except KeyError as exc:
        raise CatalogError(f"catalog entry {table.get('id', '?')} lacks field {exc}") from exc
    if spec.asset_class not in ASSET_CLASSES:
        raise CatalogError(f"catalog entry {spec.id}: unknown asset class {spec.asset_class!r}")
    if spec.frequency not in FREQUENCIES:
        raise CatalogError(f"catalog entry {spec.id}: unknown frequency {spec.frequency!r}")
    if spec.release_rule is not None:
        from riskoff.releases import RELEASE_RULES

        if spec.release_rule not in RELEASE_RULES:
            raise CatalogError(
                f"catalog entry {spec.id}: unknown release rule {spec.release_rule!r}"
            )
    return spec


@cache
def load_catalog() -> dict[str, SeriesSpec]:
    """Read the bundled ``catalog.toml`` once.

    Returns
    -------
    dict of str to SeriesSpec
        Keyed by series id, in catalog order.
    """
    text = resources.files("riskoff").joinpath("catalog.toml").read_text(encoding="utf-8")
    tables = tomllib.loads(text)["series"]
    catalog = {}
    for table in tables:
        spec = _spec_from_table(table)
        if spec.id in catalog:
            raise CatalogError(f"catalog lists series {spec.id} twice")
        catalog[spec.id] = spec
    return catalog


def get_spec(series_id: str) -> SeriesSpec:
    """Return the catalog entry of ``series_id``.

    Raises
    ------
    CatalogError
        If the id is not in the catalog; the message suggests close ids.
    """
    catalog = load_catalog()
    try:
        return catalog[series_id]
    except KeyError:
        import difflib

        close = difflib.get_close_matches(series_id, list(catalog), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        raise CatalogError(f"unknown series id {series_id!r}{hint}") from None
