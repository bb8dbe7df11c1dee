"""Universe scale: breadth, dispersion, co-movement and turbulence over thousands of assets."""

from riskoff.universe.scan import UniverseScan, scan_universe

__all__ = ["UniverseScan", "scan_universe"]
