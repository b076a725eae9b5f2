"""Pages: inbox handling, call detail, on-call with overrides, board, settings, audit and CSV."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from portal_helpers import DEMO_YAML, Portal, csrf_of

from triageline.domain.audit import AuditEntry
from triageline.domain.dialogue.records import TriageSummary
from triageline.domain.dialogue.state import DialogueState
from triageline.domain.records import CallRecord, Channel, Turn, TurnRole, new_id
from triageline.domain.triage.types import Intent, Language, TriageLevel
from triageline.services.portal_model import Role


def _demo(portal: Portal) -> Portal:
    portal.add_practice("demo", DEMO_YAML.read_text(encoding="utf-8"))
    return portal


def _audit_actions(portal: Portal, subject: str) -> list[str]:
    with portal.wiring.uow() as uow:
        return [e.entry.action for e in uow.audit.list(subject=subject, limit=100)]


def test_viewing_and_handling_a_message_is_audited(two_practices: Portal) -> None:
    user, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    message = two_practices.add_message("a")
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    inbox = client.get("/portal/inbox")
    assert "Urgent" in inbox.text  # urgency in words, not only colour
    page = client.get(f"/portal/messages/{message.id}")
    assert "fever of 104" in page.text
    csrf = csrf_of(page.text)
    assert (
        client.post(
            f"/portal/messages/{message.id}/acknowledge", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/portal/messages/{message.id}/callback", data={"csrf_token": csrf}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/portal/messages/{message.id}/assign", data={"assignee": user.id, "csrf_token": csrf}
        ).status_code
        == 303
    )
    assert (
        client.post(
            f"/portal/messages/{message.id}/resolve",
            data={"note": "Called back, going to ED", "csrf_token": csrf},
        ).status_code
        == 303
    )
    actions = _audit_actions(two_practices, f"message:{message.id}")
    for expected in (
        "message.listed",
        "message.viewed",
        "message.acknowledged",
        "message.callback_done",
        "message.assigned",
        "message.resolved",
    ):
        assert expected in actions
    with two_practices.wiring.uow() as uow:
        stored = uow.messages.get(message.id)
        event = next(
            e
            for e in uow.audit.list(subject=f"message:{message.id}")
            if e.entry.action == "message.viewed"
        )
        assert uow.audit.verify() is None
    assert stored.status.value == "resolved" and stored.resolved_by == user.id
    assert event.entry.actor == user.id and event.entry.channel == "portal"
    assert event.entry.source == "testclient"  # the peer address of the test client
    mine = client.get("/portal/inbox?mine=1&status=resolved").text
    assert "Called back" in mine


def test_htmx_acknowledge_returns_the_updated_card(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    message = two_practices.add_message("a")
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    csrf = csrf_of(client.get("/portal/inbox").text)
    card = client.post(
        f"/portal/messages/{message.id}/acknowledge",
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert card.status_code == 200
    assert f'id="msg-{message.id}"' in card.text and "Acknowledged" in card.text


def test_call_detail_shows_transcript_rules_and_words(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    state = DialogueState(
        triage=TriageSummary(
            level=TriageLevel.URGENT,
            intent=Intent.SYMPTOM,
            lang=Language.EN,
            rule_ids=("fever.stiff_neck",),
            evidence=("stiff neck",),
        )
    )
    call = CallRecord(
        id=new_id(),
        practice_id="a",
        channel=Channel.VOICE,
        external_id="CA1",
        started_at=two_practices.clock.now(),
        triage=TriageLevel.URGENT,
        disposition="page_oncall",
        dialogue_state=state.to_json(),
    )
    with two_practices.wiring.uow() as uow:
        uow.calls.get_or_add(call)
        uow.turns.add(Turn(call.id, 0, TurnRole.CALLER, "my son has a stiff neck", call.started_at))
        uow.commit()
    two_practices.add_message("a", call_id=call.id)
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    page = client.get(f"/portal/calls/{call.id}")
    assert page.status_code == 200
    assert "fever.stiff_neck" in page.text and "<mark>stiff neck</mark>" in page.text
    assert "my son has a stiff neck" in page.text and "page_oncall" in page.text
    assert "call.viewed" in _audit_actions(two_practices, f"call:{call.id}")
    _, other = two_practices.add_user("nurse@b", Role.CLINICIAN, ("b",))
    outsider = two_practices.login(two_practices.client(), "nurse@b", other)
    assert outsider.get(f"/portal/calls/{call.id}").status_code == 404


def test_oncall_calendar_shows_gaps_and_override_becomes_a_version(portal: Portal) -> None:
    _demo(portal)
    portal.clock.at = portal.clock.at.replace(year=2026, month=11, day=23, hour=15)
    _, secret = portal.add_user("boss@demo", Role.PRACTICE_ADMIN, ("demo",))
    client = portal.login(portal.client(), "boss@demo", secret)
    page = client.get("/portal/oncall")
    assert page.status_code == 200
    assert "Nobody on call" in page.text  # the demo's deliberate gap on 2026-11-28
    assert "Dr. David Chen" in page.text
    answer = client.post(
        "/portal/oncall/override",
        data={
            "csrf_token": csrf_of(page.text),
            "practice": "demo",
            "role": "physician",
            "layer": "primary",
            "person": "dr-chen",
            "replaces": "dr-alvarez",
            "start": "2026-11-28T18:00",
            "end": "2026-11-29T08:00",
            "reason": "swap",
        },
    )
    assert answer.status_code == 303, answer.text
    with portal.wiring.uow() as uow:
        latest = uow.practices.latest_config("demo")
    assert latest.version == 2 and "reason: swap" in latest.yaml_text
    assert "# Dr. Alvarez is away" in latest.yaml_text  # comments survive
    assert "Nobody on call" not in client.get("/portal/oncall").text


def test_settings_validate_like_config_check_and_show_a_diff(portal: Portal) -> None:
    _demo(portal)
    _, secret = portal.add_user("boss@demo", Role.PRACTICE_ADMIN, ("demo",))
    client = portal.login(portal.client(), "boss@demo", secret)
    page = client.get("/portal/settings")
    csrf = csrf_of(page.text)
    original = DEMO_YAML.read_text(encoding="utf-8")
    broken = original.replace("timezone: America/Chicago\n", "timezone: Mars/Olympus\n", 1)
    bad = client.post(
        "/portal/settings",
        data={"csrf_token": csrf, "practice": "demo", "text": broken, "base_version": "1"},
    )
    assert "demo.yaml: timezone:" in bad.text
    changed = original.replace("Riverbend Family Medicine\n", "Riverbend Family Clinic\n", 1)
    preview = client.post(
        "/portal/settings",
        data={"csrf_token": csrf, "practice": "demo", "text": changed, "base_version": "1"},
    )
    assert "+name: Riverbend Family Clinic" in preview.text
    saved = client.post(
        "/portal/settings",
        data={
            "csrf_token": csrf,
            "practice": "demo",
            "text": changed,
            "base_version": "1",
            "action": "save",
        },
    )
    assert saved.status_code == 303
    stale = client.post(
        "/portal/settings",
        data={
            "csrf_token": csrf,
            "practice": "demo",
            "text": changed + "\n",
            "base_version": "1",
            "action": "save",
        },
    )
    assert stale.status_code == 409
    with portal.wiring.uow() as uow:
        assert uow.practices.latest_config("demo").version == 2


def test_board_lists_unacknowledged_urgent_messages(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("op@x", Role.OPERATOR, ("a", "b"))
    two_practices.add_message("b", urgency=TriageLevel.EMERGENCY)
    client = two_practices.login(two_practices.client(), "op@x", secret)
    board = client.get("/portal/board")
    assert board.status_code == 200 and 'hx-trigger="every 5s"' in board.text
    live = client.get("/portal/board/live", headers={"HX-Request": "true"})
    assert "Emergency" in live.text and "Zebulon" not in live.text


def test_audit_log_filters_by_patient_and_exports_csv(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("boss@a", Role.PRACTICE_ADMIN, ("a",))
    message = two_practices.add_message("a")
    other = two_practices.add_message("a", patient_name="Someone Else", caller_name="Someone")
    with two_practices.wiring.uow() as uow:
        for m in (message, other):
            uow.audit.append(
                AuditEntry(
                    "system:calls",
                    "message.taken",
                    f"message:{m.id}",
                    "voice",
                    "ok",
                    two_practices.clock.now(),
                    "a",
                )
            )
        uow.commit()
    client = two_practices.login(two_practices.client(), "boss@a", secret)
    page = client.get("/portal/audit?patient=quattlebaum")
    assert message.id in page.text and other.id not in page.text
    exported = client.get("/portal/audit.csv?action=message.taken")
    assert exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(exported.text)))
    assert rows[0][:4] == ["seq", "at", "actor", "action"]
    assert {r[4] for r in rows[1:]} == {f"message:{message.id}", f"message:{other.id}"}
    assert "audit.exported" in [e.entry.action for e in _recent(two_practices)]


def _recent(portal: Portal) -> list:  # type: ignore[type-arg]
    with portal.wiring.uow() as uow:
        return list(uow.audit.list(limit=10))


def test_spanish_interface(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.client()
    page = client.get("/portal/login", headers={"Accept-Language": "es-MX,es;q=0.9"})
    assert "Iniciar sesión" in page.text and 'lang="es"' in page.text
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    csrf = csrf_of(client.get("/portal/inbox").text)
    client.post(
        "/portal/language", data={"lang": "es", "back": "/portal/inbox", "csrf_token": csrf}
    )
    two_practices.add_message("a", created_at=two_practices.clock.now() - timedelta(minutes=1))
    inbox = client.get("/portal/inbox").text
    assert "Bandeja de entrada" in inbox and "Urgente" in inbox
