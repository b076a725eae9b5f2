"""Caller-facing lines of the booking conversation (en/es/zh), and how slots are spoken."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from triageline.domain.dialogue.booking_records import SpokenSlot
from triageline.domain.phrasing import calendar_date, en_clock, es_clock
from triageline.domain.triage.types import Language

EN, ES, ZH = Language.EN, Language.ES, Language.ZH


class B(StrEnum):
    """Booking phrase keys."""

    INTRO_NEW = "intro_new"
    INTRO_VERIFY = "intro_verify"
    ASK_SEEN_BEFORE = "ask_seen_before"
    ASK_NAME = "ask_name"
    ASK_DOB_WORDS = "ask_dob_words"
    ASK_REASON = "ask_reason"
    ASK_INSURANCE = "ask_insurance"
    ASK_PREFERENCE = "ask_preference"
    OFFER = "offer"
    OFFER_RELAXED = "offer_relaxed"
    CHOOSE_HINT = "choose_hint"
    CONFIRM_SLOT = "confirm_slot"
    BOOKED = "booked"
    RESCHEDULED = "rescheduled"
    STAFF_TASK = "staff_task"
    CONFLICT = "conflict"
    NO_SLOTS = "no_slots"
    NOT_BOOKED = "not_booked"
    NOTHING_BOOKED = "nothing_booked"
    NOT_FOUND = "not_found"
    TRY_AGAIN = "try_again"
    FOUND_ONE = "found_one"
    FOUND_MANY = "found_many"
    ASK_CANCEL = "ask_cancel"
    ASK_CONFIRM_VISIT = "ask_confirm_visit"
    CANCELLED = "cancelled"
    CONFIRMED = "confirmed"
    KEPT = "kept"
    SLOT_LINE = "slot_line"
    YES_NO = "yes_no"


_VOICE: dict[B, dict[Language, str]] = {
    B.INTRO_NEW: {
        EN: "I can book that for you now.",
        ES: "Puedo hacerle la cita ahora mismo.",
        ZH: "我现在就可以帮您预约。",
    },
    B.INTRO_VERIFY: {
        EN: "To protect your privacy, I first need the patient's full name and date of birth.",
        ES: "Para proteger su privacidad, primero necesito el nombre completo y la fecha de "
        "nacimiento del paciente.",
        ZH: "为了保护您的隐私，我需要先核对病人的全名和出生日期。",
    },
    B.ASK_SEEN_BEFORE: {
        EN: "Has the patient been seen at our practice before?",
        ES: "¿El paciente ya ha sido atendido en nuestra clínica?",
        ZH: "病人以前在我们诊所看过病吗？",
    },
    B.ASK_NAME: {
        EN: "What is the patient's full name?",
        ES: "¿Cuál es el nombre completo del paciente?",
        ZH: "请问病人的全名是什么？",
    },
    B.ASK_DOB_WORDS: {
        EN: "What is the patient's date of birth? Please say the month, day and year.",
        ES: "¿Cuál es la fecha de nacimiento del paciente? Diga el día, el mes y el año.",
        ZH: "请问病人的出生日期？请说年、月、日。",
    },
    B.ASK_REASON: {
        EN: "In a few words, what is the visit for?",
        ES: "En pocas palabras, ¿cuál es el motivo de la consulta?",
        ZH: "请简单说一下这次看病的原因。",
    },
    B.ASK_INSURANCE: {
        EN: "What insurance plan do you have? If you will pay yourself, say self-pay.",
        ES: "¿Qué seguro médico tiene? Si va a pagar usted mismo, diga pago propio.",
        ZH: "请问您有什么医疗保险？如果自费，请说“自费”。",
    },
    B.ASK_PREFERENCE: {
        EN: "Which day and time of day suit you best? For example, Monday morning. "
        "Or say any time.",
        ES: "¿Qué día y a qué hora le conviene más? Por ejemplo, el lunes por la mañana. "
        "O diga cualquier día.",
        ZH: "您哪天、什么时段比较方便？例如星期一上午。也可以说“都可以”。",
    },
    B.OFFER: {
        EN: "I have these openings. {slots}.",
        ES: "Tengo estos horarios disponibles. {slots}.",
        ZH: "现在有这些时间：{slots}。",
    },
    B.OFFER_RELAXED: {
        EN: "I could not find exactly what you asked for, but I have these openings. {slots}.",
        ES: "No encontré exactamente lo que pidió, pero tengo estos horarios. {slots}.",
        ZH: "没有完全符合您要求的时间，但有这些时间：{slots}。",
    },
    B.CHOOSE_HINT: {
        EN: "Which one would you like? Say or press the number, or say none.",
        ES: "¿Cuál prefiere? Diga u oprima el número, o diga ninguno.",
        ZH: "您想要哪一个？请说出或按下编号，都不合适请说“都不要”。",
    },
    B.CONFIRM_SLOT: {
        EN: "To confirm: a {type} for {name}, {when}, with {provider} at {location}. "
        "Shall I book it?",
        ES: "Para confirmar: {type} para {name}, {when}, con {provider} en {location}. "
        "¿Se la reservo?",
        ZH: "确认一下：为{name}预约{type}，时间是{when}，医生是{provider}，地点是{location}。"
        "要帮您预约吗？",
    },
    B.BOOKED: {
        EN: "You are booked: a {type}, {when}, with {provider} at {location}. "
        "Please arrive ten minutes early and bring your insurance card.",
        ES: "Su cita quedó reservada: {type}, {when}, con {provider} en {location}. "
        "Llegue diez minutos antes y traiga su tarjeta del seguro.",
        ZH: "已为您预约好：{type}，{when}，医生是{provider}，地点是{location}。"
        "请提前十分钟到，并带上保险卡。",
    },
    B.RESCHEDULED: {
        EN: "Done. Your appointment is now {when}, with {provider} at {location}. "
        "The old time is cancelled.",
        ES: "Listo. Su cita ahora es {when}, con {provider} en {location}. "
        "La hora anterior quedó cancelada.",
        ZH: "好了。您的预约已改到{when}，医生是{provider}，地点是{location}。原来的时间已取消。",
    },
    B.STAFF_TASK: {
        EN: "I could not put this on the calendar myself, so it is not booked yet. "
        "I have passed your request to the front desk, and they will call you to confirm.",
        ES: "No pude anotarlo en la agenda yo mismo, así que todavía no está reservado. "
        "Pasé su solicitud a la recepción y le llamarán para confirmar.",
        ZH: "我没能直接把它排进日程，所以还没有预约成功。"
        "我已经把您的请求转给前台，他们会打电话跟您确认。",
    },
    B.CONFLICT: {
        EN: "I am sorry, that time was just taken.",
        ES: "Lo siento, alguien acaba de tomar ese horario.",
        ZH: "抱歉，这个时间刚刚被约走了。",
    },
    B.NO_SLOTS: {
        EN: "I could not find an opening I can book for you now. "
        "I will pass your request to the front desk.",
        ES: "No encontré un horario que pueda reservarle ahora. "
        "Pasaré su solicitud a la recepción.",
        ZH: "我现在找不到可以为您预约的时间。我会把您的请求转给前台。",
    },
    B.NOT_BOOKED: {
        EN: "I could not book that, and nothing has been booked. "
        "I will pass your request to the front desk.",
        ES: "No pude hacer la reserva y no se reservó nada. Pasaré su solicitud a la recepción.",
        ZH: "我没能完成预约，也没有任何预约。我会把您的请求转给前台。",
    },
    B.NOTHING_BOOKED: {
        EN: "All right, nothing has been booked.",
        ES: "De acuerdo, no se reservó nada.",
        ZH: "好的，没有做任何预约。",
    },
    B.NOT_FOUND: {
        EN: "I could not find an upcoming appointment for that name and date of birth.",
        ES: "No encontré una cita próxima con ese nombre y esa fecha de nacimiento.",
        ZH: "我没有找到这个姓名和出生日期的预约。",
    },
    B.TRY_AGAIN: {
        EN: "Let's try once more.",
        ES: "Intentemos una vez más.",
        ZH: "我们再试一次。",
    },
    B.FOUND_ONE: {
        EN: "I found the appointment: a {type}, {when}, with {provider}.",
        ES: "Encontré la cita: {type}, {when}, con {provider}.",
        ZH: "找到了预约：{type}，{when}，医生是{provider}。",
    },
    B.FOUND_MANY: {
        EN: "I found these appointments. {slots}. Which one is it? Say or press the number.",
        ES: "Encontré estas citas. {slots}. ¿Cuál es? Diga u oprima el número.",
        ZH: "找到这些预约：{slots}。是哪一个？请说出或按下编号。",
    },
    B.ASK_CANCEL: {
        EN: "Shall I cancel it?",
        ES: "¿Quiere que la cancele?",
        ZH: "要取消吗？",
    },
    B.ASK_CONFIRM_VISIT: {
        EN: "Shall I confirm that the patient will come?",
        ES: "¿Confirmo que el paciente va a venir?",
        ZH: "要确认病人会按时来吗？",
    },
    B.CANCELLED: {
        EN: "The appointment {when} is cancelled.",
        ES: "La cita {when} quedó cancelada.",
        ZH: "{when}的预约已取消。",
    },
    B.CONFIRMED: {
        EN: "Thank you. The appointment {when} is confirmed.",
        ES: "Gracias. La cita {when} quedó confirmada.",
        ZH: "谢谢。{when}的预约已确认。",
    },
    B.KEPT: {
        EN: "All right, I have not changed anything.",
        ES: "De acuerdo, no cambié nada.",
        ZH: "好的，我没有做任何更改。",
    },
    B.SLOT_LINE: {
        EN: "{n}: {when}, with {provider} at {location}",
        ES: "{n}: {when}, con {provider} en {location}",
        ZH: "{n}：{when}，{provider}，{location}",
    },
    B.YES_NO: {
        EN: "Say yes or no, or press 1 for yes and 2 for no.",
        ES: "Diga sí o no, u oprima 1 para sí y 2 para no.",
        ZH: "请说“对”或“不对”，也可以按1表示对，按2表示不对。",
    },
}

_TEXT: dict[B, dict[Language, str]] = {
    B.CHOOSE_HINT: {
        EN: "Which one would you like? Reply with its number, or none.",
        ES: "¿Cuál prefiere? Responda con el número, o ninguno.",
        ZH: "您想要哪一个？请回复编号，都不合适请回复“都不要”。",
    },
    B.FOUND_MANY: {
        EN: "I found these appointments. {slots}. Which one is it? Reply with its number.",
        ES: "Encontré estas citas. {slots}. ¿Cuál es? Responda con el número.",
        ZH: "找到这些预约：{slots}。是哪一个？请回复编号。",
    },
    B.ASK_DOB_WORDS: {
        EN: "What is the patient's date of birth? For example: 03/14/1962.",
        ES: "¿Cuál es la fecha de nacimiento del paciente? Por ejemplo: 14/03/1962.",
        ZH: "请问病人的出生日期？例如：1962年3月14日。",
    },
    B.ASK_INSURANCE: {
        EN: "What insurance plan do you have? If you will pay yourself, reply self-pay.",
        ES: "¿Qué seguro médico tiene? Si va a pagar usted mismo, responda pago propio.",
        ZH: "请问您有什么医疗保险？如果自费，请回复“自费”。",
    },
    B.YES_NO: {
        EN: "Reply yes or no.",
        ES: "Responda sí o no.",
        ZH: "请回复“对”或“不对”。",
    },
}


def line(key: B, lang: Language, *, typed: bool = False, **values: object) -> str:
    """The booking line ``key`` in ``lang`` (typed wording when there is one), filled in."""
    table = _TEXT.get(key) if typed else None
    template = (table or _VOICE[key])[lang]
    return template.format(**values) if values else template


def keys() -> tuple[B, ...]:
    """Every booking phrase key (for completeness checks)."""
    return tuple(B)


def languages_of(key: B) -> frozenset[Language]:
    """Languages the spoken wording of ``key`` is written in."""
    return frozenset(_VOICE.get(key, {}))


def spoken_when(start: datetime, lang: Language) -> str:
    """A local start time as the caller hears it ("Monday, March 2 at 8:20 AM")."""
    hour, minute = start.hour, start.minute
    if lang is Language.ES:
        part = "de la mañana" if hour < 12 else ("de la tarde" if hour < 19 else "de la noche")
        return f"{calendar_date(start, lang)} {es_clock(start, part)}"
    if lang is Language.ZH:
        if hour < 12:
            part = "上午"
        elif hour == 12:
            part = "中午"
        elif hour < 18:
            part = "下午"
        else:
            part = "晚上"
        h12 = hour if hour <= 12 else hour - 12
        return f"{calendar_date(start, lang)}{part}{h12}:{minute:02d}"
    return f"{calendar_date(start, lang)} at {en_clock(start)}"


def slot_list(slots: tuple[SpokenSlot, ...], lang: Language) -> str:
    """Numbered slots for reading out, joined as the language joins a list."""
    parts = [
        line(
            B.SLOT_LINE,
            lang,
            n=index,
            when=spoken_when(slot.start, lang),
            provider=slot.provider_name,
            location=slot.location_name,
        )
        for index, slot in enumerate(slots, start=1)
    ]
    return ("；" if lang is Language.ZH else ". ").join(parts)
