"""Customers and API keys. A key is `lb_<prefix>_<secret>`: the prefix finds the row, the SHA-256 of
the whole token is compared in constant time; the token itself is shown once and never stored."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.accounts.models import ROLES, ApiKey, Customer
from landbridge.db.base import new_id, utcnow
from landbridge.errors import ConflictError, FieldError, InvalidRequestError, NotFoundError

TOKEN_PREFIX = "lb_"


@dataclass(frozen=True)
class Principal:
    """Who is calling: an API key, its role, and for shippers the customer it belongs to."""

    key_id: str
    role: str
    customer_id: str | None
    name: str

    @property
    def is_operator(self) -> bool:
        return self.role == "operator"

    @property
    def owner(self) -> str:
        """Scope of per-caller records (idempotency keys): the customer, or the operator's key."""
        return self.customer_id or f"op:{self.key_id}"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_prefix(token: str) -> str | None:
    """The lookup prefix of a well-formed token (`lb_<prefix>_<secret>`), else None."""
    return _split(token)


def _split(token: str) -> str | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    prefix, sep, _secret = token[len(TOKEN_PREFIX) :].partition("_")
    if not sep or len(prefix) != 12 or any(c not in "0123456789abcdef" for c in prefix):
        return None
    return prefix


# ---- customers -------------------------------------------------------------------------------
def create_customer(s: Session, name: str, email: str | None = None) -> Customer:
    c = Customer(id=new_id("cus"), name=name, email=email, created_at=utcnow())
    s.add(c)
    s.flush()
    return c


def get_customer(s: Session, customer_id: str) -> Customer:
    c = s.get(Customer, customer_id) if len(customer_id) <= 32 else None
    if c is None:
        raise NotFoundError(f"No customer {customer_id!r}.")
    return c


def list_customers(s: Session, limit: int, after: str | None = None) -> list[Customer]:
    q = select(Customer).order_by(Customer.id).limit(limit)
    if after:
        q = q.where(Customer.id > after)
    return list(s.scalars(q))


# ---- keys ------------------------------------------------------------------------------------
def create_key(s: Session, role: str, name: str, customer_id: str | None = None) -> tuple[ApiKey, str]:
    """A new key; returns the row and the token (shown once)."""
    customer_id = customer_id or None  # "" is no customer
    if role not in ROLES:
        raise InvalidRequestError(f"Unknown role {role!r}; use one of {', '.join(ROLES)}.")
    if role == "shipper":
        if not customer_id:
            raise FieldError(
                "customer_id", "A shipper key belongs to a customer; give customer_id (--customer in the CLI)."
            )
        try:
            get_customer(s, customer_id)
        except NotFoundError as exc:
            raise FieldError("customer_id", str(exc)) from None
    elif customer_id:
        raise FieldError("customer_id", "An operator key belongs to no customer; leave customer_id out.")
    if not name.strip():
        raise InvalidRequestError("Give the key a name (who or what uses it).")
    prefix = secrets.token_hex(6)
    token = f"{TOKEN_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    key = ApiKey(
        id=new_id("key"),
        prefix=prefix,
        secret_sha256=_hash(token),
        role=role,
        name=name.strip(),
        customer_id=customer_id,
        created_at=utcnow(),
    )
    s.add(key)
    s.flush()
    return key, token


def list_keys(s: Session, customer_id: str | None = None) -> list[ApiKey]:
    q = select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)
    if customer_id:
        q = q.where(ApiKey.customer_id == customer_id)
    return list(s.scalars(q.limit(1000)))


def revoke_key(s: Session, key_id: str, keep_last_operator: bool = False) -> ApiKey:
    """Revoke a key (at once in this process, within PrincipalCache.TTL elsewhere). With `keep_last_operator`
    (the API), the last working operator key cannot be revoked (ConflictError): nobody could manage keys any
    more. The command line may (`landbridge keys revoke`), since it works on the database directly."""
    key = s.get(ApiKey, key_id) if len(key_id) <= 32 else None
    if key is None:
        raise NotFoundError(f"No API key {key_id!r}.")
    if keep_last_operator and key.role == "operator" and key.revoked_at is None:
        # Lock the working operator keys first: two operators revoking each other's keys at once on
        # PostgreSQL cannot both see "one more left" (SQLite serialises writers anyway).
        working = select(ApiKey.id).where(ApiKey.role == "operator", ApiKey.revoked_at.is_(None))
        if s.get_bind().dialect.name == "postgresql":
            working = working.with_for_update()
        if len(list(s.scalars(working))) <= 1:
            raise ConflictError(
                f"{key_id} is the last working operator key; revoking it would lock every operator out. "
                "Create another operator key first, or revoke it with `landbridge keys revoke` on the server."
            )
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        s.flush()
    principal_cache.clear()
    return key


def authenticate(s: Session, token: str) -> Principal | None:
    """The principal for a bearer token, or None when the token is unknown, wrong or revoked."""
    prefix = _split(token)
    if prefix is None:
        return None
    key = s.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not hmac.compare_digest(key.secret_sha256, _hash(token)):
        return None
    return Principal(key.id, key.role, key.customer_id, key.name)


class PrincipalCache:
    """A few seconds of memory for verified tokens, so a burst of requests costs one key lookup.
    Keyed by the token's hash; revocation through this process clears it, elsewhere it lasts TTL."""

    TTL = 5.0
    MAX = 10_000

    def __init__(self) -> None:
        self._d: dict[str, tuple[float, Principal]] = {}
        self._lock = threading.Lock()

    def get(self, token: str) -> Principal | None:
        hit = self._d.get(_hash(token))
        if hit and hit[0] > time.monotonic():
            return hit[1]
        return None

    def put(self, token: str, p: Principal) -> None:
        with self._lock:
            if len(self._d) >= self.MAX:
                self._d.clear()
            self._d[_hash(token)] = (time.monotonic() + self.TTL, p)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


#: Verified tokens of this process (the API's auth dependency reads and fills it; key changes clear it).
principal_cache = PrincipalCache()
