"""Language identification among English, Spanish and Chinese: script first, then a lexicon."""

from __future__ import annotations

import re
from collections.abc import Iterable

from triageline.domain.triage.normalise import fold
from triageline.domain.triage.types import Language

_WORD = re.compile(r"[a-zñ]+")
_ES_MARKS = re.compile(r"[ñáéíóú¿¡]")

_EN_WORDS = frozenset(
    [
        "the",
        "a",
        "an",
        "and",
        "is",
        "are",
        "was",
        "were",
        "i",
        "im",
        "my",
        "me",
        "he",
        "she",
        "his",
        "her",
        "him",
        "it",
        "its",
        "we",
        "our",
        "you",
        "your",
        "they",
        "their",
        "this",
        "that",
        "to",
        "of",
        "in",
        "on",
        "at",
        "for",
        "with",
        "have",
        "has",
        "had",
        "do",
        "does",
        "did",
        "dont",
        "doesnt",
        "cant",
        "wont",
        "not",
        "no",
        "yes",
        "please",
        "hi",
        "hello",
        "can",
        "could",
        "would",
        "should",
        "will",
        "just",
        "like",
        "been",
        "be",
        "being",
        "what",
        "when",
        "where",
        "how",
        "why",
        "who",
        "which",
        "there",
        "here",
        "now",
        "today",
        "tomorrow",
        "yesterday",
        "night",
        "morning",
        "out",
        "up",
        "down",
        "back",
        "hurts",
        "hurting",
        "pain",
        "fever",
        "baby",
        "son",
        "daughter",
        "wife",
        "husband",
        "mom",
        "mother",
        "dad",
        "father",
        "breathing",
        "chest",
        "need",
        "want",
        "call",
        "doctor",
        "appointment",
        "refill",
        "prescription",
        "bill",
        "insurance",
        "been",
        "really",
        "very",
        "some",
        "any",
        "from",
        "about",
        "into",
        "after",
        "before",
        "since",
        "because",
        "but",
        "or",
        "so",
        "if",
        "than",
        "then",
        "too",
        "also",
        "thanks",
        "thank",
        "okay",
        "ok",
        "hes",
        "shes",
        "theyre",
        "youre",
        "ive",
        "id",
        "ill",
        "its",
        "dont",
        "isnt",
        "wasnt",
    ]
)
_ES_WORDS = frozenset(
    [
        "el",
        "la",
        "los",
        "las",
        "un",
        "una",
        "unos",
        "unas",
        "y",
        "o",
        "que",
        "de",
        "del",
        "en",
        "con",
        "por",
        "para",
        "es",
        "son",
        "esta",
        "estan",
        "estoy",
        "fue",
        "era",
        "mi",
        "mis",
        "tu",
        "su",
        "sus",
        "yo",
        "el",
        "ella",
        "nosotros",
        "usted",
        "le",
        "les",
        "lo",
        "me",
        "se",
        "te",
        "nos",
        "al",
        "como",
        "cuando",
        "donde",
        "porque",
        "pero",
        "muy",
        "mas",
        "menos",
        "si",
        "no",
        "tiene",
        "tengo",
        "tienen",
        "hay",
        "ha",
        "he",
        "han",
        "puede",
        "puedo",
        "quiero",
        "necesito",
        "hijo",
        "hija",
        "esposo",
        "esposa",
        "mama",
        "papa",
        "bebe",
        "nino",
        "nina",
        "dolor",
        "fiebre",
        "calentura",
        "pecho",
        "respirar",
        "cita",
        "receta",
        "doctora",
        "doctor",
        "medico",
        "ayuda",
        "favor",
        "gracias",
        "hola",
        "buenos",
        "buenas",
        "dias",
        "tardes",
        "noches",
        "ahora",
        "hoy",
        "ayer",
        "manana",
        "desde",
        "hace",
        "anos",
        "meses",
        "semanas",
        "horas",
        "minutos",
        "todo",
        "nada",
        "algo",
        "tambien",
        "ya",
        "le",
        "duele",
        "sangre",
        "sangrando",
        "embarazada",
        "seguro",
        "factura",
        "oficina",
        "hablar",
        "con",
    ]
)


_HAN = re.compile("[\u4e00-\u9fff\u3400-\u4dbf]")


def _han_count(text: str) -> int:
    """Number of CJK ideographs."""
    return 0 if text.isascii() else len(_HAN.findall(text))


class LanguageDetector:
    """Script plus lexicon scoring; extra vocabulary comes from the protocol packs."""

    def __init__(
        self, en_vocabulary: Iterable[str] = (), es_vocabulary: Iterable[str] = ()
    ) -> None:
        """Build the lexicons; pack words only seen in one language count as evidence for it."""
        en_extra = set(en_vocabulary)
        es_extra = set(es_vocabulary)
        self._en_words = _EN_WORDS
        self._es_words = _ES_WORDS
        self._en_pack = frozenset(en_extra - es_extra - _ES_WORDS)
        self._es_pack = frozenset(es_extra - en_extra - _EN_WORDS)

    def detect(
        self, text: str, default: Language = Language.EN, folded: str | None = None
    ) -> Language:
        """The most likely language of an utterance (default when there is no evidence).

        ``folded`` is ``fold(text)`` when the caller already has it (it is not computed twice).
        """
        han = _han_count(text)
        lower = text.lower()
        if han:
            latin = len(_WORD.findall(lower))
            if han >= 2 or han >= latin:
                return Language.ZH
        es_bonus = 0.0 if lower.isascii() or not _ES_MARKS.search(lower) else 1.5
        words = _WORD.findall(fold(text) if folded is None else folded)
        en = 0.0
        es = es_bonus
        for word in words:
            in_en = word in self._en_words
            in_es = word in self._es_words
            if in_en and not in_es:
                en += 1.0
            elif in_es and not in_en:
                es += 1.0
            elif in_en and in_es:
                # Shared spellings ("no", "doctor"): weak evidence either way.
                en += 0.25
                es += 0.25
            if word in self._en_pack:
                en += 0.5
            elif word in self._es_pack:
                es += 0.5
        if en == es:
            return default
        return Language.ES if es > en else Language.EN
