"""The `voting` blueprint; its route modules attach to it (`voting.bp` imports them on first use)."""
from flask import Blueprint

bp = Blueprint("voting", "voting")
