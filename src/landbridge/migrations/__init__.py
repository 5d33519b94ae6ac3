"""The database schema: every persisted model (models.py) and its Alembic migrations (versions/), shipped inside
the package and run from Python (`landbridge db upgrade`, `serve --migrate`)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from landbridge.db.engine import Database
from landbridge.db.errors import DatabaseError

MIGRATIONS = Path(__file__).parent  # env.py, script.py.mako and versions/ live beside this file


def alembic_config(db: Database) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", db.url.replace("%", "%%"))
    return cfg


def upgrade(db: Database, revision: str = "head") -> str | None:
    """Bring the schema to `revision` (the newest by default); returns the revision now in force."""
    _migrate(db, lambda cfg: command.upgrade(cfg, revision))
    return current_revision(db)


def _migrate(db: Database, step: Callable[[Config], None]) -> None:
    """Run an Alembic command in one transaction. On SQLite, foreign keys are off while it runs: batch mode
    rebuilds a table by copy, drop and rename, and dropping a table that others reference must neither fail
    nor cascade. Every reference is checked before the transaction commits."""
    cfg = alembic_config(db)
    with db.engine.connect() as conn:
        sqlite = conn.dialect.name == "sqlite"
        raw = conn.connection.driver_connection
        if sqlite and raw is not None:  # outside any transaction: SQLite ignores this pragma inside one
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                step(cfg)
                if sqlite:
                    broken = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise DatabaseError(
                            f"The migration would leave {len(broken)} row(s) pointing at missing rows "
                            f"(first: table {broken[0][0]}, row {broken[0][1]}); nothing was changed."
                        )
        finally:
            if sqlite and raw is not None:
                raw.execute("PRAGMA foreign_keys=ON")


def downgrade(db: Database, revision: str) -> None:
    """Take the schema back to `revision` (data the newer revisions added is dropped)."""
    _migrate(db, lambda cfg: command.downgrade(cfg, revision))


def current_revision(db: Database) -> str | None:
    with db.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def head_revision(db: Database) -> str | None:
    return ScriptDirectory.from_config(alembic_config(db)).get_current_head()


def is_current(db: Database) -> bool:
    return current_revision(db) == head_revision(db)
