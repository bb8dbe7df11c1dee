"""``python -m riskoff``."""

from riskoff.cli import main

main()
