"""What the network's data files hold as written (unlocodes.yaml, rail_links.yaml, border_crossings.yaml),
validated. Imported by the loader when it reads the files, not with the network: a world answered from the
compiled cache never needs them."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class LocodeEntry(BaseModel):
    """One place's UN/LOCODE in unlocodes.yaml: the code and the list entry it was checked against, or null
    with the reason."""

    model_config = ConfigDict(extra="forbid", defer_build=True)
    code: str | None = Field(pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")
    entry: str | None = None
    functions: str | None = Field(default=None, pattern=r"^[0-7B-]{8}$")
    status: str | None = Field(default=None, pattern=r"^[A-Z]{2}$")
    carrier_code: str | None = Field(default=None, pattern=r"^[A-Z]{2}[A-Z2-9]{3}$")
    note: str | None = None
    reason: str | None = None

    @model_validator(mode="after")
    def _code_or_reason(self) -> LocodeEntry:
        if self.code is None and not self.reason:
            raise ValueError("a place without a code needs a reason (why the code list has none)")
        if self.code is not None and not self.entry:
            raise ValueError("a code needs the code list entry it was checked against (entry)")
        return self


class RailLinkEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    from_: str = Field(alias="from")
    to: str
    speed_kmh: float | None = Field(default=None, gt=0, le=160)
    traction: Literal["electric", "diesel", "average"] | None = None
    distance_km: float | None = Field(default=None, gt=0)


class CrossingEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9-]*$")
    name: str
    from_: str = Field(alias="from")
    to: str
    mode: Literal["rail", "ferry"] = "rail"
    distance_km: float = Field(gt=0)
    processing_hours: float = Field(ge=0)
    trains_per_day: float = Field(gt=0)
    typical_utilisation: float = Field(ge=0, lt=1)
    transshipment_at: str | None = None  # a fixed yard; by default the receiving side transships
    capacity_basis: Literal["published", "assumption"]
    capacity_source: str = Field(min_length=3)
    source: str = Field(min_length=3)
    # Extra hours for trains that end in one of `import_countries` (import clearance, waiting for a path):
    # transit trains through the crossing do not spend them. import_source says where the figure comes from.
    import_hours: float = Field(default=0.0, ge=0)
    import_countries: tuple[str, ...] = ()
    import_source: str | None = None

    @model_validator(mode="after")
    def _import_sourced(self) -> CrossingEntry:
        if self.import_hours and (not self.import_countries or not self.import_source):
            raise ValueError("import_hours needs import_countries and import_source")
        return self
