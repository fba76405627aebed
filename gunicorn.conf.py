"""Production gunicorn settings. gthread workers: streamed answers are not cut by worker timeouts."""
import multiprocessing
import os
import sys


def _check_config() -> None:
    """Refuse to start in the master, in one line, before any worker boots (and logs) for nothing."""
    from app.config import ConfigError, load_config
    from app.oauth import load_providers

    try:
        load_providers(load_config())
    except ConfigError as exc:
        print(f"arena: cannot start: {exc}", file=sys.stderr)
        sys.exit(1)


_check_config()

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
worker_class = "gthread"
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
if not os.environ.get("ARENA_REDIS_URL"):
    # Embedded default: the vote stream and live board live in the process, so a second process
    # would keep its own board and never see the votes the first one took. One process, many threads.
    workers = 1
threads = int(os.environ.get("GUNICORN_THREADS", 8))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", 120))
graceful_timeout = 30
keepalive = 5
accesslog = "-"
errorlog = "-"
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")


def child_exit(server, worker):  # pragma: no cover - gunicorn hook
    """Tidy Prometheus multiprocess files of a dead worker."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
