"""Ministry console API: teams, models, prompt and bank uploads, role grants, the audit log (ministry only)."""
from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, request

from app.accounts import privileged_users
from app.audit import audit_entries, entry_json
from app.auth import current_user, guard_blueprint, require_user
from app.bodies import parse_body
from app.db import could_be_id, get_session, rollback_request_session, utcnow
from app.errors import ApiError, Conflict, NotFound, Unprocessable, error_response
from app.i18n import t
from app.openapi import api_doc
from contest import catalog, catalog_bodies as cb
from contest.blueprint import bp
from contest.catalog_uploads import Upload, UploadRejected, short_json, upload
from contest.staff import account_json, change_role

admin_catalog_bp = Blueprint("admin_catalog", __name__, url_prefix="/api/admin")
guard_blueprint(admin_catalog_bp, "ministry")

UPLOAD_TYPES = ("application/x-ndjson", "application/jsonl", "text/plain")
UPLOAD_ENDPOINTS = ("upload_prompts", "upload_bank")
MAX_LISTED_ERRORS = 500  # a file of bad lines is told about its first 500 (and how many in all)
TAGS = cb.TAGS


@admin_catalog_bp.url_value_preprocessor
def _upload_size(endpoint: str | None, _values: dict | None) -> None:
    # Runs before the app's CSRF check, which reads a multipart body: only the ministry's uploads
    # may be larger than the app-wide MAX_CONTENT_LENGTH.
    if endpoint and endpoint.rsplit(".", 1)[-1] in UPLOAD_ENDPOINTS:
        user = current_user()
        if user is not None and user.has_role("ministry"):
            request.max_content_length = int(current_app.config["ADMIN_UPLOAD_MAX_BYTES"])


@admin_catalog_bp.errorhandler(catalog.CatalogError)
def _catalog_error(exc: catalog.CatalogError) -> Response:
    rollback_request_session()  # a refusal stores nothing, and holds no lock while the response is written
    statuses = {catalog.CatalogMissing: NotFound.status, catalog.CatalogConflict: Conflict.status}
    return error_response(statuses.get(type(exc), Unprocessable.status), exc.code)


def _slug_or_404(slug: str, max_len: int, code: str) -> str:
    # Only what could be stored is looked up (a slug made before this API may not follow its pattern).
    if not could_be_id(slug, max_len):
        raise NotFound(code=code)
    return slug


def _saved(payload: dict, status: int = 200) -> Response:
    get_session().commit()
    resp = jsonify(payload)
    resp.status_code = status
    return resp


@admin_catalog_bp.get("/teams")
@api_doc(responses={200: cb.json_response("Every team", cb.listing("teams", cb.TEAM_SCHEMA))}, tags=TAGS)
def list_teams():
    """Every team (ministry only)."""
    return jsonify({"teams": [catalog.team_json(team) for team in catalog.teams(get_session())]})


@admin_catalog_bp.post("/teams")
@api_doc(request=cb.TeamBody, responses={201: cb.json_response("Created", cb.TEAM_SCHEMA),
                                         409: "The slug is taken (team_exists)"}, tags=TAGS)
def create_team():
    """Add a team (e.g. one selected by a new call); audited."""
    body = parse_body(cb.TeamBody)
    team = catalog.create_team(get_session(), require_user(), utcnow(), body.slug, body.name_ko, body.name_en)
    return _saved(catalog.team_json(team), 201)


@admin_catalog_bp.patch("/teams/<team_slug>")
@api_doc(request=cb.TeamPatch, responses={200: cb.json_response("Saved", cb.TEAM_SCHEMA),
                                          404: "Unknown team",
                                          409: "A model of the team is on the roster of an open or closed round "
                                               "(team_in_round)"}, tags=TAGS)
def update_team(team_slug: str):
    """Rename a team; audited."""
    body = parse_body(cb.TeamPatch)
    team = catalog.update_team(get_session(), require_user(), utcnow(),
                               _slug_or_404(team_slug, 40, "unknown_team"), cb.changes(body))
    return _saved(catalog.team_json(team))


@admin_catalog_bp.get("/models")
@api_doc(responses={200: cb.json_response("Every model", cb.listing("models", cb.MODEL_SCHEMA))}, tags=TAGS)
def list_models():
    """Every model with its team and backend (ministry only)."""
    return jsonify({"models": [catalog.model_json(model) for model in catalog.models(get_session())]})


@admin_catalog_bp.post("/models")
@api_doc(request=cb.ModelBody, responses={201: cb.json_response("Created", cb.MODEL_SCHEMA),
                                          409: "The slug is taken (model_exists)",
                                          422: "Invalid fields or an unknown team"}, tags=TAGS)
def create_model():
    """Add a model (the bank or an OpenAI-compatible endpoint) to a team; audited."""
    body = parse_body(cb.ModelBody)
    fields = body.model_dump(exclude_unset=True) | {"active": body.active}
    model = catalog.create_model(get_session(), require_user(), utcnow(), body.slug, fields)
    return _saved(catalog.model_json(model), 201)


@admin_catalog_bp.patch("/models/<model_slug>")
@api_doc(request=cb.ModelPatch, responses={200: cb.json_response("Saved", cb.MODEL_SCHEMA),
                                           404: "Unknown model",
                                           409: "On the roster of an open or closed round: only `active` "
                                                "may change (model_in_open_round)"},
         tags=TAGS)
def update_model(model_slug: str):
    """Change a model, or withdraw it (`active`: false); audited."""
    body = parse_body(cb.ModelPatch)
    model = catalog.update_model(get_session(), require_user(), utcnow(),
                                 _slug_or_404(model_slug, 60, "unknown_model"), cb.changes(body))
    return _saved(catalog.model_json(model))


def _uploaded() -> Upload:
    """The JSON Lines file: a multipart field `file`, or the raw body."""
    if request.mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            raise Unprocessable(code="missing_file")
        return Upload(part.read())
    if request.mimetype not in UPLOAD_TYPES:
        raise ApiError(code="unsupported_media_type", status=415)
    return Upload(request.get_data())


def _rejected(exc: UploadRejected) -> Response:
    """422 (bad lines) or 409 (frozen by a round, a concurrent upload) in the error shape, plus every
    fault (the first 500) in `errors`; the message names the first. Whatever was written is rolled back."""
    rollback_request_session()
    message = " ".join([t(f"error.{exc.code}"), *exc.errors[:1]])
    resp = jsonify({"error": {"code": exc.code, "message": message},
                    "errors": exc.errors[:MAX_LISTED_ERRORS], "error_count": len(exc.errors)})
    resp.status_code = exc.status
    return resp


def _upload_response(kind: str, demo: bool = False) -> Response:
    min_samples = int(current_app.config["BANK_MIN_SAMPLES"]) if kind == "bank" else 0
    try:
        report = upload(kind, get_session(), require_user(), utcnow(), _uploaded(), demo=demo,
                        min_samples=min_samples)
    except UploadRejected as exc:
        return _rejected(exc)
    return _saved({"created": report.created, "updated": report.updated, "min_samples": min_samples,
                   "short": short_json(report)}, 201 if report.created else 200)


@admin_catalog_bp.post("/prompts")
@api_doc(**cb.UPLOAD_DOC)
def upload_prompts():
    """Upload the curated prompt pool as JSON Lines (id, language, category, text); audited."""
    return _upload_response("prompts")


@admin_catalog_bp.post("/bank")
@api_doc(params=[{"name": "demo", "in": "query", "required": False, "schema": {"type": "string",
                                                                              "enum": ["0", "1"]}}],
         **cb.UPLOAD_DOC)
def upload_bank():
    """Upload response-bank answers as JSON Lines (prompt_id, model, answer, sample?); audited."""
    demo = request.args.get("demo", "0")
    if demo not in ("0", "1"):
        raise Unprocessable(code="invalid_parameter")
    return _upload_response("bank", demo == "1")


@admin_catalog_bp.get("/roles")
@api_doc(responses={200: cb.json_response("Moderators and ministry accounts",
                                         cb.listing("accounts", cb.ACCOUNT_SCHEMA))}, tags=TAGS)
def list_roles():
    """Accounts holding the moderator or ministry role."""
    return jsonify({"accounts": [account_json(user) for user in privileged_users(get_session())]})


@admin_catalog_bp.post("/roles")
@api_doc(request=cb.RoleBody, responses={200: cb.json_response("The account after the change", cb.obj_schema(
    {"account": cb.ACCOUNT_SCHEMA, "changed": cb.BOOL})), 404: "Unknown account",
    409: "The last ministry account keeps its role (last_ministry)"}, tags=TAGS)
def change_role_route():
    """Grant or revoke the moderator or ministry role of an account; audited."""
    body = parse_body(cb.RoleBody)
    user, changed = change_role(get_session(), require_user(), utcnow(), str(body.user), body.role, body.grant)
    return _saved({"account": account_json(user), "changed": changed})


@admin_catalog_bp.get("/audit")
@api_doc(params=cb.AUDIT_PARAMS, tags=TAGS,
         responses={200: cb.json_response("Newest first; `next_before` pages on", cb.AUDIT_SCHEMA)})
def audit_log():
    """The audit log of administration and moderation, newest first, paged."""
    before = _int_arg("before", 1, cb.MAX_ID)
    limit = _int_arg("limit", 1, cb.AUDIT_PAGE_MAX) or cb.AUDIT_PAGE
    target_type = request.args.get("target_type") or None
    if target_type is not None and (len(target_type) > 40 or "\x00" in target_type):
        raise Unprocessable(code="invalid_parameter")
    entries = audit_entries(get_session(), limit=limit, before_id=before, target_type=target_type)
    next_before = entries[-1].id if len(entries) == limit else None
    return jsonify({"entries": [entry_json(e) for e in entries], "next_before": next_before})


def _int_arg(name: str, low: int, high: int) -> int | None:
    raw = request.args.get(name)
    if raw is None:
        return None
    if not (raw.isascii() and raw.isdigit() and len(raw) <= 10) or not low <= int(raw) <= high:
        raise Unprocessable(code="invalid_parameter")
    return int(raw)


bp.register_blueprint(admin_catalog_bp)
