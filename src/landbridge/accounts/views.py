"""Customers and API keys over HTTP (operators), and `GET /v1/me` for anyone."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import Session

from landbridge.accounts import service
from landbridge.accounts.dependencies import Caller, Operator
from landbridge.accounts.schemas import CustomerIn, CustomerOut, CustomerPage, KeyCreated, KeyIn, KeyOut, Me
from landbridge.db.dependencies import DB
from landbridge.idempotency.http import HEADER, respond

REUSED = "The Idempotency-Key was used before with a different request."
router = APIRouter(prefix="/v1", tags=["customers and keys"])
IdemKey = Annotated[
    str | None,
    Header(
        alias=HEADER,
        max_length=200,
        description="Retry-safe POST: a retry with the same key returns the original result.",
    ),
]


@router.get("/me", response_model=Me)
async def me(p: Caller) -> Me:
    """Who the API key belongs to."""
    return Me(key_id=p.key_id, role=p.role, customer_id=p.customer_id, name=p.name)


@router.post("/customers", status_code=201, response_model=CustomerOut, responses={409: {"description": REUSED}})
def create_customer(
    body: CustomerIn, request: Request, db: DB, p: Operator, idempotency_key: IdemKey = None
) -> JSONResponse:
    """Create a customer (a shipper company); then give it keys with POST /v1/keys."""
    return respond(
        request,
        db,
        p.owner,
        idempotency_key,
        body.model_dump(),
        lambda s: CustomerOut.model_validate(service.create_customer(s, body.name, body.email)).model_dump(mode="json"),
    )


@router.get("/customers", response_model=CustomerPage)
def list_customers(
    db: DB,
    p: Operator,
    limit: Annotated[int, Query(ge=1, le=100)] = 50,
    after: Annotated[str | None, Query(max_length=32, description="`next_after` of the previous page")] = None,
) -> CustomerPage:
    rows = db.read(lambda s: [CustomerOut.model_validate(c) for c in service.list_customers(s, limit + 1, after)])
    more = len(rows) > limit
    rows = rows[:limit]
    return CustomerPage(items=rows, next_after=rows[-1].id if more else None)


@router.get(
    "/customers/{customer_id}", response_model=CustomerOut, responses={404: {"description": "No such customer."}}
)
def get_customer(customer_id: str, db: DB, p: Operator) -> CustomerOut:
    return db.read(lambda s: CustomerOut.model_validate(service.get_customer(s, customer_id)))


@router.post("/keys", status_code=201, response_model=KeyCreated, responses={409: {"description": REUSED}})
def create_key(body: KeyIn, request: Request, db: DB, p: Operator, idempotency_key: IdemKey = None) -> JSONResponse:
    """Create an API key (shipper keys belong to a customer). The token is in this response only."""

    def work(s: Session) -> dict[str, Any]:
        key, token = service.create_key(s, body.role, body.name, body.customer_id)
        return {**KeyOut.model_validate(key).model_dump(mode="json"), "token": token}

    return respond(request, db, p.owner, idempotency_key, body.model_dump(), work, secrets=("token",))


@router.get("/keys", response_model=list[KeyOut])
def list_keys(db: DB, p: Operator, customer_id: Annotated[str | None, Query(max_length=32)] = None) -> list[KeyOut]:
    return db.read(lambda s: [KeyOut.model_validate(k) for k in service.list_keys(s, customer_id)])


@router.delete(
    "/keys/{key_id}",
    response_model=KeyOut,
    responses={
        404: {"description": "No such key."},
        409: {"description": "The last working operator key (revoke it with the command line)."},
    },
)
def revoke_key(key_id: str, db: DB, p: Operator) -> KeyOut:
    """Revoke a key: it stops working at once in this process, within seconds in other workers. The last
    working operator key cannot be revoked here (409): create another first, or use `landbridge keys revoke`."""
    return db.write(lambda s: KeyOut.model_validate(service.revoke_key(s, key_id, keep_last_operator=True)))
