"""Reading short caller answers: yes/no, phone numbers, dates of birth, language names."""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from enum import StrEnum

from triageline.domain.triage.types import Language


class YesNo(StrEnum):
    """A caller's answer to a yes/no question."""

    YES = "yes"
    NO = "no"
    UNCLEAR = "unclear"


_YES_WORDS = {
    "yes", "yeah", "yep", "yup", "correct", "right", "sure", "ok", "okay", "affirmative",
    "si", "claro", "correcto", "exacto", "eso", "asi", "cierto", "vale", "bueno", "afirmativo",
}  # fmt: skip
_NO_WORDS = {
    "no", "nope", "nah", "wrong", "incorrect", "not", "negative", "nothing", "none",
    "incorrecto", "nada", "tampoco", "equivocado",
}  # fmt: skip
_ZH_NO = ("不是", "不对", "不用", "没有", "不要", "错", "不", "没")
_ZH_YES = ("是的", "对的", "对", "是", "好的", "好", "没错", "嗯", "可以", "行")
_NOTHING_ELSE = (
    "that's all", "that is all", "nothing else", "no thanks", "no thank you", "i'm good",
    "eso es todo", "nada mas", "es todo", "ya no", "就这些", "没有了", "没事了", "不用了",
)  # fmt: skip


def _fold(text: str) -> str:
    """Lower case without accents (sí -> si), for matching short answers."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z']+", _fold(text))


def yes_or_no(text: str) -> YesNo:
    """Classify a short spoken or typed answer (digit 1 = yes, 2 = no)."""
    stripped = text.strip()
    if stripped in {"1", "1#"}:
        return YesNo.YES
    if stripped in {"2", "2#"}:
        return YesNo.NO
    folded = _fold(stripped)
    if any(phrase in folded for phrase in _NOTHING_ELSE):
        return YesNo.NO
    for token in _ZH_NO:
        if token in stripped:
            return YesNo.NO
    for token in _ZH_YES:
        if token in stripped:
            return YesNo.YES
    words = _words(stripped)
    if not words:
        return YesNo.UNCLEAR
    has_no = any(word in _NO_WORDS for word in words)
    has_yes = any(word in _YES_WORDS for word in words)
    if has_no and not has_yes:
        return YesNo.NO
    if has_yes and not has_no:
        return YesNo.YES
    if has_no and has_yes:
        # "no, that's right" is rare; "yes... no wait" is ambiguous: ask again.
        return YesNo.UNCLEAR
    return YesNo.UNCLEAR


_DIGIT_WORDS = {
    "zero": "0", "oh": "0", "one": "1", "two": "2", "three": "3", "four": "4",
    "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
    "cero": "0", "uno": "1", "una": "1", "dos": "2", "tres": "3", "cuatro": "4", "cinco": "5",
    "seis": "6", "siete": "7", "ocho": "8", "nueve": "9",
}  # fmt: skip
_ZH_DIGITS = {
    "零": "0", "〇": "0", "一": "1", "幺": "1", "二": "2", "两": "2", "三": "3", "四": "4",
    "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}  # fmt: skip
_MULTIPLIERS = {"double": 2, "triple": 3, "doble": 2}


def digits_in(text: str) -> str:
    """Every digit a caller said or typed, in order ("four one five, 867..." -> "415867...")."""
    out: list[str] = []
    repeat = 1
    for token in re.findall(r"\d|[a-z]+|[\u4e00-\u9fff〇]", _fold(text)):
        if token.isdigit():
            out.append(token * repeat)
            repeat = 1
        elif token in _MULTIPLIERS:
            repeat = _MULTIPLIERS[token]
        elif token in _DIGIT_WORDS:
            out.append(_DIGIT_WORDS[token] * repeat)
            repeat = 1
        elif token in _ZH_DIGITS:
            out.append(_ZH_DIGITS[token] * repeat)
            repeat = 1
    return "".join(out)


def phone_number(raw: str | None) -> str | None:
    """A callable number in E.164 from caller ID or what the caller said/typed, else None.

    Ten digits are a North American number; eleven starting with 1 likewise; other numbers of
    8 to 15 digits given with a leading ``+`` are kept as international.
    """
    if raw is None:
        return None
    international = raw.strip().startswith("+")
    digits = re.sub(r"\D", "", raw) if international else digits_in(raw)
    if len(digits) == 10 and digits[0] not in "01":
        return "+1" + digits
    if len(digits) == 11 and digits[0] == "1" and digits[1] not in "01":
        return "+" + digits
    if international and 8 <= len(digits) <= 15:
        return "+" + digits
    return None


def read_back(number: str) -> str:
    """A number spoken digit by digit in groups ("+14158675309" -> "4 1 5, 8 6 7, 5 3 0 9")."""
    digits = re.sub(r"\D", "", number)
    if len(digits) == 11 and digits.startswith("1"):
        digits = digits[1:]
    if len(digits) == 10:
        groups = [digits[:3], digits[3:6], digits[6:]]
    else:
        groups = [digits[i : i + 3] for i in range(0, len(digits), 3)]
    return ", ".join(" ".join(group) for group in groups)


_LANGUAGE_NAMES: dict[Language, tuple[str, ...]] = {
    Language.EN: ("english", "ingles"),
    Language.ES: ("spanish", "espanol", "castellano"),
    Language.ZH: ("chinese", "mandarin", "中文", "普通话", "国语", "汉语", "华语"),
}


def language_named(text: str) -> Language | None:
    """The language a short utterance asks for ("español", "中文"), if that is all it says."""
    folded = _fold(text).strip(" .!?¿¡。！？")
    for lang, names in _LANGUAGE_NAMES.items():
        for name in names:
            if folded == name or (
                len(folded) <= len(name) + 12 and re.search(rf"(^|\W){name}($|\W)", folded)
            ):
                return lang
    return None


_ME = {
    "me", "myself", "it's me", "its me", "it is me", "for me", "i am", "i'm the patient",
    "me myself", "yo", "yo mismo", "yo misma", "soy yo", "para mi", "es para mi",
    "我", "我自己", "本人", "是我", "我本人",
}  # fmt: skip


def means_me(text: str) -> bool:
    """True when the caller says the patient is themself ("me", "yo", "我")."""
    folded = _fold(text).strip(" .!?¿¡。！？,")
    return folded in _ME or text.strip() == "1"


def dob_from_digits(digits: str, lang: Language, today: date) -> str | None:
    """An ISO date from eight typed digits in the order the prompt asked for, if plausible.

    English asks month-day-year, Spanish day-month-year, Chinese year-month-day.
    """
    if not re.fullmatch(r"\d{8}", digits):
        return None
    if lang is Language.ZH:
        year, month, day = digits[:4], digits[4:6], digits[6:]
    elif lang is Language.ES:
        day, month, year = digits[:2], digits[2:4], digits[4:]
    else:
        month, day, year = digits[:2], digits[2:4], digits[4:]
    try:
        born = date(int(year), int(month), int(day))
    except ValueError:
        return None
    if born > today or today.year - born.year > 125:
        return None
    return born.isoformat()


def dob_from_text(text: str, lang: Language, today: date) -> str | None:
    """The date of birth as the caller gave it: ISO when typed as digits, else their words.

    Returns None when the answer cannot be a date of birth (empty, or digits that are not one).
    """
    stripped = text.strip()
    if not stripped:
        return None
    compact = re.sub(r"[\s/.\-]", "", stripped)
    if compact.isdigit():
        if len(compact) == 8:
            return dob_from_digits(compact, lang, today)
        year_first = re.fullmatch(r"(\d{4})[/.\-](\d{1,2})[/.\-](\d{1,2})", stripped)
        if year_first is not None:
            year, month, day = year_first.groups()
            return dob_from_digits(year + month.zfill(2) + day.zfill(2), Language.ZH, today)
        separated = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", stripped)
        if separated is None:
            return None
        first, second, year = separated.groups()
        order = Language.EN if lang is Language.ZH else lang
        return dob_from_digits(first.zfill(2) + second.zfill(2) + year, order, today)
    if not re.search(r"\d|[a-z]{3,}|[\u4e00-\u9fff]", _fold(stripped)):
        return None
    return stripped
