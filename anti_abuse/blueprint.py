"""The `anti_abuse` blueprint; its route modules attach to it (`anti_abuse.bp` imports them on first use)."""
from flask import Blueprint

bp = Blueprint("anti_abuse", "anti_abuse")
