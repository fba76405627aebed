"""Votes, the vote stream, rating maths, the leaderboard, snapshots and the data release."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

# The route modules that attach to `voting.bp`.
ROUTE_MODULES = ("routes", "log_routes", "snapshot_routes", "publication_pages", "panel_routes", "share_routes")


def __getattr__(name: str) -> Any:
    """`voting.bp`, with its routes, is made on first use: the lean rating worker and the standalone
    verifier (`python -m voting.verify`, numpy only) never import Flask."""
    if name != "bp":
        raise AttributeError(f"module 'voting' has no attribute {name!r}")
    from app.blueprints import blueprint_on_demand

    return blueprint_on_demand("voting", *ROUTE_MODULES)(name)


def init_app(app: Flask) -> None:
    """Stream and live board for this app, the `ratings`, `snapshots`, `log` and `worker` commands, the voting strings.

    Anti-abuse can keep votes out of the ranking at cast time by appending checks
    (`voting.service.ExclusionCheck`) to `app.extensions["vote_exclusion_checks"]`.
    """
    from app.config import ConfigError
    from voting import cli, runtime, shares, snapshots

    runtime.init_runtime(app)
    checks = app.extensions.setdefault("vote_exclusion_checks", [])
    app.extensions["battle_outcome"] = shares.battle_outcome  # the arena page's hook (contest cannot import voting)
    shares.register(app.extensions)  # shared links in the data copy; ended when the account is deleted
    app.extensions.setdefault("demo_seeders", []).append(runtime.demo_vote_seeder(checks))
    if not app.config.get("CODE_VERSION"):  # ARENA_CODE_VERSION, else git; read once at start
        app.config["CODE_VERSION"] = snapshots.detect_code_version()
    if app.config["ENV"] == "production" and app.config["CODE_VERSION"] == "unknown":
        raise ConfigError("production needs ARENA_CODE_VERSION (git could not name the commit here): every "
                          "published snapshot names the code that computed it")
    app.cli.add_command(cli.ratings_cli)
    app.cli.add_command(cli.snapshots_cli)
    app.cli.add_command(cli.worker_cmd)
    app.cli.add_command(cli.log_cli)
