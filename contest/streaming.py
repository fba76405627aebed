"""Run both sides' backends at once and release their text so timing cannot tell them apart.

Nothing is released until both sides have started (or ended); then buffered text goes out
strictly alternating A, B, A, B, so neither side gets ahead while the other is still answering.
"""
from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Iterator

from contest.backends import Backend, BackendError, Messages

SIDES = ("a", "b")
# How long to wait for any event before declaring both backends stuck (their own timeouts
# normally fire long before this).
STALL_SECONDS = 600.0


@dataclass(frozen=True)
class Delta:
    """Some text of one side's answer."""

    side: str
    text: str


@dataclass
class SideResult:
    """One side's whole answer, or its error code, with its timings."""

    text: str = ""
    error: str | None = None
    first_token_ms: int | None = None
    latency_ms: int | None = None
    done: bool = False
    buffer: list[str] = field(default_factory=list)


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


def _release(results: dict[str, SideResult], started: bool, turn: list[str]) -> Iterator[Delta]:
    """Yield buffered text in strict A/B alternation; a finished side no longer holds the other back."""
    if not started:
        return
    while True:
        side, other = turn[0], ("b" if turn[0] == "a" else "a")
        mine = results[side]
        if mine.buffer:
            text = "".join(mine.buffer)
            mine.buffer.clear()
            turn[0] = other
            yield Delta(side, text)
        elif mine.done and results[other].buffer:
            turn[0] = other
        else:
            return


def pair_stream(backends: dict[str, Backend], messages: dict[str, Messages],
                clock: Callable[[], float] = time.monotonic) -> Iterator[Delta | dict[str, SideResult]]:
    """Yield Deltas, then the final {side: SideResult}; stops early when either side fails."""
    events: queue.Queue = queue.Queue()
    cancel = threading.Event()
    results = {side: SideResult() for side in SIDES}
    begin = clock()
    for side in SIDES:
        threading.Thread(target=_run_side, args=(side, backends[side], messages[side], events, cancel),
                         daemon=True, name=f"backend-{side}").start()
    turn = ["a"]
    try:
        while not all(r.done for r in results.values()):
            try:
                side, kind, payload = events.get(timeout=STALL_SECONDS)
            except queue.Empty:
                for r in results.values():
                    if not r.done:
                        r.error, r.done = "timeout", True
                break
            result, elapsed = results[side], int((clock() - begin) * 1000)
            if kind == "chunk":
                result.first_token_ms = elapsed if result.first_token_ms is None else result.first_token_ms
                result.text += payload
                result.buffer.append(payload)
            else:
                result.done, result.latency_ms = True, elapsed
                if kind == "error":
                    result.error = payload
                    break
            started = all(r.first_token_ms is not None or r.done for r in results.values())
            yield from _release(results, started, turn)
        else:
            yield from _release(results, True, turn)
    finally:
        cancel.set()
    yield results
