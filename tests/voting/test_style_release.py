"""The style board in published snapshots: the release's votes carry each vote's style counts (numbers, never the
answers), the snapshot carries the style board with its coefficients, and the verifier and `python -m
voting.ratings --style` recompute it from the release alone. A snapshot from before style control still verifies."""
from __future__ import annotations

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.voting.log_builder import make_logged_vote
from tests.voting.snapshot_world import World
from tests.voting.test_style_api import LONG, SHORT
from tests.voting.test_verify import RUN_WITHOUT_WEB_STACK, lines, private_copy, published_release, write
from voting.ratings import compute_board
from voting.release import sha256_hex
from voting.verify import verify_dir

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def styled(tmp_path_factory):
    """A published release of 150 votes of 3 models: model 2 answers long and formatted, and voters lean to it."""
    from app.cli import upgrade_db
    from app.db import new_session
    from tests.builders import make_round, make_test_app, make_user

    base = tmp_path_factory.mktemp("style-release")
    url = f"sqlite:///{base / 'arena.db'}"
    upgrade_db(url)
    app = make_test_app(url, WORKER_IN_PROCESS=False)
    with app.app_context():
        db = new_session()
    round_ = make_round(db, "r-style-rel", models=3)
    voters = [make_user(db, f"시민{i}") for i in range(3)]
    rng = np.random.default_rng(11)
    for i in range(150):
        a, b = [(0, 1), (1, 2), (2, 0)][i % 3]
        winner = ["a", "b", "tie"][int(rng.integers(0, 3))]
        if 2 in (a, b) and rng.random() < 0.4:
            winner = "a" if a == 2 else "b"
        vote = make_logged_vote(db, round_, voters[i % 3], a, b, winner)
        turn = vote.battle.turns[0]
        turn.answer_a = LONG if a == 2 else SHORT * (1 + i % 4)
        turn.answer_b = LONG if b == 2 else SHORT * (1 + i % 3)
    ministry = make_user(db, "부처", roles=("ministry",))
    round_.status = "closed"  # only a round that is over publishes style counts
    db.commit()
    return published_release(World(app, db, ministry, None, round_, []), base)


@pytest.fixture
def release(styled, tmp_path):
    return private_copy(styled, tmp_path)


def snapshot_of(release: Path) -> dict:
    return json.loads((release / "snapshot.json").read_text(encoding="utf-8"))


def save(release: Path, snapshot: dict) -> str:
    (release / "snapshot.json").write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    return verify_dir(release)


def rewrite_votes(release: Path, change) -> dict:
    """Change the votes file and publish its new hash in the snapshot, as a forger controlling both would."""
    votes = lines(release / "votes.jsonl")
    change(votes)
    write(release / "votes.jsonl", votes)
    return {**snapshot_of(release), "vote_set_sha256": sha256_hex((release / "votes.jsonl").read_bytes())}


def test_the_snapshot_carries_the_style_board_and_the_release_the_counts(release):
    snapshot = snapshot_of(release)
    style = snapshot["style_control"]
    assert style["method"] == "bradley-terry-style-control-1" and style["votes"] == 150
    assert [m["status"] for m in style["models"]] == ["ranked"] * 3
    length = style["coefficients"]["length"]
    assert length["ci"][0] < length["estimate"] < length["ci"][1] and length["se"] > 0
    votes = lines(release / "votes.jsonl")
    assert all(len(v["style_a"]) == len(v["style_b"]) == 4 for v in votes)
    assert not any(LONG in json.dumps(v, ensure_ascii=False) or "답변" in json.dumps(v, ensure_ascii=False)
                   for v in votes)  # counts, never text
    assert verify_dir(release).startswith("match:")


def test_a_published_style_board_that_is_not_the_votes_one_is_refused(release):
    snapshot = snapshot_of(release)
    style = snapshot["style_control"]
    length = {**style["coefficients"]["length"], "estimate": style["coefficients"]["length"]["estimate"] + 0.01}
    forged = {**snapshot, "style_control": {**style, "coefficients": {**style["coefficients"], "length": length}}}
    assert "style_control coefficient length estimate" in save(release, forged)
    rows = [{**m, "rating": m["rating"] + 1} if i == 0 else m for i, m in enumerate(style["models"])]
    assert "style_control row 1: rating" in save(release, {**snapshot, "style_control": {**style, "models": rows}})


def test_style_counts_changed_in_the_release_do_not_give_the_published_board(release):
    def longer(votes):
        for v in votes[:40]:
            v["style_a"], v["style_b"] = v["style_b"], v["style_a"]
    assert save(release, rewrite_votes(release, longer)).startswith("MISMATCH at snapshot.json: style_control")


def test_a_release_missing_the_counts_or_a_snapshot_hiding_its_style_board_is_refused(styled, release):
    def drop_one(votes):
        del votes[2]["style_a"]
    assert "votes.jsonl line 3" in save(release, rewrite_votes(release, drop_one))
    (release / "votes.jsonl").write_bytes((styled / "votes.jsonl").read_bytes())
    hidden = {k: v for k, v in snapshot_of(styled).items() if k != "style_control"}
    assert save(release, hidden).startswith("MISMATCH at votes.jsonl line 1")  # counts the log does not explain


def test_a_snapshot_from_before_style_control_still_verifies(release):
    def without_counts(votes):
        for v in votes:
            del v["style_a"], v["style_b"]
    old = rewrite_votes(release, without_counts)
    old.pop("style_control")
    assert save(release, old).startswith("match:")


def test_the_ratings_command_recomputes_the_style_board_from_the_release(release):
    published = snapshot_of(release)["style_control"]
    with (release / "votes.jsonl").open("rb") as stream:
        document = compute_board(stream, _defaults(), style=True, log=io.StringIO())
    mine = document["style_control"]
    assert mine["coefficients"] == published["coefficients"] and mine["votes"] == published["votes"]
    assert {m["name"]: (m["rank"], m["rating"], m["ci"]) for m in mine["models"]} == \
        {m["name"]: (m["rank"], m["rating"], m["ci"]) for m in published["models"]}
    plain = subprocess.run([sys.executable, "-c", RUN_WITHOUT_WEB_STACK.replace("voting.verify", "voting.ratings"),
                            str(release / "votes.jsonl"), "--style"], cwd=ROOT, capture_output=True, text=True)
    assert plain.returncode == 0, plain.stderr
    assert json.loads(plain.stdout)["style_control"]["coefficients"] == published["coefficients"]


def test_bad_style_counts_are_bad_lines_and_missing_ones_enter_the_plain_board_only():
    good = {"model_a": "x", "model_b": "y", "winner": "model_a", "style_a": [3, 0, 1, 0], "style_b": [1, 0, 0, 0]}
    text = "\n".join(json.dumps(v) for v in [
        good, {**good, "winner": "model_b"}, {**good, "style_a": [1, 2]}, {**good, "style_a": None, "style_b": None},
        {k: v for k, v in good.items() if not k.startswith("style")}]).encode()
    log = io.StringIO()
    document = compute_board(io.BytesIO(text), _defaults(), style=True, log=log)
    assert "line 3: style_a and style_b" in log.getvalue() and document["skipped_lines"] == 1
    assert document["votes"] == 4 and document["style_control"]["votes"] == 2


def _defaults():
    from voting.board import BoardSettings

    return BoardSettings()


def test_a_style_board_of_hand_picked_votes_is_refused(release):
    """A forger nulls the counts of chosen counted votes and publishes the board of the rest, with its hash."""
    from voting.style_release import release_style_board

    snapshot = snapshot_of(release)

    def hand_pick(votes):
        for v in votes:
            if v["counted"] and v["winner"] == "model_b" and v["model_b_slug"].endswith("-m2"):
                v["style_a"] = v["style_b"] = None
    forged = rewrite_votes(release, hand_pick)
    kept = [v for v in lines(release / "votes.jsonl") if v["style_a"] is not None]
    forged["style_control"] = release_style_board(kept, snapshot["protocol"], snapshot["roster"])
    assert forged["style_control"] != snapshot["style_control"]
    report = save(release, forged)
    assert report.startswith("MISMATCH at votes.jsonl line") and "counted vote" in report


def test_a_match_says_how_many_counted_votes_carry_counts(release):
    counted = sum(1 for v in lines(release / "votes.jsonl") if v["counted"])
    assert f"style counts all {counted} counted votes carry" in verify_dir(release)


def test_the_verifier_and_the_ratings_command_share_one_rule_for_counts():
    from voting.release import ReleaseMismatch
    from voting.style_release import styles_of

    huge = {"vote_id": "v", "counted": True, "style_a": [2**31, 0, 0, 0], "style_b": [1, 0, 0, 0]}
    with pytest.raises(ReleaseMismatch):
        styles_of([huge])
    assert styles_of([{**huge, "style_a": [2**31 - 1, 0, 0, 0]}]) == {"v": ([2**31 - 1, 0, 0, 0], [1, 0, 0, 0])}
    assert styles_of([{**huge, "counted": False, "style_a": None, "style_b": None}]) == {}
