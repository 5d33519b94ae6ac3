"""Quotes, departures with capacity, bookings and consignment notes (service layer)."""
