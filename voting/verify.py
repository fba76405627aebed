"""Verify a published snapshot from its public release alone: `python -m voting.verify RELEASE_DIR`.

Needs only Python and numpy (no database, no account, no Flask). RELEASE_DIR holds snapshot.json
(`GET /api/snapshots/<id>`), votes.jsonl (`.../votes`) and log.jsonl (`.../log`). Checks, in order:
every link of the hash chain; that the chain up to the snapshot's `log_seq` ends in its `log_head`;
that votes.jsonl is exactly the replay of that log; its SHA-256 against `vote_set_sha256`; the vote
and exclusion counts; and the board recomputed from the counted votes under the published protocol, compared exactly. Prints
"match" or the first difference; exit status 0 on a match, 1 on a difference, 2 when files are missing.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from voting.release import (ReleaseMismatch, check_chain, compare_votes, jsonl, log_lines, parse_jsonl, replay,
                            sha256_hex, vote_stats)
from voting.release_board import first_board_difference, release_board

FILES = ("snapshot.json", "votes.jsonl", "log.jsonl")


def verify_release(snapshot: dict[str, Any], votes_data: bytes, log_data: bytes) -> list[dict[str, Any]]:
    """The release's votes when everything matches; ReleaseMismatch at the first difference."""
    lines = log_lines(parse_jsonl(log_data, "log.jsonl"))
    seq = snapshot.get("log_seq")
    if not isinstance(seq, int) or seq < 0:
        raise ReleaseMismatch("snapshot.json", f"log_seq is {seq!r}")
    head = check_chain(lines[:seq], snapshot.get("round"))
    if len(lines) < seq:
        raise ReleaseMismatch("log.jsonl", f"has {len(lines)} records; the snapshot covers {seq}")
    if head != snapshot.get("log_head"):
        raise ReleaseMismatch(f"log record {seq}", f"the chain ends in {head}, the snapshot says"
                                                   f" {snapshot.get('log_head')}")
    expected = replay(lines[:seq])
    compare_votes(parse_jsonl(votes_data, "votes.jsonl"), expected)
    digest = sha256_hex(votes_data)
    if digest != sha256_hex(jsonl(expected)):
        raise ReleaseMismatch("votes.jsonl", "same votes, but not byte for byte the canonical file"
                                             f" (SHA-256 {digest})")
    if digest != snapshot.get("vote_set_sha256"):
        raise ReleaseMismatch("vote_set_sha256", f"the votes hash to {digest}, the snapshot says"
                                                 f" {snapshot.get('vote_set_sha256')}")
    if snapshot.get("vote_count") != len(expected):
        raise ReleaseMismatch("vote_count", f"{snapshot.get('vote_count')} in the snapshot, {len(expected)} votes")
    for key, value in vote_stats(expected).items():
        if snapshot.get(key) != value:
            raise ReleaseMismatch(key, f"{snapshot.get(key)!r} in the snapshot, the votes give {value!r}")
    roster = (snapshot.get("matrix") or {}).get("models") or []
    difference = first_board_difference(snapshot, release_board(expected, snapshot.get("protocol") or {}, roster))
    if difference:
        raise ReleaseMismatch("snapshot.json", difference)
    return expected


def verify_dir(directory: Path) -> str:
    """A one-line report: "match: ..." or "MISMATCH ..."; ReleaseMismatch is turned into the latter."""
    try:
        snapshot = json.loads((directory / "snapshot.json").read_text(encoding="utf-8"))
        votes = verify_release(snapshot, (directory / "votes.jsonl").read_bytes(),
                               (directory / "log.jsonl").read_bytes())
    except ReleaseMismatch as exc:
        return f"MISMATCH at {exc.where}: {exc.what}"
    except (KeyError, TypeError, ValueError, AttributeError) as exc:  # a malformed snapshot.json or protocol
        return f"MISMATCH: snapshot.json or a vote is malformed ({exc!r})"
    counted = sum(1 for v in votes if v["counted"])
    return (f"match: snapshot {snapshot.get('id')} of round {snapshot.get('round')}: {len(votes)} votes"
            f" ({counted} counted), log head {snapshot['log_head']} at record {snapshot['log_seq']},"
            f" vote_set_sha256 {snapshot['vote_set_sha256']}, board of {len(snapshot.get('models') or [])}"
            " rated models recomputed exactly")


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: verify RELEASE_DIR."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1:
        print("usage: python -m voting.verify RELEASE_DIR", file=sys.stderr)
        return 2
    directory = Path(args[0])
    missing = [name for name in FILES if not (directory / name).is_file()]
    if missing:
        print(f"{directory}: missing {', '.join(missing)}", file=sys.stderr)
        return 2
    report = verify_dir(directory)
    print(report)
    return 0 if report.startswith("match") else 1


if __name__ == "__main__":
    sys.exit(main())
