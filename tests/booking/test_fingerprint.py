"""The Idempotency-Key fingerprint must stay the text json.dumps gave (records stored before compare with it)."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from landbridge.idempotency.service import fingerprint


def reference(method: str, path: str, payload: object) -> str:
    doc = json.dumps([method, path, payload], sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(doc.encode()).hexdigest()


LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text() | st.decimals()
PAYLOADS = st.recursive(
    LEAVES | st.datetimes(timezones=st.just(UTC)),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@given(st.sampled_from(["POST", "PATCH"]), st.text(max_size=20), PAYLOADS)
def test_fingerprint_is_the_json_dumps_text(method: str, path: str, payload: object) -> None:
    assert fingerprint(method, path, payload) == reference(method, path, payload)


def test_fingerprint_example() -> None:
    payload = {"b": [Decimal("1.20"), datetime(2026, 1, 1, tzinfo=UTC)], "a": "Łódź"}
    assert fingerprint("POST", "/v1/bookings", payload) == reference("POST", "/v1/bookings", payload)
