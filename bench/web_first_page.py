"""How soon the web app's first page is interactive, in Debian's Chromium (headless) on this machine, with the
full network: the network page (map drawn with every feature) against the sign-in page (no map, no data) as the
baseline, each in a fresh browser context (cold cache) and once more warm (reload in the same context).

    python bench/web_first_page.py [--runs 7]

Measured from navigation start to the app's `landbridge:page-ready` mark (set after the page has rendered what
it shows; the network page sets it once MapLibre has drawn the network). Prints JSON; docs/benchmarks.md has
the numbers. Needs /usr/bin/chromium and a built app (make setup)."""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.web.conftest import CHROMIUM, CHROMIUM_ARGS, DESKTOP, _free_port

READY = "() => performance.getEntriesByName('landbridge:page-ready').at(-1)?.startTime ?? null"


def serve(tmp: Path):
    import uvicorn

    from landbridge.accounts.service import create_key
    from landbridge.api.app import create_app
    from landbridge.booking import capacity
    from landbridge.db.engine import get_database
    from landbridge.migrations import upgrade
    from landbridge.world import load_world

    db = get_database(f"sqlite:///{tmp}/bench.sqlite3")
    upgrade(db)
    today = date.today()
    db.write(lambda s: capacity.seed(s, load_world(), today, today + timedelta(days=30)))
    token = db.write(lambda s: create_key(s, "operator", "bench")[1])
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return server, f"http://127.0.0.1:{port}", token


def measure(browser, url: str, token: str, page_name: str, signed_in: bool) -> dict:
    context = browser.new_context(viewport=DESKTOP)
    if signed_in:
        me = {"token": token, "key_id": "bench", "role": "operator", "customer_id": None, "name": "bench"}
        context.add_init_script(f"sessionStorage.setItem('landbridge.session', {json.dumps(json.dumps(me))})")
    page = context.new_page()
    out = {}
    for label in ("cold", "warm"):
        if label == "cold":
            page.goto(f"{url}/#/{page_name}")
        else:
            page.reload()
        page.wait_for_function(f"() => document.body.dataset.ready === '{page_name}'", timeout=60_000)
        out[f"{label}_ms"] = round(page.evaluate(READY))
        if label == "cold":
            out["transfer_kb"] = round(
                page.evaluate(
                    "() => performance.getEntriesByType('resource').reduce((s, r) => s + r.transferSize, 0)"
                    " + performance.getEntriesByType('navigation')[0].transferSize"
                )
                / 1024
            )
        if page_name == "network":
            out["features_drawn"] = int(page.get_attribute("#network-map", "data-rendered-features"))
            if label == "cold":  # where the time goes: data fetched, map's first style loaded, network drawn
                for name in ("network-data", "map-loaded"):
                    out[f"cold_{name}_ms"] = round(
                        page.evaluate(f"() => performance.getEntriesByName('landbridge:{name}').at(-1).startTime")
                    )
    context.close()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=7)
    args = ap.parse_args()
    from playwright.sync_api import sync_playwright

    from landbridge.web.static import built

    if not CHROMIUM.exists() or not built():
        sys.exit("needs /usr/bin/chromium (apt-get install chromium) and the built app (make setup)")
    with tempfile.TemporaryDirectory() as tmp:
        server, url, token = serve(Path(tmp))
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
            measure(browser, url, token, "network", True)  # first visit warms the server's caches
            rows = {"signin": [], "network": []}
            for _ in range(args.runs):  # interleaved, so both see the same machine load
                rows["signin"].append(measure(browser, url, token, "signin", False))
                rows["network"].append(measure(browser, url, token, "network", True))
            browser.close()
        server.should_exit = True
    doc = {"runs": args.runs, "load_average_1min_after": round(os.getloadavg()[0], 1), "cpus": os.cpu_count()}
    for name, rs in rows.items():
        doc[name] = {
            k: {
                "median": statistics.median(r[k] for r in rs),
                "min": min(r[k] for r in rs),
                "max": max(r[k] for r in rs),
            }
            for k in rs[0]
        }
    doc["network_over_signin_cold"] = round(doc["network"]["cold_ms"]["median"] / doc["signin"]["cold_ms"]["median"], 2)
    print(json.dumps(doc, indent=1))


if __name__ == "__main__":
    main()
