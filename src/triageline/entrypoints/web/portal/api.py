"""JSON API for messages (`/api/v1/messages`), authenticated by the portal session."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel

from triageline.entrypoints.web.portal.context import current_session, wiring_of
from triageline.entrypoints.web.portal.security import client_ip
from triageline.services.portal import InboxFilter, InboxItem, NotFoundError
from triageline.services.portal_model import SessionState, User

router = APIRouter(prefix="/api/v1", tags=["messages"])


class MessageOut(BaseModel):
    """A message as the API returns it (PHI: the caller must be allowed to see it)."""

    id: str
    practice_id: str
    call_id: str | None
    queue: str
    urgency: str
    status: str
    created_at: str
    patient_name: str | None
    caller_name: str | None
    callback_number: str | None
    reason: str | None
    acknowledged_at: str | None
    resolved_at: str | None

    @classmethod
    def of(cls, item: InboxItem) -> MessageOut:
        """Build from a service item."""
        m = item.message
        return cls(
            id=m.id,
            practice_id=m.practice_id,
            call_id=m.call_id,
            queue=m.queue,
            urgency=m.urgency.value,
            status=m.status.value,
            created_at=m.created_at.isoformat(),
            patient_name=m.patient_name,
            caller_name=m.caller_name,
            callback_number=m.callback_number,
            reason=m.reason,
            acknowledged_at=m.acknowledged_at.isoformat() if m.acknowledged_at else None,
            resolved_at=m.resolved_at.isoformat() if m.resolved_at else None,
        )


def api_user(request: Request) -> User:
    """Dependency: the logged-in portal user, else 401."""
    current = current_session(request)
    if current is None or current.user is None or current.session.state is not SessionState.ACTIVE:
        raise HTTPException(status_code=401, detail="log in to the portal first")
    return current.user


ApiUser = Annotated[User, Depends(api_user)]


@router.get("/messages")
def list_messages(request: Request, user: ApiUser) -> list[MessageOut]:
    """Messages the user may see (each listing audited)."""
    items = wiring_of(request).portal().inbox(user, client_ip(request), InboxFilter())
    return [MessageOut.of(item) for item in items]


@router.get("/messages/{message_id}")
def get_message(request: Request, message_id: str, user: ApiUser) -> MessageOut:
    """One message; 404 when it does not exist or belongs to another practice."""
    try:
        item = wiring_of(request).portal().message(user, client_ip(request), message_id)
    except NotFoundError:
        raise HTTPException(status_code=404, detail="message not found") from None
    return MessageOut.of(item)
