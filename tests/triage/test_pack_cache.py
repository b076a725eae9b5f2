"""The compiled-pack cache used by `triageline classify`: same verdicts, ignored when unusable."""

from __future__ import annotations

from pathlib import Path

from triageline.adapters.protocols import build_engine
from triageline.adapters.protocols.loader import _cached_default_engine
from triageline.domain.triage.engine import TriageEngine

UTTERANCES = [
    "my husband has chest pain and he is sweating",
    "I need an appointment, my ear has hurt for three days",
    "mi bebé de tres semanas tiene calentura",
    "宝宝两个月，发烧三十八度五",
    "blood pressure 190 125 and a pounding headache",
]


def make_verdicts(engine: TriageEngine) -> list[tuple[str, str, tuple[str, ...]]]:
    """(triage, intent, rule ids) per utterance."""
    out = []
    for text in UTTERANCES:
        result = engine.classify(text)
        out.append(
            (result.triage.value, result.intent.value, tuple(h.rule_id for h in result.rules))
        )
    return out


def test_a_cache_hit_gives_the_same_verdicts_as_the_packs(tmp_path: Path) -> None:
    reference = make_verdicts(build_engine())
    first = _cached_default_engine(None, tmp_path)
    [written] = list(tmp_path.glob("protocols-*.json"))
    second = _cached_default_engine(None, tmp_path)
    assert make_verdicts(first) == reference
    assert make_verdicts(second) == reference
    assert list(tmp_path.glob("protocols-*.json")) == [written]
    assert not list(tmp_path.glob(".protocols-*")), "no temporary file is left behind"


def test_a_corrupt_or_tampered_cache_is_ignored_and_rewritten(tmp_path: Path) -> None:
    reference = make_verdicts(build_engine())
    _cached_default_engine(None, tmp_path)
    [file] = list(tmp_path.glob("protocols-*.json"))
    header, _, body = file.read_text(encoding="utf-8").partition("\n")
    file.write_text(header + "\n" + body.replace("chest", "chess"), encoding="utf-8")
    assert make_verdicts(_cached_default_engine(None, tmp_path)) == reference
    assert "chess" not in file.read_text(encoding="utf-8")
    file.write_text("{not json", encoding="utf-8")
    assert make_verdicts(_cached_default_engine(None, tmp_path)) == reference


def test_an_unwritable_cache_directory_only_costs_speed(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    engine = _cached_default_engine(None, blocker / "cache")
    assert make_verdicts(engine) == make_verdicts(build_engine())
