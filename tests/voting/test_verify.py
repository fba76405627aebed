"""The standalone verifier: an exact match from the release alone, and the first difference for any tampering."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.voting.snapshot_world import build_world, export, publish
from voting.log import canonical, link_hash
from voting.release import LogLine, ReleaseMismatch, jsonl, replay, sha256_hex
from voting.verify import main, verify_dir

ROOT = Path(__file__).resolve().parents[2]
BLOCKED = ("flask", "sqlalchemy", "werkzeug", "redis", "click")
# Runs the module with the web stack made unimportable: it must need nothing but numpy and the stdlib.
RUN_WITHOUT_WEB_STACK = ("import runpy, sys\n"
                         f"for name in {BLOCKED!r}: sys.modules[name] = None\n"
                         "sys.argv = ['voting.verify'] + sys.argv[1:]\n"
                         "runpy.run_module('voting.verify', run_name='__main__')")


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """One published snapshot's release, downloaded (SQLite; the SQL side is tested on both databases)."""
    from app.cli import upgrade_db
    from tests.builders import make_test_app

    base = tmp_path_factory.mktemp("verify")
    upgrade_db(f"sqlite:///{base / 'arena.db'}")
    app = make_test_app(f"sqlite:///{base / 'arena.db'}")
    world = build_world(app)
    return published_release(world, base)


def published_release(world, base: Path) -> Path:
    """Publish the world's round, download its release into base/release, and let go of the database."""
    snap_id = publish(world).get_json()["id"]
    export(world, snap_id, base / "release")
    world.db.close()
    world.app.extensions["db_engine"].dispose()
    return base / "release"


def private_copy(release: Path, tmp_path: Path) -> Path:
    """A private copy of a release to tamper with."""
    copy = tmp_path / "release"
    copy.mkdir()
    for path in release.iterdir():
        (copy / path.name).write_bytes(path.read_bytes())
    return copy


@pytest.fixture
def release(published, tmp_path):
    """A private copy of the release to tamper with."""
    return private_copy(published, tmp_path)


def lines(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_bytes().splitlines()]


def write(path: Path, objects: list[dict]) -> None:
    path.write_bytes(jsonl(objects))


def tamper(release: Path, name: str, change) -> str:
    """Apply `change` to the parsed lines of one file of the release, write it back, verify."""
    objects = lines(release / name)
    change(objects)
    write(release / name, objects)
    return verify_dir(release)


def swap(objects: list, i: int, j: int) -> None:
    objects[i], objects[j] = objects[j], objects[i]


def relink(log: list[dict]) -> list[dict]:
    """Recompute every seq and hash, as a forger who controls the whole log would."""
    prev = "0" * 64
    for seq, line in enumerate(log, start=1):
        line["record"]["seq"] = line["seq"] = seq
        line["prev_hash"], line["hash"] = prev, link_hash(prev, canonical(line["record"]))
        prev = line["hash"]
    return log


def test_an_untouched_release_matches_and_says_what_was_and_was_not_verified(release):
    first, verified, unverified = verify_dir(release).split("\n")
    assert first.startswith("match: snapshot r-snap-")
    assert verified.startswith("verified: 31 votes (29 counted), byte for byte the replay of the hash chain")
    for part in ("the chain of 34 records and its head", "vote_set_sha256", "method and params from the protocol",
                 "board of 3 rated models recomputed (slugs, names, team slugs", "at 6 decimals",
                 "no roots.json"):
        assert part in verified
    assert unverified.startswith("not verified from the release: protocol_version 0 and code_version")
    assert "exposure (it counts battles, not votes" in unverified and "team names" in unverified


def test_the_release_names_models_by_slug_and_team(release):
    votes = lines(release / "votes.jsonl")
    assert {(v["model_a_slug"], v["team_a"]) for v in votes} == {(f"r-snap-m{i}", f"r-snap-t{i}") for i in range(3)}
    snapshot = json.loads((release / "snapshot.json").read_text(encoding="utf-8"))
    assert [(m["slug"], m["team_slug"], m["team"]) for m in snapshot["roster"]] == [
        (f"r-snap-m{i}", f"r-snap-t{i}", f"팀{i}") for i in range(3)]
    assert snapshot["matrix"]["slugs"] == ["r-snap-m0", "r-snap-m1", "r-snap-m2"]
    figures = [f for m in snapshot["models"] for f in (m["rating"], *m["ci"], m["win_rate"])]
    assert all(f == round(f, 6) for f in figures) and any(f != round(f, 4) for f in figures)


def test_a_figure_one_rounding_step_away_still_matches(release):
    def nudge(snapshot):
        snapshot["models"][0]["rating"] = round(snapshot["models"][0]["rating"] + 1e-6, 6)

    assert edit_snapshot(release, nudge).startswith("match:")


def write_roots(release: Path, roots: list[dict], heads: list[dict]) -> str:
    """Write roots.json (the body of GET /api/log/roots) into the release, verify."""
    (release / "roots.json").write_text(json.dumps({"roots": roots, "heads": heads}))
    return verify_dir(release)


def forge_an_uncounted_vote(release: Path) -> int:
    """Flip the winner of the first uncounted vote and rewrite all the release holds, as a forger would: the chain
    re-hashed, votes.jsonl, log_head and vote_set_sha256 (the board does not count the vote). Its cast record's seq."""
    log, votes = lines(release / "log.jsonl"), lines(release / "votes.jsonl")
    vote = next(v for v in votes if not v["counted"])
    cast = next(line for line in log
                if line["record"]["kind"] == "cast" and line["record"]["vote_id"] == vote["vote_id"])
    cast["record"]["winner"] = vote["winner"] = "model_b" if vote["winner"] == "model_a" else "model_a"
    chain_hash = {line["record"]["vote_id"]: line["hash"] for line in relink(log) if line["record"]["kind"] == "cast"}
    for v in votes:
        v["chain_hash"] = chain_hash[v["vote_id"]]
    write(release / "log.jsonl", log)
    write(release / "votes.jsonl", votes)
    edit_snapshot(release, lambda s: s.update(log_head=log[-1]["hash"],
                                              vote_set_sha256=sha256_hex((release / "votes.jsonl").read_bytes())))
    return cast["seq"]


def test_a_forged_release_with_a_true_early_root_is_caught_by_the_head_in_roots_json(release):
    log = lines(release / "log.jsonl")
    flipped = forge_an_uncounted_vote(release)
    assert flipped > 1 and verify_dir(release).startswith("match:")  # the release alone cannot tell
    forged = lines(release / "log.jsonl")
    early = [{"round": "r-snap", "day": "2026-11-01", "last_seq": flipped - 1, "root": log[flipped - 2]["hash"]}]
    assert write_roots(release, early, [{"round": "r-snap", "seq": 34, "hash": log[33]["hash"]}]) == (
        f"MISMATCH at roots.json head at record 34: the published head is {log[33]['hash']}, the chain's hash at"
        f" record 34 is {forged[33]['hash']}")
    report = write_roots(release, early, [])
    assert report.startswith("match:") and (f"records {flipped} to 34 are anchored by nothing in roots.json: compare"
                                            " log_head with GET /api/log/roots yourself") in report


def test_heads_in_roots_json_are_checked_against_the_chain(release):
    log = lines(release / "log.jsonl")
    heads = [{"round": "r-snap", "seq": 20, "hash": log[19]["hash"]},
             {"round": "r-snap", "seq": 34, "hash": log[33]["hash"]},
             {"round": "r-snap", "seq": 40, "hash": "a" * 64},  # after the log
             {"round": "r-other", "seq": 3, "hash": "b" * 64}]
    report = write_roots(release, [], heads)
    assert report.startswith("match:") and ("0 daily root(s) of roots.json checked against the chain, and its head(s)"
                                            " at record(s) 20, 34") in report
    heads[0]["hash"] = log[18]["hash"]
    assert write_roots(release, [], heads) == (
        f"MISMATCH at roots.json head at record 20: the published head is {log[18]['hash']}, the chain's hash at"
        f" record 20 is {log[19]['hash']}")
    assert write_roots(release, [], [{"round": "r-snap", "seq": "34", "hash": log[33]["hash"]}]) == (
        "MISMATCH at roots.json head of round r-snap: seq is '34'")
    assert write_roots(release, [], [{"seq": 34, "hash": log[33]["hash"]}]) == (
        "MISMATCH at roots.json heads entry 1: is not an object with a round")
    assert write_roots(release, [["r-snap", 34]], []) == (
        "MISMATCH at roots.json roots entry 1: is not an object with a round")
    (release / "roots.json").write_text(json.dumps({"roots": [], "heads": {}}))
    assert verify_dir(release) == "MISMATCH at roots.json: is not the body of GET /api/log/roots"


def test_roots_json_that_anchors_nothing_of_the_round_says_so(release):
    other_round = {"round": "r-other", "day": "2026-11-01", "last_seq": 1, "root": "b" * 64}
    heads = [{"round": "r-other", "seq": 1, "hash": "b" * 64}, {"round": "r-snap", "seq": 40, "hash": "a" * 64}]
    report = write_roots(release, [other_round], heads)  # the round's head is after the log: it anchors nothing here
    assert report.startswith("match:") and "daily root(s) of roots.json checked" not in report
    assert ("nothing in roots.json anchors round r-snap (no daily root or head of it at a record of this log):"
            " compare log_head with GET /api/log/roots yourself") in report


def test_daily_roots_are_checked_against_the_chain(release):
    log = lines(release / "log.jsonl")
    roots = [{"round": "r-snap", "day": "2026-11-01", "last_seq": 10, "root": log[9]["hash"]},
             {"round": "r-snap", "day": "2026-11-02", "last_seq": 34, "root": log[33]["hash"]},
             {"round": "r-snap", "day": "2026-11-03", "last_seq": 40, "root": "a" * 64},  # after the snapshot
             {"round": "r-other", "day": "2026-11-01", "last_seq": 1, "root": "b" * 64}]
    (release / "roots.json").write_text(json.dumps({"roots": roots, "heads": []}))
    assert "2 daily root(s) of roots.json checked against the chain" in verify_dir(release)
    roots[1]["root"] = log[32]["hash"]
    (release / "roots.json").write_text(json.dumps({"roots": roots, "heads": []}))
    assert verify_dir(release) == (f"MISMATCH at roots.json day 2026-11-02: the published root is {log[32]['hash']},"
                                   f" the chain's hash at record 34 is {log[33]['hash']}")
    (release / "roots.json").write_text("[]")
    assert verify_dir(release) == "MISMATCH at roots.json: is not the body of GET /api/log/roots"


def cpu_dispatch(env: dict | None = None) -> dict:
    """numpy's dispatched CPU targets and whether each is in use (in a fresh interpreter under `env`)."""
    probe = ("import json, numpy\ntry:\n    from numpy._core import _multiarray_umath as m\nexcept ImportError:\n"
             "    from numpy.core import _multiarray_umath as m\n"
             "print(json.dumps({k: bool(m.__cpu_features__.get(k)) for k in m.__cpu_dispatch__}))")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})
    return json.loads(done.stdout)


def test_a_release_verifies_with_numpys_avx512_paths_disabled(release):
    """Published on this CPU's widest vector paths, verified without them (as on a CPU without AVX-512)."""
    wide = [k for k, on in cpu_dispatch().items() if on and (k.startswith("AVX512") or k == "X86_V4")]
    if not wide:
        pytest.skip("this CPU or numpy build has no AVX-512 paths to disable")
    env = {"NPY_DISABLE_CPU_FEATURES": " ".join(wide)}
    if any(cpu_dispatch(env)[k] for k in wide):
        pytest.skip(f"numpy refused NPY_DISABLE_CPU_FEATURES={env['NPY_DISABLE_CPU_FEATURES']!r}")
    done = subprocess.run([sys.executable, "-m", "voting.verify", str(release)], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, env={**os.environ, **env})
    assert done.returncode == 0 and done.stdout.startswith("match:"), done.stdout + done.stderr


def test_flipping_one_votes_winner_in_the_votes_file(release):
    votes = lines(release / "votes.jsonl")
    votes[6]["winner"] = "model_b" if votes[6]["winner"] != "model_b" else "model_a"
    write(release / "votes.jsonl", votes)
    assert verify_dir(release).startswith(f"MISMATCH at votes.jsonl line 7 (vote {votes[6]['vote_id']}): winner is")


def test_flipping_one_vote_in_the_log(release):
    log = lines(release / "log.jsonl")
    log[4]["record"]["winner"] = "model_b"
    write(release / "log.jsonl", log)
    report = verify_dir(release)
    assert report.startswith("MISMATCH at log record 5: hash") and "the record was changed" in report


def test_a_log_rewritten_with_fresh_hashes_misses_the_published_head(release):
    log = lines(release / "log.jsonl")
    log[4]["record"]["winner"] = "model_b"
    write(release / "log.jsonl", relink(log))
    assert verify_dir(release).startswith("MISMATCH at log record 34: the chain ends in")


def test_dropping_one_vote(release):
    votes = lines(release / "votes.jsonl")
    dropped = votes.pop(10)
    write(release / "votes.jsonl", votes)
    assert verify_dir(release).startswith(f"MISMATCH at votes.jsonl line 11 (vote {votes[10]['vote_id']}): the log"
                                          f" has vote {dropped['vote_id']} here")


def test_dropping_the_last_vote(release):
    votes = lines(release / "votes.jsonl")
    last = votes.pop()
    write(release / "votes.jsonl", votes)
    assert verify_dir(release) == f"MISMATCH at votes.jsonl line 31 (vote {last['vote_id']}): is missing (a dropped vote)"


def test_dropping_one_log_record(release):
    log = lines(release / "log.jsonl")
    del log[7]
    write(release / "log.jsonl", log)
    assert verify_dir(release).startswith("MISMATCH at log record 8: has seq 9")


def test_inserting_one_vote(release):
    votes = lines(release / "votes.jsonl")
    votes.insert(3, {**votes[2], "vote_id": "f" * 32})
    write(release / "votes.jsonl", votes)
    assert verify_dir(release).startswith(f"MISMATCH at votes.jsonl line 4 (vote {'f' * 32}): the log has vote")


def test_appending_one_vote(release):
    votes = lines(release / "votes.jsonl")
    votes.append({**votes[0], "vote_id": "e" * 32})
    write(release / "votes.jsonl", votes)
    assert verify_dir(release) == f"MISMATCH at votes.jsonl line 32 (vote {'e' * 32}): is not in the log (an inserted vote)"


def test_inserting_one_log_record(release):
    log = lines(release / "log.jsonl")
    forged = json.loads(json.dumps(log[2]))
    forged["record"]["vote_id"] = "d" * 32
    log.insert(3, forged)
    write(release / "log.jsonl", log)
    assert verify_dir(release).startswith("MISMATCH at log record 4: has seq 3")


def test_reordering_the_chain(release):
    assert tamper(release, "log.jsonl", lambda log: swap(log, 11, 12)).startswith("MISMATCH at log record 12: has seq 13")


def test_reordering_the_chain_with_renumbered_records_breaks_the_links(release):
    def reorder(log):
        swap(log, 11, 12)
        for seq, line in enumerate(log, start=1):
            line["seq"] = line["record"]["seq"] = seq

    assert tamper(release, "log.jsonl", reorder).startswith("MISMATCH at log record 12: links to")


def test_reordering_the_votes_file(release):
    second = lines(release / "votes.jsonl")[1]["vote_id"]
    report = tamper(release, "votes.jsonl", lambda votes: swap(votes, 0, 1))
    assert report.startswith(f"MISMATCH at votes.jsonl line 1 (vote {second}): the log has vote")


def test_a_votes_file_with_the_same_votes_but_other_bytes(release):
    votes = lines(release / "votes.jsonl")
    (release / "votes.jsonl").write_text("".join(json.dumps(v) + "\n" for v in votes))
    assert verify_dir(release).startswith("MISMATCH at votes.jsonl: same votes, but not byte for byte")


def edit_snapshot(release: Path, change) -> str:
    """Apply `change` to the release's snapshot.json, write it back, verify."""
    snapshot = json.loads((release / "snapshot.json").read_text(encoding="utf-8"))
    change(snapshot)
    (release / "snapshot.json").write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    return verify_dir(release)


def swap_teams(s: dict, labels_too: bool) -> None:
    """Credit row 1's model to row 2's team and back (with the teams' names, or the names alone)."""
    one, two = s["models"][0], s["models"][1]
    for key in ("team", "team_en") if labels_too else ("team", "team_en", "team_slug"):
        one[key], two[key] = two[key], one[key]
    if labels_too:
        for entry in s["roster"]:
            entry["team"], entry["team_en"] = next((m["team"], m["team_en"]) for m in s["models"]
                                                   if m["slug"] == entry["slug"])


@pytest.mark.parametrize("change,where", [
    (lambda s: s["models"][0].update(rating=s["models"][0]["rating"] + 1e-5),
     "snapshot.json: board row 1 (Model 0 1): rating"),
    (lambda s: s["models"][1].update(rank=(s["models"][1]["rank"] or 0) + 1), "snapshot.json: board row 2"),
    (lambda s: s["models"][2].update(ci=[s["models"][2]["ci"][0], s["models"][2]["ci"][1] + 0.5]), "snapshot.json: board row 3"),
    (lambda s: s["models"][0].update(name="Other 1"), "snapshot.json: board row 1 (Other 1): name"),
    (lambda s: s["models"][0].update(slug="r-snap-m9"), "snapshot.json: board row 1 (Model 0 1): slug"),
    (lambda s: swap_teams(s, labels_too=False), "snapshot.json: board row 1 (Model 0 1): team_slug"),
    (lambda s: s["models"][0].update(team="팀1"), "snapshot.json: team r-snap-t0 is labelled"),
    (lambda s: s["roster"][1].update(team_slug="r-snap-t0"), "snapshot.json: roster is"),
    (lambda s: s["matrix"]["battles"][0].__setitem__(1, 99), "snapshot.json: matrix battles"),
    (lambda s: s["matrix"]["slugs"].reverse(), "snapshot.json: matrix slugs"),
    (lambda s: (s["protocol"].update(confidence=0.9), s["params"].update(confidence=0.9)),
     "snapshot.json: board row 1 (Model 0 1): ci"),
    (lambda s: s["protocol"].update(seed=1), "snapshot.json params: "),
    (lambda s: s["params"].update(bootstrap_rounds=10), "snapshot.json params: "),
    (lambda s: s.update(method="elo"), "snapshot.json method: 'elo', the protocol says 'bradley-terry-mle'"),
    (lambda s: s["protocol"].update(bootstrap_rounds=10**9),
     "snapshot.json protocol: bootstrap_rounds: must be between"),
    (lambda s: s["protocol"].update(seed=10**400), "snapshot.json protocol: seed: must be between"),
    (lambda s: s["protocol"].update(scale=10**400), "snapshot.json protocol: scale: must be between"),
    (lambda s: s["protocol"].update(confidence=-10**400), "snapshot.json protocol: confidence: must be between"),
    (lambda s: s["protocol"].pop("seed"), "snapshot.json protocol: is not a complete protocol"),
    (lambda s: s.update(protocol=None), "snapshot.json protocol: is not a complete protocol"),
    (lambda s: s.update(vote_set_sha256="0" * 64), "vote_set_sha256"),
    (lambda s: s.update(log_head="0" * 64), "log record 34: the chain ends in"),
    (lambda s: s.update(log_seq=33), "log record 33: the chain ends in"),
    (lambda s: s.update(vote_count=30), "vote_count"),
    (lambda s: s["exclusions"].update(moderation=0), "exclusions: {'identity_leak': 1, 'moderation': 0} in the"),
    (lambda s: s["votes"].update(counted=30), "votes"),
    (lambda s: s.update(round="r-other"), "log record 1: belongs to round"),
])
def test_a_changed_snapshot_document(release, change, where):
    assert edit_snapshot(release, change).startswith(f"MISMATCH at {where}")


def test_team_names_swapped_consistently_are_reported_as_not_verified(release):
    report = edit_snapshot(release, lambda s: swap_teams(s, labels_too=True))
    assert report.startswith("match:") and "not verified from the release:" in report and "team names" in report


def test_a_log_longer_than_the_snapshot_still_verifies_up_to_its_head(release):
    write(release / "log.jsonl", extended(release))
    assert verify_dir(release).startswith("match:")


def extended(release: Path) -> list[dict]:
    """The release's log with one valid record after the snapshot's last."""
    log = lines(release / "log.jsonl")
    extra = {"kind": "exclude", "round": log[0]["record"]["round"], "seq": 35, "vote_id": log[0]["record"]["vote_id"],
             "counted": False, "excluded_reason": "moderation", "tstamp": "2026-12-01T00:00:00.000000Z", "action": None}
    return log + [{"seq": 35, "record": extra, "prev_hash": log[-1]["hash"],
                   "hash": link_hash(log[-1]["hash"], canonical(extra))}]


def test_records_after_the_snapshots_are_checked_against_roots_json(release):
    log = extended(release)
    write(release / "log.jsonl", log)
    report = write_roots(release, [{"round": "r-snap", "day": "2026-12-01", "last_seq": 35, "root": log[34]["hash"]}],
                         [{"round": "r-snap", "seq": 35, "hash": log[34]["hash"]}])
    assert report.startswith("match:") and "1 daily root(s) of roots.json checked against the chain, and its" \
                                           " head(s) at record(s) 35" in report
    assert write_roots(release, [], [{"round": "r-snap", "seq": 35, "hash": log[33]["hash"]}]).startswith(
        "MISMATCH at roots.json head at record 35: the published head is")


def copy(line: dict) -> dict:
    return json.loads(json.dumps(line))


def relinked_wrongly(log: list[dict]) -> None:
    log[-1]["prev_hash"] = log[-3]["hash"]
    log[-1]["hash"] = link_hash(log[-1]["prev_hash"], canonical(log[-1]["record"]))


@pytest.mark.parametrize("change,where", [
    (lambda log: log.__setitem__(34, copy(log[33])),
     "log.jsonl line 35: has seq 34; records must run 1, 2, 3, ... without gaps"),
    (lambda log: log.__setitem__(34, {"seq": 35, "record": {}, "prev_hash": "zz", "hash": "zz"}),
     "log.jsonl line 35: the record's own seq differs from its place in the chain"),
    (lambda log: log.append(copy(log[34])), "log.jsonl line 36: has seq 35"),
    (lambda log: log[-1]["record"].update(vote_id="f" * 32), "log.jsonl line 35: hash"),
    (relinked_wrongly, "log.jsonl line 35: links to"),
    (lambda log: log[-1]["record"].update(round="r-other"), "log.jsonl line 35: belongs to round 'r-other'"),
])
def test_a_broken_tail_after_the_snapshots_records_is_a_difference(release, change, where):
    log = extended(release)
    change(log)
    write(release / "log.jsonl", log)
    assert verify_dir(release).startswith(f"MISMATCH at {where}")


def with_raw(objects: list[dict], number: int, key: str, raw: bytes, record: bool = False) -> bytes:
    """JSON Lines of `objects` with `key` of line `number` (of its record) written as the literal `raw`."""
    target = objects[number - 1]["record"] if record else objects[number - 1]
    target[key] = "@raw@"
    return jsonl(objects).replace(b'"@raw@"', raw)


DEEP = b"[" * 200_000
HUGE = b"9" * 5000


@pytest.mark.parametrize("name,data,where", [
    ("votes.jsonl", lambda r: DEEP, "votes.jsonl line 1: not a JSON line (maximum recursion depth exceeded"),
    ("log.jsonl", lambda r: DEEP, "log.jsonl line 1: not a JSON line (maximum recursion depth exceeded"),
    ("snapshot.json", lambda r: DEEP, "snapshot.json: not JSON (maximum recursion depth exceeded"),
    ("roots.json", lambda r: DEEP, "roots.json: not JSON (maximum recursion depth exceeded"),
    ("votes.jsonl", lambda r: with_raw(lines(r / "votes.jsonl"), 3, "tstamp", HUGE),
     "votes.jsonl line 3: not a JSON line (Exceeds the limit"),
    ("log.jsonl", lambda r: with_raw(lines(r / "log.jsonl"), 5, "tstamp", HUGE, record=True),
     "log.jsonl line 5: not a JSON line (Exceeds the limit"),
    ("log.jsonl", lambda r: with_raw(lines(r / "log.jsonl"), 5, "tstamp", b"1e400", record=True),
     "log.jsonl line 5: the record is not canonical JSON (Out of range float values"),
    ("log.jsonl", lambda r: with_raw(lines(r / "log.jsonl"), 5, "tstamp", b"NaN", record=True),
     "log.jsonl line 5: the record is not canonical JSON (Out of range float values"),
    ("snapshot.json", lambda r: (r / "snapshot.json").read_bytes().replace(b'"seed":', b'"seed":' + HUGE, 1),
     "snapshot.json: not JSON (Exceeds the limit"),
    ("snapshot.json", lambda r: b"[]", "snapshot.json: not a JSON object"),
    ("snapshot.json", lambda r: b"\xff", "snapshot.json: not JSON ("),
])
def test_malformed_input_is_a_difference_naming_the_file_never_a_traceback(release, capsys, name, data, where):
    (release / name).write_bytes(data(release))
    assert main([str(release)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"MISMATCH at {where}") and err == ""


def test_an_unreadable_file_exits_2_naming_it(release, monkeypatch, capsys):
    def refuse(path):
        raise PermissionError(13, "Permission denied", str(path))

    monkeypatch.setattr(Path, "read_bytes", refuse)
    assert main([str(release)]) == 2
    assert capsys.readouterr().err.endswith(": cannot read snapshot.json (Permission denied)\n")


def test_malformed_files_are_a_difference_not_a_crash(release):
    (release / "votes.jsonl").write_bytes(b'{"vote_id": 1}\nnot json\n')
    assert verify_dir(release).startswith("MISMATCH at votes.jsonl line 2: not a JSON line")
    (release / "snapshot.json").write_text("[]")
    assert verify_dir(release).startswith("MISMATCH")


def test_exit_codes(release, tmp_path, capsys):
    assert main([str(release)]) == 0
    assert main([str(tmp_path / "missing")]) == 2
    assert main([]) == 2
    (release / "votes.jsonl").write_bytes(b"")
    assert main([str(release)]) == 1
    assert "MISMATCH at votes.jsonl line 1" in capsys.readouterr().out


def test_python_m_needs_only_numpy_and_the_standard_library(release):
    run = [sys.executable, "-c", RUN_WITHOUT_WEB_STACK, str(release)]
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.startswith("match:"), done.stderr
    (release / "log.jsonl").write_bytes(b"")
    done = subprocess.run(run, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1 and done.stdout.startswith("MISMATCH at log.jsonl: has 0 records"), done.stderr
    probe = subprocess.run([sys.executable, "-c", RUN_WITHOUT_WEB_STACK.replace("voting.verify", "app.db")],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0  # the block is real: a module that needs SQLAlchemy cannot run under it


def test_a_cast_record_without_slugs_or_with_an_unknown_winner_is_refused():
    record = {"kind": "cast", "vote_id": "v1", "model_a": "A 1", "model_b": "B 1", "winner": "model_a"}
    with pytest.raises(ReleaseMismatch, match="^log record 1: a cast record without model_a_slug, model_b_slug, "
                                              "team_a, team_b$"):
        replay([LogLine(1, record, "0" * 64, "f" * 64)], ())
    record |= {"model_a_slug": "a", "model_b_slug": "b", "team_a": "ta", "team_b": "tb", "winner": "draw"}
    with pytest.raises(ReleaseMismatch, match="unknown winner 'draw'"):
        replay([LogLine(1, record, "0" * 64, "f" * 64)], ())
    assert replay([LogLine(1, record | {"winner": "tie"}, "0" * 64, "f" * 64)], ())[0]["model_a_slug"] == "a"
