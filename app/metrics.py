"""Prometheus metrics, one registry per process; other packages add theirs here.

Anything that must be true across processes (the vote pipeline's lag, worker heartbeats) is not a
per-process gauge: packages register a function in `app.extensions["scrape_metrics"]` that computes
its metric families when /metrics is scraped.
"""
from __future__ import annotations

import logging
import os
from typing import Callable, Iterable

from flask import current_app, has_app_context
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess
from prometheus_client.metrics_core import Metric

log = logging.getLogger("arena.metrics")

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("arena_http_requests_total", "HTTP requests", ["method", "endpoint", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("arena_http_request_seconds", "HTTP request latency", ["method", "endpoint"],
                    registry=REGISTRY)
VOTES = Counter("arena_votes_total", "Votes stored", ["counted"], registry=REGISTRY)
LIMITER_FALLBACK = Counter("arena_limiter_fallback_total", "Requests limited in memory because Redis was down",
                           registry=REGISTRY)
BACKEND_ERRORS = Counter("arena_backend_errors_total", "Model backend failures", ["model", "kind"],
                         registry=REGISTRY)
# Alert on any increase: the database's vote-log hash (migration 0014) differs from the log's own, so every vote
# of that round is refused (safely: nothing is stored) until the two agree again.
LOG_HASH_MISMATCH = Counter("arena_vote_log_hash_mismatch_total",
                            "Vote-log appends refused: the database's link hash differed from the log's", ["round"],
                            registry=REGISTRY)


class ScrapeTime:
    """A collector over the registered scrape-time functions; one that fails (database down) is left out."""

    def __init__(self, sources: Iterable[Callable[[], Iterable[Metric]]]):
        self.sources = list(sources)

    def collect(self) -> Iterable[Metric]:
        for source in self.sources:
            try:
                families = list(source())
            except Exception:  # a scrape never fails for one source; the missing series is the signal
                log.warning("scrape-time metrics failed", exc_info=True)
                continue
            yield from families


def render() -> bytes:
    """Exposition text; aggregates gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        text = generate_latest(registry)
    else:
        text = generate_latest(REGISTRY)
    if has_app_context():
        scrape = CollectorRegistry(auto_describe=False)
        scrape.register(ScrapeTime(current_app.extensions.get("scrape_metrics", ())))
        text += generate_latest(scrape)
    return text
