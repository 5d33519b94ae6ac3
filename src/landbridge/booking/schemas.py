"""Request and response bodies of quotes, departures and bookings (bounded: every string and list has a limit)."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from landbridge.schemas import Strict

Mode = Literal["rail", "sea", "air"]
# DCSA Booking 2.0 booking statuses (lower case); the transport status is separate.
Status = Literal["received", "pending_update", "confirmed", "rejected", "declined", "cancelled", "completed"]
TransportStatus = Literal["planned", "in_transit", "delivered"]
# Filters also take the earlier names: requested (= received), in_transit and delivered (transport status).
StatusFilter = Literal[
    "received",
    "pending_update",
    "confirmed",
    "rejected",
    "declined",
    "cancelled",
    "completed",
    "requested",
    "in_transit",
    "delivered",
]


# ---- quotes ----------------------------------------------------------------------------------
class QuoteIn(Strict):
    origin: str = Field(min_length=1, max_length=100, examples=["Chongqing"])
    destination: str = Field(min_length=1, max_length=100, examples=["Duisburg"])
    ready_date: date = Field(description="Date the cargo is ready (today or later).")
    containers: int = Field(1, ge=1, le=500)
    container_type: str = Field("40HC", min_length=1, max_length=16, examples=["40HC", "20GP"])
    cargo: str = Field("general", min_length=1, max_length=40, examples=["electronics", "batteries"])
    mass_kg: float | None = Field(None, gt=0, le=20_000_000, description="Total cargo mass; default typical.")
    modes: list[Mode] = Field(default_factory=lambda: ["rail", "sea", "air"], min_length=1, max_length=3)
    scenario: list[str] = Field(
        default_factory=list,
        max_length=8,
        description=(
            "Scenario specs, e.g. red-sea-closed, avoid:RU, border:khorgos=50%, "
            "closure:brest-malaszewicze=2025-09-11..2025-09-25 (closed those UTC days, inclusive)."
        ),
    )
    currency: Literal["USD", "EUR", "CNY"] = Field(
        "USD", description="Currency of the prices (ECB reference rates of the day or the latest before)."
    )

    @field_validator("scenario")
    @classmethod
    def _specs(cls, v: list[str]) -> list[str]:
        for spec in v:
            if not spec or len(spec) > 100:
                raise ValueError("each scenario spec must be 1 to 100 characters")
        return v


Money = Annotated[Decimal, Field(description='An amount as a decimal string, e.g. "1234.50".')]


class Open(BaseModel):
    """Answers may gain members in later versions: clients must ignore members they do not know."""

    model_config = ConfigDict(extra="allow", populate_by_name=True)


class LegOut(Open):
    """One leg of an itinerary: truck, or a timetabled rail, sea or air ride (times ISO 8601 UTC)."""

    mode: Literal["truck", "rail", "sea", "air"]
    from_: str = Field(alias="from", description="Place id where the leg starts.")
    from_name: str
    to: str
    to_name: str
    departure: str
    arrival: str
    distance_km: float
    co2e_kg: float
    service: str | None = Field(None, description="Timetabled service id (null for trucks).")
    service_name: str | None = None
    departure_id: str | None = Field(None, description="The service's departure (rail, sea, air).")
    board_stop: int | None = Field(None, description="Index of the boarding stop on the departure.")
    alight_stop: int | None = Field(None, description="Index of the alighting stop on the departure.")


class CostLineOut(Open):
    kind: str = Field(description="freight, handling, border or surcharge.")
    label: str
    amount: Money


class ExchangeRateOut(Open):
    from_: str = Field(alias="from")
    to: str
    rate: Decimal
    date: str | None = None
    source: str | None = None


class CostOut(Open):
    """The price of an option in the quote's currency: the total, per kind, and line by line."""

    total: Money
    currency: str
    breakdown: dict[str, Money] = Field(default_factory=dict)
    lines: list[CostLineOut] = Field(default_factory=list)
    exchange_rate: ExchangeRateOut | None = Field(None, description="Set when the prices were converted.")


class GaugeChangeOut(Open):
    place: str
    place_name: str | None = None
    crossing: str
    from_gauge_mm: int
    to_gauge_mm: int


class BorderOut(Open):
    from_country: str
    to_country: str
    place: str
    exit_place: str | None = None


class ReliabilityOut(Open):
    p50_transit_days: float
    p90_transit_days: float
    source: str


class ItineraryOut(Open):
    """One option exactly as `landbridge quote --json` prints it."""

    key: str
    mode: str
    labels: list[str] = Field(default_factory=list)
    legs: list[LegOut]
    departure: str
    arrival: str
    transit_days: float
    transfers: int | None = None
    distance_km: float | None = None
    cost: CostOut
    co2e_kg: float
    gauge_changes: list[GaugeChangeOut] = Field(default_factory=list)
    borders: list[BorderOut] = Field(default_factory=list)
    reliability: ReliabilityOut | None = None


class QuoteOptionOut(ItineraryOut):
    """An option with its bookable `id`, valid until `expires_at`."""

    id: str
    expires_at: datetime


class QuoteOut(Open):
    """The places as resolved, the load, the scenario, and the options (a Pareto set over arrival, cost, CO2e
    and transfers), each bookable until `expires_at`."""

    id: str
    expires_at: datetime
    valid_minutes: int
    origin: Any = None
    destination: Any = None
    containers: int | None = None
    container_type: Any = None
    cargo: Any = None
    currency: str | None = None
    options: list[QuoteOptionOut]


# ---- departures ------------------------------------------------------------------------------
class SectionOut(BaseModel):
    index: int
    from_: str = Field(alias="from")
    to: str
    region: str
    distance_km: float
    capacity_feu: float
    booked_feu: float
    free_feu: float

    model_config = ConfigDict(populate_by_name=True)


class DepartureRow(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    service: str
    origin: str
    destination: str
    departure: str
    arrival: str
    capacity_feu: float
    booked_feu: float
    free_feu: float
    sections: list[SectionOut]


class DepartureSearchOut(BaseModel):
    count: int
    offset: int
    limit: int
    departures: list[DepartureRow]


class StopOut(BaseModel):
    index: int
    place: str
    name: str
    arrival: str
    departure: str
    boardable: bool


class DepartureOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    service: str
    service_name: str
    corridor: str
    departure: str
    arrival: str
    capacity_feu: float
    booked_feu: float
    free_feu: float
    stops: list[StopOut]
    sections: list[SectionOut]


# ---- bookings --------------------------------------------------------------------------------
class Party(Strict):
    multiline = frozenset({"address"})
    name: str = Field(min_length=1, max_length=200)
    address: str = Field(min_length=1, max_length=500)
    country: str = Field(pattern=r"^[A-Z]{2}$", description="ISO 3166-1 alpha-2 code, e.g. CN, DE.")
    contact: str | None = Field(None, max_length=200)


class DangerousGoods(Strict):
    un_number: str = Field(pattern=r"^UN[0-9]{4}$", examples=["UN3480"])
    hazard_class: str = Field(pattern=r"^[1-9](\.[1-6][A-Z]?)?[A-Z]?$", examples=["9", "2.1", "1.4S"])
    packing_group: Literal["I", "II", "III"] | None = None
    proper_shipping_name: str = Field(min_length=1, max_length=200, examples=["LITHIUM ION BATTERIES"])


class Goods(Strict):
    multiline = frozenset({"description"})
    description: str = Field(min_length=1, max_length=500)
    hs_code: str = Field(
        description="Harmonized System code: 6, 8 or 10 ASCII digits (dots and spaces ignored).",
        examples=["850760"],
        max_length=20,
    )
    mass_kg: float = Field(gt=0, le=20_000_000, description="Gross mass of the goods.")
    packages: int | None = Field(None, ge=1, le=1_000_000)
    dangerous_goods: DangerousGoods | None = None

    @field_validator("hs_code")
    @classmethod
    def _hs(cls, v: str) -> str:
        digits = re.sub(r"[. ]", "", v)
        if not re.fullmatch(r"[0-9]{6}([0-9]{2}){0,2}", digits):
            raise ValueError("an HS code has 6, 8 or 10 ASCII digits 0-9, e.g. 850760 or 8507.60.00")
        return digits


class Shipment(Strict):
    consignor: Party
    consignee: Party
    goods: Goods


class SealIn(Strict):
    number: str = Field(min_length=1, max_length=15, examples=["SN4711"])
    source: Literal["CAR", "SHI", "PHY", "VET", "CUS"] = Field(
        "SHI", description="Who applied it (DCSA): carrier, shipper, phytosanitary, veterinary, customs."
    )


class VgmIn(Strict):
    mass_kg: float = Field(gt=0, le=100_000, description="Verified gross mass (SOLAS VI/2): box, packing and cargo.")
    method: Literal["SM1", "SM2"] = Field(description="SM1: the packed box weighed; SM2: contents weighed + tare.")


class ContainerIn(Strict):
    equipment_reference: str | None = Field(
        None,
        max_length=20,
        description="ISO 6346 number with its check digit, e.g. CSQU3054383 (when assigned).",
        examples=["CSQU3054383"],
    )
    iso_equipment_code: str | None = Field(
        None, max_length=4, description="ISO 6346 size-type code, e.g. 45G1; default from the container type."
    )
    seals: list[SealIn] = Field(default_factory=list, max_length=5)
    vgm: VgmIn | None = None


class EquipmentIn(Strict):
    equipment: list[ContainerIn] = Field(max_length=500, description="The booking's containers (all of them).")


class ContainerOut(BaseModel):
    seq: int
    equipment_reference: str | None
    iso_equipment_code: str
    seals: list[dict[str, Any]]
    vgm: dict[str, Any] | None


class BookingIn(Strict):
    option_id: str = Field(min_length=1, max_length=32, description="An option `id` from POST /v1/quotes.")
    containers: int = Field(ge=1, le=500, description="Containers to book (at most the quoted number).")
    shipment: Shipment
    reference: str | None = Field(None, max_length=64, description="Your own reference.")
    customer_id: str | None = Field(None, max_length=32, description="Operators only: the customer booked for.")
    equipment: list[ContainerIn] | None = Field(
        None, max_length=500, description="The containers, if known (else PUT /v1/bookings/{id}/equipment later)."
    )


class StatusIn(Strict):
    multiline = frozenset({"note"})
    status: Literal[
        "received",
        "pending_update",
        "confirmed",
        "rejected",
        "declined",
        "cancelled",
        "completed",
        "in_transit",
        "delivered",
    ] = Field(
        description="A booking status (DCSA Booking 2.0); `in_transit` and `delivered` set the transport status "
        "(operators' override when no tracking events come)."
    )
    note: str | None = Field(None, max_length=500)


class CancelIn(Strict):
    multiline = frozenset({"reason"})
    reason: str | None = Field(None, max_length=500)


class ReservationOut(BaseModel):
    departure_id: str
    board_stop: int
    alight_stop: int
    feu: float


class EventOut(BaseModel):
    from_status: str | None
    to_status: str
    at: datetime
    actor_role: str
    api_key_id: str | None
    note: str | None
    field: Literal["status", "transport_status"] = "status"
    tracking_event_id: str | None = Field(None, description="The tracking event that made this change.")


class PriceOut(BaseModel):
    total: Money
    currency: str


class BookingSummary(BaseModel):
    id: str
    status: Status
    transport_status: TransportStatus
    customer_id: str
    option_id: str
    reference: str | None
    containers: int
    container_type: str
    feu: float
    price: PriceOut
    origin: str
    destination: str
    departure: datetime
    arrival: datetime
    created_at: datetime
    updated_at: datetime


class BookingOut(BookingSummary):
    shipment: Shipment
    equipment: list[ContainerOut] = []
    itinerary: ItineraryOut | None = Field(description="The booked option (legs, cost, CO2e, borders).")
    reservations: list[ReservationOut]
    events: list[EventOut]
    consignment_note: str | None = Field(
        description="URL of the CIM/SMGS consignment note (PDF); null when the booking has no rail leg."
    )


class CorridorUseOut(BaseModel):
    corridor: str
    departures: int
    section_capacity_feu: float
    section_booked_feu: float
    utilisation: float = Field(description="Booked over capacity, summed over sections (0 to 1).")


class DepartureUseOut(BaseModel):
    departure_id: str
    service: str
    corridor: str
    departure: str
    capacity_feu: float
    booked_feu: float
    utilisation: float


class UtilisationOut(BaseModel):
    from_: str = Field(alias="from")
    to: str
    corridors: list[CorridorUseOut]
    departures: list[DepartureUseOut]
    note: str

    model_config = ConfigDict(populate_by_name=True)


class SectionMismatchOut(BaseModel):
    departure_id: str
    section_index: int
    booked_feu: float
    live_bookings_feu: float


class SectionRefOut(BaseModel):
    departure_id: str
    section_index: int


class ReconcileOut(BaseModel):
    ok: bool
    sections_checked: int
    mismatches: list[SectionMismatchOut]
    oversold: list[SectionRefOut]
    reservations_without_sections: int


class BookingPage(BaseModel):
    items: list[BookingSummary]
    next_cursor: str | None
