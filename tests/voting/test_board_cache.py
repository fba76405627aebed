"""The public board's cache (issue 13): recomputed at most once per max age per scope, shared by every
process through the real Redis, never served older than its age, and out of the way when Redis fails."""
from __future__ import annotations

import json
import threading

import redis as redis_lib

from voting.leaderboard import BoardCache


def votes(text: str) -> int:
    return json.loads(text)["votes"]


class Clock:
    def __init__(self):
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now


class Board:
    """What the route computes: a body with a growing vote count; counts its computations."""

    def __init__(self):
        self.computed = 0

    def __call__(self) -> str:
        self.computed += 1
        return json.dumps({"votes": self.computed, "models": [{"name": "모델", "rating": 1000.5}]}, ensure_ascii=False)


def test_two_processes_share_one_copy_recomputed_at_most_once_per_age(redis_url):
    client = redis_lib.Redis.from_url(redis_url, decode_responses=True)
    clock, board = Clock(), Board()
    first, second = BoardCache(client, 1.0, clock), BoardCache(client, 1.0, clock)
    assert json.loads(first.get("all", board)) == {"votes": 1, "models": [{"name": "모델", "rating": 1000.5}]}
    clock.now += 0.5
    assert votes(second.get("all", board)) == 1 and votes(first.get("all", board)) == 1
    assert board.computed == 1
    assert votes(first.get("coding", board)) == 2  # another scope has its own copy
    clock.now += 0.5  # one full age: never served older
    assert votes(second.get("all", board)) == 3 and votes(first.get("all", board)) == 3
    assert board.computed == 3


def test_a_reader_waits_for_the_recompute_under_way_instead_of_serving_a_stale_copy(redis_url):
    client = redis_lib.Redis.from_url(redis_url, decode_responses=True)
    clock, board = Clock(), Board()
    other = BoardCache(client, 1.0, clock)
    other.get("all", board)
    clock.now += 2.0  # stale
    client.set(BoardCache.PREFIX + "lock:all", "1", px=5000)  # another process is recomputing

    def finish():
        client.set(BoardCache.PREFIX + "all", '%r {"votes": 7}' % clock.now)

    timer = threading.Timer(0.05, finish)
    timer.start()
    mine = BoardCache(client, 1.0, clock)
    assert json.loads(mine.get("all", board)) == {"votes": 7}  # its answer, not the stale copy, not a computation
    assert board.computed == 1
    timer.join()


def test_without_redis_or_with_redis_down_every_read_is_answered(redis_url):
    clock, board = Clock(), Board()
    local = BoardCache(None, 1.0, clock)  # the embedded default: in memory
    assert [votes(local.get("all", board)) for _ in range(3)] == [1, 1, 1]
    clock.now += 1.0
    assert votes(local.get("all", board)) == 2
    down = redis_lib.Redis(port=1, socket_connect_timeout=0.2, socket_timeout=0.2)  # nothing listens on port 1
    board = Board()
    assert [votes(BoardCache(down, 1.0, clock).get("all", board)) for _ in range(2)] == [1, 2]
    off = BoardCache(redis_lib.Redis.from_url(redis_url), 0.0, clock)  # max age 0: no cache at all
    assert [votes(off.get("all", board)) for _ in range(2)] == [3, 4]
