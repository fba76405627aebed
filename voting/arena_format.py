"""Reading battles in Chatbot Arena's public JSON Lines format into a tally. No Flask."""
from __future__ import annotations

import json
import os
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import BinaryIO, Callable, Iterable

import numpy as np

from voting.rating import OUTCOME_OF_WINNER, Tally, tally

ARENA_WINNERS = ("model_a", "model_b", "tie", "tie (bothbad)")


class NotCounted(Exception):
    """A well-formed line of a vote kept out of the ranking (`"counted": false` in the public release)."""


@dataclass(frozen=True)
class BadLine:
    """A line that could not be read, by its 1-based number."""

    number: int
    reason: str


def parse_battle(text: str | bytes) -> tuple[str, str, int]:
    """(model_a, model_b, outcome) of one line (text or raw bytes), or ValueError with the reason.

    A vote the release marks as not counted raises NotCounted: it is read, and left out of the ranking."""
    return battle_of(json_object(text))


def json_object(text: str | bytes) -> dict:
    """The JSON object of one line (text or raw bytes), or ValueError with the reason."""
    if isinstance(text, bytes):  # decoded per line, so one bad byte costs one line, not the file
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError("not UTF-8") from None
    try:
        row = json.loads(text.removeprefix("\ufeff"))  # a byte-order mark from spreadsheet exports
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg})") from None
    if not isinstance(row, dict):
        raise ValueError("not a JSON object")
    return row


def battle_of(row: dict) -> tuple[str, str, int]:
    """(model_a, model_b, outcome) of one line's object, or ValueError / NotCounted as `parse_battle`."""
    a, b, winner = row.get("model_a"), row.get("model_b"), row.get("winner")
    if not isinstance(a, str) or not a or not isinstance(b, str) or not b:
        raise ValueError("model_a and model_b must be non-empty strings")
    if not _encodable(a) or not _encodable(b):  # "\ud800" is valid JSON but no text: it cannot be written out
        raise ValueError("model_a and model_b must be valid Unicode text")
    if a == b:
        raise ValueError("model_a and model_b are the same model")
    if winner not in ARENA_WINNERS:
        raise ValueError(f"winner must be one of {', '.join(ARENA_WINNERS)}")
    if row.get("counted") is False:
        raise NotCounted()
    return a, b, OUTCOME_OF_WINNER[winner]


def _encodable(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return True


def read_battles(lines: Iterable[str | bytes], on_bad: Callable[[BadLine], None]) -> tuple[list[str], Tally]:
    """Model names (in order of appearance) and the tally of every good, counted line; bad lines go to `on_bad`."""
    index: dict[str, int] = {}
    a_idx, b_idx, outcomes = [], [], []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            a, b, outcome = parse_battle(text)
        except NotCounted:
            continue
        except ValueError as exc:
            on_bad(BadLine(number, str(exc)))
            continue
        a_idx.append(index.setdefault(a, len(index)))
        b_idx.append(index.setdefault(b, len(index)))
        outcomes.append(outcome)
    names = sorted(index, key=index.__getitem__)
    t = tally(np.array(a_idx, dtype=np.int64), np.array(b_idx, dtype=np.int64),
              np.array(outcomes, dtype=np.int64), len(names))
    return names, t


# --- Streaming scan of large files -------------------------------------------------------------------------
#
# Most battle files are the three-field form `json.dumps` writes, {"model_a": "x", "model_b": "y", "winner": "z"}
# (its default or its compact separators). Such a line is recognised by vectorised byte checks on a whole block:
# it starts with the exact connector text, holds exactly twelve quotes and no escaped quote or backslash, so every
# quote is structural and the line is JSON with exactly those three keys. Each distinct name is then decoded once
# (UTF-8, and JSON escapes such as \uXXXX). Every other line (extra fields, other spacing, a byte-order mark,
# anything bad) goes through `parse_battle`, so every line ends up as `read_battles` would read it.

BLOCK_BYTES = 8 << 20
_LAYOUTS = ((b'{"model_a": "', b'", "model_b": "', b'", "winner": "'),
            (b'{"model_a":"', b'","model_b":"', b'","winner":"'))
_END = b'"}'
_QUOTES_PER_LINE = 12
_MAX_NAME = 256  # longer names take the per-line path
_PAD = bytes(_MAX_NAME + 64)  # eight-byte reads past a line's end stay inside the buffer
_FAST_WINNERS = {w.encode(): OUTCOME_OF_WINNER[w] for w in ARENA_WINNERS}
_HASH_MULT = np.uint64(0x9E3779B97F4A7C15)
_SLOT_BITS = 20
_LOW_BYTES = np.array([(1 << (8 * k)) - 1 for k in range(8)] + [(1 << 64) - 1], dtype=np.uint64)


class BattleCounts:
    """Counted votes by (model_a, model_b, outcome) over model ids, and where each model first appeared.

    A model's first sighting is 2 * line number (+1 as model_b): sorting by it gives the models in order of first
    appearance in a counted vote, the order `read_battles` gives (the bootstrap's draws depend on it)."""

    def __init__(self) -> None:
        self.ids: dict[str, int] = {}
        self.first: list[int] = []
        self.parts: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []  # (a, b, outcome, count)
        self.single: dict[tuple[int, int, int], int] = {}
        self.lines = 0

    def model(self, name: str, first: int) -> int:
        """The id of `name`, first seen at `first` or earlier."""
        got = self.ids.setdefault(name, len(self.ids))
        if got == len(self.first):
            self.first.append(first)
        elif first < self.first[got]:
            self.first[got] = first
        return got

    def add_one(self, a: str, b: str, outcome: int, number: int) -> None:
        """One counted vote from line `number`."""
        key = (self.model(a, 2 * number), self.model(b, 2 * number + 1), outcome)
        self.single[key] = self.single.get(key, 0) + 1

    def result(self) -> tuple[list[str], Tally]:
        """Model names in order of first appearance and the tally of their votes."""
        order = np.argsort(np.array(self.first, dtype=np.int64), kind="stable")
        rank = np.empty(len(order), dtype=np.int64)
        rank[order] = np.arange(len(order))
        names = list(self.ids)
        single = np.array([(*k, c) for k, c in self.single.items()], dtype=np.int64).reshape(-1, 4)
        a, b, o, c = (np.concatenate([p[i] for p in self.parts] + [single[:, i]]) for i in range(4))
        n = len(names)
        counts = np.zeros((n, n, 3), dtype=np.int64)
        np.add.at(counts, (rank[a], rank[b], o), c)
        return [names[i] for i in order.tolist()], Tally(counts=counts, weights=counts.astype(float))


@dataclass(frozen=True)
class _Block:
    """One block's complete lines (`data[:size]`, then padding) and what the vectorised pass found in them."""

    data: bytearray
    size: int
    starts: np.ndarray
    ends: np.ndarray
    fast: np.ndarray  # the lines read here; the others go through parse_battle
    names: tuple[np.ndarray, list[bytes]] | None  # ids of the fast lines' model_a then model_b, distinct names
    outcome: np.ndarray  # of the fast lines


def scan_battles(stream: BinaryIO, on_bad: Callable[[BadLine], None],
                 progress: Callable[[int], None] | None = None, block_bytes: int = BLOCK_BYTES
                 ) -> tuple[list[str], Tally, int]:
    """(model names, tally, number of lines) of a binary stream of battles, read in blocks, never holding lines.

    Same result as `read_battles` on the same lines. The vectorised passes over the next blocks run in two
    threads (numpy releases the GIL) while this one counts the earlier ones in order; at most four blocks are
    in memory.
    `on_bad` may raise to stop at the first bad line; `progress` gets the bytes read so far after each block."""
    counts = BattleCounts()
    workers = min(2, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        pending: deque = deque()
        # A block's buffer is filled again only after the block is merged: `workers` + 2 buffers in turn.
        for block, done in _blocks(stream, block_bytes, workers + 2):
            pending.append(pool.submit(_analyse, *block))
            if len(pending) > workers:
                _merge(pending.popleft().result(), counts, on_bad)
            if progress is not None:
                progress(done)
        while pending:
            _merge(pending.popleft().result(), counts, on_bad)
    names, t = counts.result()
    return names, t, counts.lines


def _blocks(stream: BinaryIO, block_bytes: int, buffers: int):
    """(buffer, size of its complete lines) per block of the stream, and the bytes read so far.

    The carried partial line and the next `block_bytes` are read into one of `buffers` reused buffers (fresh
    memory for every block cost more in page faults than the parsing); zero padding follows the lines."""
    ring = [bytearray(block_bytes + len(_PAD)) for _ in range(buffers)]
    carry, done, turn = b"", 0, 0
    while True:
        need = len(carry) + block_bytes + len(_PAD)
        if len(ring[turn]) < need:  # a line longer than a block
            ring[turn] = bytearray(need)
        buf = ring[turn]
        buf[:len(carry)] = carry
        got = stream.readinto(memoryview(buf)[len(carry):len(carry) + block_bytes]) or 0
        done += got
        end = len(carry) + got
        if not got:
            if carry:
                buf[end:end + 1 + len(_PAD)] = b"\n" + _PAD
                yield (buf, end + 1), done
            return
        cut = buf.rfind(b"\n", 0, end) + 1
        carry = bytes(buf[cut:end])
        if cut:  # the buffer now belongs to this block until it is merged; the next block takes the next one
            buf[cut:cut + len(_PAD)] = _PAD
            turn = (turn + 1) % buffers
            yield (buf, cut), done


def _analyse(data: bytearray, size: int) -> _Block:
    """The vectorised pass over one block (pure, so it can run in another thread)."""
    raw = np.frombuffer(data, dtype=np.uint8, count=size)
    words = _words(data)
    quotes = np.flatnonzero(raw == 34)
    has_backslash = data.find(b"\\", 0, size) >= 0
    tiled = None if has_backslash else _tiled_lines(words, quotes, data.count(b"\n", 0, size), size)
    if tiled is not None:
        starts, ends, q = tiled
        fast = np.ones(len(ends), dtype=bool)
    else:
        ends = np.flatnonzero(raw == 10)
        starts = np.concatenate(([0], ends[:-1] + 1))
        fast, q = _quotes_by_search(quotes, starts, ends)
        if has_backslash:  # an escaped quote or backslash makes quotes non-structural: such lines go per line
            slash = np.flatnonzero(raw == 92)
            pair = slash[np.isin(raw[np.minimum(slash + 1, raw.size - 1)], (34, 92))]
            fast &= np.searchsorted(pair, ends) == np.searchsorted(pair, starts)
    fast, a_start, a_len, b_start, b_len, outcome = _fast_lines(fast, words, raw, starts, ends, q, tiled is not None)
    rows = np.flatnonzero(fast)
    names = _name_ids(words, np.concatenate((a_start[rows], b_start[rows])),
                      np.concatenate((a_len[rows], b_len[rows])), data) if rows.size else None
    if names is None:
        fast[:] = False
    return _Block(data, size, starts, ends, fast, names, outcome[fast])


def _tiled_lines(words: np.ndarray, quotes: np.ndarray, n: int, size: int
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """The usual block: every line has twelve quotes and is {"...."} from its start to its newline.

    Then the lines' starts, ends and quotes follow from the quotes alone (no search for newlines): the lines,
    each from `{` before its first quote to the newline after `"}`, tile the block, and there are no other
    newlines. None when the block is not like that."""
    if not n or quotes.size != _QUOTES_PER_LINE * n:
        return None
    q = quotes.reshape(n, _QUOTES_PER_LINE)
    starts, ends = q[:, 0] - 1, q[:, -1] + 2
    if starts[0] != 0 or ends[-1] != size - 1 or not np.array_equal(starts[1:], ends[:-1] + 1):
        return None
    if not ((words[starts] & 0xFF) == ord("{")).all() or not ((words[q[:, -1]] & 0xFFFFFF) == 0x0A7D22).all():
        return None  # 0x0A7D22: '"', '}', newline (little-endian)
    return starts, ends, q


def _merge(block: _Block, counts: BattleCounts, on_bad: Callable[[BadLine], None]) -> None:
    """Add one analysed block to `counts`, in file order: its fast lines, then each other line by parse_battle."""
    first_line = counts.lines + 1
    counts.lines += len(block.ends)
    fast = block.fast
    rows = np.flatnonzero(fast)
    if rows.size:
        fast = fast.copy()
        fast[rows[~_count_fast(block.names, rows, block.outcome, first_line, counts)]] = False
    data, starts, ends = block.data, block.starts, block.ends
    for i in np.flatnonzero(~fast).tolist():
        _count_line(bytes(data[starts[i]:ends[i]]), first_line + i, counts, on_bad)


def _words(padded: bytearray) -> np.ndarray:
    """The eight bytes at every offset of `padded` as one little-endian integer (a view, no copy)."""
    base = np.frombuffer(padded, dtype="<u8", count=len(padded) // 8)
    return np.lib.stride_tricks.as_strided(base, shape=(len(padded) - 7,), strides=(1,), writeable=False)


def _text_at(words: np.ndarray, at: np.ndarray, text: bytes) -> np.ndarray:
    """Per position in `at`: do the bytes there spell `text`? (Compared eight bytes at a time.)"""
    if len(text) < 8:
        return (words[at] & _LOW_BYTES[len(text)]) == int.from_bytes(text, "little")
    hit = np.ones(len(at), dtype=bool)
    for off in sorted({*range(0, len(text) - 7, 8), len(text) - 8}):
        hit &= words[at + off] == int.from_bytes(text[off:off + 8], "little")
    return hit


def _fast_lines(fast: np.ndarray, words: np.ndarray, raw: np.ndarray, starts: np.ndarray, ends: np.ndarray,
                q: np.ndarray, tiled: bool = False):
    """Of the lines with twelve structural quotes (`fast`, quotes `q`), those in a three-field layout: the mask,
    where their two names are and their outcome (-1: not fast). `tiled`: `_tiled_lines` found the lines, so
    each already ends in `"}` and a newline."""
    a_end, b_end, w_end = (np.ascontiguousarray(q[:, i]) for i in (3, 7, 11))
    head, mid, tail = _LAYOUTS[0]
    hit = _text_at(words, starts, head)
    hit &= _text_at(words, a_end, mid)
    hit &= _text_at(words, b_end, tail)
    a_start, b_start, w_start = starts + len(head), a_end + len(mid), b_end + len(tail)
    if not hit.all():
        for head, mid, tail in _LAYOUTS[1:]:
            todo = np.flatnonzero(fast & ~hit)
            chosen = todo[_text_at(words, starts[todo], head) & _text_at(words, a_end[todo], mid)
                          & _text_at(words, b_end[todo], tail)]
            hit[chosen] = True
            a_start[chosen] = starts[chosen] + len(head)
            b_start[chosen] = a_end[chosen] + len(mid)
            w_start[chosen] = b_end[chosen] + len(tail)
    fast = fast & hit
    if not tiled:
        ends = ends - ((ends > starts) & (raw[ends - 1] == 13))  # a CRLF line ends before its carriage return
        fast &= _text_at(words, w_end, _END) & (w_end + len(_END) == ends)
    a_len, b_len = a_end - a_start, b_end - b_start
    fast &= (a_len > 0) & (b_len > 0) & (a_len <= _MAX_NAME) & (b_len <= _MAX_NAME)
    outcome = _outcomes(words, w_start, w_end - w_start)
    fast &= outcome >= 0
    return fast, a_start, a_len, b_start, b_len, outcome


def _outcomes(words: np.ndarray, start: np.ndarray, length: np.ndarray) -> np.ndarray:
    """The outcome of each winner text (A_WINS, B_WINS, TIE), -1 for any other text."""
    outcome = np.full(len(start), -1, dtype=np.int64)
    first = words[start]
    for text, code in _FAST_WINNERS.items():
        same = (length == len(text)) & ((first & _LOW_BYTES[min(len(text), 8)]) == int.from_bytes(text[:8], "little"))
        if len(text) > 8:
            same &= words[start + len(text) - 8] == int.from_bytes(text[-8:], "little")
        outcome[same] = code
    return outcome


def _quotes_by_search(quotes: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lines with exactly twelve quotes, and those quotes' positions (rows of other lines are filler)."""
    first = np.searchsorted(quotes, starts)
    fast = np.searchsorted(quotes, ends) - first == _QUOTES_PER_LINE
    if not quotes.size:
        return fast, np.zeros((len(starts), _QUOTES_PER_LINE), dtype=np.int64)
    return fast, quotes[np.minimum(first[:, None] + np.arange(_QUOTES_PER_LINE), quotes.size - 1)]


def _name_ids(words: np.ndarray, start: np.ndarray, length: np.ndarray, padded: bytearray
              ) -> tuple[np.ndarray, list[bytes]] | None:
    """Dense ids of the names at (start, length) and the distinct names' bytes; None after a full hash collision.

    Names are grouped by a hash of their bytes; every name is then compared with its group's first member, so
    a grouping is only used when it is exact."""
    width = -(-int(length.max()) // 8)
    keys = np.empty((len(start), width), dtype=np.uint64)
    for k in range(width):
        keys[:, k] = words[start + 8 * k] & _LOW_BYTES[np.clip(length - 8 * k, 0, 8)]
    h = length.astype(np.uint64) * _HASH_MULT
    for k in range(width):
        h = (h ^ keys[:, k]) * _HASH_MULT
        h ^= h >> np.uint64(31)
    slot = (h >> np.uint64(64 - _SLOT_BITS)).astype(np.int64)
    rep = np.empty(1 << _SLOT_BITS, dtype=np.int64)
    rep[slot] = np.arange(len(slot))
    if _same(keys, length, rep[slot]):
        used = np.zeros(1 << _SLOT_BITS, dtype=bool)
        used[slot] = True
        taken = np.flatnonzero(used)
        reps = rep[taken]
        rep[taken] = np.arange(taken.size)  # the table now maps a slot to its dense id
        ids = rep[slot]
    else:  # two names in one slot of the small table: sort the full hashes instead
        reps_h, ids = np.unique(h, return_inverse=True)
        reps = np.empty(len(reps_h), dtype=np.int64)
        reps[ids] = np.arange(len(ids))
        if not _same(keys, length, reps[ids]):
            return None  # a 64-bit collision: the caller takes the per-line path (exact, slower)
    return ids, [bytes(padded[start[r]:start[r] + length[r]]) for r in reps.tolist()]


def _same(keys: np.ndarray, length: np.ndarray, mine: np.ndarray) -> bool:
    """Is every name byte-for-byte the name it was grouped with (its group's representative `mine`)?"""
    return bool((keys == keys[mine]).all() and (length == length[mine]).all())


def _decode_name(raw: bytes) -> str | None:
    """A name's text as `parse_battle` reads it (UTF-8, then JSON string escapes); None if it cannot be read."""
    try:
        text = raw.decode("utf-8")
        name = json.loads(f'"{text}"') if "\\" in text or any(c < " " for c in text) else text
    except (UnicodeDecodeError, json.JSONDecodeError):
        return None
    return name if _encodable(name) else None  # the per-line path then names it a bad line


def _count_fast(named: tuple[np.ndarray, list[bytes]], rows: np.ndarray, outcome: np.ndarray, first_line: int,
                counts: BattleCounts) -> np.ndarray:
    """Count the fast lines `rows` of a block (name ids of their model_a then their model_b, outcomes); the mask
    of those counted (the others, a name that cannot be read or the same model twice, take the per-line path)."""
    local, raw = named
    m = len(rows)
    text = [_decode_name(name) for name in raw]
    # Ids by text (two spellings, "é" and "\u00e9", are one model); -1 for names that cannot be read.
    by_text: dict[str, int] = {}
    merged = np.array([-1 if t is None else by_text.setdefault(t, len(by_text)) for t in text], dtype=np.int64)
    ia, ib = merged[local[:m]], merged[local[m:]]
    ok = (ia >= 0) & (ib >= 0) & (ia != ib)
    ia, ib, out, line = ia[ok], ib[ok], outcome[ok], rows[ok] + first_line
    nu = len(by_text)
    first = np.full(nu, np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first, ia, 2 * line)
    np.minimum.at(first, ib, 2 * line + 1)
    seen = np.zeros(nu, dtype=bool)
    seen[ia] = seen[ib] = True
    glob = np.array([counts.model(t, int(f)) if s else -1
                     for t, f, s in zip(by_text, first.tolist(), seen.tolist())], dtype=np.int64)
    cell = (ia * nu + ib) * 3 + out
    if nu <= 1024:
        per_cell = np.bincount(cell, minlength=nu * nu * 3)
        cells = np.flatnonzero(per_cell)
        amount = per_cell[cells]
    else:
        cells, amount = np.unique(cell, return_counts=True)
    a, rest = np.divmod(cells, nu * 3)
    b, o = np.divmod(rest, 3)
    counts.parts.append((glob[a], glob[b], o, amount))
    return ok


def _count_line(text: bytes, number: int, counts: BattleCounts, on_bad: Callable[[BadLine], None]) -> None:
    """One line by `parse_battle` (any layout, and every reason a line is bad)."""
    if not text.strip():
        return
    try:
        a, b, outcome = parse_battle(text)
    except NotCounted:
        return
    except ValueError as exc:
        on_bad(BadLine(number, str(exc)))
        return
    counts.add_one(a, b, outcome, number)
