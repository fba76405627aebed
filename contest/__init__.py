"""Teams, models, rounds, prompts, battles, model backends and pair sampling."""
from flask import Blueprint

bp = Blueprint("contest", __name__)

from contest import routes  # noqa: E402,F401  (registers the routes on bp)
