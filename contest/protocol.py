"""A round's protocol: how its board is computed and what it allows, frozen when the round opens.

Pure: plain dicts in and out, no Flask, no SQL. Every published board carries the protocol it was
computed under, so anyone can recompute it.
"""
from __future__ import annotations

import math
from typing import Any

METHOD = "bradley-terry-mle"
# How the Bradley-Terry board is computed (voting.board). A snapshot whose protocol has no
# "rating_method" was published before it existed, under LEGACY_RATING_METHOD.
LEGACY_RATING_METHOD = "bootstrap-centred-1"
RATING_METHOD = "anchored-sandwich-1"
RATING_METHODS = (LEGACY_RATING_METHOD, RATING_METHOD)
# Every reason a vote may be kept out of the ranking (voting.models.EXCLUSION_REASONS).
KNOWN_EXCLUSIONS = ("identity_leak", "answer_seen", "moderation", "anomaly", "suspended_user", "backend_error",
                    "conflict_of_interest")

DEFAULT_PROTOCOL: dict[str, Any] = {
    "method": METHOD,
    "rating_method": RATING_METHOD,
    "scale": 400.0,
    "base": 10.0,
    "initial": 1000.0,
    "bootstrap_rounds": 1000,
    "seed": 20260101,
    "confidence": 0.95,
    "min_battles": 30,  # below this (or without both a win and a loss) a model has too few votes: no rank
    "ties": "half a win",
    "exclusions": list(KNOWN_EXCLUSIONS),
    "identity_lexicon": 3,
}

# name -> (type, lower bound, upper bound) for the numeric fields
_NUMBERS = {
    "scale": (float, 1.0, 10_000.0), "base": (float, 1.0001, 1_000.0), "initial": (float, -1e6, 1e6),
    "bootstrap_rounds": (int, 1, 100_000), "seed": (int, 0, 2**63 - 1), "confidence": (float, 0.5, 0.999),
    "min_battles": (int, 0, 1_000_000), "identity_lexicon": (int, 0, 1_000_000),
}


class ProtocolError(ValueError):
    """A protocol that cannot be used; `field` names the offending key."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field


def normalise_protocol(given: dict[str, Any] | None, defaults: dict[str, Any] | None = None) -> dict[str, Any]:
    """A complete, checked protocol: `given` over `defaults` (DEFAULT_PROTOCOL when None)."""
    if given is not None and not isinstance(given, dict):
        raise ProtocolError("protocol", "must be an object")
    # A key added since `defaults` was stored (e.g. rating_method) takes its current default.
    out = {**DEFAULT_PROTOCOL, **(defaults or {})}
    for key, value in (given or {}).items():
        if key not in DEFAULT_PROTOCOL:
            raise ProtocolError(key, "unknown protocol field")
        out[key] = value
    if out["method"] != METHOD:
        raise ProtocolError("method", f"only {METHOD} is supported")
    if out["rating_method"] not in RATING_METHODS:
        raise ProtocolError("rating_method", f"one of: {', '.join(RATING_METHODS)}")
    if out["ties"] != "half a win":
        raise ProtocolError("ties", "only 'half a win' is supported")
    for key, (kind, low, high) in _NUMBERS.items():
        value = out[key]
        if not _is_number(value, kind):
            raise ProtocolError(key, f"must be a{'n integer' if kind is int else ' number'}")
        if not low <= value <= high:
            raise ProtocolError(key, f"must be between {low:g} and {high:g}")
        out[key] = kind(value)
    exclusions = out["exclusions"]
    if not isinstance(exclusions, list) or any(e not in KNOWN_EXCLUSIONS for e in exclusions):
        raise ProtocolError("exclusions", f"a list of: {', '.join(KNOWN_EXCLUSIONS)}")
    out["exclusions"] = sorted(set(exclusions), key=KNOWN_EXCLUSIONS.index)
    return out


def _is_number(value: Any, kind: type) -> bool:
    """A finite JSON number, whole when `kind` is int; an integer of any size is finite (it is never made a float)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    return isinstance(value, int) or (math.isfinite(value) and (kind is float or value.is_integer()))
