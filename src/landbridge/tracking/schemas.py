"""Events in the shape of DCSA Track & Trace 3.0 (`metadata` + `payload`; Event Domain 3.x code lists), batches,
subscriptions and what the API answers. Field names are DCSA's (camelCase) so that DCSA clients read them as is.

Landbridge's extensions: a rail transport call names the train by `departureID` (a departure id of
GET /v1/departures) and a location may give the Landbridge `placeID` beside (or instead of) its UN/LOCODE.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from landbridge.schemas import Strict

EventType = Literal["TRANSPORT", "EQUIPMENT", "SHIPMENT"]
EVENT_TYPES: tuple[EventType, ...] = ("TRANSPORT", "EQUIPMENT", "SHIPMENT")
TRANSPORT_CODES = ("ARRI", "DEPA")
EQUIPMENT_CODES = (
    "LOAD",
    "DISC",
    "GTIN",
    "GTOT",
    "STUF",
    "STRP",
    "PICK",
    "AVPU",
    "DROP",
    "AVDO",
    "INSP",
    "RSEA",
    "RMVD",
    "CUSS",
    "CUSI",
    "CUSR",
    "CROS",
)
SHIPMENT_CODES = (
    "RECE",
    "DRFT",
    "PENA",
    "PENU",
    "PENC",
    "CONF",
    "REJE",
    "APPR",
    "ISSU",
    "SURR",
    "SUBM",
    "VOID",
    "CANC",
)
DOCUMENT_TYPES = ("CBR", "BKG", "SHI", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG")
FACILITY_TYPES = ("BOCR", "BORD", "CLOC", "COFS", "OFFD", "DEPO", "INTE", "POTE", "RAMP", "WAYP")
EVENT_ID = r"^[A-Za-z0-9][A-Za-z0-9._:/\-]{0,99}$"


class Location(Strict):
    locationType: Literal["UNLO", "FACI"] | None = None
    UNLocationCode: str | None = Field(None, pattern=r"^[A-Z]{2}[A-Z2-9]{3}$", examples=["DEDUI"])
    placeID: str | None = Field(None, max_length=64, description="Landbridge place id, e.g. duisburg-rail.")
    locationName: str | None = Field(None, max_length=100)


class TransportCall(Strict):
    transportCallReference: str | None = Field(None, max_length=100)
    transportCallSequenceNumber: int | None = Field(None, ge=0, le=1000)
    modeOfTransport: Literal["RAIL"] = "RAIL"
    railService: str | None = Field(None, max_length=64, description="The service id (optional: from departureID).")
    departureID: str = Field(
        min_length=1, max_length=80, description="The train: a departure id, SERVICE:YYYY-MM-DDTHHMM (local time)."
    )
    location: Location
    facilityTypeCode: Literal["BOCR", "BORD", "CLOC", "COFS", "OFFD", "DEPO", "INTE", "POTE", "RAMP", "WAYP"] | None = (
        None
    )


class Publisher(Strict):
    partyName: str | None = Field(None, max_length=100)


class Metadata(Strict):
    eventID: str = Field(pattern=EVENT_ID, description="Unique id of the event (a retry with the same id is ignored).")
    eventCreatedDateTime: datetime | None = None
    eventType: EventType
    publisher: Publisher | None = None
    publisherRole: str | None = Field(None, max_length=3)

    @field_validator("eventCreatedDateTime")
    @classmethod
    def _aware(cls, v: datetime | None) -> datetime | None:
        if v is not None and v.tzinfo is None:
            raise ValueError("give a time zone (Z or +hh:mm)")
        return v


class Payload(Strict):
    eventClassifierCode: Literal["ACT", "EST", "PLN"]
    eventDateTime: datetime
    transportEventTypeCode: Literal["ARRI", "DEPA"] | None = None
    equipmentEventTypeCode: (
        Literal[
            "LOAD",
            "DISC",
            "GTIN",
            "GTOT",
            "STUF",
            "STRP",
            "PICK",
            "AVPU",
            "DROP",
            "AVDO",
            "INSP",
            "RSEA",
            "RMVD",
            "CUSS",
            "CUSI",
            "CUSR",
            "CROS",
        ]
        | None
    ) = None
    shipmentEventTypeCode: (
        Literal["RECE", "DRFT", "PENA", "PENU", "PENC", "CONF", "REJE", "APPR", "ISSU", "SURR", "SUBM", "VOID", "CANC"]
        | None
    ) = None
    documentTypeCode: Literal["CBR", "BKG", "SHI", "TRD", "ARN", "VGM", "CAS", "CUS", "DGD", "OOG"] | None = None
    documentReference: str | None = Field(None, max_length=100, description="For shipment events: the booking id.")
    equipmentReference: str | None = Field(None, max_length=20, description="ISO 6346 container number.")
    ISOEquipmentCode: str | None = Field(None, max_length=4)
    emptyIndicatorCode: Literal["EMPTY", "LADEN"] | None = None
    isTransshipmentMove: bool = False
    transportCall: TransportCall | None = None
    eventLocation: Location | None = None
    delayReasonCode: str | None = Field(None, max_length=3)
    changeRemark: str | None = Field(None, max_length=250)
    reason: str | None = Field(None, max_length=250)

    @field_validator("eventDateTime")
    @classmethod
    def _aware(cls, v: datetime) -> datetime:
        if v.tzinfo is None:
            raise ValueError("give a time zone (Z or +hh:mm)")
        return v


class EventIn(Strict):
    """One event, DCSA Track & Trace 3.0 shape."""

    metadata: Metadata
    payload: Payload


class BatchIn(Strict):
    events: list[Any] = Field(
        min_length=1, max_length=10_000, description="Events (each as POST /v1/events takes it); at most 10,000."
    )
    atomic: bool = Field(
        False, description="Reject the whole batch if any event is bad (422); by default the good ones are applied."
    )


class EventResult(BaseModel):
    index: int
    eventID: str | None
    status: Literal["created", "duplicate", "rejected"]
    errors: list[dict[str, Any]] = []


class BatchOut(BaseModel):
    created: int
    duplicates: int
    rejected: int
    results: list[EventResult] = Field(description="Per event, in the order given; only duplicates and rejects.")


class SubscriptionIn(Strict):
    callbackUrl: str = Field(min_length=8, max_length=500, examples=["https://erp.example.com/hooks/landbridge"])
    eventTypes: list[EventType] = Field(default_factory=lambda: list(EVENT_TYPES), min_length=1, max_length=3)
    eventTypeCodes: list[str] = Field(
        default_factory=list, max_length=40, description="Only these codes (e.g. DEPA, GTOT); empty: every code."
    )
    bookingID: str | None = Field(None, max_length=32, description="Only this booking's events.")

    @field_validator("eventTypeCodes")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        known = set(TRANSPORT_CODES) | set(EQUIPMENT_CODES) | set(SHIPMENT_CODES)
        bad = [c for c in v if c not in known]
        if bad:
            raise ValueError(f"unknown event type code {bad[0]!r}; use DCSA codes such as DEPA, ARRI, LOAD, GTOT")
        return v


class SubscriptionOut(BaseModel):
    subscriptionID: str
    callbackUrl: str
    eventTypes: list[str]
    eventTypeCodes: list[str]
    bookingID: str | None
    active: bool
    subscriptionCreatedDateTime: datetime
    subscriptionUpdatedDateTime: datetime
    secret: str | None = Field(None, description="The signing secret: shown once, when created or rotated.")
    secretVersion: int


class EtaOut(BaseModel):
    departure_id: str
    stop_index: int
    place_id: str
    p10: datetime
    p50: datetime
    p90: datetime
    scheduled: datetime
    schedule_only: datetime
    predicted_from: str
    predicted_at: datetime
    as_of: datetime = Field(
        description="The time the estimates hold at: the time of asking (bounded by the latest event received), "
        "or predicted_at. Later than predicted_at, they know the train's next event had not come by then."
    )
    model_version: str


class TrackingOut(BaseModel):
    booking_id: str
    status: str
    transport_status: str
    position: dict[str, Any] | None
    eta: EtaOut | None
    events: list[dict[str, Any]]
