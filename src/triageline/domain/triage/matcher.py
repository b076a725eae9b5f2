"""Phrase patterns compiled into a first-unit index; finds concept matches and their negation."""

from __future__ import annotations

import re
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from itertools import pairwise

from triageline.domain.triage.normalise import (
    BOUNDARY,
    PAUSE,
    NormalisedText,
    normalise_word,
)
from triageline.domain.triage.types import Language

GAP = "..."
NUMBER = "#"
_LATIN_GAP = 4
_ZH_GAP = 4


class PhraseError(ValueError):
    """A protocol phrase that cannot be compiled."""


@dataclass(frozen=True, slots=True)
class _Element:
    """One position of a pattern: alternatives (words or Chinese strings), prefixes, or a gap."""

    words: frozenset[str]
    prefixes: tuple[str, ...]
    optional: bool
    gap: int


@dataclass(frozen=True, slots=True)
class Pattern:
    """A compiled phrase."""

    source: str
    elements: tuple[_Element, ...]


class Kind(Enum):
    """What a phrase entry means when it matches."""

    CONCEPT = 1
    EXCLUDE = 2
    PSEUDO = 3


@dataclass(frozen=True, slots=True)
class Match:
    """A concept found in an utterance: unit span and the words that matched."""

    concept: str
    start: int
    end: int
    evidence: str


_NEGATION_WORDS: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(
        [
            "no",
            "not",
            "never",
            "without",
            "denies",
            "deny",
            "denied",
            "denying",
            "nor",
            "dont",
            "doesnt",
            "didnt",
            "isnt",
            "wasnt",
            "arent",
            "werent",
            "hasnt",
            "havent",
            "hadnt",
            "none",
            "neither",
            "nothing",
        ]
    ),
    Language.ES: frozenset(
        [
            "no",
            "sin",
            "nunca",
            "niega",
            "nego",
            "negando",
            "ni",
            "tampoco",
            "jamas",
            "nada",
            "ningun",
            "ninguna",
        ]
    ),
    Language.ZH: frozenset(),
}
_ZH_NEGATIONS = (
    "并没有",
    "从来没有",
    "从没有",
    "从没",
    "没有",
    "没",
    "无",
    "不",
    "否认",
    "未",
    "别",
)
_ZH_NEGATION_RE = re.compile("|".join(re.escape(c) for c in _ZH_NEGATIONS))
_BREAKERS: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(
        [
            "but",
            "however",
            "although",
            "though",
            "except",
            "and",
            "because",
            "cause",
            "so",
            "now",
            "then",
            "just",
            "only",
            "still",
            "yet",
            "plus",
            "also",
        ]
    ),
    Language.ES: frozenset(
        [
            "pero",
            "sino",
            "aunque",
            "excepto",
            "y",
            "porque",
            "ahora",
            "solo",
            "solamente",
            "pues",
            "e",
        ]
    ),
    Language.ZH: frozenset("但可却就还又而只是".replace("只是", "")),
}
_CHAIN: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(["or", "nor", "any", "either"]),
    Language.ES: frozenset(["o", "ni", "u", "tampoco", "ningun", "ninguna"]),
    Language.ZH: frozenset("和或者也跟及"),
}
_PSEUDO_NEGATIONS: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "no idea",
        "not sure",
        "dont know",
        "didnt know",
        "doesnt know",
        "cant tell",
        "cant stop",
        "wont stop",
        "doesnt stop",
        "didnt stop",
        "not stopping",
        "isnt stopping",
        "hasnt stopped",
        "no matter",
        "not only",
        "cant get it to stop",
        "wont go away",
        "not going away",
        "nothing helps",
        "not helping",
        "isnt helping",
        "not working",
        "isnt working",
        "doesnt help",
        "didnt help",
        "no better",
        "not better",
        "not getting better",
        "cant keep",
        "not coming down",
        "wont come down",
        "wont go down",
        "not going down",
        "doesnt go down",
        "no one",
        "not yet",
        "havent been able",
        "hasnt been able",
    ),
    Language.ES: (
        # "no sé" (I don't know) is not a negation, but "no se desmayó" is: only the
        # "don't know" readings are listed.
        "no se (si|que|cuanto|cuanta|cuantos|cuantas|como|donde|cuando|quien)",
        "no se (bien|exactamente|porque|por|nada|ni|la hora|el numero)",
        "nada mas",
        "nada mas que",
        "ni modo",
        "no mas que",
        "no sabe",
        "no sabemos",
        "no estoy segur*",
        "no para",
        "no paro",
        "no deja",
        "no se le quita",
        "no se me quita",
        "no se quita",
        "no se le baja",
        "no le baja",
        "no baja",
        "no se detiene",
        "no le ayuda",
        "no ayuda",
        "no funciona",
        "no mejora",
        "no ha mejorado",
        "no importa",
        "no solo",
        "nada le ayuda",
        "nada ayuda",
        "no puede",
        "no puedo",
        "no he podido",
        "no ha podido",
        "no aguanta",
    ),
    Language.ZH: (
        "不停",
        "不断",
        "不止",
        "止不住",
        "不住",
        "不知道",
        "不确定",
        "不知",
        "不太清楚",
        "不清楚",
        "不管",
        "不了",
        "不退",
        "不下",
        "不见好",
        "不管用",
        "没用",
        "不舒服",
        "不行",
        "不小心",
        "能不能",
        "可不可以",
        "是不是",
        "要不要",
        "会不会",
        "有没有",
        "在不在",
        "好不好",
        "行不行",
        "对不对",
        "收不收",
        "不太",
        "不要紧",
        # Words that merely contain a negation character ("特别" is "especially", not "don't").
        "特别",
        "分别",
        "区别",
        "差别",
        "别人",
        "别的",
        "告别",
        "性别",
        "级别",
        "识别",
        "无论",
        "无聊",
        "未来",
        "不过",
        "不但",
        "不仅",
        "不久",
        "不少",
        "不错",
        "差不多",
        "不得了",
        "不一定",
        "不然",
        "说不定",
        "忍不住",
        "不得不",
        "来不及",
        "不一会",
        "没多久",
        "没过多久",
        "没一会",
    ),
}
_HISTORY_AFTER: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "last year",
        "last month",
        "years ago",
        "year ago",
        "months ago",
        "in the past",
        "as a kid",
        "as a child",
        "as a baby",
        "as a teen*",
        "back in",
        "back then",
        (
            "when (he|she|i|they|we) (was|were) (little|young|younger|small|a baby|a kid|a child|a "
            "teen*|#)"
        ),
        "in (high school|college|grade school|middle school)",
        "growing up",
        "in 19*|20*",
        "under control",
        "is|are|has been|have been|was|were|stayed|stays under control",
        "free for",
        "(none|nothing) since",
        "at (the)? age (of)? #",
        "at #",
    ),
    Language.ES: (
        "el ano pasado",
        "el mes pasado",
        "hace anos",
        "hace meses",
        "hace 1 ano",
        "de nino",
        "de nina",
        "de chiquit*|pequen*|bebe|joven",
        "cuando (era|eras|eramos|estaba) (nino|nina|chiquit*|pequen*|bebe|joven|chamac*)",
        "hace # (anos|ano|meses|mes)",
        "hace (un|1) (ano|mes)",
        "hace (mucho|tiempo|rato de anos)",
        "en (el)? 19*|20*",
        "(esta|estan|estuvo|ha estado|han estado|sigue|siguen) (bajo)? control*",
        "bajo control",
        "a los # (anos)?",
        "desde hace (meses|anos|tiempo|mucho)",
        "igual que siempre",
        "como siempre",
        "de toda la vida",
    ),
    Language.ZH: (
        "病史",
        "控制得 ... 好|住",
        "控制住了",
        "年前|年以前|年之前|个月前|个月以前|个月之前",
        "岁 的? 时候",
    ),
}
_HISTORY_BEFORE: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "history of",
        "hx of",
        "past history of",
        "last year i|he|she|we had",
        "years ago i|he|she had",
        (
            "when (he|she|i|they|we) (was|were) (little|young|younger|small|a baby|a kid|a child|a "
            "teen*|#)"
        ),
        "as a (kid|child|baby|teen*)",
        "in (high school|college)",
        "back in 19*|20*",
        "in 19*|20*",
        "(none|no more|free of) since",
        (
            "(with|in|during) (my|her|your|our) (first|last|previous|other|older|earlier) "
            "(baby|pregnancy|one|child|kid|son|daughter)"
        ),
        "(last|previous|prior|earlier) pregnancy",
        "from when (i|he|she|they|we) (had|was|were|got)",
        "(was|were) (in|at) the (nicu|picu|icu) (with|for)",
    ),
    Language.ES: (
        "historia de",
        "historial de",
        "antecedentes de",
        "el ano pasado tuve|tuvo",
        "hace anos tuve|tuvo",
        "hace # (anos|ano|meses|mes)",
        "cuando (era|eras|eramos|estaba) (nino|nina|chiquit*|pequen*|bebe|joven|chamac*)",
        "de chiquit*|pequen*",
        "en (el)? 19*|20*",
        "(en|con|durante) (el|mi|su) (otro|primer|ultimo)? (embarazo|parto) (pasado|anterior)?",
        "de cuando",
        "(estuvo|estuve|estuvimos|estuvieron) (internad*|hospitalizad*|ingresad*) (por|con|de)?",
        "(estuvo|estuve|estuvieron) en (el|la)? (hospital|uci|nicu|incubadora) (por|con)?",
        "(estuvo|estuve|estuvieron) en (terapia intensiva|cuidados intensivos) (por|con)?",
    ),
    Language.ZH: (
        "去年",
        "前年",
        "以前",
        "曾经",
        "几年前",
        "多年前",
        "上个月",
        "小时候",
        "年轻时|年轻的时候",
        "那时候",
        "当年",
        "年前",
        "个月前",
        "上一胎|上次怀孕|上次生",
        "岁 的? 时候",
    ),
}
_HISTORY_LAST: dict[Language, tuple[str, ...]] = {
    Language.EN: ("last time",),
    Language.ES: ("la ultima vez", "ultima vez"),
    Language.ZH: (),
}
"""Markers of a past episode ("last time she had a seizure it lasted ten minutes"): the
symptoms in the rest of that clause are history, up to a pause, a sentence end or a word that
brings the story back to now ("and", "now", "again"). A symptom compared with the current one
("last time I had chest pain like this") is current, and so is the context (medicines, pregnancy).
An absence said from the last time ("the last time he peed was 14 hours ago") is a concept of its
own that starts at "last", so this marker never drops it."""
_LAST_STOPS: dict[Language, frozenset[str]] = {
    Language.EN: frozenset(
        ["and", "but", "now", "again", "today", "tonight", "currently", "so", "then"]
    ),
    Language.ES: frozenset(["y", "pero", "ahora", "ahorita", "otra", "hoy", "esta", "ya"]),
    Language.ZH: frozenset(),
}
_NOW_WORDS = frozenset(
    ["time", "morning", "afternoon", "evening", "week", "vez", "manana", "tarde"]
)
_COMPARED: dict[Language, tuple[tuple[str, ...], ...]] = {
    Language.EN: (("like", "this"), ("like", "that"), ("this",), ("as", "bad")),
    Language.ES: (("como", "esta"), ("como", "este"), ("como", "ahora"), ("asi",)),
    Language.ZH: (),
}
_TOPIC_AFTER: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        "test|tests|testing|draw|draws|drawn|work|screening|screen|shot|shots|vaccine*|panel|workup",
        "(follow up|followup|appointment*|consult*|checkup|recheck|clinic|class|classes)",
        "(check|checks|visit|visits|review|med check)",
        "(form|forms|paperwork|records|record|letter|plan|plans|action plan*)",
    ),
    Language.ES: (
        "prueba|pruebas|examen|examenes|analisis|vacuna|vacunas|formulario*|carta|cita|citas",
        "expediente|plan|papeles|constancia|estudio|estudios|consulta|especialista|record|records",
    ),
    Language.ZH: (
        "表格|病历|证明|记录|疫苗|化验单|复诊|复查|随访|门诊|专科|报告|假条|病假条|资料|应急计划|计划表|计划书",
        "的 表格|病历|证明|记录|疫苗|化验单|复诊|报告|假条|病假条|资料|应急计划|计划表|计划书",
    ),
}
_TOPIC_BEFORE: dict[Language, tuple[str, ...]] = {
    Language.EN: (
        (
            "(form|forms|letter|records|record|paperwork|note|notes|plan|action "
            "plan|test|testing|shot|shots|vaccine|vaccines|screening|appointment|visit|follow "
            "up|class) (for|about|from|regarding|against|on) (my|his|her|their|the|a|our|your)?"
        ),
        (
            "note|letter|form|paperwork (saying|stating|that says|that) (he|she|i|they|we)? "
            "(was|is|had|has|were|have)?"
        ),
    ),
    Language.ES: (
        (
            "prueba*|examen*|analisis|vacuna*|formulario*|forma*|carta|cita|citas|expediente|"
            "plan|papeles|constancia|estudio*|consulta|control|record|records "
            "de|del|contra|para|sobre|por (la|el|las|los|su|sus|mi|mis)?"
        ),
        "plan de accion (de|del|para|contra) (la|el|las|los|su|sus|mi|mis)?",
        "sacar*|extraer|extraccion (de)? (la)?",
        (
            "carta|nota|constancia|justificante|comprobante|certificado ... (de que|que "
            "diga|diciendo que) (yo|el|ella)? (estuve|estuvo|estaba|tuve|tuvo|tenia|esta|tiene)?"
        ),
    ),
    Language.ZH: ("疫苗", "表格", "病历", "证明"),
}


_GROUP = re.compile(r"\(([^()]*)\)")


def expand_phrase(phrase: str) -> list[str]:
    """Expand multi-word alternatives: "bleeding ... (wont stop|not stopping)" -> two phrases."""
    match = _GROUP.search(phrase)
    if match is None:
        if "(" in phrase or ")" in phrase:
            raise PhraseError(f"unbalanced parentheses in {phrase!r}")
        return [phrase]
    alts = [alt.strip() for alt in match.group(1).split("|")]
    if not all(alts):
        raise PhraseError(f"empty alternative in {phrase!r}")
    # One-word alternatives stay one position ("a|b|c"): only multi-word ones multiply the
    # phrase, so a phrase with several groups does not expand into thousands of patterns.
    single = [alt for alt in alts if " " not in alt]
    choices = [alt for alt in alts if " " in alt] + (["|".join(single)] if single else [])
    out: list[str] = []
    for choice in choices:
        out.extend(expand_phrase(phrase[: match.start()] + choice + phrase[match.end() :]))
    return out


def compile_phrases(phrase: str, lang: Language) -> list[Pattern]:
    """Compile a phrase and its multi-word alternatives (remembered for a pack cache)."""
    known = _COMPILED.get((phrase, lang))
    if known is None:
        known = tuple(compile_phrase(p, lang) for p in expand_phrase(phrase))
        _COMPILED[(phrase, lang)] = known
    return list(known)


_COMPILED: dict[tuple[str, Language], tuple[Pattern, ...]] = {}
"""Every phrase compiled so far (or seeded from a cache), by (phrase, language)."""

CompiledRecord = dict[str, list[object]]
"""Compiled phrases as plain JSON-ready data: a table of distinct positions and the phrases."""


def export_compiled() -> CompiledRecord:
    """Every compiled phrase as plain data (for a cache kept by an adapter).

    ``elements`` lists each distinct position once as ``[words, prefixes, optional, gap]``;
    ``phrases`` holds ``[phrase, lang, [[source, [element index, ...]], ...]]``.
    """
    table: dict[_Element, int] = {}
    phrases: list[object] = []
    for (phrase, lang), patterns in _COMPILED.items():
        compiled = [
            [p.source, [table.setdefault(e, len(table)) for e in p.elements]] for p in patterns
        ]
        phrases.append([phrase, lang.value, compiled])
    elements: list[object] = [[sorted(e.words), list(e.prefixes), e.optional, e.gap] for e in table]
    return {"elements": elements, "phrases": phrases}


def seed_compiled(data: object) -> int:
    """Load phrases compiled earlier (``export_compiled`` data read back from JSON).

    Raises ValueError, before seeding anything, when the data is not in that shape; returns
    the number of phrases seeded.
    """
    if not isinstance(data, dict):
        raise ValueError("compiled phrases: expected a mapping")
    try:
        elements = [
            _Element(frozenset(words), tuple(prefixes), bool(optional), int(gap))
            for words, prefixes, optional, gap in data["elements"]
        ]
        seeded: dict[tuple[str, Language], tuple[Pattern, ...]] = {}
        for phrase, lang, patterns in data["phrases"]:
            seeded[(str(phrase), Language(lang))] = tuple(
                Pattern(str(source), tuple(elements[i] for i in indexes))
                for source, indexes in patterns
            )
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        raise ValueError(f"compiled phrases: not in the exported shape ({exc})") from None
    _COMPILED.update(seeded)
    return len(seeded)


@lru_cache(maxsize=16384)
def compile_phrase(phrase: str, lang: Language) -> Pattern:
    """Compile one phrase in the pack syntax; raises PhraseError when malformed."""
    if "(" in phrase or ")" in phrase:
        raise PhraseError(f"multi-word alternatives need compile_phrases: {phrase!r}")
    elements: list[_Element] = []
    if lang is Language.ZH:
        for segment in phrase.split():
            elements.append(_zh_element(segment))
    else:
        for raw in phrase.split():
            elements.append(_latin_element(raw, lang))
    if not elements:
        raise PhraseError(f"empty phrase {phrase!r}")
    if elements[0].gap or elements[0].optional:
        raise PhraseError(f"phrase {phrase!r} must start with a word")
    if elements[-1].gap:
        raise PhraseError(f"phrase {phrase!r} must not end with '...'")
    return Pattern(phrase, tuple(elements))


def _latin_element(raw: str, lang: Language) -> _Element:
    """Compile one space-separated word position (``#`` stands for any number)."""
    if raw == GAP:
        return _Element(frozenset(), (), False, _LATIN_GAP)
    optional = raw.endswith("?") and len(raw) > 1
    body = raw[:-1] if optional else raw
    words: set[str] = set()
    prefixes: list[str] = []
    for alt in body.split("|"):
        if not alt:
            raise PhraseError(f"empty alternative in {raw!r}")
        if alt == NUMBER:
            prefixes.extend("0123456789")
            continue
        prefix = alt.endswith("*")
        text = alt[:-1] if prefix else alt
        units = _word_units(text, lang)
        if len(units) != 1:
            raise PhraseError(f"alternative {alt!r} must be one word after normalisation")
        if prefix:
            prefixes.append(units[0])
        else:
            words.add(units[0])
    return _Element(frozenset(words), tuple(prefixes), optional, 0)


@lru_cache(maxsize=16384)
def _word_units(text: str, lang: Language) -> tuple[str, ...]:
    """Normalised units of one phrase word (cached: packs repeat words a lot)."""
    return normalise_word(text, lang)


def _zh_element(segment: str) -> _Element:
    """Compile one Chinese segment (alternative strings)."""
    if segment == GAP:
        return _Element(frozenset(), (), False, _ZH_GAP)
    optional = segment.endswith("?") and len(segment) > 1
    body = segment[:-1] if optional else segment
    alts: set[str] = set()
    for alt in body.split("|"):
        text = "".join(_word_units(alt, Language.ZH))
        if not text:
            raise PhraseError(f"empty alternative in {segment!r}")
        alts.add(text)
    return _Element(frozenset(alts), (), optional, 0)


def _need(pattern: Pattern, lang: Language) -> frozenset[str] | None:
    """A cheap necessary condition for a match, checked before the regex (None: no check).

    Latin: the words of the first later position that is required and has no prefixes; one of
    them must be a token of the utterance. Chinese: the first two characters of every first
    alternative (when all are at least two long); the text must go on with one of them.
    """
    elements = pattern.elements
    if lang is Language.ZH:
        first = elements[0].words
        return frozenset(w[:2] for w in first) if all(len(w) > 1 for w in first) else None
    for element in elements[1:]:
        if not (element.gap or element.optional or element.prefixes) and element.words:
            return element.words
    return None


class _Entry:
    """An indexed phrase; its regex is compiled on first use (fast cold start)."""

    __slots__ = ("_regex", "concept", "kind", "lang", "need", "pattern", "slot")

    def __init__(self, pattern: Pattern, concept: str, kind: Kind, lang: Language) -> None:
        """Remember the phrase; compile later."""
        self.pattern = pattern
        self.concept = concept
        self.kind = kind
        self.slot = kind.value - 1  # index of its result list in ``PhraseIndex.scan``
        self.lang = lang
        self.need = _need(pattern, lang)
        self._regex: re.Pattern[str] | None = None

    @property
    def regex(self) -> re.Pattern[str]:
        """The compiled regex (built once)."""
        if self._regex is None:
            self._regex = (
                _zh_regex(self.pattern.elements)
                if self.lang is Language.ZH
                else _latin_regex(self.pattern.elements, self.lang)
            )
        return self._regex


_BLOCKED = {
    lang: "|".join(re.escape(w) for w in sorted(_NEGATION_WORDS[lang] | {BOUNDARY}))
    for lang in Language
}


def _latin_regex(elements: tuple[_Element, ...], lang: Language) -> re.Pattern[str]:
    """A pattern as a regex over tokens joined by single spaces (each followed by a space)."""
    blocked = _BLOCKED[lang]
    parts: list[str] = []
    for element in elements:
        if element.gap:
            parts.append(f"(?:(?!(?:{blocked}) )\\S+ ){{0,{element.gap}}}?")
            continue
        alts = [re.escape(w) for w in sorted(element.words, key=len, reverse=True)]
        alts += [re.escape(p) + "\\S*" for p in element.prefixes]
        body = f"(?:{'|'.join(alts)}) "
        parts.append(f"(?:{body})?" if element.optional else body)
    return re.compile("".join(parts))


def _zh_regex(elements: tuple[_Element, ...]) -> re.Pattern[str]:
    """A Chinese pattern as a regex over characters."""
    parts: list[str] = []
    for element in elements:
        if element.gap:
            parts.append(f"[^{re.escape(BOUNDARY)}不没无未别]{{0,{element.gap}}}?")
            continue
        alts = [re.escape(w) for w in sorted(element.words, key=len, reverse=True)]
        body = f"(?:{'|'.join(alts)})"
        parts.append(f"{body}?" if element.optional else body)
    return re.compile("".join(parts))


class PhraseIndex:
    """All phrases of one language, indexed by their first word (or first character)."""

    def __init__(self, lang: Language) -> None:
        """Create an empty index for a language."""
        self.lang = lang
        self._exact: dict[str, list[_Entry]] = {}
        self._prefix: dict[str, list[_Entry]] = {}
        self._prefix_lengths: set[int] = set()
        self._cache: dict[str, tuple[_Entry, ...]] = {}
        self._pairs: dict[tuple[str, str], list[_Entry]] = {}
        for phrase in _PSEUDO_NEGATIONS[lang]:
            self.add(phrase, "", Kind.PSEUDO)
        for phrase in _HISTORY_AFTER[lang]:
            self.add(phrase, "history_after", Kind.PSEUDO)
        for phrase in _HISTORY_BEFORE[lang]:
            self.add(phrase, "history_before", Kind.PSEUDO)
        for phrase in _HISTORY_LAST[lang]:
            self.add(phrase, "history_last", Kind.PSEUDO)
        for phrase in _TOPIC_AFTER[lang]:
            self.add(phrase, "topic_after", Kind.PSEUDO)
        for phrase in _TOPIC_BEFORE[lang]:
            self.add(phrase, "topic_before", Kind.PSEUDO)

    def add(self, phrase: str, concept: str, kind: Kind = Kind.CONCEPT) -> None:
        """Compile and index a phrase."""
        for pattern in compile_phrases(phrase, self.lang):
            self._add_pattern(_Entry(pattern, concept, kind, self.lang))

    def _add_pattern(self, entry: _Entry) -> None:
        """Index one compiled pattern under its first element."""
        first = entry.pattern.elements[0]
        if self._add_pair(entry):
            return
        for word in first.words:
            key = word[0] if self.lang is Language.ZH else word
            bucket = self._exact.setdefault(key, [])
            if entry not in bucket:
                bucket.append(entry)
        for prefix in first.prefixes:
            self._prefix.setdefault(prefix, []).append(entry)
            self._prefix_lengths.add(len(prefix))
        self._cache.clear()

    def _add_pair(self, entry: _Entry) -> bool:
        """Index a phrase that starts with two plain words under the word pair.

        Phrases starting with a busy function word ("no", "se", "me") would otherwise be tried
        at every occurrence of that word; keyed by the first two words they are tried only where
        both occur.
        """
        if self.lang is Language.ZH or len(entry.pattern.elements) < 2:
            return False
        first, second = entry.pattern.elements[0], entry.pattern.elements[1]
        plain = not (first.prefixes or second.prefixes or second.optional or second.gap)
        if not plain or not first.words or not second.words:
            return False
        for word in first.words:
            for nxt in second.words:
                bucket = self._pairs.setdefault((word, nxt), [])
                if entry not in bucket:
                    bucket.append(entry)
        return True

    def _candidates(self, units: Sequence[str] | str, i: int) -> Sequence[_Entry]:
        """Entries whose first element can match at position i (cached per token)."""
        if self.lang is Language.ZH:
            return self._exact.get(units[i], ())
        token = units[i]
        if i + 1 < len(units):
            paired = self._pairs.get((token, units[i + 1]))
            if paired:
                return (*self._single(token), *paired)
        return self._single(token)

    def _single(self, token: str) -> tuple[_Entry, ...]:
        """Entries indexed under one token (exact first word or prefix), cached per token."""
        cached = self._cache.get(token)
        if cached is not None:
            return cached
        found: list[_Entry] = list(self._exact.get(token, ()))
        for length in self._prefix_lengths:
            if length <= len(token):
                found.extend(self._prefix.get(token[:length], ()))
        result = tuple(found)
        if len(self._cache) < 50_000:
            self._cache[token] = result
        return result

    def scan(self, norm: NormalisedText) -> tuple[list[Match], list[Match], list[Match]]:
        """All (concept, exclude, pseudo) matches in an utterance."""
        concepts: list[Match] = []
        excludes: list[Match] = []
        pseudo: list[Match] = []
        sink = (concepts, excludes, pseudo)  # by Kind value - 1 (no enum hashing per match)
        if self.lang is Language.ZH:
            # Characters are units: offsets are the indexes themselves.
            text = norm.text
            exact = self._exact
            for i, char in enumerate(text):
                if char == BOUNDARY:
                    continue
                head = text[i : i + 2]
                for entry in exact.get(char, ()):
                    need = entry.need
                    if need is not None and head not in need:
                        continue
                    found = (entry._regex or entry.regex).match(text, i)
                    if found is not None:
                        end = found.end()
                        sink[entry.slot].append(Match(entry.concept, i, end, text[i:end]))
            return concepts, excludes, pseudo
        units = norm.units
        text = " ".join(units) + " "
        offsets: list[int] = []
        position = 0
        for token in units:
            offsets.append(position)
            position += len(token) + 1
        offsets.append(position)
        index_of = {offset: i for i, offset in enumerate(offsets)}
        said = frozenset(units)
        for i, token in enumerate(units):
            if token == BOUNDARY:
                continue
            for entry in self._candidates(units, i):
                need = entry.need
                if need is not None and need.isdisjoint(said):
                    continue
                found = (entry._regex or entry.regex).match(text, offsets[i])
                if found is None:
                    continue
                end = index_of[found.end()]
                sink[entry.slot].append(Match(entry.concept, i, end, " ".join(units[i:end])))
        return concepts, excludes, pseudo


def find_concepts(
    index: PhraseIndex, norm: NormalisedText, clinical: Container[str] | None = None
) -> list[Match]:
    """Concept matches that are not vetoed, negated, historical or the topic of paperwork."""
    return scan_concepts(index, norm, clinical)[0]


def scan_concepts(
    index: PhraseIndex,
    norm: NormalisedText,
    clinical: Container[str] | None = None,
    historical: Container[str] | None = None,
) -> tuple[list[Match], list[Match]]:
    """(current, past): current concept matches, and those framed as past history or a topic.

    ``clinical`` names the concepts that a test, visit or document word next to them turns
    into a topic ("seizure action plan", "strep test", "records from her heart attack");
    ``historical`` those that a past-time marker turns into history (an admin keyword such as
    "form" after "as a child" is still a request); when None, every concept is. Negated and
    vetoed matches are in neither list.
    """
    concepts, excludes, pseudo = index.scan(norm)
    if not concepts:
        return [], []
    concepts = [
        m for m in concepts if not any(x.concept == m.concept and _overlaps(m, x) for x in excludes)
    ]
    units: Sequence[str] | str = norm.text if index.lang is Language.ZH else norm.units
    negated = _negated(index.lang, norm, concepts, pseudo)
    past = _historical(index.lang, units, concepts, pseudo, historical, clinical) | _topical(
        index.lang, units, concepts, pseudo, clinical
    )
    current = [m for k, m in enumerate(concepts) if k not in negated and k not in past]
    return current, [m for k, m in enumerate(concepts) if k in past and k not in negated]


def _overlaps(a: Match, b: Match) -> bool:
    """Whether two spans share a unit."""
    return a.start < b.end and b.start < a.end


def _negation_cues(
    lang: Language, norm: NormalisedText, covered: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    """(start, end) spans of negation words not inside a concept or pseudo-negation."""
    cues: list[tuple[int, int]] = []

    def free(s: int, e: int) -> bool:
        return not any(cs <= s and e <= ce for cs, ce in covered)

    if lang is Language.ZH:
        # Leftmost cues, the first listed alternative winning at a position, as a scan would.
        for found in _ZH_NEGATION_RE.finditer(norm.text):
            if free(found.start(), found.end()):
                cues.append((found.start(), found.end()))
        return cues
    words = _NEGATION_WORDS[lang]
    for i, token in enumerate(norm.units):
        if token in words and free(i, i + 1):
            cues.append((i, i + 1))
    return cues


def _negated(
    lang: Language, norm: NormalisedText, concepts: list[Match], pseudo: list[Match]
) -> set[int]:
    """Indexes of matches in a negation's scope: the first concept after the cue and its list."""
    covered = [(m.start, m.end) for m in concepts] + [
        (m.start, m.end) for m in pseudo if not m.concept
    ]
    cues = _negation_cues(lang, norm, covered)
    if not cues:
        return set()
    units: Sequence[str] | str = norm.text if lang is Language.ZH else norm.units
    window = 2 if lang is Language.ZH else 3
    ordered = sorted(range(len(concepts)), key=lambda k: (concepts[k].start, -concepts[k].end))
    negated: set[int] = set()
    for _cue_start, cue_end in cues:
        first = next((k for k in ordered if concepts[k].start >= cue_end), None)
        if first is None or concepts[first].start - cue_end > window:
            continue
        if not _clear(units, cue_end, concepts[first].start, lang):
            continue
        scope_end = concepts[first].end
        negated.add(first)
        for k in ordered:
            m = concepts[k]
            if m.start < cue_end or k in negated:
                continue
            if m.start < scope_end or _chained(units[scope_end : m.start], lang):
                negated.add(k)
                scope_end = max(scope_end, m.end)
                continue
            break
    return negated


def _chained(between: Sequence[str] | str, lang: Language) -> bool:
    """Only list words ("or", "ni", "和") between two negated concepts."""
    if not between:
        return False
    if lang is Language.ZH:
        return all(ch in "和或者也跟及没有" for ch in between)
    return all(u in _CHAIN[lang] or u in _NEGATION_WORDS[lang] for u in between)


def _clear(units: Sequence[str] | str, start: int, end: int, lang: Language) -> bool:
    """No sentence boundary or scope breaker between a cue and its concept."""
    return all(
        not (unit in (BOUNDARY, PAUSE) or unit in _BREAKERS[lang]) for unit in units[start:end]
    )


def _historical(
    lang: Language,
    units: Sequence[str] | str,
    concepts: list[Match],
    pseudo: list[Match],
    historical: Container[str] | None = None,
    symptoms: Container[str] | None = None,
) -> set[int]:
    """Indexes of matches framed as past history ("heart attack last year", "去年").

    ``historical`` names the concepts any marker may make history; ``symptoms`` those that a
    "last time" clause may (never the context: "last time I took my Keppra").
    """
    marks = [m for m in pseudo if m.concept.startswith("history") and _past_mark(units, m)]
    if not marks:
        return set()
    reach = 4 if lang is Language.ZH else 3
    out: set[int] = set()
    for k, m in enumerate(concepts):
        if historical is not None and m.concept not in historical:
            continue
        for mark in marks:
            if mark.concept == "history_last":
                if (symptoms is None or m.concept in symptoms) and _in_last_clause(
                    lang, units, mark, m
                ):
                    out.add(k)
                continue
            after = mark.concept == "history_after" and 0 <= mark.start - m.end <= reach
            if after and _same_sentence(units, m.end, mark.start):
                out.add(k)
            before = mark.concept == "history_before" and 0 <= m.start - mark.end <= reach
            if before and _same_sentence(units, mark.end, m.start):
                out.add(k)
    return out


def _in_last_clause(lang: Language, units: Sequence[str] | str, mark: Match, m: Match) -> bool:
    """Whether a match lies in the past-episode clause opened by a "last time" marker."""
    if m.start < mark.end or isinstance(units, str):
        return False
    stops = _LAST_STOPS[lang]
    between = units[mark.end : m.start]
    if any(u in (BOUNDARY, PAUSE) or u in stops for u in between):
        return False
    if any(a in ("this", "esta", "este") and b in _NOW_WORDS for a, b in pairwise(between)):
        return False  # "last time ..., this time ..."
    after = tuple(units[m.end : m.end + 2])
    return not any(after[: len(words)] == words for words in _COMPARED[lang])


_ZH_ONSET = ("开始", "起", "就开始", "一直")


def _past_mark(units: Sequence[str] | str, mark: Match) -> bool:
    """A history mark that ends in a number is a year ("in 2019") or an age ("stroke at 60,").

    An age must be 13-99 and end the clause (or be followed by "years"), so "chest pain at 3",
    "fever at 103" and "started at 10 am" stay current. In Chinese a time followed by
    "开始"/"起" is when a current symptom began ("两个月前开始胸口疼"), not history.
    """
    if isinstance(units, str):
        return not units.startswith(_ZH_ONSET, mark.end)
    if not units[mark.end - 1][:1].isdigit():
        return True
    number = units[mark.end - 1]
    if number.isdigit() and len(number) == 4:
        return True
    if not number.isdigit() or not 13 <= int(number) <= 99:
        return False
    after = units[mark.end] if mark.end < len(units) else BOUNDARY
    return after in (BOUNDARY, PAUSE, "years", "yrs", "year", "anos", "ano", "y", "and", "i")


def _same_sentence(units: Sequence[str] | str, start: int, end: int) -> bool:
    """No sentence boundary between two positions."""
    return BOUNDARY not in units[start:end]


def _topical(
    lang: Language,
    units: Sequence[str] | str,
    concepts: list[Match],
    pseudo: list[Match],
    clinical: Container[str] | None,
) -> set[int]:
    """Indexes of matches that name the topic of a test, visit or document, not a symptom."""
    marks = [m for m in pseudo if m.concept.startswith("topic")]
    if not marks:
        return set()
    out: set[int] = set()
    topics = [(k, m) for k, m in enumerate(concepts) if clinical is None or m.concept in clinical]
    for mark in marks:
        if mark.concept != "topic_after" or _verb_use(lang, units, mark.end):
            continue
        # The topic is the run of symptom words ending right before the test or visit word:
        # "blood pressure check" drops "blood" as well as "pressure".
        # A run is at most a few words, so an unpunctuated symptom said earlier is not absorbed.
        start = mark.start
        limit = mark.start - (5 if lang is Language.ZH else 3)
        while True:
            earlier = [m.start for _, m in topics if m.end == start and m.start < start]
            if not earlier:
                break
            if start != mark.start and min(earlier) < limit:
                break
            start = min(earlier)
        out.update(k for k, m in topics if m.start >= start and m.end <= mark.start)
    for k, m in topics:
        for mark in marks:
            before = mark.concept == "topic_before" and 0 <= m.start - mark.end <= 1
            if before and all(u not in (BOUNDARY, PAUSE) for u in units[mark.end : m.start]):
                out.add(k)
    return out


_OBJECTS = frozenset(
    ["him", "her", "them", "me", "us", "it", "if", "whether", "out", "his", "my", "your", "lo"]
)
_OBJECTS |= {"their", "our", "la", "le", "les", "los", "las"}


def _verb_use(lang: Language, units: Sequence[str] | str, end: int) -> bool:
    """A test or visit word used as a verb ("check on him", "visit us"), not a topic noun."""
    if lang is Language.ZH or isinstance(units, str):
        return False
    nxt = units[end : end + 2]
    if not nxt:
        return False
    return nxt[0] in _OBJECTS or (nxt[0] == "on" and len(nxt) > 1 and nxt[1] in _OBJECTS)


def build_index(lang: Language, concepts: Mapping[str, Iterable[str]]) -> PhraseIndex:
    """Index concept phrases of one language (helper for tests)."""
    index = PhraseIndex(lang)
    for concept, phrases in concepts.items():
        for phrase in phrases:
            index.add(phrase, concept)
    return index
