"""Rate limits, prompt and identity-leak checks, anomaly detection, flags and moderation.

The top of the package order (anti_abuse -> voting -> contest -> app): it reaches down into voting and
contest and registers into the hooks they offer when it is initialised.
"""
from flask import Flask

from anti_abuse import limits, messages, moderation_routes, routes  # noqa: F401  (routes attach to the blueprint)
from anti_abuse.blueprint import bp  # noqa: F401  (registered by the factory)
from anti_abuse import pages  # noqa: F401,E402  (the moderators' pages nest in the blueprint)
from anti_abuse.identity import identity_leak_check
from anti_abuse.seen import answer_seen_check


def init_app(app: Flask) -> None:
    """The named rate limits on the endpoints they protect, and the vote exclusion checks voting offers a hook for."""
    limits.init_app(app)
    messages.register()
    # Order matters only for the reason stored: an answer naming its model is the graver finding.
    checks = app.extensions.setdefault("vote_exclusion_checks", [])
    checks.extend([identity_leak_check, answer_seen_check])
