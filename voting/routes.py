"""Voting API and pages: cast a vote, the live leaderboard and its pair matrix."""
from __future__ import annotations

import time

from flask import current_app, jsonify, redirect, render_template, request, url_for

from app.auth import login_required, require_user
from app.bodies import parse_body
from app.db import get_session, utcnow
from app.errors import ApiError, NotFound, Unprocessable
from app.i18n import current_lang
from app.limiter import client_address
from app.metrics import VOTES
from app.openapi import api_doc
from app.redis_client import get_redis
from contest.protocol import normalise_protocol
from contest.queries import current_round, public_round
from voting import charts
from voting.blueprint import bp
from voting.leaderboard import BoardCache, leaderboard, matrix, scope_counts, seoul_time
from voting.prompt_language import BOARD_LANGUAGES
from voting.publication_view import board_rounds
from voting.queries import exclusion_stats, round_has_demo_votes, round_vote_count
from voting.runtime import (board_settings_for, config_protocol, ensure_embedded_worker, get_board, get_served_marks,
                            get_style_boards, publish_vote)
from voting.schemas import BOARD_PARAMS, LEADERBOARD_SCHEMA, VOTE_RESPONSE, VoteBody
from voting.service import VoteRejected, cast_vote, client_hash, vote_event
from voting.panel_routes import panel_board_json
from voting.style_cache import style_control

REJECTION_STATUS = {"invalid_winner": 422, "battle_not_found": 404, "already_voted": 409,
                    "battle_not_ready": 409, "battle_voided": 409, "round_closed": 409, "daily_cap": 429}


@bp.post("/api/battles/<battle_id>/vote")
@api_doc(request=VoteBody, responses={200: VOTE_RESPONSE, 404: "Unknown battle (or not yours)",
                                      409: "Already voted, not ready, voided or round closed",
                                      422: "Invalid winner",
                                      429: "Rate limited, or the daily vote cap is reached (Retry-After)"},
         tags=["battles"])
@login_required
def vote(battle_id: str):
    """Vote on your battle; reveals which models answered."""
    winner = parse_body(VoteBody).winner
    session = get_session()
    checks = current_app.extensions.get("vote_exclusion_checks", ())
    caps = current_app.extensions.get("vote_caps", tuple)()  # registered by anti_abuse
    try:
        cast = cast_vote(session, battle_id, require_user(), winner, utcnow(), checks, caps,
                         client=client_hash(current_app.config["SECRET_KEY"], client_address()))
    except VoteRejected as exc:
        raise ApiError(code=exc.code, status=REJECTION_STATUS[exc.code], retry_after=exc.retry_after) from None
    session.commit()
    vote_ = cast.vote
    VOTES.labels(counted=str(not vote_.excluded).lower()).inc()
    publish_vote(vote_event(vote_))
    lang = current_lang()
    body = {"vote_id": vote_.id, "counted": not vote_.excluded,
            "models": {"a": cast.model_a.revealed(lang), "b": cast.model_b.revealed(lang)}}
    if vote_.excluded:
        body["excluded_reason"] = vote_.excluded_reason
    return jsonify(body)


def board_scope():
    """The round (`?round=`, default the open one), category (`?category=`, default all), prompt language
    (`?prompt_lang=ko|en`, default all) and their counts."""
    session = get_session()
    round_id = request.args.get("round")
    round_ = public_round(session, round_id) if round_id else current_round(session, utcnow())
    if round_ is None:
        raise NotFound(code="unknown_round" if round_id else "no_open_round")
    category = request.args.get("category") or "all"
    if category != "all" and category not in round_.categories:
        raise Unprocessable(code="unknown_category")
    prompt_lang = request.args.get("prompt_lang", "all")  # present but empty is refused, as the schema says
    if prompt_lang != "all" and prompt_lang not in BOARD_LANGUAGES:
        raise Unprocessable(code="unknown_prompt_lang")
    ensure_embedded_worker(current_app._get_current_object())
    return round_, category, scope_counts(session, get_board(), get_served_marks(), round_.id, category, utcnow(),
                                          None if prompt_lang == "all" else prompt_lang)


_vote_totals: dict[tuple[str, str], tuple[float, int]] = {}
VOTE_TOTAL_FRESH_S = 2.0


def round_exclusions(round_id: str) -> dict:
    """The round's exclusion statistics: the excluded votes read afresh (a partial index holds them, so
    a void shows at once), the round's total at most every VOTE_TOTAL_FRESH_S seconds per round and
    process (a board read under a vote stream must not count the round's votes each time)."""
    session = get_session()
    key = (str(session.get_bind().url), round_id)
    now = time.monotonic()
    cached = _vote_totals.get(key)
    if cached is None or now - cached[0] > VOTE_TOTAL_FRESH_S:
        cached = _vote_totals[key] = (now, round_vote_count(session, round_id))
    stats = exclusion_stats(session, round_id, total=cached[1])
    stats["votes"] = max(stats["votes"], stats["excluded"])
    return stats


@bp.get("/api/leaderboard")
@api_doc(params=BOARD_PARAMS, responses={200: LEADERBOARD_SCHEMA}, tags=["leaderboard"])
def leaderboard_api():
    """The live leaderboard of a round and category; with `?panel=`, that citizen panel's weighted board."""
    if request.args.get("panel"):
        return jsonify(panel_board_json(request.args["panel"], request.args.get("round")))

    def compute() -> str:
        round_, category, counts = board_scope()
        settings = board_settings_for(round_.protocol, current_app.config)  # the round's own protocol
        body = leaderboard(counts, round_, category, settings, current_lang(), utcnow())
        body["exclusions"] = round_exclusions(round_.id)  # public: what was kept out, by reason and team
        body["style_control"] = style_control(get_style_boards(), round_.id, category, counts.models, settings,
                                              current_lang())  # the worker's latest (voting.style_worker)
        return current_app.json.dumps(body) + "\n"  # as jsonify writes it

    # At most once a second per scope, shared by every process (voting.leaderboard.BoardCache).
    scope = "\x1f".join([request.args.get("round") or "", request.args.get("category") or "",
                         request.args.get("prompt_lang") or "", current_lang()])
    return current_app.response_class(board_cache().get(scope, compute), mimetype="application/json")


def board_cache() -> BoardCache:
    cache = current_app.extensions.get("board_cache")
    if cache is None:
        cache = current_app.extensions["board_cache"] = BoardCache(
            get_redis(), current_app.config["BOARD_MAX_AGE_S"], time.time)
    return cache


@bp.get("/api/leaderboard/matrix")
@api_doc(params=BOARD_PARAMS, tags=["leaderboard"])
def leaderboard_matrix():
    """Pairwise battle counts and win rates of a round."""
    round_, category, counts = board_scope()
    return jsonify(matrix(counts, round_, category, current_lang()))


def _board_page_moved(rounds: list) -> str | None:
    """Where the page should go instead: the latest round when none is open and none was asked for,
    or all categories when the chosen round has no such category (the round selector keeps the category
    and the prompt language)."""
    round_id, category = request.args.get("round"), request.args.get("category")
    prompt_lang = request.args.get("prompt_lang")
    if not round_id:
        if rounds and current_round(get_session(), utcnow()) is None:
            return url_for("voting.leaderboard_page", round=rounds[0].id, category=category, prompt_lang=prompt_lang)
        return None
    chosen = next((r for r in rounds if r.id == round_id), None)
    if chosen and category and category != "all" and category not in chosen.categories:
        return url_for("voting.leaderboard_page", round=round_id, prompt_lang=prompt_lang)
    return None


@bp.get("/leaderboard")
def leaderboard_page():
    """The leaderboard page: round selector, table, CI chart and win-rate heatmap."""
    rounds = board_rounds(get_session())
    moved = _board_page_moved(rounds)
    if moved:
        return redirect(moved)
    round_, category, counts = board_scope()  # one read of the counts serves the table and both charts
    settings = board_settings_for(round_.protocol, current_app.config)
    now = utcnow()
    board = leaderboard(counts, round_, category, settings, current_lang(), now)
    pairs = matrix(counts, round_, category, current_lang())
    board["style_control"] = style_control(get_style_boards(), round_.id, category, counts.models, settings,
                                           current_lang())
    protocol = normalise_protocol(round_.protocol) if round_.protocol else config_protocol(current_app.config)
    return render_template("voting/leaderboard.html", board=board, round=round_, category=category, rounds=rounds,
                           prompt_lang=counts.prompt_lang, protocol=protocol, updated=seoul_time(now),
                           demo_votes=round_has_demo_votes(get_session(), round_.id),
                           live=round_.is_open(now), exclusions=round_exclusions(round_.id),
                           ci_chart=charts.ci_chart(board["models"]), heatmap=charts.heatmap(pairs, board["models"]))
