"""The real app plus one bench-only no-op endpoint; loaded only by the bench's gunicorn, never in normal runs."""
from flask import jsonify

from app import create_app

app = create_app()


@app.post("/bench/noop")
def bench_noop():
    """Does nothing: the cost of the app's own request pipeline (session, CSRF, headers, logs)."""
    return jsonify({"ok": True})
