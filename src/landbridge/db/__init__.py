"""Persistence: engines and transactions (engine.py), the declarative base (base.py), migrations."""

from landbridge.db.base import Base, new_id, utcnow
from landbridge.db.engine import Database, database_url, get_database

__all__ = ["Base", "Database", "database_url", "get_database", "new_id", "utcnow"]
