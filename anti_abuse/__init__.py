"""Rate limits, prompt and identity-leak checks, anomaly detection, flags and moderation."""
from flask import Blueprint, Flask

bp = Blueprint("anti_abuse", __name__)

from anti_abuse import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Per-package wiring beyond the blueprint (CLI groups, workers, messages)."""
