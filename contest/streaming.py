"""Run both sides' backends at once and release their text so timing cannot tell them apart.

The rule: nothing goes out until both sides are complete (both answers are buffered whole);
then both answers go out at once, back to back with no waits, as N pairs of deltas (A then B),
N = ceil(max(len A, len B) / `PAIR_CHARS`), at least 1, the same for both sides. Each side's
answer is cut into N nearly equal parts, non-empty where its length allows (an empty answer
gives N empty parts, so the counts still match). Everything a voter sees before the vote is
then a function of max(completion time A, completion time B) and the two texts, the same
whichever side is the slow model.

Why not stream progressively: any release before both sides are complete that follows either
side's progress leaks which side is slow, because the shorter answer's completion caps what can
be shown. Holding pairs to min(len A, len B) (the previous rule), with A 100 characters and B
1000, both done by 10 s: A done at 1 s gave 8 pairs all out by 1.2 s, then 8.8 s of silence;
A done at 10 s gave 26 small pairs trickling over 10 s. The lengths are visible at the end, so
a voter learned whether the long or the short side was the slow model.

Residual channel, not closed here: the total wait equals the slower model's time, which with
known model speeds and the revealed lengths still carries a little information.

A failure of either side ends the stream at once (the caller voids the battle). Each side's
real first-token and total latency are still recorded (stored, never served). The pacing
(`pace`) is a function of the backends' events and a clock, tested without threads.
"""
from __future__ import annotations

import math
import queue
import threading
import time
from dataclasses import dataclass
from typing import Callable, Iterable, Iterator

from contest.backends import Backend, BackendError, Messages

SIDES = ("a", "b")
# How long to wait for any event before declaring both backends stuck (their own timeouts
# normally fire long before this).
STALL_SECONDS = 600.0
# Characters per delta of the longer answer when both are released; sets the number of pairs.
PAIR_CHARS = 64
# While both answers are held, a keep-alive goes out this often on a clock of its own (never on the
# backends' events, so it says nothing about either model): reverse proxies close a response that
# sends nothing for about a minute, and a slow model can take longer than that.
KEEPALIVE_SECONDS = 15.0

# (side, "chunk" | "end" | "error", the chunk's text or the error code)
Event = tuple[str, str, str | None]


@dataclass(frozen=True)
class Delta:
    """Some text of one side's answer."""

    side: str
    text: str


@dataclass(frozen=True)
class KeepAlive:
    """Nothing to show yet; sent on a fixed clock so the connection stays open."""


@dataclass
class SideResult:
    """One side's whole answer, or its error code, with its timings."""

    text: str = ""
    error: str | None = None
    first_token_ms: int | None = None
    latency_ms: int | None = None
    done: bool = False


def split_pairs(texts: dict[str, str]) -> list[Delta]:
    """Both whole answers as N pairs (A then B), each side cut into N nearly equal parts."""
    count = max(1, math.ceil(max(len(text) for text in texts.values()) / PAIR_CHARS))
    parts = {side: [text[len(text) * i // count:len(text) * (i + 1) // count] for i in range(count)]
             for side, text in texts.items()}
    return [Delta(side, parts[side][i]) for i in range(count) for side in SIDES]


def _run_side(side: str, backend: Backend, messages: Messages, events: queue.Queue,
              cancel: threading.Event) -> None:
    try:
        for chunk in backend.stream(messages):
            if cancel.is_set():
                return
            events.put((side, "chunk", chunk))
        events.put((side, "end", None))
    except BackendError as exc:
        events.put((side, "error", exc.code))
    except Exception:  # a backend bug must void the battle, not hang it
        events.put((side, "error", "internal"))


def _queued(events: queue.Queue, stall_seconds: float, clock: Callable[[], float],
            beat_seconds: float) -> Iterator[Event]:
    """The backends' events as they come, and a ("", "beat", None) every `beat_seconds` since the start;
    ends when no event came for `stall_seconds`."""
    start = last = clock()
    next_beat = start + beat_seconds
    while True:
        now = clock()
        if now >= next_beat:
            next_beat += beat_seconds
            yield ("", "beat", None)
            continue
        if now - last >= stall_seconds:
            return
        try:
            event = events.get(timeout=max(0.0, min(next_beat, last + stall_seconds) - now))
        except queue.Empty:
            continue
        last = clock()
        yield event


def _record(result: SideResult, kind: str, payload: str | None, elapsed_ms: int) -> None:
    if kind == "chunk":
        result.first_token_ms = elapsed_ms if result.first_token_ms is None else result.first_token_ms
        result.text += payload or ""
    else:
        result.done, result.latency_ms = True, elapsed_ms
        result.error = payload if kind == "error" else None


def pace(events: Iterable[Event], clock: Callable[[], float]) -> Iterator[Delta | KeepAlive | dict[str, SideResult]]:
    """Both answers as Delta pairs once both are complete, then {side: SideResult} (alone at a failure);
    a KeepAlive for each clock beat while waiting."""
    results = {side: SideResult() for side in SIDES}
    begin = clock()
    for side, kind, payload in events:
        if kind == "beat":
            yield KeepAlive()
            continue
        _record(results[side], kind, payload, int((clock() - begin) * 1000))
        if results[side].error:
            break
        if all(r.done for r in results.values()):
            yield from split_pairs({s: r.text for s, r in results.items()})
            break
    else:  # the events stopped coming: both backends are stuck
        for r in results.values():
            if not r.done:
                r.error, r.done = "timeout", True
    yield results


def pair_stream(backends: dict[str, Backend], messages: dict[str, Messages],
                clock: Callable[[], float] = time.monotonic) -> Iterator[Delta | KeepAlive | dict[str, SideResult]]:
    """Run both backends in threads and `pace` their answers; the threads stop when this stream is closed."""
    events: queue.Queue = queue.Queue()
    cancel = threading.Event()
    for side in SIDES:
        threading.Thread(target=_run_side, args=(side, backends[side], messages[side], events, cancel),
                         daemon=True, name=f"backend-{side}").start()
    try:
        yield from pace(_queued(events, STALL_SECONDS, clock, KEEPALIVE_SECONDS), clock)
    finally:
        cancel.set()
