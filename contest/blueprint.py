"""The `contest` blueprint; its route modules attach to it (`contest.bp` imports them on first use)."""
from flask import Blueprint

bp = Blueprint("contest", "contest")
