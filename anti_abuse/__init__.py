"""Rate limits, prompt and identity-leak checks, anomaly detection, flags and moderation."""
from flask import Blueprint, Flask

bp = Blueprint("anti_abuse", __name__)

from anti_abuse import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Per-package wiring beyond the blueprint: the vote exclusion checks voting offers a hook for."""
    from anti_abuse.identity import identity_leak_check
    from anti_abuse.seen import answer_seen_check

    # Order matters only for the reason stored: an answer naming its model is the graver finding.
    checks = app.extensions.setdefault("vote_exclusion_checks", [])
    checks.extend([identity_leak_check, answer_seen_check])
