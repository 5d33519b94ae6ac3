"""Cross-border e-commerce: sellers' orders (imported from files or the API, validated against the Chinese export
regime and the EU import rules in force), consolidated into containers before each e-commerce train, booked
through the booking service, with manifests and export declaration data per container and regime."""
