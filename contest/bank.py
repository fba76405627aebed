"""Import of JSON Lines files: the curated prompt pool and the response bank.

A file is validated whole first; any bad line rejects it with line numbers and imports nothing.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contest.models import BankAnswer, Model, Prompt

MAX_ANSWER_CHARS = 20_000
MAX_PROMPT_CHARS = 2_000
LANGUAGES = ("ko", "en")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors


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


def parse_bank(session: Session, stream: IO[str]) -> list[tuple[str, int, str]]:
    """Validate a bank file: (prompt_id, model slug, answer) per line, each pair once."""
    errors: list[str] = []
    prompts = set(session.scalars(select(Prompt.id)))
    models = {m.slug: m.id for m in session.scalars(select(Model))}
    seen: dict[tuple[str, str], int] = {}
    rows = []
    for number, obj in _records(stream, errors):
        unknown = set(obj) - {"prompt_id", "model", "answer"}
        if unknown:
            errors.append(f"line {number}: unknown field(s) {', '.join(sorted(unknown))}")
            continue
        prompt_id = _text(obj, "prompt_id", 40, number, errors)
        slug = _text(obj, "model", 60, number, errors)
        answer = _text(obj, "answer", MAX_ANSWER_CHARS, number, errors)
        if prompt_id is None or slug is None or answer is None:
            continue
        if prompt_id not in prompts:
            errors.append(f"line {number}: unknown prompt_id {prompt_id!r}")
        elif slug not in models:
            errors.append(f"line {number}: unknown model {slug!r}")
        elif (prompt_id, slug) in seen:
            errors.append(f"line {number}: duplicate of line {seen[(prompt_id, slug)]} for {prompt_id}/{slug}")
        else:
            seen[(prompt_id, slug)] = number
            rows.append((prompt_id, models[slug], answer))
    _reject_if_any(errors)
    return rows


def import_bank(session: Session, stream: IO[str], *, demo: bool = False) -> ImportReport:
    """Validate then upsert bank answers; the caller commits. Raises ImportRejected."""
    rows = parse_bank(session, stream)
    existing = {(a.prompt_id, a.model_id): a for a in session.scalars(select(BankAnswer))}
    report = ImportReport()
    for prompt_id, model_id, answer in rows:
        current = existing.get((prompt_id, model_id))
        if current is None:
            session.add(BankAnswer(prompt_id=prompt_id, model_id=model_id, text=answer, is_demo=demo))
            report.created += 1
        elif current.text != answer or current.is_demo != demo:
            current.text, current.is_demo = answer, demo
            report.updated += 1
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
