"""Display names: normalised, compared by a confusable skeleton, and kept away from reserved words.

Display names now appear to moderators and in the queue, so "운영자", "ａｄｍｉｎ" or "аdmin" (a
Cyrillic а) must not pass for staff, and "EXAONE_fan" must not pass for a team.

Decisions:
- A name is 2 to 20 characters after normalising (NFKC, invisible and control characters dropped,
  spaces collapsed), and holds at least one letter or digit.
- Reserved words are compared on skeletons, so look-alikes count: full width, Cyrillic and Greek
  homoglyphs, accents, 0 for o, 1/I/| for l, "rn" for m, zero-width characters, Hangul written in
  loose compatibility jamo ("ㄱㅘㄴㄹㅣㅈㅏ").
- Korean reserved words count as substrings of the Hangul in the name ("공식운영자", "김 관리자", "운.영.자"):
  Korean has no spaces inside compounds to lean on. Latin ones count on token boundaries ("admin_kim",
  "mod-kim", "AdminKim" split at its capital), so "modern", "rooted" and "badminton" stay free; a word of
  five letters or more also counts glued to the start or end of a token ("adminkim", "realofficial"),
  at the price of refusing the odd "ecosystem".
- Uniqueness is by `skeleton(name)`: the caller stores it with the name and refuses a second account
  whose skeleton is taken.

Public API (pure):
    normalise_display_name(raw) -> str
    skeleton(name) -> str
    check_display_name(raw, reserved_extra=()) -> NameCheck
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Iterable

from app.catalog_text import say

MIN_CHARS, MAX_CHARS = 2, 20
RESERVED_KO = ("운영자", "관리자", "운영팀", "과기부", "과학기술정보통신부", "공식", "심사위원")
RESERVED_LATIN = ("admin", "administrator", "mod", "moderator", "staff", "official", "system", "root")
_GLUED_MIN = 5  # Latin reserved words this long also count glued to a token's start or end


# Look-alikes folded to one Latin letter (after casefold and accent stripping).
_CONFUSABLES = str.maketrans({
    "а": "a", "е": "e", "ё": "e", "о": "o", "р": "p", "с": "c", "у": "y", "х": "x", "і": "l", "ї": "l", "ј": "j",
    "ѕ": "s", "ԁ": "d", "һ": "h", "ԛ": "q", "ԝ": "w", "к": "k", "м": "m", "т": "t", "в": "b", "н": "h", "ь": "b",
    "п": "n", "г": "r", "ӏ": "l",
    "α": "a", "β": "b", "ε": "e", "η": "n", "ι": "l", "κ": "k", "μ": "u", "ν": "v", "ο": "o", "ρ": "p", "τ": "t",
    "υ": "u", "χ": "x", "ω": "w", "ς": "c", "σ": "o", "ϲ": "c",
    "0": "o", "1": "l", "i": "l", "|": "l", "ı": "l",
})
# Capitals that look like a different Latin letter than their lower case does (Greek Ν is N, ν is v).
_CONFUSABLE_CAPITALS = str.maketrans({
    "Α": "a", "Β": "b", "Ε": "e", "Ζ": "z", "Η": "h", "Ι": "l", "Κ": "k", "Μ": "m", "Ν": "n", "Ο": "o", "Ρ": "p",
    "Τ": "t", "Υ": "y", "Χ": "x", "А": "a", "В": "b", "Е": "e", "К": "k", "М": "m", "Н": "h", "О": "o", "Р": "p",
    "С": "c", "Т": "t", "Х": "x", "І": "l", "Ј": "j", "Ѕ": "s", "Ү": "y",
})
_MULTI = (("rn", "m"), ("vv", "w"))
_COMPAT_CHO = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_COMPAT_JONG = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")  # Hangul fillers: letters that show nothing


@dataclass(frozen=True)
class NameCheck:
    """The verdict on a display name: the normalised name and its skeleton, or an error with its message key."""

    ok: bool
    name: str
    skeleton: str
    error: str | None = None  # too_short, too_long, no_letters, reserved
    key: str | None = None  # "name.<error>"
    matched: str | None = None  # the reserved word it reads as

    def message(self, lang: str = "ko") -> str | None:
        """The error's message in `lang` ('ko' or 'en'), or None when the name is fine."""
        if self.key is None:
            return None
        return say("anti_abuse", self.key, lang, matched=self.matched, min=MIN_CHARS, max=MAX_CHARS)


def normalise_display_name(raw: str) -> str:
    """NFKC, control/format characters and Hangul fillers dropped, spaces trimmed and collapsed.
    Length is not enforced here: `check_display_name` reports it."""
    text = unicodedata.normalize("NFKC", raw)
    kept = []
    for ch in text:
        cat = unicodedata.category(ch)
        if ch in _INVISIBLE_LETTERS or cat in ("Cf", "Co", "Cs", "Cn"):
            continue
        kept.append(" " if cat in ("Cc", "Zs", "Zl", "Zp") else ch)
    return re.sub(r"\s+", " ", "".join(kept)).strip()


def _compose_jamo(text: str) -> str:
    """Loose jamo ("ㄱㅘㄴ") composed into the syllables a reader sees ("관"). NFKC has already joined
    each consonant-vowel pair into a syllable and left a trailing consonant as a lone initial (U+1100+):
    that one joins the syllable before it unless a vowel follows it."""
    text = "".join(_COMPAT_CHO[ord(ch) - 0x1100] if 0x1100 <= ord(ch) <= 0x1112 else ch for ch in text)
    out: list[str] = []
    for i, ch in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        prev = out[-1] if out else ""
        open_syllable = bool(prev) and 0xAC00 <= ord(prev) <= 0xD7A3 and (ord(prev) - 0xAC00) % 28 == 0
        if open_syllable and ch in _COMPAT_JONG and ch != " " and not ("\u1161" <= nxt <= "\u1175"):
            out[-1] = chr(ord(prev) + _COMPAT_JONG.index(ch))
        else:
            out.append(ch)
    return "".join(out)


def _folded(name: str) -> str:
    """The name as a reader sees it: accents stripped, case folded, look-alikes mapped, jamo composed;
    separators still in place (token boundaries need them)."""
    text = normalise_display_name(name)
    text = re.sub(r"(?<=[a-z])(?=[A-Z])", " ", text)  # camelCase: "AdminKim" is two words
    decomposed = unicodedata.normalize("NFKD", text)
    text = unicodedata.normalize("NFC", "".join(ch for ch in decomposed if unicodedata.category(ch) != "Mn"))
    text = text.translate(_CONFUSABLE_CAPITALS).casefold().translate(_CONFUSABLES)
    for pair, single in _MULTI:
        text = text.replace(pair, single)
    return _compose_jamo(text)


def skeleton(name: str) -> str:
    """The confusable skeleton two names share when they look alike; store it to keep names unique."""
    return "".join(ch for ch in _folded(name) if ch.isalnum())


def _latin_pattern(word: str) -> re.Pattern:
    """A Latin reserved word on token boundaries; a long one also glued to a token's start or end."""
    key = skeleton(word)
    if len(key) >= _GLUED_MIN:
        return re.compile(rf"(?<![a-z]){key}|{key}(?![a-z])")
    return re.compile(rf"(?<![a-z]){key}(?![a-z])")


def _reserved_hit(folded: str, reserved: Iterable[str]) -> str | None:
    """The first reserved word the folded name reads as: Hangul words as substrings of its Hangul,
    Latin words on token boundaries, mixed names ("LG AI연구원", "GPT-4") as substrings of its skeleton."""
    hangul = re.sub(r"[^가-힣]", "", folded)
    latin = re.sub(r"[^a-z]+", " ", folded)  # digits, Hangul and separators all end a Latin token
    latin = re.sub(r"(?<![a-z])([a-z]) (?=[a-z](?![a-z]))", r"\1", latin)  # spelled out: "s.t.a.f.f", "A.X"
    whole = "".join(ch for ch in folded if ch.isalnum())
    for word in reserved:
        key = skeleton(word)
        if len(key) < 2:
            continue
        if re.fullmatch(r"[가-힣]+", key):
            found = key in hangul
        elif re.fullmatch(r"[a-z]+", key):
            found = whole == key or bool(_latin_pattern(word).search(latin))
        else:
            found = key in whole
        if found:
            return word
    return None


def check_display_name(raw: str, reserved_extra: Iterable[str] = ()) -> NameCheck:
    """Whether `raw` may be a display name; `reserved_extra` adds the contest's team and model names."""
    name = normalise_display_name(raw)
    key = skeleton(name)
    if len(name) < MIN_CHARS:
        return NameCheck(False, name, key, "too_short", "name.too_short")
    if len(name) > MAX_CHARS:
        return NameCheck(False, name, key, "too_long", "name.too_long")
    if not any(ch.isalnum() for ch in name):
        return NameCheck(False, name, key, "no_letters", "name.no_letters")
    hit = _reserved_hit(_folded(name), (*RESERVED_KO, *RESERVED_LATIN, *reserved_extra))
    if hit is not None:
        return NameCheck(False, name, key, "reserved", "name.reserved", hit)
    return NameCheck(True, name, key)
