"""How the shipped interview instruments speak: an adult or an official is addressed with the
formal 您; no instrument promises what the officer cannot promise."""

from __future__ import annotations

import pytest

from palermo.indicators.instruments import INSTRUMENTS_DIR, load_instrument

ADULT_OR_OFFICIAL = ["first-line", "second-line-adult"]


@pytest.mark.parametrize("name", ADULT_OR_OFFICIAL)
def test_adults_and_officials_are_addressed_with_the_formal_you(name: str) -> None:
    text = (INSTRUMENTS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert "你" not in text
    assert "您" in text


@pytest.mark.parametrize("name", ["second-line-adult", "second-line-child"])
def test_no_instrument_promises_the_person_is_not_in_trouble(name: str) -> None:
    instrument = load_instrument(name)
    assert instrument.introduction is not None
    assert "not in trouble" not in instrument.introduction.en
    assert "麻烦" not in instrument.introduction.zh


@pytest.mark.parametrize("name", ["second-line-adult", "second-line-child"])
def test_being_taken_married_or_sold_reads_as_a_sentence_in_chinese(name: str) -> None:
    text = (INSTRUMENTS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert "嫁娶" not in text
    assert "逼我结婚" in text


ADULT_WORDS_EN = ("contract", "labour law", "social protection", "employer", "recruitment agency")
ADULT_WORDS_ZH = ("合同", "劳动法", "社会保障", "雇主", "招聘机构")


def test_the_child_interviews_options_are_in_a_childs_words_in_both_languages() -> None:
    child = load_instrument("second-line-child")
    texts = [o.text for q in child.questions for o in q.options]
    adult_words_en = [t.en for t in texts if any(w in t.en.lower() for w in ADULT_WORDS_EN)]
    adult_words_zh = [t.zh for t in texts if any(w in t.zh for w in ADULT_WORDS_ZH)]
    assert adult_words_en == []
    assert adult_words_zh == []
