"""The database connection dies in the middle of a request (PostgreSQL stopped, a failover, a killed
backend): the citizen gets 503 with Retry-After in the error shape, never a bare 500, nothing is half
stored, and the next request works on a fresh connection."""
import pytest
from sqlalchemy import func, select, text

from app.db import discard, new_session, utcnow
from app.sessions import open_user_session
from tests.builders import make_battle, make_round, make_user
from voting.models import Vote

pytestmark = pytest.mark.postgres


def _kill_own_backend(session, _target, _user):
    """An exclusion check that loses the vote transaction's connection, as a stopped server would."""
    session.execute(text("SELECT pg_terminate_backend(pg_backend_pid())"))


def test_a_connection_lost_mid_vote_is_503_and_the_retry_is_counted(pg_url, make_app):
    app = make_app(pg_url, WORKER_IN_PROCESS=False)
    with app.app_context(), new_session() as session:
        round_ = make_round(session)
        user = make_user(session)
        battle = make_battle(session, user, round_)
        token = open_user_session(session, user.id, utcnow(), app.permanent_session_lifetime)
        session.commit()
        battle_id = battle.id
    client = app.test_client()
    client.set_cookie(app.config["SESSION_COOKIE_NAME"], token)
    client.get("/api/me")  # CSRF token
    checks = app.extensions["vote_exclusion_checks"]
    checks.append(_kill_own_backend)
    try:
        lost = client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"})
    finally:
        checks.remove(_kill_own_backend)
    assert lost.status_code == 503, lost.get_data(as_text=True)
    assert lost.get_json()["error"]["code"] == "unavailable" and int(lost.headers["Retry-After"]) > 0
    with app.app_context(), new_session() as session:
        assert session.scalar(select(func.count()).select_from(Vote)) == 0
    retried = client.post(f"/api/battles/{battle_id}/vote", json={"winner": "a"})
    assert retried.status_code == 200, retried.get_data(as_text=True)


def test_discarding_a_session_whose_connection_died_never_raises(pg_url, make_app):
    """Teardown after a lost connection: rolling back must not turn the answer into a 500."""
    app = make_app(pg_url, WORKER_IN_PROCESS=False)
    with app.app_context():
        session = new_session()
        victim = session.execute(text("SELECT pg_backend_pid()")).scalar()
        with app.extensions["db_engine"].connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": victim})
        discard(session)  # raised AdminShutdown / PendingRollbackError before
        with new_session() as fresh:
            assert fresh.execute(text("SELECT 1")).scalar() == 1
