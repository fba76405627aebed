"""`flask --app wsgi roles grant|revoke|list`: who may moderate and who acts for the ministry."""
from __future__ import annotations

import getpass

import click
from flask import Flask

from app.accounts import GRANTABLE_ROLES, AccountError, find_user, grant_role, privileged_users, revoke_role
from app.audit import record_change
from app.db import new_session, utcnow
from app.observability import audit



@click.group("roles")
def roles_cli():
    """Grant, revoke and list the moderator and ministry roles."""


def _change(user_ref: str, role: str, grant: bool) -> None:
    actor = f"cli:{getpass.getuser()}"
    with new_session() as db:
        user = find_user(db, user_ref)
        if user is None:
            raise click.ClickException(f"no account {user_ref!r}")
        before, now = {"roles": sorted(r.role for r in user.roles)}, utcnow()
        try:
            changed = grant_role(db, user, role, actor, now) if grant else revoke_role(db, user, role)
        except AccountError as exc:
            raise click.ClickException(exc.code) from exc
        if changed:  # the same audit log as the console's role grants
            db.flush()
            db.refresh(user)
            record_change(db, actor, f"role.{'grant' if grant else 'revoke'}", "user", str(user.id), now,
                          before=before, after={"roles": sorted(r.role for r in user.roles)})
        db.commit()
        verb = "granted" if grant else "revoked"
        if changed:
            audit(f"role_{verb}", user_id=user.id, role=role, by=actor)
        click.echo(f"{role} {verb if changed else 'unchanged'} for account {user.id} ({user.display_name})")


@roles_cli.command("grant")
@click.argument("user_ref", metavar="USER")
@click.argument("role", type=click.Choice(GRANTABLE_ROLES))
def roles_grant(user_ref, role):
    """Give USER the ROLE. USER is an account id or provider:subject (e.g. local:alice)."""
    _change(user_ref, role, grant=True)


@roles_cli.command("revoke")
@click.argument("user_ref", metavar="USER")
@click.argument("role", type=click.Choice(GRANTABLE_ROLES))
def roles_revoke(user_ref, role):
    """Take ROLE away from USER. USER is an account id or provider:subject."""
    _change(user_ref, role, grant=False)


@roles_cli.command("list")
def roles_list():
    """Accounts holding a granted role."""
    with new_session() as db:
        for user in privileged_users(db):
            roles = ",".join(r for r in user.role_names if r != "citizen")
            click.echo(f"{user.id}\t{roles}\t{user.display_name}")


def init_app(app: Flask) -> None:
    """Register the `roles` command group."""
    app.cli.add_command(roles_cli)
