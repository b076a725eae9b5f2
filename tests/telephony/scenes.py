"""Scripted turns whose TwiML is pinned by golden files."""

from __future__ import annotations

from collections.abc import Callable

from dialogue.builders import Call, make_context, office_emergency_transfer
from triageline.domain.coverage import CoverageMode
from triageline.domain.dialogue import Action
from triageline.domain.triage.types import Language

ACTION_URL = "https://answer.example.org/twilio/voice/turn?step=3"
HINTS = ("Dr. Nguyen", "refill", "cita, receta")


def opening_recording_en() -> tuple[list[Action], Language]:
    """The first turn of a recorded call: greeting, consent, language menu, first question."""
    call = Call(make_context(recording=True, location_name="Eastside Clinic"))
    return call.connect(), Language.EN


def emergency_after_hours_es() -> tuple[list[Action], Language]:
    """A Spanish caller reports chest pain after hours: 911 first, then goodbye."""
    call = Call(make_context())
    call.connect()
    call.press("2")
    return call.say("mi esposo tiene dolor de pecho"), Language.ES


def emergency_office_transfer_en() -> tuple[list[Action], Language]:
    """An emergency in office hours: 911 first, then the offer and the transfer to the nurse."""
    call = Call(
        make_context(coverage=CoverageMode.OFFICE_HOURS, handling=office_emergency_transfer())
    )
    call.connect()
    return call.say("chest pain and I can't breathe"), Language.EN


def callback_confirm_zh() -> tuple[list[Action], Language]:
    """A Chinese caller is read back the callback number digit by digit."""
    call = Call(make_context())
    call.connect()
    call.press("3")
    call.say("我需要续药")
    call.say("王小明")
    call.say("我")
    return call.press("19620314"), Language.ZH


SCENES: dict[str, Callable[[], tuple[list[Action], Language]]] = {
    "opening_recording_en": opening_recording_en,
    "emergency_after_hours_es": emergency_after_hours_es,
    "emergency_office_transfer_en": emergency_office_transfer_en,
    "callback_confirm_zh": callback_confirm_zh,
}
