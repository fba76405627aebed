"""Streamed answers: neither the deltas nor their timing tell which side's model is faster.

Through the real route (`POST /api/battles` with `Accept: text/event-stream`) against a real
loopback chat-completions server, and `pair_stream` itself with scripted backends.
"""
from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import select

from contest.models import Battle
from tests.builders import make_user
from tests.contest.llm_server import LoopbackLLM
from tests.contest.test_live_battles import live_round

FAST = (30, 0.001)  # 30 tokens within ~30 ms
SLOW = (20, 0.1)  # 20 tokens over ~1.9 s
TIMING_BOUND = 0.1  # seconds between the two sides' last deltas


@pytest.fixture
def llm():
    with LoopbackLLM() as server:
        yield server


def timed_events(resp) -> list[tuple[float, str, dict]]:
    """Read the stream as a browser does, noting when each event arrives."""
    events = []
    for item in resp.response:
        arrived = time.monotonic()
        for block in item.decode().split("\n\n"):
            lines = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
            if "event" in lines:
                events.append((arrived, lines["event"], json.loads(lines["data"])))
    resp.close()
    return events


@pytest.mark.parametrize("fast_side", ["a", "b"])
def test_a_fast_and_a_slow_model_stream_alike(client, db, login, llm, fast_side):
    live_round(db, llm, ["paced@m0", "paced@m1"])
    login.as_user(make_user(db))
    resp = client.post("/api/battles", json={"prompt": "안녕"}, headers={"Accept": "text/event-stream"},
                       buffered=False)
    battle = db.scalars(select(Battle)).one()
    names = {"a": battle.model_a.backend["model"], "b": battle.model_b.backend["model"]}
    slow_side = "b" if fast_side == "a" else "a"
    llm.pacing.update({names[fast_side].split("@")[1]: FAST, names[slow_side].split("@")[1]: SLOW})
    began = time.monotonic()
    events = timed_events(resp)
    assert events[-1][1] == "done", events[-1]
    deltas = [(at, d["side"], d["text"]) for at, e, d in events if e == "delta"]
    sides = [side for _, side, _ in deltas]
    assert sides.count("a") == sides.count("b"), sides
    last = {side: max(at for at, s, _ in deltas if s == side) for side in "ab"}
    assert abs(last["a"] - last["b"]) < TIMING_BOUND, last
    assert sides == ["a", "b"] * (len(sides) // 2), "deltas go out in pairs, A then B"
    assert last[fast_side] - began > 1.5, "the fast side finishes with the slow one"
    shown = {"a": "", "b": ""}
    for _, side, text in deltas[:-2]:  # before the final pair, both sides are still running
        assert text, "no empty deltas"
        shown[side] += text
        if side == "b":  # the fast side's text never runs ahead of the slow side's
            assert len(shown[fast_side]) == len(shown[slow_side]), shown
    for _, side, text in deltas[-2:]:
        shown[side] += text
    assert shown == {side: events[-1][2]["answers"][side]["text"] for side in "ab"}
    assert len(shown[fast_side]) > len(shown[slow_side]), "the fast model also wrote more"
