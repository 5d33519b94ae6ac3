"""Emission reports of bookings per ISO 14083, and a customer's totals per month and per mode with the saving
against the sea and air options their quotes offered.

A booking's report applies the emissions model (landbridge.emissions) to the booked option's itinerary (its
stored breakdown when the option carries one, else its legs re-traced over the timetable the quote was made
under), with the booking's own goods mass and containers, and the factor set the data folder holds. Every
function takes the session of a transaction the caller owns and never commits. Tenancy: a shipper sees its
own bookings only (another customer's booking is 404, as for the booking itself); operators see all.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.accounts.service import Principal
from landbridge.booking.models import LIVE_STATUSES, Booking, Quote, QuoteOption
from landbridge.errors import FieldError, InvalidRequestError, NotFoundError
from landbridge.timefmt import iso_utc

METHOD = {
    "standard": "ISO 14083:2023",
    "activity": "distance travelled on the network x mass of the goods (tonne-km), per leg and per section",
    "scope": "well-to-wheel (WTW) = tank-to-wheel (TTW, operation) + well-to-tank (WTT, energy provision)",
    "hubs": "handling per container at terminals, gauge changes and ports",
    "allocation": "mass of the goods as booked; the wagon, the container's tare and empty running are in the "
    "published averages (default values), not allocated separately",
    "gwp": "IPCC AR5, 100 years (the factor sources')",
}
LIMITATIONS = (
    "Default values (published averages), not the carriers' measured data.",
    "Electric rail uses each country's average generation mix without transmission losses.",
    "A rail link that crosses a border is split evenly between the two countries.",
    "Rail ferries: the goods' mass is charged; the wagon carried with it is not.",
    "Airport handling has no open factor and is reported as not quantified.",
)


def _world(request: Mapping[str, Any] | None) -> Any:
    """The world (network, timetable, factors) a quote was made under: its scenario specs, if any."""
    from landbridge.world import load_world, scenario_from_specs

    specs = list((request or {}).get("scenario") or [])
    try:
        return load_world(scenario_from_specs(specs)) if specs else load_world()
    except InvalidRequestError:  # a scenario the current data no longer knows: the baseline network
        return load_world()


def _quote_request(s: Session, option_id: str) -> dict[str, Any] | None:
    return s.execute(
        select(Quote.request).join(QuoteOption, QuoteOption.quote_id == Quote.id).where(QuoteOption.id == option_id)
    ).scalar()


def _emissions(option: Mapping[str, Any], mass_kg: float, containers: float, world: Any) -> Any:
    from landbridge.emissions import shipment_emissions
    from landbridge.emissions.itinerary import legs_from_option

    legs = legs_from_option(option, world.network, world.timetable.by_id)
    return shipment_emissions(legs, mass_kg, containers, world.factors)


def report_for_booking(booking: Mapping[str, Any], world: Any, now: datetime | None = None) -> dict[str, Any]:
    """The ISO 14083 report of a booking as returned by the booking service (`get_booking`): per leg and
    section (distance, mass, factor, TTW/WTT/WTW kg CO2e, data quality), per hub, totals, the factor set,
    the method and its limitations."""
    goods = booking["shipment"]["goods"]
    mass_kg = float(goods["mass_kg"])
    result = _emissions(booking["itinerary"], mass_kg, booking["containers"], world)
    doc = result.to_dict()
    not_quantified = [
        f"{h['kind'].replace('_', ' ')} at {h['place_name']}: no factor in the set"
        for h in doc["hubs"]
        if not h["quantified"]
    ]
    legs = booking["itinerary"].get("legs") or [{}]
    return {
        "booking": {
            "id": booking["id"],
            "customer_id": booking["customer_id"],
            "reference": booking.get("reference"),
            "status": booking["status"],
            "origin": booking["origin"],
            "destination": booking["destination"],
            "origin_name": legs[0].get("from_name") or booking["origin"],
            "destination_name": legs[-1].get("to_name") or booking["destination"],
            "departure": booking["departure"],
            "arrival": booking["arrival"],
            "containers": booking["containers"],
            "container_type": booking["container_type"],
            "goods": goods.get("description"),
            "mode": booking["itinerary"].get("mode"),
        },
        "generated_at": iso_utc(now or datetime.now(UTC)),
        **doc,
        "method": METHOD,
        "not_quantified": not_quantified,
        "limitations": list(LIMITATIONS),
    }


def booking_report(s: Session, principal: Principal, booking_id: str, now: datetime | None = None) -> dict[str, Any]:
    """The emissions report of one booking the caller may see (NotFoundError otherwise)."""
    from landbridge.booking import service as bookings

    b = bookings.get_booking(s, principal, booking_id)
    return report_for_booking(b, _world(_quote_request(s, b["option_id"])), now)


# ---- a customer's totals ----------------------------------------------------------------------------
def _bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    if start and end and end < start:
        raise FieldError("to", f"The end date {end} is before the start date {start}.")
    lo = datetime.combine(start, time(), tzinfo=UTC) if start else None
    hi = datetime.combine(end, time.max, tzinfo=UTC) if end else None
    return lo, hi


def emissions_summary(
    s: Session,
    principal: Principal,
    customer_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> dict[str, Any]:
    """WTW kg CO2e of a customer's live bookings (not cancelled, rejected or declined) per month of departure
    and per mode, and what the lowest-emission sea and air options of the same quotes would have emitted for
    the same goods (the saving = alternative - booked, over the bookings whose quote offered that mode). A
    shipper gets its own figures (asking for another customer is 404); an operator one customer's, or
    everyone's."""
    if not principal.is_operator:
        if customer_id and customer_id != principal.customer_id:
            raise NotFoundError(f"No customer {customer_id!r}.")
        customer_id = principal.customer_id
    rows = _live_bookings(s, customer_id, *_bounds(start, end))
    alternatives = _quote_options(s, {r[1] for r in rows})
    months: dict[str, dict[str, Any]] = {}
    per_booking = []
    for b, qid, booked_option, request in rows:
        world = _world(request)
        mass_kg = float(b.shipment["goods"]["mass_kg"])
        booked = _emissions(booked_option, mass_kg, b.containers, world)
        alt = _lowest_alternatives(alternatives.get(qid, []), b, mass_kg, world)
        month = b.departs_at.astimezone(UTC).strftime("%Y-%m")
        _add_to_month(months.setdefault(month, _empty_month(month)), booked, alt)
        per_booking.append(
            {
                "booking_id": b.id,
                "month": month,
                "mode": booked_option.get("mode"),
                "mass_kg": mass_kg,
                "wtw_co2e_kg": round(booked.wtw_kg, 3),
                "sea_alternative_wtw_co2e_kg": round(alt["sea"], 3) if "sea" in alt else None,
                "air_alternative_wtw_co2e_kg": round(alt["air"], 3) if "air" in alt else None,
            }
        )
    month_rows = [_finish(m) for m in months.values()]
    totals = _finish(
        {
            "month": "total",
            "bookings": sum(m["bookings"] for m in months.values()),
            "ttw_co2e_kg": sum(m["ttw_co2e_kg"] for m in months.values()),
            "wtw_co2e_kg": sum(m["wtw_co2e_kg"] for m in months.values()),
            "by_mode_wtw_co2e_kg": _sum_dicts(m["by_mode_wtw_co2e_kg"] for m in months.values()),
            "sea_alternative": _sum_dicts(m["sea_alternative"] for m in months.values()),
            "air_alternative": _sum_dicts(m["air_alternative"] for m in months.values()),
        }
    )
    from landbridge.world import load_world

    return {
        "customer_id": customer_id,
        "from": start.isoformat() if start else None,
        "to": end.isoformat() if end else None,
        "factor_set": load_world().factors.info.to_dict(),
        "months": month_rows,
        "totals": totals,
        "bookings": per_booking,
    }


def _live_bookings(s: Session, customer_id: str | None, lo: Any, hi: Any) -> list[Any]:
    """(booking, quote id, booked option, quote request) of live bookings, by departure."""
    q = (
        select(Booking, QuoteOption.quote_id, QuoteOption.option, Quote.request)
        .join(QuoteOption, QuoteOption.id == Booking.option_id)
        .join(Quote, Quote.id == QuoteOption.quote_id)
        .where(Booking.status.in_(LIVE_STATUSES))
        .order_by(Booking.departs_at, Booking.id)
    )
    if customer_id:
        q = q.where(Booking.customer_id == customer_id)
    if lo:
        q = q.where(Booking.departs_at >= lo)
    if hi:
        q = q.where(Booking.departs_at <= hi)
    return list(s.execute(q).all())


def _quote_options(s: Session, quote_ids: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Every option each quote offered (the alternatives a booking was chosen from)."""
    out: dict[str, list[dict[str, Any]]] = {}
    if quote_ids:
        stmt = select(QuoteOption.quote_id, QuoteOption.option).where(QuoteOption.quote_id.in_(quote_ids))
        for qid, option in s.execute(stmt).all():
            out.setdefault(qid, []).append(option)
    return out


def _lowest_alternatives(options: list[dict[str, Any]], b: Booking, mass_kg: float, world: Any) -> dict[str, float]:
    """WTW kg of the lowest-emission sea and air options of the booking's quote, for the booked goods."""
    alt: dict[str, float] = {}
    for option in options:
        mode = option.get("mode")
        if mode in ("sea", "air") and option.get("id") != b.option_id:
            wtw = _emissions(option, mass_kg, b.containers, world).wtw_kg
            alt[mode] = min(wtw, alt.get(mode, wtw))
    return alt


def _empty_month(month: str) -> dict[str, Any]:
    return {
        "month": month,
        "bookings": 0,
        "ttw_co2e_kg": 0.0,
        "wtw_co2e_kg": 0.0,
        "by_mode_wtw_co2e_kg": {},
        "sea_alternative": {"bookings": 0, "wtw_co2e_kg": 0.0, "booked_wtw_co2e_kg": 0.0},
        "air_alternative": {"bookings": 0, "wtw_co2e_kg": 0.0, "booked_wtw_co2e_kg": 0.0},
    }


def _add_to_month(m: dict[str, Any], booked: Any, alt: dict[str, float]) -> None:
    m["bookings"] += 1
    m["ttw_co2e_kg"] += booked.ttw_kg
    m["wtw_co2e_kg"] += booked.wtw_kg
    for mode, kg in booked.by_mode().items():
        m["by_mode_wtw_co2e_kg"][mode] = m["by_mode_wtw_co2e_kg"].get(mode, 0.0) + kg
    for mode, kg in alt.items():
        a = m[f"{mode}_alternative"]
        a["bookings"] += 1
        a["wtw_co2e_kg"] += kg
        a["booked_wtw_co2e_kg"] += booked.wtw_kg


def _sum_dicts(items: Any) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for d in items:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return out


def _finish(m: dict[str, Any]) -> dict[str, Any]:
    """Rounded figures, with the saving against each alternative (alternative - booked, same bookings)."""
    out = {
        "month": m["month"],
        "bookings": m["bookings"],
        "ttw_co2e_kg": round(m["ttw_co2e_kg"], 3),
        "wtw_co2e_kg": round(m["wtw_co2e_kg"], 3),
        "by_mode_wtw_co2e_kg": {k: round(v, 3) for k, v in sorted(m["by_mode_wtw_co2e_kg"].items())},
    }
    for mode in ("sea", "air"):
        a = m[f"{mode}_alternative"]
        n = int(a.get("bookings", 0))
        out[f"{mode}_alternative"] = {
            "bookings": n,
            "wtw_co2e_kg": round(a.get("wtw_co2e_kg", 0.0), 3) if n else None,
            "saving_co2e_kg": round(a.get("wtw_co2e_kg", 0.0) - a.get("booked_wtw_co2e_kg", 0.0), 3) if n else None,
        }
    return out
