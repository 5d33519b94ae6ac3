"""Idempotency-Key records: a retried POST gets its first answer, once per key and owner."""
