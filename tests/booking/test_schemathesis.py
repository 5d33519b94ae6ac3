"""schemathesis over the OpenAPI schema (in-process, against the ASGI app): no generated request, valid
(positive) or invalid (negative), gets a server error. Bounded and derandomized: a fixed number of
examples per operation and mode.

(schemathesis' own pytest loader does not work with this pytest yet, so the operations' Hypothesis
strategies are driven directly.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode

EXAMPLES = {GenerationMode.POSITIVE: 15, GenerationMode.NEGATIVE: 10}


def test_no_server_errors(app, client, operator_token, shipper):
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) >= 15
    tokens = {"operator": operator_token, "shipper": shipper.token}
    for op in operations:
        for mode, n in EXAMPLES.items():

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=n, deadline=None, derandomize=True, database=None, suppress_health_check=list(HealthCheck)
            )
            def run(case):
                role = "shipper" if hash(case.formatted_path) % 3 == 0 else "operator"
                response = case.call(headers={"Authorization": f"Bearer {tokens[role]}"})
                if response.status_code >= 500:
                    failures.append(
                        f"{case.method} {case.formatted_path} query={case.query} "
                        f"body={str(case.body)[:200]} -> {response.status_code} {response.text[:300]}"
                    )

            try:
                run()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to make invalid (no parameters, no body)
    assert not failures, "\n".join(failures[:20])


def test_openapi_documents_auth_and_idempotency(client):
    doc = client.get("/openapi.json").json()
    assert "HTTPBearer" in doc["components"]["securitySchemes"]
    params = {p["name"] for p in doc["paths"]["/v1/bookings"]["post"]["parameters"]}
    assert "Idempotency-Key" in params
    assert client.get("/docs").status_code == 200
