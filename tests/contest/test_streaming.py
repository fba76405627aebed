"""Streamed answers: neither the deltas nor their timing tell which side's model is faster.

Through the real route (`POST /api/battles` with `Accept: text/event-stream`) against a real
loopback chat-completions server, and `pace` / `pair_stream` with scripted backends and clock.
"""
from __future__ import annotations

import json
import math
import queue
import random
import time

import pytest
from sqlalchemy import select

from contest.backends import BackendError
from contest.models import Battle, BattleTurn
from contest import streaming
from contest.streaming import PAIR_CHARS, Delta, KeepAlive, pace, pair_stream
from tests.builders import make_user
from tests.contest.llm_server import LoopbackLLM
from tests.contest.test_live_battles import live_round

FAST = (30, 0.001)  # 30 tokens within ~30 ms
SLOW = (20, 0.1)  # 20 tokens over ~1.9 s
BURST = 0.1  # seconds: every delta arrives within this of the first


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
    assert sides == ["a", "b"] * (len(sides) // 2), "deltas go out in pairs, A then B"
    assert deltas[0][0] - began > 1.5, "nothing before the slow side is complete"
    assert deltas[-1][0] - deltas[0][0] < BURST, "then both answers at once"
    shown = {side: "".join(text for _, s, text in deltas if s == side) for side in "ab"}
    assert shown == {side: events[-1][2]["answers"][side]["text"] for side in "ab"}
    assert len(shown[fast_side]) > len(shown[slow_side]), "the fast model also wrote more"
    assert len(sides) // 2 == math.ceil(len(shown[fast_side]) / PAIR_CHARS)
    db.expire_all()  # the real timings are stored (and served only after the vote)
    turn = db.scalars(select(BattleTurn)).one()
    latency = {side: getattr(turn, f"latency_{side}_ms") for side in "ab"}
    assert latency[fast_side] < 1000 < 1500 < latency[slow_side], latency


def test_a_long_wait_sends_keep_alives_on_a_clock_of_its_own(client, db, login, llm, monkeypatch):
    """While both answers are held nothing is shown; SSE comments keep proxies from closing the response."""
    monkeypatch.setattr(streaming, "KEEPALIVE_SECONDS", 0.4)
    live_round(db, llm, ["paced@m0", "paced@m1"])
    login.as_user(make_user(db))
    resp = client.post("/api/battles", json={"prompt": "안녕"}, headers={"Accept": "text/event-stream"},
                       buffered=False)
    llm.pacing.update({"m0": SLOW, "m1": SLOW})
    chunks = [item.decode() for item in resp.response]
    resp.close()
    body = "".join(chunks)
    first_delta = body.index("event: delta")
    assert body[:first_delta].count(": keep-alive\n\n") >= 3, body[:first_delta]
    assert "event: done" in body


def test_keep_alives_follow_the_clock_not_the_backends():
    clock, events = Clock(), queue.Queue()
    beats = streaming._queued(events, 600.0, clock, 15.0)
    events.put(("a", "chunk", "가"))
    assert next(beats) == ("a", "chunk", "가")  # the stream started at 0
    clock.now = 31.0  # two beats are due, whatever the backends did
    events.put(("b", "chunk", "나"))
    assert [next(beats), next(beats), next(beats)] == [("", "beat", None)] * 2 + [("b", "chunk", "나")]
    script = [(0.0, "", "beat", None), (1.0, "a", "chunk", "가"), (2.0, "a", "end", None),
              (15.0, "", "beat", None), (20.0, "b", "chunk", "나"), (21.0, "b", "end", None)]
    items = list(pace(scripted(Clock(), script), Clock()))
    assert items[:2] == [KeepAlive(), KeepAlive()] and [d.text for d in items[2:4]] == ["가", "나"]


# ---------------------------------------------------------------- pacing, with a scripted clock
class Clock:
    """A clock the script moves: each event carries the time it arrives at."""

    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def scripted(clock: Clock, script, ended: set | None = None):
    """The script's events, the clock set to each one's time; `ended` collects the sides handed an end."""
    for at, side, kind, payload in script:
        clock.now = at
        if kind == "end" and ended is not None:
            ended.add(side)
        yield side, kind, payload


def timed_run(script) -> tuple[list[tuple[float, Delta]], dict, int]:
    """`pace` over (time, side, kind, payload) events: timed deltas, results, deltas before both ends."""
    clock, ended, deltas, early = Clock(), set(), [], 0
    for item in pace(scripted(clock, script, ended), clock):
        if not isinstance(item, Delta):
            return deltas, item, early
        early += ended != {"a", "b"}
        deltas.append((clock.now, item))
    raise AssertionError("pace ended without results")


def run(script) -> tuple[list[Delta], dict]:
    deltas, results, _ = timed_run(script)
    return [d for _, d in deltas], results


def observed(deltas: list[tuple[float, Delta]]) -> list[tuple[float, int, int]]:
    """What a voter can measure before the vote: each pair's time and the sizes of its two parts."""
    assert [d.side for _, d in deltas] == ["a", "b"] * (len(deltas) // 2)
    return [(at, len(a.text), len(b.text)) for (at, a), (_, b) in zip(deltas[::2], deltas[1::2])]


def tokens(side: str, text: str, timing: tuple[float, float, int, int]):
    """`text` from one side paced by `timing`: first token at, done at, chunk size, jitter seed."""
    first, done, size, seed = timing
    chunks = [text[i:i + size] for i in range(0, len(text), size)]
    jitter = random.Random(seed)
    times = [first] + sorted(first + (done - first) * jitter.random() for _ in chunks[1:])
    return [(at, side, "chunk", c) for at, c in zip(times, chunks)] + [(done, side, "end", None)]


def merged(*parts):
    return sorted((event for part in parts for event in part), key=lambda e: e[0])


def two_sides(texts: dict[str, str], timings: dict[str, tuple]) -> list:
    return merged(*(tokens(side, texts[side], timings[side]) for side in "ab"))


def test_the_reviewers_probe_a_short_and_a_long_answer_with_the_speeds_swapped():
    texts = {"a": "가" * 100, "b": "나" * 1000}
    quick, slow = (0.2, 1.0, 4, 1), (0.5, 10.0, 4, 2)
    one = timed_run(two_sides(texts, {"a": quick, "b": slow}))[0]
    other = timed_run(two_sides(texts, {"a": slow, "b": quick}))[0]
    assert observed(one) == observed(other)
    assert {at for at, _ in one} == {10.0}, "all at once, when the slower side is complete"


def random_text(rng: random.Random) -> str:
    return "가" * rng.choice([0, 1, 5, 63, 64, 65, 100, 1000, rng.randint(0, 3000)])


def random_timing(rng: random.Random) -> tuple[float, float, int, int]:
    first = rng.random() * 2
    return first, first + rng.random() * 10, rng.randint(1, 12), rng.randrange(10**6)


def test_swapping_only_the_two_models_speeds_changes_nothing_a_voter_sees():
    rng = random.Random(8)
    for _ in range(400):
        texts = {"a": random_text(rng), "b": random_text(rng)}
        timing = {"a": random_timing(rng), "b": random_timing(rng)}
        one = timed_run(two_sides(texts, timing))[0]
        other = timed_run(two_sides(texts, {"a": timing["b"], "b": timing["a"]}))[0]
        assert observed(one) == observed(other), (len(texts["a"]), len(texts["b"]), timing)


def test_both_answers_go_out_once_complete_in_the_same_number_of_nearly_equal_parts():
    rng = random.Random(13)
    for _ in range(300):
        texts = {"a": random_text(rng) + "a" * rng.randint(0, 9), "b": random_text(rng)}
        timing = {"a": random_timing(rng), "b": random_timing(rng)}
        deltas, results, early = timed_run(two_sides(texts, timing))
        assert early == 0, "nothing before both sides are complete"
        pairs = math.ceil(max(len(t) for t in texts.values()) / PAIR_CHARS) or 1
        assert len(observed(deltas)) == pairs
        assert {at for at, _ in deltas} == {max(timing["a"][1], timing["b"][1])}
        for side, text in texts.items():
            parts = [len(d.text) for _, d in deltas if d.side == side]
            assert "".join(d.text for _, d in deltas if d.side == side) == text == results[side].text
            assert max(parts) - min(parts) <= 1 and (min(parts) > 0 or len(text) < pairs), parts


def test_real_timings_are_still_recorded():
    script = two_sides({"a": "가" * 300, "b": "나" * 20}, {"a": (0.01, 0.05, 9, 1), "b": (0.5, 2.5, 2, 2)})
    _, results = run(script)
    assert (results["a"].first_token_ms, results["a"].latency_ms) == (10, 50)
    assert (results["b"].first_token_ms, results["b"].latency_ms) == (500, 2500)


def test_empty_answers_still_give_the_same_number_of_deltas():
    deltas, results = run([(0.0, "a", "end", None), (0.1, "b", "chunk", "나" * 150), (0.2, "b", "end", None)])
    assert [(d.side, len(d.text)) for d in deltas] == [("a", 0), ("b", 50)] * 3
    assert results["a"].done and not results["a"].error and results["b"].latency_ms == 200
    deltas, _ = run([(0.0, "a", "end", None), (0.1, "b", "end", None)])
    assert [(d.side, d.text) for d in deltas] == [("a", ""), ("b", "")]


@pytest.mark.parametrize("script", [
    [(0.0, "a", "chunk", "가" * 50), (0.1, "b", "chunk", "나" * 50), (0.2, "b", "error", "http_5xx"),
     (0.3, "a", "end", None)],
    [(0.0, "a", "chunk", "가" * 50), (0.1, "a", "end", None), (0.2, "b", "chunk", "나" * 50),
     (0.3, "b", "error", "http_5xx"), (0.4, "b", "end", None)],
])
def test_a_failure_mid_stream_ends_it_at_once_with_nothing_shown(script):
    deltas, results = run(script)
    assert deltas == [] and results["b"].error == "http_5xx"
    assert results["b"].latency_ms in (200, 300) and results["b"].text == "나" * 50


def test_backends_that_stop_sending_end_it_as_a_timeout_with_nothing_shown():
    deltas, results = run([(0.0, "a", "chunk", "가" * 40), (0.1, "a", "end", None), (1.0, "b", "chunk", "나")])
    assert deltas == [] and results["b"].error == "timeout" and not results["a"].error


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
    backends = {"a": Scripted("가" * 30, "가" * 300), "b": Scripted("나" * 7)}
    items = list(pair_stream(backends, {"a": [], "b": []}, Clock()))
    deltas, results = items[:-1], items[-1]
    assert [d.side for d in deltas] == ["a", "b"] * 6
    assert {s: "".join(d.text for d in deltas if d.side == s) for s in "ab"} == {"a": "가" * 330, "b": "나" * 7}
    assert results["a"].done and results["b"].done and not results["a"].error


@pytest.mark.parametrize("fail, code", [(BackendError("cut_stream"), "cut_stream"), (RuntimeError("bug"), "internal")])
def test_pair_stream_stops_at_a_failing_backend(fail, code):
    backends = {"a": Scripted("가" * 30), "b": Scripted("나", fail=fail)}
    items = list(pair_stream(backends, {"a": [], "b": []}, Clock()))
    assert items[:-1] == [] and items[-1]["b"].error == code
