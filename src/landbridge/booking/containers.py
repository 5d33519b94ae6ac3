"""Containers on a booking: ISO 6346 equipment numbers (owner code, category, serial, check digit), ISO 6346
size-type codes (22G1, 42G1, 45G1, L5G1...), seals and the verified gross mass (SOLAS VGM).

The size-type code is ISO 6346:1995 section 4 (annex E): the first character is the length (2 = 20 ft,
4 = 40 ft, L = 45 ft), the second the height (0 = 8 ft, 2 = 8 ft 6 in, 5 = 9 ft 6 in high cube), the last two the
type (G0-G3 general purpose, R0-R3 reefer, U0-U5 open top, P0-P5 platforms, T0-T9 tanks, B0-B6 bulk,
V0-V4 ventilated, H0-H5 insulated). A booking's container type (20GP, 40GP, 40HC, 45HC) allows the lengths and
heights that make it; the type group is free (a reefer can carry general cargo).
"""

from __future__ import annotations

import re
from functools import lru_cache

from landbridge.errors import FieldError

LENGTH_FT = {"2": 20, "4": 40, "L": 45}
HEIGHT = {"0": "8'0\"", "2": "8'6\"", "5": "9'6\" (high cube)"}
TYPE_GROUPS = {
    "G": range(4),
    "R": range(4),
    "U": range(6),
    "P": range(6),
    "T": range(10),
    "B": range(7),
    "V": range(5),
    "H": range(6),
}
# catalogue container type -> (length code, height codes) it may be booked as
CATALOG_SIZES = {"20GP": ("2", "02"), "40GP": ("4", "02"), "40HC": ("4", "5"), "45HC": ("L", "5")}
DEFAULT_CODE = {"20GP": "22G1", "40GP": "42G1", "40HC": "45G1", "45HC": "L5G1"}
SEAL_SOURCES = ("CAR", "SHI", "PHY", "VET", "CUS")  # DCSA: carrier, shipper, phytosanitary, veterinary, customs
VGM_METHODS = ("SM1", "SM2")  # SOLAS VI/2: weighing the packed box, or its contents plus the tare


_CHECK_ALPHABET = "0123456789A BCDEFGHIJK LMNOPQRSTU VWXYZ"  # ISO 6346 values: letters skip multiples of 11
_NUMBER = re.compile(r"[A-Z]{3}[UJZ][0-9]{7}")


def check_digit(first10: str) -> str:
    """The ISO 6346 check digit of a number's first ten characters (owner, category, serial): the letters' and
    digits' values weighted by 2^position, modulo 11, then modulo 10 (python-stdnum's calc_check_digit, ~50x
    faster; tracking checks thousands of numbers a batch)."""
    return str(sum(_CHECK_ALPHABET.index(c) << i for i, c in enumerate(first10)) % 11 % 10)


@lru_cache(maxsize=65536)
def _valid(ref: str) -> bool:
    return ref[10] == check_digit(ref[:10])


def equipment_reference(text: str, field: str = "equipment_reference") -> str:
    """An ISO 6346 container number, upper case without spaces (`MSKU 907032-3` -> `MSKU9070323`). Raises
    FieldError naming what is wrong: the format (4 letters, the 4th U, J or Z, 6 ASCII digits and a check digit) or
    the check digit (with the right one)."""
    ref = text if _NUMBER.fullmatch(text or "") else re.sub(r"[\s\-/.]", "", text or "").upper()
    if not _NUMBER.fullmatch(ref):
        raise FieldError(
            field,
            f"{text!r} is not an ISO 6346 container number: 3 letters of the owner, U (J, Z), 6 digits and the "
            "check digit, e.g. CSQU3054383.",
        )
    if not _valid(ref):
        right = check_digit(ref[:10])
        raise FieldError(
            field, f"{text!r}: the check digit should be {right} ({ref[:10]}{right}); check the number on the box."
        )
    return ref


def size_type(code: str, container_type: str | None = None, field: str = "iso_equipment_code") -> str:
    """An ISO 6346 size-type code (`45G1`), checked against the booking's container type when given."""
    c = (code or "").strip().upper()
    ok = len(c) == 4 and c[0] in LENGTH_FT and c[1] in HEIGHT and c[2] in TYPE_GROUPS and c[3].isdigit()
    if not ok or int(c[3]) not in TYPE_GROUPS[c[2]]:
        raise FieldError(
            field,
            f"{code!r} is not an ISO 6346 size-type code; write length, height and type, e.g. 22G1 (20' general "
            "purpose), 42G1 (40'), 45G1 (40' high cube), L5G1 (45' high cube), 45R1 (40' high cube reefer).",
        )
    if container_type in CATALOG_SIZES:
        length, heights = CATALOG_SIZES[container_type]
        if c[0] != length or c[1] not in heights:
            raise FieldError(
                field,
                f"{c} is a {LENGTH_FT[c[0]]}' box {HEIGHT[c[1]]} high; the booking is for {container_type} "
                f"(e.g. {DEFAULT_CODE[container_type]}).",
            )
    return c


def check_vgm(vgm_kg: float, tare_kg: float, max_payload_kg: float, field: str = "vgm.mass_kg") -> None:
    """The verified gross mass must be at least the box's tare and at most tare + maximum payload."""
    if vgm_kg < tare_kg:
        raise FieldError(field, f"{vgm_kg:,.0f} kg is less than the empty box ({tare_kg:,.0f} kg tare); VGM is gross.")
    if vgm_kg > tare_kg + max_payload_kg:
        raise FieldError(
            field,
            f"{vgm_kg:,.0f} kg is more than the box may weigh ({tare_kg + max_payload_kg:,.0f} kg: "
            f"{tare_kg:,.0f} tare + {max_payload_kg:,.0f} payload).",
        )
