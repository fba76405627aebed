"""One validation layer for JSON request bodies: pydantic models, one error code per failure class.

A route declares its body as a `Body` model and calls `parse_body(Model)`; the same model gives the
OpenAPI request schema (`app.openapi.api_doc(request=Model)`), so the document cannot drift from
what is accepted. Failures, first one wins:
  400 invalid_json     not JSON, not a JSON content type, or not a JSON object
  422 missing_field    a required field is absent
  422 unknown_field    a field the route does not take (a typo or a newer client's field is refused
                       rather than silently ignored: ignoring it would do something other than asked)
  422 invalid_field    wrong type, null, too long, U+0000 or an unpaired UTF-16 surrogate
A model may keep a domain code clients already rely on for one field (e.g. `invalid_winner`).
"""
from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar, TypeVar

from flask import request
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, field_validator
from pydantic_core import PydanticCustomError

from app.errors import ApiError
from app.i18n import t

# Neither database can store these: PostgreSQL text refuses U+0000, and a lone surrogate (JSON lets a
# client write "\ud800") cannot be encoded as UTF-8 by either driver, which used to end in a 500.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _storable(value: str) -> str:
    if UNSTORABLE.search(value):
        raise PydanticCustomError("unstorable_text", "U+0000 or an unpaired UTF-16 surrogate")
    return value


Text = Annotated[str, AfterValidator(_storable)]
"""A string field that can be stored and sent on as UTF-8."""


class Body(BaseModel):
    """A JSON object body: strict JSON types, no unknown fields, and null is never a value."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)
    # (field, "missing" | "invalid") -> (status, code): a domain code kept for that field's failures.
    error_codes: ClassVar[dict[tuple[str, str], tuple[int, str]]] = {}

    @field_validator("*", mode="before")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        # Optional fields may be left out, but an explicit null is refused: one spelling per request.
        if value is None:
            raise PydanticCustomError("null_value", "null is not a value here")
        return value


BodyT = TypeVar("BodyT", bound=Body)


def parse_body(model: type[BodyT]) -> BodyT:
    """The request's JSON object body validated as `model`, or the ApiError of its first failure."""
    data = _json_document()
    if not isinstance(data, dict):
        raise ApiError(t("body.invalid_json"), code="invalid_json", status=400)
    # Checked here, not left to pydantic: a key holding a lone surrogate fails there without naming it.
    unknown = [key for key in data if key not in model.model_fields]
    if unknown:
        raise refusal(model, {"type": "extra_forbidden", "loc": (unknown[0],)})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise refusal(model, exc.errors()[0]) from None


def _json_document() -> Any:
    """The parsed JSON body; None when it is not JSON (or is nested deeper than the parser's recursion)."""
    if not request.is_json:
        return None
    try:
        return request.get_json(silent=True)
    except RecursionError:  # "[[[[..." within the size limit: json.loads gives up, which is no 500
        return None


def refusal(model: type[Body], error: Any) -> ApiError:
    """The ApiError for one pydantic error: the field's domain code, or the generic one naming it."""
    field = str(error["loc"][0]) if error["loc"] else ""
    kind = {"missing": "missing", "extra_forbidden": "unknown"}.get(error["type"], "invalid")
    domain = model.error_codes.get((field, "missing" if kind == "missing" else "invalid"))
    if domain is not None:
        status, code = domain
        return ApiError(code=code, status=status)
    return ApiError(t(f"body.{kind}_field", field=_printable(field)), code=f"{kind}_field", status=422)


def _printable(name: str) -> str:
    # An unknown field's name is client text: escape what cannot be encoded and keep it short.
    return UNSTORABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", name[:60])


