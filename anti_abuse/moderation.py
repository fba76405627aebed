"""The moderators' service: citizens' flags and appeals, the queue, actions and their audit trail.

Pure domain logic (no Flask): every function takes the session and the clock (`now`) and flushes,
the caller commits. Errors are `ModerationError(code, status)`; the routes turn them into the API's
error shape.

Decisions this module makes (documented here because the queue and the log show them):
- Queue order is an effective score, highest first, then newest first. A detector finding brings its
  own score; a citizen flag and an appeal have none, so they get a default (`DEFAULT_SCORES`): an
  appeal and a grave citizen report (identity leak, personal data, harmful) 0.5, any other report 0.2.
  Only a battle's owner can flag it (the battle is private until the vote), so "how many citizens
  flagged it" is always one and cannot rank anything.
- Moderators are staff: they see which models answered a battle once it has a vote (the citizen knows
  by then too); a battle without a vote keeps its models hidden, even in the queue.
- Voiding for a detector finding records the reason "anomaly", any other void "moderation". Restoring
  undoes only moderation's reasons (voting.exclusions): a vote kept out at cast time stays out.
- Every action writes exactly one audit entry, even one that changed nothing; its id is the action id,
  and the vote log's change records name it (`moderation.<action>#<id>`).
- Suspending does not void the account's votes by itself: voiding is a separate, reasoned action.
  Staff accounts (moderator or ministry) cannot be suspended here at all; the ministry revokes the
  role first (roles are its business, and no moderator can lock out another).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Iterable

from sqlalchemy import and_, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anti_abuse.messages import exclusion_message
from anti_abuse.models import ACTIONS, FLAG_SOURCES, FLAG_STATUSES, Flag
from app.audit import entry_json, record_change
from app.db import could_be_id, iso_z
from app.models import AuditEntry, User
from app.sessions import revoke_user_sessions
from contest.models import Battle, BattleTurn, Model, Team
from contest.reveal import revealed_side
from voting import exclusions
from voting.exclusions import Change
from voting.models import Vote

FLAG_REASONS = ("identity_leak", "harmful", "personal_data", "wrong_answer", "spam", "other")
GRAVE_REASONS = ("identity_leak", "harmful", "personal_data")
NOTE_MAX = 1000
REASON_MAX = 1000
DEFAULT_SCORES = {"appeal": 0.5, "grave": 0.5, "citizen": 0.2, "detector": 0.5}
QUEUE_VOTES_SHOWN = 100  # a finding about a busy voter may name thousands of votes; the item counts them all
AUDIT_PREFIX = "moderation."


class ModerationError(Exception):
    """A refused request: `code` names it (messages.py has its words), `status` is its HTTP status."""

    def __init__(self, code: str, status: int):
        super().__init__(code)
        self.code, self.status = code, status


@dataclass(frozen=True)
class ActionResult:
    """What an action did: its audit entry id, how many votes changed, the flags it resolved."""

    action_id: int
    affected_votes: int
    resolved_flags: tuple[int, ...] = ()
    user_status: str | None = None

    def as_json(self) -> dict[str, Any]:
        body: dict[str, Any] = {"action_id": self.action_id, "affected_votes": self.affected_votes,
                                "resolved_flags": list(self.resolved_flags)}
        if self.user_status is not None:
            body["user_status"] = self.user_status
        return body


@dataclass
class QueueItem:
    """One queue entry with the evidence a moderator needs to decide."""

    flag: Flag
    score: float
    battle: dict[str, Any] | None
    subject: dict[str, Any] | None
    reporter: dict[str, Any] | None
    votes: list[dict[str, Any]] = field(default_factory=list)
    vote_count: int = 0

    def as_json(self) -> dict[str, Any]:
        f = self.flag
        return {"id": f.id, "source": f.source, "reason": f.reason, "status": f.status, "note": f.note,
                "score": round(self.score, 4), "score_is_default": f.score is None, "evidence": f.evidence,
                "round": f.round_id, "created_at": iso_z(f.created_at), "resolved_at": iso_z(f.resolved_at),
                "resolved_by": f.resolved_by, "action_id": f.action_id, "battle": self.battle,
                "subject": self.subject, "reporter": self.reporter, "votes": self.votes,
                "vote_count": self.vote_count}


# ---------------------------------------------------------------- citizens
def flag_battle(session: Session, user: User, battle_id: str, reason: str, note: str | None, now: datetime) -> Flag:
    """A citizen reports an answer or prompt of their own battle (the only battles they can see)."""
    # Row-locked: two flags of one battle sent at once are checked one after the other (PostgreSQL).
    battle = (session.get(Battle, battle_id, with_for_update=True)
              if isinstance(battle_id, str) and could_be_id(battle_id) else None)
    if battle is None or battle.user_id != user.id:
        raise ModerationError("battle_not_found", 404)
    if reason not in FLAG_REASONS:
        raise ModerationError("invalid_reason", 422)
    note = _note(note)
    already = session.scalar(select(Flag.id).where(Flag.battle_id == battle.id, Flag.reporter_id == user.id,
                                                   Flag.source == "citizen"))
    if already is not None:
        raise ModerationError("already_flagged", 409)
    vote_id = session.scalar(select(Vote.id).where(Vote.battle_id == battle.id))
    flag = Flag(battle_id=battle.id, reporter_id=user.id, source="citizen", reason=reason, note=note,
                status="open", created_at=now, round_id=battle.round_id, subject_user_id=battle.user_id,
                vote_ids=[vote_id] if vote_id else None)
    session.add(flag)
    session.flush()
    return flag


def my_votes(session: Session, user: User, lang: str) -> list[dict[str, Any]]:
    """The citizen's votes, newest first: whether each counts and why not, the models (revealed when
    they voted) and the state of their appeal."""
    appeals = {vote_id: (appeal_id, status) for vote_id, appeal_id, status in session.execute(
        select(Flag.vote_id, Flag.id, Flag.status).where(Flag.source == "appeal", Flag.reporter_id == user.id))}
    votes = session.scalars(select(Vote).where(Vote.user_id == user.id)
                            .order_by(Vote.created_at.desc(), Vote.id.desc())).all()
    models = _models(session, {m for v in votes for m in (v.model_a_id, v.model_b_id)})
    out = []
    for vote in votes:
        appeal = appeals.get(vote.id)
        out.append({
            "vote_id": vote.id, "battle_id": vote.battle_id, "round": vote.round_id, "category": vote.category,
            "winner": vote.winner, "at": iso_z(vote.created_at), "counted": not vote.excluded,
            "excluded_reason": vote.excluded_reason,
            "excluded_message": exclusion_message(vote.excluded_reason, lang) if vote.excluded else None,
            "models": {"a": _model_json(models.get(vote.model_a_id), lang),
                       "b": _model_json(models.get(vote.model_b_id), lang)},
            "appeal": {"id": appeal[0], "status": appeal[1]} if appeal else None,
            "can_appeal": vote.excluded and appeal is None,
        })
    return out


def appeal(session: Session, user: User, vote_id: str, note: str | None, now: datetime) -> Flag:
    """A citizen asks once for a review of one of their votes that does not count."""
    vote = session.get(Vote, vote_id) if isinstance(vote_id, str) and could_be_id(vote_id) else None
    if vote is None or vote.user_id != user.id:
        raise ModerationError("vote_not_found", 404)
    if not vote.excluded:
        raise ModerationError("vote_counted", 409)
    note = _note(note)
    if session.scalar(select(Flag.id).where(Flag.source == "appeal", Flag.vote_id == vote.id)) is not None:
        raise ModerationError("already_appealed", 409)
    flag = Flag(battle_id=vote.battle_id, reporter_id=user.id, source="appeal", reason="appeal", note=note,
                status="open", created_at=now, round_id=vote.round_id, subject_user_id=user.id,
                vote_id=vote.id, vote_ids=[vote.id], evidence={"excluded_reason": vote.excluded_reason})
    try:
        with session.begin_nested():  # a savepoint: a racing twin's unique violation leaves the transaction usable
            session.add(flag)
            session.flush()
    except IntegrityError:
        raise ModerationError("already_appealed", 409) from None
    return flag


# ---------------------------------------------------------------- queue
def effective_score():
    """The score the queue sorts by: the finding's own, else the documented default of its kind."""
    return func.coalesce(Flag.score, case(
        (Flag.source == "appeal", DEFAULT_SCORES["appeal"]),
        (Flag.source == "detector", DEFAULT_SCORES["detector"]),
        (Flag.reason.in_(GRAVE_REASONS), DEFAULT_SCORES["grave"]),
        else_=DEFAULT_SCORES["citizen"]))


def queue(session: Session, status: str | None = "open", source: str | None = None, limit: int = 50,
          before: int | None = None, lang: str = "ko") -> list[QueueItem]:
    """Queue items, highest effective score first, then newest; `before` (an item id from a previous
    page) continues after that item in this order. `status=None` lists every status. Revealed models
    are named in `lang`, as the citizen's reveal names them."""
    if status is not None and status not in FLAG_STATUSES:
        raise ModerationError("invalid_status", 422)
    if source is not None and source not in FLAG_SOURCES:
        raise ModerationError("invalid_source", 422)
    score = effective_score().label("eff")
    stmt = select(Flag, score).order_by(score.desc(), Flag.created_at.desc(), Flag.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(Flag.status == status)
    if source is not None:
        stmt = stmt.where(Flag.source == source)
    if before is not None:
        cursor = session.execute(select(effective_score(), Flag.created_at).where(Flag.id == before)).first()
        if cursor is None:
            raise ModerationError("flag_not_found", 404)
        eff = effective_score()
        stmt = stmt.where(or_(eff < cursor[0], and_(eff == cursor[0], Flag.created_at < cursor[1]),
                              and_(eff == cursor[0], Flag.created_at == cursor[1], Flag.id < before)))
    return [_item(session, flag, eff, lang) for flag, eff in session.execute(stmt).all()]


def _item(session: Session, flag: Flag, score: float, lang: str) -> QueueItem:
    vote_ids = concerned_votes(session, flag)
    votes = session.scalars(select(Vote).where(Vote.id.in_(vote_ids[:QUEUE_VOTES_SHOWN]))
                            .order_by(Vote.created_at, Vote.id)).all() if vote_ids else []
    models = _models(session, {m for v in votes for m in (v.model_a_id, v.model_b_id)})
    return QueueItem(flag=flag, score=float(score), battle=_battle_json(session, flag.battle_id, lang),
                     subject=_voter_json(session, flag.subject_user_id),
                     reporter=_voter_json(session, flag.reporter_id, counts=False),
                     votes=[_vote_json(v, models, lang) for v in votes], vote_count=len(vote_ids))


def concerned_votes(session: Session, flag: Flag) -> list[str]:
    """The votes a queue item is about: a finding's list, an appeal's vote, a flagged battle's vote."""
    ids = list(flag.vote_ids or [])
    if flag.vote_id and flag.vote_id not in ids:
        ids.append(flag.vote_id)
    if not ids and flag.battle_id:
        ids = list(session.scalars(select(Vote.id).where(Vote.battle_id == flag.battle_id)))
    return ids


def _battle_json(session: Session, battle_id: str | None, lang: str) -> dict[str, Any] | None:
    """The prompts and both answers; the models only once the battle has a vote."""
    if battle_id is None:
        return None
    battle = session.get(Battle, battle_id)
    if battle is None:
        return None
    turns = session.scalars(select(BattleTurn).where(BattleTurn.battle_id == battle_id)
                            .order_by(BattleTurn.turn_no)).all()
    voted = session.scalar(select(Vote.id).where(Vote.battle_id == battle_id)) is not None
    body: dict[str, Any] = {
        "id": battle.id, "round": battle.round_id, "category": battle.category, "status": battle.status,
        "voted": voted, "created_at": iso_z(battle.created_at),
        "turns": [{"turn": t.turn_no, "prompt": t.prompt_text, "answer_a": t.answer_a, "answer_b": t.answer_b}
                  for t in turns]}
    if voted:
        models = _models(session, {battle.model_a_id, battle.model_b_id})
        body["models"] = {"a": _model_json(models.get(battle.model_a_id), lang),
                          "b": _model_json(models.get(battle.model_b_id), lang)}
    return body


def _voter_json(session: Session, user_id: int | None, counts: bool = True) -> dict[str, Any] | None:
    if user_id is None:
        return None
    user = session.get(User, user_id)
    if user is None:
        return None
    body: dict[str, Any] = {"id": user.id, "display_name": user.display_name, "status": user.status}
    if counts:
        total, excluded = session.execute(
            select(func.count(), func.count(case((Vote.excluded.is_(True), 1))))
            .where(Vote.user_id == user.id)).one()
        body["votes"] = {"total": total, "excluded": excluded}
    return body


def _vote_json(vote: Vote, models: dict[int, tuple[Model, Team]], lang: str) -> dict[str, Any]:
    return {"id": vote.id, "battle_id": vote.battle_id, "round": vote.round_id, "category": vote.category,
            "winner": vote.winner, "counted": not vote.excluded, "excluded_reason": vote.excluded_reason,
            "voter": vote.user_id, "at": iso_z(vote.created_at),
            "models": {"a": _model_json(models.get(vote.model_a_id), lang),
                       "b": _model_json(models.get(vote.model_b_id), lang)}}


def _models(session: Session, ids: Iterable[int]) -> dict[int, tuple[Model, Team]]:
    ids = set(ids)
    if not ids:
        return {}
    rows = session.execute(select(Model, Team).join(Team, Team.id == Model.team_id).where(Model.id.in_(ids)))
    return {model.id: (model, team) for model, team in rows}


def _model_json(pair: tuple[Model, Team] | None, lang: str) -> dict[str, Any] | None:
    if pair is None:
        return None
    model, team = pair  # named by contest.reveal, as the citizen's reveal is
    return {**revealed_side(model.display_name, model.version, team.name_ko, team.name_en, lang),
            "slug": model.slug, "team_slug": team.slug}


# ---------------------------------------------------------------- actions
def act(session: Session, actor: User, action: str, target: Any, reason: Any, now: datetime) -> ActionResult:
    """Carry out one moderator action and record it once in the audit log (see the module docstring)."""
    if action not in ACTIONS:
        raise ModerationError("invalid_action", 422)
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise ModerationError("reason_required", 422)
    reason = reason.strip()
    if not isinstance(target, dict):
        raise ModerationError("invalid_target", 422)
    if action in ("void_votes", "restore_votes"):
        return _change_votes(session, actor, action, target, reason, now)
    if action in ("suspend_user", "reinstate_user"):
        return _set_status(session, actor, action, target, reason, now)
    return _dismiss(session, actor, target, reason, now)


def _change_votes(session: Session, actor: User, action: str, target: dict, reason: str,
                  now: datetime) -> ActionResult:
    vote_ids, flag, target_type, target_id = _vote_target(session, target)
    owner = session.get(Vote, target["vote_id"]).user_id if "vote_id" in target else None
    _not_about(actor, flag, {**target, "user_id": target.get("user_id", owner)})
    if action == "void_votes" and flag is not None and flag.status != "open":
        raise ModerationError("flag_resolved", 409)
    code = "anomaly" if flag is not None and flag.source == "detector" else "moderation"
    # Locks in one order on every path: the votes' rounds (planning) first, then the queue items.
    changes = (exclusions.plan_void(session, vote_ids, code) if action == "void_votes"
               else exclusions.plan_restore(session, vote_ids))
    if any(c.user_id == actor.id for c in changes):
        raise ModerationError("cannot_act_on_self", 403)
    if flag is not None:
        flag = _locked_flag(session, flag.id)
        if action == "void_votes" and flag.status != "open":
            raise ModerationError("flag_resolved", 409)
    # An item is answered by an action that did something; an appeal a restore could not grant (the vote
    # was kept out by a rule, not by moderation) stays open for a moderator to dismiss with a reason.
    answered = flag is not None and flag.status == "open" and (changes or flag.source != "appeal")
    resolving = [flag] if answered else []
    if action == "restore_votes":  # an open appeal of a vote counted again is answered by this restore
        restored = [c.vote_id for c in changes]
        resolving += [f for f in _open_appeals(session, restored) if f not in resolving]
    entry = record_change(session, actor, AUDIT_PREFIX + action, target_type, target_id, now,
                          before={"votes": [_before(c) for c in changes]},
                          after={"target": target, "votes": [c.as_json() for c in changes],
                                 "affected_votes": len(changes), "flags": [f.id for f in resolving]},
                          reason=reason)
    exclusions.apply(session, changes, now, f"{AUDIT_PREFIX}{action}#{entry.id}")
    _resolve(resolving, "actioned", actor, entry.id, now)
    session.flush()
    return ActionResult(entry.id, len(changes), tuple(f.id for f in resolving))


def _vote_target(session: Session, target: dict) -> tuple[list[str], Flag | None, str, str]:
    """(vote ids, the flag when the target is one, audit target type, audit target id)."""
    keys = set(target)
    if keys == {"vote_id"}:
        vote_id = target["vote_id"]
        if not isinstance(vote_id, str):
            raise ModerationError("invalid_target", 422)
        if not could_be_id(vote_id) or session.get(Vote, vote_id) is None:
            raise ModerationError("vote_not_found", 404)
        return [vote_id], None, "vote", vote_id
    if keys == {"flag_id"}:
        flag = _flag(session, target["flag_id"])  # locked after the votes' rounds (see _change_votes)
        return concerned_votes(session, flag), flag, "flag", str(flag.id)
    if keys == {"user_id"}:
        user = _user(session, target["user_id"])
        return exclusions.votes_of(session, user.id), None, "user", str(user.id)
    if keys == {"user_id", "from", "to"}:
        start, end = _instant(target["from"]), _instant(target["to"])
        if start >= end:
            raise ModerationError("invalid_range", 422)
        user = _user(session, target["user_id"])
        return exclusions.votes_of(session, user.id, start, end), None, "user", str(user.id)
    raise ModerationError("invalid_target", 422)


def _set_status(session: Session, actor: User, action: str, target: dict, reason: str,
                now: datetime) -> ActionResult:
    if set(target) != {"user_id"}:
        raise ModerationError("invalid_target", 422)
    user = _user(session, target["user_id"], lock=True)
    if user.status == "deleted":  # the citizen deleted it: neither suspending nor reinstating brings it back
        raise ModerationError("account_deleted", 409)
    suspend = action == "suspend_user"
    if suspend and user.id == actor.id:
        raise ModerationError("cannot_suspend_self", 403)
    if suspend and user.is_staff:
        raise ModerationError("cannot_suspend_staff", 403)
    before = {"status": user.status, "suspended_at": iso_z(user.suspended_at)}
    revoked = 0
    if suspend:
        if user.status != "suspended":
            user.status, user.suspended_at = "suspended", now
        revoked = revoke_user_sessions(session, user.id)  # at once, even if already suspended
    elif user.status != "active":
        user.status, user.suspended_at = "active", None
    session.flush()
    after = {"status": user.status, "suspended_at": iso_z(user.suspended_at), "sessions_revoked": revoked}
    entry = record_change(session, actor, AUDIT_PREFIX + action, "user", str(user.id), now, before=before,
                          after=after, reason=reason)
    return ActionResult(entry.id, 0, (), user.status)


def _dismiss(session: Session, actor: User, target: dict, reason: str, now: datetime) -> ActionResult:
    if set(target) != {"flag_id"}:
        raise ModerationError("invalid_target", 422)
    flag = _locked_flag(session, target["flag_id"])
    _not_about(actor, flag, target)
    if flag.status != "open":
        raise ModerationError("flag_resolved", 409)
    entry = record_change(session, actor, AUDIT_PREFIX + "dismiss_flag", "flag", str(flag.id), now,
                          before={"status": flag.status}, after={"status": "dismissed"}, reason=reason)
    _resolve([flag], "dismissed", actor, entry.id, now)
    session.flush()
    return ActionResult(entry.id, 0, (flag.id,))


def _resolve(flags: list[Flag], status: str, actor: User, action_id: int, now: datetime) -> None:
    for flag in flags:
        flag.status, flag.resolved_at, flag.resolved_by, flag.action_id = status, now, actor.id, action_id


def _open_appeals(session: Session, vote_ids: list[str]) -> list[Flag]:
    return [flag for chunk in exclusions.chunks(vote_ids) for flag in session.scalars(
        select(Flag).where(Flag.source == "appeal", Flag.status == "open", Flag.vote_id.in_(chunk)).with_for_update())]


def _locked_flag(session: Session, flag_id: Any) -> Flag:
    """The flag, row-locked (two moderators resolving it at once: the second sees it resolved)."""
    return _flag(session, flag_id, lock=True)


def _flag(session: Session, flag_id: Any, lock: bool = False) -> Flag:
    return _found(session, Flag, flag_id, "flag_not_found", lock)


def _not_about(actor: User, flag: Flag | None, target: dict) -> None:
    """No one rules on their own account: not on their votes, nor on a finding or appeal about them."""
    subjects = {target.get("user_id")}
    if flag is not None:
        subjects |= {flag.subject_user_id, *((flag.evidence or {}).get("voters") or [])}
        if flag.source == "appeal":
            subjects.add(flag.reporter_id)
    if actor.id in subjects:
        raise ModerationError("cannot_act_on_self", 403)


def _user(session: Session, user_id: Any, lock: bool = False) -> User:
    return _found(session, User, user_id, "user_not_found", lock)


def _found(session: Session, model: type, row_id: Any, missing: str, lock: bool) -> Any:
    """The row of `model` with this integer id (row-locked and read afresh with `lock`), or 404 `missing`."""
    row = session.get(model, row_id, with_for_update=lock or None, populate_existing=lock) if _is_id(row_id) else None
    if row is None:
        raise ModerationError(missing, 404)
    return row


def _is_id(value: Any) -> bool:
    """An integer id within the database's integer range. Not an integer at all (a string, a boolean)
    is a malformed request (422); an integer no row can have is an unknown id (404, as any other)."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise ModerationError("invalid_target", 422)
    return 0 < value < 2**31


def _instant(value: Any) -> datetime:
    """An RFC 3339 time with an offset (a time without one is ambiguous: refused)."""
    if not isinstance(value, str) or len(value) > 40:
        raise ModerationError("invalid_range", 422)
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("no offset")
        return moment.astimezone(timezone.utc)  # 0001-01-01T00:00+14:00 has no UTC time: refused here
    except (ValueError, OverflowError):
        raise ModerationError("invalid_range", 422) from None


def _before(change: Change) -> dict[str, Any]:
    return {"vote_id": change.vote_id, "counted": change.excluded_before is None,
            "excluded_reason": change.excluded_before}


def _note(note: Any) -> str | None:
    if note is None:
        return None
    if not isinstance(note, str) or len(note) > NOTE_MAX:
        raise ModerationError("invalid_note", 422)
    return note.strip() or None


# ---------------------------------------------------------------- audit
def audit(session: Session, limit: int = 50, before: int | None = None) -> list[dict[str, Any]]:
    """Moderation's audit entries, newest first (paged by id)."""
    stmt = (select(AuditEntry).where(AuditEntry.action.startswith(AUDIT_PREFIX, autoescape=True))
            .order_by(AuditEntry.id.desc()).limit(limit))
    if before is not None:
        stmt = stmt.where(AuditEntry.id < before)
    return [entry_json(entry) for entry in session.scalars(stmt)]


