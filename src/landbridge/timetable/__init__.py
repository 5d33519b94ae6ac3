"""Timetables: services with weekly patterns, generating departures for any date range."""

from landbridge.timetable.builder import Timetable, build_timetable, timetable_for
from landbridge.timetable.models import Departure, Section, Service

__all__ = ["Departure", "Section", "Service", "Timetable", "build_timetable", "timetable_for"]
