"""The shared Redis client, always with timeouts; None in the embedded default."""
from __future__ import annotations

import redis
from flask import Flask, current_app


def make_redis(url: str, socket_timeout: float, connect_timeout: float) -> redis.Redis:
    """A client whose calls cannot hang: connect and socket timeouts are always set."""
    return redis.Redis.from_url(
        url,
        socket_timeout=socket_timeout,
        socket_connect_timeout=connect_timeout,
        health_check_interval=15,
        retry_on_timeout=False,
        decode_responses=True,
    )


def init_app(app: Flask) -> None:
    url = app.config["REDIS_URL"]
    app.extensions["redis"] = (
        make_redis(url, app.config["REDIS_SOCKET_TIMEOUT"], app.config["REDIS_CONNECT_TIMEOUT"]) if url else None
    )


def get_redis() -> redis.Redis | None:
    return current_app.extensions.get("redis")
