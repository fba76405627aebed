"""Moderation API and pages."""
from anti_abuse import bp  # noqa: F401
