"""Customers and API keys (service layer)."""
