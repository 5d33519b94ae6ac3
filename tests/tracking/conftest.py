"""Tracking tests run on the booking tests' databases (SQLite always, PostgreSQL when configured), with a
webhook key and loopback callbacks allowed, and a real HTTP receiver on loopback."""

from __future__ import annotations

import os

os.environ.setdefault("LANDBRIDGE_WEBHOOK_KEY", "7f" * 32)
os.environ["LANDBRIDGE_WEBHOOK_ALLOW_LOOPBACK"] = "1"

from tests.booking.conftest import (  # noqa: F401
    app,
    client,
    db,
    db_url,
    new_shipper,
    op,
    operator_token,
    pytest_configure,
    shipper,
)
