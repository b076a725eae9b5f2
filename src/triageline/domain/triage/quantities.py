"""Numbers with units in an utterance: temperature, age, pregnancy weeks, pressure, duration."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from triageline.domain.triage.normalise import NormalisedText
from triageline.domain.triage.types import Language

_NUM = re.compile(r"^\d+(?:\.\d+)?$")
_DEGREE = frozenset(
    [
        "degrees",
        "degree",
        "grados",
        "grado",
        "°",
        "f",
        "c",
        "fahrenheit",
        "celsius",
        "centigrados",
        "centigrado",
    ]
)
_CELSIUS = frozenset(["c", "celsius", "centigrados", "centigrado"])
_FAHRENHEIT = frozenset(("f", "fahrenheit"))
_TEMP_CONTEXT = frozenset(
    [
        "fever",
        "temp",
        "temperature",
        "temperatures",
        "febrile",
        "thermometer",
        "fiebre",
        "calentura",
        "temperatura",
        "termometro",
        "reads",
        "read",
        "running",
    ]
)
_NOT_TEMP_AFTER = frozenset(
    [
        "weeks",
        "week",
        "months",
        "month",
        "years",
        "year",
        "days",
        "day",
        "hours",
        "hour",
        "minutes",
        "minute",
        "over",
        "sobre",
        "/",
        "pounds",
        "lbs",
        "mg",
        "ml",
        "percent",
        "semanas",
        "semana",
        "meses",
        "mes",
        "anos",
        "ano",
        "dias",
        "dia",
        "horas",
        "hora",
        "minutos",
        "minuto",
        "libras",
        "kilos",
        "old",
        "times",
        "veces",
        "pills",
        "pastillas",
        "tablets",
        "units",
        "unidades",
    ]
)
_AGE_UNITS: dict[str, float] = {
    "day": 1,
    "days": 1,
    "dia": 1,
    "dias": 1,
    "week": 7,
    "weeks": 7,
    "semana": 7,
    "semanas": 7,
    "month": 30.4,
    "months": 30.4,
    "mes": 30.4,
    "meses": 30.4,
    "year": 365,
    "years": 365,
    "ano": 365,
    "anos": 365,
}
_DURATION_UNITS: dict[str, float] = {
    "minute": 1,
    "minutes": 1,
    "minuto": 1,
    "minutos": 1,
    "hour": 60,
    "hours": 60,
    "hora": 60,
    "horas": 60,
    "day": 1440,
    "days": 1440,
    "dia": 1440,
    "dias": 1440,
    "second": 1 / 60,
    "seconds": 1 / 60,
    "segundos": 1 / 60,
}
_CHILD_WORDS = frozenset(
    [
        "baby",
        "babys",
        "infant",
        "newborn",
        "son",
        "daughter",
        "kid",
        "child",
        "grandson",
        "granddaughter",
        "boy",
        "girl",
        "bebe",
        "bebes",
        "bebita",
        "bebito",
        "nino",
        "nina",
        "hijo",
        "hija",
        "nieto",
        "nieta",
        "nene",
        "nena",
        "criatura",
        "nenito",
        "nenita",
        "recien",
        "chiquito",
        "chiquita",
        "hijito",
        "hijita",
        "bebecito",
        "bebecita",
        "nietecito",
        "nietecita",
        "chamaco",
        "chamaca",
        "chamaquito",
        "chamaquita",
        "mijo",
        "mija",
        "chiquillo",
        "chiquilla",
    ]
)
_PREGNANCY_WORDS = frozenset(
    [
        "pregnant",
        "pregnancy",
        "along",
        "gestation",
        "embarazada",
        "embarazo",
        "gestacion",
        "encinta",
        "panzona",
        "prenada",
        "embarazadita",
        "gestante",
        "contractions",
        "contracciones",
        "labor",
        "parto",
        "due",
        "kicking",
        "fetal",
    ]
)
_ARTICLE_ONE = frozenset(("a", "an", "un", "una"))
_MORE_THAN = frozenset(("over", "than", "mas", "more"))
_AGO = frozenset(("ago",))
_SINCE = frozenset(("hace",))
_PRESSURE_WORDS = frozenset(["pressure", "bp", "presion", "tension"])
_BP_LOWER_WORDS = frozenset(["bottom", "lower", "diastolic"])
_BP_UPPER_WORDS = frozenset(["top", "upper", "systolic"])
_TEMP_LEADS = frozenset(["at", "hit", "hitting", "reached", "reaching", "spiked", "spiking", "to"])
# A bare reading after a lead word ("been at 103 on and off") is a temperature only when the
# clause ends or goes on with a connective ("at 101 Main Street" is an address).
_TEMP_LEAD_FOLLOWERS = frozenset(
    [
        "",
        ".",
        ",",
        "and",
        "but",
        "all",
        "since",
        "for",
        "today",
        "tonight",
        "now",
        "this",
        "on",
        "again",
        "still",
        "even",
        "with",
        "last",
        "off",
        "or",
        "yesterday",
        "earlier",
    ]
)
# English "I'm 36 weeks", "she is 20 weeks", "32 weeks and bleeding": pregnancy weeks unsaid.
_EN_PREGNANT_BEFORE = frozenset(
    ["im", "am", "is", "shes", "at", "almost", "nearly", "about", "wife", "girlfriend", "partner"]
)
_EN_NOT_PREGNANCY_AFTER = frozenset(
    ["ago", "old", "of", "out", "post", "after", "from", "since", "with", "straight", "later"]
)
_EN_NOT_PREGNANCY_AFTER |= {"postpartum", "into", "in", "past", "sober", "clean"}
_EN_HEDGES = frozenset(["only", "just", "about", "almost", "nearly", "like", "around", "already"])


def _en_pregnancy_weeks(
    value: float, unit: str, before: Sequence[str], after: Sequence[str], not_pregnancy: bool
) -> bool:
    """English weeks of pregnancy said without the word, even with a child word elsewhere.

    "I'm 33 weeks" (said of oneself, an adult), "she's only 35 weeks" (20 weeks or more, not
    said of a child: a baby's age that old is given in months); never "6 weeks old" or a spell.
    """
    if unit not in {"week", "weeks"} or not_pregnancy or not 4 <= value <= 42:
        return False
    if after[1:2] and after[1] in _EN_NOT_PREGNANCY_AFTER:
        return False
    lead = [w for w in before if w not in _EN_HEDGES]
    if lead[-1:] in (["im"], ["am"]):
        return True
    return (
        value >= 20
        and bool(lead)
        and lead[-1] in _EN_PREGNANT_BEFORE | {"shes", "is", "was"}
        and not any(w in _CHILD_WORDS for w in before)
    )


@dataclass(frozen=True, slots=True)
class Quantities:
    """Facts read from the text; None when not said."""

    temperature_f: float | None = None
    age_days: float | None = None
    pregnancy_weeks: float | None = None
    bp_systolic: float | None = None
    bp_diastolic: float | None = None
    duration_minutes: float | None = None
    evidence: dict[str, str] = field(default_factory=dict)

    def facts(self) -> dict[str, float]:
        """The facts that were said, keyed by fact name."""
        out: dict[str, float] = {}
        for name in (
            "temperature_f",
            "age_days",
            "pregnancy_weeks",
            "bp_systolic",
            "bp_diastolic",
            "duration_minutes",
        ):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        return out


def to_fahrenheit(value: float, unit: str | None) -> float | None:
    """A thermometer reading in °F, guessing the scale from the value when unsaid."""
    if unit == "c" or (unit is None and 34.0 <= value <= 43.5):
        return round(value * 9 / 5 + 32, 1)
    if unit == "f" or (unit is None and 93.0 <= value <= 110.0):
        return value
    return None


def extract(norm: NormalisedText) -> Quantities:
    """Read temperature, age, pregnancy weeks, blood pressure and duration from an utterance."""
    if norm.lang is Language.ZH:
        return _extract_zh(norm.text)
    if norm.lang is Language.ES:
        return _extract_latin(_es_tenths(_es_halves(norm.units)), spanish=True)
    return _extract_latin(norm.units)


def _num(token: str) -> float | None:
    """A token's numeric value, if it is a number."""
    return float(token) if _NUM.match(token) else None


# Where a Spanish reading was taken ("37.2 en la axila", "38 rectal"): the number is a temperature.
_ES_TEMP_SITES = frozenset(["axila", "axilar", "sobaco", "rectal", "recto", "oido", "frente"])
_ES_HALF_UNITS = frozenset(["mes", "meses", "semana", "semanas", "ano", "anos", "hora", "horas"])
_ES_PLURAL = {"mes": "meses", "semana": "semanas", "ano": "anos", "hora": "horas"}


def _es_tenths(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Spanish tenths of a degree: "38 con 5 (décimas)" -> "38.5" (35-42 and one digit only)."""
    if "con" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if (
            token.isdigit()
            and 35 <= int(token) <= 42
            and tokens[i + 1 : i + 2] == ("con",)
            and i + 2 < len(tokens)
            and len(tokens[i + 2]) == 1
            and tokens[i + 2].isdigit()
        ):
            out.append(f"{token}.{tokens[i + 2]}")
            i += 4 if tokens[i + 3 : i + 4] == ("decimas",) else 3
            continue
        out.append(token)
        i += 1
    return tuple(out)


def _es_halves(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """Spanish halves: "2 meses y medio" -> "2.5 meses"; "mes y medio" -> "1.5 meses"."""
    if "medio" not in tokens and "media" not in tokens:
        return tokens
    out: list[str] = []
    i = 0
    while i < len(tokens):
        unit = tokens[i]
        if unit in _ES_HALF_UNITS and tokens[i + 1 : i + 3] in (("y", "medio"), ("y", "media")):
            if out and _NUM.match(out[-1]):
                out[-1] = str(float(out[-1]) + 0.5)
                out.append(unit)
            else:
                out.extend(("1.5", _ES_PLURAL.get(unit, unit)))
            i += 3
            continue
        out.append(unit)
        i += 1
    return tuple(out)


_ES_PREGNANT_VERBS = frozenset(["tengo", "tiene", "llevo", "lleva", "cumpli", "cumplio", "va"])
_ES_PREGNANT_STATE = frozenset(["estoy", "esta", "ando", "anda", "voy", "va"])
_ES_NOT_PREGNANCY_AFTER = frozenset(["con", "de", "sin", "que", "enferm", "tosiendo", "malo"])


def _es_pregnancy_idiom(
    value: float, unit: str, before: tuple[str, ...], after: tuple[str, ...]
) -> float | None:
    """Weeks of pregnancy said without the word: "tengo 32 semanas", "estoy de 8 meses", "36 weeks".

    Only readings in the range of a visible pregnancy count, and not a spell of illness
    ("tengo 3 semanas con tos", "desde hace 2 meses").
    """
    if after[1:2] and after[1] in _ES_NOT_PREGNANCY_AFTER:
        return None
    if any(w in {"hace", "desde", "por", "durante"} for w in before[-2:]):
        return None
    weeks_unit = unit in {"semana", "semanas", "week", "weeks"}
    if weeks_unit and 12 <= value <= 42:
        if unit in {"week", "weeks"} and value >= 20:
            return value
        if before[-1:] and before[-1] in _ES_PREGNANT_VERBS:
            return value
        if before[-2:-1] and before[-2] in _ES_PREGNANT_STATE and before[-1] == "de":
            return value
    said_state = bool(before[-2:-1]) and before[-2] in _ES_PREGNANT_STATE and before[-1] == "de"
    if unit in {"mes", "meses"} and 3 <= value <= 10 and said_state:
        return round(value * 4.33, 1)
    return None


def _extract_latin(tokens: tuple[str, ...], *, spanish: bool = False) -> Quantities:
    """Quantities from English or Spanish tokens."""
    temps: list[float] = []
    ages: list[float] = []
    weeks: list[float] = []
    durations: list[float] = []
    systolic: float | None = None
    diastolic: float | None = None
    evidence: dict[str, str] = {}
    n = len(tokens)
    has_child = not _CHILD_WORDS.isdisjoint(tokens)
    for i, token in enumerate(tokens):
        value = _num(token) if token[:1].isdigit() else None
        if value is None and token in _ARTICLE_ONE and i + 1 < n and tokens[i + 1] in _AGE_UNITS:
            value = 1.0
        if value is None:
            continue
        nxt = tokens[i + 1] if i + 1 < n else ""
        after = tokens[i + 1 : i + 5]
        before = tokens[max(0, i - 4) : i]
        # Blood pressure as two readings in a row: "185 125", "presión 190 115".
        low_next = _num(nxt) if nxt else None
        if (
            low_next is not None
            and 90 <= value <= 300
            and 40 <= low_next <= 200
            and low_next <= value - 15
            and not (tokens[i + 2 : i + 3] and tokens[i + 2] in _AGE_UNITS)
        ):
            systolic = max(systolic or 0, value)
            diastolic = max(diastolic or 0, low_next)
            evidence["bp"] = f"{token} {nxt}"
            continue
        # Blood pressure: "196 over 121", "196 / 121", "190 sobre 120".
        # Spanish also says "185 con 130" (both numbers in range, so "38 con 5" stays a fever).
        if (nxt in {"over", "/", "sobre", "slash"} or (spanish and nxt == "con")) and i + 2 < n:
            low = _num(tokens[i + 2])
            if low is not None and 60 <= value <= 300 and 30 <= low <= 200:
                systolic = max(systolic or 0, value)
                diastolic = max(diastolic or 0, low)
                evidence["bp"] = f"{token} {nxt} {tokens[i + 2]}"
                continue
        if (
            any(w in _BP_LOWER_WORDS for w in before[-3:])
            and 40 <= value <= 200
            and nxt not in _AGE_UNITS
        ):
            diastolic = max(diastolic or 0, value)
            evidence.setdefault("bp", " ".join((*before[-1:], token)))
            continue
        if (
            any(w in _PRESSURE_WORDS or w in _BP_UPPER_WORDS for w in before)
            and 90 <= value <= 300
            and nxt not in _AGE_UNITS
        ):
            systolic = max(systolic or 0, value)
            evidence.setdefault("bp", " ".join((*before[-1:], token)))
            continue
        if before[-1:] == ("born",) and nxt in _AGE_UNITS:
            ages.append(value * _AGE_UNITS[nxt])
            evidence.setdefault("age", f"born {token} {nxt}")
            continue
        if nxt in _AGE_UNITS or (nxt in {"and", "y"} and after[1:2] and after[1] in _AGE_UNITS):
            unit_token = nxt if nxt in _AGE_UNITS else after[1]
            rest = tokens[i + 2 : i + 6]
            pregnant_ctx = any(w in _PREGNANCY_WORDS for w in tokens[max(0, i - 4) : i + 6])
            aged = (
                bool(rest)
                and rest[0] in {"old", "olds", "de"}
                and (
                    rest[0] != "de"
                    or (
                        len(rest) > 1 and rest[1] in {"nacido", "nacida", "vida", "edad", "nacidos"}
                    )
                )
            )
            baby_before = any(w in _CHILD_WORDS for w in before)
            spell = bool(before) and before[-1] in {
                "for",
                "por",
                "durante",
                "since",
                "desde",
                "past",
                "last",
            }
            if spell:
                aged = baby_before = False
            if not spanish and _en_pregnancy_weeks(value, unit_token, before, after, aged or spell):
                weeks.append(value)
                evidence.setdefault("pregnancy_weeks", f"{token} {unit_token}")
                continue
            if (aged or baby_before) and _past_age(before, spanish):
                continue  # "at two weeks old she had jaundice": an age then, not now
            if not aged and not pregnant_ctx and _said_age(before, unit_token, value, spanish):
                aged = True  # "now she's 2 months", "ahora tiene 2 meses"
            if (
                aged
                or (baby_before and not pregnant_ctx)
                or (
                    has_child
                    and not pregnant_ctx
                    and not spell
                    and unit_token not in _DURATION_UNITS
                )
            ):
                ages.append(value * _AGE_UNITS[unit_token])
                evidence.setdefault("age", f"{token} {unit_token}")
                continue
            if pregnant_ctx and unit_token in {"week", "weeks", "semana", "semanas"}:
                weeks.append(value)
                evidence.setdefault("pregnancy_weeks", f"{token} {unit_token}")
                continue
            if pregnant_ctx and unit_token in {"month", "months", "mes", "meses"}:
                weeks.append(round(value * 4.33, 1))
                evidence.setdefault("pregnancy_weeks", f"{token} {unit_token}")
                continue
            idiom = (
                _es_pregnancy_idiom(value, unit_token, tuple(before), tuple(after))
                if spanish and not has_child
                else None
            )
            if idiom is not None:
                weeks.append(idiom)
                evidence.setdefault("pregnancy_weeks", f"{token} {unit_token}")
                continue
            if (
                not spanish
                and not has_child
                and unit_token in {"week", "weeks"}
                and 4 <= value <= 42
                and (not before or before[-1] in _EN_PREGNANT_BEFORE or before[-1] == ".")
                and not (after[1:2] and after[1] in _EN_NOT_PREGNANCY_AFTER)
            ):
                weeks.append(value)
                evidence.setdefault("pregnancy_weeks", f"{token} {unit_token}")
                continue
        if nxt in _DURATION_UNITS:
            ago = any(w in _AGO for w in after[1:3]) or any(w in _SINCE for w in before[-2:])
            if ago and (_since(tokens, i, before, after) or _last_anchor(tokens, i)):
                ago = False  # a spell up to now: "hace 10 horas que no", "last peed 14 h ago"
            if not ago:
                minutes = value * _DURATION_UNITS[nxt]
                if before and before[-1] in _MORE_THAN:
                    minutes += 1 if nxt.startswith("minut") else 0.5 * _DURATION_UNITS[nxt]
                durations.append(minutes)
                evidence.setdefault("duration", f"{token} {nxt}")
            continue
        if nxt in _NOT_TEMP_AFTER:
            continue
        unit: str | None = None
        if nxt in _DEGREE:
            unit_word = (
                nxt
                if nxt not in {"degrees", "degree", "grados", "grado", "°"}
                else (tokens[i + 2] if i + 2 < n else "")
            )
            unit = "c" if unit_word in _CELSIUS else "f" if unit_word in _FAHRENHEIT else None
        elif "." in token and (100.0 <= value <= 107.0 or 37.5 <= value <= 42.0):
            unit = None
        elif (
            not any(w in _TEMP_CONTEXT for w in before)
            and not (
                before[-1:]
                and before[-1] in _TEMP_LEADS
                and 100.0 <= value <= 107.0
                and nxt in _TEMP_LEAD_FOLLOWERS
            )
            and not any(
                w in {"fever", "fiebre", "calentura", "temperatura", "temperature"}
                for w in after[:2]
            )
            and not (spanish and any(w in _ES_TEMP_SITES for w in after[:3]))
        ):
            continue
        fahrenheit = to_fahrenheit(value, unit)
        if fahrenheit is not None:
            temps.append(fahrenheit)
            evidence.setdefault("temperature", token if unit is None else f"{token} {nxt}")
    if not spanish and not ages:
        ages.extend(_en_bare_age(tokens, evidence))
    for i, token in enumerate(tokens):
        if token in {"newborn", "newborns"} or tokens[i : i + 2] in (
            ("recien", "nacido"),
            ("recien", "nacida"),
            ("new", "born"),
        ):
            ages.append(14.0)
            evidence.setdefault("age", token)
    durations.extend(_named_durations(tokens, evidence))
    if _last_said(tokens):
        durations.extend(_named_durations(tokens, evidence, _NAMED_SINCE_LAST))
    return Quantities(
        temperature_f=max(temps) if temps else None,
        age_days=min(ages) if ages else None,
        pregnancy_weeks=max(weeks) if weeks else None,
        bp_systolic=systolic,
        bp_diastolic=diastolic,
        duration_minutes=max(durations) if durations else None,
        evidence=evidence,
    )


_EN_BARE_AGE_LEADS = frozenset(["hes", "shes", "is"])
_EN_BARE_AGE_END = frozenset(["", ".", ",", "and", "but", "now", "so", "with", "yrs", "years"])


def _en_bare_age(tokens: tuple[str, ...], evidence: dict[str, str]) -> list[float]:
    """A child's age said as a bare number: "she's 2", "he is 4 and ..." (1-17, clause end)."""
    out: list[float] = []
    if _EN_BARE_AGE_LEADS.isdisjoint(tokens):
        return out
    for i, token in enumerate(tokens):
        if not token.isdigit() or not 1 <= int(token) <= 17:
            continue
        lead = tokens[max(0, i - 2) : i]
        said = lead[-1:] in (("hes",), ("shes",)) or lead in (("he", "is"), ("she", "is"))
        nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
        if said and nxt in _EN_BARE_AGE_END:
            out.append(int(token) * 365.0)
            evidence.setdefault("age", " ".join((*lead[-1:], token)))
    return out


def _said_age(before: Sequence[str], unit: str, value: float, spanish: bool) -> bool:
    """An age said of a person without "old": "he's 3 weeks", "tiene 2 meses", "tiene 2 años"."""
    short = unit in {"day", "days", "dia", "dias", "year", "years", "ano", "anos"} or (
        unit in {"week", "weeks", "semana", "semanas"} and value < 12
    )
    if spanish:
        return before[-1:] in (("tiene",), ("cumplio",)) and (short or unit in {"mes", "meses"})
    return before[-1:] in (("hes",), ("shes",)) and (short or unit in {"month", "months"})


def _past_age(before: Sequence[str], spanish: bool) -> bool:
    """An age said of the past: "at 2 weeks old", "when she was 2 weeks old", "a las 2 semanas"."""
    lead = [w for w in before if w not in _EN_HEDGES]
    if spanish:
        return tuple(lead[-2:]) in (("a", "las"), ("a", "los")) or "cuando" in lead[-3:]
    if lead[-1:] == ["at"]:
        return True
    return "when" in lead[-3:] and lead[-1:] in (["was"], ["were"])


_LAST_WORDS = frozenset(["last", "ultima", "ultimo"])


def _last_anchor(tokens: tuple[str, ...], i: int) -> bool:
    """'last' earlier in the same sentence: "the last time he peed was 14 hours ago" is a
    spell of 14 hours without it, up to now (so is "la última vez ... fue hace 10 horas")."""
    for j in range(i - 1, -1, -1):
        if tokens[j] == ".":
            return False
        if tokens[j] in _LAST_WORDS:
            return True
    return False


def _since(tokens: tuple[str, ...], i: int, before: Sequence[str], after: Sequence[str]) -> bool:
    """Spanish spells said with "hace": "desde hace 15 horas", "hace 10 horas que no orina"."""
    if before[-2:] == ("desde", "hace") or tuple(before[-3:-1]) == ("desde", "hace"):
        return True
    return tuple(after[1:2]) == ("que",) and tuple(after[2:3]) in (("no",), ("sin",))


_NAMED_DURATIONS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("all", "day"), 720),
    (("whole", "day"), 720),
    (("since", "yesterday"), 1440),
    (("since", "last", "night"), 720),
    (("since", "this", "morning"), 480),
    (("all", "night"), 480),
    (("todo", "el", "dia"), 720),
    (("desde", "ayer"), 1440),
    (("desde", "anoche"), 720),
    (("desde", "la", "manana"), 480),
    (("toda", "la", "noche"), 480),
    (("half", "an", "hour"), 30),
    (("media", "hora"), 30),
)


_NAMED_SINCE_LAST: tuple[tuple[tuple[str, ...], float], ...] = (
    (("yesterday",), 1440),
    (("last", "night"), 720),
    (("this", "morning"), 480),
    (("ayer",), 1440),
    (("anoche",), 720),
    (("en", "la", "manana"), 480),
    (("esta", "manana"), 480),
)
"""When something last happened, said as a named time ("the last time he peed was yesterday"):
the same spells as "since yesterday", "since last night", "since this morning"."""
_NOT_AN_ANCHOR = frozenset(["night", "week", "month", "year", "weekend", "visit", "appointment"])


def _last_said(tokens: tuple[str, ...]) -> bool:
    """A "last time"/"última vez" anchor (not "last night", "last week", "last visit")."""
    for i, token in enumerate(tokens):
        if token in _LAST_WORDS:
            nxt = tokens[i + 1] if i + 1 < len(tokens) else ""
            if nxt not in _NOT_AN_ANCHOR:
                return True
    return False


def _named_durations(
    tokens: tuple[str, ...],
    evidence: dict[str, str],
    table: tuple[tuple[tuple[str, ...], float], ...] | None = None,
) -> list[float]:
    """Durations said without a number ("all day", "desde ayer")."""
    joined = f" {' '.join(tokens)} "
    out: list[float] = []
    for words, minutes in _NAMED_DURATIONS if table is None else table:
        phrase = " ".join(words)
        if f" {phrase} " in joined:
            out.append(minutes)
            evidence.setdefault("duration", phrase)
    return out


_ZH_NUM = r"(\d+(?:\.\d+)?)"
_ZH_TEMP = (
    re.compile(_ZH_NUM + r"度(\d)(?!\d)"),
    re.compile(_ZH_NUM + r"(?:度|°c|°)"),
    re.compile(r"(?:体温|温度|发烧|发热|烧到|烧了|量了|高烧|低烧)[^\d]{0,3}" + _ZH_NUM),
    # "一量38.5", "额温37.9", "烧38.2": a measuring word then a plausible reading.
    re.compile(
        r"(?:量|测|额温|耳温|腋温|肛温|烧)[^\d]{0,3}" + r"((?:3[5-9]|4[0-2])(?:\.\d)?)(?!\d)"
    ),
    # A bare decimal reading in the body-temperature range is a temperature.
    re.compile(r"(?<![\d./])((?:3[5-9]|4[0-2])\.\d)(?![\d/]|公斤|斤|kg|元|块|米|厘米|毫)"),
)
_ZH_AGE = (
    re.compile(
        _ZH_NUM
        + r"(?:个)?(?:多|半)?(月|周|星期|礼拜|天|岁)(?:多|半)?"
        + r"(?:大|的(?:宝宝|孩子|婴儿|小孩|儿子|女儿|宝|小宝宝|娃|闺女|孙子|孙女))"
    ),
    re.compile(
        r"(?:出生|生下来|刚生)(?:才|刚|刚刚|有|了)?"
        + _ZH_NUM
        + r"(?:个)?(?:多|半)?(月|周|星期|礼拜|天)"
    ),
    re.compile(
        r"(?:宝宝|孩子|婴儿|小孩|儿子|女儿|孙子|孙女|新生儿|娃|闺女|小宝|外孙|外孙女)"
        + r"(?:才|刚|刚刚|今年|现在|有|还不到|不到|刚满|满)?"
        + _ZH_NUM
        + r"(?:个)?(?:多|半)?(月|周|星期|礼拜|天|岁)"
    ),
    re.compile(_ZH_NUM + r"岁"),
)
_ZH_CHILD_WORDS = ("孩子", "宝宝", "婴儿", "小孩", "儿子", "女儿", "娃", "闺女", "孙子", "孙女")
_ZH_AGE_NOW = re.compile(
    r"现在(?:才|刚|都|已经)?" + _ZH_NUM + r"(?:个)?(?:多|半)?(月|周|星期|礼拜|天|岁)(?:了|大)"
)
_ZH_PAST_AGE = ("的时候", "时候", "时", "那会", "那时", "大的时候", "大时", "大那")
_ZH_AGE_UNITS = {"月": 30.4, "周": 7, "星期": 7, "礼拜": 7, "天": 1, "岁": 365}
_ZH_PREGNANCY = (
    re.compile(
        r"(?:怀孕|孕|怀了|身孕|怀着|怀上)(?:了|已经|快|到|才|刚|有)?"
        + _ZH_NUM
        + r"(?:个)?(?:多|半)?(周|星期|礼拜|月)"
    ),
    re.compile(_ZH_NUM + r"(?:个)?(?:多|半)?(周|星期|礼拜|月)的(?:身孕|孕)"),
)
# Weeks said without "怀孕" count as pregnancy weeks only beside an obstetric word.
_ZH_OBSTETRIC_CUES = ("羊水", "破水", "宫缩", "胎动", "胎儿", "见红", "预产期", "产检", "孕")
_ZH_BARE_WEEKS = re.compile(_ZH_NUM + r"(?:多)?(?:个)?(周|星期|礼拜)(?!大|的宝|的孩|的婴)")
_ZH_AGE_UNDER = re.compile(
    r"(?:不到|没到|不满|没满|还不到)" + _ZH_NUM + r"(?:个)?(月|周|星期|礼拜|天)"
)
_ZH_NAMED_AGES = (("没满月", 20.0), ("不满月", 20.0), ("还在月子", 20.0), ("刚满月", 30.0))
_ZH_BP = (
    re.compile(_ZH_NUM + r"/" + _ZH_NUM),
    re.compile(r"高压" + _ZH_NUM + r".{0,2}低压" + _ZH_NUM),
    re.compile(_ZH_NUM + r"(?:比|到)" + _ZH_NUM),
)
_ZH_SYSTOLIC = re.compile(r"(?:血压|高压)[^\d]{0,3}" + _ZH_NUM)
_ZH_DURATION = re.compile(
    r"(?:超过|多于|快|将近)?"
    + _ZH_NUM
    + r"(?:多|几|来)?(?:个)?(?:多)?(分钟|分|小时|钟头|天)(?!前|以前|之前)"
)
_ZH_LAST = re.compile(r"上次|上1次|最后1次|最后那次")
"""A last-time anchor: "上一次尿尿是十四个小时以前" is fourteen hours without it, up to now."""
_ZH_NAMED_SINCE_LAST: tuple[tuple[str, float], ...] = (
    ("昨天晚上", 720.0),
    ("昨晚", 720.0),
    ("昨天夜里", 720.0),
    ("昨天", 1440.0),
    ("今天早上", 480.0),
    ("今早", 480.0),
)
_ZH_AGO_SPELL = re.compile(
    _ZH_NUM + r"(?:多|几|来)?(?:个)?(?:多)?(分钟|小时|钟头|天)(?:多)?(?:以前|之前|前)"
)
_ZH_DURATION_UNITS = {"分钟": 1, "分": 1, "小时": 60, "钟头": 60, "天": 1440}
_ZH_NAMED_DURATIONS = (
    ("一整天", 720),
    ("从昨天", 1440),
    ("昨天到现在", 1440),
    ("一晚上", 480),
    ("半小时", 30),
    ("半个小时", 30),
)


def _extract_zh(text: str) -> Quantities:
    """Quantities from normalised Chinese (numerals already converted to digits)."""
    evidence: dict[str, str] = {}
    temps: list[float] = []
    for k, pattern in enumerate(_ZH_TEMP):
        for m in pattern.finditer(text):
            value = float(m.group(1))
            if k == 0:
                value = float(f"{m.group(1).split('.')[0]}.{m.group(2)}")
            unit = "c" if "°c" in m.group(0) else None
            if "华氏" in text:
                unit = "f"
            fahrenheit = to_fahrenheit(value, unit)
            if fahrenheit is not None:
                temps.append(fahrenheit)
                evidence.setdefault("temperature", m.group(0))
    ages: list[float] = []
    for pattern in _ZH_AGE:
        for m in pattern.finditer(text):
            if text.startswith(_ZH_PAST_AGE, m.end()):
                continue  # "两周大的时候住过院": an age then, not now
            unit = m.group(2) if m.lastindex and m.lastindex >= 2 else "岁"
            ages.append(float(m.group(1)) * _ZH_AGE_UNITS[unit])
            evidence.setdefault("age", m.group(0))
    for m in _ZH_AGE_UNDER.finditer(text):
        ages.append(float(m.group(1)) * _ZH_AGE_UNITS[m.group(2)] - 1)
        evidence.setdefault("age", m.group(0))
    if not ages and any(w in text for w in _ZH_CHILD_WORDS):
        for m in _ZH_AGE_NOW.finditer(text):
            ages.append(float(m.group(1)) * _ZH_AGE_UNITS[m.group(2)])
            evidence.setdefault("age", m.group(0))
    for word, days in _ZH_NAMED_AGES:
        if word in text:
            ages.append(days)
            evidence.setdefault("age", word)
    if any(w in text for w in ("新生儿", "刚出生", "刚生的", "出生没几天")):
        ages.append(14.0)
        evidence.setdefault("age", "新生儿")
    weeks: list[float] = []
    for pattern in _ZH_PREGNANCY:
        for m in pattern.finditer(text):
            value = float(m.group(1))
            weeks.append(round(value * 4.33, 1) if m.group(2) == "月" else value)
            evidence.setdefault("pregnancy_weeks", m.group(0))
    if not weeks and any(cue in text for cue in _ZH_OBSTETRIC_CUES):
        for m in _ZH_BARE_WEEKS.finditer(text):
            if 4 <= float(m.group(1)) <= 45:
                weeks.append(float(m.group(1)))
                evidence.setdefault("pregnancy_weeks", m.group(0))
    systolic: float | None = None
    diastolic: float | None = None
    for pattern in _ZH_BP:
        for m in pattern.finditer(text):
            high, low = float(m.group(1)), float(m.group(2))
            if 60 <= high <= 300 and 30 <= low <= 200:
                systolic, diastolic = max(systolic or 0, high), max(diastolic or 0, low)
                evidence.setdefault("bp", m.group(0))
    if systolic is None:
        for m in _ZH_SYSTOLIC.finditer(text):
            value = float(m.group(1))
            if 90 <= value <= 300:
                systolic = value
                evidence.setdefault("bp", m.group(0))
    durations: list[float] = []
    if _ZH_LAST.search(text):
        for m in _ZH_AGO_SPELL.finditer(text):
            count = float(m.group(1)) + (5 if "几" in m.group(0) else 0)
            durations.append(count * _ZH_DURATION_UNITS[m.group(2)])
            evidence.setdefault("duration", m.group(0))
        for word, minutes in _ZH_NAMED_SINCE_LAST:
            if word in text:
                durations.append(minutes)
                evidence.setdefault("duration", word)
                break
    for m in _ZH_DURATION.finditer(text):
        count = float(m.group(1)) + (5 if "几" in m.group(0) else 0)  # "十几个小时" ~ 15
        minutes = count * _ZH_DURATION_UNITS[m.group(2)]
        if m.group(0).startswith(("超过", "多于")) or "多" in m.group(0) or "来" in m.group(0):
            minutes += 1
        durations.append(minutes)
        evidence.setdefault("duration", m.group(0))
    for word, minutes in _ZH_NAMED_DURATIONS:
        if word in text:
            durations.append(minutes)
            evidence.setdefault("duration", word)
    return Quantities(
        temperature_f=max(temps) if temps else None,
        age_days=min(ages) if ages else None,
        pregnancy_weeks=max(weeks) if weeks else None,
        bp_systolic=systolic,
        bp_diastolic=diastolic,
        duration_minutes=max(durations) if durations else None,
        evidence=evidence,
    )
