"""Versions of the identity lexicon: built in (anti_abuse/lexicons/v<N>.json) or edited by the ministry.

A round's protocol names the version its identity checks use (`identity_lexicon`), frozen when the
round opens like the rest of the protocol; changing it is a new protocol entry with a reason. A new
version is whole (every name and extra probe phrase), numbered after every existing one, append-only
in the database and recorded in the audit log. Versions never change, so a loaded one is cached.
"""
from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from anti_abuse import queries
from anti_abuse.identity import BUILTIN_VERSIONS, LEXICON, LEXICON_DIR, IdentityLexicon, load_lexicon, normalise
from anti_abuse.models import IdentityLexicon as LexiconRow
from app.audit import record_change
from app.models import User

log = logging.getLogger("arena.anti_abuse")
MAX_TERMS = 2000
MAX_TERM_CHARS = 80
_cache: dict[tuple[str, int], Lexicon] = {}  # (database, version): a version never changes
_cache_lock = threading.Lock()


@dataclass(frozen=True)
class Lexicon:
    """A version's names (answers and prompts) and extra probe phrases (prompts only)."""

    version: int
    names: IdentityLexicon
    probes: tuple[str, ...]
    note: str | None = None
    builtin: bool = True


class LexiconRejected(ValueError):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def builtin(version: int) -> Lexicon:
    lexicon = load_lexicon(LEXICON_DIR / f"v{version}.json")
    return Lexicon(version, lexicon, (), None, True)


@lru_cache(maxsize=None)
def _builtin_cached(version: int) -> Lexicon:
    return builtin(version)


def lexicon_version(session: Session, version: int | None) -> Lexicon:
    """The lexicon of `version` (cached); an unknown version falls back to the newest built-in one, logged."""
    if version is None:
        version = LEXICON.version
    if version in BUILTIN_VERSIONS:
        return _builtin_cached(version)
    key = (str(session.get_bind().url), version)
    with _cache_lock:
        if key in _cache:
            return _cache[key]
    row = session.get(LexiconRow, version)
    if row is None:
        log.warning("unknown identity lexicon version; using the newest built-in one",
                    extra={"fields": {"version": version, "used": LEXICON.version}})
        return _builtin_cached(LEXICON.version)
    found = Lexicon(row.version, IdentityLexicon(row.version, tuple(row.names)), tuple(row.probes), row.note, False)
    with _cache_lock:
        _cache[key] = found
    return found


def round_names(session: Session, round_id: str) -> tuple[Lexicon, IdentityLexicon]:
    """The lexicon version a round's protocol names, and its names together with the contest's own
    team and model names (what the round's identity checks look for)."""
    lexicon = lexicon_version(session, queries.round_protocol(session, round_id).get("identity_lexicon"))
    return lexicon, lexicon.names.with_names(queries.contest_names(session))


def known_version(session: Session, version: object) -> bool:
    """Whether `version` is a built-in lexicon or one the ministry added."""
    if not isinstance(version, int) or isinstance(version, bool):
        return False
    return version in BUILTIN_VERSIONS or session.get(LexiconRow, version) is not None


def protocol_lexicon_check(session: Session, protocol: dict) -> str | None:
    """contest's protocol check: a round cannot freeze an identity lexicon version that does not exist
    (it would fall back to another list now and switch to whatever later takes that number)."""
    return None if known_version(session, protocol.get("identity_lexicon", LEXICON.version)) else "unknown_lexicon"


def versions(session: Session) -> list[dict]:
    """Every version, newest first: built-in ones and the ministry's."""
    rows = list(session.scalars(select(LexiconRow).order_by(LexiconRow.version.desc())))
    out = [summary(Lexicon(r.version, IdentityLexicon(r.version, tuple(r.names)), tuple(r.probes), r.note, False),
                   r.actor, r.created_at) for r in rows]
    out += [summary(builtin(v)) for v in sorted(BUILTIN_VERSIONS, reverse=True)]
    return out


def summary(lexicon: Lexicon, actor: str | None = None, created_at: datetime | None = None) -> dict:
    return {"version": lexicon.version, "builtin": lexicon.builtin, "names": len(lexicon.names.names),
            "probes": len(lexicon.probes), "note": lexicon.note, "actor": actor,
            "created_at": created_at.isoformat().replace("+00:00", "Z") if created_at else None}


def detail(lexicon: Lexicon) -> dict:
    return {**summary(lexicon), "names": list(lexicon.names.names), "probes": list(lexicon.probes)}


def create_version(session: Session, actor: User | str, names: object, probes: object, note: object,
                   now: datetime) -> Lexicon:
    """A new version holding exactly these names and probe phrases (flushed, audited, not committed)."""
    clean_names, clean_probes = _terms(names, "names"), _terms(probes, "probes")
    if not clean_names:
        raise LexiconRejected("invalid_lexicon", "names: at least one name")
    if note is not None and (not isinstance(note, str) or len(note) > 1000):
        raise LexiconRejected("invalid_lexicon", "note: text of at most 1000 characters")
    newest = session.scalar(select(func.max(LexiconRow.version))) or 0
    version = max(newest, max(BUILTIN_VERSIONS)) + 1
    try:
        with session.begin_nested():
            session.add(LexiconRow(version=version, names=clean_names, probes=clean_probes, note=note,
                                   actor=actor if isinstance(actor, str) else f"user:{actor.id}", created_at=now))
    except IntegrityError:  # another request took this number first
        raise LexiconRejected("lexicon_conflict", "another version was added at the same time; try again") from None
    record_change(session, actor, "lexicon.create", "identity_lexicon", str(version), now, before=None,
                  after={"version": version, "names": len(clean_names), "probes": len(clean_probes)}, reason=note)
    return Lexicon(version, IdentityLexicon(version, tuple(clean_names)), tuple(clean_probes), note, False)


def _terms(value: object, field: str) -> list[str]:
    """Distinct, trimmed terms (order kept); anything else is refused with the field named."""
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_TERMS:
        raise LexiconRejected("invalid_lexicon", f"{field}: a list of at most {MAX_TERMS} strings")
    seen, out = set(), []
    for item in value:
        if not isinstance(item, str) or not (term := normalise(item).strip()) or len(term) > MAX_TERM_CHARS:
            raise LexiconRejected("invalid_lexicon", f"{field}: each a non-empty string of at most "
                                                     f"{MAX_TERM_CHARS} characters")
        if term.casefold() not in seen:
            seen.add(term.casefold())
            out.append(term)
    return out
