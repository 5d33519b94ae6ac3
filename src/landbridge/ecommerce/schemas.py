"""Request and response bodies of the e-commerce API (bounded: every string and list has a limit)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from landbridge.schemas import Strict

ORDER_FIELDS_DOC = (
    "seller_order_id, order_date (ISO 8601, with a time zone if a time is given), regime (9610, 9710, 9810, 1210), "
    "weight_kg, length_cm, width_cm, height_cm, items, declared_value, currency (ISO 4217), hs_codes (list or "
    "';'-separated, 6-10 digits each), destination_country (ISO 3166-1 alpha-2), destination_city, "
    "destination_postcode, consignee_name; optional consignee_type, ioss_number, bonded_account, promised_by, ready_at."
)


class OrderIn(BaseModel):
    """One order. Values are validated together with the batch (every bad field is reported), so this model
    only bounds sizes; see the field list in the endpoint's description."""

    model_config = ConfigDict(extra="allow")


class OrdersIn(Strict):
    orders: list[dict[str, str | int | float | bool | list[str | int] | None]] = Field(
        min_length=1, max_length=10_000, description="1 to 10,000 orders. Fields: " + ORDER_FIELDS_DOC
    )
    seller_id: str | None = Field(None, max_length=32, description="Operators only: the seller the orders belong to.")
    skip_invalid: bool = Field(
        False, description="Import the valid orders and report the others (default: all or none)."
    )


class ImportOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    imported: bool
    import_id: str | None
    rows: int
    valid: int
    rejected: int
    inserted: int
    unchanged: int
    changed: list[dict[str, Any]]
    errors: list[dict[str, Any]]
    order_ids: list[str]


class SellerIn(Strict):
    allow_other_trains: bool


class ConsolidateIn(Strict):
    departure_id: str = Field(min_length=3, max_length=80, examples=["chengdu-ecommerce:2026-12-04T1800"])


class OrderOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    seller_id: str
    seller_order_id: str
    status: str
    late: bool
    hub: str
    regime: str


class OrderPage(BaseModel):
    items: list[OrderOut]
    next_cursor: str | None
