"""Break-glass alerts the practice administrators through the notifier port, PHI-free, audited."""

from __future__ import annotations

from portal_helpers import Portal, csrf_of

from triageline.adapters.notify.capture import CapturingNotifier
from triageline.domain.paging import Channel
from triageline.services.portal_model import Role


def _open(portal: Portal, username: str, secret: str | None, code: str) -> None:
    client = portal.login(portal.client(), username, secret)
    csrf = csrf_of(client.get("/portal/break-glass").text)
    answer = client.post(
        "/portal/break-glass",
        data={
            "practice": "a",
            "reason": "Zebulon Quattlebaum in the ED, need his callback history",
            "reason_code": code,
            "csrf_token": csrf,
        },
    )
    assert answer.status_code == 303, answer.text


def test_break_glass_alerts_each_practice_admin_without_phi(two_practices: Portal) -> None:
    notifier = CapturingNotifier(fail_channels={Channel.PUSH})
    two_practices.wiring.alerts = notifier
    two_practices.wiring.base_url = "https://portal.example"
    boss, _ = two_practices.add_user("boss@a.example", Role.PRACTICE_ADMIN, ("a",))
    other_boss, _ = two_practices.add_user("boss-b@b.example", Role.PRACTICE_ADMIN, ("b",))
    nurse, _ = two_practices.add_user("nurse@a.example", Role.CLINICIAN, ("a",))
    root, root_secret = two_practices.add_user("root@x", Role.SERVICE_ADMIN, ())

    _open(two_practices, "root@x", root_secret, "patient_emergency")

    recipients = {n.recipient_id for n in notifier.sent}
    assert recipients == {boss.id}, "only the administrators of the practice are alerted"
    email = next(n for n in notifier.sent if n.channel is Channel.EMAIL)
    assert email.address == "boss@a.example"
    assert [n.address for n in notifier.sent if n.channel is Channel.PUSH] == [f"user:{boss.id}"]
    for sent in notifier.sent:
        text = f"{sent.subject}\n{sent.body}"
        assert "Practice A" in text and root.id in text and "patient_emergency" in text
        assert "https://portal.example/portal/audit?action=breakglass." in text
        assert "Zebulon" not in text and "Quattlebaum" not in text and "ED" not in text
        assert root.username not in text and root.display_name not in text
    assert other_boss.id not in recipients and nurse.id not in recipients

    with two_practices.wiring.uow() as uow:
        events = [e.entry for e in uow.audit.list(limit=50)]
        assert uow.audit.verify() is None
    alerted = sorted(
        (e.subject.split(":user:")[1], e.outcome)
        for e in events
        if e.action == "breakglass.alerted"
    )
    assert alerted == [(boss.id, "email:sent"), (boss.id, "push:failed")]
    assert all(e.actor == root.id for e in events if e.action.startswith("breakglass."))
    assert any(e.action == "breakglass.opened" and e.outcome == "alerted" for e in events)


def test_break_glass_without_an_admin_is_audited_as_such(two_practices: Portal) -> None:
    notifier = CapturingNotifier()
    two_practices.wiring.alerts = notifier
    _, root_secret = two_practices.add_user("root@x", Role.SERVICE_ADMIN, ())
    _open(two_practices, "root@x", root_secret, "not-a-code")
    assert notifier.sent == []
    with two_practices.wiring.uow() as uow:
        events = [e.entry for e in uow.audit.list(limit=50)]
        alerts = list(uow.break_glass.alerts_for(["a"], two_practices.clock.now()))
    assert [e.outcome for e in events if e.action == "breakglass.alerted"] == ["no_admin"]
    assert alerts and "reason code: other" in alerts[0].text
