"""Prompt screening: what a citizen typed is checked before any model sees it.

A prompt is refused (nothing of it is sent to a model) when it is too short or too long, holds
personal data (a phone number, a resident registration number, an e-mail address, a card number)
or a blocklisted term. Each finding says WHAT was found, masked, so the citizen can fix the prompt:
"전화번호로 보이는 내용(010-****-5678)이 있어 보낼 수 없습니다".

Decisions:
- A phone-shaped number inside arithmetic ("010-1234-5678 더하기 3은?") is still refused. The platform
  cannot tell a real number from an operand, the prompt is stored and shown to moderators, and no
  question needs an operand of exactly that shape (a leading 0, 10-11 digits, phone grouping): the
  citizen loses nothing by writing 1012345678 or 010 as a separate number. Numbers without a leading
  0, or too short to dial, pass.
- Resident registration numbers: six date digits (a real date: the 7th digit gives the century, 1-4
  for citizens, 5-8 for foreigners), then seven digits. The old checksum is NOT required: numbers
  issued since October 2020 end in random digits, and a rule that misses them would let the newest
  numbers through. The date check alone keeps "2024-05-01"-like and random 13-digit runs out.
- Card numbers: 13-19 digits, single spaces or hyphens between groups of at least 3 digits, passing
  the Luhn check; a 978/979 number with a valid ISBN-13 check digit is a book, not a card.
- Personal data is found on NFKC-folded text, so full-width digits ("０１０") count as digits.

Public API (pure: no Flask, no database):
    screen_prompt(text, policy=DEFAULT_POLICY) -> Screening
    Screening.ok, Screening.findings, Screening.messages(lang)
    message(finding, lang="ko") -> str; the texts are anti_abuse's catalog entries `screen.*`.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from anti_abuse.identity import find_terms
from app.catalog_text import say
from app.text import visible

BLOCKLIST_FILE = Path(__file__).with_name("blocklist.json")

# Separators people put inside numbers: hyphens and dashes of every width, dots, spaces.
_SEP = r"(?:\s*[\-\u2010-\u2015\u2212.\u1173\u3161~]\s*|\s)"  # "010 - 1234 - 5678", "010ㅡ1234ㅡ5678" too
_PHONE = re.compile(
    r"(?<![\d+])(?<!\d[-.])"  # not the tail of a longer number or a date
    r"(?P<area>"
    rf"(?:\+|00)82{_SEP}?(?:\(0\))?{_SEP}?(?:1[016789]|2|[3-6][1-5]|70)"  # +82 10-..., 0082-2-...
    r"|\(?0(?:1[016789]|2|[3-6][1-5]|70)\)?"  # 010, 02, 031, (02), 070
    r")"
    rf"{_SEP}?\d{{3,4}}{_SEP}?\d{{4}}"
    r"(?!\d)(?![-.]\d)"
)
_RRN = re.compile(rf"(?<![\d])(?<!\d[-.])(\d{{6}})(?:{_SEP}|\s*[-–]\s*)?([1-8]\d{{6}})(?!\d)(?![-.]\d)")
_CARD_RUN = re.compile(r"(?<![\d.,])\d+(?:[ \-]\d+)*(?![\d])(?![.,]\d)")
_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,24}(?![A-Za-z])")



@dataclass(frozen=True)
class ScreenPolicy:
    """Length bounds (characters after NFKC and trimming) and blocklisted terms."""

    min_chars: int = 2
    max_chars: int = 2000
    blocklist: tuple[str, ...] = ()
    blocklist_version: int = 0


@dataclass(frozen=True)
class ScreenFinding:
    """One reason to refuse: its kind, a masked excerpt of what was found, where, and its message key."""

    kind: str
    excerpt: str
    key: str
    start: int = 0
    end: int = 0
    limit: int | None = None


@dataclass(frozen=True)
class Screening:
    """The verdict on one prompt: it may be sent to a model only when there are no findings."""

    text: str
    findings: tuple[ScreenFinding, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.findings

    def messages(self, lang: str = "ko") -> list[str]:
        """One rendered message per finding, in the citizen's language."""
        return [message(f, lang) for f in self.findings]


def load_policy(path: Path = BLOCKLIST_FILE, **bounds: int) -> ScreenPolicy:
    """The curated blocklist from its JSON file, with default (or given) length bounds."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return ScreenPolicy(blocklist=tuple(data["terms"]), blocklist_version=int(data["version"]), **bounds)


DEFAULT_POLICY = load_policy()


def message(finding: ScreenFinding, lang: str = "ko") -> str:
    """The finding's message in `lang` ('ko' or 'en'; anything else gets Korean)."""
    return say("anti_abuse", finding.key, lang, excerpt=finding.excerpt, limit=finding.limit)


def _mask(span: str, head: int, tail: int) -> str:
    """Digits masked with '*' except the first `head` and the last `tail`; separators kept."""
    total = sum(ch.isdigit() for ch in span)
    out, seen = [], 0
    for ch in span:
        if ch.isdigit():
            seen += 1
            out.append(ch if seen <= head or seen > total - tail else "*")
        else:
            out.append(ch)
    return "".join(out)


def _luhn(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _isbn13(digits: str) -> bool:
    if len(digits) != 13 or digits[:3] not in ("978", "979"):
        return False
    return sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(digits)) % 10 == 0


def _rrn_date_ok(date: str, code: str) -> bool:
    """YYMMDD is a real date in the century the 7th digit gives (1,2,5,6: 1900s; 3,4,7,8: 2000s)."""
    century = 1900 if code in "1256" else 2000
    try:
        dt.date(century + int(date[:2]), int(date[2:4]), int(date[4:]))
    except ValueError:
        return False
    return True


def _phones(text: str) -> Iterator[ScreenFinding]:
    for m in _PHONE.finditer(text):
        area = sum(ch.isdigit() for ch in m.group("area"))  # the area or carrier code stays readable
        yield ScreenFinding("phone", _mask(m.group(0), area, 4), "screen.phone", m.start(), m.end())


def _rrns(text: str) -> Iterator[ScreenFinding]:
    for m in _RRN.finditer(text):
        if _rrn_date_ok(m.group(1), m.group(2)[0]):
            yield ScreenFinding("rrn", _mask(m.group(0), 2, 0), "screen.rrn", m.start(), m.end())


def _cards(text: str) -> Iterator[ScreenFinding]:
    """Card numbers inside runs of digit groups: windows of whole groups holding 13-19 digits, every
    group of a multi-group window at least 3 digits long ("2024 05 01 ..." is not a card)."""
    for run in _CARD_RUN.finditer(text):
        groups = [(g.start(), g.end(), g.group(0)) for g in re.finditer(r"\d+", run.group(0))]
        for i, (first, _, _) in enumerate(groups):
            digits = ""
            for j in range(i, len(groups)):
                piece = groups[j][2]
                if len(piece) < 3 and (j > i or len(piece) < 13):
                    break  # every longer window would hold this short group too
                digits += piece
                if len(digits) > 19:
                    break
                if len(digits) >= 13 and _luhn(digits) and not _isbn13(digits):
                    start, end = run.start() + first, run.start() + groups[j][1]
                    yield ScreenFinding("card", _mask(text[start:end], 0, 4), "screen.card", start, end)
                    break


def _emails(text: str) -> Iterator[ScreenFinding]:
    for m in _EMAIL.finditer(text):
        local, domain = m.group(0).split("@", 1)
        yield ScreenFinding("email", f"{local[0]}***@{domain}", "screen.email", m.start(), m.end())


def _blocked(text: str, terms: tuple[str, ...]) -> Iterator[ScreenFinding]:
    for hit in find_terms(text.casefold(), [t.casefold() for t in terms]):
        yield ScreenFinding("blocked", hit.matched, "screen.blocked", hit.start, hit.end)


def _personal(text: str) -> list[ScreenFinding]:
    """Personal data, one finding per place: an e-mail first (its digits are not a phone), then a
    registration number (13 digits that are also a card run), a card, a phone."""
    kept: list[ScreenFinding] = []
    for finder in (_emails, _rrns, _cards, _phones):
        for found in finder(text):
            if all(found.end <= k.start or found.start >= k.end for k in kept):
                kept.append(found)
    return sorted(kept, key=lambda f: f.start)


def screen_prompt(text: str, policy: ScreenPolicy = DEFAULT_POLICY) -> Screening:
    """Every reason to refuse `text` (empty when it may be sent): length, personal data, blocklist."""
    folded = visible(text).strip()
    findings: list[ScreenFinding] = []
    if len(folded) < policy.min_chars:
        findings.append(ScreenFinding("too_short", str(len(folded)), "screen.too_short", limit=policy.min_chars))
    elif len(folded) > policy.max_chars:
        findings.append(ScreenFinding("too_long", str(len(folded)), "screen.too_long", limit=policy.max_chars))
    findings += _personal(folded)
    if policy.blocklist:
        findings += _blocked(folded, policy.blocklist)
    return Screening(text, tuple(findings))
