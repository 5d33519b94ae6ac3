"""Dangerous-goods declarations of bookings, checked against the quoted cargo and the Dangerous Goods List.

The quote priced the cargo type asked for (its dangerous-goods surcharge) and offered only services that
accept its UN number; so a booking must declare exactly that UN number, with the hazard class the Dangerous
Goods List gives it (data/dangerous_goods.yaml, with its source). Quoting `general` and declaring UN3480 at
booking time would skip the surcharge: refused, naming the cargo type to quote instead."""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

from pydantic import BaseModel, ConfigDict, Field

from landbridge.datafiles import DataSource, validate_entries
from landbridge.errors import FieldError

if TYPE_CHECKING:
    from landbridge.booking.schemas import DangerousGoods
    from landbridge.cargo import CargoCatalog

FILE = "dangerous_goods.yaml"
FIELD = "shipment.goods.dangerous_goods"


class DangerousGoodsEntry(BaseModel):
    """One entry of the Dangerous Goods List that the cargo rules accept."""

    model_config = ConfigDict(extra="forbid", frozen=True)
    un_number: str = Field(pattern=r"^UN[0-9]{4}$")
    hazard_class: str
    proper_shipping_names: tuple[str, ...]


@lru_cache(maxsize=4)
def dangerous_goods_list(user_dir: str | None = None) -> dict[str, DangerousGoodsEntry]:
    """The accepted UN numbers and their entries (user data folder first, then the shipped file)."""
    src = DataSource(user_dir)
    doc = src.yaml(FILE)
    entries = validate_entries(
        src.display(FILE), doc.get("entries"), DangerousGoodsEntry, key="un_number", section="entries"
    )
    return {e.un_number: e for e in entries}


def check_declaration(catalog: CargoCatalog, quoted_cargo: str, declared: DangerousGoods | None) -> None:
    """Raise FieldError unless the declaration (`declared`: un_number, hazard_class; or None) matches the
    quoted cargo type (`quoted_cargo`, an id of `catalog.cargo_types`) and the Dangerous Goods List."""
    cargo = catalog.cargo_types.get(quoted_cargo)
    quoted_un = cargo.un_number if cargo is not None else None
    if declared is None:
        if cargo is not None and quoted_un:
            raise FieldError(
                FIELD,
                f"The quote was for {cargo.name.lower()} ({quoted_un}, class {cargo.dg_class}); "
                "declare the dangerous goods (UN number, class, proper shipping name).",
            )
        return
    table = dangerous_goods_list()
    entry = table.get(declared.un_number)
    if entry is None:
        raise FieldError(
            f"{FIELD}.un_number",
            f"{declared.un_number} is not accepted: the cargo rules accept {', '.join(sorted(table))} only.",
        )
    if declared.un_number != quoted_un:
        quote_as = [c.id for c in catalog.cargo_types.values() if c.un_number == declared.un_number]
        what = (
            f"{cargo.name.lower()} ({quoted_un})"
            if cargo is not None and quoted_un
            else f"{quoted_cargo} cargo, not dangerous goods"
        )
        raise FieldError(
            f"{FIELD}.un_number",
            f"The option was quoted for {what}; {declared.un_number} must be quoted as cargo "
            f"{' or '.join(repr(c) for c in quote_as)} (its surcharge and the services that accept it). "
            "Request a new quote with that cargo type.",
        )
    if declared.hazard_class != entry.hazard_class:
        raise FieldError(
            f"{FIELD}.hazard_class",
            f"{declared.un_number} is class {entry.hazard_class} (Dangerous Goods List), not {declared.hazard_class}.",
        )
