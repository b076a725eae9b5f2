"""Text normalisation for speech-recognition-style caller utterances (en, es, zh)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from triageline.domain.triage.numbers import words_to_numbers, zh_numerals_to_digits
from triageline.domain.triage.types import Language

BOUNDARY = "."
"""Token standing for sentence punctuation; phrases never match across it."""
PAUSE = ","
"""Token standing for a comma (en/es): a gap may cross it, a negation's scope may not."""

_APOSTROPHES = str.maketrans({"’": "'", "‘": "'", "`": "'", "´": "'"})
_FULLWIDTH = str.maketrans(
    {
        "，": ",",
        "。": ".",
        "！": "!",
        "？": "?",
        "；": ";",
        "：": ":",
        "、": ",",
        "（": "(",
        "）": ")",
        "％": "%",
        "／": "/",
        "℃": "°c",
        "℉": "°f",
    }
)
_LATIN_TOKEN = re.compile(r"\d+(?:\.\d+)?|[a-z]+(?:'[a-z]+)*|[.,;:!?]|/|°")
_MARKS = re.compile("[\u0300-\u036f]")
_ZH_NOISE = re.compile(r"[\s\"'“”《》【】\[\]()（）~～…—-]+")
_ZH_BOUNDARY = re.compile(r"[,.;:!?]+")

# Spoken and misspelt variants mapped to one canonical word (applied after lower-casing).
_EN_SPELLING: dict[str, str] = {
    "cannot": "cant",
    "cheast": "chest",
    "ches": "chest",
    "brething": "breathing",
    "breating": "breathing",
    "breathin": "breathing",
    "breahting": "breathing",
    "breth": "breath",
    "stomache": "stomach",
    "stomachache": "stomach ache",
    "tummyache": "tummy ache",
    "bellyache": "belly ache",
    "headach": "headache",
    "hedache": "headache",
    "diarrea": "diarrhea",
    "diarhea": "diarrhea",
    "diarrhoea": "diarrhea",
    "diahrea": "diarrhea",
    "seizer": "seizure",
    "seizures": "seizure",
    "seazure": "seizure",
    "siezure": "seizure",
    "seisure": "seizure",
    "unconcious": "unconscious",
    "unconsious": "unconscious",
    "bleading": "bleeding",
    "bleedin": "bleeding",
    "temprature": "temperature",
    "temperture": "temperature",
    "tempature": "temperature",
    "feaver": "fever",
    "fevor": "fever",
    "fiever": "fever",
    "nausous": "nauseous",
    "vomitting": "vomiting",
    "vomming": "vomiting",
    "throwin": "throwing",
    "pregant": "pregnant",
    "pregnet": "pregnant",
    "pregnent": "pregnant",
    "perscription": "prescription",
    "prescripton": "prescription",
    "precription": "prescription",
    "apointment": "appointment",
    "appoinment": "appointment",
    "appointmnet": "appointment",
    "appt": "appointment",
    "inhailer": "inhaler",
    "incison": "incision",
    "inscision": "incision",
    "incission": "incision",
    "insicion": "incision",
    "incisions": "incision",
    "inhalor": "inhaler",
    "alergic": "allergic",
    "allergic": "allergic",
    "alergy": "allergy",
    "sucide": "suicide",
    "suicde": "suicide",
    "suacide": "suicide",
    "sucidal": "suicidal",
    "suicidle": "suicidal",
    "doesnt": "doesnt",
    "wont": "wont",
    "ok": "okay",
    "mins": "minutes",
    "min": "minutes",
    "hrs": "hours",
    "hr": "hours",
    "wks": "weeks",
    "wk": "weeks",
    "yrs": "years",
    "yr": "years",
    "mos": "months",
    "mo": "months",
    "degress": "degrees",
    "farenheit": "fahrenheit",
    "fahrenheight": "fahrenheit",
    "xray": "x ray",
    "mri": "mri",
    "numbness": "numbness",
    "numbnes": "numbness",
    "dizzyness": "dizziness",
    "dizzines": "dizziness",
    "ambulence": "ambulance",
    "insuline": "insulin",
    "insurence": "insurance",
    "tyleno": "tylenol",
    "blood thinners": "blood thinner",
}
_ES_SPELLING: dict[str, str] = {
    "fiebre": "fiebre",
    "fievre": "fiebre",
    "calentura": "calentura",
    "respira": "respira",
    "rrespirar": "respirar",
    "bomito": "vomito",
    "bomitos": "vomitos",
    "vomitando": "vomitando",
    "bomitando": "vomitando",
    "convulcion": "convulsion",
    "convulciones": "convulsiones",
    "combulsion": "convulsion",
    "ataques": "ataque",
    "embarasada": "embarazada",
    "enbarazada": "embarazada",
    "embarazo": "embarazo",
    "enbarazo": "embarazo",
    "sangrado": "sangrado",
    "sangra": "sangra",
    "receta": "receta",
    "resetas": "recetas",
    "reseta": "receta",
    "medisina": "medicina",
    "medicamento": "medicamento",
    "cita": "cita",
    "sita": "cita",
    "seguro": "seguro",
    "minutos": "minutos",
    "mins": "minutos",
    "hrs": "horas",
    "pecho": "pecho",
    "corazon": "corazon",
    "inconciente": "inconsciente",
    "inconsiente": "inconsciente",
    "insulina": "insulina",
    "ke": "que",
    "xq": "porque",
    "q": "que",
    "tmb": "tambien",
}


@dataclass(frozen=True, slots=True)
class NormalisedText:
    """An utterance reduced to comparable units: word tokens (en/es) or characters (zh)."""

    lang: Language
    units: tuple[str, ...]

    @property
    def text(self) -> str:
        """The units joined back into a string (spaces between words; none for zh)."""
        joiner = "" if self.lang is Language.ZH else " "
        return joiner.join(self.units)


def fold(text: str) -> str:
    """Lower-case, unify apostrophes and full-width punctuation, strip Latin accents."""
    text = unicodedata.normalize("NFKC", text).translate(_FULLWIDTH).lower()
    text = text.translate(_APOSTROPHES)
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", _MARKS.sub("", decomposed))


# English "'s" kept as part of the word ("she's" -> "shes"); on any other word it is a
# possessive or a spoken "is"/"has" and is dropped ("throat's tight" -> "throat tight").
_EN_S_KEPT = frozenset(
    ["he", "she", "it", "that", "there", "what", "who", "where", "here", "let", "how", "when"]
)
# Spoken g-dropping ("talkin", "breathin"): the -ing form when the stem is a known verb.
_EN_G_DROPPED = frozenset(
    [
        "talk",
        "breath",
        "bleed",
        "throw",
        "puk",
        "shak",
        "seiz",
        "burn",
        "hurt",
        "swell",
        "feel",
        "gett",
        "go",
        "com",
        "do",
        "hav",
        "mak",
        "tak",
        "keep",
        "pass",
        "sweat",
        "drool",
        "slurr",
        "twitch",
        "jerk",
        "wak",
        "respond",
        "answer",
        "mov",
        "walk",
        "stopp",
        "cry",
        "break",
        "itch",
        "ach",
        "runn",
        "poop",
        "pee",
        "vomit",
        "spitt",
        "cough",
        "wheez",
        "gasp",
        "chok",
        "fall",
        "faint",
        "los",
        "act",
        "turn",
        "pant",
        "bleed",
        "stagger",
        "mumbl",
        "slump",
        "swallow",
        "droop",
        "shiver",
        "cramp",
        "spott",
        "leak",
        "gush",
        "pour",
        "soak",
        "tingl",
    ]
)


_EN_ABBREVIATIONS = frozenset(["dr", "drs", "mr", "mrs", "ms", "st", "mt", "jr", "sr", "vs"])
"""English words whose following period is an abbreviation mark."""


def _en_word(raw: str) -> str:
    """One English token: possessive/contracted 's dropped on nouns, g-dropping restored."""
    if "'" in raw:
        if raw.endswith("'ll"):
            # "I'll", "we'll", "she'll": the future "will", not "ill"/"well"/"shell".
            return raw[:-3].replace("'", "") + " will"
        if raw.endswith("'s") and raw[:-2] not in _EN_S_KEPT:
            raw = raw[:-2]
        raw = raw.replace("'", "")
    if raw.endswith("in") and raw[:-2] in _EN_G_DROPPED and len(raw) > 4:
        return raw + "g"
    return raw


def latin_tokens(text: str, lang: Language) -> list[str]:
    """Split folded text into word tokens, spell-correcting and collapsing contractions."""
    spelling = _ES_SPELLING if lang is Language.ES else _EN_SPELLING
    english = lang is Language.EN
    out: list[str] = []
    for raw in _LATIN_TOKEN.findall(text):
        if raw in ",.;:!?":
            if raw == "." and english and out and out[-1] in _EN_ABBREVIATIONS:
                continue  # "Dr. Chen", "Mrs. Ortiz": a title, not a sentence end
            mark = PAUSE if raw == "," else BOUNDARY
            if not out or out[-1] == BOUNDARY:
                continue
            if out[-1] == PAUSE:
                out[-1] = mark
            else:
                out.append(mark)
            continue
        word = _en_word(raw) if english else raw.replace("'", "")
        word = spelling.get(word, word)
        out.extend(word.split())
    if lang is Language.EN:
        out = _join_can_not(out)
    return out


def _join_can_not(tokens: list[str]) -> list[str]:
    """Turn the spoken 'can not' into the single word 'cant'."""
    out: list[str] = []
    for word in tokens:
        if word == "not" and out and out[-1] == "can":
            out[-1] = "cant"
            continue
        out.append(word)
    return out


def normalise_word(text: str, lang: Language) -> tuple[str, ...]:
    """Units of one protocol word; plain lower-case ASCII words skip the full normaliser."""
    if lang is not Language.ZH and text.isascii() and text.isalpha() and text.islower():
        spelling = _ES_SPELLING if lang is Language.ES else _EN_SPELLING
        if text not in spelling:
            return tuple(words_to_numbers([text], lang))
    return normalise(text, lang).units


def normalise(text: str, lang: Language) -> NormalisedText:
    """Normalise an utterance (or a protocol phrase) for matching in the given language."""
    return normalise_folded(fold(text), lang)


def normalise_folded(folded: str, lang: Language) -> NormalisedText:
    """``normalise`` for text already passed through ``fold`` (folded once per utterance)."""
    if lang is Language.ZH:
        return NormalisedText(lang, tuple(_zh_units(folded)))
    tokens = words_to_numbers(latin_tokens(folded, lang), lang)
    while tokens and tokens[-1] in (BOUNDARY, PAUSE):
        tokens.pop()
    return NormalisedText(lang, tuple(tokens))


_ZH_HOMOPHONES: tuple[tuple[str, str], ...] = (
    ("新口", "心口"),
    ("心口罩", "新口罩"),
    ("胸扣", "胸口"),
    ("一岛素", "胰岛素"),
    ("胰导素", "胰岛素"),
    ("移岛素", "胰岛素"),
    ("抗宁", "抗凝"),
    ("抗拧", "抗凝"),
    ("公缩", "宫缩"),
    ("宫索", "宫缩"),
    ("阳水", "羊水"),
    ("洋水", "羊水"),
    ("抽疯", "抽风"),
    ("嘴外", "嘴歪"),
    ("遇约", "预约"),
    ("予约", "预约"),
    ("个张单", "个账单"),
    ("帐单", "账单"),
    ("心机梗", "心肌梗"),
    ("颠痫", "癫痫"),
    ("癫闲", "癫痫"),
    ("过民", "过敏"),
    ("羊癫风", "羊癫疯"),
    ("付帐", "付账"),
    ("坏孕", "怀孕"),
    ("呼吸困蓝", "呼吸困难"),
    ("中疯", "中风"),
    ("哮揣", "哮喘"),
    ("胎洞", "胎动"),
    ("噎主", "噎住"),
    ("抽畜", "抽搐"),
)
"""Speech-recognition homophone errors in Mandarin (same or near-same pinyin) and their fix."""
_ZH_HOMOPHONE_FIRST = frozenset(w[0] for w, _ in _ZH_HOMOPHONES)


def _zh_homophones(text: str) -> str:
    """Replace common Mandarin ASR homophone errors (新口 -> 心口, 一岛素 -> 胰岛素)."""
    if not any(ch in _ZH_HOMOPHONE_FIRST for ch in text):
        return text
    for wrong, right in _ZH_HOMOPHONES:
        if wrong in text:
            text = text.replace(wrong, right)
    return text


def _zh_units(folded: str) -> str:
    """Chinese is matched character by character; Latin words stay as lower-case letters."""
    text = _ZH_NOISE.sub("", folded)
    text = _zh_homophones(text)
    text = _ZH_BOUNDARY.sub(BOUNDARY, text)
    text = zh_numerals_to_digits(text)
    return text.strip(BOUNDARY)
