"""The "Notifications on this device" page, subscribe/remove over HTTP, and roster links."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from portal_helpers import DEMO_YAML, Portal, SettableClock, csrf_of
from push_helpers import make_browser_keys, make_vapid_pem

from triageline.adapters.auth.passwords import Argon2PasswordHasher
from triageline.adapters.notify.subscription_push import vapid_public_key
from triageline.services.portal_model import Role

FIREFOX = "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0"


@pytest.fixture
def push_portal(container: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Portal]:
    """The full app with web push configured (a fresh VAPID key)."""
    from triageline.entrypoints.web.app import create_app

    monkeypatch.setenv("TRIAGELINE_VAPID_PRIVATE_KEY", make_vapid_pem())
    monkeypatch.setenv("TRIAGELINE_VAPID_SUBJECT", "mailto:ops@practice.test")
    app = create_app(container)
    wiring = app.state.portal
    wiring.clock = SettableClock()
    wiring.hasher = Argon2PasswordHasher(time_cost=2, memory_cost_kib=19456, parallelism=1)
    yield Portal(app, wiring.clock, wiring)


def make_subscription_json(endpoint: str = "https://push.example/send/abc") -> dict[str, Any]:
    """What PushSubscription.toJSON() gives in a browser."""
    p256dh, auth = make_browser_keys()
    return {"endpoint": endpoint, "expirationTime": None, "keys": {"p256dh": p256dh, "auth": auth}}


def logged_in(portal: Portal, username: str, role: Role, practices: tuple[str, ...]) -> Any:
    """A logged-in browser of a new user; (client, user, csrf token)."""
    user, secret = portal.add_user(username, role, practices)
    client = portal.login(portal.client(), username, secret)
    csrf = csrf_of(client.get("/portal/devices").text)
    return client, user, csrf


def test_page_shows_the_vapid_key_and_has_no_inline_script(push_portal: Portal) -> None:
    push_portal.add_practice("a")
    client, _, _ = logged_in(push_portal, "ann", Role.CLINICIAN, ("a",))
    page = client.get("/portal/devices")
    assert page.status_code == 200
    key = vapid_public_key(os.environ["TRIAGELINE_VAPID_PRIVATE_KEY"])
    assert f'data-vapid-key="{key}"' in page.text
    scripts = re.findall(r"<script\b[^>]*>", page.text)
    assert scripts and all('src="/portal/static/' in tag for tag in scripts)
    assert re.search(r"<script\b[^>]*>\s*[^<\s]", page.text) is None  # no script body
    assert re.search(r"<[^>]+\son[a-z]+=", page.text) is None  # no inline event handlers
    assert "script-src 'self'" in page.headers["content-security-policy"]
    script = client.get("/portal/static/push.js")
    assert script.status_code == 200 and "X-CSRF-Token" in script.text
    worker = client.get("/portal/push-sw.js")
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("text/javascript")
    assert "showNotification" in worker.text


def test_page_says_push_is_not_configured_without_a_vapid_key(portal: Portal) -> None:
    portal.add_practice("a")
    client, _, csrf = logged_in(portal, "ann", Role.CLINICIAN, ("a",))
    page = client.get("/portal/devices")
    assert 'id="push-not-configured"' in page.text and "data-vapid-key" not in page.text
    answer = client.post(
        "/portal/devices", json=make_subscription_json(), headers={"X-CSRF-Token": csrf}
    )
    assert answer.status_code == 409


def test_subscribe_needs_the_csrf_token(push_portal: Portal) -> None:
    push_portal.add_practice("a")
    client, user, csrf = logged_in(push_portal, "ann", Role.CLINICIAN, ("a",))
    body = make_subscription_json()
    assert client.post("/portal/devices", json=body).status_code == 403
    wrong = client.post("/portal/devices", json=body, headers={"X-CSRF-Token": "x" * 43})
    assert wrong.status_code == 403
    with push_portal.wiring.uow() as uow:
        assert list(uow.push_subscriptions.for_user(user.id)) == []
    answer = client.post(
        "/portal/devices", json=body, headers={"X-CSRF-Token": csrf, "User-Agent": FIREFOX}
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["label"] == "Firefox on Linux"
    with push_portal.wiring.uow() as uow:
        (stored,) = uow.push_subscriptions.for_user(user.id)
    assert stored.endpoint == body["endpoint"] and stored.p256dh == body["keys"]["p256dh"]
    assert "Firefox on Linux" in client.get("/portal/devices").text
    # the same browser again refreshes its row instead of adding one
    again = client.post("/portal/devices", json=body, headers={"X-CSRF-Token": csrf})
    assert again.json()["id"] == stored.id


@pytest.mark.parametrize(
    "body",
    [
        {"endpoint": "http://push.example/x", "keys": {"p256dh": "abc", "auth": "def"}},
        {"endpoint": "https://push.example/x", "keys": {"p256dh": "a b", "auth": "def"}},
        {"endpoint": "https://push.example/x"},
        ["not", "an", "object"],
    ],
)
def test_a_malformed_subscription_is_refused(push_portal: Portal, body: Any) -> None:
    push_portal.add_practice("a")
    client, _, csrf = logged_in(push_portal, "ann", Role.CLINICIAN, ("a",))
    answer = client.post("/portal/devices", json=body, headers={"X-CSRF-Token": csrf})
    assert answer.status_code == 400


def test_users_manage_only_their_own_devices(push_portal: Portal) -> None:
    push_portal.add_practice("a")
    ann, ann_user, ann_csrf = logged_in(push_portal, "ann", Role.CLINICIAN, ("a",))
    bea, _, bea_csrf = logged_in(push_portal, "bea", Role.PRACTICE_ADMIN, ("a",))
    created = ann.post(
        "/portal/devices", json=make_subscription_json(), headers={"X-CSRF-Token": ann_csrf}
    ).json()
    device = created["id"]
    assert device not in bea.get("/portal/devices").text
    refused = bea.post(f"/portal/devices/{device}/remove", data={"csrf_token": bea_csrf})
    assert refused.status_code == 404
    with push_portal.wiring.uow() as uow:
        assert [s.id for s in uow.push_subscriptions.for_user(ann_user.id)] == [device]
        denied = uow.audit_search.search(_query("push.denied"))
    assert [e.entry.subject for e in denied] == [f"push:{device}"]
    assert ann.post(f"/portal/devices/{device}/remove", data={}).status_code == 403
    removed = ann.post(f"/portal/devices/{device}/remove", data={"csrf_token": ann_csrf})
    assert removed.status_code == 303
    with push_portal.wiring.uow() as uow:
        assert list(uow.push_subscriptions.for_user(ann_user.id)) == []


def _query(action: str) -> Any:
    from triageline.services.portal_ports import AuditQuery

    return AuditQuery(action=action)


def test_a_practice_admin_links_a_user_to_a_roster_person(push_portal: Portal) -> None:
    push_portal.add_practice("demo", DEMO_YAML.read_text(encoding="utf-8"))
    push_portal.add_practice("b")
    admin, _, csrf = logged_in(push_portal, "admin", Role.PRACTICE_ADMIN, ("demo",))
    chen, _ = push_portal.add_user("chen", Role.CLINICIAN, ("demo",))
    page = admin.get("/portal/users").text
    assert 'value="dr-chen"' in page and 'value="pm-nguyen"' in page
    linked = admin.post(
        f"/portal/users/{chen.id}/person", data={"csrf_token": csrf, "person_id": "dr-chen"}
    )
    assert linked.status_code == 303
    with push_portal.wiring.uow() as uow:
        found = uow.users.get(chen.id)
        (event,) = uow.audit_search.search(_query("user.person_linked"))
    assert found is not None and found.person_id == "dr-chen"
    assert event.entry.outcome == "person:dr-chen"
    assert "<code>dr-chen</code>" in admin.get("/portal/users").text
    unknown = admin.post(
        f"/portal/users/{chen.id}/person", data={"csrf_token": csrf, "person_id": "dr-nobody"}
    )
    assert "error=" in unknown.headers["location"]
    no_csrf = admin.post(f"/portal/users/{chen.id}/person", data={"person_id": ""})
    assert no_csrf.status_code == 403
    other, _, other_csrf = logged_in(push_portal, "other", Role.PRACTICE_ADMIN, ("b",))
    refused = other.post(
        f"/portal/users/{chen.id}/person", data={"csrf_token": other_csrf, "person_id": ""}
    )
    assert refused.status_code == 404
    unlinked = admin.post(f"/portal/users/{chen.id}/person", data={"csrf_token": csrf})
    assert unlinked.status_code == 303
    with push_portal.wiring.uow() as uow:
        found = uow.users.get(chen.id)
    assert found is not None and found.person_id is None
