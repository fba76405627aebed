"""Real servers for the limit tests: a threaded HTTP server and a logged-in HTTP client (the private
redis-server is tests.redis_server)."""
from __future__ import annotations

import threading

import requests
from flask import Blueprint, Flask, jsonify
from werkzeug.serving import make_server

from anti_abuse.limits import vote_limits
from app.db import new_session, utcnow
from app.sessions import open_user_session
from tests.workers import private_redis_port

# Two ports (this one and the next), the xdist worker's own (tests.workers); TEST_PRIVATE_REDIS_PORT moves the
# base when several suites share the machine.
PRIVATE_REDIS_PORT = private_redis_port()

probe = Blueprint("limits_probe", __name__)


@probe.post("/_probe/battles/<battle_id>/vote")
@vote_limits
def probe_vote(battle_id: str):
    """Test-only stand-in for a vote, behind the vote route's limits."""
    return jsonify({"ok": battle_id})


class LiveServer:
    """The app behind werkzeug's threaded server on an OS-chosen loopback port, in a background thread."""

    def __init__(self, app: Flask):
        self.server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


def http_login(app: Flask, user_id: int, base_url: str) -> requests.Session:
    """A requests session logged in as the user (a real session row) that sends its CSRF token."""
    with app.app_context():
        db = new_session()
        token = open_user_session(db, user_id, utcnow(), app.permanent_session_lifetime)
        db.commit()
        db.close()
    http = requests.Session()
    # A header, not the cookie jar: the test app's cookie is Secure and the server speaks plain HTTP.
    http.headers["Cookie"] = f"{app.config['SESSION_COOKIE_NAME']}={token}"
    me = http.get(f"{base_url}/api/me", timeout=10)
    assert me.status_code == 200, me.text
    http.headers["X-CSRF-Token"] = me.json()["csrf_token"]
    return http
