"""Request bodies and OpenAPI response schemas of the ministry console's catalogue API (contest.admin_catalog)."""
from __future__ import annotations

from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import (AfterValidator, Field, StringConstraints, ValidationError, ValidatorFunctionWrapHandler,
                      WrapValidator)
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from app.bodies import Body, Text
from contest.backends import KEY_ENV_PREFIX
from contest.staff import MAX_ID

TEAM_SLUG = r"^[a-z0-9][a-z0-9-]{1,39}$"
MODEL_SLUG = r"^[a-z0-9][a-z0-9.-]{1,59}$"
# A team's key lives in a variable of its own namespace, so a backend can never be pointed at the
# platform's secrets (ARENA_SECRET_KEY, database URLs, ...) and be sent one as its Bearer token.
ENV_PREFIX = KEY_ENV_PREFIX
ENV_NAME = rf"^{ENV_PREFIX}[A-Z0-9_]+$"


def _not_blank(value: str) -> str:
    if not value.strip():
        raise PydanticCustomError("blank", "must not be blank")
    return value


def _http_url(value: str) -> str:
    # Credentials in the URL would be a secret stored and shown; keys come from api_key_env only.
    parts = urlsplit(value)  # ValueError (a bad IPv6 host), like a port out of range below, is a 422
    usable = parts.scheme in ("http", "https") and parts.hostname and parts.port != 0
    if not usable or "@" in parts.netloc or value != value.strip():
        raise PydanticCustomError("http_url", "an http(s) URL with a host and no credentials")
    return value


def _name(limit: int) -> Any:
    return Annotated[Text, StringConstraints(min_length=1, max_length=limit), AfterValidator(_not_blank)]


Name = _name(120)
Version = _name(60)
# Patterns on plain str: they admit no character a database refuses, and the schema shows them.
TeamSlug = Annotated[str, StringConstraints(pattern=TEAM_SLUG)]
ModelSlug = Annotated[str, StringConstraints(pattern=MODEL_SLUG)]
TeamRef = Annotated[Text, StringConstraints(min_length=1, max_length=40)]


class BankBackendBody(Body):
    """The model answers from the curated response bank."""

    kind: Literal["bank"]


class OpenAIBackendBody(Body):
    """An OpenAI-compatible chat-completions endpoint; the key is read from the named environment variable."""

    kind: Literal["openai"]
    base_url: Annotated[Text, StringConstraints(max_length=500), AfterValidator(_http_url)]
    model: Annotated[Text, StringConstraints(min_length=1, max_length=200), AfterValidator(_not_blank)]
    api_key_env: Annotated[str, StringConstraints(pattern=ENV_NAME, max_length=100)] | SkipJsonSchema[None] = Field(
        None, description=f"the NAME of an environment variable holding the key (never the key), {ENV_PREFIX}...")
    max_tokens: Annotated[int, Field(ge=1, le=32768)] | SkipJsonSchema[None] = None


def _one_backend_error(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
    # Whatever is wrong inside, the client hears one thing: the field `backend` is invalid.
    try:
        return handler(value)
    except ValidationError:
        raise PydanticCustomError("invalid_backend", "a bank or openai backend") from None


Backend = Annotated[BankBackendBody | OpenAIBackendBody, WrapValidator(_one_backend_error)]


class TeamBody(Body):
    """`POST /api/admin/teams`."""

    slug: TeamSlug
    name_ko: Name
    name_en: Name


class TeamPatch(Body):
    """`PATCH /api/admin/teams/<slug>`: the names (the slug never changes)."""

    name_ko: Name | SkipJsonSchema[None] = None
    name_en: Name | SkipJsonSchema[None] = None


class ModelBody(Body):
    """`POST /api/admin/models`."""

    slug: ModelSlug
    team: TeamRef
    display_name: Name
    version: Version
    active: bool = True
    backend: Backend


class ModelPatch(Body):
    """`PATCH /api/admin/models/<slug>`: any of the fields (the slug never changes)."""

    team: TeamRef | SkipJsonSchema[None] = None
    display_name: Name | SkipJsonSchema[None] = None
    version: Version | SkipJsonSchema[None] = None
    active: bool | SkipJsonSchema[None] = None
    backend: Backend | SkipJsonSchema[None] = None


class RoleBody(Body):
    """`POST /api/admin/roles`: grant or revoke a role of an account (id or "provider:subject")."""

    user: Annotated[int, Field(ge=1)] | Annotated[Text, StringConstraints(min_length=1, max_length=300)]
    role: Literal["moderator", "ministry"]
    grant: bool


def changes(body: Body) -> dict[str, Any]:
    """The fields a PATCH body sets, as plain values."""
    return body.model_dump(exclude_unset=True)


def obj_schema(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties}


STR, BOOL, INT = {"type": "string"}, {"type": "boolean"}, {"type": "integer"}
TEAM_SCHEMA = obj_schema({"slug": STR, "name_ko": STR, "name_en": STR})
MODEL_SCHEMA = obj_schema({"slug": STR, "team": STR, "display_name": STR, "version": STR, "active": BOOL,
                        "backend": {"type": "object"}})
UPLOAD_SCHEMA = obj_schema({"created": INT, "updated": INT, "min_samples": INT, "short": {
    "type": "array", "items": obj_schema({"prompt_id": STR, "model": STR, "samples": INT})}})
ACCOUNT_SCHEMA = obj_schema({"id": INT, "display_name": STR, "status": STR, "roles": {"type": "array", "items": STR},
                          "identities": {"type": "array", "items": STR}})
AUDIT_SCHEMA = obj_schema({"entries": {"type": "array", "items": {"type": "object"}},
                        "next_before": {"type": "integer", "nullable": True}})


def json_response(description: str, schema: dict[str, Any]) -> dict[str, Any]:
    """An OpenAPI response object with a JSON schema."""
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def listing(key: str, item: dict[str, Any]) -> dict[str, Any]:
    """The schema of `{key: [item, ...]}`."""
    return obj_schema({key: {"type": "array", "items": item}})


TAGS = ["admin"]
AUDIT_PAGE, AUDIT_PAGE_MAX = 50, 200
AUDIT_PARAMS = [{"name": name, "in": "query", "required": False, "schema": schema} for name, schema in (
    ("before", {"type": "integer", "minimum": 1, "maximum": MAX_ID}),
    ("target_type", {"type": "string", "maxLength": 40}),
    ("limit", {"type": "integer", "minimum": 1, "maximum": AUDIT_PAGE_MAX}))]
# Documented as text/plain; also accepted: application/x-ndjson, application/jsonl, and (what the console
# page sends) multipart/form-data with the file in the field `file`. The document's fuzzer has no
# serializer for the JSON Lines types, and its hooks write bodies a multipart encoder cannot send.
JSON_LINES = {"schema": {"type": "string", "description": "JSON Lines, UTF-8; also as application/x-ndjson, "
                         "application/jsonl, or a multipart/form-data field `file`"}}
UPLOAD_DOC = {"content": {"text/plain": JSON_LINES},
              "responses": {200: json_response("Imported (nothing new)", UPLOAD_SCHEMA),
                            201: json_response("Imported", UPLOAD_SCHEMA),
                            413: "Larger than ARENA_ADMIN_UPLOAD_MAX_BYTES",
                            415: "Neither JSON Lines nor a multipart form with a `file` field",
                            409: "Would change what an open or closed round compares (answers_frozen, "
                                 "prompts_frozen: `errors` names the keys and rounds), or a concurrent upload "
                                 "of the same rows (upload_conflict: send it again)",
                            422: "Bad lines (`errors`: [\"line N: ...\"], `error_count`), not UTF-8, or empty"},
              "tags": TAGS}
