"""`landbridge keys create|list|revoke`: API keys (stored hashed; the token is shown once)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from landbridge.cli.common import DbOpt, db_errors, err, out
from landbridge.cli.common import database as database_for

app = typer.Typer(help="API keys (stored hashed; the token is shown once).", no_args_is_help=True)


@app.command("create")
def keys_create_cmd(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[str, typer.Option("--role", help="operator or shipper.")] = "operator",
    customer: Annotated[str | None, typer.Option("--customer", help="Customer id (shipper keys).")] = None,
    database: DbOpt = None,
) -> None:
    """Create an API key and print it (once). The first operator key starts here; the rest over the API."""
    from landbridge.accounts.service import create_key

    db = database_for(database)
    with db_errors(db):
        key, token = db.write(lambda s: create_key(s, role, name, customer))
    err.print(f"Created {key.role} key {key.id} ({key.name}). Store the token now; it is not shown again:")
    sys.stdout.write(token + "\n")


@app.command("list")
def keys_list_cmd(database: DbOpt = None) -> None:
    """List API keys (ids, roles, customers; never the tokens)."""
    from landbridge.accounts.service import list_keys

    db = database_for(database)
    with db_errors(db):
        keys = db.read(list_keys)
    t = Table("id", "prefix", "role", "name", "customer", "created", "revoked")
    for k in keys:
        t.add_row(
            k.id,
            k.prefix,
            k.role,
            k.name,
            k.customer_id or "",
            k.created_at.isoformat(timespec="seconds"),
            k.revoked_at.isoformat(timespec="seconds") if k.revoked_at else "",
        )
    out.print(t)


@app.command("revoke")
def keys_revoke_cmd(key_id: Annotated[str, typer.Argument(help="Key id (key_...).")], database: DbOpt = None) -> None:
    """Revoke an API key."""
    from landbridge.accounts.service import revoke_key

    db = database_for(database)
    with db_errors(db):
        db.write(lambda s: revoke_key(s, key_id))
    out.print(f"Revoked {key_id}.")
