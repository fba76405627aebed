"""The rate-limit machinery of the shell: one Flask-Limiter instance on failover storage, client
addresses behind trusted proxies.

Which routes are limited, and how much, is anti_abuse's decision (anti_abuse.limits names the limits
and attaches them to the endpoints it protects when it is initialised); this module only counts.
Counters live in Redis (`ARENA_REDIS_URL`, with socket timeouts) behind `FailoverStorage`: when Redis
fails, in any thread and at any step, limits are counted in memory instead, which is logged and
counted in `arena_limiter_fallback_total`; a Redis failure is never an error page.
Rate-limit headers go on every limited answer; `Retry-After` only on 429 (and the app's 503s).
Behind a proxy the client address comes from `ARENA_TRUSTED_PROXY_HOPS` trusted hops only.
"""
from __future__ import annotations

from flask import Flask, request, session
from flask_limiter import HeaderNames, Limiter, RequestLimit
from werkzeug.middleware.proxy_fix import ProxyFix

from app.limit_storage import FailoverStorage
from app.metrics import LIMITER_FALLBACK
from app.observability import audit

# Flask-Limiter writes its Retry-After under this name; `_finish_response` keeps it on 429s only.
LIMITER_RETRY_AFTER = "X-Arena-Limiter-Retry-After"


def client_address() -> str:
    """The client address (ProxyFix, set from ARENA_TRUSTED_PROXY_HOPS, has already resolved it)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    uid = session.get("uid")
    return f"user:{uid}" if uid is not None else f"anon:{client_address()}"


def global_key() -> str:
    return "global"


class ArenaLimiter(Limiter):
    """Flask-Limiter on the failover storage; meters the fallback and keeps Retry-After to 429s."""

    def init_app(self, app: Flask) -> None:
        # One limiter per process; in tests several apps in turn: start each on its own storage options.
        self._storage_options = {}
        # Registered before Flask-Limiter's header hook, so it runs after it (after_request runs in reverse).
        app.after_request(self._finish_response)
        super().init_app(app)

    def using_fallback(self) -> bool:
        """True while Redis is unreachable and limits are counted in memory."""
        return isinstance(self.storage, FailoverStorage) and self.storage.failed_over

    def _finish_response(self, response):
        if self.current_limits and self.using_fallback():
            LIMITER_FALLBACK.inc()
        retry_after = response.headers.pop(LIMITER_RETRY_AFTER, None)
        if response.status_code == 429 and retry_after is not None:
            response.headers["Retry-After"] = retry_after  # the later of the app's and the limit's reset
        return response


def _on_breach(limit: RequestLimit) -> None:
    audit("rate_limit_breach", limit=str(limit.limit), scope=limit.request_args[-1],
          key=limit.request_args[-2] if len(limit.request_args) > 1 else "", address=client_address(),
          user_id=session.get("uid"), endpoint=request.endpoint)


# Flask-Limiter's own in-memory fallback stays off: FailoverStorage fails over below it, in every thread.
limiter = ArenaLimiter(key_func=client_address, strategy="moving-window", headers_enabled=True,
                       header_name_mapping={HeaderNames.RETRY_AFTER: LIMITER_RETRY_AFTER}, on_breach=_on_breach)


def init_app(app: Flask) -> None:
    """Storage (Redis with timeouts and failover, or memory) and the trusted proxy hops."""
    redis_url = app.config.get("REDIS_URL") or ""
    failover = redis_url.startswith(("redis://", "rediss://"))
    app.config["RATELIMIT_STORAGE_URI"] = f"failover+{redis_url}" if failover else redis_url or "memory://"
    if redis_url:
        app.config["RATELIMIT_STORAGE_OPTIONS"] = {
            "socket_timeout": app.config["REDIS_SOCKET_TIMEOUT"],
            "socket_connect_timeout": app.config["REDIS_CONNECT_TIMEOUT"],
        }
    hops = int(app.config.get("TRUSTED_PROXY_HOPS") or 0)
    if hops > 0:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]
    limiter.init_app(app)
