"""Emission reports as files: CSV (one row per leg section and per hub, then the totals), a one-page PDF
(fpdf2), and a customer's monthly summary as CSV and as a chart (PNG or SVG, matplotlib)."""

from __future__ import annotations

import csv
import importlib.util
import io
import unicodedata
from functools import lru_cache
from pathlib import Path
from typing import Any

from landbridge.errors import require

CSV_COLUMNS = (
    "row",
    "leg",
    "mode",
    "from",
    "to",
    "country",
    "traction",
    "distance_km",
    "mass_kg",
    "containers",
    "factor_id",
    "factor_ttw",
    "factor_wtt",
    "factor_wtw",
    "factor_unit",
    "ttw_co2e_kg",
    "wtt_co2e_kg",
    "wtw_co2e_kg",
    "data_quality",
    "factor_source",
)


def report_csv(report: dict[str, Any]) -> str:
    """The report as CSV: a row per leg section and per hub, then a total row; factor set in a header comment."""
    buf = io.StringIO()
    fs = report["factor_set"]
    buf.write(f"# ISO 14083:2023 emissions report, booking {report['booking']['id']}\n")
    buf.write(f"# factor set: {fs['name']} {fs['version']} ({fs['licence']})\n")
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    for leg in report["legs"]:
        for sec in leg["sections"]:
            f = sec["factor"]
            w.writerow(
                {
                    "row": "section",
                    "leg": leg["index"] + 1,
                    "mode": sec["mode"],
                    "from": leg["from_name"],
                    "to": leg["to_name"],
                    "country": sec["country"] or "",
                    "traction": sec["traction"] or "",
                    "distance_km": sec["distance_km"],
                    "mass_kg": sec["mass_kg"],
                    "containers": "",
                    "factor_id": f["id"],
                    "factor_ttw": f["ttw"],
                    "factor_wtt": f["wtt"],
                    "factor_wtw": f["wtw"],
                    "factor_unit": f["unit"],
                    "ttw_co2e_kg": sec["ttw_co2e_kg"],
                    "wtt_co2e_kg": sec["wtt_co2e_kg"],
                    "wtw_co2e_kg": sec["wtw_co2e_kg"],
                    "data_quality": sec["data_quality"],
                    "factor_source": f["source"],
                }
            )
    for h in report["hubs"]:
        f = h["factor"] or {}
        w.writerow(
            {
                "row": "hub",
                "leg": "" if h["leg"] is None else h["leg"] + 1,
                "mode": h["kind"],
                "from": h["place_name"],
                "to": "",
                "country": h["country"] or "",
                "traction": "",
                "distance_km": "",
                "mass_kg": h["mass_kg"],
                "containers": h["containers"],
                "factor_id": f.get("id", "not quantified"),
                "factor_ttw": f.get("ttw", ""),
                "factor_wtt": f.get("wtt", ""),
                "factor_wtw": f.get("wtw", ""),
                "factor_unit": f.get("unit", ""),
                "ttw_co2e_kg": h["ttw_co2e_kg"],
                "wtt_co2e_kg": h["wtt_co2e_kg"],
                "wtw_co2e_kg": h["wtw_co2e_kg"],
                "data_quality": h["data_quality"] or "",
                "factor_source": f.get("source", ""),
            }
        )
    t = report["totals"]
    w.writerow(
        {
            "row": "total",
            "mass_kg": report["mass_kg"],
            "containers": report["containers"],
            "ttw_co2e_kg": t["ttw_co2e_kg"],
            "wtt_co2e_kg": t["wtt_co2e_kg"],
            "wtw_co2e_kg": t["wtw_co2e_kg"],
            "data_quality": report["data_quality"],
        }
    )
    return buf.getvalue()


# ---- PDF ------------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _font_dir() -> Path | None:
    """DejaVu Sans as shipped with matplotlib: Latin, Polish, Cyrillic letters."""
    spec = importlib.util.find_spec("matplotlib")
    if spec and spec.submodule_search_locations:
        d = Path(next(iter(spec.submodule_search_locations))) / "mpl-data" / "fonts" / "ttf"
        if (d / "DejaVuSans.ttf").exists() and (d / "DejaVuSans-Bold.ttf").exists():
            return d
    return None


def _kg(x: float | None) -> str:
    return "-" if x is None else f"{x:,.1f}"


def report_pdf(report: dict[str, Any]) -> bytes:
    """One A4 page (more if the itinerary is long): booking, totals, a table of legs and sections, the hubs,
    the factor set, method and limitations."""
    from fpdf import FPDF

    pdf = FPDF(format="A4", orientation="landscape")
    d = _font_dir()
    family, unicode_ok = "helvetica", False
    if d is not None:
        pdf.add_font("dv", "", str(d / "DejaVuSans.ttf"))
        pdf.add_font("dv", "B", str(d / "DejaVuSans-Bold.ttf"))
        family, unicode_ok = "dv", True

    def t(text: Any) -> str:
        s = "" if text is None else str(text)
        if unicode_ok:
            return s
        s = unicodedata.normalize("NFKD", s.replace("Ł", "L").replace("ł", "l").replace("→", "->"))
        return s.encode("latin-1", "ignore").decode("latin-1")

    def fit(text: str, width_mm: float) -> str:
        """The text, cut with an ellipsis to fit a cell."""
        if pdf.get_string_width(text) <= width_mm:
            return text
        while text and pdf.get_string_width(text + "...") > width_mm:
            text = text[:-1]
        return text + "..."

    pdf.set_auto_page_break(True, margin=12)
    pdf.set_margins(10, 10, 10)
    pdf.add_page()
    b = report["booking"]
    tot = report["totals"]
    pdf.set_font(family, "B", 14)
    pdf.cell(
        0, 8, t(f"Greenhouse-gas emissions report (ISO 14083:2023) - booking {b['id']}"), new_x="LMARGIN", new_y="NEXT"
    )
    pdf.set_font(family, "", 9)
    lines = [
        f"{b['origin_name']} → {b['destination_name']}, departs {b['departure'][:10]}, arrives {b['arrival'][:10]}; "
        f"{b['containers']} x {b['container_type']}, {report['mass_kg']:,.0f} kg of {b.get('goods') or 'goods'}; "
        f"status {b['status']}; customer {b['customer_id']}; reference {b.get('reference') or '-'}",
        f"Totals: WTW {_kg(tot['wtw_co2e_kg'])} kg CO2e  (TTW {_kg(tot['ttw_co2e_kg'])}, "
        f"WTT {_kg(tot['wtt_co2e_kg'])}); transport {_kg(tot['transport_wtw_co2e_kg'])}, "
        f"hubs {_kg(tot['hubs_wtw_co2e_kg'])}; "
        f"data quality: {report['data_quality']} values",
    ]
    for line in lines:
        pdf.multi_cell(0, 5, t(line), new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    cols = (
        ("Leg", 9),
        ("Mode", 14),
        ("From", 38),
        ("To", 38),
        ("Country / traction", 30),
        ("km", 16),
        ("t", 12),
        ("Factor (g CO2e/tkm) TTW / WTT", 60),
        ("TTW kg", 18),
        ("WTT kg", 18),
        ("WTW kg", 18),
    )

    def header() -> None:
        pdf.set_font(family, "B", 7.5)
        pdf.set_fill_color(232, 236, 241)
        for name, width in cols:
            pdf.cell(width, 5, t(name), border=1, fill=True)
        pdf.ln()
        pdf.set_font(family, "", 7.5)

    header()
    for leg in report["legs"]:
        for k, sec in enumerate(leg["sections"]):
            f = sec["factor"]
            where = " / ".join(x for x in (sec["country"], sec["traction"]) if x)
            row = (
                str(leg["index"] + 1) if k == 0 else "",
                sec["mode"],
                leg["from_name"] if k == 0 else "",
                leg["to_name"] if k == 0 else "",
                where,
                f"{sec['distance_km']:,.0f}",
                f"{sec['mass_kg'] / 1000:,.2f}",
                f"{f['id']}: {f['ttw']:g} / {f['wtt']:g}",
                _kg(sec["ttw_co2e_kg"]),
                _kg(sec["wtt_co2e_kg"]),
                _kg(sec["wtw_co2e_kg"]),
            )
            for (_, width), text in zip(cols, row):
                pdf.cell(width, 4.5, fit(t(text), width - 1.5), border=1)
            pdf.ln()
    pdf.ln(2)
    pdf.set_font(family, "B", 8.5)
    pdf.cell(0, 5, t("Hub operations (per container handled)"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 7.5)
    for h in report["hubs"]:
        f = h["factor"]
        factor = f"{f['id']}: {f['ttw']:g} + {f['wtt']:g} kg/container" if f else "not quantified (no factor)"
        pdf.cell(
            0,
            4.2,
            t(
                f"{h['kind'].replace('_', ' ')} at {h['place_name']}: {h['containers']:g} container(s) x {factor}"
                f" = WTW {_kg(h['wtw_co2e_kg'])} kg"
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
    pdf.ln(2)
    fs = report["factor_set"]
    pdf.set_font(family, "B", 8.5)
    pdf.cell(0, 5, t("Factor set, method, limitations"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(family, "", 7)
    notes = [
        f"Factor set: {fs['name']}, version {fs['version']}; licence: {fs['licence']}; {fs.get('url') or ''}",
        *(f"{k}: {v}" for k, v in report["method"].items()),
        *(f"Not quantified: {x}" for x in report["not_quantified"]),
        *(f"Limitation: {x}" for x in report["limitations"]),
        f"Generated {report['generated_at']} by Landbridge.",
    ]
    for line in notes:
        pdf.multi_cell(0, 3.6, t(line), new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())


# ---- summary ----------------------------------------------------------------------------------------------
SUMMARY_COLUMNS = (
    "month",
    "bookings",
    "wtw_co2e_kg",
    "ttw_co2e_kg",
    "rail_wtw_co2e_kg",
    "road_wtw_co2e_kg",
    "sea_wtw_co2e_kg",
    "air_wtw_co2e_kg",
    "ferry_wtw_co2e_kg",
    "hub_wtw_co2e_kg",
    "sea_alternative_bookings",
    "sea_alternative_wtw_co2e_kg",
    "saving_vs_sea_co2e_kg",
    "air_alternative_bookings",
    "air_alternative_wtw_co2e_kg",
    "saving_vs_air_co2e_kg",
)


def summary_csv(summary: dict[str, Any]) -> str:
    """One row per month, then the total row."""
    buf = io.StringIO()
    fs = summary["factor_set"]
    buf.write(
        f"# emissions per month, customer {summary['customer_id'] or 'all'}; factor set {fs['name']} {fs['version']}\n"
    )
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for m in [*summary["months"], summary["totals"]]:
        sea, air = m["sea_alternative"], m["air_alternative"]
        row: dict[str, Any] = {
            "month": m["month"],
            "bookings": m["bookings"],
            "wtw_co2e_kg": m["wtw_co2e_kg"],
            "ttw_co2e_kg": m["ttw_co2e_kg"],
            "sea_alternative_bookings": sea["bookings"],
            "sea_alternative_wtw_co2e_kg": sea["wtw_co2e_kg"],
            "saving_vs_sea_co2e_kg": sea["saving_co2e_kg"],
            "air_alternative_bookings": air["bookings"],
            "air_alternative_wtw_co2e_kg": air["wtw_co2e_kg"],
            "saving_vs_air_co2e_kg": air["saving_co2e_kg"],
        }
        for mode in ("rail", "road", "sea", "air", "ferry", "hub"):
            row[f"{mode}_wtw_co2e_kg"] = m["by_mode_wtw_co2e_kg"].get(mode, 0.0)
        w.writerow(row)
    return buf.getvalue()


MODE_COLOURS = {
    "rail": "#2e7d32",
    "road": "#8d6e63",
    "sea": "#1565c0",
    "ferry": "#4fc3f7",
    "air": "#c62828",
    "hub": "#9e9e9e",
}


def summary_chart(summary: dict[str, Any], fmt: str = "png") -> bytes:
    """Two panels, PNG or SVG bytes. Top: WTW t CO2e per month, stacked by mode (linear scale). Bottom: per
    month, what was booked against what the same goods would have emitted had the bookings whose quote
    offered a sea (or air) option taken it (log scale: air is an order of magnitude above rail)."""
    matplotlib = require("matplotlib", "charts", "The emissions chart")

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    months = summary["months"]
    labels = [m["month"] for m in months]
    x = list(range(len(months)))
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(max(6.5, 1.1 * len(labels) + 3.5), 7.0), sharex=True)
    base = [0.0] * len(months)
    for mode, colour in MODE_COLOURS.items():
        values = [m["by_mode_wtw_co2e_kg"].get(mode, 0.0) / 1000 for m in months]
        if any(values):
            top.bar(x, values, bottom=base, color=colour, label=mode, width=0.6)
            base = [b + v for b, v in zip(base, values)]
    top.set_ylabel("t CO2e (well-to-wheel)")
    who = summary["customer_id"] or "all customers"
    top.set_title(f"Emissions per month of departure, by mode - {who}")
    if top.get_legend_handles_labels()[1]:  # no booking in the period: nothing to label (matplotlib warns)
        top.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))

    width = 0.27
    booked = [m["wtw_co2e_kg"] / 1000 for m in months]
    bottom.bar([i - width for i in x], booked, width, color="#2e7d32", label="as booked")
    for k, (mode, colour) in enumerate((("sea", "#1565c0"), ("air", "#c62828"))):
        alt = [(m["wtw_co2e_kg"] + (m[f"{mode}_alternative"]["saving_co2e_kg"] or 0.0)) / 1000 for m in months]
        counts = [m[f"{mode}_alternative"]["bookings"] for m in months]
        xs = [i + k * width for i in x]
        bottom.bar(xs, alt, width, color=colour, alpha=0.85, label=f"had the quote's {mode} option been taken")
        for xi, yi, n in zip(xs, alt, counts):
            bottom.text(xi, yi, f"{n}", ha="center", va="bottom", fontsize=7)
    bottom.set_yscale("log")
    if booked and min(booked) > 0:
        bottom.set_ylim(bottom=min(booked) / 4)
    bottom.set_ylabel("t CO2e (log scale)")
    bottom.set_title(
        "Against the sea and air options of the same quotes (number of bookings with that option)", fontsize=9
    )
    bottom.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    bottom.set_xticks(x, labels)
    for ax in (top, bottom):
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format=fmt, dpi=110, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()
