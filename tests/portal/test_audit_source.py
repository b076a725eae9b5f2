"""Audit "from where": the portal's client address in the event's own ``source`` field."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from datetime import UTC, datetime
from pathlib import Path

from fastapi.testclient import TestClient
from portal_helpers import Portal, csrf_of
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from triageline.adapters.storage.engine import make_engine
from triageline.adapters.storage.migrate import upgrade
from triageline.adapters.storage.repositories import SqlAuditLog
from triageline.domain.audit import GENESIS_HASH, AuditEntry, chain_hash, link
from triageline.services.portal_model import Role

IPV6 = "2001:0db8:85a3:0000:0000:8a2e:0370:7334"  # 39 characters: cut before, kept whole now
AT = datetime(2026, 11, 26, 3, 15, tzinfo=UTC)


def _legacy_hash(seq: int, prev: str, entry: AuditEntry) -> str:
    """The hash as rows written before ``source`` existed were chained (no source key)."""
    canonical = json.dumps(
        {
            "seq": seq,
            "prev": prev,
            "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
            "actor": entry.actor,
            "action": entry.action,
            "subject": entry.subject,
            "channel": entry.channel,
            "outcome": entry.outcome,
            "practice": entry.practice_id,
        },
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=True,
    )
    return hashlib.sha256(canonical.encode("ascii")).hexdigest()


def test_an_entry_without_source_hashes_as_before_and_a_source_is_covered() -> None:
    entry = AuditEntry("u1", "message.viewed", "message:m1", "portal", "ok", AT, "a")
    assert chain_hash(1, GENESIS_HASH, entry) == _legacy_hash(1, GENESIS_HASH, entry)
    with_source = AuditEntry(
        "u1", "message.viewed", "message:m1", "portal", "ok", AT, "a", source=IPV6
    )
    other_source = AuditEntry(
        "u1", "message.viewed", "message:m1", "portal", "ok", AT, "a", source="192.0.2.9"
    )
    hashes = {chain_hash(1, GENESIS_HASH, e) for e in (entry, with_source, other_source)}
    assert len(hashes) == 3


def test_portal_events_carry_the_full_client_address(two_practices: Portal) -> None:
    user, secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    message = two_practices.add_message("a")
    client = TestClient(
        two_practices.app,
        base_url="https://testserver",
        follow_redirects=False,
        client=(IPV6, 50000),
    )
    two_practices.login(client, "nurse@a", secret)
    assert client.get(f"/portal/messages/{message.id}").status_code == 200
    with two_practices.wiring.uow() as uow:
        events = [e.entry for e in uow.audit.list(limit=50)]
        assert uow.audit.verify() is None
    viewed = next(e for e in events if e.action == "message.viewed")
    assert (viewed.actor, viewed.channel, viewed.source) == (user.id, "portal", IPV6)
    login = next(e for e in events if e.action == "auth.login")
    assert (login.channel, login.source) == ("portal", IPV6)


def test_audit_log_shows_filters_and_exports_the_source(two_practices: Portal) -> None:
    _, boss_secret = two_practices.add_user("boss@a", Role.PRACTICE_ADMIN, ("a",))
    _, nurse_secret = two_practices.add_user("nurse@a", Role.CLINICIAN, ("a",))
    message = two_practices.add_message("a")
    nurse = TestClient(
        two_practices.app,
        base_url="https://testserver",
        follow_redirects=False,
        client=("198.51.100.23", 4000),
    )
    two_practices.login(nurse, "nurse@a", nurse_secret)
    nurse.get(f"/portal/messages/{message.id}")
    boss = two_practices.login(two_practices.client(), "boss@a", boss_secret)

    page = boss.get("/portal/audit?source=198.51.100.")
    assert page.status_code == 200
    assert "198.51.100.23" in page.text and "message.viewed" in page.text
    assert "testclient" not in page.text  # the boss's own events come from elsewhere
    exported = boss.get("/portal/audit.csv?source=198.51.100.23&action=message.viewed")
    rows = list(csv.reader(io.StringIO(exported.text)))
    header = rows[0]
    assert "source" in header and "channel" in header
    column = header.index("source")
    assert [r[column] for r in rows[1:]] == ["198.51.100.23"]
    assert [r[header.index("channel")] for r in rows[1:]] == ["portal"]
    nothing = boss.get("/portal/audit.csv?source=203.0.113.")
    assert len(list(csv.reader(io.StringIO(nothing.text)))) == 1
    csrf_of(boss.get("/portal/inbox").text)  # still logged in


def test_rows_written_before_the_source_column_still_verify(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0006")
    old = [
        AuditEntry("u1", "message.viewed", "message:m1", "portal@10.0.0.1", "ok", AT, "a"),
        AuditEntry("u2", "auth.login", "user:u2", "portal@10.0.0.2", "ok", AT, None),
    ]
    engine = create_engine(url)
    previous = GENESIS_HASH
    with engine.begin() as connection:
        for seq, entry in enumerate(old, start=1):
            digest = _legacy_hash(seq, previous, entry)
            connection.execute(
                text(
                    "INSERT INTO audit_events (seq, practice_id, actor, action, subject, channel,"
                    " outcome, at, prev_hash, hash) VALUES (:seq, :practice, :actor, :action,"
                    " :subject, :channel, :outcome, :at, :prev, :hash)"
                ),
                {
                    "seq": seq,
                    "practice": entry.practice_id,
                    "actor": entry.actor,
                    "action": entry.action,
                    "subject": entry.subject,
                    "channel": entry.channel,
                    "outcome": entry.outcome,
                    "at": entry.at.strftime("%Y-%m-%d %H:%M:%S.%f"),
                    "prev": previous,
                    "hash": digest,
                },
            )
            previous = digest
        connection.execute(
            text("INSERT INTO audit_chain_head (id, seq, hash) VALUES (1, 2, :hash)"),
            {"hash": previous},
        )
    engine.dispose()
    upgrade(url)

    engine = make_engine(url)
    sessions = sessionmaker(engine)
    try:
        with sessions() as session:
            log = SqlAuditLog(session)
            assert log.verify() is None, "old rows verify after the upgrade"
            log.append(
                AuditEntry("u3", "message.viewed", "message:m1", "portal", "ok", AT, "a", "::1")
            )
            session.commit()
        with sessions() as session:
            log = SqlAuditLog(session)
            assert log.verify() is None
            assert [e.entry.source for e in log.list(limit=5)] == ["::1", None, None]
            session.execute(text("UPDATE audit_events SET source = '10.9.9.9' WHERE seq = 3"))
            broken = log.verify()
            assert broken is not None and broken.seq == 3
    finally:
        engine.dispose()
    assert link(1, GENESIS_HASH, old[0]).hash == _legacy_hash(1, GENESIS_HASH, old[0])
