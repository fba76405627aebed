"""The public release of a round: the vote log export and the votes replayed from it. Pure (stdlib only).

Both the publishing side and the standalone verifier build the release with these functions, so a
verification that matches is a byte-for-byte match. The votes file has one JSON Lines line per vote,
in the order of its cast record in the chain, with its state as of the snapshot's head record (a
later exclusion or restoration changes `counted` and `excluded_reason`; a reason the round's
protocol does not list in its `exclusions` keeps the vote counted); its SHA-256 is the snapshot's
`vote_set_sha256`.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Collection, Iterable

from voting.log import ARENA_WINNER, GENESIS, canonical, link_hash

VOTE_FIELDS = ("vote_id", "model_a", "model_b", "model_a_slug", "model_b_slug", "team_a", "team_b", "winner", "voter",
               "category", "counted", "excluded_reason", "tstamp", "chain_hash")
# What the board is computed from: a cast record without them (as text) is refused.
CAST_TEXT_FIELDS = ("vote_id", "model_a", "model_b", "model_a_slug", "model_b_slug", "team_a", "team_b", "winner")


@dataclass(frozen=True)
class LogLine:
    """One record of the chain as exported: its position, the record object and both hashes."""

    seq: int
    record: dict[str, Any]
    prev_hash: str
    hash: str

    def as_json(self) -> dict[str, Any]:
        """The export line's object."""
        return {"seq": self.seq, "record": self.record, "prev_hash": self.prev_hash, "hash": self.hash}


class ReleaseMismatch(Exception):
    """The first place where a release disagrees with what it should be; `where` says which line or record."""

    def __init__(self, where: str, what: str):
        super().__init__(f"{where}: {what}")
        self.where, self.what = where, what


def jsonl(objects: Iterable[dict[str, Any]]) -> bytes:
    """Canonical JSON Lines: each object in canonical form, newline-terminated."""
    return b"".join(canonical(obj) + b"\n" for obj in objects)


def sha256_hex(data: bytes) -> str:
    """The SHA-256 of some bytes, in hex."""
    return hashlib.sha256(data).hexdigest()


def parse_jsonl(data: bytes, name: str) -> list[dict[str, Any]]:
    """The objects of a JSON Lines file; a line that is not a JSON object raises ReleaseMismatch (so does one nested
    too deep for the parser, or with an integer of more digits than Python converts)."""
    objects = []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line.decode("utf-8"))
        except (ValueError, RecursionError) as exc:  # UnicodeDecodeError and JSONDecodeError are ValueErrors
            raise ReleaseMismatch(f"{name} line {number}", f"not a JSON line ({exc})") from None
        if not isinstance(obj, dict):
            raise ReleaseMismatch(f"{name} line {number}", "not a JSON object")
        objects.append(obj)
    return objects


def check_chain(lines: Iterable[LogLine], round_id: str, first: int = 1, prev: str = GENESIS,
                label: str = "log record") -> str:
    """The head hash of a round's chain, after checking every link; ReleaseMismatch at the first bad record.

    `lines` are the records from `first` on, continuing a chain whose hash before them is `prev`; `label`
    names a record in a difference ("log record 12").
    """
    for position, line in enumerate(lines, start=first):
        where = f"{label} {position}"
        if line.seq != position:
            raise ReleaseMismatch(where, f"has seq {line.seq}; records must run 1, 2, 3, ... without gaps")
        if not isinstance(line.record, dict) or line.record.get("seq") != position:
            raise ReleaseMismatch(where, "the record's own seq differs from its place in the chain")
        if line.record.get("round") != round_id:
            raise ReleaseMismatch(where, f"belongs to round {line.record.get('round')!r}, not {round_id!r}")
        if line.prev_hash != prev:
            raise ReleaseMismatch(where, f"links to {line.prev_hash}, but the previous record's hash is {prev}")
        expected = link_hash(prev, canonical(line.record))
        if line.hash != expected:
            raise ReleaseMismatch(where, f"hash {line.hash} does not match its content (recomputed {expected}):"
                                         " the record was changed")
        prev = line.hash
    return prev


def log_lines(objects: Iterable[dict[str, Any]]) -> list[LogLine]:
    """Export lines (parsed JSON) as LogLine, refusing malformed ones."""
    out = []
    for number, obj in enumerate(objects, start=1):
        if set(obj) != {"seq", "record", "prev_hash", "hash"}:
            raise ReleaseMismatch(f"log.jsonl line {number}", "needs exactly seq, record, prev_hash, hash")
        try:
            canonical(obj["record"])
        except (ValueError, RecursionError) as exc:  # a number out of range (1e400), NaN or Infinity
            raise ReleaseMismatch(f"log.jsonl line {number}", f"the record is not canonical JSON ({exc})") from None
        out.append(LogLine(obj["seq"], obj["record"], obj["prev_hash"], obj["hash"]))
    return out


def replay(lines: Iterable[LogLine], exclusions: Collection[str]) -> list[dict[str, Any]]:
    """The release's votes: one per cast record, in chain order, with changes applied up to the last line.
    A vote counts unless it is excluded for one of the protocol's `exclusions` (another reason is kept,
    and the vote still counts)."""
    votes: dict[str, dict[str, Any]] = {}
    for line in lines:
        record = line.record
        vote_id = record.get("vote_id")
        if record.get("kind") == "cast":
            _check_cast(line, votes)
            votes[vote_id] = {**{key: record.get(key) for key in VOTE_FIELDS[:-1]}, "chain_hash": line.hash}
        elif record.get("kind") in ("exclude", "restore"):
            if vote_id not in votes:
                raise ReleaseMismatch(f"log record {line.seq}", f"changes vote {vote_id}, which was never cast")
            votes[vote_id]["counted"] = record.get("counted")
            votes[vote_id]["excluded_reason"] = record.get("excluded_reason")
        else:
            raise ReleaseMismatch(f"log record {line.seq}", f"unknown kind {record.get('kind')!r}")
    for vote in votes.values():
        vote["counted"] = vote["counted"] is True or vote["excluded_reason"] not in exclusions
    return list(votes.values())


def _check_cast(line: LogLine, votes: dict[str, dict[str, Any]]) -> None:
    missing = [key for key in CAST_TEXT_FIELDS if not isinstance(line.record.get(key), str)]
    if missing:
        raise ReleaseMismatch(f"log record {line.seq}", f"a cast record without {', '.join(missing)}")
    if line.record["winner"] not in ARENA_WINNER.values():
        raise ReleaseMismatch(f"log record {line.seq}", f"unknown winner {line.record['winner']!r}")
    if line.record["vote_id"] in votes:
        raise ReleaseMismatch(f"log record {line.seq}", f"vote {line.record['vote_id']} is cast a second time")


def vote_stats(votes: list[dict[str, Any]]) -> dict[str, Any]:
    """{"votes": {"total", "counted", "excluded"}, "exclusions": {reason: count}} of a release."""
    counted = sum(1 for v in votes if v["counted"] is True)
    reasons = Counter(str(v["excluded_reason"]) for v in votes if v["counted"] is not True)
    return {"votes": {"total": len(votes), "counted": counted, "excluded": len(votes) - counted},
            "exclusions": dict(sorted(reasons.items()))}


def compare_votes(given: list[dict[str, Any]], expected: list[dict[str, Any]]) -> None:
    """ReleaseMismatch at the first vote line that differs from the replay of the log."""
    for number, (got, want) in enumerate(zip(given, expected), start=1):
        if got == want:
            continue
        where = f"votes.jsonl line {number} (vote {got.get('vote_id')})"
        if got.get("vote_id") != want["vote_id"]:
            raise ReleaseMismatch(where, f"the log has vote {want['vote_id']} here: a vote was dropped, inserted"
                                         " or moved")
        key = next(k for k in sorted(set(got) | set(want)) if got.get(k, "<absent>") != want.get(k, "<absent>"))
        raise ReleaseMismatch(where, f"{key} is {got.get(key, '<absent>')!r}, the log says {want.get(key, '<absent>')!r}")
    if len(given) != len(expected):
        extra = len(given) > len(expected)
        number = min(len(given), len(expected)) + 1
        vote = (given if extra else expected)[number - 1].get("vote_id")
        raise ReleaseMismatch(f"votes.jsonl line {number} (vote {vote})",
                              "is not in the log (an inserted vote)" if extra else "is missing (a dropped vote)")
