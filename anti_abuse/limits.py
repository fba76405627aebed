"""Every rate limit, named in one place and configurable (ARENA_LIMIT_*), layered with Flask-Limiter.

Routes use the decorators at the bottom (`vote_limits`, `battle_limits`, `login_limits`,
`flag_limits`); each applies an account, an address and a global limit (moving window).
Counters live in Redis (`ARENA_REDIS_URL`, with socket timeouts) behind `FailoverStorage`: when
Redis fails, in any thread and at any step, limits are counted in memory instead, which is logged
and counted in `arena_limiter_fallback_total`; a Redis failure is never an error page.
The daily vote cap (per account and round) is not a counter: the vote's own transaction counts the
stored votes in SQL (voting.service), so parallel requests cannot beat it and a Redis restart cannot
reset it; this module registers the configured caps into voting's `vote_caps` hook.
Rate-limit headers go on every limited answer; `Retry-After` only on 429 (and the app's 503s).
Behind a proxy the client address comes from `ARENA_TRUSTED_PROXY_HOPS` trusted hops only.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Callable

from flask import Flask, current_app, request, session
from flask_limiter import HeaderNames, Limiter, RequestLimit
from limits import parse_many
from sqlalchemy.orm import Session
from werkzeug.middleware.proxy_fix import ProxyFix

from anti_abuse.limit_storage import FailoverStorage
from app.config import ConfigError
from app.metrics import LIMITER_FALLBACK
from app.observability import audit

if TYPE_CHECKING:
    from voting.service import VoteCap

# name -> default; override with ARENA_LIMIT_<NAME>, e.g. ARENA_LIMIT_VOTE_ACCOUNT="10 per minute"
DEFAULT_LIMITS = {
    "VOTE_ACCOUNT": "10 per minute;200 per hour",
    "VOTE_ADDRESS": "30 per minute;600 per hour",
    "VOTE_GLOBAL": "3000 per minute",
    "VOTE_DAILY_CAP": "300 per day",  # per account and round, counted in SQL; only stored votes count
    "BATTLE_ACCOUNT": "10 per minute;200 per hour",
    "BATTLE_ADDRESS": "30 per minute;600 per hour",
    "BATTLE_GLOBAL": "3000 per minute",
    "LOGIN_ADDRESS": "20 per minute",
    "LOGIN_GLOBAL": "1000 per minute",
    "FLAG_ACCOUNT": "10 per hour",
    "FLAG_ADDRESS": "30 per hour",
    "FLAG_GLOBAL": "600 per minute",
}
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


def configured(name: str) -> Callable[[], str]:
    """The limit string for `name`, read at request time so config changes apply."""
    return lambda: current_app.config.get(f"LIMIT_{name}", DEFAULT_LIMITS[name])


def vote_caps() -> tuple[VoteCap, ...]:
    """The configured daily vote caps (read at request time), for voting's `vote_caps` hook."""
    # Imported here (also below): contest's and voting's routes import this module for their limits.
    from voting.service import VoteCap

    return tuple(VoteCap(amount=item.amount, window=timedelta(seconds=item.get_expiry()))
                 for item in parse_many(configured("VOTE_DAILY_CAP")()))


def open_round_quota(db: Session, user_id: int, now: datetime) -> tuple[int, int]:
    """(votes counted against the daily cap in the open round, the cap), read from SQL, for `GET /api/me`."""
    from contest.queries import current_round
    from voting.service import vote_quota

    round_ = current_round(db, now)
    return vote_quota(db, user_id, round_.id if round_ else None, vote_caps(), now)


def _layered(prefix: str, with_account: bool = True) -> Callable:
    decorators = []
    if with_account:
        decorators.append(limiter.limit(configured(f"{prefix}_ACCOUNT"), key_func=account_key,
                                        scope=f"{prefix.lower()}-account"))
    decorators.append(limiter.limit(configured(f"{prefix}_ADDRESS"), key_func=client_address,
                                    scope=f"{prefix.lower()}-address"))
    decorators.append(limiter.limit(configured(f"{prefix}_GLOBAL"), key_func=global_key,
                                    scope=f"{prefix.lower()}-global"))

    def apply(view: Callable) -> Callable:
        for decorate in decorators:
            view = decorate(view)
        return view

    return apply


vote_limits = _layered("VOTE")
battle_limits = _layered("BATTLE")
flag_limits = _layered("FLAG")
login_limits = _layered("LOGIN", with_account=False)


def _check_limit(name: str, value: object) -> None:
    # Flask-Limiter skips a limit it cannot parse: a typo would silently switch the limit off.
    try:
        parse_many(str(value))
    except ValueError as exc:
        raise ConfigError(f"ARENA_LIMIT_{name}: not a rate limit ({value!r}), e.g. '10 per minute'") from exc


def init_app(app: Flask) -> None:
    """Storage (Redis with timeouts and failover, or memory), configured limits, caps and proxy hops."""
    for name, default in DEFAULT_LIMITS.items():
        app.config.setdefault(f"LIMIT_{name}", default)
        _check_limit(name, app.config[f"LIMIT_{name}"])
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
    app.extensions["vote_caps"] = vote_caps  # voting's hook: the caps a vote must fit in
    app.extensions["vote_quota"] = open_round_quota  # the shell's hook for `GET /api/me`
