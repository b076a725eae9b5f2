"""/chat/demo in headless Chromium against a real `triageline serve` (what a newcomer sees).

The server is the one `make run` starts: migrated, the demo practice loaded, served by uvicorn
on a free loopback port with a temporary TRIAGELINE_HOME. The browser is Debian's Chromium,
driven by Playwright's sync API; nothing is downloaded. Screenshots go to ``test-artifacts/``.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from serve_helpers import POLL_S, cli, healthy_within, serving

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[2]
DEMO = REPO / "examples" / "demo-practice.yaml"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM = os.environ.get("TRIAGELINE_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
READY_WITHIN_S = 30.0
UI_TIMEOUT_MS = 15_000
MESSAGE_ID = re.compile(r"^[0-9a-f]{32}$")


def _server_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIAGELINE_")}
    env["TRIAGELINE_HOME"] = str(home)
    return env


def _wait_ready(base: str, server: subprocess.Popen[bytes], log: Path) -> None:
    """Poll /healthz until it answers 200; fail fast if the server exits, bounded in time."""
    if healthy_within(base, server, int(READY_WITHIN_S / POLL_S)):
        return
    tail = log.read_text(encoding="utf-8", errors="replace")[-3000:]
    pytest.fail(f"server not ready at {base} (exit code {server.poll()}):\n{tail}")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`triageline db upgrade`, `demo load`, then `serve` on a free port; yields the base URL."""
    home = tmp_path_factory.mktemp("chat-home")
    env = _server_env(home)
    for args in (["db", "upgrade"], ["demo", "load", str(DEMO)]):
        subprocess.run([cli(), *args], env=env, check=True, capture_output=True, timeout=60)
    with serving([], env, home / "serve.log", stop_within_s=10) as (base, server):
        _wait_ready(base, server, home / "serve.log")
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Debian Chromium (never a downloaded browser)."""
    if not Path(CHROMIUM).exists() and shutil.which("chromium") is None:
        pytest.fail(f"Chromium not found at {CHROMIUM}; run scripts/ensure-browser")
    expect.set_options(timeout=UI_TIMEOUT_MS)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        try:
            yield launched
        finally:
            launched.close()


def _chat(page: Page, lines: list[str]) -> None:
    """Type each line into the chat form and wait until its reply is in the log."""
    for line in lines:
        replies_before = page.locator("#log [data-role=assistant]").count()
        box = page.locator("#say-form input[name=text]")
        expect(box).to_be_enabled()
        box.fill(line)
        box.press("Enter")
        expect(page.locator("#log [data-role=caller]").last).to_have_text(line)
        expect(page.locator("#log [data-role=assistant]")).not_to_have_count(replies_before)


def _field(page: Page, name: str) -> str:
    return page.locator(f"#outcome [data-field={name}]").inner_text().strip()


def _open_chat(browser: Browser, base: str) -> Page:
    page = browser.new_page()
    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(f"{base}/chat/demo")
    expect(page.locator("h1")).to_have_text("Riverbend Family Medicine")
    greeting = page.locator("#log [data-role=assistant]")
    expect(greeting.first).to_contain_text("Riverbend Family Medicine")
    expect(page.locator("#log")).to_contain_text("911")
    return page


def test_routine_message_through_the_chat_page(served: str, browser: Browser) -> None:
    page = _open_chat(browser, served)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-greeting.png"), full_page=True)
    _chat(page, ["I need a refill of my lisinopril", "Pat Doe", "me", "01/02/1960"])
    expect(page.locator("#outcome [data-field=triage]")).to_have_text("routine")
    expect(page.locator("#outcome [data-field=intent]")).to_have_text("refill")
    expect(page.locator("#outcome [data-field=finished]")).to_have_text("no")
    _chat(page, ["512-555-0199"])
    expect(page.locator("#log [data-role=assistant]").last).to_contain_text("0 1 9 9")
    _chat(page, ["yes"])
    expect(page.locator("#outcome [data-field=finished]")).to_have_text("yes")
    expect(page.locator("#outcome [data-field=disposition]")).to_have_text("message_taken")
    assert MESSAGE_ID.match(_field(page, "messages")), _field(page, "messages")
    expect(page.locator("#say-form input[name=text]")).to_be_disabled()
    callers = page.locator("#log [data-role=caller]").all_inner_texts()
    assert callers == [
        "I need a refill of my lisinopril",
        "Pat Doe",
        "me",
        "01/02/1960",
        "512-555-0199",
        "yes",
    ]
    page.screenshot(path=str(ARTIFACTS / "chat-routine-message.png"), full_page=True)
    page.close()


def test_emergency_in_a_second_conversation_says_911_first(served: str, browser: Browser) -> None:
    page = _open_chat(browser, served)
    first_conversation = _field(page, "conversation")
    page.reload()
    expect(page.locator("#outcome [data-field=conversation]")).not_to_have_text(first_conversation)
    greeting_lines = page.locator("#log [data-role=assistant]").count()
    _chat(page, ["My husband has crushing chest pain and he is sweating"])
    replies = page.locator("#log [data-role=assistant]").all_inner_texts()[greeting_lines:]
    assert replies and "911" in replies[0], replies
    expect(page.locator("#outcome [data-field=triage]")).to_have_text("emergency")
    expect(page.locator("#outcome [data-field=disposition]")).to_have_text("emergency_instructed")
    expect(page.locator("#outcome [data-field=finished]")).to_have_text("yes")
    assert MESSAGE_ID.match(_field(page, "messages")), _field(page, "messages")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "chat-emergency.png"), full_page=True)
    page.close()
