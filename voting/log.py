"""The hash-chained vote log: canonical records and their chain hashes. Pure (stdlib only).

Each round has its own chain. A record is a JSON object in canonical form (keys sorted, no
spaces, UTF-8, no NaN); its link hash is SHA-256 over the previous link hash (hex), a newline and
the canonical bytes. The first record of a round links to GENESIS. A cast vote is one record; a
later change to whether it counts (moderation) is another record, appended, never rewritten.
This module is imported by the standalone verifier, so it needs nothing beyond the standard library.
"""
from __future__ import annotations

import hashlib
import itertools
import hmac
import json
from datetime import datetime, timezone
from typing import Any, Iterable, Iterator, NamedTuple

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
                winner: str, tstamp: str, excluded_reason: str | None, *, model_a_slug: str, model_b_slug: str,
                team_a: str, team_b: str) -> dict[str, Any]:
    """The record of a cast vote. `winner` is a/b/tie/bothbad; model names as on the board, beside the
    models' stable slugs and their teams' slugs (what the published board is keyed by)."""
    return {"kind": "cast", "round": round_id, "seq": seq, "vote_id": vote_id, "voter": voter,
            "category": category, "model_a": model_a, "model_b": model_b, "model_a_slug": model_a_slug,
            "model_b_slug": model_b_slug, "team_a": team_a, "team_b": team_b, "winner": ARENA_WINNER[winner],
            "tstamp": tstamp, "counted": excluded_reason is None, "excluded_reason": excluded_reason}


def change_record(round_id: str, seq: int, vote_id: str, kind: str, excluded_reason: str | None, tstamp: str,
                  action: str | None = None) -> dict[str, Any]:
    """The record of a later change: kind "exclude" (with a reason) or "restore" (counted again)."""
    if kind not in ("exclude", "restore") or (kind == "exclude") != (excluded_reason is not None):
        raise ValueError("exclude needs a reason; restore has none")
    return {"kind": kind, "round": round_id, "seq": seq, "vote_id": vote_id, "counted": kind == "restore",
            "excluded_reason": excluded_reason, "tstamp": tstamp, "action": action}


def tstamp(moment: datetime) -> str:
    """A record's time: RFC 3339 UTC with microseconds and "Z"."""
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# ---------------------------------------------------------------- verification
class Problem(NamedTuple):
    """What is wrong with a chain, and where: `what` is edited, deleted, inserted, reordered or state."""

    what: str
    seq: int | None
    vote_id: str | None
    message: str

    def __str__(self) -> str:
        where = f"seq {self.seq}" if self.seq is not None else "chain"
        return f"{self.what}: {where}" + (f" (vote {self.vote_id})" if self.vote_id else "") + f": {self.message}"


class Entry(NamedTuple):
    """One stored record as the verifier sees it."""

    seq: int
    record: str
    prev_hash: str
    hash: str


class ChainCheck(NamedTuple):
    """A chain's verdict: records read, its head (last seq and hash) and the problems in chain order."""

    count: int
    last_seq: int
    head: str
    problems: list[Problem]


def verify_chain(entries: Iterable[Entry | tuple[int, str, str, str]]) -> ChainCheck:
    """Check a round's records, ordered by seq: each matches its hash, links to the one before it and
    sits at the seq it was written with. Names the first record of each break and what happened to it.
    Streams: a round of any size is checked in constant memory."""
    rows = map(_parse, entries)
    chain, problems, count = _Walk(), [], 0
    row = next(rows, None)
    while row is not None:
        after = next(rows, None)
        problem = _check_row(chain, row, after)
        count += 1
        if problem:
            problems.append(problem)
        if problem and problem.what == "reordered" and chain.swapped:  # a swapped pair is one problem
            chain.advance(after)
            chain.advance(row, seq=max(row.seq, after.seq))
            count, after = count + 1, next(rows, None)
        else:
            chain.advance(row)
        row = after
    return ChainCheck(count, chain.seq, chain.hash, problems)


class _Walk:
    """Where the walk along a chain stands: the last record's hash and seq, the hash before it, and the
    offset between stored and written seqs that an insertion or renumbered deletion left behind."""

    def __init__(self) -> None:
        self.hash, self.before, self.seq, self.shift = GENESIS, GENESIS, 0, 0
        self.row: _Row | None = None
        self.swapped = False

    def advance(self, row: _Row, seq: int | None = None) -> None:
        self.before, self.hash, self.row = self.hash, row.entry.hash, row
        self.seq = row.seq if seq is None else seq
        self.swapped = False


class _Row(NamedTuple):
    entry: Entry
    fields: dict[str, Any] | None  # the parsed record (None: not JSON)

    @property
    def seq(self) -> int:
        return self.entry.seq

    @property
    def written_seq(self) -> Any:
        return (self.fields or {}).get("seq")

    @property
    def vote_id(self) -> str | None:
        return (self.fields or {}).get("vote_id")


def _parse(entry: Entry | tuple[int, str, str, str]) -> _Row:
    entry = Entry(*entry)
    try:
        fields = json.loads(entry.record)
    except ValueError:
        fields = None
    return _Row(entry, fields if isinstance(fields, dict) else None)


def _check_row(chain: _Walk, row: _Row, after: _Row | None) -> Problem | None:
    """The problem at `row`, if any (the walk's state is adjusted so one break is reported once)."""
    e = row.entry
    if row.fields is None or link_hash(e.prev_hash, e.record.encode("utf-8")) != e.hash:
        return Problem("edited", e.seq, row.vote_id, "the record no longer matches its hash")
    if e.seq <= chain.seq:
        return Problem("reordered", e.seq, row.vote_id, f"comes after seq {chain.seq}")
    if e.seq > chain.seq + 1:
        if after and after.seq == chain.seq + 1 and after.entry.prev_hash == chain.hash:
            chain.swapped = True
            return Problem("reordered", e.seq, row.vote_id, f"comes before seq {after.seq}")
        gap = f"{chain.seq + 1}" if e.seq == chain.seq + 2 else f"{chain.seq + 1}..{e.seq - 1}"
        return Problem("deleted", chain.seq + 1, None, f"seq {gap} missing (seq {e.seq} links to a record "
                       "that is not there)")
    return _check_position(chain, row, after)


def _check_position(chain: _Walk, row: _Row, after: _Row | None) -> Problem | None:
    """A record that matches its hash, at the next seq: was it written there, after the record before it?"""
    e, prev = row.entry, chain.row
    written = row.written_seq + chain.shift if isinstance(row.written_seq, int) else None
    if written == e.seq + 1:  # this record belongs one later
        if after and after.written_seq == row.written_seq - 1 and after.entry.prev_hash == chain.hash:
            chain.swapped = True
            return Problem("reordered", e.seq, row.vote_id,
                           f"seq {e.seq} and {e.seq + 1} swapped (vote {after.vote_id} belongs here)")
        chain.shift -= 1
        return Problem("deleted", e.seq, None, f"the record written as seq {e.seq} is gone; later ones "
                       f"were renumbered (vote {row.vote_id} was written as seq {e.seq + 1})")
    if written == e.seq - 1 and prev and e.prev_hash == chain.before:  # links past the record before it
        chain.shift += 1
        return Problem("inserted", prev.seq, prev.vote_id, f"not written in the chain: seq {e.seq} was "
                       f"written as seq {prev.seq} and links past it")
    if written != e.seq:
        return Problem("reordered", e.seq, row.vote_id, f"was written as seq {row.written_seq}")
    if e.prev_hash != chain.hash:
        return Problem("edited", chain.seq, prev.vote_id if prev else None,
                       f"its hash was rewritten: seq {e.seq} links to another record")
    return None


# ---------------------------------------------------------------- replay
def replay(records: Iterable[dict[str, Any]]) -> tuple[bool, str | None]:
    """A vote's state (counted, excluded_reason) after its records, in seq order."""
    state: tuple[bool, str | None] = (True, None)
    for record in records:
        state = (record.get("counted") is True, record.get("excluded_reason"))
    return state


def compare_states(votes: Iterable[tuple], records: Iterable[tuple[str, int, str]]) -> Iterator[Problem]:
    """Every vote has exactly one cast record, first, that says what the vote says, and its state is the
    replay of its records.

    `votes` are (vote_id, counted, excluded_reason[, cast]) sorted by id, `cast` the fields its cast record
    must hold (who voted, for what, when); `records` (vote_id, seq, record text) sorted by vote id, then
    seq. Both are streamed (a merge), so a round of any size fits in memory."""
    groups = itertools.groupby(records, key=lambda r: r[0])
    group = next(groups, None)
    for vote_id, counted, reason, *cast in votes:
        while group is not None and group[0] < vote_id:
            yield Problem("inserted", next(group[1])[1], group[0], "a record of a vote that is not in the round")
            group = next(groups, None)
        if group is None or group[0] != vote_id:
            yield Problem("deleted", None, vote_id, "the vote has no cast record")
            continue
        yield from _vote_problems(vote_id, counted, reason, list(group[1]), cast[0] if cast else {})
        group = next(groups, None)
    while group is not None:
        yield Problem("inserted", next(group[1])[1], group[0], "a record of a vote that is not in the round")
        group = next(groups, None)


def _vote_problems(vote_id: str, counted: bool, reason: str | None, rows: list[tuple[str, int, str]],
                   cast: dict[str, Any]) -> Iterator[Problem]:
    records = [_parse(Entry(seq, text, "", "")).fields for _, seq, text in rows]
    broken = next((seq for (_, seq, _), r in zip(rows, records) if r is None), None)
    if broken is not None:
        yield Problem("edited", broken, vote_id, "the record is not a JSON object")
        return
    kinds = [r.get("kind") for r in records]
    if kinds[0] != "cast":
        yield Problem("deleted", rows[0][1], vote_id, "the vote's first record is not its cast record")
    else:
        differ = [key for key, value in cast.items() if records[0].get(key) != value]
        if differ:
            yield Problem("edited", rows[0][1], vote_id, "the cast record disagrees with the vote on "
                          + ", ".join(f"{key} ({records[0].get(key)!r}, the vote {cast[key]!r})" for key in differ))
    for (_, seq, _), kind in list(zip(rows, kinds))[1:]:
        if kind == "cast":
            yield Problem("inserted", seq, vote_id, "a second cast record of the vote")
    state = replay(records)
    if state != (counted, reason):
        yield Problem("state", rows[-1][1], vote_id, f"the vote is {_state_text(counted, reason)} "
                      f"but its records say {_state_text(*state)}")


def _state_text(counted: bool, reason: str | None) -> str:
    return "counted" if counted else f"excluded ({reason})"
