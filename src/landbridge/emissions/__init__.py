"""Greenhouse-gas emissions of transport chains per ISO 14083:2023: factor sets (`factors`) and the pure
model that turns an itinerary's legs and hubs into a per-leg, per-hub TTW/WTW breakdown (`model`).
See docs/emissions.md."""

from landbridge.emissions.factors import (
    FACTORS,
    FactorSet,
    Fuel,
    GridIntensity,
    HubFactor,
    Intensity,
    SetInfo,
    emission_factors,
    load_factor_set,
)
from landbridge.emissions.model import (
    Hub,
    HubResult,
    LegResult,
    LegSpec,
    PartResult,
    Section,
    ShipmentEmissions,
    hub_emissions,
    leg_emissions,
    leg_g_per_tonne,
    section_intensity,
    shipment_emissions,
    transfer_hubs,
)

EmissionFactors = FactorSet  # the name the planner and world use

__all__ = [
    "FACTORS",
    "EmissionFactors",
    "FactorSet",
    "Fuel",
    "GridIntensity",
    "Hub",
    "HubFactor",
    "HubResult",
    "Intensity",
    "LegResult",
    "LegSpec",
    "PartResult",
    "Section",
    "SetInfo",
    "ShipmentEmissions",
    "emission_factors",
    "hub_emissions",
    "leg_emissions",
    "leg_g_per_tonne",
    "load_factor_set",
    "section_intensity",
    "shipment_emissions",
    "transfer_hubs",
]
