"""`landbridge keys create|list|revoke`: API keys (stored hashed; the token is shown once)."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from landbridge.cli.common import DbOpt, JsonOpt, db_errors, err, out, print_json
from landbridge.cli.common import database as database_for

app = typer.Typer(help="API keys (stored hashed; the token is shown once).", no_args_is_help=True)


@app.command("create")
def keys_create_cmd(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key.")],
    role: Annotated[str, typer.Option("--role", help="operator or shipper.")] = "operator",
    customer: Annotated[str | None, typer.Option("--customer", help="Customer id (shipper keys).")] = None,
    replace: Annotated[
        bool,
        typer.Option("--replace", help="Revoke the live keys of the same name, role and customer (key rotation)."),
    ] = False,
    database: DbOpt = None,
) -> None:
    """Create an API key and print it (once). The first operator key starts here; the rest over the API."""
    from sqlalchemy.orm import Session

    from landbridge.accounts.models import ApiKey
    from landbridge.accounts.service import create_key, list_keys, revoke_key

    def rotate(s: Session) -> tuple[ApiKey, str, list[str]]:
        key, token = create_key(s, role, name, customer)  # validates first: nothing is revoked for a bad request
        old = [
            k.id
            for k in list_keys(s, customer)
            if replace and k.id != key.id and k.revoked_at is None and (k.name, k.role) == (key.name, key.role)
        ]
        for key_id in old:
            revoke_key(s, key_id)
        return key, token, old

    db = database_for(database)
    with db_errors(db):
        key, token, revoked = db.write(rotate)
    if revoked:
        err.print(f"Revoked {len(revoked)} earlier key(s) named {key.name!r}: {', '.join(revoked)}.")
    err.print(f"Created {key.role} key {key.id} ({key.name}). Store the token now; it is not shown again:")
    sys.stdout.write(token + "\n")


@app.command("list")
def keys_list_cmd(
    as_json: JsonOpt = False,
    live: Annotated[bool, typer.Option("--live", help="Only keys that are not revoked.")] = False,
    database: DbOpt = None,
) -> None:
    """List API keys (ids, roles, customers; never the tokens)."""
    from landbridge.accounts.service import list_keys
    from landbridge.timefmt import iso_utc

    db = database_for(database)
    with db_errors(db):
        keys = [k for k in db.read(list_keys) if not (live and k.revoked_at)]
    rows = [
        {
            "id": k.id,
            "prefix": k.prefix,
            "role": k.role,
            "name": k.name,
            "customer_id": k.customer_id,
            "created_at": iso_utc(k.created_at),
            "revoked_at": iso_utc(k.revoked_at) if k.revoked_at else None,
        }
        for k in keys
    ]
    if as_json:
        print_json(rows)
        return
    t = Table("id", "role", "name", "customer", "created (UTC)", "revoked (UTC)")
    t.columns[0].no_wrap = True  # `keys revoke` needs the whole id
    for r in rows:
        t.add_row(
            r["id"],
            r["role"],
            r["name"],
            r["customer_id"] or "",
            str(r["created_at"])[:16].replace("T", " "),
            (r["revoked_at"] or "")[:16].replace("T", " "),
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
