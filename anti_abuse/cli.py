"""CLI: `flask --app wsgi moderation scan [--round ID]` runs the anomaly detectors (e.g. every 15 minutes
from cron) and files what they find in the moderators' queue."""
from __future__ import annotations

import click

from anti_abuse.scan import scan_rounds
from app.db import new_session, utcnow


@click.group("moderation")
def moderation_cli():
    """Anomaly detection for the moderators' queue."""


@moderation_cli.command("scan")
@click.option("--round", "round_id", default=None, help="One round's id (default: every open round).")
def scan(round_id: str | None) -> None:
    """Run the detectors over counted votes and file new findings."""
    with new_session() as session:
        reports = scan_rounds(session, utcnow(), round_id)
        session.commit()
    if not reports:
        click.echo("no open round to scan")
    for r in reports:
        click.echo(f"{r.round_id}: {r.votes} counted votes, {r.findings} findings "
                   f"({r.filed} new in the queue, {r.updated} updated); "
                   f"{r.bank_leaks} bank answer(s) naming their model")
