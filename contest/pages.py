"""The arena pages: start a battle, read A and B, vote, see the reveal (the page uses the API)."""
from __future__ import annotations

from flask import make_response, render_template

from app.auth import current_user
from app.db import get_session, utcnow
from app.errors import NotFound
from app.i18n import current_lang, t
from contest.blueprint import bp
from contest.messages import KO
from contest.queries import current_round, prompts_for
from contest.render import render_answer
from contest.service import ArenaError, free_prompts_allowed, owned_battle

# The strings arena.js needs, handed over as a JSON data block (no inline script).
JS_STRINGS = [k for k in KO if k.startswith("arena.")] + ["error.generic"]


@bp.get("/")
def home():
    """The contest, its rules and the open round."""
    round_ = current_round(get_session(), utcnow())
    return render_template("contest/home.html", round=round_)


def _page(battle=None, turns=(), reveal=None):
    session = get_session()
    round_ = current_round(session, utcnow())
    user = current_user()
    # A citizen is offered only prompts whose answers were not revealed to them yet.
    prompts = prompts_for(session, round_.categories, unseen_by=user.id if user else None) if round_ else []
    return render_template("contest/arena.html", round=round_, user=user, prompts=prompts,
                           bank_only=bool(round_) and not free_prompts_allowed(round_), battle=battle, turns=turns,
                           reveal=reveal, js_strings={k: t(k) for k in JS_STRINGS})


@bp.get("/arena")
def arena():
    """The arena: pick a question, compare A and B, vote."""
    return _page()


@bp.get("/arena/b/<battle_id>")
def battle_page(battle_id: str):
    """One of the citizen's battles (after a reload); the models are named only once voted."""
    user = current_user()
    if user is None:
        return _page()
    try:
        battle = owned_battle(get_session(), battle_id, user.id)
    except ArenaError:
        raise NotFound(code="battle_not_found") from None
    turns = [{"no": t.turn_no, "prompt": t.prompt_text, "a": render_answer(t.answer_a or ""),
              "b": render_answer(t.answer_b or "")} for t in battle.turns]
    reveal = None
    if battle.status == "voted":
        reveal = {s: {"name": m.display_name, "team": m.team.name_ko if _ko() else m.team.name_en}
                  for s, m in (("a", battle.model_a), ("b", battle.model_b))}
    resp = make_response(_page(battle, turns, reveal))
    resp.headers["Cache-Control"] = "private, no-store"  # one citizen's battle; names it once voted
    return resp


def _ko() -> bool:
    return current_lang() == "ko"
