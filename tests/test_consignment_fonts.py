"""The consignment note prints Chinese and Russian names (issue 10): DejaVu Sans for Latin and Cyrillic, Noto Sans
CJK as the fallback for Han characters; the text read back from the PDF is the text written."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from landbridge.booking.consignment import consignment_note_pdf


def _booking(consignee_name: str, consignee_address: str, consignor_address: str) -> dict:
    leg = {
        "mode": "rail",
        "from": "duisburg-rail",
        "from_name": "Duisburg rail terminal",
        "to": "chongqing",
        "to_name": "Chongqing",
        "departure": "2026-12-07T09:00:00Z",
        "arrival": "2026-12-20T09:00:00Z",
        "departure_id": "yuxinou-duisburg-return@2026-12-07",
    }
    party = {"name": "Rhein Export GmbH", "address": consignor_address, "country": "DE"}
    return {
        "id": "bk_test",
        "status": "confirmed",
        "created_at": "2026-11-30T10:00:00Z",
        "reference": None,
        "option_id": "op_test",
        "containers": 1,
        "container_type": "40HC",
        "feu": 1,
        "price": {"total": 5200.0, "currency": "USD"},
        "itinerary": {"legs": [leg], "mode": "rail", "transit_days": 13.0, "distance_km": 10452, "borders": []},
        "shipment": {
            "consignor": party,
            "consignee": {"name": consignee_name, "address": consignee_address, "country": "CN"},
            "goods": {"description": "Machine parts", "hs_code": "847990", "mass_kg": 12000},
        },
    }


@pytest.mark.parametrize(
    "name, address",
    [("重庆长安汽车股份有限公司", "重庆市江北区建新东路260号"), ("ООО «Восток»", "Москва, Тверская улица, 7")],
)
def test_note_for_a_booking_to_chongqing_or_moscow_renders_the_names(name, address):
    pdf = consignment_note_pdf(_booking(name, address, "Москва, Ленинградский проспект 1"), place_name=str)
    # pypdf reads the fallback font's two-byte codes with a NUL before each character: drop them.
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\x00", "")
    assert name in text and address in text
    assert "Москва" in text
    # The line after the fallback-font lines is still in the main font (fpdf2 forgot to re-select it).
    assert "Country: CN" in text and "Country: DE" in text
    if any("\u4e00" <= ch <= "\u9fff" for ch in name):
        assert b"NotoSansCJK" in pdf  # the Han characters come from the embedded CJK fallback font
