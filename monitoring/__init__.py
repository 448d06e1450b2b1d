"""Early warning: watches, mentions, sentiment, spike detection and alerts.

Arrives with the early-warning issue; the package exists now so the layer contracts in
pyproject.toml name every app from the start.
"""
