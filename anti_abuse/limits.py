"""Every rate limit, named in one place and configurable (ARENA_LIMIT_*), and the endpoints they protect.

The counting machinery (Flask-Limiter on failover storage, client addresses behind proxies) is the
shell's (app.limiter); this module decides what is limited: `init_app` attaches an account, an
address and a global limit (moving window) to each endpoint in `PROTECTED`, and fails at start-up
if one of them is missing, so a renamed route can never silently lose its limits.
The daily vote cap (per account and round) is not a counter: the vote's own transaction counts the
stored votes in SQL (voting.service), so parallel requests cannot beat it and a Redis restart cannot
reset it; this module registers the configured caps into voting's `vote_caps` hook.
"""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Callable

from flask import Flask, current_app, session
from limits import parse_many
from sqlalchemy.orm import Session

from app.config import ConfigError
from app.limiter import account_key, client_address, global_key, limiter
from contest.queries import current_round
from voting.service import VoteCap, vote_quota

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
    # Every redemption counts (counting only failures would be a read-then-write race): a citizen
    # joins a panel once, a guesser meets 429 after a handful of tries.
    "PANEL_REDEEM_ACCOUNT": "10 per hour",
    "PANEL_REDEEM_ADDRESS": "30 per hour",
    "PANEL_REDEEM_GLOBAL": "600 per minute",
    "SHARE_ACCOUNT": "30 per hour",  # making or revoking a battle's public link
    "SHARE_ADDRESS": "60 per hour",
    "SHARE_GLOBAL": "600 per minute",
    "SHARE_PAGE_ADDRESS": "120 per minute",  # reading a shared battle (public, no login)
    "SHARE_PAGE_GLOBAL": "6000 per minute",
}


def configured(name: str) -> Callable[[], str]:
    """The limit string for `name`, read at request time so config changes apply."""
    return lambda: current_app.config.get(f"LIMIT_{name}", DEFAULT_LIMITS[name])


def vote_caps() -> tuple[VoteCap, ...]:
    """The configured daily vote caps (read at request time), for voting's `vote_caps` hook."""
    return tuple(VoteCap(amount=item.amount, window=timedelta(seconds=item.get_expiry()))
                 for item in parse_many(configured("VOTE_DAILY_CAP")()))


def open_round_quota(db: Session, user_id: int, now: datetime) -> tuple[int, int]:
    """(votes counted against the daily cap in the open round, the cap), read from SQL, for `GET /api/me`."""
    round_ = current_round(db, now)
    return vote_quota(db, user_id, round_.id if round_ else None, vote_caps(), now)


def _anonymous() -> bool:
    return session.get("uid") is None


def _layered(prefix: str, with_account: bool = True) -> Callable:
    decorators = []
    if with_account:
        decorators.append(limiter.limit(configured(f"{prefix}_ACCOUNT"), key_func=account_key,
                                        scope=f"{prefix.lower()}-account"))
    decorators.append(limiter.limit(configured(f"{prefix}_ADDRESS"), key_func=client_address,
                                    scope=f"{prefix.lower()}-address"))
    # The global tier is everyone's: on a route that needs an account, requests without one (answered
    # 401 anyway) must not use it up, or a few hundred anonymous addresses could lock every citizen out.
    # They still count against their address's tier, which runs before the login check.
    decorators.append(limiter.limit(configured(f"{prefix}_GLOBAL"), key_func=global_key,
                                    scope=f"{prefix.lower()}-global",
                                    exempt_when=_anonymous if with_account else None))

    def apply(view: Callable) -> Callable:
        for decorate in decorators:
            view = decorate(view)
        return view

    return apply


vote_limits = _layered("VOTE")
battle_limits = _layered("BATTLE")
flag_limits = _layered("FLAG")
login_limits = _layered("LOGIN", with_account=False)
redeem_limits = _layered("PANEL_REDEEM")
share_limits = _layered("SHARE")
share_page_limits = _layered("SHARE_PAGE", with_account=False)


def _check_limit(name: str, value: object) -> None:
    # Flask-Limiter skips a limit it cannot parse: a typo would silently switch the limit off.
    try:
        parse_many(str(value))
    except ValueError as exc:
        raise ConfigError(f"ARENA_LIMIT_{name}: not a rate limit ({value!r}), e.g. '10 per minute'") from exc


# endpoint -> the limits that guard it (the views stay free of limit decorators; see init_app)
PROTECTED = {
    "voting.vote": vote_limits,
    "contest.battle_start": battle_limits,
    "contest.battle_turn": battle_limits,
    "auth.login": login_limits,
    "auth.callback": login_limits,
    "anti_abuse.flag": flag_limits,
    "contest.panel.panel_redeem": redeem_limits,
    "contest.panel.panel_battle": battle_limits,
    "voting.share": share_limits,
    "voting.unshare": share_limits,
    "voting.shared_battle_page": share_page_limits,
}


def protect(app: Flask, protected: dict[str, Callable] = PROTECTED) -> None:
    """Wrap each protected endpoint's view in its limits (the limit check runs before the view's own
    guards, so a flood of anonymous requests is limited too)."""
    missing = sorted(set(protected) - set(app.view_functions))
    if missing:
        raise ConfigError(f"rate limits name endpoints this app does not have: {', '.join(missing)}")
    for endpoint, limits in protected.items():
        # Flask-Limiter keys a decorated limit by the function's name and keeps equal limits once, so
        # wrapping the same view again for another app (tests build many) adds no second count.
        app.view_functions[endpoint] = limits(app.view_functions[endpoint])


def init_app(app: Flask) -> None:
    """Configured limits checked, attached to the endpoints they protect; caps and quota hooks registered."""
    for name, default in DEFAULT_LIMITS.items():
        app.config.setdefault(f"LIMIT_{name}", default)
        _check_limit(name, app.config[f"LIMIT_{name}"])
    protect(app)
    app.extensions["vote_caps"] = vote_caps  # voting's hook: the caps a vote must fit in
    app.extensions["vote_quota"] = open_round_quota  # the shell's hook for `GET /api/me`
