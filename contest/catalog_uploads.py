"""Prompt pool and response bank uploads from the console: the CLI imports' validation, plus the audit log.

No Flask here: callers pass the session, the acting user, the clock and the uploaded bytes; the
route commits. Any bad line rejects the whole file (UploadRejected, nothing stored, nothing logged).
While a round is open or closed (until published) what it compares stays as it is: a file that would
change or add answers of a model on its roster, or change a prompt of one of its categories, is
refused (409) after being written, and the caller rolls it back. New prompts may be added.
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
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.audit import record_change
from app.models import User
from contest.bank import ImportRejected, ImportReport, import_bank, import_prompts, parse_bank, parse_prompts
from contest.catalog_freeze import frozen_categories, frozen_rounds
from contest.models import BankAnswer, Model, Prompt

# Neither database stores U+0000, and a lone surrogate (a JSON "\ud800" escape) cannot be encoded as UTF-8.
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class UploadRejected(Exception):
    """The upload cannot be imported: `code` says why, `errors` lists the bad lines ("line N: ...")."""

    def __init__(self, code: str, errors: list[str] | None = None, status: int = 422):
        super().__init__(code)
        self.code, self.status = code, status
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
    """Whether any string in the parsed JSON value holds unstorable text (walked without recursion,
    so any depth the parser accepted is fine)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str) and UNSTORABLE.search(item):
            return True
        if isinstance(item, dict):
            pending.extend(item.keys())
            pending.extend(item.values())
        elif isinstance(item, list):
            pending.extend(item)
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
    """Import the file; a row a concurrent upload inserted first is upload_conflict (409: try again, the
    caller rolls back). No savepoint: on SQLite releasing the outermost one would commit."""
    importer = import_bank if kind == "bank" else import_prompts
    try:
        report = importer(session, io.StringIO(text), **options)
        session.flush()
    except ImportRejected as exc:
        raise UploadRejected("invalid_lines", exc.errors) from None
    except IntegrityError:
        raise UploadRejected("upload_conflict", status=409) from None
    return report


def _frozen_answers(session: Session, written: dict[str, Any]) -> list[str]:
    """"<key>: <round ids>" for each written answer of a model on the roster of an open or closed round."""
    model_of = {key: key.rsplit("/", 2)[1] for key in written}  # a prompt id may hold "/", a slug never
    stmt = select(Model.slug, Model.id).where(Model.slug.in_(set(model_of.values())))
    ids = {slug: model_id for slug, model_id in session.execute(stmt)}
    rounds = frozen_rounds(session, ids.values())
    return [f"{key}: {', '.join(rounds[ids[slug]])}" for key, slug in model_of.items() if ids[slug] in rounds]


def _frozen_prompts(session: Session, was: dict[str, dict[str, Any]], written: dict[str, Any]) -> list[str]:
    """"<id>: <round ids>" for each changed prompt whose category (before or after) an open or closed
    round compares; prompts new to the pool are not in `was` and pass."""
    changed = [key for key in written if key in was]
    rounds = frozen_categories(session) if changed else {}
    errors = []
    for key in changed:
        held = sorted({*rounds.get(was[key]["category"], []), *rounds.get(written[key]["category"], [])})
        if held:
            errors.append(f"{key}: {', '.join(held)}")
    return errors


def _refuse_frozen(kind: str, session: Session, was: dict[str, dict[str, Any]], written: dict[str, Any]) -> None:
    """UploadRejected answers_frozen / prompts_frozen (409) naming the keys and the rounds that froze them."""
    errors = _frozen_answers(session, written) if kind == "bank" else _frozen_prompts(session, was, written)
    if errors:
        raise UploadRejected("answers_frozen" if kind == "bank" else "prompts_frozen", errors, status=409)


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
    """Validate and import a prompt (`kind` "prompts") or bank ("bank") file; audited as <kind>.upload
    when it changed anything.

    The entry records the file's size and hash, the keys created and updated, what the updated rows
    held before (`before.replaced`) and what every created or updated row holds now (`after.written`),
    and the row counts before and after.
    """
    text = file.text()
    _validate(kind, session, text)
    options: dict[str, Any] = {"demo": demo, "min_samples": min_samples} if kind == "bank" else {}
    held, was = _count(session, kind), _stored(kind, session, text)
    report = _import(kind, session, text, **options)
    now_held = _stored(kind, session, text)
    written = {key: value for key, value in sorted(now_held.items()) if was.get(key) != value}
    _refuse_frozen(kind, session, was, written)
    updated = [key for key in written if key in was]
    after = {**file.describe(), "created": report.created, "updated": report.updated, "rows": _count(session, kind),
             "created_keys": [key for key in written if key not in was], "updated_keys": updated,
             "written": written, **({"demo": demo} if kind == "bank" else {})}
    if written:  # a file that changes nothing logs nothing
        record_change(session, actor, f"{kind}.upload", kind, file.describe()["sha256"][:16], now,
                      before={"rows": held, "replaced": {key: was[key] for key in updated}}, after=after)
    return report


def short_json(report: ImportReport) -> list[dict[str, Any]]:
    """The bank's (prompt, model) pairs below the wanted number of samples."""
    return [{"prompt_id": prompt_id, "model": slug, "samples": held} for prompt_id, slug, held in report.short]
