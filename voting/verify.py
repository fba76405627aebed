"""Verify a published snapshot from its public release alone: `python -m voting.verify RELEASE_DIR`.

Needs only Python and numpy (no database, no account, no Flask). RELEASE_DIR holds snapshot.json
(`GET /api/snapshots/<id>`), votes.jsonl (`.../votes`), log.jsonl (`.../log`) and, optionally,
roots.json (`GET /api/log/roots?round=<round>`). Checks, in order: the protocol (within
contest.protocol's bounds, and the published method and params are the protocol's); every link of the
hash chain; that the chain up to the snapshot's `log_seq` ends in its `log_head` and that every later line of
log.jsonl continues it; every daily root and head of the round in roots.json at a record the log reaches against
the chain (the match says up to which record roots.json anchors the chain, or that it anchors none of it);
that votes.jsonl is exactly the replay of the log up to `log_seq`; its
SHA-256 against `vote_set_sha256`; the vote and exclusion counts; and the board (models by slug, names,
team slugs, ranks and counts exactly; figures at release_board.DECIMALS places) recomputed from the
counted votes under the published protocol (and its rating method: a snapshot from before the protocol
named one is recomputed with the legacy method it was published with), and, when the snapshot has one, its
style-controlled board from the style counts its votes carry (voting.style_release; a snapshot from before
style control has neither). Prints "match" and what was and was not verified, or the
first difference (malformed input is a difference naming its file, never a traceback); exit status 0 on a
match, 1 on a difference, 2 when files are missing or unreadable.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, NamedTuple

from contest.protocol import LEGACY_RATING_METHOD, ProtocolError, normalise_protocol
from voting.release import (LogLine, ReleaseMismatch, check_chain, compare_votes, jsonl, log_lines, parse_jsonl,
                            replay, sha256_hex, vote_stats)
from voting.release_board import DECIMALS, first_board_difference, release_board, settings_from_protocol
from voting.style_release import first_style_difference, release_style_board, styles_of, with_styles

FILES = ("snapshot.json", "votes.jsonl", "log.jsonl")
ROOTS = "roots.json"


class Verified(NamedTuple):
    """What a matching release holds: its votes, and the records at which roots.json's daily roots and heads of its
    round were checked against its chain."""

    votes: list[dict[str, Any]]
    roots: list[int]
    heads: list[int]


def checked_protocol(snapshot: dict[str, Any]) -> dict[str, Any]:
    """The snapshot's protocol, within the bounds any round's protocol has, and its method and params.

    A protocol without "rating_method" is a snapshot's from before the key existed: it is checked, and
    its board recomputed, under the legacy method it was published with.
    """
    given = snapshot.get("protocol")
    if isinstance(given, dict) and "rating_method" not in given:
        given = {**given, "rating_method": LEGACY_RATING_METHOD}
    try:
        protocol = normalise_protocol(given)
    except ProtocolError as exc:
        raise ReleaseMismatch("snapshot.json protocol", str(exc)) from None
    if protocol != given:
        raise ReleaseMismatch("snapshot.json protocol", f"is not a complete protocol (expected {protocol!r})")
    if snapshot.get("method") != protocol["method"]:
        raise ReleaseMismatch("snapshot.json method", f"{snapshot.get('method')!r}, the protocol says"
                                                      f" {protocol['method']!r}")
    params = settings_from_protocol(protocol).describe()
    if snapshot.get("params") != params:
        raise ReleaseMismatch("snapshot.json params", f"{snapshot.get('params')!r}, the protocol gives {params!r}")
    return protocol


def check_anchors(roots: Any, round_id: Any, lines: list[LogLine]) -> tuple[list[int], list[int]]:
    """The records at which roots.json's daily roots and heads of the round were checked (all those the log
    reaches); ReleaseMismatch at a wrong one."""
    if (not isinstance(roots, dict) or not isinstance(roots.get("roots"), list)
            or not isinstance(roots.get("heads", []), list)):
        raise ReleaseMismatch(ROOTS, "is not the body of GET /api/log/roots")
    return check_roots(roots, round_id, lines), check_heads(roots, round_id, lines)


def check_roots(roots: dict[str, Any], round_id: Any, lines: list[LogLine]) -> list[int]:
    """The records at which the round's daily roots were checked; ReleaseMismatch at a wrong one."""
    checked = []
    for root in round_entries(roots, "roots", round_id):
        where = f"{ROOTS} day {root.get('day')}"
        last = anchor_seq(root.get("last_seq"), where, "last_seq")
        if last <= len(lines):
            check_anchor(lines, last, root.get("root"), where, "root")
            checked.append(last)
    return checked


def check_heads(roots: dict[str, Any], round_id: Any, lines: list[LogLine]) -> list[int]:
    """The records at which the round's published heads were checked; ReleaseMismatch at a wrong one."""
    checked = []
    for head in round_entries(roots, "heads", round_id):
        seq = anchor_seq(head.get("seq"), f"{ROOTS} head of round {round_id}", "seq")
        if seq <= len(lines):
            check_anchor(lines, seq, head.get("hash"), f"{ROOTS} head at record {seq}", "head")
            checked.append(seq)
    return checked


def round_entries(roots: dict[str, Any], key: str, round_id: Any) -> list[dict[str, Any]]:
    """The round's entries of roots.json's list `key`; ReleaseMismatch at one that names no round."""
    entries = []
    for number, entry in enumerate(roots.get(key, []), start=1):
        if not isinstance(entry, dict) or "round" not in entry:
            raise ReleaseMismatch(f"{ROOTS} {key} entry {number}", "is not an object with a round")
        if entry["round"] == round_id:
            entries.append(entry)
    return entries


def anchor_seq(value: Any, where: str, name: str) -> int:
    """A record number of roots.json; ReleaseMismatch when it is not one."""
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ReleaseMismatch(where, f"{name} is {value!r}")
    return value


def check_anchor(lines: list[LogLine], seq: int, published: Any, where: str, what: str) -> None:
    """The chain's hash at record `seq` is the published one."""
    if lines[seq - 1].hash != published:
        raise ReleaseMismatch(where, f"the published {what} is {published}, the chain's hash at record {seq} is"
                                     f" {lines[seq - 1].hash}")


def checked_log_seq(snapshot: dict[str, Any], lines: list[LogLine]) -> int:
    """The snapshot's log_seq, once the chain up to it ends in its log_head and every later line of log.jsonl
    continues the chain; ReleaseMismatch at the first difference."""
    seq = snapshot.get("log_seq")
    if isinstance(seq, bool) or not isinstance(seq, int) or seq < 0:
        raise ReleaseMismatch("snapshot.json", f"log_seq is {seq!r}")
    head = check_chain(lines[:seq], snapshot.get("round"))
    if len(lines) < seq:
        raise ReleaseMismatch("log.jsonl", f"has {len(lines)} records; the snapshot covers {seq}")
    if head != snapshot.get("log_head"):
        raise ReleaseMismatch(f"log record {seq}", f"the chain ends in {head}, the snapshot says"
                                                   f" {snapshot.get('log_head')}")
    check_chain(lines[seq:], snapshot.get("round"), first=seq + 1, prev=head, label="log.jsonl line")
    return seq


def verify_release(snapshot: dict[str, Any], votes_data: bytes, log_data: bytes, roots: Any = None) -> Verified:
    """The release's votes when everything matches; ReleaseMismatch at the first difference."""
    if not isinstance(snapshot, dict):
        raise ReleaseMismatch("snapshot.json", "not a JSON object")
    protocol = checked_protocol(snapshot)
    lines = log_lines(parse_jsonl(log_data, "log.jsonl"))
    seq = checked_log_seq(snapshot, lines)
    anchors = ([], []) if roots is None else check_anchors(roots, snapshot.get("round"), lines)
    expected = replay(lines[:seq], protocol["exclusions"])
    given = parse_jsonl(votes_data, "votes.jsonl")
    styled = "style_control" in snapshot  # a snapshot from before style control has neither it nor the counts
    if styled:  # the counts are the publisher's (the answers are not released): the board must follow from them
        expected = with_styles(expected, styles_of(given))
    compare_votes(given, expected)
    if styled:
        check_style_votes(snapshot["style_control"], expected)
    check_vote_set(snapshot, votes_data, expected)
    board = release_board(expected, protocol, snapshot.get("roster") or [])
    difference = first_board_difference(snapshot, board)
    if difference is None and styled:
        difference = first_style_difference(snapshot["style_control"],
                                            release_style_board(expected, protocol, board["roster"]))
    if difference:
        raise ReleaseMismatch("snapshot.json", difference)
    return Verified(expected, *anchors)


def check_style_votes(style: Any, votes: list[dict[str, Any]]) -> None:
    """Every counted vote carries its style counts and the style board counts them all: a board from hand-picked
    votes (the others' counts nulled) is refused."""
    counted = 0
    for number, v in enumerate(votes, start=1):
        if v["counted"] is True:
            if v.get("style_a") is None or v.get("style_b") is None:
                raise ReleaseMismatch(f"votes.jsonl line {number} (vote {v['vote_id']})",
                                      "a counted vote without style counts")
            counted += 1
    given = style.get("votes") if isinstance(style, dict) else None
    if given != counted:
        raise ReleaseMismatch("style_control votes", f"{given!r} in the snapshot, {counted} counted votes")


def check_vote_set(snapshot: dict[str, Any], votes_data: bytes, expected: list[dict[str, Any]]) -> None:
    """The votes file is the canonical one, hashes to vote_set_sha256, and the published counts are its own."""
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


def verify_dir(directory: Path) -> str:
    """The report: "match: ..." with what was and was not verified, or "MISMATCH ..." (one line)."""
    try:
        snapshot = read_json(directory / "snapshot.json")
        roots_path = directory / ROOTS
        roots = read_json(roots_path) if roots_path.is_file() else None
        found = verify_release(snapshot, (directory / "votes.jsonl").read_bytes(),
                               (directory / "log.jsonl").read_bytes(), roots)
    except ReleaseMismatch as exc:
        return f"MISMATCH at {exc.where}: {exc.what}"
    except (LookupError, TypeError, ValueError, AttributeError, ArithmeticError, RecursionError) as exc:
        return f"MISMATCH: snapshot.json, roots.json or a vote is malformed ({exc!r})"  # a shape no check names
    return match_report(snapshot, found, roots is not None)


def read_json(path: Path) -> Any:
    """A JSON file of the release; ReleaseMismatch naming it when it is not JSON Python can read."""
    data = path.read_bytes()
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:  # not UTF-8, not JSON, nested too deep, an integer too long
        raise ReleaseMismatch(path.name, f"not JSON ({exc})") from None


def match_report(snapshot: dict[str, Any], found: Verified, had_roots: bool) -> str:
    """What a match covers, and what the release cannot show."""
    counted = sum(1 for v in found.votes if v["counted"])
    roots = anchors_report(snapshot, found, had_roots)
    style = (f" the style-controlled board recomputed from the style counts all {counted} counted votes carry"
             f" (coefficients and rows at {DECIMALS} decimals);" if "style_control" in snapshot else
             " no style-controlled board (published before style control, or while the round was open);")
    return "\n".join((
        f"match: snapshot {snapshot.get('id')} of round {snapshot.get('round')}",
        f"verified: {len(found.votes)} votes ({counted} counted), byte for byte the replay of the hash chain;"
        f" the chain of {snapshot['log_seq']} records and its head {snapshot['log_head']}; vote_set_sha256"
        f" {snapshot['vote_set_sha256']}; the vote and exclusion counts; method and params from the protocol;"
        f" the board of {len(snapshot.get('models') or [])} rated models recomputed (slugs, names, team slugs,"
        f" ranks, counts exactly; ratings, intervals and win rates at {DECIMALS} decimals);{style} {roots}",
        f"not verified from the release: protocol_version {snapshot.get('protocol_version')!r} and code_version"
        f" {snapshot.get('code_version')!r} (reported); team names (labels of the team slugs); exposure (it counts"
        " battles, not votes, and battles are not in the release); models listed without votes; the style counts"
        " themselves (the answers they are counted from are not released)"))


def anchors_report(snapshot: dict[str, Any], found: Verified, had_roots: bool) -> str:
    """Up to which record roots.json anchors the chain, and what is left to compare with the published heads."""
    compare = "compare log_head with GET /api/log/roots yourself"
    if not had_roots:
        return f"no roots.json: {compare}"
    last = max(found.roots + found.heads, default=0)
    if not last:
        return (f"nothing in roots.json anchors round {snapshot.get('round')} (no daily root or head of it at a record"
                f" of this log): {compare}")
    report = f"{len(found.roots)} daily root(s) of roots.json checked against the chain"
    if found.heads:
        report += f", and its head(s) at record(s) {', '.join(map(str, found.heads))}"
    if last < snapshot["log_seq"]:
        report += f"; records {last + 1} to {snapshot['log_seq']} are anchored by nothing in roots.json: {compare}"
    return report


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
    try:
        report = verify_dir(directory)
    except OSError as exc:
        print(f"{directory}: cannot read {Path(exc.filename or '?').name} ({exc.strerror})", file=sys.stderr)
        return 2
    print(report)
    return 0 if report.startswith("match") else 1


if __name__ == "__main__":
    sys.exit(main())
