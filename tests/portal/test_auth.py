"""Authentication: argon2id, TOTP (no replay), lockout, idle logoff, rotation, cookies, CSRF."""

from __future__ import annotations

from argon2 import PasswordHasher as RawHasher
from portal_helpers import PASSWORD, Portal, csrf_of

from triageline.adapters.auth.passwords import Argon2PasswordHasher
from triageline.entrypoints.web.portal.security import SESSION_COOKIE
from triageline.services.portal_model import Role


def _password_step(portal: Portal, client, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    csrf = csrf_of(client.get("/portal/login").text)
    return client.post(
        "/portal/login", data={"username": username, "password": password, "csrf_token": csrf}
    )


def test_passwords_are_argon2id_with_at_least_asvs_parameters(two_practices: Portal) -> None:
    user, _ = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    assert user.password_hash.startswith("$argon2id$")
    production = Argon2PasswordHasher().hash(PASSWORD)
    params = dict(p.split("=") for p in production.split("$")[3].split(","))
    assert int(params["m"]) >= 19456 and int(params["t"]) >= 2


def test_login_rehashes_when_parameters_change(two_practices: Portal) -> None:
    user, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    old = user.password_hash
    two_practices.wiring.hasher = Argon2PasswordHasher(
        time_cost=3, memory_cost_kib=19456, parallelism=1
    )
    two_practices.login(two_practices.client(), "nurse@a", secret)
    with two_practices.wiring.uow() as uow:
        stored = uow.users.get(user.id)
    assert stored.password_hash != old
    assert "t=3" in stored.password_hash
    assert RawHasher().verify(stored.password_hash, PASSWORD)


def test_full_login_sets_a_host_cookie_with_every_flag(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.client()
    page = client.get("/portal/login")
    cookie = page.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    lowered = cookie.lower()
    assert "httponly" in lowered and "secure" in lowered and "samesite=lax" in lowered
    assert "path=/" in lowered and "domain" not in lowered
    two_practices.login(client, "nurse@a", secret)
    assert client.get("/portal/inbox").status_code == 200


def test_session_token_rotates_at_each_login_step(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.client()
    client.get("/portal/login")
    anonymous = client.cookies[SESSION_COOKIE]
    answer = _password_step(two_practices, client, "nurse@a")
    pending = client.cookies[SESSION_COOKIE]
    assert answer.status_code == 303 and pending != anonymous
    csrf = csrf_of(client.get("/portal/login/code").text)
    client.post("/portal/login/code", data={"code": two_practices.code(secret), "csrf_token": csrf})
    active = client.cookies[SESSION_COOKIE]
    assert active not in (anonymous, pending)
    # The earlier tokens are dead on the server: replaying the pending one gets nowhere.
    thief = two_practices.client()
    thief.cookies.set(SESSION_COOKIE, pending)
    assert thief.get("/portal/inbox").status_code == 303


def test_a_totp_code_is_refused_the_second_time(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    two_practices.login(two_practices.client(), "nurse@a", secret)
    client = two_practices.client()
    _password_step(two_practices, client, "nurse@a")
    csrf = csrf_of(client.get("/portal/login/code").text)
    replay = client.post(
        "/portal/login/code", data={"code": two_practices.code(secret), "csrf_token": csrf}
    )
    assert replay.status_code == 401
    assert "already used" in replay.text
    two_practices.clock.advance(seconds=30)
    fresh = client.post(
        "/portal/login/code", data={"code": two_practices.code(secret), "csrf_token": csrf}
    )
    assert fresh.status_code == 303


def test_wrong_code_and_wrong_password_are_refused(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.client()
    assert _password_step(two_practices, client, "nurse@a", "wrong password!!").status_code == 401
    assert _password_step(two_practices, client, "nobody@a").status_code == 401
    assert _password_step(two_practices, client, "nurse@a").status_code == 303
    csrf = csrf_of(client.get("/portal/login/code").text)
    good = two_practices.code(secret or "")
    bad = f"{(int(good) + 1) % 1_000_000:06d}"
    assert (
        client.post("/portal/login/code", data={"code": bad, "csrf_token": csrf}).status_code == 401
    )


def test_five_failures_lock_the_account_for_fifteen_minutes(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.client()
    for _ in range(5):
        _password_step(two_practices, client, "nurse@a", "wrong password!!")
    locked = _password_step(two_practices, client, "nurse@a")
    assert locked.status_code == 401 and "locked" in locked.text
    two_practices.clock.advance(minutes=14)
    assert _password_step(two_practices, client, "nurse@a").status_code == 401
    two_practices.clock.advance(minutes=2)
    two_practices.login(two_practices.client(), "nurse@a", secret)


def test_many_failures_from_one_address_are_throttled(two_practices: Portal) -> None:
    client = two_practices.client()
    for i in range(20):
        _password_step(two_practices, client, f"nobody{i}@a", "wrong password!!")
    assert _password_step(two_practices, client, "someone@a").status_code == 429


def test_idle_sessions_end_after_fifteen_minutes(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    two_practices.clock.advance(minutes=14, seconds=59)
    assert client.get("/portal/inbox").status_code == 200  # activity resets the idle timer
    two_practices.clock.advance(minutes=14, seconds=59)
    assert client.get("/portal/inbox").status_code == 200
    two_practices.clock.advance(minutes=15)
    answer = client.get("/portal/inbox")
    assert answer.status_code == 303 and answer.headers["location"] == "/portal/login"
    with two_practices.wiring.uow() as uow:
        actions = [e.entry.action for e in uow.audit.list(limit=5)]
    assert "auth.logoff_idle" in actions


def test_every_post_needs_the_csrf_token(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    message = two_practices.add_message("a")
    client = two_practices.client()
    client.get("/portal/login")
    no_token = client.post("/portal/login", data={"username": "nurse@a", "password": PASSWORD})
    assert no_token.status_code == 403
    two_practices.login(client, "nurse@a", secret)
    url = f"/portal/messages/{message.id}/acknowledge"
    assert client.post(url, data={}).status_code == 403
    assert client.post(url, data={"csrf_token": "forged"}).status_code == 403
    assert client.post("/portal/logout", data={}).status_code == 403
    csrf = csrf_of(client.get("/portal/inbox").text)
    assert client.post(url, data={"csrf_token": csrf}).status_code == 303


def test_logout_ends_the_session_on_the_server(two_practices: Portal) -> None:
    _, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    client = two_practices.login(two_practices.client(), "nurse@a", secret)
    token = client.cookies[SESSION_COOKIE]
    csrf = csrf_of(client.get("/portal/inbox").text)
    assert client.post("/portal/logout", data={"csrf_token": csrf}).status_code == 303
    other = two_practices.client()
    other.cookies.set(SESSION_COOKIE, token)
    assert other.get("/portal/inbox").status_code == 303


def test_security_headers_on_portal_pages(two_practices: Portal) -> None:
    headers = two_practices.client().get("/portal/login").headers
    csp = headers["content-security-policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert headers["x-frame-options"] == "DENY"
    assert headers["cache-control"] == "no-store"


def test_first_login_enrols_the_authenticator_with_a_qr_code(two_practices: Portal) -> None:
    import pyotp

    two_practices.add_user("new@a", Role.STAFF, ("a",), enrolled=False)
    client = two_practices.client()
    answer = _password_step(two_practices, client, "new@a")
    assert answer.headers["location"] == "/portal/login/enrol"
    page = client.get("/portal/login/enrol")
    assert "<svg" in page.text
    import re

    secret = re.search(r'class="secret">([A-Z2-7]+)<', page.text).group(1)  # type: ignore[union-attr]
    csrf = csrf_of(page.text)
    done = client.post(
        "/portal/login/enrol",
        data={"code": pyotp.TOTP(secret).at(two_practices.clock.now()), "csrf_token": csrf},
    )
    assert done.status_code == 303 and done.headers["location"] == "/portal/inbox"
    assert client.get("/portal/inbox").status_code == 200
