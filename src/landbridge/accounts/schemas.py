"""Bodies of the customers and keys endpoints."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from landbridge.schemas import Strict


class CustomerIn(Strict):
    name: str = Field(min_length=1, max_length=200, examples=["Chongqing Electronics Export Co."])
    email: str | None = Field(None, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


class CustomerOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    name: str
    email: str | None
    created_at: datetime


class CustomerPage(BaseModel):
    items: list[CustomerOut]
    next_after: str | None


class KeyIn(Strict):
    name: str = Field(min_length=1, max_length=200, description="Who or what uses the key.")
    role: Literal["operator", "shipper"] = "shipper"
    customer_id: str | None = Field(None, min_length=1, max_length=32, description="Required for shipper keys.")


class KeyOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: str
    prefix: str
    role: str
    name: str
    customer_id: str | None
    created_at: datetime
    revoked_at: datetime | None


class KeyCreated(KeyOut):
    token: str | None = Field(
        description="The API key. Shown once: store it now; only its hash is kept. Null in a replay "
        "(`Idempotent-Replayed: true`) of an earlier request: the token is never stored."
    )
    withheld: str | None = Field(None, description="In a replay only: why `token` is null.")


class Me(BaseModel):
    key_id: str
    role: str
    customer_id: str | None
    name: str
