"""Rate limits, prompt and identity-leak checks, anomaly detection, flags and moderation.

The top of the package order (anti_abuse -> voting -> contest -> app): it reaches down into voting and
contest and registers into the hooks they offer when it is initialised.
"""
from flask import Flask

# Route modules attach to the blueprint when imported.
from anti_abuse import (cli, conflict_routes, lexicon_routes, limits, moderation_routes,  # noqa: F401
                        my_data, pages, routes, scan_routes)
from anti_abuse.blueprint import bp  # noqa: F401  (registered by the factory)
from anti_abuse.conflicts import conflict_check, declared_teams
from anti_abuse.display_names import display_name_rule
from anti_abuse.identity_check import identity_leak_check
from anti_abuse.lexicon_versions import protocol_lexicon_check
from anti_abuse.prompt_check import policy_for, prompt_check
from anti_abuse.seen import answer_seen_check


def init_app(app: Flask) -> None:
    """The named rate limits on the endpoints they protect, and the vote exclusion checks voting offers a hook for."""
    limits.init_app(app)
    app.cli.add_command(cli.moderation_cli)
    # Order matters only for the reason stored: an answer naming its model is the graver finding.
    checks = app.extensions.setdefault("vote_exclusion_checks", [])
    checks.extend([identity_leak_check, answer_seen_check, conflict_check])
    app.extensions["conflict_teams"] = declared_teams  # contest's hook: panel battles avoid declared teams
    app.extensions["after_signup"] = conflict_routes.after_signup  # the shell's: asked right after signing up
    policy = policy_for(int(app.config["MAX_PROMPT_CHARS"]), str(app.config.get("PROMPT_BLOCKLIST_FILE") or ""))
    app.extensions.setdefault("prompt_checks", []).append(prompt_check(policy))
    app.extensions["display_name_rule"] = display_name_rule  # the shell's hook for display names
    app.extensions.setdefault("protocol_checks", []).append(protocol_lexicon_check)
    my_data.register(app.extensions)  # votes, flags and appeals in the citizen's data copy; notes erased on deletion
