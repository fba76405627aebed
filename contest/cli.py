"""CLI: `flask --app wsgi battles void-stalled` (run it every few minutes, e.g. from cron)."""
from __future__ import annotations

from datetime import timedelta

import click
from flask import current_app

from app.db import new_session, utcnow
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
