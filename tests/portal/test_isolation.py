"""Roles and tenant isolation: deny by default, other practices' ids are 404, break-glass."""

from __future__ import annotations

from portal_helpers import Portal, csrf_of

from triageline.services.portal_model import Role


def test_a_clinician_of_practice_a_gets_404_for_practice_b_messages(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    mine = two_practices.add_message("a")
    theirs = two_practices.add_message("b", patient_name="Other Practice Patient")
    client = two_practices.login(two_practices.client(), "nurse@a", secret)

    assert client.get(f"/api/v1/messages/{mine.id}").status_code == 200
    assert client.get(f"/api/v1/messages/{theirs.id}").status_code == 404
    assert client.get("/api/v1/messages/does-not-exist").status_code == 404
    assert client.get(f"/portal/messages/{mine.id}").status_code == 200
    page = client.get(f"/portal/messages/{theirs.id}")
    assert page.status_code == 404 and "Other Practice Patient" not in page.text

    listed = client.get("/api/v1/messages").json()
    assert [m["id"] for m in listed] == [mine.id]
    inbox = client.get("/portal/inbox").text
    assert "Zebulon" in inbox and "Other Practice Patient" not in inbox

    csrf = csrf_of(inbox)
    for action in ("acknowledge", "resolve", "callback"):
        answer = client.post(f"/portal/messages/{theirs.id}/{action}", data={"csrf_token": csrf})
        assert answer.status_code == 404
    with two_practices.wiring.uow() as uow:
        untouched = uow.messages.get(theirs.id)
        denied = [e for e in uow.audit.list(limit=50) if e.entry.outcome == "denied"]
    assert untouched.status.value == "new"
    assert denied, "failed authorization is audited"


def test_the_api_refuses_anonymous_callers(two_practices: Portal) -> None:
    message = two_practices.add_message("a")
    assert two_practices.client().get(f"/api/v1/messages/{message.id}").status_code == 401


def test_roles_see_only_their_pages(two_practices: Portal) -> None:
    _, staff = two_practices.add_user("desk@a", Role.STAFF, ("a",))
    client = two_practices.login(two_practices.client(), "desk@a", staff)
    for page in ("/portal/users", "/portal/settings", "/portal/audit", "/portal/board"):
        assert client.get(page).status_code == 403, page
    assert client.get("/portal/audit.csv").status_code == 403


def test_a_service_admin_needs_break_glass_to_read_phi(two_practices: Portal) -> None:
    _, admin_a = two_practices.add_user("boss@a", Role.PRACTICE_ADMIN, ("a",))
    _, root = two_practices.add_user("root@x", Role.SERVICE_ADMIN, ())
    message = two_practices.add_message("a")
    client = two_practices.login(two_practices.client(), "root@x", root)
    assert client.get(f"/portal/messages/{message.id}").status_code == 404

    csrf = csrf_of(client.get("/portal/break-glass").text)
    short = client.post(
        "/portal/break-glass", data={"practice": "a", "reason": "x", "csrf_token": csrf}
    )
    assert short.status_code == 200 and "10 characters" in short.text
    opened = client.post(
        "/portal/break-glass",
        data={
            "practice": "a",
            "reason": "Patient in ED, need callback history",
            "csrf_token": csrf,
        },
    )
    assert opened.status_code == 303
    page = client.get(f"/portal/messages/{message.id}")
    assert page.status_code == 200 and "Emergency access active" in page.text

    # The practice administrator sees the alert banner.
    boss = two_practices.login(two_practices.client(), "boss@a", admin_a)
    assert "Emergency access used" in boss.get("/portal/inbox").text
    with two_practices.wiring.uow() as uow:
        opened_events = [
            e for e in uow.audit.list(limit=100) if e.entry.action == "breakglass.opened"
        ]
    assert len(opened_events) == 1 and opened_events[0].entry.practice_id == "a"

    # Time-boxed: after an hour the access is gone.
    two_practices.clock.advance(minutes=61)
    client = two_practices.login(two_practices.client(), "root@x", root)
    assert client.get(f"/portal/messages/{message.id}").status_code == 404


def test_practice_admin_manages_only_their_practice_users(two_practices: Portal) -> None:
    _, boss = two_practices.add_user("boss@a", Role.PRACTICE_ADMIN, ("a",))
    other, _ = two_practices.add_user("nurse@b", Role.CLINICIAN, ("b",))
    client = two_practices.login(two_practices.client(), "boss@a", boss)
    page = client.get("/portal/users")
    assert page.status_code == 200 and "nurse@b" not in page.text
    csrf = csrf_of(page.text)
    reset = client.post(f"/portal/users/{other.id}", data={"reset_mfa": "yes", "csrf_token": csrf})
    assert reset.status_code == 404
    made = client.post(
        "/portal/users",
        data={
            "username": "desk@a",
            "display_name": "Front Desk",
            "role": "staff",
            "practices": "a",
            "password": "a long enough passphrase",
            "csrf_token": csrf,
        },
    )
    assert made.status_code == 303
    escalate = client.post(
        "/portal/users",
        data={
            "username": "root2@a",
            "display_name": "Sneaky",
            "role": "service_admin",
            "practices": "a",
            "password": "a long enough passphrase",
            "csrf_token": csrf,
        },
    )
    assert escalate.status_code == 403
