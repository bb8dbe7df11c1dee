"""Exceptions raised by riskoff; each names the series, file or row it is about."""

from __future__ import annotations


class RiskoffError(Exception):
    """Base class of every error riskoff raises on purpose."""


class CatalogError(RiskoffError):
    """A series id or a catalog entry is unknown or inconsistent."""


class DataError(RiskoffError):
    """Input data are malformed: bad dates, non-numeric values, duplicates, wrong units."""


class SourceError(RiskoffError):
    """A provider could not be reached or answered with something unusable."""

    def __init__(self, source: str, series: str, reason: str) -> None:
        self.source = source
        self.series = series
        self.reason = reason
        super().__init__(f"{source}: series {series}: {reason}")


class MissingExtraError(RiskoffError):
    """An optional source needs a package extra that is not installed."""


class StaleDataError(RiskoffError):
    """The data needed for an answer end too long before the requested date."""


class HostUnreachableError(SourceError):
    """A provider's host cannot be reached at all (no route, refused, name not resolved)."""

    def __init__(self, source: str, series: str, host: str, reason: str) -> None:
        self.host = host
        super().__init__(source, series, reason)


class StoreError(RiskoffError):
    """The store file cannot be opened or written: damaged, busy, or in an unusable place."""
