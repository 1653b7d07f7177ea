"""Instruments as data: structure, mapping to indicators, and the schema check."""

from __future__ import annotations

from pathlib import Path

import pytest

from palermo.errors import InputError
from palermo.indicators.catalogue import load_catalogue
from palermo.indicators.instruments import INSTRUMENTS_DIR, builtin_instruments, load_instrument

CAT = load_catalogue()


def test_every_question_maps_to_at_least_one_indicator() -> None:
    for name in builtin_instruments():
        for q in load_instrument(name).questions:
            assert q.indicators, f"{name} {q.id}"


def test_the_first_line_screen_has_at_most_ten_items_aligned_with_the_record() -> None:
    from palermo.records.schema import FIELDS

    first = load_instrument("first-line")
    assert len(first.questions) <= 10
    for q in first.questions:
        assert FIELDS[q.id].observation == q.observation


def test_the_interviews_cover_the_six_topics_and_their_own_population() -> None:
    for name, sets in (
        ("second-line-adult", {"ADL", "ADS"}),
        ("second-line-child", {"CHL", "CHS"}),
    ):
        inst = load_instrument(name)
        assert {q.topic for q in inst.questions} == {
            "recruitment",
            "journey",
            "work_and_living",
            "control",
            "debts",
            "documents",
        }
        assert {CAT.indicators[i].set_code for i in inst.indicators} == sets
        assert any(q.ask_if for q in inst.questions)
        assert any(c.required for c in inst.consent)
        assert len(inst.consent) == 7


def test_each_interview_covers_all_indicators_of_its_sets() -> None:
    for name in ("second-line-adult", "second-line-child"):
        inst = load_instrument(name)
        expected = {i.id for s in inst.sets for i in CAT.in_set(s)}
        assert expected - inst.indicators == set()


def _adapted(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "adapted.yaml"
    text = (INSTRUMENTS_DIR / "second-line-adult.yaml").read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_an_agency_can_reword_a_question_without_code(tmp_path: Path) -> None:
    path = _adapted(
        tmp_path, "Who keeps your passport or ID now?", "Who has your passport at the moment?"
    )
    assert (
        load_instrument(path).question("docs_who_holds").text.en
        == "Who has your passport at the moment?"
    )


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('"yes": [ADL-CR-03, ADS-CR-03]', '"yes": [ADL-CR-03, ADL-CR-99]', "unknown indicator"),
        (
            '"yes": [ADL-CR-03, ADS-CR-03]',
            '"yes": [ADL-CR-03, CHL-CR-05]',
            "outside the instrument's sets",
        ),
        (
            "question: debt_owes}",
            "question: debt_owned}",
            "skip logic refers to an unknown or later question",
        ),
        (
            "any_of: ['yes'], question: debt_owes}",
            "any_of: [maybe], question: debt_owes}",
            "skip logic names no option",
        ),
        ("topic: debts", "topic: finances", "unknown topic"),
    ],
)
def test_the_schema_check_rejects_a_broken_instrument(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    with pytest.raises(InputError, match=message):
        load_instrument(_adapted(tmp_path, old, new))


def test_an_unknown_instrument_name_lists_the_known_ones() -> None:
    with pytest.raises(InputError, match=r"unknown instrument.*second-line-adult"):
        load_instrument("third-line")
