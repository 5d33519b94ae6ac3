"""The multimodal planner: door-to-door options with time, cost, CO2e and reliability."""

from landbridge.planner.core import Planner
from landbridge.planner.options import Leg, Option, Quote
from landbridge.planner.request import QuoteRequest, ValidRequest, validate_request

__all__ = ["Leg", "Option", "Planner", "Quote", "QuoteRequest", "ValidRequest", "validate_request"]
