"""Understanding a caller's booking answers in en/es/zh: dates of birth, days, choices, plans."""

from __future__ import annotations

import re
import unicodedata
from datetime import date

from triageline.domain.dialogue.parsing import dob_from_digits, dob_from_text
from triageline.domain.phrasing import MONTHS
from triageline.domain.triage.types import Language

_EN_MONTH_NAMES = tuple(name.lower() for name in MONTHS[Language.EN])
_ES_MONTHS = MONTHS[Language.ES]
_WEEKDAY_WORDS: dict[str, int] = {
    "monday": 0,
    "mon": 0,
    "tuesday": 1,
    "tue": 1,
    "tues": 1,
    "wednesday": 2,
    "wed": 2,
    "thursday": 3,
    "thu": 3,
    "thur": 3,
    "thurs": 3,
    "friday": 4,
    "fri": 4,
    "saturday": 5,
    "sat": 5,
    "sunday": 6,
    "sun": 6,
    "lunes": 0,
    "martes": 1,
    "miercoles": 2,
    "jueves": 3,
    "viernes": 4,
    "sabado": 5,
    "domingo": 6,
}
_ZH_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_CHOICE_WORDS: dict[str, int] = {
    "one": 1,
    "first": 1,
    "1st": 1,
    "two": 2,
    "second": 2,
    "2nd": 2,
    "three": 3,
    "third": 3,
    "3rd": 3,
    "uno": 1,
    "una": 1,
    "primer": 1,
    "primero": 1,
    "primera": 1,
    "dos": 2,
    "segundo": 2,
    "segunda": 2,
    "tres": 3,
    "tercer": 3,
    "tercero": 3,
    "tercera": 3,
}
_NONE_WORDS = frozenset(
    {"none", "neither", "nothing", "no", "ninguno", "ninguna", "ningun", "ningunos", "nada"}
)
_ZH_NONE = ("都不", "不要", "没有合适", "都不行")
_SELF_PAY = (
    "self pay",
    "selfpay",
    "no insurance",
    "dont have insurance",
    "do not have insurance",
    "uninsured",
    "cash",
    "pago propio",
    "sin seguro",
    "no tengo seguro",
    "particular",
    "efectivo",
    "自费",
    "没有保险",
    "没保险",
)
_SELF_PAY_WORDS = frozenset({"none", "no", "ninguno", "ninguna", "nada", "没有", "无"})


def fold(text: str) -> str:
    """Lower case, accents removed, punctuation to spaces, runs of spaces collapsed."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    kept = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    kept = kept.replace("'", "").replace("’", "")
    kept = re.sub(r"[^\w\u4e00-\u9fff]+", " ", kept)
    return " ".join(kept.split())


def _plausible(year: int, month: int, day: int, today: date) -> str | None:
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    if born > today or today.year - born.year > 125:
        return None
    return born.isoformat()


def birth_date(text: str, lang: Language, today: date) -> str | None:
    """An ISO date of birth from what the caller said or typed, or None when it is not one."""
    typed = dob_from_text(text, lang, today)
    if typed is not None and re.fullmatch(r"\d{4}-\d{2}-\d{2}", typed):
        return typed
    raw = text.strip()
    zh = re.search(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?", raw)
    if zh:
        return _plausible(int(zh[1]), int(zh[2]), int(zh[3]), today)
    words = fold(raw)
    words = re.sub(r"\b(\d{1,2})(?:st|nd|rd|th)\b", r"\1", words)
    month_first = re.search(r"\b([a-z]{3,})\s+(\d{1,2})\s+(\d{4})\b", words)
    if month_first:
        month = _month(month_first[1])
        if month:
            return _plausible(int(month_first[3]), month, int(month_first[2]), today)
    day_first = re.search(
        r"\b(\d{1,2})\s+(?:de\s+|of\s+)?([a-z]{3,})\s+(?:de\s+|del\s+)?(\d{4})\b", words
    )
    if day_first:
        month = _month(day_first[2])
        if month:
            return _plausible(int(day_first[3]), month, int(day_first[1]), today)
    digits = re.sub(r"\D", "", raw)
    if len(digits) == 8 and not re.search(r"[a-z\u4e00-\u9fff]", words):
        return dob_from_digits(digits, lang, today)
    return None


def _month(word: str) -> int | None:
    if word in _ES_MONTHS:
        return _ES_MONTHS.index(word) + 1
    if word == "setiembre":
        return 9
    for index, name in enumerate(_EN_MONTH_NAMES):
        if name.startswith(word) and len(word) >= 3:
            return index + 1
    return None


def weekdays_in(text: str) -> tuple[int, ...]:
    """Weekdays (0 = Monday) the caller named, in order, without repeats."""
    found: list[int] = []
    for word in fold(text).split():
        day = _WEEKDAY_WORDS.get(word)
        if day is not None and day not in found:
            found.append(day)
    for match in re.finditer(r"(?:星期|周|礼拜)([一二三四五六日天])", text):
        day = _ZH_WEEKDAYS[match[1]]
        if day not in found:
            found.append(day)
    return tuple(found)


def time_of_day_in(text: str) -> str:
    """``morning``, ``afternoon``, ``evening`` or ``any``, from the caller's words."""
    folded = fold(text)
    words = folded.split()
    if "morning" in words or re.search(r"\b(?:la|por|en)\s+manana\b", folded):
        return "morning"
    if "上午" in text or "早上" in text or "早晨" in text:
        return "morning"
    if "afternoon" in words or "tarde" in words or "下午" in text:
        return "afternoon"
    if "evening" in words or "noche" in words or "晚上" in text:
        return "evening"
    return "any"


def choice_in(text: str, count: int) -> int | None:
    """The 1-based option the caller chose among ``count``, 0 for "none", None when unclear."""
    folded = fold(text)
    words = folded.split()
    if any(marker in text for marker in _ZH_NONE) or (words and words[0] in _NONE_WORDS):
        return 0
    picked: int | None = None
    digits = re.findall(r"\d+", folded)
    if len(digits) == 1 and len(digits[0]) == 1:
        picked = int(digits[0])
    else:
        for word in words:
            if word in _CHOICE_WORDS:
                picked = _CHOICE_WORDS[word]
                break
        zh = re.search(r"第?([一二两三])(?:个|號|号)?", text)
        if picked is None and zh:
            picked = {"一": 1, "二": 2, "两": 2, "三": 3}[zh[1]]
    if picked is None or not 1 <= picked <= count:
        return None
    return picked


def insurance_in(text: str) -> str | None:
    """The plan the caller named, or None for self-pay / no insurance."""
    folded = fold(text)
    if any(marker in folded or marker in text for marker in _SELF_PAY):
        return None
    if folded in _SELF_PAY_WORDS or text.strip() in _SELF_PAY_WORDS:
        return None
    return text.strip()
