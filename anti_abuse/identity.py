"""Identity-leak detection: an answer that names its own model, team or maker unblinds the battle.

The lexicon is data (anti_abuse/lexicons/v<N>.json built in, later versions edited by the ministry) plus the names stored in the database. A name
counts only where the answer speaks of itself ("I am ...", "저는 ...입니다", "made by ...",
"...에서 개발한 AI입니다") or signs with it ("— EXAONE", "[EXAONE]", "EXAONE:" opening the answer):
public brands are named all the time in plain answers about AI, and dropping those votes would bias
the board against whichever models get AI questions.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator

from anti_abuse.self_reference import self_identifying, signed
from app.text import visible

REASON = "identity_leak"
LEXICON_DIR = Path(__file__).with_name("lexicons")  # the built-in versions, v1.json, v2.json, ...
BUILTIN_VERSIONS = tuple(sorted(int(p.stem[1:]) for p in LEXICON_DIR.glob("v*.json")))
LEXICON_FILE = LEXICON_DIR / f"v{BUILTIN_VERSIONS[-1]}.json"  # the newest built-in version

_LATIN, _HANGUL = "A-Za-z0-9", "가-힣"
_SEPARATORS = r"[\s\-:.]"  # folded inside a name: "Mi:dm", "Mi-dm", "Mi dm" and "Midm" are one name
# Syllables a Korean particle or copula starts with: "솔라입니다" names Solar, "솔라시스템" does not.
_PARTICLE_START = "이가은는을를의에와과로으도만야예라입께처보부까랑하"
_SENTENCES = re.compile(r"(?<=[.!?。])\s+|\n+")
# Trailing tokens of a stored name that say which build, not which model: "VARCO 2.0", "Bada v1.5 7B Chat".
_BUILD_TOKEN = re.compile(r"[\s\-_./:]+(?:v?\d+(?:[.x]\d+)*[bmk]?|instruct|it|chat|preview|base|beta|alpha|sft|dpo"
                          r"|rlhf|latest|demo|test|exp|hf)$", re.I)
# Words a model name may contain that name nothing by themselves.
_GENERIC = frozenset("model models demo chat chatbot assistant bot llm test team base instruct preview beta "
                     "korean korea large small mini lite plus open language official version 모델 팀 데모 챗봇".split())


def normalise(text: str) -> str:
    """Full-width and compatibility forms folded (NFKC), invisible format characters dropped."""
    return visible(text)


def _variants(name: str) -> Iterator[tuple[str, int]]:
    """A stored name and what else it goes by, each with the folded length it needs to count."""
    name = name.strip()
    yield name, 2
    bare = re.sub(r"\s*[(\[（].*?[)\]）]", "", name).strip()  # "EXAONE (데모)" -> "EXAONE"
    yield bare, 2
    short = bare.rsplit("/", 1)[-1]  # "LGAI-EXAONE/EXAONE-3.5" -> "EXAONE-3.5"
    while (cut := _BUILD_TOKEN.sub("", short)) != short:
        short = cut
    yield short, 3
    for piece in re.split(r"[\-_/]+", short):  # slug pieces: "nc-varco" -> "varco"
        yield piece, 4


@dataclass(frozen=True)
class IdentityLexicon:
    """Names that give a model away when an answer says them of itself."""

    version: int
    names: tuple[str, ...]

    def with_names(self, names: Iterable[str]) -> IdentityLexicon:
        """This lexicon plus names from the database and their unversioned forms and slug pieces."""
        known = {_fold(t) for t in self.names}
        added = []
        for name in names:
            for variant, shortest in _variants(name):
                key = _fold(variant)
                if len(key) < shortest or key in known or key in _GENERIC or key.isdigit():
                    continue
                known.add(key)
                added.append(variant)
        return IdentityLexicon(self.version, self.names + tuple(added))


def _fold(term: str) -> str:
    return re.sub(f"{_SEPARATORS}+", "", normalise(term)).casefold()


def load_lexicon(path: Path = LEXICON_FILE) -> IdentityLexicon:
    """A built-in lexicon from its JSON file (version 1 still split its names in two lists)."""
    data = json.loads(path.read_text(encoding="utf-8"))
    names = data["names"] if "names" in data else data["distinctive"] + data["contextual"]
    return IdentityLexicon(int(data["version"]), tuple(names))


LEXICON = load_lexicon()
LEXICON_VERSION = LEXICON.version


def _kind(ch: str) -> str:
    return "latin" if re.match(f"[{_LATIN}]", ch) else "hangul" if re.match(f"[{_HANGUL}]", ch) else "other"


def _term_pattern(term: str) -> str:
    """A name as a regex: separators inside it optional, whole-word at Latin edges, Korean particles
    allowed after it."""
    term = re.sub(f"{_SEPARATORS}+", " ", normalise(term)).strip()
    parts, prev = [], ""
    for ch in term:
        if ch == " ":
            parts.append(f"{_SEPARATORS}*")
        else:
            if prev and prev != " " and {_kind(prev), _kind(ch)} == {"latin", "hangul"}:
                parts.append(f"{_SEPARATORS}*")
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


@dataclass(frozen=True)
class TermHit:
    """A lexicon term found in a text: what the text says there, and where, in `normalise(text)`."""

    matched: str
    start: int
    end: int


def find_terms(text: str, terms: Iterable[str]) -> list[TermHit]:
    """Every term in `text` by the answer check's matching rules (case and full width folded, separators
    inside a term optional, whole word at Latin edges, a Korean particle allowed after a Korean term).
    Offsets refer to `normalise(text)`. Used by prompt screening and identity probes."""
    text = normalise(text)
    pattern = _present(tuple(terms), _fold(text))
    return [] if pattern is None else [TermHit(m.group(0), m.start(), m.end()) for m in pattern.finditer(text)]


def find_names(text: str, lexicon: IdentityLexicon) -> list[TermHit]:
    """Every name of the lexicon in `text`, wherever it stands (no self-reference needed)."""
    return find_terms(text, lexicon.names)


def find_identity_leak(answers: Iterable[str], lexicon: IdentityLexicon) -> str | None:
    """The first name in `answers` that an answer says of itself, or None."""
    for answer in answers:
        text = normalise(answer)
        names = _present(lexicon.names, _fold(text))
        if names is None:
            continue
        if hit := signed(text, names):
            return hit
        for sentence in _SENTENCES.split(text):
            for hit in names.finditer(sentence):
                if self_identifying(sentence, hit.start(), hit.end()):
                    return hit.group(0)
    return None
