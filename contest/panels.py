"""The citizen panel's services: create a panel, issue and revoke invitations, redeem one, and the
member's pre-drawn sequence of battles. No Flask: session, actor, clock and randomness are arguments;
every ministry change appends an audit entry in the caller's transaction.

Assignments are dealt from the panel's deck (see `deal`): blocks of every (ordered pair, category) cell,
shuffled with secret randomness, dealt in turn to members as they start, so the panel covers every pair,
side and category evenly and no member can predict the models of a battle from the ones before it.
"""
from __future__ import annotations

import hashlib
import math
import random
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Callable

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import actor_label, record_change
from app.db import could_be_id, iso_z
from app.models import User
from contest import queries
from contest.models import Battle, Round
from contest.panel_models import Panel, PanelAssignment, PanelInvitation, PanelMember

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
CODE_LENGTH = 16  # 80 bits: guessing one of a million live codes takes ~10^18 tries
_READS_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
MAX_DIMENSIONS, MAX_LEVELS, MAX_INVITATIONS = 6, 30, 1000
DEFAULT_QUOTA, DEFAULT_TRIM, DEFAULT_POINTS = 20, (0.2, 5.0), 25.0
OPEN_TO_MEMBERS = ("draft", "open")  # a panel recruits until its round closes


class PanelError(Exception):
    """A panel operation that cannot be done: `code`, `status`, `params` for the message."""

    def __init__(self, code: str, status: int = 422, **params: Any):
        super().__init__(code)
        self.code, self.status, self.params = code, status, params


# --- Codes ---

def new_code(rng: secrets.SystemRandom | random.Random | None = None) -> str:
    """A fresh invitation code, e.g. "7KQ2-M9XD-3HPA-W0ZT" (80 random bits in four groups)."""
    pick = (rng or secrets.SystemRandom()).choice
    raw = "".join(pick(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalise_code(text: str) -> str | None:
    """The code as issued, from what a citizen typed (case, spaces, hyphens, O for 0 and I/L for 1
    forgiven); None when it cannot be a code at all."""
    raw = "".join(ch for ch in text.upper() if ch not in " -\t").translate(_READS_AS)
    if len(raw) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in raw):
        return None
    return raw


def code_hash(normalised: str) -> str:
    return hashlib.sha256(f"arena-panel-code:{normalised}".encode()).hexdigest()


# --- The ministry's side ---

def panel_json(panel: Panel) -> dict[str, Any]:
    return {"id": panel.id, "round": panel.round_id, "strata": panel.strata, "margins": panel.margins,
            "targets": panel.targets, "quota": panel.quota, "trim": [panel.trim_low, panel.trim_high],
            "max_points": panel.max_points, "seed": panel.seed,
            "size": panel_size(panel.targets),
            "created_at": iso_z(panel.created_at)}


def panel_size(targets: dict[str, dict[str, int]]) -> int:
    return sum(next(iter(targets.values())).values()) if targets else 0


def find_panel(session: Session, panel_id: str, lock: bool = False) -> Panel:
    panel = None
    if could_be_id(panel_id):
        stmt = select(Panel).where(Panel.id == panel_id)
        panel = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if panel is None:
        raise PanelError("unknown_panel", 404)
    return panel


def list_panels(session: Session) -> list[Panel]:
    return list(session.scalars(select(Panel).order_by(Panel.created_at.desc(), Panel.id)))


def create_panel(session: Session, actor: User | str, data: dict[str, Any], now: datetime,
                 seed: int | None = None) -> Panel:
    """A new panel for a round that has not closed: strata, margins and targets checked together."""
    round_ = session.get(Round, data["round"]) if could_be_id(data["round"]) else None
    if round_ is None:
        raise PanelError("unknown_round", 404)
    if round_.status not in OPEN_TO_MEMBERS:
        raise PanelError("round_closed", 409)
    if session.get(Panel, data["id"]) is not None:
        raise PanelError("panel_exists", 409)
    strata, margins, targets = checked_design(data["strata"], data["margins"], data["targets"])
    low, high = data.get("trim") or DEFAULT_TRIM
    if not (0 < low <= 1 <= high):
        raise PanelError("invalid_field", field="trim")
    panel = Panel(id=data["id"], round_id=round_.id, strata=strata, margins=margins, targets=targets,
                  quota=data.get("quota") or DEFAULT_QUOTA, trim_low=float(low), trim_high=float(high),
                  max_points=float(data.get("max_points") or DEFAULT_POINTS),
                  seed=seed if seed is not None else secrets.randbelow(2**31), created_by=actor_label(actor),
                  created_at=now)
    session.add(panel)
    session.flush()
    record_change(session, actor, "panel.create", "panel", panel.id, now, after=panel_json(panel))
    return panel


def checked_design(strata: dict, margins: dict, targets: dict) -> tuple[dict, dict, dict]:
    """Strata {dimension: [levels]}, margins {dimension: {level: share}} summing to 1 per dimension, and
    targets {dimension: {level: count}} adding up to the same panel size on every dimension."""
    if not strata or len(strata) > MAX_DIMENSIONS:
        raise PanelError("invalid_field", field="strata")
    for dim, levels in strata.items():
        if not (1 <= len(levels) <= MAX_LEVELS) or len(set(levels)) != len(levels):
            raise PanelError("invalid_field", field=f"strata.{dim}")
    if set(margins) != set(strata):
        raise PanelError("invalid_field", field="margins")
    if set(targets) != set(strata):
        raise PanelError("invalid_field", field="targets")
    sizes = set()
    for dim, levels in strata.items():
        share, want = margins[dim], targets[dim]
        if set(share) != set(levels) or any(not (0 <= s <= 1) or not math.isfinite(s) for s in share.values()):
            raise PanelError("invalid_field", field=f"margins.{dim}")
        if abs(sum(share.values()) - 1) > 1e-6:
            raise PanelError("margins_sum", field=f"margins.{dim}")
        if set(want) != set(levels) or any(n < 0 for n in want.values()):
            raise PanelError("invalid_field", field=f"targets.{dim}")
        if any((share[lv] > 0) != (want[lv] > 0) for lv in levels):
            raise PanelError("targets_margins", field=f"targets.{dim}")  # a level to weight needs members
        sizes.add(sum(want.values()))
    if len(sizes) != 1 or 0 in sizes:
        raise PanelError("targets_sizes", field="targets")
    return ({d: list(v) for d, v in strata.items()},
            {d: {lv: float(margins[d][lv]) for lv in strata[d]} for d in strata},
            {d: {lv: int(targets[d][lv]) for lv in strata[d]} for d in strata})


def issue_invitations(session: Session, actor: User | str, panel_id: str, count: int, stratum: dict[str, str],
                      now: datetime) -> list[str]:
    """`count` fresh codes for one stratum (a level on every dimension); only their hashes are kept."""
    panel = find_panel(session, panel_id)
    _check_open(session, panel)
    if set(stratum) != set(panel.strata) or any(stratum[d] not in panel.strata[d] for d in panel.strata):
        raise PanelError("invalid_field", field="stratum")
    if any(panel.margins[d][stratum[d]] == 0 for d in panel.strata):  # a member no weight could count
        raise PanelError("invalid_field", field="stratum")
    if not (1 <= count <= MAX_INVITATIONS):
        raise PanelError("invalid_field", field="count")
    codes = [new_code() for _ in range(count)]
    session.add_all(PanelInvitation(panel_id=panel.id, code_hash=code_hash(normalise_code(c)), stratum=dict(stratum),
                                    created_at=now) for c in codes)
    session.flush()
    record_change(session, actor, "panel.invite", "panel", panel.id, now,
                  after={"count": count, "stratum": dict(stratum)})
    return codes


def revoke_invitations(session: Session, actor: User | str, panel_id: str, codes: list[str], now: datetime) -> int:
    """Revoke unredeemed codes of this panel; a redeemed one is refused (409), an unknown one 404,
    and nothing is revoked unless every code can be."""
    panel = find_panel(session, panel_id)
    hashes = []
    for text in codes:
        normal = normalise_code(text)
        if normal is None:
            raise PanelError("unknown_invitation", 404)
        hashes.append(code_hash(normal))
    found = {i.code_hash: i for i in session.scalars(
        select(PanelInvitation).where(PanelInvitation.panel_id == panel.id, PanelInvitation.code_hash.in_(hashes))
        .with_for_update())}
    if len(found) != len(set(hashes)):
        raise PanelError("unknown_invitation", 404)
    if any(i.redeemed_at is not None for i in found.values()):
        raise PanelError("invitation_used", 409)
    fresh = [i for i in found.values() if i.revoked_at is None]
    for invitation in fresh:
        invitation.revoked_at = now
    session.flush()
    record_change(session, actor, "panel.revoke", "panel", panel.id, now, after={"revoked": len(fresh)})
    return len(fresh)


def _check_open(session: Session, panel: Panel) -> Round:
    round_ = session.get(Round, panel.round_id)
    if round_.status not in OPEN_TO_MEMBERS:
        raise PanelError("round_closed", 409)
    return round_


# --- The member's side ---

def redeem(session: Session, user: User, text: str, now: datetime, rng: random.Random) -> PanelMember:
    """Join the panel the code belongs to, with the code's stratum; the code is spent, and in an open round
    the member's sequence is dealt at once."""
    normal = normalise_code(text)
    invitation = None
    if normal is not None:
        invitation = session.scalars(select(PanelInvitation).where(PanelInvitation.code_hash == code_hash(normal))
                                     .with_for_update()).first()
    if invitation is None or invitation.revoked_at is not None:
        raise PanelError("unknown_invitation", 404)
    if invitation.redeemed_at is not None:
        raise PanelError("invitation_used", 409)
    panel = find_panel(session, invitation.panel_id, lock=True)  # serialises members' numbers
    _check_open(session, panel)
    if session.scalar(select(PanelMember.id).where(PanelMember.panel_id == panel.id,
                                                   PanelMember.user_id == user.id)) is not None:
        raise PanelError("already_member", 409)
    spent = session.execute(update(PanelInvitation)
                            .where(PanelInvitation.id == invitation.id, PanelInvitation.redeemed_at.is_(None),
                                   PanelInvitation.revoked_at.is_(None))
                            .values(redeemed_at=now))
    if spent.rowcount != 1:  # another request spent it first
        raise PanelError("invitation_used", 409)
    seq = session.scalar(select(func.count()).select_from(PanelMember).where(PanelMember.panel_id == panel.id))
    member = PanelMember(panel_id=panel.id, user_id=user.id, invitation_id=invitation.id, seq=int(seq),
                         stratum=dict(invitation.stratum), joined_at=now)
    session.add(member)
    try:
        session.flush()
    except IntegrityError:  # SQLite: the same citizen's second code redeemed at the same moment
        raise PanelError("already_member", 409) from None
    round_ = session.get(Round, panel.round_id)
    if round_.status == "open":
        draw_assignments(session, panel, member, round_, rng)
    return member


def memberships(session: Session, user_id: int) -> list[tuple[PanelMember, Panel]]:
    rows = session.execute(select(PanelMember, Panel).join(Panel, Panel.id == PanelMember.panel_id)
                           .where(PanelMember.user_id == user_id).order_by(PanelMember.joined_at, PanelMember.id))
    return [(m, p) for m, p in rows]


# --- Assignments: dealt from the panel's deck ---

def deck_block(roster: list[int], categories: list[str], rng: random.Random) -> list[list]:
    """One block of the deck: every (ordered pair, category) cell once, as len(categories) runs in which
    every ordered pair occurs once. In run j pair number i takes category (i + j) mod C, so over the block
    each pair meets each category; the runs come in random order and each run is shuffled."""
    pairs = [(a, b) for a in roster for b in roster if a != b]
    runs = []
    for j in range(len(categories)):
        run = [[a, b, categories[(i + j) % len(categories)]] for i, (a, b) in enumerate(pairs)]
        rng.shuffle(run)
        runs.append(run)
    rng.shuffle(runs)
    return [cell for run in runs for cell in run]


def deal(panel: Panel, roster: list[int], categories: list[str], count: int, rng: random.Random) -> list[list]:
    """The next `count` cells of the panel's deck (a new block is shuffled when one runs out). The caller
    holds the panel row lock. Every member takes consecutive cells, so across the panel every cell, and
    so every ordered pair, is dealt within one of every other; a member cannot tell where in a block their
    cells sat, and the deck is shuffled with secret randomness, so nothing dealt predicts a pair."""
    deck = list(panel.deck or [])
    valid = set(roster)
    deck = [c for c in deck if c[0] in valid and c[1] in valid and c[2] in categories]  # a changed roster
    out = []
    while len(out) < count:
        if not deck:
            deck = deck_block(roster, categories, rng)
        out.append(deck.pop(0))
    panel.deck = deck
    return out


def draw_assignments(session: Session, panel: Panel, member: PanelMember, round_: Round,
                     rng: random.Random) -> list[PanelAssignment]:
    """The member's sequence (once, while the round is open: its roster and categories are frozen then),
    dealt under the panel's row lock; the prompts are unseen ones of each cell's category, none twice."""
    roster = sorted(rm.model_id for rm in round_.roster)
    if len(roster) < 2:
        raise PanelError("no_models_available", 503)
    categories = list(round_.categories)
    pools = {c: [p.id for p in queries.prompts_for(session, categories, c, unseen_by=member.user_id)]
             for c in categories}
    usable = [c for c in categories if pools[c]]
    if not usable:
        raise PanelError("no_prompts", 404)
    cells = deal(panel, roster, categories, panel.quota, rng)
    order = {c: rng.sample(pools[c], len(pools[c])) for c in usable}
    used = dict.fromkeys(usable, 0)
    out = []
    for position, (a, b, category) in enumerate(cells):
        if category not in order:  # this citizen has seen every prompt of it: another category's
            category = rng.choice(usable)
        prompt = order[category][used[category] % len(order[category])]
        used[category] += 1
        out.append(PanelAssignment(member_id=member.id, position=position, category=category, prompt_id=prompt,
                                   model_a_id=a, model_b_id=b))
    session.add_all(out)
    session.flush()
    return out


def assignments_of(session: Session, member: PanelMember) -> list[PanelAssignment]:
    return list(session.scalars(select(PanelAssignment).where(PanelAssignment.member_id == member.id)
                                .order_by(PanelAssignment.position)))


def ensure_assignments(session: Session, panel: Panel, member: PanelMember, round_: Round,
                       rng: random.Random) -> list[PanelAssignment]:
    """The member's sequence, drawn on first need in an open round (redemption draws it when it can)."""
    existing = assignments_of(session, member)
    if existing or round_.status != "open":
        return existing
    find_panel(session, panel.id, lock=True)  # deals one member at a time
    existing = assignments_of(session, member)
    if existing:
        return existing
    try:
        with session.begin_nested():  # SQLite takes no row lock: a parallel first draw may win
            return draw_assignments(session, panel, member, round_, rng)
    except IntegrityError:
        return assignments_of(session, member)


@dataclass(frozen=True)
class Progress:
    done: int
    quota: int


@dataclass(frozen=True)
class Next:
    """Where a member stands: `state` is "open" (an assignment to do), "done" (quota completed),
    "not_open" (the round has not opened) or "closed" (the round has closed)."""

    panel: Panel
    member: PanelMember
    round: Round
    state: str
    assignment: PanelAssignment | None
    progress: Progress
    battle: Battle | None  # started and not yet voted: continue it


def standing(session: Session, panel: Panel, member: PanelMember, rng: random.Random) -> Next:
    round_ = session.get(Round, panel.round_id)
    assignments = ensure_assignments(session, panel, member, round_, rng)
    battles = _battles(session, [a.battle_id for a in assignments if a.battle_id])
    done = sum(1 for a in assignments if a.battle_id and battles[a.battle_id].status == "voted")
    progress = Progress(done=done, quota=panel.quota)
    todo = next((a for a in assignments if not a.battle_id or battles[a.battle_id].status != "voted"), None)
    live = battles.get(todo.battle_id) if todo is not None and todo.battle_id else None
    if live is not None and live.status == "voided":
        live = None  # a backend failed: the assignment is started again as a new battle
    if round_.status == "draft" or (round_.status == "open" and not assignments):
        state = "not_open"
    elif round_.status != "open":
        state = "done" if assignments and todo is None else "closed"
    else:
        state = "open" if todo is not None else "done"
    return Next(panel, member, round_, state, todo if state == "open" else None, progress, live)


def next_for(session: Session, user_id: int, rng: random.Random, panel_id: str | None = None) -> Next | None:
    """The first of the citizen's panels (or the one named) with an assignment to do, else the last one's
    standing; None when the citizen is on no such panel."""
    found = [(m, p) for m, p in memberships(session, user_id) if panel_id is None or p.id == panel_id]
    last = None
    for member, panel in found:
        last = standing(session, panel, member, rng)
        if last.state == "open":
            return last
    return last


def _battles(session: Session, ids: list[str]) -> dict[str, Battle]:
    if not ids:
        return {}
    return {b.id: b for b in session.scalars(select(Battle).where(Battle.id.in_(ids)))}


def playable(session: Session, round_: Round, assignment: PanelAssignment, user_id: int,
             available_for: Callable[[str], set[int]], avoid: set[int], rng: random.Random) -> tuple[str, tuple[int, int]]:
    """(prompt, ordered pair) to start the assignment with now. The prompt is replaced by another unseen
    one of its category if this citizen has meanwhile had its answers revealed; the pair by another one
    of the models available for that prompt if one of its models cannot answer now (dropped, in outage,
    no bank answer) or belongs to a team the citizen declared ties to (`avoid`)."""
    prompt_id = assignment.prompt_id
    if queries.prompt_seen_by(session, prompt_id, user_id) or queries.prompt_by_id(session, prompt_id) is None:
        pool = queries.prompts_for(session, round_.categories, assignment.category, unseen_by=user_id)
        if not pool:
            raise PanelError("no_unseen_prompts", 404)
        prompt_id = rng.choice(pool).id
    pair = (assignment.model_a_id, assignment.model_b_id)
    usable = sorted(available_for(prompt_id) - avoid)
    if not set(pair) <= set(usable):
        if len(usable) < 2:
            raise PanelError("no_models_available", 503)
        pair = tuple(rng.sample(usable, 2))
    return prompt_id, pair


def claim(session: Session, assignment: PanelAssignment, previous: str | None, battle_id: str) -> None:
    """Link the new battle to the assignment if nobody else did meanwhile (one statement, any database):
    a second start of the same assignment finds it taken and is refused."""
    stmt = update(PanelAssignment).where(PanelAssignment.id == assignment.id)
    stmt = stmt.where(PanelAssignment.battle_id.is_(None) if previous is None else
                      PanelAssignment.battle_id == previous)
    if session.execute(stmt.values(battle_id=battle_id)).rowcount != 1:
        raise PanelError("battle_in_progress", 409)
