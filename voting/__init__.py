"""Votes, the vote stream, rating maths, the leaderboard, snapshots and the data release."""
from __future__ import annotations

from typing import TYPE_CHECKING

from app.blueprints import blueprint_on_demand

if TYPE_CHECKING:
    from flask import Flask


# `voting.bp`, with its routes, is made on first use: the lean rating worker never imports the web side.
__getattr__ = blueprint_on_demand("voting", "routes", "log_routes", "snapshot_routes", "publication_pages")


def init_app(app: Flask) -> None:
    """Stream and live board for this app, the `ratings`, `worker` and `log` commands, the voting strings.

    Anti-abuse can keep votes out of the ranking at cast time by appending checks
    (`voting.service.ExclusionCheck`) to `app.extensions["vote_exclusion_checks"]`.
    """
    from voting import cli, messages, runtime

    runtime.init_runtime(app)
    app.extensions.setdefault("vote_exclusion_checks", [])
    app.cli.add_command(cli.ratings_cli)
    app.cli.add_command(cli.worker_cmd)
    app.cli.add_command(cli.log_cli)
    messages.register()
