"""The CIM/SMGS common consignment note of a booking, as a PDF (fpdf2).

The CIM/SMGS note is the one rail consignment note accepted under both CIM (COTIF, Europe) and SMGS
(OSJD, the 1520 mm area and China), so a container travels China → EU on one document. This renders its
main fields from the booking: consignor, consignee, places of taking over and delivery, the stations and
the border and gauge-change points of the route, the goods (description, HS code, mass, dangerous goods
per RID / SMGS Annex 2), the containers and the charges. It is a booking document for the parties; the
carrier's acceptance stamp and signatures are left blank.
"""

from __future__ import annotations

import importlib.util
import unicodedata
from collections.abc import Callable
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from landbridge.errors import ConflictError

if TYPE_CHECKING:
    from fpdf import FPDF as _FPDF
else:
    _FPDF = object  # fpdf2 is imported on first use (see _note_class)

_TRANSLIT = str.maketrans(
    {
        "Ł": "L",
        "ł": "l",
        "Đ": "D",
        "đ": "d",
        "ß": "ss",
        "Ø": "O",
        "ø": "o",
        "–": "-",
        "—": "-",
        "→": "->",
        "’": "'",
        "“": '"',
        "”": '"',
        "…": "...",
    }
)


@lru_cache(maxsize=1)
def _font_dir() -> Path | None:
    """DejaVu Sans (Latin, Cyrillic, Polish and Romanian letters), as shipped with matplotlib."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        d = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
        if (d / "DejaVuSans.ttf").exists() and (d / "DejaVuSans-Bold.ttf").exists():
            return d
    return None


@lru_cache(maxsize=1)
def _note_class() -> Any:
    """The PDF class (fpdf2 is imported on first use: booking answers only need `has_rail_legs`)."""
    from fpdf import FPDF

    class Note(_NoteLayout, FPDF):
        pass

    return Note


@lru_cache(maxsize=1)
def unicode_pdf_class() -> Any:
    """An fpdf2 FPDF class with the fonts of the consignment note (see `UnicodeFonts`): call `setup_fonts(cjk)`
    after creating a document, then write in `family_name`. Used by other services' PDFs (e-commerce manifests)."""
    from fpdf import FPDF

    class UnicodePDF(UnicodeFonts, FPDF):
        pass

    return UnicodePDF


def has_cjk(value: Any) -> bool:
    """Whether any text in a (nested) document has Chinese, Japanese or Korean characters."""
    if isinstance(value, str):
        return any(
            "\u2e80" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af" or "\uf900" <= ch <= "\uffef" for ch in value
        )
    if isinstance(value, dict):
        return any(has_cjk(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_cjk(v) for v in value)
    return False


class UnicodeFonts(_FPDF):
    """fpdf2 mixin: DejaVu Sans (Latin, Cyrillic) as `family_name`, with Noto Sans CJK SC as its fallback font
    when the document has CJK text; Latin-1 transliteration (`t`) when DejaVu is not installed."""

    family_name = "helvetica"
    unicode = False
    cjk_fallback = False

    def setup_fonts(self, cjk: bool = False) -> None:
        d = _font_dir()
        if d is None:
            return
        self.add_font("dv", "", str(d / "DejaVuSans.ttf"))
        self.add_font("dv", "B", str(d / "DejaVuSans-Bold.ttf"))
        self.family_name, self.unicode = "dv", True
        spec = importlib.util.find_spec("noto_cjk_sans_otc") if cjk else None  # 1 s to load: only when needed
        if spec is not None and spec.submodule_search_locations:
            # Chinese names (重庆) where DejaVu has no glyph: Noto Sans CJK SC (face 2 of the collection, OFL-1.1)
            ttc = Path(next(iter(spec.submodule_search_locations))) / "NotoSansCJK-Regular.ttc"
            self.add_font("cjk", "", str(ttc), collection_font_number=2)
            self.set_fallback_fonts(["cjk"], exact_match=False)
            self.cjk_fallback = True

    def cell(self, *args: Any, **kwargs: Any) -> Any:
        out = super().cell(*args, **kwargs)
        self._reselect_font()
        return out

    def multi_cell(self, *args: Any, **kwargs: Any) -> Any:
        out = super().multi_cell(*args, **kwargs)
        self._reselect_font()
        return out

    def _reselect_font(self) -> None:
        # fpdf2 2.8: after text set wholly in the fallback font (重庆...), the next text is written without selecting
        # the main font again (py-pdf/fpdf2 #1772, #1488); selecting another font and back writes the selection.
        if self.cjk_fallback and self.font_family:
            family, style, size = self.font_family, self.font_style, self.font_size_pt
            self.set_font("helvetica", "", size)
            self.set_font(family, style, size)

    def t(self, text: Any) -> str:
        """`text` as a string the document's font can print (transliterated to Latin-1 without DejaVu)."""
        out = "" if text is None else str(text)
        if self.unicode:
            return out
        out = unicodedata.normalize("NFKD", out.translate(_TRANSLIT))
        return out.encode("latin-1", "ignore").decode("latin-1")


class _NoteLayout(UnicodeFonts):
    """Fonts, margins and footer of the note (mixed into fpdf's FPDF by `_note_class`)."""

    def __init__(self, cjk: bool = False) -> None:
        super().__init__(format="A4")
        self.setup_fonts(cjk)
        self.set_auto_page_break(True, margin=15)
        self.set_margins(12, 12, 12)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(self.family_name, "", 7)
        self.cell(0, 5, self.t(f"Landbridge · CIM/SMGS consignment note · page {self.page_no()}"), align="C")


def _when(iso: str | None) -> str:
    return (iso or "")[:16].replace("T", " ") + (" UTC" if iso else "")


def has_rail_legs(booking: dict[str, Any]) -> bool:
    """Whether a booking (as `booking.service.get_booking` returns it) travels by rail at all."""
    return any(l.get("mode") == "rail" for l in (booking.get("itinerary") or {}).get("legs", []))


def consignment_note_pdf(booking: dict[str, Any], place_name: Callable[[str], str] | None = None) -> bytes:
    """The note for a booking as returned by the API (`booking.service.get_booking`); `place_name` turns
    place ids into names (default: the network's). ConflictError when the booking has no rail leg: the
    CIM/SMGS note is a rail document (sea goes on a bill of lading, air on an air waybill)."""
    if not has_rail_legs(booking):
        mode = (booking.get("itinerary") or {}).get("mode") or "another mode"
        other = {
            "sea": "a bill of lading, which the shipping line issues",
            "air": "an air waybill, which the airline or its agent issues",
        }
        raise ConflictError(
            f"Booking {booking['id']} travels by {mode}, not rail: the CIM/SMGS consignment note is for rail "
            f"consignments only. Its transport document is {other.get(mode, 'that mode’s own document')}; "
            "the booking itself (GET /v1/bookings/{id}) is the booking confirmation."
        )
    if place_name is None:
        from landbridge.world import load_world

        places = load_world().network.places
        place_name = lambda pid: places[pid].name if pid in places else pid  # noqa: E731
    it = booking["itinerary"]
    sh = booking["shipment"]
    legs = it["legs"]
    rail = [l for l in legs if l["mode"] == "rail"]
    main = [l for l in legs if l["mode"] != "truck"]
    take_over = (rail or main or legs)[0]
    deliver = (rail or main or legs)[-1]

    pdf = _note_class()(cjk=has_cjk(booking))
    pdf.add_page()
    f = pdf.family_name
    w = pdf.epw

    pdf.set_font(f, "B", 14)
    pdf.cell(
        0,
        8,
        pdf.t(
            "CIM/SMGS  Consignment note  /  Frachtbrief  /  Накладная"
            if pdf.unicode
            else "CIM/SMGS  Consignment note  /  Frachtbrief"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.set_font(f, "", 8)
    pdf.cell(
        0,
        5,
        pdf.t(
            f"Booking {booking['id']}   ·   status {booking['status']}   ·   issued "
            f"{str(booking['created_at'])[:10]}   ·   customer reference {booking.get('reference') or '-'}"
        ),
        new_x="LMARGIN",
        new_y="NEXT",
    )
    pdf.ln(2)

    def box(title: str, lines: list[str], width: float, height: float, x: float, y: float) -> None:
        pdf.rect(x, y, width, height)
        pdf.set_xy(x + 1.5, y + 1)
        pdf.set_font(f, "B", 7)
        pdf.cell(width - 3, 4, pdf.t(title), new_x="LEFT", new_y="NEXT")
        pdf.set_font(f, "", 9)
        for line in lines:
            pdf.set_x(x + 1.5)
            pdf.multi_cell(width - 3, 4.5, pdf.t(line), new_x="LEFT", new_y="NEXT", align="L")

    def party(p: dict[str, Any]) -> list[str]:
        out = [p["name"], p["address"], f"Country: {p['country']}"]
        if p.get("contact"):
            out.append(f"Contact: {p['contact']}")
        return out

    half = w / 2
    x0, y = pdf.l_margin, pdf.get_y()
    box("1  Consignor / Absender / Отправитель", party(sh["consignor"]), half, 30, x0, y)
    box("4  Consignee / Empfänger / Получатель", party(sh["consignee"]), half, 30, x0 + half, y)
    y += 30
    box(
        "16  Place of taking over / Übernahme",
        [f"{take_over['from_name']} ({take_over['from']})", f"Date: {_when(take_over['departure'])}"],
        half,
        18,
        x0,
        y,
    )
    box(
        "17  Place of delivery / Ablieferung",
        [f"{deliver['to_name']} ({deliver['to']})", f"Expected: {_when(deliver['arrival'])}"],
        half,
        18,
        x0 + half,
        y,
    )
    pdf.set_y(y + 20)

    # Route: every leg with its stations and departure.
    pdf.set_font(f, "B", 9)
    pdf.cell(0, 6, pdf.t("Route, stations and carriers"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(f, "B", 7)
    cols = [
        (12, "Mode"),
        (44, "From station"),
        (44, "To station"),
        (29, "Departs (UTC)"),
        (w - 129, "Train / departure id"),
    ]
    for cw, name in cols:
        pdf.cell(cw, 5, pdf.t(name), border=1)
    pdf.ln()
    pdf.set_font(f, "", 7)
    for l in legs:
        vals = [
            l["mode"],
            l["from_name"],
            l["to_name"],
            _when(l["departure"])[:16],
            l.get("departure_id") or l.get("service_name") or "-",
        ]
        for (cw, _), v in zip(cols, vals):
            text = pdf.t(v)
            while text and pdf.get_string_width(text) > cw - 2:
                text = text[:-1]
            pdf.cell(cw, 5, text, border=1)
        pdf.ln()
    pdf.ln(2)

    pdf.set_font(f, "B", 9)
    pdf.cell(0, 6, pdf.t("Border points and gauge changes"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(f, "", 8)
    gauges = {g["place"]: g for g in it.get("gauge_changes", [])}
    borders = it.get("borders", [])
    if not borders and not gauges:
        pdf.cell(0, 5, pdf.t("None"), new_x="LMARGIN", new_y="NEXT")
    for b in borders:
        g = gauges.get(b["place"])
        extra = f" — gauge change {g['from_gauge_mm']} → {g['to_gauge_mm']} mm ({g['crossing']})" if g else ""
        pdf.multi_cell(
            0,
            4.5,
            pdf.t(f"{b['from_country']} → {b['to_country']} at {place_name(b['place'])}{extra}"),
            new_x="LMARGIN",
            new_y="NEXT",
            align="L",
        )
    pdf.ln(2)

    goods = sh["goods"]
    dg = goods.get("dangerous_goods")
    y = pdf.get_y()
    glines = [goods["description"], f"HS code: {goods['hs_code']}", f"Gross mass: {goods['mass_kg']:,.0f} kg"]
    if goods.get("packages"):
        glines.append(f"Packages: {goods['packages']}")
    box("21/24/25  Goods, HS code, mass", glines, half, 30, x0, y)
    clines = [
        f"{booking['containers']} x {booking['container_type']} ({booking['feu']:g} FEU)",
        f"Transport: {it['mode']} · {it['transit_days']} days · {it['distance_km']:,.0f} km",
    ]
    box("Containers / Wagons", clines, half, 30, x0 + half, y)
    y += 30
    if dg:
        dlines = [
            f"{dg['un_number']} {dg['proper_shipping_name']}, class {dg['hazard_class']}"
            + (f", PG {dg['packing_group']}" if dg.get("packing_group") else ""),
            "Declared under RID (CIM) and SMGS Annex 2.",
        ]
    else:
        dlines = ["Not dangerous goods (no RID / SMGS Annex 2 entry declared)."]
    box("Dangerous goods / RID / SMGS Annex 2", dlines, w, 16, x0, y)
    y += 16
    price = booking["price"]
    box(
        "Charges / Frachtkosten",
        [f"{Decimal(str(price['total'])):,.2f} {price['currency']} (as quoted, option {booking['option_id']})"],
        half,
        14,
        x0,
        y,
    )
    box("Carrier acceptance (stamp, date, signature)", [""], half, 14, x0 + half, y)
    return bytes(pdf.output())
