"""The `escalation` config section: parsing, errors, to_domain, and the page's snapshot."""

from __future__ import annotations

import copy
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from paging_builders import T0, make_demo_chain, make_demo_roster, make_resolver
from pydantic import ValidationError

from triageline.adapters.config.escalation_section import EscalationSection
from triageline.domain.paging import (
    Channel,
    Page,
    PageUrgency,
    Target,
    plan_chain,
)

FIXTURE = Path(__file__).parent / "fixtures" / "escalation-demo.yaml"


def make_raw() -> dict[str, Any]:
    """The demo section as plain data, fresh each call."""
    raw: dict[str, Any] = yaml.safe_load(FIXTURE.read_text())["escalation"]
    return raw


def test_demo_section_becomes_the_demo_chain() -> None:
    policy = EscalationSection.model_validate(make_raw()).to_domain()
    assert policy.urgent == make_demo_chain()
    lines = plan_chain(policy.urgent, T0).lines()
    assert [line.split()[0] for line in lines[:4]] == ["at", "+5", "+10", "+20"]


def test_emergency_chain_has_roles_and_people() -> None:
    section = EscalationSection.model_validate(make_raw())
    chain = section.to_domain().chain_for(PageUrgency.EMERGENCY_NOTIFY)
    assert chain.renotify_after_ack == timedelta(minutes=30)
    assert section.person_references() == [
        ("escalation.emergency_notify.steps.4.notify", "dr-okafor")
    ]
    assert section.role_references() == [("escalation.emergency_notify.steps.1.notify", "nurse")]
    assert section.unknown_people({"dr-okafor"}) == []
    assert section.unknown_people({"dr-chen"})[0][0].endswith("steps.4.notify")


def test_emergency_defaults_to_urgent_chain() -> None:
    raw = make_raw()
    del raw["emergency_notify"]
    policy = EscalationSection.model_validate(raw).to_domain()
    assert policy.chain_for(PageUrgency.EMERGENCY_NOTIFY) is policy.urgent


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda r: r["urgent"]["steps"].append({"wait": 5, "repeat": 1}), "urgent.steps.9"),
        (lambda r: r["urgent"]["steps"][0].update(notify="primary"), "urgent.steps.0"),
        (lambda r: r["urgent"]["steps"][0].update(channels=["fax"]), "urgent.steps.0"),
        (lambda r: r["urgent"]["steps"][0].update(channels=[]), "urgent.steps.0"),
        (lambda r: r["urgent"]["steps"][1].update(wait=0), "urgent.steps.1"),
        (lambda r: r["urgent"].update(colour="red"), "urgent.colour"),
        (lambda r: r["urgent"]["steps"].pop(7), "urgent"),
        (lambda r: r["urgent"].update(renotify_after_ack_minutes=0), "urgent.renotify"),
    ],
)
def test_bad_sections_name_the_field(change: Any, where: str) -> None:
    raw = make_raw()
    change(raw)
    with pytest.raises(ValidationError) as caught:
        EscalationSection.model_validate(raw)
    paths = [".".join(str(p) for p in e["loc"]) for e in caught.value.errors()]
    assert any(path.startswith(where) for path in paths), paths


def test_running_page_keeps_its_chain_after_config_edit() -> None:
    raw = make_raw()
    chain = EscalationSection.model_validate(raw).to_domain().urgent
    resolve = make_resolver(make_demo_roster())
    page = Page.trigger(
        page_id="pg-9",
        practice_id="demo",
        urgency=PageUrgency.URGENT,
        subject_ref="msg-9",
        chain=chain,
        now=T0,
        resolve=resolve,
    ).page
    edited = copy.deepcopy(raw)
    edited["urgent"]["steps"][1] = {"wait": 1}
    edited["urgent"]["steps"][2] = {"notify": "oncall_backup", "channels": ["email"]}
    new_chain = EscalationSection.model_validate(edited).to_domain().urgent
    assert new_chain != chain
    assert page.chain == chain
    assert page.timer is not None and page.timer.due_at == T0 + timedelta(minutes=5)
    t = page.due_step(page.timer.token, page.timer.due_at, resolve)
    assert {(d.recipient_id, d.channel) for d in t.dispatches} == {
        ("lee", Channel.SMS),
        ("lee", Channel.VOICE),
    }
    fresh = Page.trigger(
        page_id="pg-10",
        practice_id="demo",
        urgency=PageUrgency.URGENT,
        subject_ref="msg-10",
        chain=new_chain,
        now=T0,
        resolve=resolve,
    ).page
    assert fresh.timer is not None and fresh.timer.due_at == T0 + timedelta(minutes=1)
    assert fresh.chain.steps[2].target == Target.parse("oncall_backup")  # type: ignore[union-attr]
