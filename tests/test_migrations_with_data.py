"""Upgrading a database that already holds bookings keeps them: SQLite's batch migrations rebuild tables that
others reference, which must neither fail nor cascade (the first release's schema with a booking in it)."""

from __future__ import annotations

import sqlite3

from landbridge.db.engine import get_database
from landbridge.migrations import current_revision, downgrade, head_revision, upgrade

NOW = "2026-11-30 10:00:00.000000"


def _first_release_with_a_booking(path: str) -> None:
    db = get_database(f"sqlite:///{path}")
    upgrade(db, "0001")
    c = sqlite3.connect(path)
    c.execute("INSERT INTO customers (id, name, email, created_at) VALUES ('cus_1', 'A', NULL, ?)", (NOW,))
    c.execute("INSERT INTO quotes VALUES ('qt_1', 'cus_1', 'key_1', '{}', ?, ?)", (NOW, NOW))
    c.execute(
        "INSERT INTO quote_options VALUES ('opt_1', 'qt_1', 'cus_1', 'k', 1, '40HC', 1000, 26000, 'general', 100, "
        "'USD', '{}', ?)",
        (NOW,),
    )
    c.execute(
        "INSERT INTO bookings VALUES ('bk_1', 'cus_1', 'opt_1', 'in_transit', NULL, 1, '40HC', 1000, 100, 'USD', "
        "'a', 'b', ?, ?, '{}', ?, ?)",
        (NOW, NOW, NOW, NOW),
    )
    for frm, to in ((None, "requested"), ("requested", "confirmed"), ("confirmed", "in_transit")):
        c.execute(
            "INSERT INTO booking_events (booking_id, from_status, to_status, at, api_key_id, actor_role, note) "
            "VALUES ('bk_1', ?, ?, ?, NULL, 'operator', NULL)",
            (frm, to, NOW),
        )
    c.commit()
    c.close()


def test_upgrade_keeps_bookings_and_maps_their_statuses(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    _first_release_with_a_booking(path)
    db = get_database(f"sqlite:///{path}")
    assert upgrade(db) == head_revision(db)
    c = sqlite3.connect(path)
    assert c.execute("SELECT status, transport_status FROM bookings").fetchall() == [("confirmed", "in_transit")]
    assert [r[0] for r in c.execute("SELECT to_status FROM booking_events ORDER BY id")] == [
        "received",
        "confirmed",
        "in_transit",
    ]
    assert c.execute("PRAGMA foreign_key_check").fetchall() == []
    assert c.execute("PRAGMA foreign_keys").fetchone() == (0,)  # a plain connection; the engine turns them on


def test_downgrade_and_upgrade_again_keep_the_booking(tmp_path):
    path = str(tmp_path / "old.sqlite3")
    _first_release_with_a_booking(path)
    db = get_database(f"sqlite:///{path}")
    upgrade(db)
    downgrade(db, "0001")
    assert current_revision(db) == "0001"
    upgrade(db)
    c = sqlite3.connect(path)
    assert c.execute("SELECT id FROM bookings").fetchall() == [("bk_1",)]
    assert c.execute("SELECT COUNT(*) FROM booking_events").fetchone() == (3,)


def test_foreign_keys_are_on_again_after_a_migration(tmp_path):
    db = get_database(f"sqlite:///{tmp_path}/fresh.sqlite3")
    upgrade(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
