"""Moderation API and pages."""
from anti_abuse.blueprint import bp  # noqa: F401
