"""Resolve escalation targets to people with the practice's on-call schedule and directory.

`oncall_primary`/`oncall_backup` mean the primary/backup of the schedule's first role (the
practice's main clinical line, e.g. `physician`); `role:<name>` means that role's primary (its
backup when the primary slot is empty); `person:<id>` a provider or staff member;
`practice_manager` every staff member with that role; `operator_queue` the answering service's
operator board (a push to the queue address).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from triageline.domain.oncall import OnCallSchedule, RoleOnCall, on_call
from triageline.domain.paging import (
    Channel,
    ContactMethod,
    Recipient,
    Target,
    TargetKind,
    TargetResolver,
)
from triageline.domain.practice import ContactMethod as PracticeContact
from triageline.domain.practice import (
    EmailContact,
    Practice,
    Provider,
    PushContact,
    SmsContact,
    StaffMember,
    StaffRole,
    VoiceContact,
    WebhookContact,
)

OPERATOR_QUEUE_ID = "operator_queue"
OPERATOR_QUEUE_ADDRESS = "queue:operators"


def contact_method(person_id: str, contact: PracticeContact) -> ContactMethod:
    """A configured contact as a paging contact (push goes to the person's registered browsers)."""
    if isinstance(contact, SmsContact):
        return ContactMethod(Channel.SMS, contact.number)
    if isinstance(contact, VoiceContact):
        return ContactMethod(Channel.VOICE, contact.number)
    if isinstance(contact, EmailContact):
        return ContactMethod(Channel.EMAIL, contact.address)
    if isinstance(contact, PushContact):
        return ContactMethod(Channel.PUSH, f"person:{person_id}")
    if isinstance(contact, WebhookContact):
        return ContactMethod(Channel.WEBHOOK, contact.url)
    raise TypeError(f"unknown contact {contact!r}")


def recipient_for(person: Provider | StaffMember) -> Recipient:
    """A provider or staff member as a paging recipient."""
    contacts = tuple(contact_method(person.id, c) for c in person.contacts)
    return Recipient(person.id, person.name, contacts)


def operator_queue() -> Recipient:
    """The answering service's operator board."""
    return Recipient(
        OPERATOR_QUEUE_ID,
        "Operator queue",
        (ContactMethod(Channel.PUSH, OPERATOR_QUEUE_ADDRESS),),
    )


class PracticeTargets:
    """A TargetResolver over one practice's directory and on-call schedule."""

    def __init__(self, practice: Practice) -> None:
        """Resolve against ``practice`` (its schedule may be None: then nobody is on call)."""
        self._practice = practice
        self._schedule: OnCallSchedule | None = practice.on_call

    def __call__(self, target: Target, at: datetime) -> Sequence[Recipient]:
        """The recipients ``target`` means at ``at`` (empty when nobody)."""
        kind = target.kind
        if kind is TargetKind.PERSON:
            person = self._practice.person(target.name)
            return [recipient_for(person)] if person is not None else []
        if kind is TargetKind.PRACTICE_MANAGER:
            return [
                recipient_for(member)
                for member in self._practice.staff
                if member.role is StaffRole.PRACTICE_MANAGER
            ]
        if kind is TargetKind.OPERATOR_QUEUE:
            return [operator_queue()]
        entry = self._on_call_entry(target, at)
        if entry is None:
            return []
        if kind is TargetKind.ONCALL_BACKUP:
            shift = entry.backup
        elif kind is TargetKind.ROLE:
            shift = entry.primary or entry.backup
        else:
            shift = entry.primary
        if shift is None:
            return []
        person = self._practice.person(shift.person)
        return [recipient_for(person)] if person is not None else []

    def _on_call_entry(self, target: Target, at: datetime) -> RoleOnCall | None:
        if self._schedule is None or not self._schedule.roles:
            return None
        role = target.name if target.kind is TargetKind.ROLE else self._schedule.roles[0]
        return on_call(self._schedule, at).for_role(role)


def practice_resolver(practice: Practice) -> TargetResolver:
    """The target resolver for a practice."""
    return PracticeTargets(practice)
