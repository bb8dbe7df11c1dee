"""riskoff: why is everything falling, and how bad is it."""

from riskoff._version import __version__

__all__ = ["__version__"]
