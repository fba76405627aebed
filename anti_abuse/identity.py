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
from app.models import User
from voting.queries import VoteTarget

REASON = "identity_leak"
LEXICON_FILE = Path(__file__).with_name("identity_lexicon.json")

_LATIN, _HANGUL = "A-Za-z0-9", "가-힣"
# Syllables a Korean particle or copula starts with: "솔라입니다" names Solar, "솔라시스템" does not.
_PARTICLE_START = "이가은는을를의에와과로으도만야예라입께처보부까랑하"
_MAKERS = r"made|developed|built|trained|created|designed|powered|produced|programmed|fine-?tuned"
_EN_FILLER = (r"an?|the|your|called|named|known|as|ai|assistant|model|language|large|chatbot|llm|from|by|of|"
              + _MAKERS + r"|helpful|friendly|virtual|korean|version|here")
# "I am [an AI assistant from] X": only filler words between the self-reference and the name.
_EN_SELF = re.compile(rf"\b(?:I\s+am|I['’]m|my\s+name\s+is|call\s+me|I\s+was|I['’]ve\s+been|I\s+have\s+been)"
                      rf"(?:[\s,]+(?:{_EN_FILLER}))*[\s,]*$", re.I)
# "[I / the model] was trained by [the team at] X", said by someone speaking as "I".
_EN_MAKER = re.compile(rf"\b(?:I|I['’]m|me|model|assistant|AI|chatbot|LLM|bot)\s+(?:(?:was|am|is|have\s+been|"
                       rf"['’]ve\s+been)\s+)?(?:{_MAKERS})\s+by\s+(?:the\s+)?(?:(?:team|researchers|engineers|"
                       rf"people)\s+(?:at|of|from)\s+)?$", re.I)
_EN_FIRST_PERSON = re.compile(r"\b(?:I|I['’]m|me|my)\b", re.I)
_KO_SELF = re.compile(r"(?<![가-힣])(?:저는|저도|저를|제가|나는|난|전|제\s*이름은|저의\s*이름은|내\s*이름은)(?![가-힣])")
_KO_COPULA = re.compile(r"\s*(?:입니다|이에요|예요|이야|야|이고|이며|랍니다|이랍니다|라고|이라고|임)")
_KO_SELF_NOUN = r"(?:AI|인공지능|언어\s*모델|모델|어시스턴트|챗봇|비서|에이전트|LLM)"
_KO_MAKER = re.compile(r"\s*(?:에서|이|가|의|팀이|팀에서)?\s*(?:개발|만든|만들|학습|훈련|제작|설계|출시)"
                       rf"[^.!?\n]{{0,15}}?{_KO_SELF_NOUN}", re.I)
_KO_OF = re.compile(rf"\s*(?:의|에서\s*나온|에서\s*온)\s*{_KO_SELF_NOUN}", re.I)
_KO_TOPIC = re.compile(r"[가-힣A-Za-z0-9](?:은|는)\s")  # "제미나이는 구글이 만든 AI": about another model
_GREETING_ONLY = re.compile(r"^[\W_]*(?:(?:안녕하세요|안녕|반갑습니다|hi|hello)[\W_]*)?$", re.I)
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
            for variant in {name.strip(), re.sub(r"\s*[(\[（].*?[)\]）]", "", name).strip()}:
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


@lru_cache(maxsize=32)
def _compiled(lexicon: IdentityLexicon) -> tuple[re.Pattern | None, re.Pattern | None]:
    def alternation(terms: tuple[str, ...]) -> re.Pattern | None:
        ordered = sorted({t for t in terms if t.strip()}, key=lambda t: len(_fold(t)), reverse=True)
        return re.compile("|".join(_term_pattern(t) for t in ordered), re.I) if ordered else None
    return alternation(lexicon.distinctive), alternation(lexicon.contextual)


def _self_identifying(sentence: str, start: int, end: int) -> bool:
    """Whether the name at sentence[start:end] is said of the speaker itself."""
    before, after = sentence[:start], sentence[end:]
    if _EN_SELF.search(before) or (_EN_MAKER.search(before) and _EN_FIRST_PERSON.search(before)):
        return True
    ko_self = _KO_SELF.search(before) is not None
    if _KO_COPULA.match(after) and (ko_self or _GREETING_ONLY.match(before)):
        return True
    if ko_self and _KO_OF.match(after):
        return True
    return bool(_KO_MAKER.match(after)) and (ko_self or not _KO_TOPIC.search(before))


def find_identity_leak(answers: Iterable[str], lexicon: IdentityLexicon) -> str | None:
    """The first name in `answers` that gives a model away, or None."""
    distinctive, contextual = _compiled(lexicon)
    for answer in answers:
        text = normalise(answer)
        if distinctive is not None and (hit := distinctive.search(text)):
            return hit.group(0)
        if contextual is None:
            continue
        for sentence in _SENTENCES.split(text):
            for hit in contextual.finditer(sentence):
                if _self_identifying(sentence, hit.start(), hit.end()):
                    return hit.group(0)
    return None


def identity_leak_check(session: Session, target: VoteTarget, user: User) -> str | None:
    """`identity_leak` when any answer of the battle (both sides, every turn) names a model, team or maker."""
    lexicon = LEXICON.with_names(queries.contest_names(session))
    return REASON if find_identity_leak(queries.battle_answers(session, target.battle_id), lexicon) else None
