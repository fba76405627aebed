"""The vote's request body and the OpenAPI shapes of the voting routes."""
from __future__ import annotations

from typing import Literal

from app.bodies import Body

NAMED = {"type": "object", "properties": {"name": {"type": "string"}, "team": {"type": "string"}}}
VOTE_RESPONSE = {"description": "The stored vote and the revealed models", "content": {"application/json": {
    "schema": {"type": "object", "required": ["vote_id", "counted", "models"], "properties": {
        "vote_id": {"type": "string"}, "counted": {"type": "boolean"}, "excluded_reason": {"type": "string"},
        "models": {"type": "object", "properties": {"a": NAMED, "b": NAMED}}}}}}}
PROMPT_LANG_PARAM = {"name": "prompt_lang", "in": "query", "required": False,
                     "schema": {"type": "string", "enum": ["all", "ko", "en"]},
                     "description": "Only battles whose prompt was Korean ('ko') or English ('en'); 'all' (default)"}
BOARD_PARAMS = [
    {"name": "round", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "Round id (default: the open round)"},
    {"name": "category", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "A category of the round, or 'all' (default)"},
    PROMPT_LANG_PARAM,
]
ROW = {"type": "object", "properties": {
    "rank": {"type": "integer", "nullable": True, "description": "null: too few votes to rank (see status)"},
    "name": {"type": "string"}, "team": {"type": "string"},
    "rating": {"type": "number"}, "ci": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2},
    "battles": {"type": "integer"}, "win_rate": {"type": "number"}, "provisional": {"type": "boolean"},
    "status": {"type": "string", "enum": ["ranked", "too_few_votes"]},
    "component": {"type": "integer", "nullable": True,
                  "description": "the group of models compared with each other; ranks compare only within one"}}}
# The round's public exclusion statistics (voting.queries.exclusion_stats): the whole round, every category.
EXCLUSIONS = {"type": "object", "properties": {
    "round": {"type": "string"}, "votes": {"type": "integer"}, "excluded": {"type": "integer"},
    "by_reason": {"type": "object", "additionalProperties": {"type": "integer"}},
    "by_team": {"type": "array", "items": {"type": "object", "properties": {
        "team": {"type": "string"}, "name_ko": {"type": "string"}, "name_en": {"type": "string"},
        "excluded": {"type": "integer"}, "by_reason": {"type": "object", "additionalProperties": {"type": "integer"}}}}}}}
# The style-controlled board beside the plain one (voting.style_store.style_control).
COEFFICIENT = {"type": "object", "nullable": True, "description": "null: the votes cannot estimate it", "properties": {
    "estimate": {"type": "number", "description": "log-odds of A winning per standard deviation of the feature"},
    "ci": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2}}}
STYLE_CONTROL = {"type": "object", "properties": {
    "method": {"type": "string"}, "votes": {"type": "integer"}, "params": {"type": "object"},
    "coefficients": {"type": "object", "properties": {f: COEFFICIENT for f in ("length", "headers", "lists", "bold")}},
    "models": {"type": "array", "items": ROW},
    "components": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
    "warnings": {"type": "array", "items": {"type": "string"}}}}
LEADERBOARD_SCHEMA = {"description": "The live leaderboard", "content": {"application/json": {"schema": {
    "type": "object", "properties": {
        "round": {"type": "string"}, "category": {"type": "string"},
        "prompt_lang": {"type": "string", "enum": ["all", "ko", "en"]},
        "computed_at": {"type": "string", "format": "date-time"}, "votes": {"type": "integer"},
        "method": {"type": "string"}, "params": {"type": "object"}, "models": {"type": "array", "items": ROW},
        "rating_method": {"type": "string"},
        "components": {"type": "array", "items": {"type": "array", "items": {"type": "string"}}},
        "warnings": {"type": "array", "items": {"type": "string"}},
        "exclusions": EXCLUSIONS, "style_control": STYLE_CONTROL}}}}}


class VoteBody(Body):
    """`POST /api/battles/<id>/vote`: which answer won."""

    # Any failure of `winner` (absent, wrong type, not one of the four) keeps its domain code.
    error_codes = {("winner", "missing"): (422, "invalid_winner"), ("winner", "invalid"): (422, "invalid_winner")}
    winner: Literal["a", "b", "tie", "bothbad"]
