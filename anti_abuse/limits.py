"""Every rate limit, named in one place and configurable (ARENA_LIMIT_*), layered with Flask-Limiter.

Routes use the decorators at the bottom (`vote_limits`, `battle_limits`, `login_limits`,
`flag_limits`); each applies an account, an address and a global limit.
"""
from __future__ import annotations

from typing import Callable

from flask import Flask, current_app, request, session
from flask_limiter import Limiter

# name -> default; override with ARENA_LIMIT_<NAME>, e.g. ARENA_LIMIT_VOTE_ACCOUNT="10 per minute"
DEFAULT_LIMITS = {
    "VOTE_ACCOUNT": "10 per minute;200 per hour",
    "VOTE_ADDRESS": "30 per minute;600 per hour",
    "VOTE_GLOBAL": "3000 per minute",
    "BATTLE_ACCOUNT": "10 per minute;200 per hour",
    "BATTLE_ADDRESS": "30 per minute;600 per hour",
    "BATTLE_GLOBAL": "3000 per minute",
    "LOGIN_ADDRESS": "20 per minute",
    "LOGIN_GLOBAL": "1000 per minute",
    "FLAG_ACCOUNT": "10 per hour",
    "FLAG_ADDRESS": "30 per hour",
    "FLAG_GLOBAL": "600 per minute",
}


def client_address() -> str:
    """The client address (ProxyFix, set from ARENA_TRUSTED_PROXY_HOPS, has already resolved it)."""
    return request.remote_addr or "unknown"


def account_key() -> str:
    uid = session.get("uid")
    return f"user:{uid}" if uid is not None else f"anon:{client_address()}"


def global_key() -> str:
    return "global"


limiter = Limiter(key_func=client_address, strategy="moving-window", headers_enabled=True,
                  storage_uri="memory://")


def configured(name: str) -> Callable[[], str]:
    """The limit string for `name`, read at request time so config changes apply."""
    return lambda: current_app.config.get(f"LIMIT_{name}", DEFAULT_LIMITS[name])


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


def init_app(app: Flask) -> None:
    for name, default in DEFAULT_LIMITS.items():
        app.config.setdefault(f"LIMIT_{name}", default)
    limiter.init_app(app)
