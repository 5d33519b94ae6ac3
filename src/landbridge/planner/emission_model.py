"""The planner's one door to emissions: a ride, a truck leg, a hub. Swap the model here.

`FactorEmissions` is the ISO 14083 / GLEC method of landbridge.emissions: distance on the real network
x mass x a well-to-wheel intensity per mode and traction. Another model only needs the three methods.
"""

from __future__ import annotations

from typing import Protocol

from landbridge.emissions import EmissionFactors
from landbridge.timetable.models import RideFacts


class EmissionModel(Protocol):
    """What the planner asks of an emission model (kg and g CO2e; km; kg of goods)."""

    def ride_g_per_t(self, facts: RideFacts) -> float:
        """Grams CO2e per tonne of goods over a ride (called once per ride, when the planner is built)."""
        ...

    def road_kg(self, distance_km: float, mass_kg: float) -> float:
        """kg CO2e of trucking `mass_kg` of goods `distance_km` km."""
        ...

    def hub_kg(self, place_id: str, mass_kg: float) -> float:
        """kg CO2e of transshipping `mass_kg` of goods at a hub between two vehicles."""
        ...


class FactorEmissions:
    """Emissions from the factors of emission_factors.yaml, as chosen in parameters.yaml."""

    def __init__(self, factors: EmissionFactors, factor_ids: dict[str, object]):
        self.factors = factors
        rail = factor_ids.get("rail")
        self.rail_ids: dict[str, str] = (
            {str(k): str(v) for k, v in rail.items()}
            if isinstance(rail, dict)
            else {"electric": "rail-electric", "diesel": "rail-diesel", "average": "rail-average"}
        )
        self.ferry_id = str(factor_ids.get("ferry", "sea-ferry"))
        self.sea_id = str(factor_ids.get("sea", "sea-deep-sea-container"))
        self.road_id = str(factor_ids.get("road", "road-truck-40t"))
        self.air_id = str(factor_ids.get("air", "air-freighter-longhaul"))
        self._road_g_per_tkm = factors.g_per_tkm(self.road_id)

    def ride_g_per_t(self, facts: RideFacts) -> float:
        """Rail: km by traction x its factor (crossings at the average), ferries at the ferry factor;
        sea: km sailed x the deep-sea factor; air: great circle + 95 km x the freighter factor."""
        f = self.factors
        if facts.mode == "rail":
            g = sum(
                km * f.g_per_tkm(self.rail_ids.get(tr, self.rail_ids["average"]))
                for tr, km in facts.rail_km_by_traction
            )
            g += facts.crossing_km * f.g_per_tkm(self.rail_ids["average"])
            return g + facts.ferry_km * f.g_per_tkm(self.ferry_id)
        if facts.mode == "sea":
            return facts.distance_km * f.g_per_tkm(self.sea_id)
        return f.air_distance_km(facts.distance_km) * f.g_per_tkm(self.air_id)

    def road_kg(self, distance_km: float, mass_kg: float) -> float:
        """Truck km x tonnes x the road factor, in kg."""
        return distance_km * (mass_kg / 1000.0) * self._road_g_per_tkm / 1000.0

    def hub_kg(self, place_id: str, mass_kg: float) -> float:
        """Transshipment at hubs is not counted yet (the GLEC hub factors are not in the data): 0."""
        return 0.0
