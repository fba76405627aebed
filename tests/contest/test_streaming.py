"""Streamed answers: neither the deltas nor their timing tell which side's model is faster.

Through the real route (`POST /api/battles` with `Accept: text/event-stream`) against a real
loopback chat-completions server, and `pair_stream` itself with scripted backends.
"""
from __future__ import annotations

import json
import random
import time

import pytest
from sqlalchemy import select

from contest.backends import BackendError
from contest.models import Battle
from contest.streaming import MAX_PAIR_WAIT, MIN_PAIR_CHARS, Delta, pace, pair_stream
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


# ---------------------------------------------------------------- pacing, with a scripted clock
class Clock:
    """A clock the script moves: each event carries the time it arrives at."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def scripted(clock: Clock, script: list[tuple[float, str, str, str | None]]):
    for at, side, kind, payload in script:
        clock.now = at
        yield side, kind, payload


def run(script, swap: bool = False) -> tuple[list[Delta], dict]:
    """`pace` over a script of (time, side, kind, payload); `swap` exchanges the sides first."""
    deltas, results = timed_run(script, swap)
    return [d for _, d in deltas], results


def timed_run(script, swap: bool = False) -> tuple[list[tuple[float, Delta]], dict]:
    """Like `run`, with the time each delta went out."""
    other = {"a": "b", "b": "a"}
    if swap:
        script = [(at, other[side], kind, payload) for at, side, kind, payload in script]
    clock = Clock()
    items = [(clock.now, item) for item in pace(scripted(clock, script), clock)]
    return items[:-1], items[-1][1]


def tokens(side: str, text: str, start: float, step: float, size: int = 3):
    """`text` from one side in `size`-character chunks, `step` seconds apart, then its end."""
    chunks = [text[i:i + size] for i in range(0, len(text), size)]
    events = [(start + i * step, side, "chunk", c) for i, c in enumerate(chunks)]
    return events + [(start + len(chunks) * step, side, "end", None)]


def merged(*parts):
    return sorted((event for part in parts for event in part), key=lambda e: e[0])


FAST_TEXT, SLOW_TEXT = "빠른 모델의 답은 길고 " * 8, "느린 모델의 답 " * 6


def test_the_fast_side_is_held_to_the_slow_sides_pace_until_both_end():
    script = merged(tokens("a", FAST_TEXT, 0.0, 0.001), tokens("b", SLOW_TEXT, 0.5, 0.1))
    deltas, results = run(script)
    assert [d.side for d in deltas] == ["a", "b"] * (len(deltas) // 2) and len(deltas) >= 6
    for a, b in zip(deltas[:-2:2], deltas[1:-2:2]):
        assert len(a.text) == len(b.text) >= 1
    assert all(d.text for d in deltas)
    assert "".join(d.text for d in deltas[::2]) == FAST_TEXT == results["a"].text
    assert "".join(d.text for d in deltas[1::2]) == SLOW_TEXT == results["b"].text
    # timings are still recorded as they really were (they are shown only after the vote)
    assert results["a"].latency_ms < 100 and results["b"].latency_ms > 2000


def test_nothing_shown_depends_on_which_side_is_faster():
    # The same two models with the sides exchanged: the pairs' sizes and times mirror exactly.
    rng = random.Random(8)
    for _ in range(300):
        script = merged(*(tokens(side, "가" * rng.randint(0, 120), rng.random(), rng.random() / 5, rng.randint(1, 9))
                          for side in "ab"))
        deltas, _ = timed_run(script)
        mirrored, _ = timed_run(script, swap=True)
        assert len(deltas) == len(mirrored) and len(deltas) % 2 == 0
        seen = [(at, len(a.text), len(b.text)) for (at, a), (_, b) in zip(deltas[::2], deltas[1::2])]
        assert seen == [(at, len(b.text), len(a.text)) for (at, a), (_, b) in zip(mirrored[::2], mirrored[1::2])]
        assert all(a == b for _, a, b in seen[:-1]), "equal sizes before the final pair"


def test_no_pair_until_both_sides_have_text_and_a_finished_side_keeps_its_last_character():
    script = [(0.0, "a", "chunk", "가" * 40), (0.1, "a", "end", None), (1.0, "b", "chunk", "나" * 30),
              (5.0, "b", "chunk", "나" * 30)]
    clock, released = Clock(), []
    stream = pace(scripted(clock, script), clock)
    released = [item for item in stream if isinstance(item, Delta)]  # the script ends: a stall
    assert [(d.side, len(d.text)) for d in released] == [("a", 29), ("b", 29), ("a", 10), ("b", 10)]
    assert sum(len(d.text) for d in released if d.side == "a") == 39, "A never looks done"


def test_small_pairs_wait_for_more_text_or_for_the_wait_to_pass():
    script = [(0.0, "a", "chunk", "가" * 100), (0.01, "b", "chunk", "나" * 5), (0.02, "b", "chunk", "나" * 5),
              (0.3, "b", "chunk", "나"), (0.31, "b", "chunk", "나" * 20), (0.32, "b", "end", None),
              (0.4, "a", "end", None)]
    deltas, _ = run(script)
    assert [len(d.text) for d in deltas] == [10, 10, 20, 20, 70, 1]
    assert MIN_PAIR_CHARS == 16 and MAX_PAIR_WAIT == 0.2


def test_an_empty_answer_still_ends_in_a_pair_and_a_failure_ends_the_stream():
    deltas, results = run([(0.0, "a", "end", None), (0.1, "b", "chunk", "나" * 50), (0.2, "b", "end", None)])
    assert [(d.side, d.text) for d in deltas] == [("a", ""), ("b", "나" * 50)]
    assert results["a"].done and results["b"].latency_ms == 200
    deltas, results = run([(0.0, "a", "chunk", "가" * 50), (0.1, "b", "chunk", "나" * 50),
                           (0.2, "b", "error", "http_5xx"), (0.3, "a", "end", None)])
    assert len(deltas) == 2 and results["b"].error == "http_5xx" and not results["a"].done


# ---------------------------------------------------------------- pair_stream with its threads
class Scripted:
    """A backend that yields the given chunks, then raises `fail` if set."""

    def __init__(self, *chunks: str, fail: Exception | None = None):
        self.chunks, self.fail = chunks, fail

    def stream(self, messages):
        yield from self.chunks
        if self.fail:
            raise self.fail


def test_pair_stream_runs_both_backends_and_pairs_their_text():
    backends = {"a": Scripted("가" * 30, "가" * 30), "b": Scripted("나" * 7)}
    items = list(pair_stream(backends, {"a": [], "b": []}, Clock()))
    deltas, results = items[:-1], items[-1]
    assert [d.side for d in deltas] == ["a", "b"] * (len(deltas) // 2)
    assert {s: "".join(d.text for d in deltas if d.side == s) for s in "ab"} == {"a": "가" * 60, "b": "나" * 7}
    assert results["a"].done and results["b"].done and not results["a"].error


@pytest.mark.parametrize("fail, code", [(BackendError("cut_stream"), "cut_stream"), (RuntimeError("bug"), "internal")])
def test_pair_stream_stops_at_a_failing_backend(fail, code):
    backends = {"a": Scripted("가" * 30), "b": Scripted("나", fail=fail)}
    results = list(pair_stream(backends, {"a": [], "b": []}, Clock()))[-1]
    assert results["b"].error == code
