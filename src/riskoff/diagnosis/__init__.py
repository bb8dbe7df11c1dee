"""Diagnosis: classify a sell-off, explain it, and find its historical analogs."""
