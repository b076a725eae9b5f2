"""Portal push devices ("Notifications on this device"), the service worker, roster links."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Form
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from triageline.adapters.notify.settings import webpush_from_env
from triageline.adapters.notify.subscription_push import vapid_public_key
from triageline.entrypoints.web.portal.context import PageContext, page_context, post_context
from triageline.services.portal_push import (
    PushInputError,
    PushNotFoundError,
    SubscriptionInput,
)

router = APIRouter(prefix="/portal", include_in_schema=False)

STATIC = Path(__file__).parent / "static"
SERVICE_WORKER = STATIC / "push-sw.js"

Page = Annotated[PageContext, Depends(page_context)]
Post = Annotated[PageContext, Depends(post_context)]

_BROWSERS = (
    ("Edg/", "Edge"),
    ("Firefox/", "Firefox"),
    ("Chrome/", "Chrome"),
    ("Safari/", "Safari"),
)
_SYSTEMS = (
    ("Android", "Android"),
    ("iPhone", "iPhone"),
    ("iPad", "iPad"),
    ("Mac OS X", "macOS"),
    ("Windows", "Windows"),
    ("Linux", "Linux"),
)


def device_label(user_agent: str) -> str:
    """A short, PHI-free name for a browser from its User-Agent (``Firefox on Android``)."""
    browser = next((name for token, name in _BROWSERS if token in user_agent), "Browser")
    system = next((name for token, name in _SYSTEMS if token in user_agent), "")
    return f"{browser} on {system}" if system else browser


def push_public_key_from_env() -> str:
    """The VAPID public key from the notify settings ("" when web push is not configured)."""
    settings = webpush_from_env(os.environ)
    return vapid_public_key(settings.vapid_private_key) if settings else ""


@router.get("/push-sw.js")
def service_worker() -> Response:
    """The service worker (served under /portal/ so its scope is the whole portal)."""
    return Response(
        SERVICE_WORKER.read_text(encoding="utf-8"),
        media_type="text/javascript",
        headers={"Cache-Control": "no-cache"},
    )


@router.get("/devices", response_class=HTMLResponse)
def devices(ctx: Page, error: str | None = None) -> HTMLResponse:
    """The user's registered browsers and the button that registers this one."""
    return ctx.render(
        "devices.html",
        devices=ctx.wiring.push().devices(ctx.user),
        vapid_key=ctx.wiring.push_public_key,
        linked=ctx.user.person_id,
        error=error,
    )


@router.post("/devices")
async def subscribe(ctx: Post) -> Response:
    """Store the browser's PushSubscription JSON (posted by push.js with the CSRF header)."""
    if not ctx.wiring.push_public_key:
        return JSONResponse({"error": "web push is not configured"}, status_code=409)
    try:
        data = await ctx.request.json()
    except ValueError:
        return JSONResponse({"error": "send the subscription as JSON"}, status_code=400)
    keys = data.get("keys") if isinstance(data, dict) else None
    if not isinstance(keys, dict):
        return JSONResponse({"error": "a subscription needs keys"}, status_code=400)
    endpoint, p256dh, auth = data.get("endpoint"), keys.get("p256dh"), keys.get("auth")
    if not all(isinstance(v, str) for v in (endpoint, p256dh, auth)):
        return JSONResponse({"error": "a subscription needs endpoint and keys"}, status_code=400)
    try:
        stored = ctx.wiring.push().subscribe(
            ctx.user,
            ctx.ip,
            SubscriptionInput(
                str(endpoint),
                str(p256dh),
                str(auth),
                device_label(ctx.request.headers.get("user-agent", "")),
            ),
        )
    except PushInputError as error:
        return JSONResponse({"error": str(error)}, status_code=400)
    return JSONResponse({"id": stored.id, "label": stored.label}, status_code=201)


@router.post("/devices/{device_id}/remove")
def remove(ctx: Post, device_id: str) -> Response:
    """Forget one of the user's browsers; another user's device is not found (404)."""
    try:
        ctx.wiring.push().remove(ctx.user, ctx.ip, device_id)
    except PushNotFoundError:
        return ctx.render("error.html", status=404, message=ctx.t.gettext("Not found."))
    return RedirectResponse("/portal/devices", status_code=303)


@router.post("/users/{user_id}/person")
def link_person(ctx: Post, user_id: str, person_id: str = Form("")) -> Response:
    """Link a user to a roster person of their practice (empty unlinks); administrators only."""
    try:
        ctx.wiring.push().link_person(ctx.user, ctx.ip, user_id, person_id or None)
    except PushNotFoundError:
        return ctx.render("error.html", status=404, message=ctx.t.gettext("Not found."))
    except PushInputError as error:
        return RedirectResponse(
            f"/portal/users?error={quote(str(error), safe='')}", status_code=303
        )
    return RedirectResponse("/portal/users", status_code=303)
