"""Rounds: create and edit drafts, open and close them, and version their frozen terms.

A round's terms (protocol, categories, roster, free prompts) are edited freely while it is a draft,
frozen when it opens (protocol version 1) and changed afterwards only through a new, numbered
version with a reason, which is public. Services take the session, the acting user (or a "cli:..."
label) and the clock as arguments and import nothing from Flask; every change appends an audit
entry in the caller's transaction. Everything is checked before anything is written, so a refused
change stores nothing.
"""
from __future__ import annotations

from datetime import datetime
from typing import Any, Callable, Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import actor_label, record_change
from app.db import could_be_id
from app.models import User
from contest.models import Round, RoundProtocol
from contest.queries import lock_round_writes
from contest.round_json import round_json, terms_of
from contest.round_terms import (TERMS, RoundError, Terms, check_openable, check_window, checked_terms,
                                 write_terms)

Actor = User | str
__all__ = ["RoundError", "change_protocol", "close_round", "create_round", "find_round", "list_rounds",
           "locked_round", "mark_published", "open_round", "protocol_versions", "update_round"]


def find_round(session: Session, round_id: str, lock: bool = False) -> Round:
    """A round by id (row-locked where the database supports it), or RoundError unknown_round.

    The lock is FOR NO KEY UPDATE: it serialises changes to the round, not the key share that inserting
    a vote (or a log record) takes on it; a vote then waits for the round's write lock, so a stronger
    lock here would make a cycle with locked_round."""
    round_ = None
    if could_be_id(round_id):
        stmt = select(Round).where(Round.id == round_id)
        round_ = session.scalars(stmt.with_for_update(key_share=True) if lock else stmt).first()
    if round_ is None:
        raise RoundError("unknown_round", 404)
    return round_


def locked_round(session: Session, round_id: str) -> Round:
    """A round row-locked and holding its write lock (contest.queries.lock_round_writes), read afresh:
    no vote, exclusion or publication of it is in flight until the transaction ends."""
    round_ = find_round(session, round_id, lock=True)
    lock_round_writes(session, round_.id)
    session.refresh(round_)  # SQLite: the read above came before the write lock
    return round_


def create_round(session: Session, actor: Actor, data: dict[str, Any], now: datetime) -> Round:
    """A new draft round from `data` (id, title, opens_at, closes_at, and any of the terms)."""
    if not could_be_id(data["id"]) or session.get(Round, data["id"]) is not None:
        raise RoundError("round_exists", 409)
    check_window(data["opens_at"], data["closes_at"])
    terms = checked_terms(session, None, {k: data[k] for k in TERMS if k in data})
    round_ = Round(id=data["id"], title=data["title"], title_en=data.get("title_en") or None,
                   opens_at=data["opens_at"], closes_at=data["closes_at"],
                   status="draft", protocol_version=0, created_at=now)
    write_terms(round_, terms)
    try:
        with session.begin_nested():
            session.add(round_)
    except IntegrityError:  # created by a concurrent request since the check above
        raise RoundError("round_exists", 409) from None
    record_change(session, actor, "round.create", "round", round_.id, now, after=round_json(round_))
    return round_


def update_round(session: Session, actor: Actor, round_id: str, changes: dict[str, Any], now: datetime) -> Round:
    """Edit a round: anything while a draft; only the title and (until closed) the window afterwards."""
    round_ = find_round(session, round_id, lock=True)
    if not changes:
        raise RoundError("nothing_to_change")
    if round_.status != "draft" and any(k in changes for k in TERMS):
        raise RoundError("round_frozen", 409)
    if round_.status in ("closed", "published") and ("opens_at" in changes or "closes_at" in changes):
        raise RoundError("round_frozen", 409)
    opens_at, closes_at = changes.get("opens_at", round_.opens_at), changes.get("closes_at", round_.closes_at)
    check_window(opens_at, closes_at)
    terms = checked_terms(session, round_, changes) if round_.status == "draft" else None
    before = round_json(round_)
    round_.title, round_.opens_at, round_.closes_at = changes.get("title", round_.title), opens_at, closes_at
    round_.title_en = changes.get("title_en", round_.title_en) or None
    if terms is not None:
        write_terms(round_, terms)
    session.flush()
    record_change(session, actor, "round.update", "round", round_.id, now, before=before, after=round_json(round_))
    return round_


def _append_version(session: Session, actor: Actor, round_: Round, terms: Terms, reason: str,
                    now: datetime) -> RoundProtocol:
    """Write the next protocol version of `round_` and make its terms the round's."""
    version = RoundProtocol(round_id=round_.id, version=round_.protocol_version + 1, protocol=terms.protocol,
                            categories=terms.categories, roster=[m.slug for m in terms.roster],
                            free_prompts=terms.free_prompts, reason=reason, created_by=actor_label(actor),
                            created_at=now)
    try:
        with session.begin_nested():
            session.add(version)
    except IntegrityError:  # another request wrote this version number first
        raise RoundError("protocol_conflict", 409) from None
    write_terms(round_, terms)
    round_.protocol_version = version.version
    return version


# A check on the protocol an opening round or a new protocol version would freeze: a refusal code or
# None. anti_abuse registers one into app.extensions["protocol_checks"] (the identity lexicon exists).
ProtocolCheck = Callable[[Session, dict[str, Any]], "str | None"]


def _check_protocol(session: Session, protocol: dict[str, Any], checks: Sequence[ProtocolCheck]) -> None:
    for check in checks:
        if code := check(session, protocol):
            raise RoundError(code)


def open_round(session: Session, actor: Actor, round_id: str, now: datetime,
               protocol_checks: Sequence[ProtocolCheck] = ()) -> Round:
    """draft -> open: freeze the terms as protocol version 1."""
    round_ = locked_round(session, round_id)
    if round_.status != "draft":
        raise RoundError("invalid_transition", 409)
    if round_.closes_at <= now:
        raise RoundError("window_passed")
    terms = checked_terms(session, round_, {})
    check_openable(terms)
    _check_protocol(session, terms.protocol, protocol_checks)
    before = round_json(round_)
    _append_version(session, actor, round_, terms, "opened", now)
    round_.status, round_.opened_at = "open", now
    session.flush()
    record_change(session, actor, "round.open", "round", round_.id, now, before=before, after=round_json(round_))
    return round_


def _move(session: Session, actor: Actor, round_: Round, status: str, now: datetime) -> Round:
    """Set a closed or published round's status and its time, logged as round.close / round.publish."""
    before = round_json(round_)
    round_.status = status
    setattr(round_, f"{status}_at", now)  # closed_at, published_at
    session.flush()
    action = {"closed": "round.close", "published": "round.publish"}[status]
    record_change(session, actor, action, "round", round_.id, now, before=before, after=round_json(round_))
    return round_


def close_round(session: Session, actor: Actor, round_id: str, now: datetime) -> Round:
    """open -> closed: no more battles or votes (a vote in flight either commits first or is refused)."""
    round_ = locked_round(session, round_id)
    if round_.status != "open":
        raise RoundError("invalid_transition", 409)
    return _move(session, actor, round_, "closed", now)


def mark_published(session: Session, actor: Actor, round_id: str, now: datetime) -> Round:
    """closed -> published (the snapshot publisher's step); a round already published stays as it is,
    since a correction is a new snapshot of the same round."""
    round_ = find_round(session, round_id, lock=True)
    if round_.status == "published":
        return round_
    if round_.status != "closed":
        raise RoundError("invalid_transition", 409)
    return _move(session, actor, round_, "published", now)


def change_protocol(session: Session, actor: Actor, round_id: str, reason: str, changes: dict[str, Any],
                    now: datetime, protocol_checks: Sequence[ProtocolCheck] = ()) -> RoundProtocol:
    """A new, numbered version of an open round's terms, with its reason (the only way to change them)."""
    round_ = find_round(session, round_id, lock=True)
    if round_.status != "open":
        raise RoundError("round_not_open", 409)
    if not reason.strip():
        raise RoundError("reason_required")
    terms = checked_terms(session, round_, changes)
    check_openable(terms)
    _check_protocol(session, terms.protocol, protocol_checks)
    before = terms_of(round_)
    if {"protocol": terms.protocol, "categories": terms.categories, "roster": [m.slug for m in terms.roster],
            "free_prompts": terms.free_prompts} == before:
        raise RoundError("nothing_to_change")
    version = _append_version(session, actor, round_, terms, reason.strip(), now)
    session.flush()
    record_change(session, actor, "round.protocol", "round", round_.id, now, before=before,
                  after={**terms_of(round_), "protocol_version": version.version}, reason=reason.strip())
    return version


def protocol_versions(session: Session, round_id: str) -> list[RoundProtocol]:
    """Every protocol version of a round, oldest first."""
    stmt = select(RoundProtocol).where(RoundProtocol.round_id == round_id).order_by(RoundProtocol.version)
    return list(session.scalars(stmt))


def list_rounds(session: Session, include_drafts: bool) -> list[Round]:
    """Rounds, newest window first; drafts only when asked for (the ministry's list)."""
    stmt = select(Round).order_by(Round.opens_at.desc(), Round.id)
    if not include_drafts:
        stmt = stmt.where(Round.status != "draft")
    return list(session.scalars(stmt))
