"""Flask glue of the voting package: settings, the stream and live board of this app, the embedded worker."""
from __future__ import annotations

import logging
import threading
import time
import weakref

from flask import Flask, current_app

from app.db import new_session, utcnow
from contest.protocol import normalise_protocol
from voting.board import BoardSettings
from voting.health import (HealthLimits, PipelineHealth, board_report, metric_families, pipeline_health,
                            worker_report)
from voting.heartbeat import MemoryHeartbeats, RedisHeartbeats
from voting.live import LiveBoard, MemoryLiveBoard, RedisLiveBoard
from voting.rating import RatingParams
from voting.served import MemoryServedMarks, RedisServedMarks, ServedMarks
from voting.stream import MemoryVoteStream, RedisVoteStream, VoteStream
from voting.style_cache import MemoryStyleBoards, RedisStyleBoards, StyleBoards
from voting.style_worker import StyleRefresher
from voting.worker import RatingWorker, WorkerSettings, redis_server_id

log = logging.getLogger("arena.voting")

# ARENA_RATING_* settings (numbers), with their defaults.
RATING_DEFAULTS = {
    "RATING_ELO_K": 4.0, "RATING_SCALE": 400.0, "RATING_BASE": 10.0, "RATING_INITIAL": 1000.0,
    "RATING_BOOTSTRAP_ROUNDS": 1000, "RATING_SEED": 20260101, "RATING_PROVISIONAL_BELOW": 30,
    "VOTE_PUBLISH_PAUSE_S": 5.0, "WORKER_STALE_S": 30.0, "UNPUBLISHED_ALERT_S": 60.0,
}


def coerce_settings(config) -> None:
    """The voting settings as numbers, with their defaults (shared by the app and the lean worker)."""
    for key, default in RATING_DEFAULTS.items():
        config[key] = type(default)(config.get(key, default))


def init_runtime(app: Flask) -> None:
    """Coerce settings and give the app its stream and live board (Redis when configured)."""
    coerce_settings(app.config)
    client = app.extensions.get("redis")
    if client is not None:
        app.extensions["vote_stream"] = RedisVoteStream(client)
        app.extensions["live_board"] = RedisLiveBoard(client)
        app.extensions["board_served_marks"] = RedisServedMarks(client)
        app.extensions["worker_heartbeats"] = RedisHeartbeats(client)
        app.extensions["style_boards"] = RedisStyleBoards(client)
    else:
        app.extensions["vote_stream"] = MemoryVoteStream()
        app.extensions["live_board"] = MemoryLiveBoard()
        app.extensions["board_served_marks"] = MemoryServedMarks()
        app.extensions["worker_heartbeats"] = MemoryHeartbeats()
        app.extensions["style_boards"] = MemoryStyleBoards()
    app.extensions["vote_publish_paused_until"] = 0.0
    app.extensions.setdefault("readiness_checks", []).extend([("worker", worker_readiness), ("live_board", board_readiness)])
    app.extensions.setdefault("scrape_metrics", []).append(pipeline_metrics)


def health_limits(config) -> HealthLimits:
    """The thresholds of /readyz's "degraded" and of the documented alerts."""
    return HealthLimits(worker_stale_s=config["WORKER_STALE_S"], unpublished_alert_s=config["UNPUBLISHED_ALERT_S"])


def _pipeline_health() -> PipelineHealth:
    with new_session() as session:
        return pipeline_health(session, current_app.extensions["worker_heartbeats"], utcnow(),
                               health_limits(current_app.config))


def worker_readiness() -> dict:
    """/readyz's `worker` part: a stale worker degrades the service but the node still takes votes."""
    ext = current_app.extensions
    expect = ext.get("redis") is not None or bool(ext.get("embedded_worker"))
    return worker_report(_pipeline_health(), health_limits(current_app.config), expect)


def board_readiness() -> dict:
    """/readyz's `live_board` part."""
    with new_session() as session:
        return board_report(session, get_board())


def pipeline_metrics():
    """Scrape-time gauges: real lag and heartbeat age, whichever process is scraped."""
    return metric_families(_pipeline_health())


def demo_vote_seeder(checks: list):
    """contest's `demo_seeders` hook: the demo votes (voting.demo), judged by the app's exclusion checks
    (the list anti_abuse fills at start-up, read when the seeder runs)."""
    def seed(session, now) -> dict[str, int]:
        from voting.demo import seed_demo_votes

        return {"votes": seed_demo_votes(session, now, tuple(checks))}
    return seed


def rating_params(config) -> RatingParams:
    """Rating scale and Elo step from the config."""
    return RatingParams(k=config["RATING_ELO_K"], scale=config["RATING_SCALE"], base=config["RATING_BASE"],
                        initial=config["RATING_INITIAL"])


def board_settings(config) -> BoardSettings:
    """Leaderboard method settings from the config."""
    return BoardSettings(rounds=config["RATING_BOOTSTRAP_ROUNDS"], seed=config["RATING_SEED"],
                         provisional_below=config["RATING_PROVISIONAL_BELOW"], params=rating_params(config))


def config_protocol(config) -> dict:
    """The protocol of a round that has none of its own (made before protocols): the ARENA_RATING_* config."""
    return normalise_protocol({"scale": config["RATING_SCALE"], "base": config["RATING_BASE"],
                               "initial": config["RATING_INITIAL"], "seed": config["RATING_SEED"],
                               "bootstrap_rounds": config["RATING_BOOTSTRAP_ROUNDS"],
                               "min_battles": config["RATING_PROVISIONAL_BELOW"]})


def board_settings_for(protocol: dict | None, config) -> BoardSettings:
    """A round's live-board settings from ITS protocol; an empty one means the config's defaults."""
    p = normalise_protocol(protocol) if protocol else config_protocol(config)
    params = RatingParams(k=config["RATING_ELO_K"], scale=p["scale"], base=p["base"], initial=p["initial"])
    return BoardSettings(rounds=p["bootstrap_rounds"], seed=p["seed"], confidence=p["confidence"],
                         provisional_below=p["min_battles"], params=params, method=p["rating_method"])


def get_stream() -> VoteStream:
    return current_app.extensions["vote_stream"]


def get_board() -> LiveBoard:
    return current_app.extensions["live_board"]


def get_served_marks() -> ServedMarks:
    return current_app.extensions["board_served_marks"]


def get_style_boards() -> StyleBoards:
    return current_app.extensions["style_boards"]


class AppGone(RuntimeError):
    """The app an embedded worker served was garbage-collected (tests build many short-lived apps)."""


def _app_sessions(app: Flask):
    app_ref = weakref.ref(app)  # the embedded thread must not keep a finished app alive

    def sessions():
        bound = app_ref()
        if bound is None:
            raise AppGone()
        with bound.app_context():
            return new_session()
    return sessions


def make_style_refresher(app: Flask) -> StyleRefresher:
    """The worker's style-board loop bound to this app's database and style-board store."""
    config = app.config
    return StyleRefresher(_app_sessions(app), app.extensions["style_boards"],
                          lambda protocol: board_settings_for(protocol, config), utcnow)


def make_worker(app: Flask, consumer: str | None = None, settings: WorkerSettings | None = None) -> RatingWorker:
    """A rating worker bound to this app's database, stream and board."""
    sessions = _app_sessions(app)
    return RatingWorker(sessions, app.extensions["vote_stream"], app.extensions["live_board"],
                        rating_params(app.config), utcnow, consumer, settings or WorkerSettings(),
                        app.extensions["worker_heartbeats"], _server_id(app))


def _server_id(app: Flask):
    client = app.extensions.get("redis")
    return redis_server_id(client) if client is not None else None


def publish_vote(event: dict[str, str]) -> bool:
    """Publish after commit; on failure pause publishing briefly (the relay catches up)."""
    ext = current_app.extensions
    if time.monotonic() < ext["vote_publish_paused_until"]:
        return False
    try:
        get_stream().publish(event)
        return True
    except Exception as exc:  # Redis down: the vote is safe in SQL; do not slow every request
        ext["vote_publish_paused_until"] = time.monotonic() + current_app.config["VOTE_PUBLISH_PAUSE_S"]
        log.warning("vote publish failed; the outbox relay will retry: %s", exc)
        return False
    finally:
        try:
            ensure_embedded_worker(current_app._get_current_object())  # type: ignore[attr-defined]
        except Exception:  # the vote is stored; the worker retries on the next request
            log.exception("could not start the embedded rating worker")


_embedded_lock = threading.Lock()


def ensure_embedded_worker(app: Flask) -> None:
    """Embedded default (no Redis): run the worker in a daemon thread, started on first use."""
    if app.extensions.get("redis") is not None or not app.config.get("WORKER_IN_PROCESS"):
        return
    with _embedded_lock:
        if app.extensions.get("embedded_worker"):
            return
        worker = make_worker(app)
        worker.start()  # rebuilds the in-memory board from SQL before anyone reads it
        app.extensions["embedded_worker"] = True
        stop = threading.Event()
        thread = threading.Thread(target=_embedded_loop, args=(weakref.ref(app), worker, stop), daemon=True,
                                  name="rating-worker")
        thread.start()
        app_ref = weakref.ref(app)
        styles = make_style_refresher(app).start(stop, lambda: app_ref() is not None)
        app.extensions["embedded_worker_stop"] = (stop, thread, styles)


def stop_embedded_worker(app: Flask, timeout: float = 10.0) -> None:
    """Stop the embedded worker after its current step (before the app's engine is disposed, so no
    connection is left checked out)."""
    stop, *threads = app.extensions.get("embedded_worker_stop", (None,))
    if stop is not None:
        stop.set()
        for thread in threads:
            thread.join(timeout)


def _embedded_loop(app_ref: weakref.ref, worker: RatingWorker, stop: threading.Event) -> None:
    """Steps the worker while its app is alive (tests create many short-lived apps) and not stopped."""
    while app_ref() is not None and not stop.is_set():
        try:
            worker.step()
        except AppGone:  # the app was disposed between the check and the step: the thread ends quietly
            return
        except Exception:  # keep the thread alive; the next step retries
            log.exception("embedded rating worker step failed")
            stop.wait(1.0)
