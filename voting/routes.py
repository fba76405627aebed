"""Voting API and pages."""
from voting import bp  # noqa: F401
