"""CLI: `flask --app wsgi ratings compute|rebuild` and `flask --app wsgi worker`."""
from __future__ import annotations

import json
import signal
import sys
import threading

import click
from flask import current_app
from tqdm import tqdm

from app.db import new_session, utcnow
from voting.arena_format import BadLine, read_battles
from voting.board import BoardSettings, compute_rows
from voting.rebuild import RebuildBusy, rebuild_live_board
from voting.runtime import board_settings, make_worker, rating_params


@click.group("ratings")
def ratings_cli():
    """Ratings: compute a board from public battle files, rebuild the live board."""


@ratings_cli.command("compute")
@click.argument("path", type=click.File("rb"))  # lines decoded one by one: bad bytes are a bad line
@click.option("--rounds", type=click.IntRange(1, 100_000), default=None, help="Bootstrap rounds (default 1000).")
@click.option("--seed", type=int, default=None, help="Bootstrap seed.")
@click.option("--strict", is_flag=True, help="Fail on the first bad line instead of skipping it.")
def ratings_compute(path, rounds, seed, strict):
    """Leaderboard JSON from battles in Chatbot Arena's JSON Lines format (model_a, model_b, winner)."""
    bad: list[BadLine] = []
    lines = tqdm(path, desc="battles", unit=" lines", file=sys.stderr, disable=None, mininterval=0.5)
    names, t = read_battles(lines, bad.append)
    for line in bad:
        click.echo(f"line {line.number}: {line.reason}", err=True)
    if strict and bad:
        raise click.ClickException(f"{len(bad)} bad line(s)")
    base = board_settings(current_app.config)
    settings = BoardSettings(rounds=rounds or base.rounds, seed=base.seed if seed is None else seed,
                             provisional_below=base.provisional_below, params=base.params)
    rows = compute_rows(t, settings)
    click.echo(json.dumps({
        "models": [{"name": names[r.index], "rating": round(r.rating, 4), "ci": [round(r.ci[0], 4), round(r.ci[1], 4)],
                    "rank": r.rank, "battles": r.battles, "win_rate": round(r.win_rate, 4)} for r in rows],
        "votes": t.total, "skipped_lines": len(bad), "params": settings.describe()}, ensure_ascii=False, indent=1))


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
    worker.run(stop)
