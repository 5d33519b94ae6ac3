"""Fixtures for the web app: a real server (uvicorn in a thread) on a seeded SQLite database, keys for an
operator and two shippers, and Debian's Chromium driven by Playwright (never a downloaded browser).

Browser tests skip, saying why, when /usr/bin/chromium, the playwright package or the built app is missing;
.ci/run installs Chromium and `make test` builds the app, so in CI they run."""

from __future__ import annotations

import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LANDBRIDGE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AXE = ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
OUTPUT = Path(os.environ.get("LANDBRIDGE_WEB_OUTPUT", ROOT / "out" / "web-tests"))
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def browser_missing() -> str | None:
    """Why the browser tests cannot run here, or None."""
    from landbridge.web.static import built

    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium; .ci/run does)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "the playwright package is missing: pip install -e '.[dev]'"
    if not built():
        return "the web app is not built: make setup (or cd web && npm ci && npm run build)"
    if not AXE.exists():
        return f"{AXE} is missing: cd web && npm ci"
    return None


@dataclass
class Site:
    url: str
    operator: str
    shipper: str
    shipper_customer: str
    other_shipper: str
    other_customer: str
    db: object


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def site(tmp_path_factory) -> Iterator[Site]:
    """The API and the web app on a fresh SQLite database with the next 45 days of departures."""
    import uvicorn

    from landbridge.accounts.service import create_customer, create_key
    from landbridge.api.app import create_app
    from landbridge.booking import capacity
    from landbridge.db.engine import get_database
    from landbridge.migrations import upgrade
    from landbridge.world import load_world

    db = get_database(f"sqlite:///{tmp_path_factory.mktemp('web')}/web.sqlite3")
    upgrade(db)
    world = load_world()
    today = date.today()
    db.write(lambda s: capacity.seed(s, world, today - timedelta(days=30), today + timedelta(days=45)))

    def people(s):
        op = create_key(s, "operator", "web tests operator")[1]
        a = create_customer(s, "Chongqing Electronics Export Co.")
        b = create_customer(s, "Other Shipper Ltd")
        return op, a.id, create_key(s, "shipper", "a", a.id)[1], b.id, create_key(s, "shipper", "b", b.id)[1]

    op, a_id, a_token, b_id, b_token = db.write(people)
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(db), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield Site(f"http://127.0.0.1:{port}", op, a_token, a_id, b_token, b_id, db)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        db.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    why = browser_missing()
    if why:
        pytest.skip(why)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@dataclass
class Visit:
    """A browser tab on the site that records every request to another host (and blocks it)."""

    page: object
    site: Site
    foreign: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def open(self, route: str = "", token: str | None = None) -> None:
        """Go to `#/route`, signed in with `token` (None: not signed in)."""
        page = self.page
        page.goto(self.site.url + "/")  # type: ignore[attr-defined]
        if token:
            me = page.evaluate(  # type: ignore[attr-defined]
                """async (t) => (await fetch('/v1/me', {headers: {Authorization: 'Bearer ' + t}})).json()""", token
            )
            page.evaluate(  # type: ignore[attr-defined]
                "(s) => sessionStorage.setItem('landbridge.session', JSON.stringify(s))", {"token": token, **me}
            )
        page.goto(f"{self.site.url}/#/{route}")  # type: ignore[attr-defined]
        page.reload()  # type: ignore[attr-defined]

    def shot(self, name: str) -> None:
        """Screenshots at 1280×800 and at a phone's width (390 px), kept in out/web-tests/."""
        page = self.page
        OUTPUT.mkdir(parents=True, exist_ok=True)
        size = page.viewport_size  # type: ignore[attr-defined]
        page.screenshot(path=str(OUTPUT / f"{name}-1280x800.png"), full_page=True)  # type: ignore[attr-defined]
        page.set_viewport_size(PHONE)  # type: ignore[attr-defined]
        page.wait_for_timeout(300)  # type: ignore[attr-defined]
        page.screenshot(path=str(OUTPUT / f"{name}-phone-390.png"), full_page=True)  # type: ignore[attr-defined]
        page.set_viewport_size(size)  # type: ignore[attr-defined]

    def axe(self, name: str) -> list[dict]:
        """axe-core's serious and critical violations on the page as it is now (all kept in out/web-tests)."""
        page = self.page
        # Evaluated through the DevTools protocol: the app's CSP (no inline scripts) stays on.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;0")  # type: ignore[attr-defined]
        result = page.evaluate(  # type: ignore[attr-defined]
            "async () => await axe.run(document, {resultTypes: ['violations']})"
        )
        OUTPUT.mkdir(parents=True, exist_ok=True)
        (OUTPUT / f"axe-{name}.json").write_text(json.dumps(result["violations"], indent=1))
        return [
            {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]


@pytest.fixture
def visit(browser, site) -> Iterator[Visit]:
    context = browser.new_context(viewport=DESKTOP, accept_downloads=True)  # type: ignore[attr-defined]
    own = urlsplit(site.url).netloc
    v = Visit(context.new_page(), site)

    def guard(route):
        netloc = urlsplit(route.request.url).netloc
        if route.request.url.startswith(("data:", "blob:")) or netloc == own:
            route.continue_()
        else:
            v.foreign.append(route.request.url)
            route.abort()

    context.route("**/*", guard)
    v.page.on("pageerror", lambda e: v.errors.append(str(e)))
    try:
        yield v
    finally:
        context.close()
    assert v.foreign == [], f"the page asked another host: {v.foreign[:5]}"
    assert v.errors == [], f"uncaught errors in the page: {v.errors[:5]}"


def clean_output() -> None:
    if OUTPUT.exists():
        shutil.rmtree(OUTPUT, ignore_errors=True)
