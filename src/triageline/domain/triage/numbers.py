"""Numbers said as words ("a hundred and one point five", "ciento uno", "三十九度五") to digits."""

from __future__ import annotations

from triageline.domain.triage.types import Language

_EN_UNITS = {
    "zero": 0,
    "oh": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
}
_EN_TENS = {
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fourty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
}
_ES_UNITS = {
    "cero": 0,
    "uno": 1,
    "un": 1,
    "una": 1,
    "dos": 2,
    "tres": 3,
    "cuatro": 4,
    "cinco": 5,
    "seis": 6,
    "siete": 7,
    "ocho": 8,
    "nueve": 9,
    "diez": 10,
    "once": 11,
    "doce": 12,
    "trece": 13,
    "catorce": 14,
    "quince": 15,
    "dieciseis": 16,
    "diecisiete": 17,
    "dieciocho": 18,
    "diecinueve": 19,
    "veinte": 20,
    "veintiuno": 21,
    "veintiun": 21,
    "veintidos": 22,
    "veintitres": 23,
    "veinticuatro": 24,
    "veinticinco": 25,
    "veintiseis": 26,
    "veintisiete": 27,
    "veintiocho": 28,
    "veintinueve": 29,
}
_ES_TENS = {
    "treinta": 30,
    "cuarenta": 40,
    "cincuenta": 50,
    "sesenta": 60,
    "setenta": 70,
    "ochenta": 80,
    "noventa": 90,
}
_ES_HUNDREDS = {
    "cien": 100,
    "ciento": 100,
    "doscientos": 200,
    "doscientas": 200,
    "trescientos": 300,
    "cuatrocientos": 400,
    "quinientos": 500,
}
_POINT = {"point", "dot", "punto", "coma"}
_HALF = {"half", "medio", "media"}


def _value(word: str, lang: Language) -> tuple[str, int] | None:
    """Classify a word as (kind, value): unit, tens, hundred, hundreds or digit."""
    if word.isdigit():
        return ("digit", int(word))
    if lang is Language.ES:
        if word in _ES_UNITS:
            return ("unit", _ES_UNITS[word])
        if word in _ES_TENS:
            return ("tens", _ES_TENS[word])
        if word in _ES_HUNDREDS:
            return ("hundreds", _ES_HUNDREDS[word])
        if word == "mil":
            return ("thousand", 1000)
        return None
    if word in _EN_UNITS:
        return ("unit", _EN_UNITS[word])
    if word in _EN_TENS:
        return ("tens", _EN_TENS[word])
    if word == "hundred":
        return ("hundred", 100)
    if word == "thousand":
        return ("thousand", 1000)
    return None


_EN_STARTERS = frozenset({*_EN_UNITS, *_EN_TENS, "hundred", "thousand", "a", "an"})
_ES_STARTERS = frozenset({*_ES_UNITS, *_ES_TENS, *_ES_HUNDREDS, "mil"})


def words_to_numbers(tokens: list[str], lang: Language) -> list[str]:
    """Replace runs of number words with digit strings; other tokens pass through unchanged."""
    out: list[str] = []
    i = 0
    n = len(tokens)
    starters = _ES_STARTERS if lang is Language.ES else _EN_STARTERS
    while i < n:
        word = tokens[i]
        if word not in starters and not word.isdigit():
            out.append(word)
            i += 1
            continue
        j, number = _parse_number(tokens, i, lang)
        if j == i:
            out.append(tokens[i])
            i += 1
            continue
        out.extend(number.split(" "))
        i = j
    return out


def _is_article_for_number(tokens: list[str], i: int, lang: Language) -> bool:
    """'a hundred', 'a half': an English article that belongs to the number after it."""
    if lang is not Language.EN or tokens[i] not in {"a", "an"} or i + 1 >= len(tokens):
        return False
    return tokens[i + 1] in {"hundred", "thousand"}


def _parse_number(tokens: list[str], start: int, lang: Language) -> tuple[int, str]:
    """Parse one spoken number at start; returns (end index, digits) or (start, '')."""
    chunks: list[int] = []
    current: int | None = None
    last_kind = ""
    i = start
    n = len(tokens)
    if _is_article_for_number(tokens, i, lang):
        current = 1
        last_kind = "unit"
        i += 1
    consumed_any = current is not None
    while i < n:
        word = tokens[i]
        info = _value(word, lang)
        if info is None:
            if word in {"and", "y"} and current is not None and i + 1 < n:
                nxt = _value(tokens[i + 1], lang)
                joins_tens = lang is Language.ES and last_kind == "tens"
                joins_hundred = lang is Language.EN and last_kind in {"hundred", "thousand"}
                if nxt is not None and nxt[0] == "unit" and (joins_tens or joins_hundred):
                    i += 1
                    continue
                if nxt is not None and nxt[0] in {"unit", "tens"} and joins_hundred:
                    i += 1
                    continue
            break
        kind, value = info
        if word == "oh" and (current is None or i + 1 >= n or _value(tokens[i + 1], lang) is None):
            break
        if lang is Language.ES and kind == "unit" and value == 1 and not consumed_any:
            # "un"/"una" are mostly articles; keep them unless a number word follows.
            nxt = _value(tokens[i + 1], lang) if i + 1 < n else None
            if word in {"un", "una"} and nxt is None:
                break
        if kind == "digit":
            if (
                lang is Language.EN
                and last_kind == "digit"
                and word.isdigit()
                and (tokens[i - 1].isdigit())
            ):
                # Two typed numbers in a row are two readings ("185 125"), not one number.
                break
            if current is not None:
                chunks.append(current)
            current = value
            last_kind = "digit"
        elif kind == "unit":
            if current is not None and last_kind in {"tens", "hundred", "hundreds", "thousand"}:
                if last_kind == "tens" or current % 100 == 0 or (current % 100) >= 20:
                    if last_kind == "tens" and current % 10 != 0:
                        chunks.append(current)
                        current = value
                    else:
                        current += value
                else:
                    chunks.append(current)
                    current = value
            else:
                if current is not None:
                    chunks.append(current)
                current = value
            last_kind = "unit"
        elif kind == "tens":
            if current is not None and last_kind in {"hundred", "hundreds", "thousand"}:
                current += value
            else:
                if current is not None:
                    chunks.append(current)
                current = value
            last_kind = "tens"
        elif kind == "hundred":
            current = (current if current is not None and last_kind == "unit" else 1) * 100
            last_kind = "hundred"
        elif kind == "hundreds":
            if current is not None:
                chunks.append(current)
            current = value
            last_kind = "hundreds"
        else:
            current = (current if current is not None else 1) * 1000
            last_kind = "thousand"
        consumed_any = True
        i += 1
    if current is None:
        return start, ""
    chunks.append(current)
    if lang is Language.ES and len(chunks) > 1:
        return i, _es_chunks(chunks, tokens[i] if i < n else "")
    digits = "".join(str(c) for c in chunks) if len(chunks) > 1 else str(chunks[0])
    # Fractions: "point five", "punto cinco", "and a half", "y medio".
    if i + 1 < n and tokens[i] in _POINT:
        frac: list[str] = []
        k = i + 1
        while k < n:
            info = _value(tokens[k], lang)
            if info is None or info[0] not in {"unit", "digit"} or (info[1] > 9 and not frac):
                if info is not None and info[0] == "digit" and not frac:
                    frac.append(str(info[1]))
                    k += 1
                break
            frac.append(str(info[1]))
            k += 1
        if frac:
            return k, f"{digits}.{''.join(frac)}"
    half_at = _half_suffix(tokens, i, lang)
    if half_at:
        return half_at, f"{digits}.5"
    return i, digits


_ES_TIME_WORDS = frozenset(
    ["dias", "dia", "horas", "hora", "semanas", "semana", "meses", "mes", "anos", "ano", "veces"]
)


def _es_chunks(chunks: list[int], following: str) -> str:
    """Spanish runs of several numbers: "treinta y ocho tres" is 38.3; "185 125" stays two.

    Spanish never reads a number digit group by digit group ("one ninety six" in English), so
    adjacent numbers are separate readings, except a body temperature followed by one digit.
    """
    first, second = chunks[0], chunks[1]
    if (
        len(chunks) == 2
        and 34 <= first <= 43
        and 0 <= second <= 9
        and following not in _ES_TIME_WORDS
    ):
        return f"{first}.{second}"
    return " ".join(str(c) for c in chunks)


def _half_suffix(tokens: list[str], i: int, lang: Language) -> int:
    """Index after 'and a half' / 'y medio' at i, or 0 when absent."""
    if lang is Language.EN and tokens[i : i + 3] == ["and", "a", "half"]:
        return i + 3
    if lang is Language.ES and len(tokens) > i + 1 and tokens[i] == "y" and tokens[i + 1] in _HALF:
        return i + 2
    return 0


_ZH_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_ZH_MULT = {"十": 10, "百": 100, "千": 1000}
_ZH_NUMERAL_CHARS = set(_ZH_DIGITS) | set(_ZH_MULT)
# Words where numerals are not numbers; left untouched.
_ZH_IDIOMS = (
    "一直",
    "一下",
    "一些",
    "一样",
    "一定",
    "一起",
    "一会",
    "一边",
    "一阵",
    "一般",
    "一切",
    "万一",
    "十分",
    "一旦",
    "一整",
    "一口",
    "一身",
    "一动",
    "一点点",
    "统一",
    "一侧",
    "一边",
    "一吃",
    "一喝",
    "一碰",
    "一次性",
    "三高",
    "一晚上",
    "一晚",
    "一天到晚",
    "不一",
    "七上八下",
)


_IDIOM_FIRST = frozenset(w[0] for w in _ZH_IDIOMS)


def zh_numerals_to_digits(text: str) -> str:
    """Convert Chinese numerals to Arabic digits ("三十九度五" -> "39度5", "一百零四" -> "104")."""
    out: list[str] = []
    i = 0
    n = len(text)
    while i < n:
        idiom = (
            next((w for w in _ZH_IDIOMS if text.startswith(w, i)), None)
            if text[i] in _IDIOM_FIRST
            else None
        )
        if idiom == "十分" and text.startswith("十分钟", i):
            idiom = None
        if idiom is not None:
            out.append(idiom)
            i += len(idiom)
            continue
        if text[i] not in _ZH_NUMERAL_CHARS:
            out.append(text[i])
            i += 1
            continue
        j = _zh_run_end(text, i)
        run = text[i:j]
        value = _zh_run_value(run)
        out.append(run if value is None else value)
        # "三十八点五": a decimal point followed by more numerals.
        if value is not None and j + 1 < n and text[j] == "点" and text[j + 1] in _ZH_DIGITS:
            k = j + 1
            frac = ""
            while k < n and text[k] in _ZH_DIGITS:
                frac += str(_ZH_DIGITS[text[k]])
                k += 1
            out.append("." + frac)
            j = k
        if value is not None and j < n and text[j] in _ZH_NUMERAL_CHARS:
            out.append("/")  # two numbers said back to back ("一百八十五一百二十五")
        i = j
    return "".join(out)


def _zh_run_end(text: str, start: int) -> int:
    """End of one Chinese number: "一百八十五一百二十五" is two numbers (185, 125), not one."""
    j = start
    smallest: int | None = None
    while j < len(text) and text[j] in _ZH_NUMERAL_CHARS:
        mult = _ZH_MULT.get(text[j])
        if mult is not None:
            if smallest is not None and mult >= smallest and j - 1 > start:
                # A multiplier no smaller than one already used starts a new number at its digit.
                return j - 1 if text[j - 1] in _ZH_DIGITS else j
            smallest = mult
        elif smallest is not None and text[j - 1] in _ZH_DIGITS and text[j - 1] not in "零〇":
            # "一百四九十": 140 then 90 - two digits in a row after a multiplier.
            return j
        j += 1
    return j


def _zh_run_value(run: str) -> str | None:
    """Value of a run of Chinese numerals as a digit string (None if malformed)."""
    if all(ch in _ZH_DIGITS for ch in run):
        if len(run) == 1:
            return str(_ZH_DIGITS[run])
        if len(run) == 2 and _ZH_DIGITS[run[1]] == _ZH_DIGITS[run[0]] + 1:
            # "五六个小时", "两三天": a spoken range; the upper end counts.
            return str(_ZH_DIGITS[run[1]])
        return "".join(str(_ZH_DIGITS[ch]) for ch in run)
    total = 0
    current = 0
    for ch in run:
        if ch in _ZH_DIGITS:
            current = _ZH_DIGITS[ch]
        else:
            mult = _ZH_MULT[ch]
            total += (current or 1) * mult
            current = 0
    total += current
    # "一百五" means 150; "三千二" means 3200: a trailing digit after a multiplier scales down.
    if len(run) >= 3 and run[-1] in _ZH_DIGITS and run[-2] in {"百", "千"}:
        scale = _ZH_MULT[run[-2]] // 10
        total += current * (scale - 1)
    return str(total)
