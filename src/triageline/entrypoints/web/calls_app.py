"""Mount the calls service's web surface: Twilio webhooks, web chat and the conversations API."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from triageline.bootstrap import Container
from triageline.entrypoints import booking_wiring
from triageline.entrypoints.web import conversations, twilio_routes
from triageline.entrypoints.web.calls_wiring import CallsWeb, build_calls


def install(app: FastAPI, container: Container, calls: CallsWeb | None = None) -> CallsWeb:
    """Add the routes to ``app`` (the calls service built from ``container`` unless given)."""
    web = calls if calls is not None else build_calls(container)
    app.state.calls = web
    if web.booking is not None:
        web.booking.warm(web.directory.practice_ids)
        app.state.fhir_backend_provider = booking_wiring.fhir_backend_provider(
            web.booking, web.directory.practice_ids, web.service.clock
        )
    app.include_router(twilio_routes.build_router(web))
    app.include_router(conversations.build_router(web))
    app.mount(
        "/chat-static", StaticFiles(directory=str(conversations.STATIC_DIR)), name="chat-static"
    )
    return web
