"""Read TwiML as the caller hears it: verbs in document order, and whether each is interruptible."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass

CAPTURING = frozenset({"Gather", "Record"})
"""Verbs during which the caller's voice or keys are captured."""


@dataclass(frozen=True, slots=True)
class Verb:
    """One TwiML verb: its tag, its text, and whether it sits inside a ``<Gather>``."""

    index: int
    tag: str
    text: str
    inside_gather: bool


def verbs_of(twiml: str) -> list[Verb]:
    """Every verb in document order (a Gather counted where it opens, then its children)."""
    root = ET.fromstring(twiml.encode("utf-8"))
    assert root.tag == "Response", twiml
    found: list[Verb] = []

    def walk(element: ET.Element, inside: bool) -> None:
        for child in element:
            found.append(Verb(len(found), child.tag, (child.text or "").strip(), inside))
            walk(child, inside or child.tag == "Gather")

    walk(root, False)
    return found


def first_say_with(verbs: list[Verb], *needles: str) -> Verb:
    """The first ``<Say>`` whose text contains any of ``needles`` (AssertionError if none)."""
    for verb in verbs:
        if verb.tag == "Say" and any(n in verb.text for n in needles):
            return verb
    raise AssertionError(f"no <Say> containing {needles!r} in {[v.text for v in verbs]}")


def assert_spoken_before_capture(twiml: str, *needles: str) -> Verb:
    """The line containing ``needles`` is outside every Gather and precedes all capture verbs."""
    verbs = verbs_of(twiml)
    line = first_say_with(verbs, *needles)
    assert not line.inside_gather, f"{line.text!r} is inside a <Gather>: {twiml}"
    capture = [v for v in verbs if v.tag in CAPTURING]
    assert all(line.index < v.index for v in capture), f"{line.text!r} after capture: {twiml}"
    return line


def says_inside_gather(twiml: str) -> list[str]:
    """The texts a caller can interrupt (spoken inside a Gather)."""
    return [v.text for v in verbs_of(twiml) if v.tag == "Say" and v.inside_gather]
