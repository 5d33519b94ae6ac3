"""The twin against the published year: every calibrated flow figure of data/published_flows.yaml beside the
simulated one (kpis.json), with its source and the deviation; `landbridge calibration` writes it as
docs/calibration.md.

A published figure for part of a year (`through: DATE`) is scaled to the whole year (x days of the year /
days up to that date); one for another year (`year:`) is compared as it is and says so in the table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from landbridge.datafiles import DataSource

PUBLISHED_FLOWS = "published_flows.yaml"
TOLERANCE = 0.15  # the target: each published flow within 15 %


@dataclass(frozen=True)
class CalibrationRow:
    """One calibrated figure: what the twin gives, what was published (for the whole year), the source and
    the relative deviation (model / published - 1)."""

    figure: str
    model: float
    published: float
    source: str
    note: str = ""

    @property
    def deviation(self) -> float:
        return self.model / self.published - 1 if self.published else float("nan")

    @property
    def within_tolerance(self) -> bool:
        return abs(self.deviation) <= TOLERANCE


def published_flows(data_dir: str | None = None) -> dict[str, Any]:
    """data/published_flows.yaml (or a data folder's copy), as a mapping."""
    return DataSource(data_dir).yaml(PUBLISHED_FLOWS)


def annual_value(entry: dict[str, Any], year: int) -> tuple[float, str]:
    """A published figure for the whole year, and a note on how it was made so (partial years scaled)."""
    value = float(entry["value"])
    through = entry.get("through")
    if through is not None:
        end = through if isinstance(through, date) else date.fromisoformat(str(through))
        days = (end - date(year, 1, 1)).days + 1
        in_year = (date(year + 1, 1, 1) - date(year, 1, 1)).days
        return (
            value * in_year / days,
            f"{int(value):,} up to {end.isoformat()}, scaled to the year (x {in_year}/{days})",
        )
    if entry.get("year") not in (None, year):
        return value, f"published for {entry['year']}"
    return value, ""


def calibration_rows(kpis: dict[str, Any], published: dict[str, Any]) -> list[CalibrationRow]:
    """Every calibrated flow figure: network totals, direction, TEU per train and EU share, trains by hub and by
    gateway, TEU share by destination region."""
    year = int(published.get("year", 2024))
    net = published["network"]
    regions = kpis["teu_share_by_region"]
    total_trains = _trains_per_year(kpis)
    rows = [
        CalibrationRow("CR Express trains a year", total_trains, net["trains"]["value"], net["trains"]["source"]),
        CalibrationRow("TEU a year", _teu_per_year(kpis), net["teu"]["value"], net["teu"]["source"]),
        CalibrationRow(
            "westbound trains a year",
            _per_year(kpis, sum(kpis["westbound_trains_per_month"])),
            net["westbound_trains"]["value"],
            net["westbound_trains"]["source"],
        ),
        CalibrationRow(
            "eastbound trains a year",
            _per_year(kpis, sum(kpis["eastbound_trains_per_month"])),
            net["eastbound_trains"]["value"],
            net["eastbound_trains"]["source"],
        ),
        CalibrationRow(
            "TEU per train", kpis["teu_per_train"], net["teu_per_train"]["value"], net["teu_per_train"]["source"]
        ),
        CalibrationRow(
            "EU share of TEU", regions.get("eu", 0.0), net["eu_teu_share"]["value"], net["eu_teu_share"]["source"]
        ),
    ]
    for region, entry in published.get("trains_by_destination_region", {}).items():
        if region == "eu":
            continue  # the EU share is above
        rows.append(
            CalibrationRow(f"{region} share of TEU", regions.get(region, 0.0), entry["teu_share"], entry["source"])
        )
    for hub, entry in published["trains_by_hub"].items():
        value, note = annual_value(entry, year)
        rows.append(
            CalibrationRow(
                f"trains a year, hub {hub}", kpis["trains_per_year_by_hub"].get(hub, 0), value, entry["source"], note
            )
        )
    for crossing, entry in published["trains_by_gateway"].items():
        value, note = annual_value(entry, year)
        rows.append(
            CalibrationRow(
                f"trains a year, gateway {crossing}",
                kpis["trains_per_year_by_gateway"].get(crossing, 0),
                value,
                entry["source"],
                note,
            )
        )
    return rows


def _per_year(kpis: dict[str, Any], count: float) -> float:
    return float(round(count * 365 / int(kpis["days"])))


def _trains_per_year(kpis: dict[str, Any]) -> float:
    return _per_year(kpis, kpis["summary"]["cr_express_trains"])


def _teu_per_year(kpis: dict[str, Any]) -> float:
    return _per_year(kpis, kpis["summary"]["teu"])


def calibration_markdown(rows: list[CalibrationRow], kpis: dict[str, Any], command: str) -> str:
    """docs/calibration.md: the table and how it was made."""
    within = sum(r.within_tolerance for r in rows)
    lines = [
        "# Calibration: the digital twin against the published 2024 flows",
        "",
        f"Generated by `{command}` (do not edit by hand): one simulated year of the default network, "
        f"{kpis['start']}, {kpis['days']} days, seed {kpis['seed']}, against "
        "`src/landbridge/data/published_flows.yaml`. Per-year figures are the run's counts x 365 / its days. "
        f"Target: each figure within {TOLERANCE:.0%} (tests/simulation/test_calibration.py); "
        f"{within} of {len(rows)} are.",
        "",
        "Trains by gateway count every train through it: the CR Express trains the twin runs plus the "
        "timetable's China-Central Asia and China-Mongolia trains (not simulated). Service frequencies fitted to "
        'these figures are marked "calibrated assumption" in services.yaml.',
        "",
        "| figure | model | published | deviation | source |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    for r in rows:
        mark = "" if r.within_tolerance else " ⚠"
        source = r.source + (f" ({r.note})" if r.note else "")
        cells = [r.figure, _num(r.model), _num(r.published), f"{r.deviation:+.1%}{mark}", source.replace("|", "/")]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def _num(x: float) -> str:
    return f"{x:,.3f}" if abs(x) < 1 else f"{x:,.1f}" if abs(x) < 1000 and x != int(x) else f"{x:,.0f}"
