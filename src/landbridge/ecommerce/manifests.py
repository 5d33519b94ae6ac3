"""Manifests and declaration data of a consolidated departure, as rows (for CSV and JSON) and as PDF (fpdf2).

* Container manifest: every order in one container, with totals of parcels, items, value and weight.
* Regime manifest: every container of one export regime on a departure, with totals.
* Export declaration data per regime (China): for list regimes (9610, 1210) one line per order and HS code
  (the 申报清单 entries); for declaration regimes (9710, 9810) lines aggregated by 6-digit HS code per container,
  with the orders small enough for the simplified list flagged.
* ICS2 entry summary data (EU, rail): one house consignment per order, the ENS deadline before the train reaches
  the first EU customs office.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from landbridge.accounts.models import Customer
from landbridge.ecommerce.models import CONTAINERS, LOADS, ORDERS
from landbridge.ecommerce.rules import rules as load_rules
from landbridge.errors import NotFoundError
from landbridge.timefmt import iso_utc

O = ORDERS.c
C = CONTAINERS.c
L = LOADS.c
ORDER_FIELDS = (
    "order_id",
    "seller",
    "seller_order_id",
    "consignee",
    "country",
    "postcode",
    "city",
    "hs_codes",
    "items",
    "weight_kg",
    "volume_m3",
    "value",
    "currency",
    "value_eur",
    "export_declaration",
    "import_declaration",
    "duty_eur",
    "vat_eur",
    "vat_via",
    "ioss_number",
)


def _container(s: Session, container_id: str) -> Any:
    r = s.execute(select(CONTAINERS).where(C.id == container_id)).first()
    if r is None:
        raise NotFoundError(f"No container {container_id!r}; see `landbridge ecommerce fill` for container ids.")
    return r


def container_manifest(s: Session, container_id: str) -> dict[str, Any]:
    """Header (departure, hub, regime, booking), one row per order, and totals."""
    c = _container(s, container_id)
    rows = s.execute(
        select(ORDERS, Customer.name.label("seller_name"))
        .select_from(LOADS)
        .join(ORDERS, O.id == L.order_id)
        .join(Customer, Customer.id == O.seller_id)
        .where(L.container_id == container_id)
        .order_by(O.seller_id, O.seller_order_id)
    ).all()
    lines = [_order_line(r) for r in rows]
    return {
        "container": {
            "id": c.id,
            "departure_id": c.departure_id,
            "departs_at": iso_utc(c.departs_at),
            "eu_entry_at": iso_utc(c.eu_entry_at),
            "arrives_at": iso_utc(c.arrives_at),
            "hub": c.hub,
            "regime": c.regime,
            "container_type": c.container_type,
            "booking_id": c.booking_id,
            "seq": c.seq,
        },
        "orders": lines,
        "totals": _totals(lines),
    }


def _order_line(r: Any) -> dict[str, Any]:
    return {
        "order_id": r.id,
        "seller": r.seller_name,
        "seller_order_id": r.seller_order_id,
        "consignee": r.consignee_name,
        "country": r.destination_country,
        "postcode": r.destination_postcode,
        "city": r.destination_city,
        "hs_codes": r.hs_codes,
        "items": r.items,
        "weight_kg": round(r.weight_kg, 3),
        "volume_m3": round(r.volume_m3, 5),
        "value": str(r.declared_value),
        "currency": r.currency,
        "value_eur": str(r.value_eur),
        "export_declaration": r.export_declaration,
        "import_declaration": r.import_declaration,
        "duty_eur": str(r.duty_eur),
        "vat_eur": str(r.vat_eur),
        "vat_via": r.vat_via,
        "ioss_number": r.ioss_number or "",
    }


def _totals(lines: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "parcels": len(lines),
        "items": sum(x["items"] for x in lines),
        "weight_kg": round(sum(x["weight_kg"] for x in lines), 3),
        "volume_m3": round(sum(x["volume_m3"] for x in lines), 4),
        "value_eur": str(sum((Decimal(x["value_eur"]) for x in lines), Decimal("0.00"))),
        "duty_eur": str(sum((Decimal(x["duty_eur"]) for x in lines), Decimal("0.00"))),
        "vat_eur": str(sum((Decimal(x["vat_eur"]) for x in lines), Decimal("0.00"))),
    }


def regime_manifest(s: Session, departure_id: str, regime: str) -> dict[str, Any]:
    """The containers of one regime on a departure, their totals, and the regime's export declaration data."""
    cs = s.execute(
        select(CONTAINERS).where(C.departure_id == departure_id, C.regime == regime).order_by(C.hub, C.seq)
    ).all()
    if not cs:
        raise NotFoundError(f"No {regime} containers on departure {departure_id}.")
    rows = s.execute(
        select(O.id, L.container_id, O.hs_codes, O["items"], O.weight_kg, O.value_eur, O.export_declaration)
        .select_from(LOADS)
        .join(ORDERS, O.id == L.order_id)
        .where(L.container_id.in_([c.id for c in cs]))
        .order_by(L.container_id, O.id)
    ).all()
    per_container: dict[str, dict[str, Any]] = {
        c.id: {"parcels": 0, "items": 0, "weight_kg": 0.0, "value_eur": Decimal("0.00")} for c in cs
    }
    for r in rows:
        t = per_container[r.container_id]
        t["parcels"] += 1
        t["items"] += r.items
        t["weight_kg"] += r.weight_kg
        t["value_eur"] += Decimal(r.value_eur)
    containers = [
        {
            "container_id": c.id,
            "hub": c.hub,
            "seq": c.seq,
            "booking_id": c.booking_id,
            "parcels": per_container[c.id]["parcels"],
            "items": per_container[c.id]["items"],
            "weight_kg": round(per_container[c.id]["weight_kg"], 3),
            "value_eur": str(per_container[c.id]["value_eur"]),
        }
        for c in cs
    ]
    rules = load_rules()
    reg = rules.regimes[regime]
    declaration: list[dict[str, Any]] = []
    if reg.declaration == "per_parcel_list":
        for r in rows:
            codes = r.hs_codes.split(";")
            share = (Decimal(r.value_eur) / len(codes)).quantize(Decimal("0.01"))
            declaration.extend(
                {
                    "order_id": r.id,
                    "container_id": r.container_id,
                    "hs_code": code,
                    "value_eur": str(share),
                    "form": "list",
                }
                for code in codes
            )
    else:
        agg: dict[tuple[str, str, str], dict[str, Any]] = {}
        for r in rows:
            codes = r.hs_codes.split(";")
            for code in codes:
                key = (r.container_id, code[:6], r.export_declaration)
                a = agg.setdefault(key, {"orders": 0, "items": 0, "weight_kg": 0.0, "value_eur": Decimal("0.00")})
                a["orders"] += 1
                a["items"] += r.items / len(codes)
                a["weight_kg"] += r.weight_kg / len(codes)
                a["value_eur"] += Decimal(r.value_eur) / len(codes)
        declaration = [
            {
                "container_id": k[0],
                "hs6": k[1],
                "form": k[2],
                "orders": a["orders"],
                "items": round(a["items"], 1),
                "weight_kg": round(a["weight_kg"], 3),
                "value_eur": str(a["value_eur"].quantize(Decimal("0.01"))),
            }
            for k, a in sorted(agg.items())
        ]
    total = {
        "containers": len(cs),
        "parcels": sum(x["parcels"] for x in containers),
        "items": sum(x["items"] for x in containers),
        "weight_kg": round(sum(x["weight_kg"] for x in containers), 3),
        "value_eur": str(sum((Decimal(x["value_eur"]) for x in containers), Decimal("0.00"))),
    }
    return {
        "departure_id": departure_id,
        "regime": regime,
        "regime_name": reg.name,
        "declaration": reg.declaration,
        "containers": containers,
        "totals": total,
        "export_declaration": declaration,
    }


def ics2_ens(s: Session, departure_id: str) -> dict[str, Any]:
    """ICS2 entry summary data for the departure's e-commerce consignments (one house consignment per order)."""
    cs = s.execute(select(CONTAINERS).where(C.departure_id == departure_id).order_by(C.hub, C.regime, C.seq)).all()
    if not cs:
        raise NotFoundError(f"No e-commerce containers on departure {departure_id}.")
    ics = load_rules().eu.ics2_rail
    entry = min(c.eu_entry_at for c in cs)
    rows = s.execute(
        select(O.id, L.container_id, O.hs_codes, O.weight_kg, O.consignee_name, O.destination_country)
        .select_from(LOADS)
        .join(ORDERS, O.id == L.order_id)
        .where(L.container_id.in_([c.id for c in cs]))
        .order_by(L.container_id, O.id)
    ).all()
    return {
        "departure_id": departure_id,
        "first_eu_arrival": iso_utc(entry),
        "ens_due": iso_utc(entry - timedelta(hours=ics.ens_hours_before_arrival)),
        "house_consignments": [
            {
                "order_id": r.id,
                "container_id": r.container_id,
                "hs6": sorted({c[: ics.min_hs_digits] for c in r.hs_codes.split(";")}),
                "gross_mass_kg": round(r.weight_kg, 3),
                "consignee": r.consignee_name,
                "country": r.destination_country,
            }
            for r in rows
        ],
    }


def to_csv(rows: list[dict[str, Any]], totals: dict[str, Any] | None = None) -> str:
    """Rows as CSV text; a last line `TOTAL` carries the totals under their columns."""
    if not rows:
        return ""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(rows[0]), lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    if totals:
        first = next(iter(rows[0]))
        w.writerow({first: "TOTAL", **{k: v for k, v in totals.items() if k in rows[0]}})
    return buf.getvalue()


def to_pdf(
    title: str, header: dict[str, Any], columns: list[str], rows: list[dict[str, Any]], totals: dict[str, Any]
) -> bytes:
    """A landscape A4 manifest: title, header fields, a table (repeated column heads on each page), totals. The
    fonts are the consignment note's (booking.consignment): DejaVu Sans for Latin and Cyrillic names, Noto Sans
    CJK as the fallback for Chinese ones (loaded only when the manifest has CJK text)."""
    from landbridge.booking.consignment import has_cjk, unicode_pdf_class

    pdf = unicode_pdf_class()(orientation="L", format="A4")
    pdf.setup_fonts(cjk=has_cjk([title, header, rows]))
    fam = pdf.family_name
    pdf.set_auto_page_break(True, margin=12)
    pdf.add_page()
    pdf.set_font(fam, "B", 13)
    pdf.cell(0, 8, pdf.t(title), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(fam, "", 8)
    for k, v in header.items():
        pdf.cell(0, 4.5, pdf.t(f"{k}: {v}"), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    width = (pdf.w - pdf.l_margin - pdf.r_margin) / max(len(columns), 1)

    def head() -> None:
        pdf.set_font(fam, "B", 6.5)
        for c in columns:
            pdf.cell(width, 5, c[:22], border=1)
        pdf.ln()
        pdf.set_font(fam, "", 6.5)

    head()
    for r in rows:
        if pdf.get_y() > pdf.h - 20:
            pdf.add_page()
            head()
        for c in columns:
            text = pdf.t(r.get(c, ""))
            pdf.cell(
                width,
                4.2,
                text
                if pdf.get_string_width(text) < width - 1
                else text[: max(1, int(len(text) * (width - 2) / max(pdf.get_string_width(text), 1)))],
                border=1,
            )
        pdf.ln()
    pdf.ln(3)
    pdf.set_font(fam, "B", 8)
    pdf.cell(0, 5, pdf.t("Totals: " + ", ".join(f"{k} {v}" for k, v in totals.items())), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


def write_manifests(s: Session, departure_id: str, folder: Path) -> list[Path]:
    """Every manifest of a departure into a folder: per container (CSV, PDF), per regime (CSV, PDF, export
    declaration CSV) and the ICS2 ENS data (CSV). Returns the files written."""
    cs = s.execute(select(C.id, C.regime).where(C.departure_id == departure_id).order_by(C.regime, C.hub, C.seq)).all()
    if not cs:
        raise NotFoundError(
            f"No e-commerce containers on departure {departure_id}; run `landbridge ecommerce consolidate` first."
        )
    folder.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    safe = departure_id.replace(":", "_")
    for cid, _regime in cs:
        m = container_manifest(s, cid)
        p = folder / f"{safe}_{cid}.csv"
        p.write_text(to_csv(m["orders"], m["totals"]), encoding="utf-8")
        q = folder / f"{safe}_{cid}.pdf"
        q.write_bytes(
            to_pdf(
                f"Container manifest {cid}",
                m["container"],
                [
                    "order_id",
                    "seller_order_id",
                    "consignee",
                    "country",
                    "hs_codes",
                    "items",
                    "weight_kg",
                    "value_eur",
                    "import_declaration",
                    "duty_eur",
                    "vat_eur",
                ],
                m["orders"],
                m["totals"],
            )
        )
        written += [p, q]
    for regime in sorted({r for _c, r in cs}):
        m = regime_manifest(s, departure_id, regime)
        p = folder / f"{safe}_regime_{regime}.csv"
        p.write_text(to_csv(m["containers"], m["totals"]), encoding="utf-8")
        q = folder / f"{safe}_regime_{regime}.pdf"
        q.write_bytes(
            to_pdf(
                f"Regime {regime} manifest, departure {departure_id}",
                {"regime": m["regime_name"], "export declaration": m["declaration"]},
                list(m["containers"][0]),
                m["containers"],
                m["totals"],
            )
        )
        r = folder / f"{safe}_regime_{regime}_export_declaration.csv"
        r.write_text(to_csv(m["export_declaration"]), encoding="utf-8")
        written += [p, q, r]
    ens = ics2_ens(s, departure_id)
    p = folder / f"{safe}_ics2_ens.csv"
    p.write_text(to_csv([{**h, "hs6": ";".join(h["hs6"])} for h in ens["house_consignments"]]), encoding="utf-8")
    written.append(p)
    return written
