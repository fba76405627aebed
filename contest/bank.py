"""Import of JSON Lines files: the curated prompt pool and the response bank.

A file is validated whole first; any bad line rejects it with line numbers and imports nothing.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import IO, Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest import queries
from contest.models import SLUG, BankAnswer, Model, Prompt

MAX_ANSWER_CHARS = 20_000
MAX_SAMPLE = 1000
# Samples wanted per (prompt, model) unless the caller says otherwise (config BANK_MIN_SAMPLES).
DEFAULT_MIN_SAMPLES = 3
BANK_FIELDS = {"prompt_id", "model", "answer", "sample"}
MAX_PROMPT_CHARS = 2_000
LANGUAGES = ("ko", "en")
# A category as a round names it: any other spelling could never be drawn.
CATEGORY = re.compile(SLUG)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)
    # (prompt id, model slug, samples held) for pairs below the minimum, in prompt then slug order.
    short: list[tuple[str, str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


class BankRow(NamedTuple):
    prompt_id: str
    model_id: int
    sample: int
    answer: str


class ImportRejected(Exception):
    """The file had bad lines; nothing was imported."""

    def __init__(self, errors: list[str]):
        super().__init__(f"{len(errors)} bad line(s)")
        self.errors = errors


def _reject_if_any(errors: list[str]) -> None:
    """Raise ImportRejected with the errors in line order."""
    if errors:
        errors.sort(key=lambda e: int(e.split(":")[0].removeprefix("line ")))
        raise ImportRejected(errors)


def _records(stream: IO[str], errors: list[str]) -> list[tuple[int, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(stream, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            errors.append(f"line {number}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(obj, dict):
            errors.append(f"line {number}: expected a JSON object")
            continue
        rows.append((number, obj))
    return rows


def _text(obj: dict, key: str, limit: int, number: int, errors: list[str]) -> str | None:
    value = obj.get(key)
    if not isinstance(value, str) or not value.strip():
        errors.append(f"line {number}: '{key}' must be a non-empty string")
        return None
    if len(value) > limit:
        errors.append(f"line {number}: '{key}' is longer than {limit} characters")
        return None
    return value


def _sample(obj: dict, number: int, errors: list[str]) -> int | None:
    value = obj.get("sample", 1)
    # bool is an int in Python; `true` is not a sample number.
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_SAMPLE:
        errors.append(f"line {number}: 'sample' must be a positive integer (at most {MAX_SAMPLE})")
        return None
    return value


def _bank_row(obj: dict, number: int, errors: list[str]) -> tuple[str, str, int, str] | None:
    unknown = set(obj) - BANK_FIELDS
    if unknown:
        errors.append(f"line {number}: unknown field(s) {', '.join(sorted(unknown))}")
        return None
    prompt_id = _text(obj, "prompt_id", 40, number, errors)
    slug = _text(obj, "model", 60, number, errors)
    answer = _text(obj, "answer", MAX_ANSWER_CHARS, number, errors)
    sample = _sample(obj, number, errors)
    if prompt_id is None or slug is None or answer is None or sample is None:
        return None
    return prompt_id, slug, sample, answer


def parse_bank(session: Session, stream: IO[str]) -> list[BankRow]:
    """Validate a bank file: prompt_id, model slug, answer and optional sample (default 1) per line;
    each (prompt, model, sample) once."""
    errors: list[str] = []
    prompts = set(session.scalars(select(Prompt.id)))
    models = {m.slug: m.id for m in session.scalars(select(Model))}
    seen: dict[tuple[str, str, int], int] = {}
    rows = []
    for number, obj in _records(stream, errors):
        row = _bank_row(obj, number, errors)
        if row is None:
            continue
        prompt_id, slug, sample, answer = row
        if prompt_id not in prompts:
            errors.append(f"line {number}: unknown prompt_id {prompt_id!r}")
        elif slug not in models:
            errors.append(f"line {number}: unknown model {slug!r}")
        elif (prompt_id, slug, sample) in seen:
            errors.append(f"line {number}: duplicate of line {seen[(prompt_id, slug, sample)]} "
                          f"for {prompt_id}/{slug} sample {sample}")
        else:
            seen[(prompt_id, slug, sample)] = number
            rows.append(BankRow(prompt_id, models[slug], sample, answer))
    _reject_if_any(errors)
    return rows


def import_bank(session: Session, stream: IO[str], *, demo: bool = False,
                min_samples: int = DEFAULT_MIN_SAMPLES) -> ImportReport:
    """Validate then upsert bank answers; the caller commits. Raises ImportRejected.

    The report lists every active (prompt, bank model) pair holding fewer than `min_samples`
    answers after the import: reported, not refused (a round may still use the others).
    """
    rows = parse_bank(session, stream)
    existing = {(a.prompt_id, a.model_id, a.sample): a for a in session.scalars(select(BankAnswer))}
    report = ImportReport()
    for row in rows:
        current = existing.get((row.prompt_id, row.model_id, row.sample))
        if current is None:
            session.add(BankAnswer(prompt_id=row.prompt_id, model_id=row.model_id, sample=row.sample,
                                   text=row.answer, is_demo=demo))
            report.created += 1
        elif current.text != row.answer or current.is_demo != demo:
            current.text, current.is_demo = row.answer, demo
            report.updated += 1
    session.flush()
    report.short = queries.short_bank_pairs(session, min_samples)
    return report


def parse_prompts(stream: IO[str]) -> list[dict[str, str]]:
    """Validate a prompt pool file: id, language, category, text per line."""
    errors: list[str] = []
    seen: dict[str, int] = {}
    rows = []
    for number, obj in _records(stream, errors):
        pid = _text(obj, "id", 40, number, errors)
        lang = _text(obj, "language", 8, number, errors)
        category = _text(obj, "category", 40, number, errors)
        text = _text(obj, "text", MAX_PROMPT_CHARS, number, errors)
        if None in (pid, lang, category, text):
            continue
        if lang not in LANGUAGES:
            errors.append(f"line {number}: language must be one of {', '.join(LANGUAGES)}")
        elif not CATEGORY.fullmatch(category):
            errors.append(f"line {number}: category {category!r} must be lowercase letters, digits, - and _ "
                          "(as rounds name their categories)")
        elif pid in seen:
            errors.append(f"line {number}: duplicate id {pid!r} (first on line {seen[pid]})")
        else:
            seen[pid] = number
            rows.append({"id": pid, "language": lang, "category": category, "text": text})
    _reject_if_any(errors)
    return rows


def import_prompts(session: Session, stream: IO[str]) -> ImportReport:
    """Validate then upsert curated prompts; the caller commits. Raises ImportRejected."""
    rows = parse_prompts(stream)
    report = ImportReport()
    for row in rows:
        prompt = session.get(Prompt, row["id"])
        if prompt is None:
            session.add(Prompt(**row))
            report.created += 1
        elif (prompt.language, prompt.category, prompt.text) != (row["language"], row["category"], row["text"]):
            prompt.language, prompt.category, prompt.text = row["language"], row["category"], row["text"]
            report.updated += 1
    return report
