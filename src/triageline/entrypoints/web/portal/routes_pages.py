"""Portal pages: inbox, message, call detail, on-call, live board, settings, users, audit."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Annotated
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Form, HTTPException
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from triageline.domain.messages import MessageStatus
from triageline.domain.oncall import Layer, OverrideReason
from triageline.domain.triage.types import TriageLevel
from triageline.entrypoints.web.portal.context import PageContext, page_context, post_context
from triageline.services.portal import (
    BreakGlassReason,
    ForbiddenError,
    InboxFilter,
    InvalidInputError,
    NotFoundError,
    OperatorAckReason,
)
from triageline.services.portal_model import Permission, Role
from triageline.services.portal_oncall import OverrideRequest

router = APIRouter(prefix="/portal", include_in_schema=False)

BREAK_GLASS_LABELS = {
    BreakGlassReason.PATIENT_EMERGENCY.value: "A patient's emergency",
    BreakGlassReason.COVERING_CLINICIAN.value: "Covering for a clinician",
    BreakGlassReason.PRACTICE_REQUEST.value: "The practice asked for help",
    BreakGlassReason.TECHNICAL_SUPPORT.value: "Technical support",
    BreakGlassReason.OTHER.value: "Other",
}

ACK_REASON_LABELS = {
    OperatorAckReason.CONFIRMED_BY_PHONE.value: "Clinician confirmed by phone",
    OperatorAckReason.CONFIRMED_IN_PERSON.value: "Clinician confirmed in person",
    OperatorAckReason.HANDLED_BY_COLLEAGUE.value: "Handled by another clinician",
    OperatorAckReason.CALLER_SENT_TO_EMERGENCY.value: "Caller sent to emergency services",
    OperatorAckReason.DUPLICATE.value: "Duplicate page",
}

Page = Annotated[PageContext, Depends(page_context)]
Post = Annotated[PageContext, Depends(post_context)]


def _not_found(ctx: PageContext) -> HTMLResponse:
    return ctx.render("error.html", status=404, message=ctx.t.gettext("Not found."))


def _forbidden(ctx: PageContext) -> HTMLResponse:
    return ctx.render(
        "error.html", status=403, message=ctx.t.gettext("You may not open this page.")
    )


def _back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


def _status(value: str | None) -> MessageStatus | None:
    return MessageStatus(value) if value in {s.value for s in MessageStatus} else None


def _urgency(value: str | None) -> TriageLevel | None:
    return TriageLevel(value) if value in {t.value for t in TriageLevel} else None


# Inbox and messages -------------------------------------------------------------------------


@router.get("/inbox", response_class=HTMLResponse)
def inbox(
    ctx: Page,
    status: str | None = None,
    urgency: str | None = None,
    practice: str | None = None,
    mine: str | None = None,
) -> HTMLResponse:
    """Messages by urgency and status, with filters."""
    filters = InboxFilter(
        practice_id=practice or None,
        status=_status(status),
        urgency=_urgency(urgency),
        assigned_to=ctx.user.id if mine else None,
    )
    items = ctx.wiring.portal().inbox(ctx.user, ctx.ip, filters)
    practices = ctx.access.practices(Permission.VIEW_PHI)
    return ctx.render(
        "inbox.html",
        items=items,
        filters=filters,
        mine=bool(mine),
        practices=ctx.wiring.portal().practice_names(practices),
        statuses=list(MessageStatus),
        urgencies=list(TriageLevel),
    )


@router.get("/messages/{message_id}", response_class=HTMLResponse)
def message(ctx: Page, message_id: str) -> HTMLResponse:
    """One message with its handling."""
    service = ctx.wiring.portal()
    try:
        item = service.message(ctx.user, ctx.ip, message_id)
        assignable = service.assignable_users(ctx.user, item.message.practice_id)
    except NotFoundError:
        return _not_found(ctx)
    return ctx.render("message.html", item=item, assignable=assignable)


def _card_or_redirect(ctx: PageContext, message_id: str, back: str) -> Response:
    """For HTMX, the updated inbox card; otherwise a redirect back."""
    if ctx.request.headers.get("hx-request"):
        item = ctx.wiring.portal().message(ctx.user, ctx.ip, message_id)
        return ctx.render("_card.html", item=item)
    return _back(back if back.startswith("/portal") and "//" not in back else "/portal/inbox")


@router.post("/messages/{message_id}/acknowledge")
def acknowledge(ctx: Post, message_id: str, back: str = Form("/portal/inbox")) -> Response:
    """Acknowledge a message (one tap from the inbox)."""
    try:
        ctx.wiring.portal().acknowledge(ctx.user, ctx.ip, message_id)
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError:
        pass
    return _card_or_redirect(ctx, message_id, back)


@router.post("/messages/{message_id}/resolve")
def resolve(
    ctx: Post, message_id: str, note: str = Form(""), back: str = Form("/portal/inbox")
) -> Response:
    """Resolve a message with a note."""
    try:
        ctx.wiring.portal().resolve(ctx.user, ctx.ip, message_id, note)
    except NotFoundError:
        return _not_found(ctx)
    return _card_or_redirect(ctx, message_id, back)


@router.post("/messages/{message_id}/assign")
def assign(ctx: Post, message_id: str, assignee: str = Form("")) -> Response:
    """Assign the message to a colleague (empty: nobody)."""
    try:
        ctx.wiring.portal().assign(ctx.user, ctx.ip, message_id, assignee or None)
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError as error:
        return ctx.render("error.html", status=400, message=str(error))
    return _back(f"/portal/messages/{message_id}")


@router.post("/messages/{message_id}/callback")
def callback(ctx: Post, message_id: str, back: str = Form("")) -> Response:
    """Record that the caller was called back."""
    try:
        ctx.wiring.portal().callback_done(ctx.user, ctx.ip, message_id)
    except NotFoundError:
        return _not_found(ctx)
    return _card_or_redirect(ctx, message_id, back or f"/portal/messages/{message_id}")


# Calls --------------------------------------------------------------------------------------


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call(ctx: Page, call_id: str) -> HTMLResponse:
    """Transcript, triage explanation, disposition and timeline of a call."""
    try:
        detail = ctx.wiring.portal().call(ctx.user, ctx.ip, call_id)
    except NotFoundError:
        return _not_found(ctx)
    return ctx.render("call.html", detail=detail)


# On-call ------------------------------------------------------------------------------------


def _practice_choice(ctx: PageContext, permission: Permission, practice: str | None) -> str | None:
    allowed = ctx.access.practices(permission)
    if practice in allowed:
        return practice
    return allowed[0] if allowed else None


@router.get("/oncall", response_class=HTMLResponse)
def oncall(ctx: Page, practice: str | None = None, error: str | None = None) -> HTMLResponse:
    """Who is on call for the next 14 days; gaps highlighted."""
    chosen = _practice_choice(ctx, Permission.VIEW_ONCALL, practice)
    if chosen is None:
        return _forbidden(ctx)
    service = ctx.wiring.portal()
    try:
        calendar = service.oncall(ctx.user, chosen)
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError as problem:
        return ctx.render("error.html", status=409, message=str(problem))
    return ctx.render(
        "oncall.html",
        calendar=calendar,
        practice=chosen,
        practices=service.practice_names(ctx.access.practices(Permission.VIEW_ONCALL)),
        can_edit=ctx.access.allows(Permission.EDIT_ONCALL, chosen),
        reasons=list(OverrideReason),
        layers=list(Layer),
        error=error,
    )


@router.post("/oncall/override")
def add_override(
    ctx: Post,
    practice: str = Form(...),
    role: str = Form(...),
    layer: str = Form("primary"),
    person: str = Form(""),
    replaces: str = Form(""),
    start: str = Form(...),
    end: str = Form(...),
    reason: str = Form("other"),
) -> Response:
    """Add an override; it is stored as a new configuration version."""
    service = ctx.wiring.portal()
    try:
        calendar = service.oncall(ctx.user, practice)
        zone = ZoneInfo(calendar.timezone)
        request = OverrideRequest(
            role=role.strip(),
            layer=Layer(layer),
            person=person.strip() or None,
            replaces=replaces.strip() or None,
            start=datetime.fromisoformat(start).replace(tzinfo=zone),
            end=datetime.fromisoformat(end).replace(tzinfo=zone),
            reason=OverrideReason(reason),
        )
        service.add_override(ctx.user, ctx.ip, practice, request)
    except NotFoundError:
        return _not_found(ctx)
    except (InvalidInputError, ValueError) as error:
        return oncall(ctx, practice, error=str(error))
    return _back(f"/portal/oncall?practice={practice}")


# Live board ---------------------------------------------------------------------------------


@router.get("/board", response_class=HTMLResponse)
def board(ctx: Page) -> HTMLResponse:
    """Active calls and unacknowledged urgent messages; refreshes itself."""
    try:
        data = ctx.wiring.portal().board(ctx.user)
    except ForbiddenError:
        return _forbidden(ctx)
    return ctx.render(
        "board.html", board=data, now=ctx.wiring.clock.now(), ack_reasons=ACK_REASON_LABELS
    )


@router.get("/board/live", response_class=HTMLResponse)
def board_live(ctx: Page) -> HTMLResponse:
    """The board's body, polled by HTMX."""
    try:
        data = ctx.wiring.portal().board(ctx.user)
    except ForbiddenError:
        return _forbidden(ctx)
    return ctx.render(
        "_board.html", board=data, now=ctx.wiring.clock.now(), ack_reasons=ACK_REASON_LABELS
    )


@router.post("/board/pages/{page_id}/acknowledge")
def board_acknowledge(ctx: Post, page_id: str, reason: str = Form("")) -> Response:
    """Acknowledge a page on a clinician's behalf (operator, reason code required; audited)."""
    if reason not in {r.value for r in OperatorAckReason}:
        return ctx.render("error.html", status=400, message=ctx.t.gettext("Choose a reason."))
    try:
        ctx.wiring.portal().acknowledge_page(ctx.user, ctx.ip, page_id, OperatorAckReason(reason))
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError as error:
        return ctx.render("error.html", status=409, message=ctx.t.gettext(str(error)))
    if ctx.request.headers.get("hx-request"):
        return board_live(ctx)
    return _back("/portal/board")


# Settings -----------------------------------------------------------------------------------


@router.get("/settings", response_class=HTMLResponse)
def settings(ctx: Page, practice: str | None = None) -> HTMLResponse:
    """Edit the practice configuration (validated like `config check`, versioned)."""
    chosen = _practice_choice(ctx, Permission.EDIT_SETTINGS, practice)
    if chosen is None:
        return _forbidden(ctx)
    service = ctx.wiring.portal()
    current = service.current_config(ctx.user, chosen)
    return ctx.render(
        "settings.html",
        practice=chosen,
        practices=service.practice_names(ctx.access.practices(Permission.EDIT_SETTINGS)),
        text=current.yaml_text if current else "",
        version=current.version if current else None,
        preview=None,
    )


@router.post("/settings", response_class=HTMLResponse)
def settings_submit(
    ctx: Post,
    practice: str = Form(...),
    text: str = Form(...),
    base_version: str = Form(""),
    action: str = Form("preview"),
) -> Response:
    """Preview (validation and diff) or save a new configuration version."""
    service = ctx.wiring.portal()
    base = int(base_version) if base_version.isdigit() else None
    text = text.replace("\r\n", "\n")
    try:
        if action == "save":
            service.save_config(ctx.user, ctx.ip, practice, text, base)
            return _back(f"/portal/settings?practice={practice}")
        preview = service.preview_config(ctx.user, practice, text)
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError as error:
        preview = service.preview_config(ctx.user, practice, text)
        return ctx.render(
            "settings.html",
            status=409,
            practice=practice,
            practices=service.practice_names(ctx.access.practices(Permission.EDIT_SETTINGS)),
            text=text,
            version=base,
            preview=preview,
            error=str(error),
        )
    return ctx.render(
        "settings.html",
        practice=practice,
        practices=service.practice_names(ctx.access.practices(Permission.EDIT_SETTINGS)),
        text=text,
        version=base,
        preview=preview,
    )


# Users --------------------------------------------------------------------------------------


@router.get("/users", response_class=HTMLResponse)
def users(ctx: Page, error: str | None = None) -> HTMLResponse:
    """Users of the practices the acting user administers."""
    service = ctx.wiring.portal()
    try:
        listed = service.users(ctx.user)
    except ForbiddenError:
        return _forbidden(ctx)
    from triageline.services.portal_model import grantable_roles

    return ctx.render(
        "users.html",
        users=listed,
        roles=grantable_roles(ctx.user.role),
        practices=service.practice_names(ctx.access.practices(Permission.MANAGE_USERS)),
        roster=ctx.wiring.push().roster_choices(ctx.user),
        error=error,
    )


@router.post("/users", response_class=HTMLResponse)
async def create_user(ctx: Post) -> Response:
    """Create a user (who enrols their authenticator at first login)."""
    form = await ctx.request.form()
    practices = [str(p) for p in form.getlist("practices")]
    try:
        ctx.wiring.portal().create_user(
            ctx.user,
            ctx.ip,
            username=str(form.get("username", "")),
            display_name=str(form.get("display_name", "")),
            role=Role(str(form.get("role", ""))),
            practice_ids=practices,
            password=str(form.get("password", "")),
            language=str(form.get("language", "en"))[:8],
        )
    except (InvalidInputError, ValueError) as error:
        return users(ctx, error=str(error))
    except (ForbiddenError, NotFoundError):
        return _forbidden(ctx)
    return _back("/portal/users")


@router.post("/users/{user_id}", response_class=HTMLResponse)
def update_user(
    ctx: Post,
    user_id: str,
    role: str = Form(""),
    active: str = Form(""),
    reset_mfa: str = Form(""),
) -> Response:
    """Change a user's role, disable or enable them, or reset their MFA."""
    try:
        ctx.wiring.portal().update_user(
            ctx.user,
            ctx.ip,
            user_id,
            role=Role(role) if role else None,
            active={"yes": True, "no": False}.get(active),
            reset_mfa=reset_mfa == "yes",
        )
    except (ForbiddenError, NotFoundError):
        return _not_found(ctx)
    except ValueError as error:
        return users(ctx, error=str(error))
    return _back("/portal/users")


# Break-glass --------------------------------------------------------------------------------


@router.get("/break-glass", response_class=HTMLResponse)
def break_glass_form(ctx: Page, error: str | None = None) -> HTMLResponse:
    """Ask for emergency access to a practice."""
    service = ctx.wiring.portal()
    with ctx.wiring.uow() as uow:
        all_ids = list(uow.practices.list_ids())
    return ctx.render(
        "break_glass.html",
        practices=service.practice_names(all_ids),
        codes=BREAK_GLASS_LABELS,
        error=error,
    )


@router.post("/break-glass", response_class=HTMLResponse)
def break_glass(
    ctx: Post,
    practice: str = Form(...),
    reason: str = Form(""),
    reason_code: str = Form(BreakGlassReason.OTHER.value),
) -> Response:
    """Open time-boxed emergency access (reason required, alerted and audited)."""
    codes = {c.value for c in BreakGlassReason}
    code = BreakGlassReason(reason_code) if reason_code in codes else BreakGlassReason.OTHER
    try:
        ctx.wiring.portal().break_glass(ctx.user, ctx.ip, practice, reason, code)
    except NotFoundError:
        return _not_found(ctx)
    except InvalidInputError as error:
        return break_glass_form(ctx, error=ctx.t.gettext(str(error)))
    return _back(f"/portal/inbox?practice={practice}")


# Audit --------------------------------------------------------------------------------------


def _audit_events(
    ctx: PageContext,
    actor: str | None,
    action: str | None,
    patient: str | None,
    source: str | None = None,
) -> list[list[str]]:
    events = ctx.wiring.portal().audit_log(
        ctx.user, ctx.ip, actor=actor, action=action, patient=patient, source=source, limit=1000
    )
    return [
        [
            str(e.seq),
            e.entry.at.isoformat(timespec="seconds"),
            e.entry.actor,
            e.entry.action,
            e.entry.subject,
            e.entry.channel,
            e.entry.source or "",
            e.entry.outcome,
            e.entry.practice_id or "",
        ]
        for e in events
    ]


@router.get("/audit", response_class=HTMLResponse)
def audit(
    ctx: Page,
    actor: str | None = None,
    action: str | None = None,
    patient: str | None = None,
    source: str | None = None,
) -> HTMLResponse:
    """The audit log, filtered by user, patient, action and source address."""
    try:
        rows = _audit_events(ctx, actor, action, patient, source)
    except ForbiddenError:
        return _forbidden(ctx)
    return ctx.render(
        "audit.html",
        rows=rows,
        actor=actor or "",
        action=action or "",
        patient=patient or "",
        source=source or "",
    )


@router.get("/audit.csv")
def audit_csv(
    ctx: Page,
    actor: str | None = None,
    action: str | None = None,
    patient: str | None = None,
    source: str | None = None,
) -> Response:
    """The filtered audit log as CSV (the export itself is audited)."""
    try:
        rows = _audit_events(ctx, actor, action, patient, source)
    except ForbiddenError as error:
        raise HTTPException(status_code=403) from error
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(
        ["seq", "at", "actor", "action", "subject", "channel", "source", "outcome", "practice"]
    )
    for row in rows:
        writer.writerow([("'" + c) if c[:1] in ("=", "+", "-", "@") else c for c in row])
    ctx.wiring.portal().record_export(ctx.user, ctx.ip, len(rows))
    return Response(
        buffer.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"content-disposition": 'attachment; filename="audit.csv"'},
    )
