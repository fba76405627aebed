"""The language of a battle's prompt, for the leaderboard by prompt language. Pure; no Flask, no SQL.

A curated prompt's declared language is taken as it is (the ministry wrote it). A citizen's own prompt
is classified by its letters: Korean when at least a fifth of them are Hangul (a Korean prompt often
quotes English words or code, and a Hangul syllable carries a whole syllable), English when nearly all
of them are Latin, "other" otherwise (other scripts, mixed text, or no letters at all). The language
is decided once, when the vote is stored, and kept on the vote: the live board, the rebuild from SQL
and SQL itself all read that one stored value.
"""
from __future__ import annotations

KOREAN, ENGLISH, OTHER = "ko", "en", "other"
BOARD_LANGUAGES = (KOREAN, ENGLISH)  # the prompt languages a board can be filtered by
HANGUL_SHARE = 0.2
LATIN_SHARE = 0.9


def _is_hangul(ch: str) -> bool:
    code = ord(ch)
    return 0xAC00 <= code <= 0xD7A3 or 0x1100 <= code <= 0x11FF or 0x3130 <= code <= 0x318F


def detect_language(text: str) -> str:
    """"ko", "en" or "other" from the share of Hangul and Latin letters in `text`."""
    letters = hangul = latin = 0
    for ch in text:
        if not ch.isalpha():
            continue
        letters += 1
        if _is_hangul(ch):
            hangul += 1
        elif ch.isascii():
            latin += 1
    if not letters:
        return OTHER
    if hangul / letters >= HANGUL_SHARE:
        return KOREAN
    if latin / letters >= LATIN_SHARE:
        return ENGLISH
    return OTHER


def prompt_language(declared: str | None, text: str | None) -> str:
    """A curated prompt's declared language (normalised to ko/en/other), else the text's."""
    if declared:
        tag = declared.strip().lower().split("-")[0]
        return tag if tag in BOARD_LANGUAGES else OTHER
    return detect_language(text or "")
