"""Voting fixtures: a round with battles ready to vote on, and a logged-in voter."""
import pytest

from tests.builders import make_battle, make_round, make_user


@pytest.fixture
def arena(db):
    """A round of 3 models and a voter with 6 ready battles (committed)."""
    round_ = make_round(db, "r-vote", models=3, categories=("daily", "coding"))
    voter = make_user(db, "투표자")
    battles = [make_battle(db, voter, round_, i % 3, (i + 1) % 3) for i in range(6)]
    db.commit()
    return {"round": round_, "user": voter, "battles": battles, "models": [rm.model for rm in round_.roster]}
