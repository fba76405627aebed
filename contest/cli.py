"""CLI: `battles void-stalled` (run it every few minutes, e.g. from cron), `seed-demo`, `bank import`, `prompts import`."""
from __future__ import annotations

import getpass
from datetime import timedelta

import click
from flask import current_app

from app.db import new_session, utcnow
from contest.catalog_uploads import Upload, UploadRejected, upload
from contest.demo import seed_demo
from contest.queries import void_stalled_battles


@click.group("battles")
def battles_cli():
    """Battle housekeeping."""


@battles_cli.command("void-stalled")
@click.option("--grace", default=60, show_default=True,
              help="Seconds beyond ARENA_BACKEND_TOTAL_TIMEOUT before an unfinished turn counts as stalled.")
def void_stalled(grace: int) -> None:
    """Void battles whose answers never finished (the serving process died mid-answer)."""
    limit = float(current_app.config["BACKEND_TOTAL_TIMEOUT"]) + grace
    with new_session() as session:
        count = void_stalled_battles(session, utcnow() - timedelta(seconds=limit))
        session.commit()
    click.echo(f"voided {count} stalled battle(s)")


def seed_demo_data() -> dict[str, int]:
    """Seed the demo contest in a session of its own (idempotent), then whatever the packages above contest
    registered in `demo_seeders` (voting's demo votes); how many rows of each kind were added."""
    with new_session() as session:
        now = utcnow()
        created = seed_demo(session, now)
        session.commit()
        for seeder in current_app.extensions.get("demo_seeders", ()):
            created.update(seeder(session, now))
            session.commit()
    return created


@click.command("seed-demo")
def seed_demo_cmd():
    """Seed the demo round, teams, prompt pool and demo answers (idempotent)."""
    created = seed_demo_data()
    click.echo("demo data: " + ", ".join(f"{k} +{v}" for k, v in created.items()))


def _run_import(kind: str, path: str, **kwargs) -> None:
    """Import a file through the same service as the console's upload: the same validation, the same
    freeze of what an open or closed round compares, and an audit entry naming the operator."""
    with open(path, "rb") as fh:
        data = fh.read()
    with new_session() as session:
        try:
            report = upload(kind, session, f"cli:{getpass.getuser()}", utcnow(), Upload(data), **kwargs)
        except UploadRejected as exc:
            session.rollback()
            for line in exc.errors:
                click.echo(line, err=True)
            raise click.ClickException(f"{path}: {_REFUSALS.get(exc.code, exc.code)}; nothing imported")
        session.commit()
    click.echo(f"{kind}: {report.created} created, {report.updated} updated")
    _warn_short(report.short, kwargs.get("min_samples", 0))


_REFUSALS = {"invalid_lines": "bad line(s) above", "not_utf8": "not UTF-8 text", "empty_upload": "empty file",
             "answers_frozen": "answers of models in an open or closed round cannot change (above)",
             "prompts_frozen": "prompts of an open or closed round cannot change (above)",
             "upload_conflict": "another import wrote the same rows at the same time; run it again"}


def _warn_short(short: list[tuple[str, str, int]], wanted: int) -> None:
    """Name every (prompt, model) pair of the bank with fewer samples than wanted (a warning, not an error)."""
    if not short:
        return
    click.echo(f"warning: {len(short)} (prompt, model) pair(s) with fewer than {wanted} samples:", err=True)
    for prompt_id, slug, held in short:
        click.echo(f"  {prompt_id} {slug}: {held} of {wanted} samples", err=True)


@click.group("bank")
def bank_cli():
    """The response bank (JSON Lines: prompt_id, model, answer, optional sample)."""


@bank_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--demo", is_flag=True, help="Mark the answers as demo text, not real model output.")
def bank_import(path, demo):
    """Validate and import a bank file; any bad line rejects the whole file."""
    _run_import("bank", path, demo=demo, min_samples=int(current_app.config["BANK_MIN_SAMPLES"]))


@click.group("prompts")
def prompts_cli():
    """The curated prompt pool (JSON Lines: id, language, category, text)."""


@prompts_cli.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def prompts_import(path):
    """Validate and import a prompt file; any bad line rejects the whole file."""
    _run_import("prompts", path)


COMMANDS = (battles_cli, seed_demo_cmd, bank_cli, prompts_cli)
