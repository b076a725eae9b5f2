"""The staff portal at /portal (server-rendered, HTMX) and the session-authenticated JSON API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from triageline.adapters.notify.router import ChannelRouter
from triageline.bootstrap import Container
from triageline.entrypoints.paging_wiring import notifiers_from_env, public_base_url
from triageline.entrypoints.web.portal import api, routes_auth, routes_pages, routes_push
from triageline.entrypoints.web.portal.security import SecurityHeaders
from triageline.entrypoints.web.portal.wiring import PortalWiring


def install(app: FastAPI, container: Container) -> PortalWiring:
    """Mount the portal, its static files, the messages API and the security headers."""
    paging = getattr(app.state, "paging", None)
    base = public_base_url(container)
    wiring = PortalWiring(
        container,
        pager=paging.service if paging is not None else None,
        alerts=ChannelRouter(notifiers_from_env(base, container=container)),
        base_url=base,
        push_public_key=routes_push.push_public_key_from_env(),
    )
    app.state.portal = wiring
    app.add_middleware(SecurityHeaders)
    app.mount(
        "/portal/static",
        StaticFiles(directory=str(Path(__file__).parent / "static")),
        name="portal-static",
    )
    app.include_router(routes_auth.router)
    app.include_router(routes_pages.router)
    app.include_router(routes_push.router)
    app.include_router(api.router)
    return wiring
