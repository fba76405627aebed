"""CLI: `flask --app wsgi <group> <command>`: database, demo data and imports."""
from __future__ import annotations

import getpass

import click
from alembic import command
from alembic.config import Config as AlembicConfig
from flask import Flask, current_app

from app.config import ROOT
from app.db import new_session, utcnow


def alembic_config(url: str) -> AlembicConfig:
    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "migrations"))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade_db(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


@click.group("db")
def db_cli():
    """Database migrations."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision):
    """Migrate the database up to REVISION (default: head)."""
    upgrade_db(current_app.config["DATABASE_URL"], revision)
    click.echo(f"database at {revision}")


@db_cli.command("downgrade")
@click.argument("revision")
def db_downgrade(revision):
    """Migrate the database down to REVISION (e.g. base)."""
    command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)
    click.echo(f"database at {revision}")


def seed_demo_data() -> dict[str, int]:
    """Seed the demo contest in a session of its own (idempotent); how many rows of each kind were added."""
    from contest.demo import seed_demo

    with new_session() as session:
        created = seed_demo(session, utcnow())
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
    from contest.catalog_uploads import Upload, UploadRejected, upload

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


def register_cli(app: Flask) -> None:
    for group in (db_cli, seed_demo_cmd, bank_cli, prompts_cli):
        app.cli.add_command(group)
