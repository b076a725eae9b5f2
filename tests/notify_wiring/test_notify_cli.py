"""`triageline notify test` against a real SMTP server and a real HTTPS webhook on loopback."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import default
from pathlib import Path

import pytest
from typer.testing import CliRunner
from wiring_builders import (
    WAIT,
    WEBHOOK_SECRET,
    HookServer,
    MailSink,
    hook_server,
    make_loopback_cert,
    practice_file,
    smtp_server,
)

from triageline.adapters.notify.webhook_notifier import verify_webhook
from triageline.entrypoints.cli.main import app

DEMO_HOOK = "https://hooks.riverbendfm.example/triageline"
PHI_WORDS = ("Linda", "Nguyen", "+15125550115", "chest", "DOB")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No notification variables from the developer's shell."""
    for name in list(os.environ):
        if name.startswith(
            ("TRIAGELINE_TWILIO", "TRIAGELINE_SMTP", "TRIAGELINE_VAPID")
        ) or name in (
            "TRIAGELINE_NOTIFY",
            "TRIAGELINE_WEBHOOK_SECRET",
            "TRIAGELINE_PUBLIC_BASE_URL",
        ):
            monkeypatch.delenv(name)
    return monkeypatch


@pytest.fixture
def servers(
    tmp_path: Path, clean_env: pytest.MonkeyPatch
) -> Iterator[tuple[MailSink, HookServer, Path]]:
    """A local SMTP server, a local HTTPS webhook, and the demo practice pointed at the hook."""
    cert, key = make_loopback_cert(tmp_path)
    with smtp_server() as (sink, port), hook_server(tls=(cert, key)) as hook:
        clean_env.setenv("SSL_CERT_FILE", str(cert))
        clean_env.setenv("TRIAGELINE_SMTP_URL", f"smtp://127.0.0.1:{port}?starttls=off")
        clean_env.setenv("TRIAGELINE_SMTP_FROM", "pages@riverbend.test")
        clean_env.setenv("TRIAGELINE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        clean_env.setenv("TRIAGELINE_PUBLIC_BASE_URL", "https://answer.riverbend.test")
        path = practice_file(tmp_path, {DEMO_HOOK: f"{hook.url}/triageline"})
        yield sink, hook, path


def run(*args: str) -> tuple[int, str, str]:
    """Run the CLI; (exit code, stdout, stderr)."""
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.stdout, result.stderr


def test_email_test_reaches_the_smtp_server_without_phi(
    servers: tuple[MailSink, HookServer, Path],
) -> None:
    sink, hook, path = servers
    code, out, _ = run(
        "notify", "test", "--practice", str(path), "--to", "pm-nguyen", "--channel", "email"
    )
    assert code == 0, out
    assert sink.arrived.wait(WAIT)
    (envelope,) = sink.envelopes
    assert envelope.rcpt_tos == ["lnguyen@riverbendfm.example"]
    mail = message_from_bytes(envelope.original_content, policy=default)
    assert mail["Subject"] == "[Riverbend Family Medicine] triageline test notification"
    body = mail.get_body().get_content()  # type: ignore[union-attr]
    assert "No action is needed" in body
    assert not any(word in body for word in PHI_WORDS)
    assert "email" in out and "sent" in out and "1 of 1" in out
    assert hook.posts == []


def test_webhook_test_is_signed_and_posted_over_https(
    servers: tuple[MailSink, HookServer, Path],
) -> None:
    sink, hook, path = servers
    code, out, _ = run(
        "notify", "test", "--practice", str(path), "--to", "pm-nguyen", "--channel", "webhook"
    )
    assert code == 0, out
    assert hook.arrived.wait(WAIT)
    (post,) = hook.posts
    assert post.path == "/triageline"
    assert verify_webhook(
        WEBHOOK_SECRET.encode(),
        timestamp=post.headers.get("x-triageline-timestamp"),
        signature=post.headers.get("x-triageline-signature"),
        body=post.body,
        now=datetime.now(UTC),
    )
    payload = json.loads(post.body)
    assert payload["code"] == "TEST"
    assert payload["practice"] == "Riverbend Family Medicine"
    assert payload["link"] == "https://answer.riverbend.test/healthz"
    assert not any(word in payload["text"] for word in PHI_WORDS)
    assert sink.envelopes == []


def test_every_contact_is_tried_and_an_unconfigured_channel_fails(
    servers: tuple[MailSink, HookServer, Path],
) -> None:
    sink, hook, path = servers
    code, out, _ = run("notify", "test", "--practice", str(path), "--to", "pm-nguyen")
    assert code == 1, out
    lines = {line.split()[0]: line for line in out.splitlines() if line.split()}
    assert "sent" in lines["email"] and "sent" in lines["webhook"]
    assert "failed" in lines["sms"] and "no notifier configured for sms" in lines["sms"]
    assert "2 of 3 test notifications accepted" in out
    assert len(sink.envelopes) == 1 and len(hook.posts) == 1


def test_dry_run_sends_nothing(
    servers: tuple[MailSink, HookServer, Path], clean_env: pytest.MonkeyPatch
) -> None:
    sink, hook, path = servers
    clean_env.setenv("TRIAGELINE_NOTIFY", "dry-run")
    code, out, _ = run("notify", "test", "--practice", str(path), "--to", "pm-nguyen")
    assert code == 0, out
    assert out.count("dry-run:") == 3
    assert sink.envelopes == [] and hook.posts == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--to", "nobody"), "no provider or staff member 'nobody'"),
        (("--to", "dr-alvarez", "--channel", "email"), "dr-alvarez has no email contact"),
        (("--to", "dr-alvarez", "--channel", "pager"), "--channel must be one of"),
    ],
)
def test_bad_arguments_exit_2(
    servers: tuple[MailSink, HookServer, Path], args: tuple[str, ...], message: str
) -> None:
    _, _, path = servers
    code, _, err = run("notify", "test", "--practice", str(path), *args)
    assert code == 2
    assert message in err


def test_a_bad_variable_is_named_and_nothing_is_sent(
    servers: tuple[MailSink, HookServer, Path], clean_env: pytest.MonkeyPatch
) -> None:
    sink, hook, path = servers
    clean_env.setenv("TRIAGELINE_SMTP_URL", "smtps://127.0.0.1")
    code, _, err = run("notify", "test", "--practice", str(path), "--to", "pm-nguyen")
    assert code == 2
    assert "TRIAGELINE_SMTP_URL:" in err
    assert sink.envelopes == [] and hook.posts == []
