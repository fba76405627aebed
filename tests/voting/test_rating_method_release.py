"""Published snapshots across the rating-method change: a snapshot from before the protocol named its method
(no "rating_method") still verifies, recomputed with the legacy method; a current one carries status and
component per row, and neither can be passed off as the other."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from contest.protocol import RATING_METHOD, normalise_protocol
from tests.voting.test_verify import published, release  # noqa: F401  (the published release fixtures)
from voting.release_board import first_board_difference, release_board
from voting.verify import verify_dir


def load(release: Path) -> dict:
    return json.loads((release / "snapshot.json").read_text(encoding="utf-8"))


def save(release: Path, snapshot: dict) -> str:
    (release / "snapshot.json").write_text(json.dumps(snapshot, ensure_ascii=False), encoding="utf-8")
    return verify_dir(release)


def as_first_published(snapshot: dict, votes: list[dict]) -> dict:
    """The snapshot as the code before the method's version published it: no rating_method in the protocol,
    the legacy params, and the legacy board (rows without status and component)."""
    protocol = {k: v for k, v in snapshot["protocol"].items() if k != "rating_method"}
    legacy = release_board(votes, protocol, snapshot["roster"])
    labels = {e["slug"]: (e["team"], e["team_en"]) for e in snapshot["roster"]}
    rows = [{**row, "team": labels[row["slug"]][0], "team_en": labels[row["slug"]][1]} for row in legacy["models"]]
    params = {"method": "bradley-terry-mle", "bootstrap_rounds": protocol["bootstrap_rounds"], "seed": protocol["seed"],
              "confidence": protocol["confidence"], "provisional_below": protocol["min_battles"],
              "scale": protocol["scale"], "base": protocol["base"], "initial": protocol["initial"],
              "ties": "half a win", "normalisation": "mean 1000"}
    return {**snapshot, "protocol": protocol, "params": params, "models": rows}


def votes_of(release: Path) -> list[dict]:
    return [json.loads(line) for line in (release / "votes.jsonl").read_bytes().splitlines()]


def test_a_current_snapshot_names_its_method_and_rows_carry_status_and_component(release):
    snapshot = load(release)
    assert snapshot["protocol"]["rating_method"] == RATING_METHOD == snapshot["params"]["rating_method"]
    assert all(set(m) >= {"status", "component"} for m in snapshot["models"])
    assert verify_dir(release).startswith("match:")


def test_a_snapshot_from_before_the_rating_method_still_verifies_with_the_legacy_method(release):
    old = as_first_published(load(release), votes_of(release))
    assert all("status" not in m for m in old["models"]) and all(m["rank"] for m in old["models"])
    assert save(release, old).startswith("match:")


def test_a_legacy_board_cannot_claim_the_current_method_nor_the_reverse(release):
    current = load(release)
    old = as_first_published(current, votes_of(release))
    claimed = {**old, "protocol": {**old["protocol"], "rating_method": RATING_METHOD},
               "params": current["params"]}
    assert save(release, claimed).startswith("MISMATCH at snapshot.json: board row 1")
    unnamed = {**current, "protocol": old["protocol"], "params": old["params"]}
    assert save(release, unnamed).startswith("MISMATCH at snapshot.json: board row 1")


def test_a_changed_status_or_component_is_the_first_difference():
    rng = np.random.default_rng(3)
    votes = []
    for i in range(400):  # m0-m2 meet each other, m3-m4 meet each other, m5 has two votes
        pair = [("m0", "m1"), ("m1", "m2"), ("m0", "m2"), ("m3", "m4")][i % 4]
        votes.append({"model_a_slug": pair[0], "model_b_slug": pair[1], "model_a": pair[0].upper(),
                      "model_b": pair[1].upper(), "team_a": "t", "team_b": "t", "counted": True,
                      "winner": ["model_a", "model_b", "tie"][int(rng.integers(0, 3))]})
    votes += [{**votes[0], "model_a_slug": "m5", "model_a": "M5"}, {**votes[1], "model_a_slug": "m5", "model_a": "M5"}]
    board = release_board(votes, normalise_protocol(None))
    assert board["components"] == [["m0", "m1", "m2"], ["m3", "m4"]] and board["warnings"] == ["disconnected"]
    rows = {m["slug"]: m for m in board["models"]}
    assert rows["m5"]["status"] == "too_few_votes" and rows["m5"]["rank"] is None
    assert {rows[s]["component"] for s in ("m3", "m4")} == {1}
    assert first_board_difference(board, board) is None
    edited = {**board, "models": [{**m, "component": 0} if m["slug"] == "m3" else m for m in board["models"]]}
    assert "component is 0, recomputed 1" in first_board_difference(edited, board)
    edited = {**board, "models": [{**m, "status": "ranked", "rank": 1} if m["slug"] == "m5" else m
                                  for m in board["models"]]}
    assert "(M5): rank is 1, recomputed None" in first_board_difference(edited, board)
    edited = {**board, "components": [["m0", "m1", "m2", "m3", "m4"]]}
    assert first_board_difference(edited, board).startswith("components is")
    hidden = {key: value for key, value in board.items() if key not in ("components", "warnings")}
    assert first_board_difference(hidden, board).startswith("components is None"), "a hidden warning must not verify"
