"""Votes, the vote stream, rating maths, the leaderboard, snapshots and the data release."""
from flask import Blueprint

bp = Blueprint("voting", __name__)

from voting import routes  # noqa: E402,F401
