"""HTTP API adapter: app assembly, authentication, errors, idempotency and the service commands."""
