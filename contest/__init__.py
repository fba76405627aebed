"""Teams, models, rounds, prompts, battles, model backends and pair sampling."""
from __future__ import annotations

import random
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask

ROUTE_MODULES = ("admin", "admin_catalog", "admin_rounds", "console", "notice_routes", "pages", "public_pages",
                 "routes", "panel_routes", "panel_pages")


def __getattr__(name: str) -> Any:
    """`contest.bp`, with its routes, is made on first use: the lean rating worker never imports the web
    side, and the standalone verifier imports `contest.protocol` without Flask."""
    if name != "bp":
        raise AttributeError(f"module 'contest' has no attribute {name!r}")
    from app.blueprints import blueprint_on_demand

    return blueprint_on_demand("contest", *ROUTE_MODULES)(name)

# Settings beyond app.config.Defaults; ARENA_<NAME> in the environment overrides each.
DEFAULTS = {
    "ADMIN_UPLOAD_MAX_BYTES": 5 * 1024 * 1024,  # a prompt or bank file uploaded through the ministry's console
    "BACKEND_SYSTEM_PROMPT": "You are a helpful assistant taking part in a public, anonymous comparison. "
                             "Answer in the user's language. Never state your name, model, maker or team.",
    "BACKEND_CONNECT_TIMEOUT": 5.0,
    "BACKEND_READ_TIMEOUT": 30.0,
    "BACKEND_TOTAL_TIMEOUT": 120.0,
    "BACKEND_MAX_TOKENS": 1024,
    "BACKEND_OUTAGE_SECONDS": 300,  # a failing model sits out of sampling this long
    "SAMPLING_SEED": "",  # empty: a system random source
    "CONTACT_EMAIL": "contact@arena.example",  # shown on the privacy policy and contact pages: set it in production
}


def init_app(app: Flask) -> None:
    """Contest settings, the sampling random source, the CLI commands and the demo seeding hook."""
    from contest import cli, my_data

    for name, value in DEFAULTS.items():
        app.config.setdefault(name, value)
    seed = str(app.config["SAMPLING_SEED"])
    app.extensions["contest_rng"] = random.Random(int(seed)) if seed else random.SystemRandom()
    app.extensions.setdefault("prompt_checks", [])  # anti_abuse's screening of citizens' own prompts
    app.extensions.setdefault("protocol_checks", [])  # anti_abuse's: the round's identity lexicon exists
    for command in cli.COMMANDS:
        app.cli.add_command(command)
    app.extensions["seed_demo"] = cli.seed_demo_data  # `make run` seeds the demo contest through it
    my_data.register(app.extensions)  # the citizen's battles in their data copy; their prompts erased on deletion
    app.extensions.setdefault("demo_seeders", [])  # (session, now) -> counts: higher packages' demo data
