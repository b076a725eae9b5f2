"""Calendar words and clock phrasing shared by caller-facing lines (en/es/zh)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime

from triageline.domain.triage.types import Language

WEEKDAYS: Mapping[Language, tuple[str, ...]] = {
    Language.EN: ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
    Language.ES: ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
    Language.ZH: ("星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"),
}
"""Weekday names, Monday first (``date.weekday()`` order)."""

MONTHS: Mapping[Language, tuple[str, ...]] = {
    Language.EN: (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
    Language.ES: (
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ),
}
"""Month names, January first; Chinese writes months as numerals (``3月``)."""


def weekday_name(day: date, lang: Language) -> str:
    """The weekday of ``day`` in ``lang`` ("Monday", "lunes", "星期一")."""
    return WEEKDAYS[lang][day.weekday()]


def hour12(hour: int) -> int:
    """The hour on a 12-hour clock (12, 1, ..., 11)."""
    return hour % 12 or 12


def en_clock(moment: datetime) -> str:
    """An English clock time: "8:00 AM", "1:30 PM"."""
    return f"{hour12(moment.hour)}:{moment.minute:02d} {'AM' if moment.hour < 12 else 'PM'}"


def es_clock(moment: datetime, period: str) -> str:
    """A Spanish clock time with its part of the day: "a las 8:00 de la mañana"."""
    hour = hour12(moment.hour)
    article = "a la" if hour == 1 else "a las"
    return f"{article} {hour}:{moment.minute:02d} {period}"


def calendar_date(day: date, lang: Language) -> str:
    """A full calendar day: "Monday, March 2", "el lunes 2 de marzo", "3月2日星期一"."""
    weekday = weekday_name(day, lang)
    if lang is Language.ES:
        return f"el {weekday} {day.day} de {MONTHS[Language.ES][day.month - 1]}"
    if lang is Language.ZH:
        return f"{day.month}月{day.day}日{weekday}"
    return f"{weekday}, {MONTHS[Language.EN][day.month - 1]} {day.day}"
