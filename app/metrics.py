"""Prometheus metrics, one registry per process; other packages add theirs here."""
from __future__ import annotations

import os

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client import multiprocess

REGISTRY = CollectorRegistry(auto_describe=True)

REQUESTS = Counter("arena_http_requests_total", "HTTP requests", ["method", "endpoint", "status"],
                   registry=REGISTRY)
LATENCY = Histogram("arena_http_request_seconds", "HTTP request latency", ["method", "endpoint"],
                    registry=REGISTRY)
VOTES = Counter("arena_votes_total", "Votes stored", ["counted"], registry=REGISTRY)
STREAM_LAG = Gauge("arena_vote_stream_lag", "Votes stored but not yet applied to the live board",
                   registry=REGISTRY, multiprocess_mode="max")
LIMITER_FALLBACK = Counter("arena_limiter_fallback_total", "Requests limited in memory because Redis was down",
                           registry=REGISTRY)
BACKEND_ERRORS = Counter("arena_backend_errors_total", "Model backend failures", ["model", "kind"],
                         registry=REGISTRY)


def render() -> bytes:
    """Exposition text; aggregates gunicorn workers when PROMETHEUS_MULTIPROC_DIR is set."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)
