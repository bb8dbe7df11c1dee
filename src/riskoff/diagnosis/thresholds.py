"""Every threshold the classifier uses, in one place.

Each rule scores a crash type from *ramps*: ``ramp(x, lo, hi)`` is 0 at or below ``lo``, 1 at or
above ``hi`` and linear in between, so evidence counts in proportion to its strength rather than
flipping at one number. A type's score is the mean of its ramps when every *required* ramp is
above zero, and a quarter of that otherwise. Units: ``z`` is a window move in units of the
asset's own sigma (see ``indicators.crossasset.window_moves``), spreads are in basis points,
shares in [0, 1].
"""

from __future__ import annotations

# (lo, hi) pairs for the ramps.
EQUITY_SELLOFF_Z = (1.0, 2.5)  # -z of US equities: a sell-off under way
CRUNCH_EQUITY_Z = (1.5, 3.0)  # a sharper fall for a liquidity crunch
EQUITY_DOWN_Z = (0.5, 2.0)  # a milder fall, enough alongside a bond or yen shock
BREADTH = (0.25, 0.55)  # share of asset classes down more than 1 sigma
HAVEN_FAILURE = (0.5, 2.0)  # -z of the worse of gold and long Treasuries
HAVEN_RALLY = (0.25, 1.25)  # -safe_haven_failure: gold, Treasuries and the yen rallied
STRESS_PERCENTILE = (0.85, 0.98)  # stress index percentile in its own history
CREDIT_WIDENING_BP = (30.0, 150.0)  # high-yield spread change over the window
CORRELATION_JUMP = (0.05, 0.25)  # 20-day average correlation minus its level a window earlier
DOLLAR_BID_Z = (0.0, 1.5)
DOLLAR_NOT_SOLD_Z = -0.5  # in a liquidity crunch cash dollars are bid, not sold
BONDS_DOWN_Z = (1.0, 2.5)  # -z of long Treasuries
YIELD_RISE_BP = (15.0, 50.0)  # 10-year yield change over the window
YIELD_FALL_BP = (0.0, 30.0)
HAVEN_UP_Z = (0.0, 1.5)  # z of long Treasuries / gold in a flight to safety
CONCENTRATED_WORST_Z = (2.5, 4.0)  # -z of the worst-hit class
CONCENTRATED_GAP_Z = (1.5, 3.0)  # worst class below the other risk assets and US equities
OTHERS_HOLD_Z = (0.5, 1.5)  # -median z of the other risk assets: they should hold
FUNDING_SPIKE_BP = (10.0, 30.0)  # max non-calendar spread over the reserve rate, 5 days
FUNDING_ANY_DAY_BP = (25.0, 75.0)  # max spread over 5 days, calendar days included
FUNDING_LEVEL_BP = (3.0, 10.0)  # ex-calendar 10-day median spread
YEN_SURGE_Z = (1.5, 3.0)  # z of the yen's window move (positive = stronger yen)
FINANCED_CRASH_Z = (1.5, 3.0)  # -z of the worst of Japan, EM, tech, crypto
YEN_LEADS = (0.6, 1.2)  # yen z over -US equities z: the yen move is the story, not a side effect
VIX_LEVEL = (20.0, 30.0)
VIX_JUMP_Z = (2.0, 5.0)  # z of the VIX change over the window
HAVENS_FLAT_Z = (0.75, 2.0)  # largest |z| of gold and long Treasuries: neither rallied nor fell
CALM_WORST_Z = (1.75, 3.0)  # -z of the worst risk class for a calm verdict

REQUIRED_MISSING_FACTOR = 0.25  # score multiplier when a required ramp is zero

# Severity from the stress index percentile: below the first bound "mild", and so on.
SEVERITY_BOUNDS = ((0.75, "mild"), (0.90, "moderate"), (0.98, "severe"), (1.01, "extreme"))

# Which asset classes can be an epicenter, and the name reported for each.
EPICENTERS = {
    "crypto": "crypto",
    "banks": "banks",
    "tech": "tech",
    "semis": "tech",
    "gold": "precious_metals",
    "silver": "precious_metals",
    "oil": "energy",
    "commodities": "energy",
    "japan": "japan",
    "em_equities": "em",
    "credit": "credit",
    "small_caps": "small_caps",
    "intl_equities": "international",
}
# Classes whose carry trades the yen funds.
CARRY_FINANCED = ("japan", "em_equities", "tech", "semis", "crypto")
