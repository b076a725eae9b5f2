"""Urgent, crisis, confirmation, re-prompt, hang-up and transfer paths through ``step``."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from triageline.domain.coverage import CoverageMode
from triageline.domain.dialogue import (
    TIMER_TRANSFER_FAILED,
    Ask,
    AuditKind,
    AuditNote,
    Channel,
    Connected,
    DialogueError,
    DialogueState,
    Hangup,
    MessageQueue,
    MessageReason,
    Page,
    PageUrgency,
    Phase,
    RecordingStatus,
    Said,
    Say,
    SetLanguage,
    TakeMessage,
    Transfer,
    TransferNumbers,
    TransferReason,
    step,
)
from triageline.domain.dialogue.phrasebook import P, phrase
from triageline.domain.triage.types import Intent, Language, TriageLevel

from .builders import T0, Call, last_ask, make_context, of_type, spoken


def _audits(actions: Sequence[object]) -> list[AuditKind]:
    return [a.kind for a in actions if isinstance(a, AuditNote)]


def test_urgent_after_hours_reads_back_callback_and_pages() -> None:
    call = Call(make_context(on_call_name="Dr. Nguyen"))
    call.connect()
    actions = call.say("my baby has a fever")
    assert last_ask(actions).prompt == "How old is the baby?"
    assert call.state.phase is Phase.FOLLOW_UP

    actions = call.say("six weeks")
    assert phrase(P.URGENT_INTRO, Language.EN) in spoken(actions)
    call.say("Maria Lopez")
    actions = call.say("Sofia Lopez")
    assert call.state.details.patient_is_caller is False
    actions = call.press("01152025")
    confirm = last_ask(actions)
    assert "4 1 5, 8 6 7, 5 3 0 9" in confirm.prompt
    assert confirm.timeout_s >= 10 and confirm.speech_timeout_s >= 3

    actions = call.say("no")
    ask = last_ask(actions)
    assert ask.prompt == phrase(P.ASK_CALLBACK_NUMBER, Language.EN)
    assert ask.expect.value == "both" and ask.timeout_s >= 10

    actions = call.say("six one seven five five five one two one two")
    assert "6 1 7, 5 5 5, 1 2 1 2" in last_ask(actions).prompt
    actions = call.press("1")

    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.URGENT
    assert message.reason is MessageReason.URGENT_CALLBACK
    assert message.details.callback_number == "+16175551212"
    assert message.details.callback_confirmed
    assert message.details.patient_dob == "2025-01-15"
    assert message.answers == (("age", "six weeks"),)
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]
    said = spoken(actions)
    assert "Dr. Nguyen will call you back at 6 1 7, 5 5 5, 1 2 1 2 within 30 minutes." in said
    assert phrase(P.WORSE_911, Language.EN) in said
    assert actions[-1] == Hangup()


def test_urgent_in_office_hours_transfers_to_the_nurse_and_pages_if_nobody_answers() -> None:
    call = Call(make_context(coverage=CoverageMode.OFFICE_HOURS))
    call.connect()
    call.press("2")
    call.say("mi bebé tiene calentura")
    call.say("tres semanas")
    call.say("Maria Lopez")
    call.say("yo")
    call.say("14 de marzo de 1990")
    actions = call.say("sí")
    [message] = of_type(actions, TakeMessage)
    assert message.details.patient_dob == "14 de marzo de 1990"
    assert actions[-1] == Transfer("+15555550111", TransferReason.URGENT)
    assert not of_type(actions, Page)

    actions = call.timer(TIMER_TRANSFER_FAILED)
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]
    assert phrase(P.WORSE_911, Language.ES) in spoken(actions)
    assert actions[-1] == Hangup()


def test_crisis_without_immediate_danger_hears_988_first_then_pages() -> None:
    ctx = make_context(transfers=TransferNumbers(crisis_line="988"))
    call = Call(ctx)
    call.connect()
    actions = call.say("I keep thinking I want to kill myself")
    assert actions[0] == Say(phrase(P.CRISIS_988, Language.EN), Language.EN)
    assert AuditKind.CRISIS_LINE_OFFERED in _audits(actions)
    assert "911" not in actions[0].text.split("988")[0]
    call.say("Sam Lee")
    call.say("me")
    call.say("May 2 1990")
    actions = call.say("yes")
    [message] = of_type(actions, TakeMessage)
    assert message.assessment is not None and message.assessment.crisis
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]
    assert actions[-1] == Transfer("988", TransferReason.CRISIS)


def test_red_flag_during_details_acts_at_once() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I need a refill")
    actions = call.say("wait, my dad is not breathing")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.EN), Language.EN)
    [message] = of_type(actions, TakeMessage)
    assert message.triage is TriageLevel.EMERGENCY
    assert message.details.caller_name is None
    assert of_type(actions, Page)[0].urgency is PageUrgency.EMERGENCY


def test_low_confidence_reason_is_confirmed_before_acting() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("I need a refill", confidence=0.3)
    assert call.state.phase is Phase.CONFIRM_REASON
    assert '"I need a refill"' in last_ask(actions).prompt
    assert not of_type(actions, TakeMessage)
    assert not call.state.details.reason_text

    actions = call.say("yes")
    assert AuditKind.LOW_CONFIDENCE_CONFIRMED in _audits(actions)
    confirmed = call.state
    assert confirmed.details.reason_text == "I need a refill"
    assert confirmed.phase is Phase.CALLER_NAME


def test_low_confidence_rejected_asks_again() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I need a refill", confidence=0.3)
    actions = call.press("2")
    assert AuditKind.LOW_CONFIDENCE_REJECTED in _audits(actions)
    assert last_ask(actions).prompt == phrase(P.REPEAT_REASON, Language.EN)
    assert call.state.phase is Phase.REASON


def test_low_confidence_emergency_acts_first_then_confirms() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.say("chest pain", confidence=0.2)
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.EN), Language.EN)
    assert of_type(actions, Page)
    assert call.state.phase is Phase.EMERGENCY_CONFIRM
    assert '"chest pain"' in last_ask(actions).prompt

    actions = call.say("yes")
    assert AuditKind.LOW_CONFIDENCE_CONFIRMED in _audits(actions)
    assert actions[-1] == Hangup()
    assert not of_type(actions, Page), "the practice was already notified"


def test_two_reprompts_on_silence_then_a_partial_message() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I need a refill")
    call.say("Ana Ruiz")
    first = call.silence()
    assert phrase(P.STILL_THERE, Language.EN) in spoken(first)
    assert last_ask(first).prompt == phrase(P.ASK_PATIENT_NAME, Language.EN)
    second = call.silence()
    assert last_ask(second).prompt == phrase(P.ASK_PATIENT_NAME, Language.EN)
    third = call.silence()
    assert not of_type(third, Ask)
    [message] = of_type(third, TakeMessage)
    assert message.flagged_partial
    assert message.reason is MessageReason.NO_RESPONSE
    assert message.details.caller_name == "Ana Ruiz"
    assert message.details.reason_text == "I need a refill"
    assert third[-1] == Hangup()
    assert "call back later" not in spoken(third).lower()


def test_no_match_counts_like_silence() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I need a refill")
    call.say("Ana Ruiz")
    call.say("Ana Ruiz")
    for _ in range(2):
        actions = call.press("99")
        assert phrase(P.INVALID_DOB, Language.EN) in spoken(actions)
    actions = call.press("13401990")
    [message] = of_type(actions, TakeMessage)
    assert message.flagged_partial and message.details.patient_dob is None


def test_silent_caller_gets_911_advice_and_a_message_with_the_number() -> None:
    call = Call(make_context())
    call.connect()
    call.silence()
    call.silence()
    actions = call.silence()
    [message] = of_type(actions, TakeMessage)
    assert message.flagged_partial and message.queue is MessageQueue.FRONT_DESK
    assert message.details.callback_number == "+14158675309"
    assert phrase(P.GAVE_UP_SILENT, Language.EN) in spoken(actions)


def test_urgent_caller_who_stops_answering_is_still_paged() -> None:
    call = Call(make_context())
    call.connect()
    call.say("fever")
    call.say("two weeks old")
    for _ in range(3):
        actions = call.silence()
    [message] = of_type(actions, TakeMessage)
    assert message.flagged_partial and message.triage is TriageLevel.URGENT
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]
    assert phrase(P.WORSE_911, Language.EN) in spoken(actions)


def test_hang_up_mid_flow_saves_a_flagged_partial_message() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I need a refill")
    call.say("Ana Ruiz")
    actions = call.hang_up()
    [message] = of_type(actions, TakeMessage)
    assert message.flagged_partial
    assert message.reason is MessageReason.HUNG_UP
    assert message.details.caller_name == "Ana Ruiz"
    assert not of_type(actions, Page)
    assert call.state.phase is Phase.DONE
    assert call.hang_up() == []


def test_hang_up_after_urgent_symptoms_pages_too() -> None:
    call = Call(make_context())
    call.connect()
    call.say("fever")
    call.say("five weeks")
    actions = call.hang_up()
    [message] = of_type(actions, TakeMessage)
    assert of_type(actions, Page) == [Page(PageUrgency.URGENT, message.ref)]


def test_hang_up_before_saying_anything_is_an_abandoned_call() -> None:
    call = Call(make_context())
    call.connect()
    actions = call.hang_up()
    assert not of_type(actions, TakeMessage)
    assert _audits(actions) == [AuditKind.CALL_ABANDONED]


def test_unanswered_follow_up_is_handled_at_the_higher_level() -> None:
    call = Call(make_context())
    call.connect()
    call.say("fever")
    call.silence()
    call.silence()
    actions = call.silence()
    assert AuditKind.FOLLOW_UP_UNANSWERED in _audits(actions)
    assert call.state.triage is not None and call.state.triage.level is TriageLevel.URGENT
    assert call.state.answers == (("age", ""),)
    assert last_ask(actions).prompt == phrase(P.ASK_CALLER_NAME, Language.EN)


def test_recording_announcement_comes_before_any_question_and_keypress_opts_out() -> None:
    call = Call(make_context(recording=True))
    actions = call.connect()
    note = AuditNote(AuditKind.RECORDING_ANNOUNCED, "lang=en")
    announcement = Say(phrase(P.RECORDING_ANNOUNCEMENT, Language.EN), Language.EN)
    assert actions.index(announcement) < actions.index(last_ask(actions))
    assert note in actions
    assert call.state.recording is RecordingStatus.ANNOUNCED

    actions = call.press("9")
    assert AuditKind.RECORDING_OPTED_OUT in _audits(actions)
    opted_out = call.state
    assert opted_out.recording is RecordingStatus.OPTED_OUT
    assert not call.state.recording.may_record
    assert call.state.phase is Phase.OPENING


def test_switching_language_replays_the_recording_announcement() -> None:
    call = Call(make_context(recording=True))
    call.connect()
    actions = call.press("3")
    assert actions[0] == SetLanguage(Language.ZH)
    assert Say(phrase(P.RECORDING_ANNOUNCEMENT, Language.ZH), Language.ZH) in actions
    assert AuditNote(AuditKind.RECORDING_ANNOUNCED, "lang=zh") in actions


def test_faq_is_answered_then_anything_else() -> None:
    call = Call(make_context())
    call.connect()
    call.press("3")
    actions = call.say("你们几点开门？")
    assert "上午8点到下午5点" in spoken(actions)
    assert last_ask(actions).prompt == phrase(P.ANYTHING_ELSE, Language.ZH)
    actions = call.say("没有了，谢谢")
    assert phrase(P.GOODBYE, Language.ZH) in spoken(actions)
    assert actions[-1] == Hangup()
    assert not of_type(actions, TakeMessage)


def test_anything_else_can_start_a_new_reason() -> None:
    call = Call(make_context())
    call.connect()
    call.say("what are your hours")
    actions = call.say("I also need a refill of my inhaler")
    assert call.state.phase is Phase.CALLER_NAME
    assert phrase(P.MESSAGE_INTRO, Language.EN) in spoken(actions)


def test_appointment_request_takes_a_scheduling_message() -> None:
    call = Call(make_context())
    call.connect()
    call.say("I want to make an appointment for a checkup")
    call.say("Ana Ruiz")
    call.say("me")
    call.press("03141962")
    actions = call.say("yes")
    [message] = of_type(actions, TakeMessage)
    assert message.queue is MessageQueue.SCHEDULING
    assert message.reason is MessageReason.SCHEDULING_REQUEST
    assert message.intent is Intent.APPOINTMENT_NEW
    assert "scheduling team" in spoken(actions)


@pytest.mark.parametrize("coverage", [CoverageMode.OFFICE_HOURS, CoverageMode.LUNCH])
def test_speak_to_staff_transfers_only_in_office_hours(coverage: CoverageMode) -> None:
    call = Call(make_context(coverage=coverage))
    call.connect()
    actions = call.say("can I speak to someone at the front desk")
    if coverage is CoverageMode.OFFICE_HOURS:
        assert actions[-1] == Transfer("+15555550100", TransferReason.SPEAK_TO_STAFF)
        actions = call.timer(TIMER_TRANSFER_FAILED)
    assert phrase(P.STAFF_UNAVAILABLE, Language.EN) in spoken(actions)
    assert last_ask(actions).prompt == phrase(P.ASK_CALLER_NAME, Language.EN)
    call.say("Ana Ruiz")
    call.say("me")
    call.press("03141962")
    actions = call.say("yes")
    [message] = of_type(actions, TakeMessage)
    assert message.reason is MessageReason.STAFF_UNAVAILABLE
    assert message.queue is MessageQueue.FRONT_DESK


def test_text_channels_never_transfer_and_use_typed_wording() -> None:
    call = Call(make_context(coverage=CoverageMode.OFFICE_HOURS), channel=Channel.SMS)
    actions = call.connect()
    assert "reply 2" not in spoken(actions).lower()
    assert "responda 2" in spoken(actions)
    actions = call.say("speak to a person")
    assert not of_type(actions, Transfer)
    actions = call.say("chest pain")
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.EN, typed=True), Language.EN)
    assert not of_type(actions, Transfer)


def test_sms_digits_choose_the_language() -> None:
    call = Call(make_context(), channel=Channel.SMS)
    call.connect()
    actions = call.say("2")
    assert actions[0] == SetLanguage(Language.ES)


def test_retried_connect_and_events_after_the_end_change_nothing() -> None:
    call = Call(make_context())
    call.connect()
    before = call.state_json
    assert call.connect() == []
    assert call.state_json == before
    call.say("chest pain")
    done = call.state_json
    assert call.say("hello?") == []
    assert call.state_json == done


def test_events_before_connected_are_rejected() -> None:
    with pytest.raises(DialogueError):
        step(DialogueState(), Said("hi", 1.0, None, T0), make_context())


def test_illegal_phase_change_raises() -> None:
    with pytest.raises(DialogueError):
        DialogueState().go(Phase.DONE)


def test_step_is_deterministic() -> None:
    ctx = make_context()
    state, _ = step(DialogueState(), Connected(T0, "+14158675309", None), ctx)
    once = step(state, Said("I need a refill", 0.9, None, T0), ctx)
    twice = step(state, Said("I need a refill", 0.9, None, T0), ctx)
    assert once == twice


@pytest.mark.parametrize("heard", [Language.ES, None])
def test_emergency_in_another_language_puts_911_before_the_language_switch(
    heard: Language | None,
) -> None:
    call = Call(make_context(recording=True))
    call.connect()
    actions = call.say("mi esposo tiene dolor de pecho", language=heard)
    assert actions[0] == Say(phrase(P.EMERGENCY_911, Language.ES), Language.ES)
    assert SetLanguage(Language.ES) in actions
    assert call.state.language is Language.ES
    assert actions[-1] == Hangup()
