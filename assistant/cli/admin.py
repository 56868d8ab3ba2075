"""``mushrif admin``: bootstrap groups and API tokens, run migrations."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, NoReturn

import typer

from assistant.config import get_settings
from assistant.store import auth, groups
from assistant.store.db import Store
from assistant.store.errors import StoreError
from assistant.store.models import Group, Role

app = typer.Typer(
    help="Administer groups, admins and API tokens.", no_args_is_help=True, add_completion=False
)


def _store() -> Store:
    store = Store.from_settings(get_settings())
    store.migrate()
    return store


def _fail(message: str) -> NoReturn:
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(2)


@app.command("migrate")
def migrate() -> None:
    """Create or upgrade the database schema (also done by `mushrif serve`)."""
    _store()
    typer.echo("database is at the newest schema")


@app.command("create-group")
def create_group(
    group_id: Annotated[str, typer.Argument(help="lowercase id, e.g. abaya-shop")],
    name: Annotated[str, typer.Option(help="display name")] = "",
    rules: Annotated[
        Path | None, typer.Option(exists=True, dir_okay=False, help="group rules YAML")
    ] = None,
    webhook_url: Annotated[str | None, typer.Option(help="where approved items go")] = None,
) -> None:
    """Create a group (then give it an owner with `create-token`)."""
    store = _store()
    try:
        with store.transaction() as session:
            group = groups.create_group(
                session,
                group_id=group_id,
                name=name or group_id,
                rules_yaml=rules.read_text("utf-8") if rules else None,
                webhook_url=webhook_url,
            )
            secret = group.webhook_secret
    except StoreError as exc:
        _fail(str(exc))
    typer.echo(f"group '{group_id}' created" + (f"; webhook secret: {secret}" if secret else ""))


@app.command("create-token")
def create_token(
    admin: Annotated[str, typer.Option(help="admin name (created if new)")],
    group: Annotated[str, typer.Option(help="group id (created with --create-group)")],
    role: Annotated[Role, typer.Option(help="role in the group")] = Role.OWNER,
    create_group_: Annotated[
        bool, typer.Option("--create-group", help="create the group if missing")
    ] = False,
    expires_days: Annotated[int | None, typer.Option(help="default: auth.token_ttl_days")] = None,
) -> None:
    """Issue an API token for an admin with a role in a group; prints the token once."""
    settings = get_settings()
    store = _store()
    with store.transaction() as session:
        if session.get(Group, group) is None:
            if not create_group_:
                _fail(f"group '{group}' not found (add --create-group to create it)")
            groups.create_group(session, group_id=group, name=group)
        row = auth.get_or_create_admin(session, name=admin)
        auth.grant_role(session, admin_id=row.id, group_id=group, role=role)
        issued = auth.issue_token(
            session, admin=row, name="cli", ttl_days=expires_days or settings.auth.token_ttl_days
        )
    expiry = issued.expires_at.date().isoformat() if issued.expires_at else "never"
    typer.echo(
        f"# {admin} is {role.value} of {group}; token id {issued.id}, expires {expiry}", err=True
    )
    typer.echo(issued.token)


@app.command("revoke-token")
def revoke_token(token_id: Annotated[int, typer.Argument(help="from list-tokens")]) -> None:
    """Revoke a token at once."""
    with _store().transaction() as session:
        if not auth.revoke_token(session, token_id=token_id):
            _fail(f"no active token with id {token_id}")
    typer.echo(f"token {token_id} revoked")


@app.command("list-tokens")
def list_tokens(admin: Annotated[str | None, typer.Option()] = None) -> None:
    """Tokens with their admin, prefix, expiry and state (never the secret)."""
    with _store().session(readonly=True) as session:
        for token, name in auth.list_tokens(session, admin_name=admin):
            state = "revoked" if token.revoked_at else "active"
            expiry = token.expires_at.date().isoformat() if token.expires_at else "never"
            typer.echo(f"{token.id}\t{name}\t{token.prefix}…\texpires {expiry}\t{state}")
