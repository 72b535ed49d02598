"""Personal API tokens on the command line: make one (its secret printed once), list, revoke."""

from __future__ import annotations

from datetime import datetime

import click
from flask.cli import with_appcontext

from annotator.auth import api_tokens
from annotator.commands.outcome import DB_INT, committed
from annotator.extensions import db


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if value is not None else "never"


@click.command("create-token")
@click.argument("user")
@click.option("--scope", type=click.Choice(api_tokens.SCOPES), default="read", show_default=True,
              help="read: GET and HEAD only; write: every method the user may use.")
@click.option("--expires-days", type=click.IntRange(1, api_tokens.MAX_EXPIRY_DAYS),
              default=None, help="Days until the token stops working [default: never].")
@click.option("--name", default=None,
              help="What the token is for [default: 'token of <date time>'].")
@with_appcontext
def create_token_command(user: str, scope: str, expires_days: int | None,
                         name: str | None) -> None:
    """Make a personal API token for USER and print it once (only the token on stdout).

    Scripts send it as `Authorization: Bearer <token>` to /api/...; only its hash is stored, so
    it cannot be shown again. Everything but the token goes to stderr, so that
    `TOKEN=$(annotator create-token alice)` keeps the token alone.
    """
    with committed(db.session):
        owner = api_tokens.get_owner(db.session, user)
        made = api_tokens.create_token(db.session, owner, name=name, scope=scope,
                                       expires_days=expires_days)
        token = made.token
        expiry = (f"expires {_when(token.expires_at)} UTC" if token.expires_at is not None
                  else "never expires")
        described = (f"token {token.id} ({token.name!r}, {token.scope}, {expiry}) "
                     f"for {owner.username}")
    click.echo(made.secret)
    click.echo(f"{described}: shown this once, keep it like a password", err=True)


@click.command("tokens")
@click.argument("user", required=False)
@with_appcontext
def tokens_command(user: str | None) -> None:
    """List the API tokens of USER (or everyone's): id, owner, name, scope, prefix, dates, state.

    Never a secret: only the hash of each is stored.
    """
    with committed(db.session):
        owner_id = api_tokens.get_owner(db.session, user).id if user is not None else None
        listed = api_tokens.list_tokens(db.session, owner_id)
    header = ("ID", "USER", "NAME", "SCOPE", "TOKEN", "CREATED", "LAST USED", "EXPIRES", "STATE")
    rows = [header] + [
        (str(item.token.id), item.owner, item.token.name, item.token.scope,
         item.token.prefix + "…", _when(item.token.created_at), _when(item.token.last_used_at),
         _when(item.token.expires_at), item.state)
        for item in listed
    ]
    if not listed:
        click.echo("(no tokens)")
        return
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        click.echo("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())


@click.command("revoke-token")
@click.argument("token_id", metavar="ID", type=DB_INT)
@with_appcontext
def revoke_token_command(token_id: int) -> None:
    """Revoke the API token ID at once: its next request gets 401 (ids: `annotator tokens`)."""
    with committed(db.session):
        token, revoked = api_tokens.revoke_token(db.session, token_id, None)
        words = f"token {token.id} ({token.prefix}…, {token.name!r})"
    click.echo(f"{words} revoked" if revoked else f"{words} was already revoked")
