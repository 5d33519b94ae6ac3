"""The planner's one door to emissions: a ride, a truck leg, a whole option. Swap the model here.

`FactorEmissions` is the ISO 14083 model of landbridge.emissions: distance on the real network x mass x
the intensity of each section (electric rail by each country's grid, diesel by fuel, ferries, sea, air,
road), plus the handling at hubs per container for an option's breakdown. Another model only needs the
three methods.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from mypy_extensions import mypyc_attr

from landbridge.emissions import (
    EmissionFactors,
    Hub,
    HubResult,
    LegResult,
    LegSpec,
    ShipmentEmissions,
    hub_emissions,
    leg_emissions,
    leg_g_per_tonne,
)
from landbridge.emissions.factors import FactorSet
from landbridge.emissions.model import check_shipment, leg_end_hubs, ordered_hubs
from landbridge.timetable.models import RideFacts

LEG_MEMO_SIZE = 10_000  # (leg, mass, position) results kept at most; emptied whole when full
HUB_MEMO_SIZE = 10_000  # (hub, containers, mass, position) results and legs' end hubs kept at most (the same)


class EmissionModel(Protocol):
    """What the planner asks of an emission model (kg and g CO2e; km; kg of goods)."""

    def ride_g_per_t(self, facts: RideFacts) -> float:
        """Grams CO2e (WTW) per tonne of goods over a ride (called once per ride, when the planner is built)."""
        ...

    def road_kg(self, distance_km: float, mass_kg: float) -> float:
        """kg CO2e (WTW) of trucking `mass_kg` of goods `distance_km` km."""
        ...

    def hub_kg(self, place_id: str, mass_kg: float) -> float:
        """kg CO2e (WTW) of `mass_kg` of goods changing vehicle at a gateway, as the search ranks itineraries
        (called once per gateway, when the planner is built). The reported figure comes from `shipment`."""
        ...

    def shipment(self, legs: Sequence[LegSpec], mass_kg: float, containers: int) -> ShipmentEmissions:
        """The full ISO 14083 breakdown of an option's legs (with the hubs between and inside them)."""
        ...


@mypyc_attr(allow_interpreted_subclasses=True)  # a plug-in point: subclassed (tests); compiled (landbridge/native.py)
class FactorEmissions:
    """Emissions from the factor set of emission_factors.yaml through the ISO 14083 model."""

    def __init__(self, factors: EmissionFactors):
        self.factors = factors
        self._road_g_per_tkm = factors.mode_intensity("road").wtw_g_per_tkm
        # Leg results by (id of the LegSpec, mass, position): the planner hands the same LegSpec object for
        # every option on the same ride (or truck leg), so its sections are worked out once per mass. The
        # entry keeps the LegSpec, so its id cannot be reused while the entry lives.
        # (Position None: the leg's latest result at any position, whose sections another position reuses.)
        self._legs: dict[tuple[int, float, int | None], tuple[LegSpec, LegResult]] = {}
        # Likewise the hubs at each LegSpec's ends (the same Hub objects each time) and each hub's result by
        # (id of the Hub, containers, mass, position).
        self._ends: dict[int, tuple[LegSpec, tuple[Hub, Hub] | None]] = {}
        self._hubs: dict[tuple[int, float, float, int | None], tuple[Hub, HubResult]] = {}

    def __reduce__(self) -> tuple[type[FactorEmissions], tuple[EmissionFactors]]:
        """Pickled as its factors (the memos start empty again; see Planner.__reduce__; a subclass with more state
        pickles it itself)."""
        return type(self), (self.factors,)

    def ride_g_per_t(self, facts: RideFacts) -> float:
        """Rail: each section's km x its intensity (country and traction; ferries at the ferry factor);
        sea: km sailed x the sea factor; air: great circle plus the set's adjustment x the air factor."""
        leg = LegSpec(facts.mode, "", "", facts.distance_km, facts.emission_sections)
        return leg_g_per_tonne(leg, self.factors)[1]

    def road_kg(self, distance_km: float, mass_kg: float) -> float:
        """Truck km x tonnes x the road factor, in kg."""
        return distance_km * (mass_kg / 1000.0) * self._road_g_per_tkm / 1000.0

    def hub_kg(self, place_id: str, mass_kg: float) -> float:
        """0: hub handling is counted per container (HHLA's 7-10 kg a box, about 1 % of a rail shipment) when an
        option is built (`shipment`); ranking itineraries on transport alone changes no Pareto set in practice and
        keeps the search per tonne."""
        return 0.0

    def shipment(self, legs: Sequence[LegSpec], mass_kg: float, containers: int) -> ShipmentEmissions:
        """Per leg, per section and per hub (terminals, gauge changes, ports: per container), with totals."""
        # `shipment_emissions(legs, mass_kg, containers, self.factors, leg_result=self._leg, hub_result=self._hub,
        # end_hubs=self._end_hubs)`, with the memos' hits looked up here rather than through a call each.
        check_shipment(mass_kg, containers)
        factors, memo = self.factors, self._legs
        leg_results = []
        for k, leg in enumerate(legs):
            hit = memo.get((id(leg), mass_kg, k))
            leg_results.append(hit[1] if hit is not None and hit[0] is leg else self._leg(leg, mass_kg, factors, k))
        hubs = self._hubs
        hub_results = []
        for h, inside in ordered_hubs(legs, self._end_hubs):
            found = hubs.get((id(h), containers, mass_kg, inside))
            hub_results.append(
                found[1] if found is not None and found[0] is h else self._hub(h, containers, mass_kg, factors, inside)
            )
        return ShipmentEmissions(mass_kg, containers, tuple(leg_results), tuple(hub_results), factors.info.to_dict())

    def _end_hubs(self, leg: LegSpec) -> tuple[Hub, Hub] | None:
        """`leg_end_hubs`, memoised per LegSpec object (Hubs are frozen: options may share them)."""
        hit = self._ends.get(id(leg))
        if hit is not None and hit[0] is leg:
            return hit[1]
        ends = leg_end_hubs(leg)
        if len(self._ends) >= HUB_MEMO_SIZE:
            self._ends.clear()
        self._ends[id(leg)] = (leg, ends)
        return ends

    def _hub(self, hub: Hub, containers: int, mass_kg: float, factors: FactorSet, index: int | None) -> HubResult:
        """`hub_emissions`, memoised per Hub object (results are frozen: options may share them)."""
        key = (id(hub), containers, mass_kg, index)
        hit = self._hubs.get(key)
        if hit is not None and hit[0] is hub:
            return hit[1]
        result = hub_emissions(hub, containers, mass_kg, factors, index)
        if len(self._hubs) >= HUB_MEMO_SIZE:
            self._hubs.clear()
        self._hubs[key] = (hub, result)
        return result

    def _leg(self, leg: LegSpec, mass_kg: float, factors: FactorSet, index: int) -> LegResult:
        """`leg_emissions`, memoised per LegSpec object (results are frozen: options may share them)."""
        key = (id(leg), mass_kg, index)
        hit = self._legs.get(key)
        if hit is not None and hit[0] is leg:
            return hit[1]
        # The leg at another position in an itinerary has the same sections: only its index differs.
        other = self._legs.get((id(leg), mass_kg, None))
        if other is not None and other[0] is leg:
            result = LegResult(index, leg, mass_kg, other[1].parts)
        else:
            result = leg_emissions(leg, mass_kg, factors, index)
        if len(self._legs) >= LEG_MEMO_SIZE:
            self._legs.clear()  # atomic, unlike dropping the oldest while other threads read
        self._legs[key] = (leg, result)
        self._legs[(id(leg), mass_kg, None)] = (leg, result)
        return result
