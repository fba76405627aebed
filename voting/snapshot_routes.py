"""Published snapshots: the ministry publishes (guarded once); anyone reads, downloads and verifies.

No route changes or deletes a snapshot: there are none for it, and the database refuses it anyway.
"""
from __future__ import annotations

from typing import Annotated

from flask import Blueprint, Response, current_app, jsonify, request
from pydantic import StringConstraints
from pydantic.json_schema import SkipJsonSchema

from app.auth import guard_blueprint, require_user
from app.bodies import Body, Text, parse_body
from app.db import could_be_id, get_session, utcnow
from app.errors import ApiError, NotFound
from app.openapi import api_doc
from contest.models import Round
from contest.queries import public_round
from voting.blueprint import bp
from voting.conversations import ConversationsRefused, consented_conversations
from voting.leaderboard import leaderboard, model_name
from voting.models import Snapshot
from voting.routes import board_scope
from voting.runtime import board_settings_for
from voting.schemas import PROMPT_LANG_PARAM
from voting.snapshot_store import file_gzip, file_info, gunzip_chunks
from voting.snapshot_views import SNAPSHOT_LIST_SCHEMA, SNAPSHOT_SCHEMA, board_csv, snapshot_summary
from voting.snapshots import (SnapshotRefused, list_snapshots, log_export, publish_snapshot, rebuilt_votes,
                              round_log, snapshot_document, superseded_by)

admin_bp = Blueprint("snapshot_admin", __name__, url_prefix="/api/admin/snapshots")
guard_blueprint(admin_bp, "ministry")

Id = Annotated[Text, StringConstraints(min_length=1, max_length=40)]
REFUSED_STATUS = {"round_not_started": 409, "already_superseded": 409, "vote_log_broken": 409,
                  "vote_log_incomplete": 409,
                  "unknown_snapshot": 422, "supersedes_other_round": 422}
NDJSON = "application/x-ndjson"
IMMUTABLE = "public, max-age=31536000, immutable"
ROUND_PARAM = [{"name": "round", "in": "query", "required": False, "schema": {"type": "string"}}]


class PublishBody(Body):
    """`POST /api/admin/snapshots`: the round, and for a correction the snapshot it supersedes."""

    round: Id
    supersedes: Id | SkipJsonSchema[None] = None
    notes: Annotated[Text, StringConstraints(max_length=4000)] | SkipJsonSchema[None] = None


def _file(description: str, mimetype: str) -> dict:
    return {"description": description, "content": {mimetype: {"schema": {"type": "string"}}}}


def _json(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _snapshot(snapshot_id: str) -> Snapshot:
    snap = get_session().get(Snapshot, snapshot_id) if could_be_id(snapshot_id) else None
    if snap is None:
        raise NotFound(code="unknown_snapshot")
    return snap


@admin_bp.post("")
@api_doc(request=PublishBody, responses={201: _json("The published snapshot", SNAPSHOT_SCHEMA), 404: "Unknown round",
                                         409: "Round not started, supersedes names a snapshot already superseded "
                                              "(left out, it is the round's latest), log broken or incomplete",
                                         422: "Supersedes an unknown snapshot or one of another round"},
         tags=["admin"])
def publish():
    """Publish an immutable snapshot of a round (ministry only)."""
    body = parse_body(PublishBody)
    session = get_session()
    round_ = session.get(Round, body.round)
    if round_ is None:
        raise NotFound(code="unknown_round")
    try:
        snap = publish_snapshot(session, round_, require_user(), utcnow(), current_app.config["CODE_VERSION"],
                                supersedes=body.supersedes, notes=body.notes)
    except SnapshotRefused as exc:
        raise ApiError(code=exc.code, status=REFUSED_STATUS[exc.code]) from None
    session.commit()
    return jsonify(snapshot_document(get_session(), snap)), 201


@bp.get("/api/snapshots")
@api_doc(params=ROUND_PARAM, responses={200: _json("The archive", SNAPSHOT_LIST_SCHEMA), 404: "Unknown round"},
         tags=["publications"])
def snapshots_index():
    """Published snapshots, newest first (optionally of one round)."""
    session = get_session()
    round_id = request.args.get("round")
    if round_id is not None and public_round(session, round_id) is None:
        raise NotFound(code="unknown_round")
    snaps = list_snapshots(session, round_id)
    return jsonify({"snapshots": [snapshot_summary(s, superseded_by(session, s.id)) for s in snaps]})


@bp.get("/api/snapshots/<snapshot_id>")
@api_doc(responses={200: _json("The snapshot", SNAPSHOT_SCHEMA), 404: "Unknown snapshot"}, tags=["publications"])
def snapshot_detail(snapshot_id: str):
    """A published snapshot: board, vote-set hash, protocol, provenance, statistics, downloads."""
    return jsonify(snapshot_document(get_session(), _snapshot(snapshot_id)))


@bp.get("/api/snapshots/<snapshot_id>/votes")
@api_doc(responses={200: _file("The vote release (the exact bytes of vote_set_sha256)", NDJSON),
                    304: "Not modified (If-None-Match)", 404: "Unknown snapshot"}, tags=["publications"])
def snapshot_votes(snapshot_id: str):
    """The anonymised votes of a snapshot as JSON Lines."""
    return _release_file(_snapshot(snapshot_id), "votes.jsonl")


@bp.get("/api/snapshots/<snapshot_id>/log")
@api_doc(responses={200: _file("The hash chain up to the snapshot's head", NDJSON),
                    304: "Not modified (If-None-Match)", 404: "Unknown snapshot"}, tags=["publications"])
def snapshot_log(snapshot_id: str):
    """The round's vote log up to the snapshot's head record, as JSON Lines."""
    return _release_file(_snapshot(snapshot_id), "log.jsonl")


@bp.get("/api/snapshots/<snapshot_id>/conversations")
@api_doc(responses={200: _file("The prompts and answers of counted votes whose voters agreed to their release "
                               "(consent as it stands now; not part of the snapshot's hashes)", NDJSON),
                    404: "Unknown snapshot", 409: "The round has not closed (round_not_closed)"},
         tags=["publications"])
def snapshot_conversations(snapshot_id: str):
    """The consented prompts and answers of a snapshot's votes, as JSON Lines, once its round has closed."""
    snap = _snapshot(snapshot_id)
    try:
        data = consented_conversations(get_session(), snap)
    except ConversationsRefused as exc:
        raise ApiError(code=exc.code, status=409) from None
    response = _download(data, NDJSON, f"{snap.id}-conversations.jsonl")
    response.headers["Cache-Control"] = "no-cache"  # a withdrawn consent leaves the next download
    return response


def _release_file(snap: Snapshot, name: str) -> Response:
    """A release file as stored at publication: a strong ETag (its SHA-256), cached for good, gzip as
    stored when the client takes it, else decompressed as it is sent."""
    session = get_session()
    info = file_info(session, snap.id, name)
    filename = f"{snap.id}-{name}"
    if info is None:  # published before the files were stored (migration 0005): rebuilt
        lines = round_log(session, snap.round_id, snap.log_seq)
        data = rebuilt_votes(session, snap, lines) if name == "votes.jsonl" else log_export(lines)
        return _download(data, NDJSON, filename)
    gzipped = request.accept_encodings["gzip"] > 0  # "gzip;q=0" refuses it
    etag = info.sha256 + ("-gzip" if gzipped else "")  # a strong validator names one representation
    headers = {"ETag": f'"{etag}"', "Cache-Control": IMMUTABLE, "Vary": "Accept-Encoding",
               "Content-Disposition": f'attachment; filename="{filename}"'}
    if request.if_none_match.contains_weak(etag):
        return Response(status=304, headers=headers)
    data = file_gzip(session, snap.id, name)
    if gzipped:
        headers["Content-Encoding"] = "gzip"
        return Response(data, content_type=NDJSON + "; charset=utf-8", headers=headers)
    headers["Content-Length"] = str(info.size)
    return Response(gunzip_chunks(data), content_type=NDJSON + "; charset=utf-8", headers=headers)


@bp.get("/api/snapshots/<snapshot_id>/board.csv")
@api_doc(responses={200: _file("The board as CSV (UTF-8 with BOM)", "text/csv"), 404: "Unknown snapshot"},
         tags=["publications"])
def snapshot_csv(snapshot_id: str):
    """A snapshot's board as CSV."""
    snap = _snapshot(snapshot_id)
    return _download(board_csv((snap.results or {}).get("models", [])), "text/csv", f"{snap.id}.csv")


@bp.get("/api/leaderboard.csv")
@api_doc(params=ROUND_PARAM + [{"name": "category", "in": "query", "required": False,
                                "schema": {"type": "string"}}, PROMPT_LANG_PARAM],
         responses={200: _file("The live board as CSV (UTF-8 with BOM)", "text/csv"),
                    404: "Unknown or no open round", 422: "Unknown category"}, tags=["leaderboard"])
def leaderboard_csv():
    """The live leaderboard as CSV (same columns as a snapshot's), computed under the round's own protocol
    like the board's page and JSON."""
    round_, category, counts = board_scope()
    settings = board_settings_for(round_.protocol, current_app.config)
    board = leaderboard(counts, round_, category, settings, "ko", utcnow())
    team_en = {model_name(m): m.team.name_en for m in counts.models}
    rows = [{**row, "team_en": team_en.get(row["name"], "")} for row in board["models"]]
    scope = category if counts.prompt_lang == "all" else f"{category}-{counts.prompt_lang}"
    return _download(board_csv(rows), "text/csv", f"{round_.id}-{scope}.csv")


def _download(data: bytes, mimetype: str, filename: str) -> Response:
    charset = "; charset=utf-8"
    return Response(data, content_type=mimetype + charset,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


bp.register_blueprint(admin_bp)
