"""The OpenAPI document describes what the server does: one error body (RFC 9457 problem details) for every
error status an operation can answer, readable operationIds, and the error body the server really sends."""

from __future__ import annotations

import pytest

ERRORS = {"400", "401", "403", "404", "409", "410", "413", "422", "429", "431", "503"}


@pytest.fixture(scope="module")
def doc(client):
    return client.get("/openapi.json").json()


def _operations(doc):
    for path, item in doc["paths"].items():
        for method, op in item.items():
            yield path, method, op


def test_errors_are_problem_details_documented_once(doc):
    schemas = doc["components"]["schemas"]
    assert {"type", "title", "status", "detail", "instance", "errors"} <= set(schemas["Problem"]["properties"])
    assert "HTTPValidationError" not in schemas  # FastAPI's default 422 body, which the server never sends
    seen = set()
    for path, method, op in _operations(doc):
        for status, resp in op["responses"].items():
            if int(status) >= 400:
                assert resp["content"] == {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                }, (path, method, status)
                seen.add(status)
        if path.startswith("/v1"):
            assert {"400", "401", "429", "503"} <= set(op["responses"]), (path, method)
    assert seen >= ERRORS


def test_operation_ids_are_readable_and_unique(doc):
    ids = [op["operationId"] for _p, _m, op in _operations(doc)]
    assert len(ids) == len(set(ids))
    assert all(i.replace("_", "").isalpha() and i.islower() and len(i) <= 30 for i in ids), ids
    assert {"create_quote", "create_booking", "search_departures", "get_booking", "revoke_key"} <= set(ids)


def test_operator_operations_document_403(doc, client, shipper):
    """An operation documents 403 exactly when a shipper's key is refused there (whatever the domain)."""
    import re

    for path, method, op in _operations(doc):
        if not path.startswith("/v1"):
            continue
        url = re.sub(r"\{[^}]+\}", "x", path)
        r = client.request(method.upper(), url, headers=shipper.headers)
        assert ("403" in op["responses"]) == (r.status_code == 403), (path, method, r.status_code)


def test_the_body_sent_is_the_body_documented(client, shipper):
    from landbridge.api.errors import Problem

    for r in (
        client.get("/v1/me"),  # 401
        client.get("/v1/bookings/bk_0123456789abcdef", headers=shipper.headers),  # 404
        client.get("/v1/departures", params={"start_date": "x"}, headers=shipper.headers),  # 422
        client.get("/v1/operator/reconcile", headers=shipper.headers),  # 403
        client.get("/v1/bookings%00"),  # 400
    ):
        assert r.status_code >= 400 and r.headers["content-type"] == "application/problem+json", r.text
        Problem.model_validate(r.json())
        assert set(r.json()) == set(Problem.model_fields)
        assert r.json()["status"] == r.status_code
