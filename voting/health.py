"""The vote pipeline's health, computed when asked (scrape, /readyz) from SQL and the heartbeats. No Flask.

A per-process gauge cannot see a dead worker (its last value stays, or the maximum over dead
processes); asking SQL how many votes wait and since when, and the heartbeats when a worker last
looped, can.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from prometheus_client.core import GaugeMetricFamily
from sqlalchemy.orm import Session

from voting import queries
from voting.heartbeat import Heartbeats
from voting.leaderboard import RECENT_APPLIED_CHECKED
from voting.live import LiveBoard


@dataclass(frozen=True)
class HealthLimits:
    """When the pipeline counts as degraded (the README's alert thresholds)."""

    worker_stale_s: float = 30.0
    unpublished_alert_s: float = 60.0


@dataclass(frozen=True)
class PipelineHealth:
    """Seconds since the newest heartbeat (None: none recorded), live workers, and the real lag."""

    heartbeat_age_s: float | None
    workers_alive: int
    unpublished: int
    oldest_unpublished_s: float


def pipeline_health(session: Session, heartbeats: Heartbeats, now: datetime, limits: HealthLimits) -> PipelineHealth:
    """Read the heartbeats and the outbox once."""
    beats = heartbeats.latest().values()
    ages = [now.timestamp() - t for t in beats]
    oldest = queries.oldest_unpublished_at(session)
    return PipelineHealth(heartbeat_age_s=max(0.0, min(ages)) if ages else None,
                          workers_alive=sum(1 for a in ages if a <= limits.worker_stale_s),
                          unpublished=queries.count_unpublished(session),
                          oldest_unpublished_s=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0)


def worker_report(health: PipelineHealth, limits: HealthLimits, expect_worker: bool) -> dict:
    """The `worker` part of /readyz: "degraded" when votes wait too long, or no worker loops while one
    should (always with Redis; in the embedded default once votes wait)."""
    age = health.heartbeat_age_s
    state = "missing" if age is None else ("ok" if age <= limits.worker_stale_s else "stale")
    degraded = health.oldest_unpublished_s > limits.unpublished_alert_s or (
        state != "ok" and (expect_worker or health.unpublished > 0))
    return {"status": "degraded" if degraded else "ok", "state": state,
            "heartbeat_age_s": None if age is None else round(age, 1), "workers_alive": health.workers_alive,
            "unpublished": health.unpublished, "oldest_unpublished_s": round(health.oldest_unpublished_s, 1)}


def board_report(session: Session, board: LiveBoard) -> dict:
    """The `live_board` part of /readyz: lost (missing votes SQL says were applied, the public board's
    own test) or rebuilding is "degraded"; the public board then serves SQL, so the node stays ready."""
    if board.rebuilding():
        return {"status": "degraded", "state": "rebuilding"}
    if not board.has_applied(queries.latest_published_ids(session, RECENT_APPLIED_CHECKED)):
        return {"status": "degraded", "state": "lost"}
    return {"status": "ok", "state": "ok"}


def metric_families(health: PipelineHealth) -> list[GaugeMetricFamily]:
    """Prometheus gauges computed at scrape time (the same in every process, dead ones forgotten)."""
    age = math.inf if health.heartbeat_age_s is None else health.heartbeat_age_s
    return [
        GaugeMetricFamily("arena_vote_stream_lag", "Stored votes not yet applied to the live board (SQL outbox)",
                          value=health.unpublished),
        GaugeMetricFamily("arena_vote_oldest_unpublished_seconds", "Age of the oldest vote not yet applied",
                          value=health.oldest_unpublished_s),
        GaugeMetricFamily("arena_worker_heartbeat_age_seconds", "Seconds since any rating worker last looped "
                          "(+Inf: none recorded)", value=age),
        GaugeMetricFamily("arena_rating_workers_alive", "Rating workers whose heartbeat is fresh",
                          value=health.workers_alive),
    ]
