"""The multimodal planner: door-to-door options with time, cost, CO2e and reliability."""

from landbridge.planner.core import Planner, Quote, QuoteRequest, pareto
from landbridge.planner.options import Leg, Option

__all__ = ["Leg", "Option", "Planner", "Quote", "QuoteRequest", "pareto"]
