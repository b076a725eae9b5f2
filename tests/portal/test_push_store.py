"""Push subscriptions: sealed storage, address resolution and sending to a loopback push service."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import timedelta

from portal_helpers import T0, Portal
from push_helpers import make_browser_keys, make_vapid_pem, push_service
from sqlalchemy import text

from triageline.adapters.auth.push_store import SqlPushDirectory
from triageline.adapters.notify.settings import InlinePushNotifier
from triageline.adapters.notify.subscription_push import SubscriptionPushNotifier
from triageline.adapters.notify.webpush_notifier import WebPushNotifier, WebPushSettings
from triageline.adapters.storage.paging_tables import PageRow
from triageline.domain.paging import Channel, DeliveryStatus, PageUrgency
from triageline.domain.records import new_id
from triageline.entrypoints.paging_wiring import notifiers_from_env
from triageline.services.portal_model import Role, User
from triageline.services.portal_push import PushAddress, PushAddressKind, PushSubscription
from triageline.services.ports_notify import Notification

T1 = T0 + timedelta(minutes=7)


def make_subscription(user_id: str, endpoint: str, **changes: object) -> PushSubscription:
    """A browser subscription with real keys."""
    p256dh, auth = make_browser_keys()
    values: dict[str, object] = {
        "id": new_id(),
        "user_id": user_id,
        "endpoint": endpoint,
        "p256dh": p256dh,
        "auth": auth,
        "label": "Firefox on Linux",
        "created_at": T0,
    }
    values.update(changes)
    return PushSubscription(**values)  # type: ignore[arg-type]


def make_notification(address: str, page_id: str = "pg-a") -> Notification:
    """A PHI-free page notification as the paging service builds it."""
    return Notification(
        notification_id=new_id(),
        page_id=page_id,
        recipient_id="dr-chen",
        channel=Channel.PUSH,
        address=address,
        practice_name="Practice A",
        urgency=PageUrgency.URGENT,
        code="Q4ZT9",
        link="https://answer.example/a/tok",
        subject="Urgent page Q4ZT9",
        body="Practice A: urgent page Q4ZT9. Open https://answer.example/a/tok",
    )


def store(portal: Portal, *subscriptions: PushSubscription) -> None:
    """Save subscriptions."""
    with portal.wiring.uow() as uow:
        for subscription in subscriptions:
            uow.push_subscriptions.save(subscription)
        uow.commit()


def link(portal: Portal, user: User, person_id: str | None) -> None:
    """Set a user's roster link directly in storage."""
    with portal.wiring.uow() as uow:
        uow.users.save(replace(user, person_id=person_id))
        uow.commit()


def add_page(portal: Portal, page_id: str, practice_id: str) -> None:
    """A stored page of the practice (the directory reads only its practice)."""
    with portal.wiring.uow() as uow:
        uow.session.add(
            PageRow(
                id=page_id,
                practice_id=practice_id,
                subject_ref=f"message:{page_id}",
                code="Q4ZT9",
                urgency="urgent",
                status="notified",
                chain="[]",
                state="{}",
                created_at=T0,
            )
        )
        uow.commit()


def directory(portal: Portal) -> SqlPushDirectory:
    """The SQL push directory over the test database."""
    container = portal.wiring.container
    return SqlPushDirectory(container.session_factory, container.keyring)


def test_subscription_round_trip_is_sealed_and_replaced_by_endpoint(portal: Portal) -> None:
    portal.add_practice("a")
    ann, _ = portal.add_user("ann", Role.CLINICIAN, ("a",))
    bob, _ = portal.add_user("bob", Role.CLINICIAN, ("a",))
    first = make_subscription(ann.id, "https://push.example/send/ann-phone")
    second = make_subscription(ann.id, "https://push.example/send/ann-laptop", created_at=T1)
    store(portal, first, second)
    with portal.wiring.uow() as uow:
        assert uow.push_subscriptions.get(first.id) == first
        assert list(uow.push_subscriptions.for_user(ann.id)) == [first, second]
        rows = uow.session.execute(text("SELECT endpoint, keys FROM portal_push_subscriptions"))
        for endpoint, keys in rows:
            assert "push.example" not in endpoint
            assert first.p256dh not in keys and first.auth not in keys
            assert endpoint.startswith("test1:")
    # the same browser registered again by another login moves to that user
    moved = make_subscription(bob.id, first.endpoint, created_at=T1)
    store(portal, moved)
    with portal.wiring.uow() as uow:
        assert uow.push_subscriptions.get(first.id) is None
        assert list(uow.push_subscriptions.for_user(ann.id)) == [second]
        assert list(uow.push_subscriptions.for_user(bob.id)) == [moved]
        uow.push_subscriptions.delete(second.id)
        uow.commit()
    with portal.wiring.uow() as uow:
        assert list(uow.push_subscriptions.for_user(ann.id)) == []


def test_person_link_round_trips(portal: Portal) -> None:
    portal.add_practice("a")
    ann, _ = portal.add_user("ann", Role.CLINICIAN, ("a",))
    assert ann.person_id is None
    link(portal, ann, "dr-chen")
    with portal.wiring.uow() as uow:
        found = uow.users.get(ann.id)
    assert found is not None and found.person_id == "dr-chen"


def test_addresses_resolve_to_the_right_users_devices(portal: Portal) -> None:
    portal.add_practice("a")
    portal.add_practice("b")
    ann, _ = portal.add_user("ann", Role.CLINICIAN, ("a",))
    bea, _ = portal.add_user("bea", Role.CLINICIAN, ("b",))
    dan, _ = portal.add_user("dan", Role.CLINICIAN, ("a",))
    olga, _ = portal.add_user("olga", Role.OPERATOR, ("a",))
    otto, _ = portal.add_user("otto", Role.OPERATOR, ("b",))
    for user in (ann, bea, dan):
        link(portal, user, "dr-chen")
    with portal.wiring.uow() as uow:
        disabled = uow.users.get(dan.id)
        assert disabled is not None
        uow.users.save(replace(disabled, active=False))
        uow.commit()
    devices = {
        u.username: make_subscription(u.id, f"https://push.example/{u.username}")
        for u in (ann, bea, dan, olga, otto)
    }
    store(portal, *devices.values())
    add_page(portal, "pg-a", "a")
    add_page(portal, "pg-b", "b")
    found = directory(portal)

    def owners(kind: PushAddressKind, value: str, page_id: str) -> list[str]:
        subs = found.subscriptions(PushAddress(kind, value), page_id)
        return sorted(next(n for n, d in devices.items() if d.id == s.id) for s in subs)

    assert owners(PushAddressKind.PERSON, "dr-chen", "pg-a") == ["ann"]
    assert owners(PushAddressKind.PERSON, "dr-chen", "pg-b") == ["bea"]
    assert owners(PushAddressKind.PERSON, "dr-lee", "pg-a") == []
    assert owners(PushAddressKind.OPERATORS, "operators", "pg-a") == ["olga"]
    assert owners(PushAddressKind.OPERATORS, "operators", "pg-b") == ["otto"]
    assert owners(PushAddressKind.USER, olga.id, "breakglass:x") == ["olga"]
    assert owners(PushAddressKind.USER, dan.id, "pg-a") == []  # disabled
    assert owners(PushAddressKind.PERSON, "dr-chen", "no-such-page") == []


def test_sending_reaches_every_device_and_cleans_up_gone_ones(portal: Portal) -> None:
    portal.add_practice("a")
    ann, _ = portal.add_user("ann", Role.CLINICIAN, ("a",))
    link(portal, ann, "dr-chen")
    add_page(portal, "pg-a", "a")
    with push_service() as service:
        service.statuses = {"/gone": 410, "/missing": 404, "/broken": 500}
        ok = make_subscription(ann.id, f"{service.url}/ok")
        gone = make_subscription(ann.id, f"{service.url}/gone")
        missing = make_subscription(ann.id, f"{service.url}/missing")
        broken = make_subscription(ann.id, f"{service.url}/broken", failures=2)
        store(portal, ok, gone, missing, broken)
        settings = WebPushSettings(make_vapid_pem(), "mailto:ops@practice.test")
        notifier = SubscriptionPushNotifier(
            WebPushNotifier(settings), directory(portal), clock=lambda: T1
        )
        receipt = notifier.send(make_notification("person:dr-chen"))
    assert receipt.status is DeliveryStatus.SENT
    assert receipt.detail == "1 of 4 devices accepted, 2 gone (removed)"
    assert sorted(service.paths()) == ["/broken", "/gone", "/missing", "/ok"]
    for _, headers, body in service.received:
        assert headers["content-encoding"] == "aes128gcm"
        assert headers["authorization"].startswith("vapid ")
        assert b"Q4ZT9" not in body and b"Practice A" not in body  # encrypted for the browser
    with portal.wiring.uow() as uow:
        left = {s.id: s for s in uow.push_subscriptions.for_user(ann.id)}
    assert set(left) == {ok.id, broken.id}
    assert left[ok.id].last_success_at == T1 and left[ok.id].failures == 0
    assert left[broken.id].failures == 3 and left[broken.id].last_success_at is None


def test_sending_fails_when_no_device_accepts(portal: Portal) -> None:
    portal.add_practice("a")
    olga, _ = portal.add_user("olga", Role.OPERATOR, ("a",))
    add_page(portal, "pg-a", "a")
    settings = WebPushSettings(make_vapid_pem(), "mailto:ops@practice.test")
    notifier = SubscriptionPushNotifier(WebPushNotifier(settings), directory(portal))
    nobody = notifier.send(make_notification("queue:operators"))
    assert nobody.status is DeliveryStatus.FAILED
    assert "no browser push subscription" in nobody.detail
    with push_service() as service:
        service.statuses = {"/gone": 410}
        store(portal, make_subscription(olga.id, f"{service.url}/gone"))
        receipt = notifier.send(make_notification("queue:operators"))
    assert receipt.status is DeliveryStatus.FAILED
    assert receipt.detail == "0 of 1 devices accepted, 1 gone (removed)"
    assert notifier.send(make_notification("queue:operators")).detail.startswith("no browser")
    assert notifier.send(make_notification("sms:+15125550100")).detail == "not a push address"


def test_wired_notifiers_use_the_stored_subscriptions(portal: Portal) -> None:
    env = {
        "TRIAGELINE_VAPID_PRIVATE_KEY": make_vapid_pem(),
        "TRIAGELINE_VAPID_SUBJECT": "mailto:ops@practice.test",
    }
    container = portal.wiring.container
    wired = notifiers_from_env("https://x.test", env, container=container)[Channel.PUSH]
    assert isinstance(wired, SubscriptionPushNotifier)
    assert isinstance(notifiers_from_env("https://x.test", env)[Channel.PUSH], InlinePushNotifier)
    inline = json.dumps({"endpoint": "https://push.example/x", "keys": {"p256dh": "x"}})
    assert wired.send(make_notification(inline)).detail == "bad subscription"  # inline still works


def test_a_device_that_breaks_the_push_library_fails_alone(portal: Portal) -> None:
    portal.add_practice("a")
    olga, _ = portal.add_user("olga", Role.OPERATOR, ("a",))
    add_page(portal, "pg-a", "a")
    settings = WebPushSettings(make_vapid_pem(), "mailto:ops@practice.test")
    notifier = SubscriptionPushNotifier(WebPushNotifier(settings), directory(portal))
    with push_service() as service:
        bad = make_subscription(olga.id, "not-a-url")
        good = make_subscription(olga.id, f"{service.url}/ok", created_at=T1)
        store(portal, bad, good)
        receipt = notifier.send(make_notification("queue:operators"))
    assert receipt.status is DeliveryStatus.SENT
    assert receipt.detail == "1 of 2 devices accepted"
    assert service.paths() == ["/ok"]
