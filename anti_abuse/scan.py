"""The anomaly detectors run over a round's counted votes; what they find lands in the moderators' queue.

A scan reads every counted vote of the round from SQL (with the time both answers were complete, the
characters shown and the keyed address hash), fits the current Bradley-Terry ratings from them, runs
`anti_abuse.detectors.detect` and files each finding as a detector flag. A finding is filed once:
its fingerprint covers the round, the kind, the accounts and the votes, so scanning again without new
votes adds nothing, and a finding a moderator dismissed does not come back unless the evidence grows
(then the open finding about the same accounts is updated, or a new one is filed). Voided votes are no
longer counted, so a voter whose votes were voided drops out of later scans. The round's bank answers
are checked too: one that names its own model is filed (`bank_identity_leak`) for the ministry to
replace before it unblinds a battle.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from anti_abuse.detectors import DetectorPolicy, Finding, VoteEvent, board, detect
from anti_abuse.identity import find_identity_leak
from anti_abuse.lexicon_versions import round_names
from anti_abuse.models import Flag
from contest.models import BankAnswer, Battle, BattleTurn, Model, Round, RoundModel
from voting.models import Vote


@dataclass(frozen=True)
class ScanReport:
    round_id: str
    votes: int
    findings: int
    filed: int  # new queue items
    updated: int  # open items whose evidence grew
    bank_leaks: int = 0  # bank answers of the round's entrants that name themselves (new in the queue)


def round_events(session: Session, round_id: str) -> tuple[list[VoteEvent], list[str]]:
    """The round's counted votes as detector events, and the vote id behind each event's index."""
    chars = (select(BattleTurn.battle_id,
                    func.sum(func.coalesce(func.length(BattleTurn.answer_a), 0)
                             + func.coalesce(func.length(BattleTurn.answer_b), 0)).label("chars"))
             .group_by(BattleTurn.battle_id).subquery())
    model_a, model_b = aliased(Model), aliased(Model)
    rows = session.execute(
        select(Vote.id, Vote.user_id, Vote.client_hash, model_a.slug, model_b.slug, Vote.winner, Vote.category,
               Vote.created_at, Battle.ready_at, Battle.created_at, chars.c.chars)
        .join(Battle, Battle.id == Vote.battle_id)
        .join(model_a, model_a.id == Vote.model_a_id).join(model_b, model_b.id == Vote.model_b_id)
        .outerjoin(chars, chars.c.battle_id == Vote.battle_id)
        .where(Vote.round_id == round_id, Vote.excluded.is_(False))
        .order_by(Vote.created_at, Vote.id))
    events, ids = [], []
    for index, (vote_id, voter, address, a, b, winner, category, voted_at, ready_at, started_at, shown) in enumerate(rows):
        ids.append(vote_id)
        events.append(VoteEvent(vote_id=index, voter=voter, address=address, model_a=a, model_b=b, winner=winner,
                                category=category, voted_at=voted_at, ready_at=ready_at or started_at,
                                read_chars=int(shown or 0)))
    return events, ids


def scan_round(session: Session, round_id: str, now: datetime, policy: DetectorPolicy = DetectorPolicy()) -> ScanReport:
    """Run every detector over the round's counted votes and file the findings (flushed, not committed)."""
    bank_leaks = scan_bank(session, round_id, now)
    events, ids = round_events(session, round_id)
    if not events:
        return ScanReport(round_id, 0, 0, 0, 0, bank_leaks)
    slugs = sorted({e.model_a for e in events} | {e.model_b for e in events})
    ratings = dict(zip(slugs, board(events, slugs).tolist()))
    findings = detect(events, ratings, policy, now)
    filed = updated = 0
    for finding in findings:
        outcome = file_finding(session, round_id, finding, ids, now)
        filed += outcome == "filed"
        updated += outcome == "updated"
    session.flush()
    return ScanReport(round_id, len(events), len(findings), filed, updated, bank_leaks)


def scan_bank(session: Session, round_id: str, now: datetime) -> int:
    """File a queue item for each bank answer of the round's entrants that names its model, team or maker
    of itself (under the round's lexicon version): served in a battle, it would unblind it, and every vote
    on it would be excluded. Returns how many were new."""
    lexicon, names = round_names(session, round_id)
    filed = 0
    rows = session.execute(select(BankAnswer.id, BankAnswer.prompt_id, BankAnswer.sample, BankAnswer.text, Model.slug)
                           .join(Model, Model.id == BankAnswer.model_id)
                           .join(RoundModel, RoundModel.model_id == BankAnswer.model_id)
                           .where(RoundModel.round_id == round_id).order_by(BankAnswer.id))
    for answer_id, prompt_id, sample, text, slug in rows:
        matched = find_identity_leak([text], names)
        if matched is None:
            continue
        digest = hashlib.sha256(text.encode()).hexdigest()
        fingerprint = hashlib.sha256(f"{round_id}|bank|{answer_id}|{digest}|{lexicon.version}".encode()).hexdigest()
        if session.scalar(select(Flag.id).where(Flag.fingerprint == fingerprint)) is not None:
            continue
        session.add(Flag(source="detector", reason="bank_identity_leak", status="open", created_at=now,
                         round_id=round_id, score=1.0, fingerprint=fingerprint, vote_ids=[],
                         evidence={"kind": "bank_identity_leak", "voters": [], "prompt_id": prompt_id, "model": slug,
                                   "sample": sample, "matched": matched, "lexicon_version": lexicon.version,
                                   "answer": text[:500]}))
        filed += 1
    return filed


def scan_rounds(session: Session, now: datetime, round_id: str | None = None,
                policy: DetectorPolicy = DetectorPolicy()) -> list[ScanReport]:
    """Scan one round, or every open round."""
    rounds = [round_id] if round_id else list(session.scalars(select(Round.id).where(Round.status == "open")
                                                                .order_by(Round.id)))
    return [scan_round(session, rid, now, policy) for rid in rounds]


def file_finding(session: Session, round_id: str, finding: Finding, ids: list[str], now: datetime) -> str:
    """File one finding in the queue: "filed", "updated" (an open item on the same accounts) or "known"."""
    vote_ids = sorted(ids[i] for i in finding.vote_ids)
    voters = sorted(set(finding.voters) | ({finding.voter} if finding.voter is not None else set()))
    # A voter boosting two models gets one favoured_model finding per model, over the same votes: the
    # model the finding is about is part of what it is.
    model = finding.evidence.get("model") if isinstance(finding.evidence, dict) else None
    key = f"{round_id}|{finding.kind}|{model}|{','.join(map(str, voters))}|{','.join(vote_ids)}"
    fingerprint = hashlib.sha256(key.encode()).hexdigest()
    if session.scalar(select(Flag.id).where(Flag.fingerprint == fingerprint)) is not None:
        return "known"
    evidence = {**_real_ids(finding.evidence, ids), "kind": finding.kind, "voters": voters}
    same = _open_item(session, round_id, finding.kind, voters, model)
    if same is not None:
        same.evidence, same.score, same.vote_ids, same.fingerprint = evidence, _score(finding), vote_ids, fingerprint
        return "updated"
    session.add(Flag(source="detector", reason=finding.kind, status="open", created_at=now, round_id=round_id,
                     subject_user_id=finding.voter, score=_score(finding),
                     evidence=evidence, vote_ids=vote_ids, fingerprint=fingerprint))
    return "filed"


def _open_item(session: Session, round_id: str, kind: str, voters: list[int], model: object) -> Flag | None:
    """The open detector item of this kind on exactly these accounts (and the same model), if any."""
    stmt = select(Flag).where(Flag.source == "detector", Flag.status == "open", Flag.round_id == round_id,
                              Flag.reason == kind)
    if len(voters) == 1:
        stmt = stmt.where(Flag.subject_user_id == voters[0])
    for item in session.scalars(stmt):
        evidence = item.evidence or {}
        if evidence.get("voters") == voters and evidence.get("model") == model:
            return item
    return None


def _score(finding: Finding) -> float:
    return min(1.0, max(0.0, float(finding.score)))


def _real_ids(evidence: Any, ids: list[str]) -> Any:
    """The evidence with the detectors' vote indexes turned back into vote ids (keys ending in vote_ids)."""
    if isinstance(evidence, dict):
        return {k: ([ids[int(i)] for i in v] if k.endswith("vote_ids") and isinstance(v, list) else _real_ids(v, ids))
                for k, v in evidence.items()}
    if isinstance(evidence, list):
        return [_real_ids(v, ids) for v in evidence]
    return evidence
