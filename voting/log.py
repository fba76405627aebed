"""The hash-chained vote log: canonical records and their chain hashes. Pure (stdlib only).

Each round has its own chain. A record is a JSON object in canonical form (keys sorted, no
spaces, UTF-8, no NaN); its link hash is SHA-256 over the previous link hash (hex), a newline and
the canonical bytes. The first record of a round links to GENESIS. A cast vote is one record; a
later change to whether it counts (moderation) is another record, appended, never rewritten.
This module is imported by the standalone verifier, so it needs nothing beyond the standard library.
"""
from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

GENESIS = "0" * 64
# Chatbot Arena's winner values, used in records and in the public release.
ARENA_WINNER = {"a": "model_a", "b": "model_b", "tie": "tie", "bothbad": "tie (bothbad)"}


def canonical(record: dict[str, Any]) -> bytes:
    """The one byte form of a record that is hashed."""
    return json.dumps(record, ensure_ascii=False, sort_keys=True, separators=(",", ":"),
                      allow_nan=False).encode("utf-8")


def link_hash(prev_hash: str, record_bytes: bytes) -> str:
    """The chain hash of a record given the previous record's hash."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + record_bytes).hexdigest()


def voter_pseudonym(salt: str, user_id: int) -> str:
    """A voter's id in one round's release: keyed hash of the account id (the key never leaves SQL)."""
    return hmac.new(salt.encode("utf-8"), str(user_id).encode("ascii"), hashlib.sha256).hexdigest()[:20]


def cast_record(round_id: str, seq: int, vote_id: str, voter: str, category: str, model_a: str, model_b: str,
                winner: str, tstamp: str, excluded_reason: str | None) -> dict[str, Any]:
    """The record of a cast vote. `winner` is a/b/tie/bothbad; model names as on the board."""
    return {"kind": "cast", "round": round_id, "seq": seq, "vote_id": vote_id, "voter": voter,
            "category": category, "model_a": model_a, "model_b": model_b, "winner": ARENA_WINNER[winner],
            "tstamp": tstamp, "counted": excluded_reason is None, "excluded_reason": excluded_reason}


def change_record(round_id: str, seq: int, vote_id: str, kind: str, excluded_reason: str | None, tstamp: str,
                  action: str | None = None) -> dict[str, Any]:
    """The record of a later change: kind "exclude" (with a reason) or "restore" (counted again)."""
    if kind not in ("exclude", "restore") or (kind == "exclude") != (excluded_reason is not None):
        raise ValueError("exclude needs a reason; restore has none")
    return {"kind": kind, "round": round_id, "seq": seq, "vote_id": vote_id, "counted": kind == "restore",
            "excluded_reason": excluded_reason, "tstamp": tstamp, "action": action}
