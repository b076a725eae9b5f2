"""End to end in headless Chromium: log in with TOTP, find the after-hours urgent message a
simulated call left, acknowledge and resolve it; screenshots go to test-artifacts/."""

from __future__ import annotations

import base64
import os
import shutil
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pyotp
import pytest

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

pytestmark = pytest.mark.browser


@dataclass
class Served:
    """A running server and the demo credentials."""

    base_url: str
    username: str
    password: str
    secret: str
    message_ids: list[str]
    container: object


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """A real uvicorn server on a free loopback port over a fresh SQLite database."""
    import uvicorn

    from triageline.adapters.storage.migrate import upgrade
    from triageline.bootstrap import build_container
    from triageline.entrypoints.cli.portal_demo import create_demo_admin, seed_demo_calls
    from triageline.entrypoints.web.app import create_app
    from triageline.settings import Settings

    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail("Debian's chromium is required (apt-get install -y chromium)")
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    upgrade(url)
    key = base64.b64encode(os.urandom(32)).decode("ascii")
    settings = Settings.from_env(
        {
            "TRIAGELINE_HOME": str(tmp_path),
            "TRIAGELINE_DATABASE_URL": url,
            "TRIAGELINE_SECRET_KEY": f"browser:{key}",
        }
    )
    container = build_container(settings)
    demo = (REPO / "examples" / "demo-practice.yaml").read_text(encoding="utf-8")
    with container.uow_factory() as uow:
        from datetime import UTC, datetime

        uow.practices.store_config(
            "demo", "Riverbend Family Medicine", demo, created_by="test", at=datetime.now(UTC)
        )
        uow.commit()
    admin = create_demo_admin(container, "demo", "admin@demo.example")
    assert admin is not None
    ids = seed_demo_calls(
        container, "demo", REPO / "examples" / "scripts", names=("after-hours-infant-fever.txt",)
    )
    assert ids, "the simulated after-hours call left no message"

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)  # already listening: the browser's first request waits in the backlog
    port = sock.getsockname()[1]
    server = uvicorn.Server(
        uvicorn.Config(create_app(container), log_config=None, access_log=False, lifespan="off")
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        yield Served(
            f"http://127.0.0.1:{port}",
            admin.username,
            admin.password,
            admin.totp_secret,
            ids,
            container,
        )
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()
        container.close()


def test_clinician_flow_in_chromium(served: Served) -> None:
    from playwright.sync_api import expect, sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            context = browser.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(f"{served.base_url}/portal/login")
            page.get_by_label("Username").fill(served.username)
            page.get_by_label("Password").fill(served.password)
            page.get_by_role("button", name="Continue").click()
            expect(page).to_have_url(f"{served.base_url}/portal/login/code")
            page.get_by_label("Code").fill(pyotp.TOTP(served.secret).now())
            page.get_by_role("button", name="Log in").click()
            expect(page).to_have_url(f"{served.base_url}/portal/inbox")

            cookies = {c["name"]: c for c in context.cookies()}
            session = cookies["__Host-triageline_session"]
            assert session["secure"] and session["httpOnly"] and session["sameSite"] == "Lax"

            card = page.locator("article.card").filter(has_text="Sofia Lopez").first
            expect(card).to_be_visible()
            urgency = card.get_attribute("data-urgency")
            assert urgency in ("urgent", "emergency")
            expect(card.locator(".badge").first).to_have_text(urgency.title())
            page.screenshot(path=str(ARTIFACTS / "portal-inbox.png"), full_page=True)

            # Two taps from the inbox: "Acknowledge" on the card (HTMX swaps the card in place).
            card.get_by_role("button", name="Acknowledge").click()
            expect(card.locator(".badge.status")).to_have_text("Acknowledged")

            card.get_by_role("link", name="Open").click()
            expect(page.get_by_role("heading", level=1)).to_contain_text("Sofia Lopez")
            page.get_by_role("link", name="Call detail and transcript").click()
            expect(page.get_by_role("heading", name="Transcript")).to_be_visible()
            expect(page.locator(".transcript")).to_contain_text("fever")
            page.screenshot(path=str(ARTIFACTS / "portal-call-detail.png"), full_page=True)
            page.go_back()

            page.get_by_label("Resolution note").fill("Called mother back; advised ED now.")
            page.get_by_role("button", name="Resolve").click()
            expect(page.locator("h1 .badge.status")).to_have_text("Resolved")

            page.goto(f"{served.base_url}/portal/oncall")
            expect(page.get_by_role("heading", level=1)).to_contain_text("On call")
            page.screenshot(path=str(ARTIFACTS / "portal-oncall.png"), full_page=True)
        finally:
            browser.close()

    from triageline.bootstrap import Container

    container = served.container
    assert isinstance(container, Container)
    with container.uow_factory() as uow:
        stored = [uow.messages.get(i) for i in served.message_ids]
        actions = {e.entry.action for e in uow.audit.list(limit=500)}
        assert uow.audit.verify() is None
    assert any(m is not None and m.status.value == "resolved" for m in stored)
    assert {
        "auth.login",
        "message.viewed",
        "message.acknowledged",
        "message.resolved",
        "call.viewed",
    } <= actions
    for name in ("portal-inbox.png", "portal-call-detail.png", "portal-oncall.png"):
        assert (ARTIFACTS / name).stat().st_size > 1000
