"""Generators and helpers run from the repository root (``python -m tools.<name>``)."""
