from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from palermo.screening.watchlists.names import (
    align,
    align_score,
    best_forms,
    explain_names,
    han_to_pinyin,
    name_forms,
    organisation_forms,
    person_name_forms,
)


def score(a: str, b: str) -> float:
    return best_forms(person_name_forms(a), person_name_forms(b))[0]


def test_chinese_characters_are_compared_through_pinyin() -> None:
    assert score("张晓明", "ZHANG Xiaoming") == 100
    assert score("张晓明", "ZHANG Xiao-Ming") == 100
    assert score("张晓明", "Zhang Xiao Ming") == 100
    assert score("张晓明", "WANG Xiaoming") < 85


def test_compound_surnames_and_surname_readings_are_read_as_surnames() -> None:
    assert han_to_pinyin("欧阳娜娜") == ("ouyang", "nana")
    assert han_to_pinyin("曾志伟") == ("zeng", "zhiwei")
    assert han_to_pinyin("单田芳")[0] == "shan"
    assert han_to_pinyin("吕布") == ("lu", "bu")


@pytest.mark.parametrize(
    ("pinyin", "other"),
    [
        ("Zhang", "Chang"),
        ("Zhang", "Cheung"),
        ("Chen", "Chan"),
        ("Wang", "Wong"),
        ("Li", "Lee"),
        ("Huang", "Wong"),
        ("Xu", "Hsu"),
        ("Xu", "Tsui"),
        ("Zhou", "Chou"),
        ("Zhou", "Chow"),
        ("Wu", "Ng"),
        ("Lin", "Lam"),
    ],
)
def test_common_romanisations_of_chinese_surnames_match_their_pinyin(
    pinyin: str, other: str
) -> None:
    assert score(f"{pinyin} Meiling", f"{other} Meiling") == 100


def test_a_romanised_surname_matches_the_surname_in_characters() -> None:
    assert score("陈美玲", "CHAN Meiling") == 100
    assert score("黄美玲", "WONG Meiling") == 100
    assert score("王美玲", "WONG Meiling") == 100


def test_token_order_does_not_matter() -> None:
    assert score("Maria Santos Reyes", "REYES Maria Santos") == 100
    assert score("Wei Zhang", "ZHANG Wei") == 100


def test_an_initial_matches_the_given_name_it_starts_but_counts_less() -> None:
    full = score("John Michael Smith", "John Michael Smith")
    initial = score("J Michael Smith", "John Michael Smith")
    assert full == 100
    assert 85 <= initial < 100
    assert score("K Michael Smith", "John Michael Smith") < initial


def test_a_missing_middle_name_costs_a_little() -> None:
    assert 90 <= score("Maria Reyes", "Maria Luisa Reyes") < 100


def test_one_name_alone_is_weak_evidence_against_a_full_name() -> None:
    assert score("Reyes", "Maria Luisa Reyes") <= 60


def test_spelling_variants_score_by_how_close_they_are() -> None:
    assert score("Nguyen Thi Huong", "Nguyen Thi Huonng") > 90
    assert score("Nguyen Thi Huong", "Nguyen Thi Hoang") < score(
        "Nguyen Thi Huong", "Nguyen Thi Huonng"
    )


def test_diacritics_titles_and_punctuation_are_ignored() -> None:
    assert score("Nguyễn Thị Hương", "NGUYEN THI HUONG") == 100
    assert score("Mr. José da Silva", "JOSE DA SILVA") == 100
    assert score("Ch'en Mei-ling", "CHEN Meiling") == 100


def test_unrelated_names_score_low() -> None:
    assert score("Maria Santos", "Nguyen Van Minh") < 50
    assert score("张伟", "Olga Petrova") < 50


def test_an_ambiguous_spelling_gives_one_reading_per_surname() -> None:
    texts = [f.text for f in name_forms("Wong Meiling")]
    assert texts == ["wong meiling", "huang meiling", "wang meiling"]


def test_explanations_exist_in_english_and_chinese_and_name_the_differences() -> None:
    _, a, b = best_forms(person_name_forms("CHEUNG Meiling"), person_name_forms("张美玲"))
    assert a is not None
    assert b is not None
    en, zh = explain_names(a, b)
    assert len(en) == len(zh)
    joined = " ".join(en)
    assert "cheung" in joined
    assert "romanisation" in joined
    assert "Hanyu Pinyin" in joined
    assert "拼音" in " ".join(zh)


def test_organisation_names_ignore_legal_forms_and_generic_words() -> None:
    a = organisation_forms("Golden Star Manpower Sdn. Bhd.")
    b = organisation_forms("GOLDEN STAR RECRUITMENT AGENCY")
    assert best_forms(a, b)[0] == 100
    assert [f.text for f in organisation_forms("金星劳务有限公司")] == ["jinxing"]


TOKENS = st.lists(
    st.sampled_from(["zhang", "wei", "xiao", "ming", "xiaoming", "j", "john", "wang", "li", "lee"]),
    max_size=5,
).map(tuple)


@settings(max_examples=200, deadline=None)
@given(TOKENS, TOKENS)
def test_the_fast_name_score_equals_the_explained_one(
    a: tuple[str, ...], b: tuple[str, ...]
) -> None:
    assert align_score(a, b) == align(a, b).score
