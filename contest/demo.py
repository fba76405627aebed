"""The demo contest seeded by `make run`: four teams, a round, the prompt pool and demo answers."""
from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.bank import import_bank, import_prompts
from contest.models import Model, Round, Team
from contest.rounds import create_round, open_round

DATA = Path(__file__).resolve().parent / "demo_data"
DEMO_ROUND_ID = "demo-2026h2"
DEMO_ACTOR = "cli:seed-demo"  # how the seeding is named in the audit log
DEMO_TITLE_EN = "2026 H2 public contest (demo)"
CATEGORIES = ["daily", "writing", "coding", "reasoning", "culture"]

# The four teams still in the programme after the first evaluation; the fourth stands for the
# team added by the new call. Model names are marked as demo entrants.
TEAMS = [
    ("lg", "LG AI연구원", "LG AI Research", "exaone-demo", "EXAONE (데모)"),
    ("skt", "SK텔레콤", "SK Telecom", "ax-demo", "A.X (데모)"),
    ("upstage", "업스테이지", "Upstage", "solar-demo", "Solar (데모)"),
    ("newcall", "추가 공모 선정팀 (데모)", "Team from the new call (demo)", "newcall-demo", "추가 선정 모델 (데모)"),
]


def seed_demo(session: Session, now: datetime) -> dict[str, int]:
    """Create what is missing of the demo contest; running it twice changes nothing."""
    created = {"teams": 0, "models": 0, "rounds": 0}
    for slug, name_ko, name_en, model_slug, model_name in TEAMS:
        team = session.scalars(select(Team).where(Team.slug == slug)).first()
        if team is None:
            team = Team(slug=slug, name_ko=name_ko, name_en=name_en)
            session.add(team)
            session.flush()
            created["teams"] += 1
        if session.scalars(select(Model).where(Model.slug == model_slug)).first() is None:
            session.add(Model(slug=model_slug, team_id=team.id, display_name=model_name, version="demo-1",
                              backend={"kind": "bank"}, active=True))
            created["models"] += 1
    session.flush()
    existing = session.get(Round, DEMO_ROUND_ID)
    if existing is None:
        # Made as the ministry would: a draft, then opened, which freezes its terms as protocol version 1.
        draft = {"id": DEMO_ROUND_ID, "title": "2026년 하반기 공개 경연 (데모)", "title_en": DEMO_TITLE_EN,
                 "opens_at": now - timedelta(days=1), "closes_at": now + timedelta(days=365), "categories": CATEGORIES,
                 "roster": [team[3] for team in TEAMS], "free_prompts": False}  # bank-backed: curated prompts only
        create_round(session, DEMO_ACTOR, draft, now)
        open_round(session, DEMO_ACTOR, DEMO_ROUND_ID, now)
        created["rounds"] += 1
    elif existing.title_en is None:  # seeded before rounds had an English title
        existing.title_en = DEMO_TITLE_EN
    with open(DATA / "prompts.jsonl", encoding="utf-8") as fh:
        created["prompts"] = import_prompts(session, fh).created
    session.flush()
    with open(DATA / "bank.jsonl", encoding="utf-8") as fh:
        created["answers"] = import_bank(session, fh, demo=True).created
    return created
