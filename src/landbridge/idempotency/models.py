"""The stored answer of a POST made with an Idempotency-Key (see landbridge.idempotency.service)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from landbridge.db.base import Base, JSONDoc, UTCDateTime

MAX_KEY_LENGTH = 200


class IdempotencyRecord(Base):
    """One (owner, key): the request's fingerprint and the answer it got (never a secret: see `redact`)."""

    __tablename__ = "idempotency_records"

    owner: Mapped[str] = mapped_column(String(48), primary_key=True)  # customer id, or the operator key id
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH), primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[Any] = mapped_column(JSONDoc)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
