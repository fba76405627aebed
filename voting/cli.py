"""CLI: `flask --app wsgi ratings compute|rebuild`, `snapshots publish|export|verify`, `log verify|seal` and `worker`."""
from __future__ import annotations

import dataclasses
import getpass
import json
import signal
import sys
import threading
from pathlib import Path

import click
from flask import current_app
from sqlalchemy import select

from app.db import new_session, utcnow
from contest.models import Round
from voting.conversations import ConversationsRefused, consented_conversations
from voting.log import ChainCheck
from voting.log_audit import verify_round
from voting.log_store import backfill_casts, seal_roots
from voting.queries import round_by_id
from voting.ratings import RatingsInputError, TerminalProgress, compute_board, remaining_bytes
from voting.rebuild import RebuildBusy, rebuild_live_board
from voting.models import Snapshot
from voting.runtime import board_settings, make_style_refresher, make_worker, rating_params
from voting.snapshots import SnapshotRefused, publish_snapshot, release_files, roots_document
from voting.verify import main as verify_main


@click.group("ratings")
def ratings_cli():
    """Ratings: compute a board from public battle files, rebuild the live board."""


@ratings_cli.command("compute")
@click.argument("path", type=click.File("rb"))
@click.option("--rounds", type=click.IntRange(1, 100_000), default=None, help="Bootstrap rounds (default 1000).")
@click.option("--seed", type=int, default=None, help="Bootstrap seed.")
@click.option("--strict", is_flag=True, help="Fail on the first bad line instead of skipping it.")
def ratings_compute(path, rounds, seed, strict):
    """Leaderboard JSON from battles in Chatbot Arena's JSON Lines format (model_a, model_b, winner).

    The same as `python -m voting.ratings` (which starts in a fraction of the time: no application), with the
    ARENA_RATING_* settings of this configuration."""
    base = board_settings(current_app.config)
    settings = dataclasses.replace(base, rounds=rounds or base.rounds, seed=base.seed if seed is None else seed)
    progress = TerminalProgress(remaining_bytes(path))
    try:
        board = compute_board(path, settings, strict, progress=progress if progress.enabled else None)
    except RatingsInputError as exc:
        raise click.ClickException(str(exc))
    finally:
        progress.close()
    click.echo(json.dumps(board, ensure_ascii=False, indent=1))


@ratings_cli.command("rebuild")
def ratings_rebuild():
    """Rebuild the live board (Redis or in-process) from the votes in SQL."""
    with new_session() as session:
        try:
            count = rebuild_live_board(session, current_app.extensions["live_board"],
                                       rating_params(current_app.config), utcnow())
        except RebuildBusy:
            raise click.ClickException("another rebuild is running; try again shortly")
    click.echo(f"live board rebuilt from {count} votes")


@click.command("worker")
def worker_cmd():
    """Run the rating worker (consumes the vote stream into the live board) until SIGTERM/SIGINT."""
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    worker = make_worker(current_app._get_current_object())  # type: ignore[attr-defined]
    click.echo(f"rating worker {worker.consumer} started", err=True)
    styles = make_style_refresher(current_app._get_current_object()).start(stop)  # type: ignore[attr-defined]
    worker.run(stop)
    styles.join(10.0)


@click.group("snapshots")
def snapshots_cli():
    """Snapshots: publish one, export its public release, verify a release."""


@snapshots_cli.command("publish")
@click.argument("round_id")
@click.option("--supersedes", default=None, help="Id of the snapshot this one corrects (same round).")
@click.option("--notes", default=None, help="A note shown with the snapshot (e.g. what it corrects).")
def snapshots_publish(round_id, supersedes, notes):
    """Publish an immutable snapshot of ROUND_ID; prints its id and vote-set hash."""
    with new_session() as session:
        round_ = session.get(Round, round_id)
        if round_ is None:
            raise click.ClickException(f"unknown round {round_id}")
        try:
            snap = publish_snapshot(session, round_, f"cli:{getpass.getuser()}", utcnow(),
                                    current_app.config["CODE_VERSION"], supersedes=supersedes, notes=notes)
        except SnapshotRefused as exc:
            raise click.ClickException(f"not published: {exc.code}")
        session.commit()
        click.echo(f"{snap.id} {snap.vote_set_sha256} ({snap.vote_count} votes, log record {snap.log_seq})")


@snapshots_cli.command("export")
@click.argument("snapshot_id")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
def snapshots_export(snapshot_id, directory):
    """Write a snapshot's public release (snapshot.json, votes.jsonl, log.jsonl), its round's daily
    roots as published now (roots.json) and, once the round has closed, the conversations whose voters
    agreed to their release (conversations.jsonl; consent as it stands now) into DIRECTORY."""
    with new_session() as session:
        snap = session.get(Snapshot, snapshot_id)
        if snap is None:
            raise click.ClickException(f"unknown snapshot {snapshot_id}")
        files = release_files(session, snap)
        roots = json.dumps(roots_document(session, snap.round_id), ensure_ascii=False, indent=1) + "\n"
        files["roots.json"] = roots.encode("utf-8")
        try:
            files["conversations.jsonl"] = consented_conversations(session, snap)
        except ConversationsRefused:
            click.echo("no conversations.jsonl: the round has not closed", err=True)
    directory.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (directory / name).write_bytes(data)
    click.echo(f"wrote {', '.join(files)} to {directory}")


@snapshots_cli.command("verify")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
def snapshots_verify(directory):
    """Recompute a published snapshot from its release in DIRECTORY (same as `python -m voting.verify`)."""
    code = verify_main([str(directory)])
    if code:
        sys.exit(code)


@click.group("log")
def log_cli():
    """The hash-chained vote log: verify the chains, record the daily roots."""


@log_cli.command("verify")
@click.option("--round", "round_id", default=None, help="Check one round (default: every round).")
def log_verify(round_id):
    """Check every round's chain, its votes against their records and its roots; report every bad round, exit 1 if any."""
    with new_session() as session:
        if round_id is not None and round_by_id(session, round_id) is None:
            raise click.ClickException(f"unknown round {round_id!r}")
        ids = [round_id] if round_id is not None else session.scalars(select(Round.id).order_by(Round.id)).all()
        bad = [rid for rid in ids if not _report_round(rid, verify_round(session, rid))]
    if bad:
        sys.exit(1)


def _report_round(round_id: str, check: ChainCheck) -> bool:
    """Print one round's result (its first problem, and how many more); True when it is clean."""
    if check.problems:
        more = f" (and {len(check.problems) - 1} more)" if len(check.problems) > 1 else ""
        click.echo(f"round {round_id}: {check.problems[0]}{more}")
        return False
    click.echo(f"ok: {check.count} records, head {check.head} (round {round_id})")
    return True


@log_cli.command("backfill")
@click.option("--round", "round_id", default=None, help="Only this round (default: every round).")
def log_backfill(round_id):
    """Append cast records for stored votes that have none (votes cast before migration 0004)."""
    with new_session() as session:
        count = backfill_casts(session, round_id)
        session.commit()
    click.echo(f"appended {count} cast record(s)")


@log_cli.command("seal")
def log_seal():
    """Record the root of each complete UTC day not sealed yet (for cron; the rating worker does it too)."""
    with new_session() as session:
        sealed = seal_roots(session, utcnow())
        session.commit()
    for root in sealed:
        click.echo(f"sealed round {root.round_id} {root.day}: seq {root.last_seq}, root {root.root}")
    if not sealed:
        click.echo("nothing to seal")
