"""Emission reports (service layer): a booking's ISO 14083 report and a customer's totals per month and mode,
as JSON, CSV, PDF and charts. The model itself lives in the pure core (`landbridge.emissions`)."""
