"""The phrasebook is complete and kind; short answers are read correctly."""

from __future__ import annotations

from datetime import date

import pytest

from triageline.domain.dialogue.parsing import (
    YesNo,
    digits_in,
    dob_from_digits,
    dob_from_text,
    language_named,
    means_me,
    phone_number,
    read_back,
    yes_or_no,
)
from triageline.domain.dialogue.phrasebook import (
    P,
    has_text_variant,
    keys,
    phrase,
    text_variant_languages,
    voice_languages,
)
from triageline.domain.triage.types import Language

ALL = frozenset(Language)


@pytest.mark.parametrize("key", keys())
def test_every_phrase_exists_in_every_language(key: P) -> None:
    assert voice_languages(key) == ALL
    if has_text_variant(key):
        assert text_variant_languages(key) == ALL


@pytest.mark.parametrize("key", keys())
@pytest.mark.parametrize("lang", list(Language))
@pytest.mark.parametrize("typed", [False, True])
def test_no_line_asks_the_caller_to_call_back_later(key: P, lang: Language, typed: bool) -> None:
    line = phrase(key, lang, typed=typed).lower()
    for forbidden in (
        "call back later",
        "call again",
        "llame más tarde",
        "vuelva a llamar",
        "稍后再",
    ):
        assert forbidden not in line


@pytest.mark.parametrize("lang", list(Language))
def test_emergency_line_names_911(lang: Language) -> None:
    assert "911" in phrase(P.EMERGENCY_911, lang)
    assert "911" in phrase(P.EMERGENCY_911, lang, typed=True)
    assert "988" in phrase(P.CRISIS_988, lang)


@pytest.mark.parametrize(
    ("text", "answer"),
    [
        ("yes", YesNo.YES),
        ("Yeah that's right", YesNo.YES),
        ("sí", YesNo.YES),
        ("Sí, correcto", YesNo.YES),
        ("对", YesNo.YES),
        ("是的", YesNo.YES),
        ("1", YesNo.YES),
        ("no", YesNo.NO),
        ("nope", YesNo.NO),
        ("不是", YesNo.NO),
        ("不对", YesNo.NO),
        ("没有了", YesNo.NO),
        ("2", YesNo.NO),
        ("no thanks", YesNo.NO),
        ("banana", YesNo.UNCLEAR),
        ("", YesNo.UNCLEAR),
    ],
)
def test_yes_or_no(text: str, answer: YesNo) -> None:
    assert yes_or_no(text) is answer


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("415 867 5309", "4158675309"),
        ("four one five, eight six seven, five three oh nine", "4158675309"),
        ("seis uno siete cinco cinco cinco uno dos uno dos", "6175551212"),
        ("六一七五五五幺二幺二", "6175551212"),
        ("double five", "55"),
    ],
)
def test_digits_in(text: str, digits: str) -> None:
    assert digits_in(text) == digits


@pytest.mark.parametrize(
    ("raw", "e164"),
    [
        ("+14158675309", "+14158675309"),
        ("4158675309", "+14158675309"),
        ("1 415 867 5309", "+14158675309"),
        ("+442071838750", "+442071838750"),
        ("anonymous", None),
        ("", None),
        (None, None),
        ("555 1212", None),
        ("0158675309", None),
    ],
)
def test_phone_number(raw: str | None, e164: str | None) -> None:
    assert phone_number(raw) == e164


def test_read_back_groups_digits() -> None:
    assert read_back("+14158675309") == "4 1 5, 8 6 7, 5 3 0 9"
    assert read_back("+442071838750") == "4 4 2, 0 7 1, 8 3 8, 7 5 0"


TODAY = date(2025, 3, 4)


@pytest.mark.parametrize(
    ("digits", "lang", "iso"),
    [
        ("03141962", Language.EN, "1962-03-14"),
        ("14031962", Language.ES, "1962-03-14"),
        ("19620314", Language.ZH, "1962-03-14"),
        ("14031962", Language.EN, None),
        ("02302000", Language.EN, None),
        ("01012026", Language.EN, None),
        ("0101", Language.EN, None),
    ],
)
def test_dob_from_digits(digits: str, lang: Language, iso: str | None) -> None:
    assert dob_from_digits(digits, lang, TODAY) == iso


def test_dob_from_text() -> None:
    assert dob_from_text("3/14/1962", Language.EN, TODAY) == "1962-03-14"
    assert dob_from_text("14/3/1962", Language.ES, TODAY) == "1962-03-14"
    assert dob_from_text("1962-3-14", Language.ZH, TODAY) == "1962-03-14"
    assert dob_from_text("March 14th 1962", Language.EN, TODAY) == "March 14th 1962"
    assert dob_from_text("1962年3月14日", Language.ZH, TODAY) == "1962年3月14日"
    assert dob_from_text("  ", Language.EN, TODAY) is None
    assert dob_from_text("99", Language.EN, TODAY) is None


def test_language_named_and_means_me() -> None:
    assert language_named("Español") is Language.ES
    assert language_named("spanish please") is Language.ES
    assert language_named("中文") is Language.ZH
    assert language_named("I need a refill of my Spanish friend's medicine please") is None
    assert means_me("Me.") and means_me("soy yo") and means_me("我自己")
    assert not means_me("my son")
