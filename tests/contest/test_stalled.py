"""Battles whose serving process died mid-answer are voided by `flask battles void-stalled`."""
from __future__ import annotations

from datetime import timedelta

from app.db import utcnow
from contest.models import Battle
from tests.builders import make_battle, make_round, make_user


def test_void_stalled_voids_only_old_unfinished_battles(db, runner):
    user, round_ = make_user(db), make_round(db)
    stalled = make_battle(db, user, round_, status="answering")
    stalled.turns[0].completed_at = None
    stalled.turns[0].started_at = utcnow() - timedelta(minutes=10)
    fresh = make_battle(db, user, round_, status="answering")
    fresh.turns[0].completed_at = None  # started just now: still answering
    ready = make_battle(db, user, round_, status="ready")
    ready.turns[0].started_at = utcnow() - timedelta(minutes=10)
    db.commit()
    result = runner.invoke(args=["battles", "void-stalled"])
    assert result.exit_code == 0, result.output
    assert "voided 1 stalled battle(s)" in result.output
    db.expire_all()
    assert (db.get(Battle, stalled.id).status, db.get(Battle, stalled.id).void_reason) == ("voided", "stalled")
    assert db.get(Battle, fresh.id).status == "answering"
    assert db.get(Battle, ready.id).status == "ready"
