"""Teams, models, rounds, prompts, battles, model backends and pair sampling."""
from flask import Blueprint, Flask

bp = Blueprint("contest", __name__)

from contest import routes  # noqa: E402,F401  (registers the routes on bp)


def init_app(app: Flask) -> None:
    """Per-package wiring beyond the blueprint (CLI groups, workers, messages)."""
