"""`make_*` builders for tests: small data the tests make themselves."""
from __future__ import annotations

import itertools
from datetime import timedelta
from pathlib import Path

from app import create_app
from app.db import utcnow

ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def make_test_app(db_url: str, **overrides):
    config = {"ENV": "testing", "DATABASE_URL": db_url, "SECRET_KEY": "test-secret-" + "x" * 32,
              "LOG_JSON": True, "REDIS_URL": "",
              "BOARD_MAX_AGE_S": 0.0}  # the board afresh on every read; tests of its cache set their own age
    config.update(overrides)
    app = create_app(config)
    from tests.clients import CsrfClient

    app.test_client_class = CsrfClient  # logged-in test clients send the CSRF token by themselves
    return app


def make_user(session, name: str = "시민", roles: tuple[str, ...] = ()):
    from app.models import User, UserRole

    user = User(display_name=name)
    user.roles = [UserRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def make_round(session, round_id: str = "r-test", models: int = 3, categories=("daily",), opened_days_ago=1,
               free_prompts: bool = False):
    """A round with `models` bank-backed entrants (one team each); set `free_prompts` for live models."""
    from contest.models import Model, Round, RoundModel, Team

    now = utcnow()
    round_ = Round(id=round_id, title=f"round {round_id}", opens_at=now - timedelta(days=opened_days_ago),
                   closes_at=now + timedelta(days=30), categories=list(categories), status="open",
                   free_prompts=free_prompts)
    session.add(round_)
    for i in range(models):
        team = Team(slug=f"{round_id}-t{i}", name_ko=f"팀{i}", name_en=f"Team {i}")
        model = Model(slug=f"{round_id}-m{i}", team=team, display_name=f"Model {i}", version="1",
                      backend={"kind": "bank"})
        session.add(model)
        session.flush()
        round_.roster.append(RoundModel(model_id=model.id))
    session.flush()
    return round_


_answer_numbers = itertools.count(1)


def make_battle(session, user, round_, a_index: int = 0, b_index: int = 1, status: str = "ready"):
    """A battle with answer texts of its own (a text shown again to a voter who saw it revealed
    would not be counted: anti_abuse's answer_seen check)."""
    from contest.models import Battle, BattleTurn

    models = [rm.model for rm in round_.roster]
    battle = Battle(user_id=user.id, round_id=round_.id, category=round_.categories[0],
                    model_a_id=models[a_index].id, model_b_id=models[b_index].id, status=status,
                    ready_at=utcnow() if status == "ready" else None)
    number = next(_answer_numbers)
    battle.turns.append(BattleTurn(turn_no=1, prompt_text="안녕하세요", answer_a=f"A 답변 {number}",
                                   answer_b=f"B 답변 {number}", completed_at=utcnow()))
    session.add(battle)
    session.flush()
    return battle


def artifact_path(name: str) -> Path:
    """Where tests save screenshots and reports (git-ignored)."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS / name


def make_snapshot(session, round_, snapshot_id: str = "s-test", supersedes: str | None = None, votes: int = 12):
    """A complete published snapshot row of `round_` in the shared shape (the table is append-only:
    it is inserted once, whole). Ratings are made up; only the pages read them."""
    from contest.protocol import normalise_protocol
    from contest.reports import exposure_report
    from voting.leaderboard import model_name
    from voting.models import Snapshot

    entrants = [rm.model for rm in round_.roster]
    names = [model_name(m) for m in entrants]
    rows = [{"rank": 1 if i < 2 else 3, "name": name, "team": m.team.name_ko, "team_en": m.team.name_en,
             "rating": 1040.0 - 30 * i, "ci": [1000.0 - 30 * i, 1080.0 - 30 * i], "battles": votes,
             "win_rate": 0.6 - 0.1 * i, "provisional": i == len(entrants) - 1}
            for i, (m, name) in enumerate(zip(entrants, names))]
    n = len(names)
    matrix = {"models": names, "battles": [[0 if i == j else 4 for j in range(n)] for i in range(n)],
              "win_rate": [[None if i == j else (0.75 if i < j else 0.25) for j in range(n)] for i in range(n)]}
    exposure = exposure_report(session, round_)  # the real shape, from the round's battles
    snapshot = Snapshot(id=snapshot_id, round_id=round_.id, category=None, method="bradley-terry-mle",
                        params={"bootstrap_rounds": 1000}, vote_count=votes, vote_set_sha256="ab" * 32,
                        results={"models": rows, "unrated": [], "matrix": matrix}, published_at=utcnow(),
                        supersedes_id=supersedes, protocol_version=1, protocol=normalise_protocol(None),
                        code_version="0123456789abcdef", log_seq=votes + 1, log_head="cd" * 32,
                        stats={"votes": {"total": votes + 1, "counted": votes, "excluded": 1},
                               "exclusions": {"identity_leak": 1}, "exposure": exposure})
    session.add(snapshot)
    session.flush()
    return snapshot
