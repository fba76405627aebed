"""Run both sides' backends at once and release their text so timing cannot tell them apart.

What the citizen sees must not depend on which side's model is faster. The release rules:

- Deltas go out only in pairs, one for A then one for B, back to back: both sides always have
  sent the same number of deltas.
- Before the end, a pair carries the same number of characters for each side, at most what the
  side with less text has produced (less `HOLD_CHARS`, below). Visible progress therefore
  follows the slower model and is a function of min(len A, len B), the same whichever side it is.
- No pair goes out until both sides have produced text; a side that ended without text holds
  everything back until the end.
- A pair waits until it carries `MIN_PAIR_CHARS` per side, or some text and `MAX_PAIR_WAIT`
  seconds after the previous pair, so fast tokens do not become a storm of tiny deltas. Both
  conditions depend only on the shorter text and the clock, never on which side is ahead.
- Each side's last `HOLD_CHARS` are held back, completed or not: a finished side is never
  visibly done before the other. The final pair, the rest of both answers, goes out only when
  both are complete. Every delta is non-empty unless that side's whole answer is empty.
- A failure of either side ends the stream at once (the caller voids the battle).

Each side's real first-token and total latency are still recorded (stored, never served).
The pacing (`pace`) is a function of the backends' events and a clock, tested without threads.
"""
from __future__ import annotations

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
# A pair below this many characters per side waits for more text, up to MAX_PAIR_WAIT seconds.
MIN_PAIR_CHARS = 16
MAX_PAIR_WAIT = 0.2
# Characters of each side kept back until both are complete, so the final pair is never empty.
HOLD_CHARS = 1

# (side, "chunk" | "end" | "error", the chunk's text or the error code)
Event = tuple[str, str, str | None]


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


@dataclass
class PairPacer:
    """Decides when text goes out: from the shorter text, the clock and completion only."""

    clock: Callable[[], float]
    last_pair: float  # when the previous pair went out (the stream's start before the first)
    shown: int = 0  # characters released per side so far (the same for both before the end)

    def release(self, texts: dict[str, str], complete: bool) -> list[Delta]:
        """The next pair (A then B), or nothing yet; `complete` when both sides have ended."""
        now = self.clock()
        if complete:
            rest = {side: texts[side][self.shown:] for side in SIDES}
            return [Delta(side, rest[side]) for side in SIDES] if any(rest.values()) else []
        size = min(len(text) for text in texts.values()) - HOLD_CHARS - self.shown
        if size < MIN_PAIR_CHARS and (size <= 0 or now - self.last_pair < MAX_PAIR_WAIT):
            return []
        start, self.shown, self.last_pair = self.shown, self.shown + size, now
        return [Delta(side, texts[side][start:self.shown]) for side in SIDES]


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


def _queued(events: queue.Queue, stall_seconds: float) -> Iterator[Event]:
    """The backends' events as they come; ends when none came for `stall_seconds`."""
    while True:
        try:
            yield events.get(timeout=stall_seconds)
        except queue.Empty:
            return


def _record(result: SideResult, kind: str, payload: str | None, elapsed_ms: int) -> None:
    if kind == "chunk":
        result.first_token_ms = elapsed_ms if result.first_token_ms is None else result.first_token_ms
        result.text += payload or ""
    else:
        result.done, result.latency_ms = True, elapsed_ms
        result.error = payload if kind == "error" else None


def pace(events: Iterable[Event], clock: Callable[[], float]) -> Iterator[Delta | dict[str, SideResult]]:
    """Yield Deltas in pairs as events come, then the final {side: SideResult}; stops at a failure."""
    results = {side: SideResult() for side in SIDES}
    begin = clock()
    pacer = PairPacer(clock, last_pair=begin)
    for side, kind, payload in events:
        _record(results[side], kind, payload, int((clock() - begin) * 1000))
        if results[side].error:
            break
        complete = all(r.done for r in results.values())
        yield from pacer.release({s: r.text for s, r in results.items()}, complete)
        if complete:
            break
    else:  # the events stopped coming: both backends are stuck
        for r in results.values():
            if not r.done:
                r.error, r.done = "timeout", True
    yield results


def pair_stream(backends: dict[str, Backend], messages: dict[str, Messages],
                clock: Callable[[], float] = time.monotonic) -> Iterator[Delta | dict[str, SideResult]]:
    """Run both backends in threads and `pace` their text; the threads stop when this stream is closed."""
    events: queue.Queue = queue.Queue()
    cancel = threading.Event()
    for side in SIDES:
        threading.Thread(target=_run_side, args=(side, backends[side], messages[side], events, cancel),
                         daemon=True, name=f"backend-{side}").start()
    try:
        yield from pace(_queued(events, STALL_SECONDS), clock)
    finally:
        cancel.set()
