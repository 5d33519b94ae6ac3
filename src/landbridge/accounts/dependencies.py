"""FastAPI dependencies of the accounts domain: `Authorization: Bearer <api key>` gives who is calling (`Caller`)
and whether they may call operator endpoints (`Operator`)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from landbridge.accounts.limits import RateLimitedError, auth_failures
from landbridge.accounts.service import Principal, authenticate, principal_cache, token_prefix
from landbridge.db.engine import Database

bearer = HTTPBearer(
    auto_error=False,
    description="An API key: `Authorization: Bearer lb_...`. Operators create "
    "keys (`landbridge keys create` for the first one).",
)


async def principal(
    request: Request, creds: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]
) -> Principal:
    if creds is None or not creds.credentials:
        raise HTTPException(
            401, "Missing API key: send `Authorization: Bearer <api key>`.", headers={"WWW-Authenticate": "Bearer"}
        )
    token = creds.credentials
    p = principal_cache.get(token)
    if p is None:
        # Failed authentications are limited per key prefix (guessing one key's secret) and per client
        # address (trying many keys): past the limit, 429 without looking the key up.
        buckets = (f"prefix:{token_prefix(token) or '-'}", f"addr:{request.client.host if request.client else '-'}")
        wait = max(auth_failures.retry_after(b) for b in buckets)
        if wait:
            raise RateLimitedError(f"Too many failed authentications; retry in {wait} s.", wait)
        db: Database = request.app.state.db
        p = await db.read_async(lambda s: authenticate(s, token))
        if p is None:
            for b in buckets:
                auth_failures.spend(b)
            raise HTTPException(401, "Unknown or revoked API key.", headers={"WWW-Authenticate": "Bearer"})
        principal_cache.put(token, p)
    return p


async def operator(p: Annotated[Principal, Depends(principal)]) -> Principal:
    if not p.is_operator:
        raise HTTPException(403, "This endpoint is for operators; your key has the shipper role.")
    return p


Caller = Annotated[Principal, Depends(principal)]
Operator = Annotated[Principal, Depends(operator)]
