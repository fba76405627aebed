"""Identity-leak detection: an answer that names its own model, team or maker unblinds the battle.

The lexicon is data (identity_lexicon.json, versioned) plus the names stored in the database.
Distinctive names count anywhere; names that are also ordinary words or big brands ("Solar",
"LG", "Google") count only where the answer speaks of itself ("I am ...", "저는 ...입니다",
"made by ...", "...에서 개발한 AI"), so a recipe that mentions an LG fridge stays counted.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable

from sqlalchemy.orm import Session

from anti_abuse import queries
from anti_abuse.self_reference import self_identifying
from app.models import User
from voting.queries import VoteTarget

REASON = "identity_leak"
LEXICON_FILE = Path(__file__).with_name("identity_lexicon.json")

_LATIN, _HANGUL = "A-Za-z0-9", "가-힣"
# Syllables a Korean particle or copula starts with: "솔라입니다" names Solar, "솔라시스템" does not.
_PARTICLE_START = "이가은는을를의에와과로으도만야예라입께처보부까랑하"
_SENTENCES = re.compile(r"(?<=[.!?。])\s+|\n+")


def normalise(text: str) -> str:
    """Full-width and compatibility forms folded (NFKC), invisible format characters dropped."""
    return "".join(ch for ch in unicodedata.normalize("NFKC", text) if unicodedata.category(ch) != "Cf")


@dataclass(frozen=True)
class IdentityLexicon:
    """Names that give a model away: `distinctive` count anywhere, `contextual` only when self-identifying."""

    version: int
    distinctive: tuple[str, ...]
    contextual: tuple[str, ...]

    def with_names(self, names: Iterable[str]) -> IdentityLexicon:
        """This lexicon plus names from the database; a curated entry keeps its own kind."""
        known = {_fold(t) for t in self.distinctive + self.contextual}
        distinctive, contextual = list(self.distinctive), list(self.contextual)
        for name in names:
            # The name as stored and without a parenthesised note: "EXAONE (데모)" -> "EXAONE".
            for variant in dict.fromkeys((name.strip(), re.sub(r"\s*[(\[（].*?[)\]）]", "", name).strip())):
                key = _fold(variant)
                if len(key) < 2 or key in known:
                    continue
                known.add(key)
                # An identifier-like or long name is never an ordinary word; a short plain one may be.
                (distinctive if re.search(r"\d", key) or len(key) >= 8 else contextual).append(variant)
        return IdentityLexicon(self.version, tuple(distinctive), tuple(contextual))


def _fold(term: str) -> str:
    return re.sub(r"[\s\-]+", "", normalise(term)).casefold()


def load_lexicon(path: Path = LEXICON_FILE) -> IdentityLexicon:
    """The curated lexicon from its JSON file."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return IdentityLexicon(int(data["version"]), tuple(data["distinctive"]), tuple(data["contextual"]))


LEXICON = load_lexicon()
LEXICON_VERSION = LEXICON.version


def _kind(ch: str) -> str:
    return "latin" if re.match(f"[{_LATIN}]", ch) else "hangul" if re.match(f"[{_HANGUL}]", ch) else "other"


def _term_pattern(term: str) -> str:
    """A name as a regex: spaces or hyphens inside it optional, whole-word at Latin edges, Korean
    particles allowed after it."""
    term = re.sub(r"[\s\-]+", " ", normalise(term).strip())
    parts, prev = [], ""
    for ch in term:
        if ch == " ":
            parts.append(r"[\s\-]*")
        else:
            if prev and prev != " " and {_kind(prev), _kind(ch)} == {"latin", "hangul"}:
                parts.append(r"[\s\-]*")
            parts.append(re.escape(ch))
        prev = ch
    lead = {"latin": f"(?<![{_LATIN}])", "hangul": f"(?<![{_HANGUL}])"}.get(_kind(term[0]), "")
    tail = {"latin": f"(?![{_LATIN}])", "hangul": f"(?![{_HANGUL}])|(?=[{_PARTICLE_START}])"}.get(_kind(term[-1]), "")
    return f"{lead}(?:{''.join(parts)})(?:{tail})" if tail else f"{lead}(?:{''.join(parts)})"


@lru_cache(maxsize=512)
def _pattern(terms: tuple[str, ...]) -> re.Pattern:
    # Longest first, so "LG AI Research" wins over "LG" at the same place.
    ordered = sorted(terms, key=lambda t: len(_fold(t)), reverse=True)
    return re.compile("|".join(_term_pattern(t) for t in ordered), re.I)


@lru_cache(maxsize=32)
def _folded(terms: tuple[str, ...]) -> tuple[tuple[str, str], ...]:
    return tuple((t, _fold(t)) for t in terms if _fold(t))


def _present(terms: tuple[str, ...], folded_text: str) -> re.Pattern | None:
    """A pattern of just the terms that can occur in the text: a cheap substring test first keeps
    the regex small (a long answer and a long lexicon would otherwise cost a scan per term)."""
    present = tuple(t for t, key in _folded(terms) if key in folded_text)
    return _pattern(present) if present else None


def find_identity_leak(answers: Iterable[str], lexicon: IdentityLexicon) -> str | None:
    """The first name in `answers` that gives a model away, or None."""
    for answer in answers:
        text = normalise(answer)
        folded = _fold(text)
        distinctive = _present(lexicon.distinctive, folded)
        if distinctive is not None and (hit := distinctive.search(text)):
            return hit.group(0)
        contextual = _present(lexicon.contextual, folded)
        if contextual is None:
            continue
        for sentence in _SENTENCES.split(text):
            for hit in contextual.finditer(sentence):
                if self_identifying(sentence, hit.start(), hit.end()):
                    return hit.group(0)
    return None


def identity_leak_check(session: Session, target: VoteTarget, user: User) -> str | None:
    """`identity_leak` when any answer of the battle (both sides, every turn) names a model, team or maker."""
    lexicon = LEXICON.with_names(queries.contest_names(session))
    return REASON if find_identity_leak(queries.battle_answers(session, target.battle_id), lexicon) else None
