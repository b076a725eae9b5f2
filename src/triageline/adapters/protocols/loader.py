"""Load protocol packs from YAML with errors that name the file, the field and the reason."""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from triageline.domain.triage.engine import ProtocolError, TriageEngine
from triageline.domain.triage.matcher import (
    PhraseError,
    compile_phrases,
    export_compiled,
    seed_compiled,
)
from triageline.domain.triage.pack import (
    FACTS,
    Comparison,
    Concept,
    IfMissing,
    IntentRule,
    PracticeProtocols,
    ProtocolPack,
    Qualifier,
    Question,
    Rule,
)
from triageline.domain.triage.types import Intent, Language, TriageLevel

if TYPE_CHECKING:
    from triageline.adapters.config.triage_section import TriageSection

INFRASTRUCTURE_PACKS: tuple[str, ...] = ("core", "intents")
"""Always loaded: shared vocabulary, default instructions, administrative intents."""
MANDATORY_PACKS: tuple[str, ...] = ("adult", "behavioral")
"""Clinical packs a practice may not drop (they hold the any-age 911 criteria)."""
DEFAULT_PACKS: tuple[str, ...] = ("adult", "pediatric", "obstetric", "behavioral")
ENV_DIR = "TRIAGELINE_PROTOCOLS"
CACHE_FORMAT = 1
"""Bumped when the cache layout changes; the engine's own source is hashed into the key."""


def _yaml_load(text: str) -> object:
    """Parse YAML with libyaml when available (imported here: a cache hit needs no YAML)."""
    import yaml

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506


class PackError(ValueError):
    """A protocol pack that cannot be loaded; names the file, the field path and the reason."""

    def __init__(self, file: str, field: str, reason: str) -> None:
        """Record where and why loading failed."""
        super().__init__(f"{file}: {field}: {reason}")
        self.file = file
        self.field = field
        self.reason = reason


def default_protocols_dir() -> Path:
    """`$TRIAGELINE_PROTOCOLS`, else the repository's `protocols/` directory."""
    env = os.environ.get(ENV_DIR)
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[4] / "protocols"


def load_pack(path: Path) -> ProtocolPack:
    """Parse and validate one pack file."""
    return _load_pack_cached(path.resolve(), path.stat().st_mtime_ns)


@lru_cache(maxsize=64)
def _load_pack_cached(path: Path, _mtime: int) -> ProtocolPack:
    """Cached by path and modification time."""
    file = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise PackError(file, "-", f"cannot read: {exc.strerror}") from exc
    return _parse_pack(file, _parse_yaml(file, text))


def _parse_yaml(file: str, text: str) -> object:
    """A pack document, or a PackError naming the file."""
    import yaml

    try:
        return _yaml_load(text)
    except yaml.YAMLError as exc:
        raise PackError(file, "-", f"invalid YAML: {exc}") from exc


def load_packs(
    names: Sequence[str] = DEFAULT_PACKS, directory: Path | None = None
) -> list[ProtocolPack]:
    """The infrastructure packs plus the named clinical packs, in a stable order."""
    base = directory or default_protocols_dir()
    ordered = ["core", *dict.fromkeys(names), "intents"]
    packs: list[ProtocolPack] = []
    for name in ordered:
        path = base / f"{name}.yaml"
        if not path.exists():
            raise PackError(str(path), "-", f"protocol pack {name!r} not found")
        packs.append(load_pack(path))
    return packs


def build_engine(
    section: TriageSection | PracticeProtocols | None = None,
    directory: Path | None = None,
    cache_dir: Path | None = None,
) -> TriageEngine:
    """A TriageEngine for a practice's triage section (default packs when None).

    With ``cache_dir`` the default engine is built from a JSON cache of the parsed packs and
    compiled phrases there (keyed by a hash of the pack files and the engine's source; a
    stale, corrupt or unwritable cache is ignored) - a faster cold start for the CLI.
    """
    if section is None:
        if cache_dir is not None:
            return _cached_default_engine(directory, cache_dir)
        return _default_engine(directory)
    protocols = section if isinstance(section, PracticeProtocols) else section.to_domain()
    packs = load_packs(protocols.packs, directory)
    return TriageEngine(packs, protocols.extra_rules(packs))


@lru_cache(maxsize=4)
def _default_engine(directory: Path | None) -> TriageEngine:
    """The engine with every default pack (cached: it is immutable)."""
    return TriageEngine(load_packs(DEFAULT_PACKS, directory))


def _cached_default_engine(directory: Path | None, cache_dir: Path) -> TriageEngine:
    """The default engine through the compiled-pack cache (built and written on a miss)."""
    base = directory or default_protocols_dir()
    paths = [(base / f"{name}.yaml").resolve() for name in ("core", *DEFAULT_PACKS, "intents")]
    try:
        texts = [path.read_text(encoding="utf-8") for path in paths]
    except OSError:
        return _default_engine(directory)
    key = _cache_key(paths, texts)
    file = cache_dir / f"protocols-{key[:32]}.json"
    docs = _read_cache(file, key, len(paths))
    if docs is not None:
        try:
            packs = [_parse_pack(str(path), doc) for path, doc in zip(paths, docs, strict=True)]
            return TriageEngine(packs)
        except (PackError, ProtocolError, ValueError):
            pass
    docs = [_parse_yaml(str(path), text) for path, text in zip(paths, texts, strict=True)]
    engine = TriageEngine([_parse_pack(str(p), d) for p, d in zip(paths, docs, strict=True)])
    _write_cache(cache_dir, file, {"format": CACHE_FORMAT, "key": key, "docs": docs})
    return engine


def _cache_key(paths: Sequence[Path], texts: Sequence[str]) -> str:
    """Hash of the cache format, the engine's source files and every pack file."""
    digest = hashlib.sha256(f"triageline-packs/{CACHE_FORMAT}".encode())
    engine_dir = Path(__file__).resolve().parents[2] / "domain" / "triage"
    for source in sorted(engine_dir.glob("*.py")):
        digest.update(source.name.encode())
        digest.update(source.read_bytes())
    for path, text in zip(paths, texts, strict=True):
        digest.update(path.name.encode())
        digest.update(text.encode("utf-8"))
    return digest.hexdigest()


def _read_cache(file: Path, key: str, count: int) -> list[object] | None:
    """The cached pack documents (compiled phrases seeded) or None when missing or unusable."""
    try:
        raw = file.read_text(encoding="utf-8")
        header, _, body = raw.partition("\n")
        if header != f"{CACHE_FORMAT} {key} {hashlib.sha256(body.encode()).hexdigest()}":
            return None
        data = json.loads(body)
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict):
        return None
    docs = data.get("docs")
    if not isinstance(docs, list) or len(docs) != count:
        return None
    try:
        seed_compiled(data.get("compiled"))
    except (ValueError, TypeError):
        return None
    return docs


def _write_cache(cache_dir: Path, file: Path, data: dict[str, object]) -> None:
    """Write the cache atomically (temp file + rename); any failure only costs speed."""
    data["compiled"] = export_compiled()
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=cache_dir, prefix=".protocols-", delete=False
        ) as handle:
            body = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
            digest = hashlib.sha256(body.encode()).hexdigest()
            handle.write(f"{CACHE_FORMAT} {data['key']} {digest}\n{body}")
        Path(handle.name).replace(file)
        for stale in cache_dir.glob("protocols-*.json"):
            if stale != file:
                stale.unlink(missing_ok=True)
    except (OSError, TypeError, ValueError):
        return


def _expect(file: str, field: str, value: object, kind: type, what: str) -> None:
    """Raise a PackError unless value is of the expected type."""
    if not isinstance(value, kind):
        raise PackError(file, field, f"expected {what}, got {type(value).__name__}")


def _parse_pack(file: str, data: object) -> ProtocolPack:
    """Turn a YAML document into a ProtocolPack."""
    _expect(file, "-", data, dict, "a mapping")
    assert isinstance(data, dict)
    allowed = {
        "pack",
        "version",
        "description",
        "instructions",
        "crisis_instruction",
        "concepts",
        "rules",
        "intents",
    }
    for key in data:
        if key not in allowed:
            raise PackError(file, str(key), "unknown field")
    name = data.get("pack")
    version = data.get("version")
    if not isinstance(name, str) or not name:
        raise PackError(file, "pack", "a pack name is required")
    if not isinstance(version, str | int | float) or not str(version):
        raise PackError(file, "version", "a version string is required")
    concepts = tuple(
        _parse_concept(file, f"concepts.{cid}", str(cid), body)
        for cid, body in _mapping(file, "concepts", data.get("concepts", {})).items()
    )
    rules = tuple(
        _parse_rule(file, f"rules[{i}]", name, body)
        for i, body in enumerate(_sequence(file, "rules", data.get("rules", [])))
    )
    intents = tuple(
        _parse_intent(file, f"intents[{i}]", body)
        for i, body in enumerate(_sequence(file, "intents", data.get("intents", [])))
    )
    instructions: dict[TriageLevel, Mapping[Language, str]] = {}
    for level, text in _mapping(file, "instructions", data.get("instructions", {})).items():
        lvl = _enum(file, f"instructions.{level}", TriageLevel, level)
        instructions[lvl] = _texts(file, f"instructions.{level}", text)
        if lvl is TriageLevel.EMERGENCY:
            for lang, said in instructions[lvl].items():
                if "911" not in said:
                    raise PackError(
                        file, f"instructions.emergency.{lang}", "must tell the caller to dial 911"
                    )
    crisis = _texts(file, "crisis_instruction", data.get("crisis_instruction", {}))
    for lang, said in crisis.items():
        if "988" not in said:
            raise PackError(file, f"crisis_instruction.{lang}", "must offer 988")
    return ProtocolPack(
        name=name,
        version=str(version),
        concepts=concepts,
        rules=rules,
        intents=intents,
        instructions=instructions,
        crisis_instruction=crisis,
    )


def _mapping(file: str, field: str, value: object) -> dict[str, object]:
    """A YAML mapping or a PackError."""
    _expect(file, field, value, dict, "a mapping")
    assert isinstance(value, dict)
    return {str(k): v for k, v in value.items()}


def _sequence(file: str, field: str, value: object) -> list[object]:
    """A YAML list or a PackError."""
    _expect(file, field, value, list, "a list")
    assert isinstance(value, list)
    return value


_E = TypeVar("_E", TriageLevel, Intent, Comparison, IfMissing, Language)


def _enum(file: str, field: str, kind: type[_E], value: object) -> _E:
    """An enum member by value or a PackError listing the choices."""
    try:
        return kind(str(value))
    except ValueError:
        choices = ", ".join(m.value for m in kind)
        raise PackError(file, field, f"{value!r} is not one of: {choices}") from None


def _texts(file: str, field: str, value: object) -> dict[Language, str]:
    """Caller-facing text per language."""
    out: dict[Language, str] = {}
    for lang, text in _mapping(file, field, value).items():
        language = _enum(file, f"{field}.{lang}", Language, lang)
        if not isinstance(text, str) or not text.strip():
            raise PackError(file, f"{field}.{lang}", "expected non-empty text")
        out[language] = text
    return out


def _phrases(file: str, field: str, value: object) -> dict[Language, tuple[str, ...]]:
    """Phrases per language, each compiled once to catch syntax errors early."""
    out: dict[Language, tuple[str, ...]] = {}
    for lang, phrases in _mapping(file, field, value).items():
        language = _enum(file, f"{field}.{lang}", Language, lang)
        items = _sequence(file, f"{field}.{lang}", phrases)
        for j, phrase in enumerate(items):
            if not isinstance(phrase, str):
                raise PackError(file, f"{field}.{lang}[{j}]", "expected a phrase string")
            try:
                compile_phrases(phrase, language)
            except PhraseError as exc:
                raise PackError(file, f"{field}.{lang}[{j}]", str(exc)) from None
        out[language] = tuple(str(p) for p in items)
    return out


def _parse_concept(file: str, field: str, cid: str, body: object) -> Concept:
    """One concept: phrases per language, optional exclusions and clinical flag."""
    data = _mapping(file, field, body)
    clinical = data.pop("clinical", True)
    if not isinstance(clinical, bool):
        raise PackError(file, f"{field}.clinical", "expected true or false")
    exclude = _phrases(file, f"{field}.exclude", data.pop("exclude", {}))
    phrases = _phrases(file, field, data)
    if not phrases:
        raise PackError(file, field, "a concept needs phrases in at least one language")
    return Concept(cid, phrases, exclude, clinical)


def _groups(file: str, field: str, value: object) -> tuple[tuple[str, ...], ...]:
    """`[a, [b, c]]` -> ((a,), (b, c)): all groups must match, any concept within a group."""
    groups: list[tuple[str, ...]] = []
    for i, item in enumerate(_sequence(file, field, value)):
        if isinstance(item, str):
            groups.append((item,))
        elif isinstance(item, list) and item and all(isinstance(c, str) for c in item):
            groups.append(tuple(item))
        else:
            raise PackError(file, f"{field}[{i}]", "expected a concept id or a list of concept ids")
    return tuple(groups)


def _parse_rule(file: str, field: str, pack: str, body: object) -> Rule:
    """One triage rule."""
    data = _mapping(file, field, body)
    allowed = {
        "id",
        "level",
        "description",
        "match",
        "unless",
        "qualifiers",
        "questions",
        "instruction",
        "crisis",
        "intent",
        "phrases",
    }
    for key in data:
        if key not in allowed:
            raise PackError(file, f"{field}.{key}", "unknown field")
    rid = data.get("id")
    if not isinstance(rid, str) or not rid:
        raise PackError(file, f"{field}.id", "a rule id is required")
    where = f"rules[{rid}]"
    level = _enum(file, f"{where}.level", TriageLevel, data.get("level"))
    match = _groups(file, f"{where}.match", data.get("match", []))
    phrases = _phrases(file, f"{where}.phrases", data.get("phrases", {}))
    if not match and not phrases:
        raise PackError(
            file, f"{where}.match", "a rule needs at least one concept group or phrases"
        )
    unless_raw = _sequence(file, f"{where}.unless", data.get("unless", []))
    unless = tuple(str(u) for u in unless_raw)
    qualifiers = tuple(
        _parse_qualifier(file, f"{where}.qualifiers[{i}]", q)
        for i, q in enumerate(_sequence(file, f"{where}.qualifiers", data.get("qualifiers", [])))
    )
    questions: list[Question] = []
    for i, q in enumerate(_sequence(file, f"{where}.questions", data.get("questions", []))):
        qd = _mapping(file, f"{where}.questions[{i}]", q)
        fact = qd.pop("fact", None)
        if fact not in FACTS:
            raise PackError(file, f"{where}.questions[{i}].fact", f"unknown fact {fact!r}")
        questions.append(Question(str(fact), _texts(file, f"{where}.questions[{i}]", qd)))
    instruction = _texts(file, f"{where}.instruction", data.get("instruction", {}))
    if level is TriageLevel.EMERGENCY:
        for lang, text in instruction.items():
            if "911" not in text:
                raise PackError(
                    file, f"{where}.instruction.{lang}", "an emergency instruction must say 911"
                )
    crisis = data.get("crisis", False)
    if not isinstance(crisis, bool):
        raise PackError(file, f"{where}.crisis", "expected true or false")
    intent_raw = data.get("intent")
    intent = None if intent_raw is None else _enum(file, f"{where}.intent", Intent, intent_raw)
    description = data.get("description", "")
    return Rule(
        id=rid,
        level=level,
        pack=pack,
        match=match,
        unless=unless,
        qualifiers=qualifiers,
        instruction=instruction,
        questions=tuple(questions),
        crisis=crisis,
        intent=intent,
        phrases=phrases,
        description=str(description),
    )


def _parse_qualifier(file: str, field: str, body: object) -> Qualifier:
    """`{fact, op, value, if_missing}`; yes/no values become 1/0."""
    data = _mapping(file, field, body)
    fact = data.get("fact")
    if fact not in FACTS:
        raise PackError(
            file, f"{field}.fact", f"unknown fact {fact!r}; known: {', '.join(sorted(FACTS))}"
        )
    op = _enum(file, f"{field}.op", Comparison, data.get("op"))
    raw = data.get("value")
    if isinstance(raw, bool):
        value = 1.0 if raw else 0.0
    elif isinstance(raw, int | float):
        value = float(raw)
    else:
        raise PackError(file, f"{field}.value", "expected a number or yes/no")
    if_missing = _enum(file, f"{field}.if_missing", IfMissing, data.get("if_missing", "assume"))
    return Qualifier(str(fact), op, value, if_missing)


def _parse_intent(file: str, field: str, body: object) -> IntentRule:
    """One intent pattern."""
    data = _mapping(file, field, body)
    intent = _enum(file, f"{field}.intent", Intent, data.get("intent"))
    priority = data.get("priority", 0)
    if not isinstance(priority, int):
        raise PackError(file, f"{field}.priority", "expected an integer")
    match = _groups(file, f"{field}.match", data.get("match", []))
    unless = tuple(str(u) for u in _sequence(file, f"{field}.unless", data.get("unless", [])))
    return IntentRule(intent, priority, match, unless)


__all__ = [
    "DEFAULT_PACKS",
    "INFRASTRUCTURE_PACKS",
    "MANDATORY_PACKS",
    "PackError",
    "ProtocolError",
    "build_engine",
    "default_protocols_dir",
    "load_pack",
    "load_packs",
]
