"""The rating worker as its own lean process: `python -m voting.worker_main` (same ARENA_* settings).

It builds no web application: configuration, logging, a database engine, the Redis client and the
worker, nothing else, so it starts in about a second. `flask --app wsgi worker` does the same work
but builds the whole app first.
"""
from __future__ import annotations

import signal
import sys
import threading

from sqlalchemy.orm import sessionmaker

from app.config import ConfigError, load_config
from app.db import make_engine, utcnow
from app.observability import configure_logging
from app.redis_client import make_redis
from voting.heartbeat import RedisHeartbeats
from voting.live import RedisLiveBoard
from voting.runtime import board_settings_for, coerce_settings, rating_params
from voting.stream import RedisVoteStream
from voting.style_cache import RedisStyleBoards
from voting.style_worker import StyleRefresher
from voting.worker import RatingWorker, redis_server_id


def build_worker(config: dict) -> tuple[RatingWorker, StyleRefresher]:
    """A worker and its style-board loop over the configured database and Redis (the stream, the board and the
    style boards live only in Redis here)."""
    if not config["REDIS_URL"]:
        raise ConfigError("the rating worker needs ARENA_REDIS_URL (without Redis the web process runs it)")
    coerce_settings(config)
    client = make_redis(config["REDIS_URL"], config["REDIS_SOCKET_TIMEOUT"], config["REDIS_CONNECT_TIMEOUT"])
    sessions = sessionmaker(make_engine(config["DATABASE_URL"]), expire_on_commit=False)
    worker = RatingWorker(sessions, RedisVoteStream(client), RedisLiveBoard(client), rating_params(config), utcnow,
                          heartbeats=RedisHeartbeats(client), server_id=redis_server_id(client))
    styles = StyleRefresher(sessions, RedisStyleBoards(client), lambda protocol: board_settings_for(protocol, config),
                            utcnow)
    return worker, styles


def main() -> int:
    """Run until SIGTERM or SIGINT."""
    try:
        config = load_config()
        configure_logging(config["LOG_LEVEL"], config["LOG_JSON"])
        worker, styles = build_worker(config)
    except ConfigError as exc:
        print(f"rating worker: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    print(f"rating worker {worker.consumer} started", file=sys.stderr, flush=True)
    thread = styles.start(stop)
    worker.run(stop)
    thread.join(10.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
