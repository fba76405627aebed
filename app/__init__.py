"""Application factory: reads as the list of parts it assembles."""
from __future__ import annotations

from typing import Any

from flask import Flask

from app.config import ROOT, load_config


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the contest app from defaults, ARENA_* environment and `overrides`."""
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"),
                instance_path=str(ROOT / "instance"))
    app.config.update(load_config(overrides))
    app.json.ensure_ascii = False  # JSON is UTF-8 (API.md): Korean stays readable, not \uXXXX escapes
    register_extensions(app)
    register_blueprints(app)
    register_errors_and_cli(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import auth, db, i18n, limiter, oauth, observability, redis_client, roles, security, sessions

    observability.init_app(app)
    db.init_app(app)
    redis_client.init_app(app)
    i18n.init_app(app)
    limiter.init_app(app)  # the counting machinery; anti_abuse attaches the named limits to its endpoints
    sessions.init_app(app)  # server-side sessions
    security.init_app(app)  # CSRF, security headers
    oauth.init_app(app)  # login providers
    roles.init_app(app)  # roles CLI
    auth.init_app(app)  # the logged-in user for templates


def register_blueprints(app: Flask) -> None:
    import anti_abuse
    import contest
    import voting
    from app.auth_routes import bp as auth_bp
    from app.rights_routes import bp as rights_bp
    from app.signup import bp as signup_bp
    from app.web import bp as web_bp

    app.register_blueprint(web_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(signup_bp)
    app.register_blueprint(rights_bp)
    app.register_blueprint(contest.bp)
    app.register_blueprint(voting.bp)
    app.register_blueprint(anti_abuse.bp)
    for package in (contest, voting, anti_abuse):
        package.init_app(app)


def register_errors_and_cli(app: Flask) -> None:
    from app.cli import register_cli
    from app.errors import register_error_handlers

    register_error_handlers(app)
    register_cli(app)
