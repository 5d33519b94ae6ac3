"""Tracking: DCSA Track & Trace events, transport status, predicted arrivals and webhook notifications."""
