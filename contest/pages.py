"""The arena pages: start a battle, read A and B, vote, see the reveal (the page uses the API)."""
from __future__ import annotations

from flask import current_app, make_response, render_template, url_for
from sqlalchemy import select

from app.auth import current_user
from app.db import get_session, utcnow
from app.errors import NotFound
from app.catalog_text import message_ids
from app.i18n import current_lang, t
from contest.blueprint import bp
from contest.models import Round
from contest.panel_models import PanelAssignment
from contest.queries import current_round, prompts_for
from contest.render import render_answer
from contest.reveal import revealed_battle
from contest.service import ArenaError, free_prompts_allowed, owned_battle

# The strings arena.js needs (every arena.* and share.* message), handed over as a JSON data block (no inline script).
JS_PREFIXES = ("arena.", "share.")
JS_EXTRA = ("error.generic", "nav.leaderboard")


def allowance(round_: Round | None) -> str:
    """What this round lets a citizen do, said plainly (never more than the round allows)."""
    if round_ is None:
        return ""
    if not free_prompts_allowed(round_):
        return t("round.allows_curated")  # a bank answers only its own prompts: no free prompts, no follow-ups
    turns = int(current_app.config["MAX_TURNS"])
    return t("round.allows_free_followups", n=turns - 1) if turns > 1 else t("round.allows_free")


@bp.get("/")
def home():
    """The contest, its rules and the open round."""
    round_ = current_round(get_session(), utcnow())
    return render_template("contest/home.html", round=round_, allows=allowance(round_),
                           free=bool(round_) and free_prompts_allowed(round_))


def _page(battle=None, turns=(), outcome=None, panel_battle=False):
    session = get_session()
    round_ = current_round(session, utcnow())
    user = current_user()
    # A citizen is offered only prompts whose answers were not revealed to them yet.
    prompts = prompts_for(session, round_.categories, unseen_by=user.id if user else None) if round_ else []
    outcome = outcome or {}
    token = outcome.get("share_token")
    return render_template("contest/arena.html", round=round_, user=user, prompts=prompts,
                           bank_only=bool(round_) and not free_prompts_allowed(round_), battle=battle, turns=turns,
                           allows=allowance(round_), reveal=outcome.get("reveal"), choice=outcome.get("winner"),
                           counted=outcome.get("counted"),
                           # recurring answers: a shared battle opens to others later (voting.shares.opens_at);
                           # before a battle is known, the round's close stands for a prepared question's
                           share_after=outcome["share_after"] if "share_after" in outcome else
                           (round_.closes_at if round_ and prompts else None),
                           share_url=url_for("voting.shared_battle_page", token=token, _external=True) if token else None,
                           panel_battle=panel_battle,
                           js_strings={k: t(k) for k in [*message_ids("contest", JS_PREFIXES), *JS_EXTRA]})


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
    session = get_session()
    try:
        battle = owned_battle(session, battle_id, user.id)
    except ArenaError:
        raise NotFound(code="battle_not_found") from None
    turns = [{"no": t.turn_no, "prompt": t.prompt_text, "a": render_answer(t.answer_a or ""),
              "b": render_answer(t.answer_b or "")} for t in battle.turns]
    outcome = None
    if battle.status == "voted":
        # The vote lives in `voting`, which registers this lookup (contest may not import it).
        lookup = current_app.extensions.get("battle_outcome")
        outcome = {**(lookup(session, battle.id) if lookup else {}), "reveal": revealed_battle(battle, current_lang())}
    panel_battle = session.scalar(select(PanelAssignment.id).where(PanelAssignment.battle_id == battle.id)) is not None
    resp = make_response(_page(battle, turns, outcome, panel_battle))
    resp.headers["Cache-Control"] = "private, no-store"  # one citizen's battle; names it once voted
    return resp
