"""Serving the built web app: `index.html` at `/` and the hashed bundles under `/assets/`, with a content
security policy that keeps every request on this origin (no CDN, tile server or font service). When the app
has not been built, `/` says how to build it instead of failing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import FileResponse, HTMLResponse, Response
from fastapi.staticfiles import StaticFiles

STATIC = Path(__file__).resolve().parent / "static"

# Only this origin: scripts and styles from the bundle, the map's workers from blob: URLs (MapLibre),
# images as data:/blob: (canvas snapshots, downloaded documents); no frames, no plugins, nothing else.
CSP = (
    "default-src 'self'; script-src 'self'; worker-src 'self' blob:; child-src blob:; "
    "style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self'; connect-src 'self'; "
    "object-src 'none'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",  # index.html is small; the bundles it names are hashed and cached
}

NOT_BUILT = """<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Landbridge</title></head>
<body><main><h1>The web app is not built</h1>
<p>The API works (<a href="/docs">/docs</a>). To build the web app, run <code>make setup</code>
(or <code>cd web &amp;&amp; npm ci &amp;&amp; npm run build</code>) and reload this page.</p></main></body></html>"""


class HashedAssets(StaticFiles):
    """Vite names bundles by their content's hash: a name never changes content, so browsers keep them."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
        return response


def built() -> bool:
    return (STATIC / "index.html").is_file()


def mount(app: FastAPI) -> None:
    """`/` serves index.html (or how to build it), `/assets/*` the bundles; nothing else is caught."""

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        if not built():
            return HTMLResponse(NOT_BUILT, status_code=503, headers={"Retry-After": "60"})
        return FileResponse(STATIC / "index.html", headers=HEADERS)

    @app.get("/favicon.svg", include_in_schema=False)
    def favicon() -> Response:
        icon = STATIC / "favicon.svg"
        if not icon.is_file():
            return HTMLResponse("", status_code=404)
        return FileResponse(icon, headers={"Cache-Control": "max-age=86400"})

    app.mount("/assets", HashedAssets(directory=STATIC / "assets", check_dir=False), name="web-assets")
