"""The web app: the built single-page app (sources in /web at the repository root, built by `npm run build`
into `static/`) served at `/`, and the few read-only endpoints its pages need that no domain offers
(the network as GeoJSON with what runs on it, place suggestions, route geometry, train positions by
schedule) plus simulation jobs with progress for the Scenarios page. See docs/web.md."""

from __future__ import annotations

from fastapi import APIRouter, FastAPI


def install(app: FastAPI) -> APIRouter:
    """Add the web app's endpoints and static files to the API application; returns the endpoints' router."""
    from landbridge.web.jobs import Jobs
    from landbridge.web.static import mount
    from landbridge.web.views import router

    app.state.simulations = Jobs()
    app.include_router(router)
    mount(app)
    return router
