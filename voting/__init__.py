"""Votes, the vote stream, rating maths, the leaderboard, snapshots and the data release."""
from flask import Blueprint, Flask

bp = Blueprint("voting", __name__)

from voting import routes  # noqa: E402,F401


def init_app(app: Flask) -> None:
    """Per-package wiring beyond the blueprint (CLI groups, workers, messages)."""
