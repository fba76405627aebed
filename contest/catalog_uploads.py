"""Prompt pool and response bank uploads from the console: the CLI imports' validation, plus the audit log.

No Flask here: callers pass the session, the acting user, the clock and the uploaded bytes; the
route commits. Any bad line rejects the whole file (UploadRejected, nothing stored, nothing logged).
"""
from __future__ import annotations

import hashlib
import io
import json
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.audit import record_change
from app.models import User
from contest.bank import ImportRejected, ImportReport, import_bank, import_prompts, parse_bank, parse_prompts
from contest.models import BankAnswer, Model, Prompt

# Neither database stores U+0000, and a lone surrogate (a JSON "\ud800" escape) cannot be encoded as UTF-8.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UploadRejected(Exception):
    """The upload cannot be imported: `code` says why, `errors` lists the bad lines ("line N: ...")."""

    def __init__(self, code: str, errors: list[str] | None = None):
        super().__init__(code)
        self.code = code
        self.errors = errors or []


@dataclass(frozen=True)
class Upload:
    """An uploaded JSON Lines file: its bytes as received."""

    data: bytes

    def text(self) -> str:
        """The file decoded as UTF-8 (UploadRejected not_utf8 / empty_upload otherwise)."""
        try:
            text = self.data.decode("utf-8")
        except UnicodeDecodeError:
            raise UploadRejected("not_utf8") from None
        if not text.strip():
            raise UploadRejected("empty_upload")
        return text

    def describe(self) -> dict[str, Any]:
        """What the audit log keeps of the file: its size and SHA-256."""
        return {"bytes": len(self.data), "sha256": hashlib.sha256(self.data).hexdigest()}


def _has_unstorable(value: Any) -> bool:
    if isinstance(value, str):
        return bool(UNSTORABLE.search(value))
    if isinstance(value, dict):
        return any(_has_unstorable(k) or _has_unstorable(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_unstorable(v) for v in value)
    return False


def faulty_lines(text: str) -> dict[int, str]:
    """Faults the importers would not survive, by line number: text no database can store, JSON nested
    too deeply for the parser, a number too long to read (every other fault, the importers report)."""
    errors = {}
    for number, line in enumerate(io.StringIO(text), start=1):
        try:
            obj = json.loads(line) if line.strip() else None
        except json.JSONDecodeError:
            continue
        except (ValueError, RecursionError):
            errors[number] = f"line {number}: not valid JSON (nested too deeply or a number too long)"
            continue
        if _has_unstorable(obj):
            errors[number] = f"line {number}: text with U+0000 or an unpaired UTF-16 surrogate"
    return errors


def _validate(kind: str, session: Session, text: str) -> None:
    """Every bad line of the file, in line order, or nothing (UploadRejected invalid_lines)."""
    faults = faulty_lines(text)
    # The other lines are checked with the faulty ones blanked (blank lines are skipped, numbers kept).
    rest = "".join("\n" if n in faults else line for n, line in enumerate(io.StringIO(text), start=1))
    errors = list(faults.values())
    try:
        parse_bank(session, io.StringIO(rest)) if kind == "bank" else parse_prompts(io.StringIO(rest))
    except ImportRejected as exc:
        errors += exc.errors
    if errors:
        raise UploadRejected("invalid_lines", sorted(errors, key=lambda e: int(e.split(":")[0][5:])))


def _import(kind: str, session: Session, text: str, **options: Any) -> ImportReport:
    importer = import_bank if kind == "bank" else import_prompts
    try:
        report = importer(session, io.StringIO(text), **options)
    except ImportRejected as exc:
        raise UploadRejected("invalid_lines", exc.errors) from None
    session.flush()
    return report


def _count(session: Session, kind: str) -> int:
    return session.scalar(select(func.count()).select_from(BankAnswer if kind == "bank" else Prompt)) or 0


def _stored(kind: str, session: Session, text: str) -> dict[str, dict[str, Any]]:
    """What is stored now under each key the (valid) file names: "p001" for a prompt,
    "p001/<model slug>/<sample>" for a bank answer."""
    if kind == "prompts":
        ids = [row["id"] for row in parse_prompts(io.StringIO(text))]
        return {p.id: {"language": p.language, "category": p.category, "text": p.text}
                for p in session.scalars(select(Prompt).where(Prompt.id.in_(ids)))}
    wanted = {(row.prompt_id, row.model_id, row.sample) for row in parse_bank(session, io.StringIO(text))}
    slugs = {model_id: slug for model_id, slug in session.execute(select(Model.id, Model.slug))}
    return {f"{a.prompt_id}/{slugs[a.model_id]}/{a.sample}": {"answer": a.text, "demo": a.is_demo}
            for a in session.scalars(select(BankAnswer).where(BankAnswer.prompt_id.in_({k[0] for k in wanted})))
            if (a.prompt_id, a.model_id, a.sample) in wanted}


def upload(kind: str, session: Session, actor: User, now: datetime, file: Upload, *, demo: bool = False,
           min_samples: int = 0) -> ImportReport:
    """Validate and import a prompt (`kind` "prompts") or bank ("bank") file; audited as <kind>.upload.

    The entry records the file's size and hash, the keys created and updated, what the updated rows
    held before, and the row counts before and after.
    """
    text = file.text()
    _validate(kind, session, text)
    options: dict[str, Any] = {"demo": demo, "min_samples": min_samples} if kind == "bank" else {}
    held, was = _count(session, kind), _stored(kind, session, text)
    report = _import(kind, session, text, **options)
    now_held = _stored(kind, session, text)
    updated = sorted(key for key, value in now_held.items() if key in was and was[key] != value)
    after = {**file.describe(), "created": report.created, "updated": report.updated, "rows": _count(session, kind),
             "created_keys": sorted(set(now_held) - set(was)), "updated_keys": updated,
             **({"demo": demo} if kind == "bank" else {})}
    record_change(session, actor, f"{kind}.upload", kind, file.describe()["sha256"][:16], now,
                  before={"rows": held, "replaced": {key: was[key] for key in updated}}, after=after)
    return report


def short_json(report: ImportReport) -> list[dict[str, Any]]:
    """The bank's (prompt, model) pairs below the wanted number of samples."""
    return [{"prompt_id": prompt_id, "model": slug, "samples": held} for prompt_id, slug, held in report.short]
