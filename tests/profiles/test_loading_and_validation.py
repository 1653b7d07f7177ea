"""Profiles as an analyst writes them: every mistake reported with file, line and reason."""

from __future__ import annotations

import dataclasses
import datetime as dt
import doctest
import importlib
import textwrap
from pathlib import Path

import pytest

from palermo.errors import InputError
from palermo.profiles import (
    EXAMPLES_DIR,
    check_profile_set,
    lists_used,
    load_profile_set,
    profile_lists,
)
from palermo.profiles.ast import Comparison
from palermo.profiles.loader import profile_set_from_texts
from palermo.profiles.operators import OPERATORS
from palermo.records.schema import FIELDS

HEADER = """\
id: {id}
version: 1
title: {{en: Test profile, zh: 测试画像}}
rationale: {{en: Because., zh: 因为。}}
owner: tests
valid_from: 2026-01-01
review_by: 2099-12-31
"""


def profile(criteria: str, pid: str = "t1") -> str:
    return HEADER.format(id=pid) + "criteria:\n" + textwrap.indent(textwrap.dedent(criteria), "  ")


def problems_of(texts: dict[str, str], lists: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(InputError) as err:
        profile_set_from_texts(texts, lists)
    return [str(p) for p in err.value.problems]


def test_the_shipped_example_set_has_at_least_twelve_bilingual_profiles_with_rationale() -> None:
    ps = load_profile_set(EXAMPLES_DIR)
    assert len(ps) >= 12
    for p in ps.profiles:
        assert p.title.en
        assert p.title.zh
        assert p.rationale.en
        assert p.rationale.zh
        assert p.indicators, p.id
    assert "agencies_of_concern" in ps.lists


def test_the_shipped_example_set_passes_profiles_check_today() -> None:
    _, problems = check_profile_set(EXAMPLES_DIR)
    assert problems == []


def test_malformed_yaml_is_reported_with_file_and_line() -> None:
    text = profile("all:\n  - obs_fearful\n") + "  bad: [unclosed\n"
    (problem,) = problems_of({"broken.yaml": text})
    assert problem.startswith("broken.yaml line 1")
    assert "malformed YAML" in problem


def test_an_unknown_field_is_reported_with_its_line() -> None:
    text = profile("all:\n  - {field: favourite_colour, eq: red}\n")
    (problem,) = problems_of({"p.yaml": text})
    assert problem.startswith("p.yaml line 10")
    assert "favourite_colour" in problem
    assert "unknown field" in problem


def test_each_problem_carries_the_line_it_is_on_as_a_number() -> None:
    broken = profile("all:\n  - obs_fearful\n") + "  bad: [unclosed\n"
    unknown = profile("all:\n  - obs_fearful\n  - {field: favourite_colour, eq: red}\n", "t2")
    twice = profile("all:\n  - obs_fearful\n", pid="t1")
    with pytest.raises(InputError) as err:
        profile_set_from_texts(
            {"b.yaml": broken, "u.yaml": unknown, "t.yaml": twice, "d.yaml": twice}
        )
    lines = {(p.where.split()[0], p.line) for p in err.value.problems}
    assert lines == {("b.yaml", 12), ("u.yaml", 11), ("t.yaml", 1), ("d.yaml", 1)}
    assert all(p.where.endswith(f"line {p.line}") for p in err.value.problems)


def test_every_problem_of_every_file_is_reported_in_one_pass() -> None:
    one = profile(
        """\
        all:
          - {field: group_size, eq: many}
          - {field: destination, eq: XX}
          - {field: ticket_paid_by, eq: uncle}
        """
    )
    two = profile("any: []\n", pid="t2")
    problems = problems_of({"one.yaml": one, "two.yaml": two})
    assert len(problems) == 4
    assert any("whole number" in p for p in problems)
    assert any("unknown country code" in p for p in problems)
    assert any("not a value of ticket_paid_by" in p for p in problems)
    assert any(p.startswith("two.yaml") and "non-empty list" in p for p in problems)


def test_an_unknown_event_kind_in_applies_to_is_refused_with_the_value_shown() -> None:
    text = profile("all:\n  - obs_fearful\n") + "applies_to: [arrival]\n"
    (problem,) = problems_of({"p.yaml": text})
    assert "applies_to is a non-empty list of entry, exit, visa_application" in problem
    assert "['arrival']" in problem


def test_norway_written_without_quotes_gets_a_hint() -> None:
    (problem,) = problems_of({"p.yaml": profile("all:\n  - {field: destination, in: [NO]}\n")})
    assert "in quotes" in problem


def test_missing_criteria_and_missing_rationale_are_refused() -> None:
    text = HEADER.format(id="t1").replace("rationale: {en: Because., zh: 因为。}\n", "")
    problems = problems_of({"p.yaml": text})
    assert any("'rationale'" in p and "required" in p for p in problems)
    assert any("criteria are missing" in p for p in problems)


def test_duplicate_ids_across_files_are_reported_in_both() -> None:
    a = profile("all:\n  - obs_fearful\n", pid="same")
    problems = problems_of({"a.yaml": a, "b.yaml": a})
    assert len(problems) == 2
    assert all("duplicate profile id" in p for p in problems)


def test_an_identifying_field_can_never_be_used() -> None:
    (problem,) = problems_of({"p.yaml": profile("all:\n  - {field: surname, eq: Smith}\n")})
    assert "identifying field" in problem


def test_an_operator_that_does_not_fit_the_field_is_refused() -> None:
    (problem,) = problems_of({"p.yaml": profile("all:\n  - {field: trip_type, gt: one_way}\n")})
    assert "does not apply to a enum field" in problem


def test_an_unknown_named_list_is_refused() -> None:
    (problem,) = problems_of(
        {"p.yaml": profile("all:\n  - {field: sponsor_name, in_list: nowhere}\n")}
    )
    assert "unknown named list" in problem


def test_the_lists_a_profile_uses_are_read_from_its_criteria_in_any_spelling() -> None:
    text = profile(
        """\
        any:
          - {field: sponsor_name, listed_in: agencies_of_concern}
          - not: {field: sponsor_name, in_named_list: cleared_agencies}
          - {field: sponsor_name, eq: in_list}
        """
    )
    assert lists_used(text) == {"agencies_of_concern", "cleared_agencies"}
    assert lists_used("criteria: [unclosed") == frozenset()


def test_a_profile_set_names_the_lists_its_profiles_use() -> None:
    ps = load_profile_set(EXAMPLES_DIR)
    assert ps.lists_used() == {"agencies_of_concern"}
    (user,) = ps.profiles_using("agencies_of_concern")
    assert profile_lists(user) == {"agencies_of_concern"}
    assert ps.profiles_using("no_such_list") == ()


def test_aliases_load_as_the_operator_they_stand_for() -> None:
    ps = profile_set_from_texts({"p.yaml": profile("all:\n  - {field: group_size, '>=': 3}\n")})
    assert ps.profiles[0].criteria.children[0] == Comparison("group_size", "ge", 3)  # type: ignore[union-attr]


def test_an_expired_profile_is_reported_by_check_but_still_loads(tmp_path: Path) -> None:
    text = profile("all:\n  - obs_fearful\n").replace("2099-12-31", "2026-02-01")
    (tmp_path / "old.yaml").write_text(text, encoding="utf-8")
    ps, problems = check_profile_set(tmp_path, on=dt.date(2026, 6, 1))
    assert ps is not None
    assert len(problems) == 1
    assert "past its review date" in str(problems[0])
    loaded = load_profile_set(tmp_path, on=dt.date(2026, 6, 1))
    assert loaded.in_force(dt.date(2026, 6, 1)) == ()
    with pytest.raises(InputError):
        load_profile_set(tmp_path, on=dt.date(2026, 6, 1), strict=True)


def test_the_loaded_tree_is_immutable() -> None:
    ps = load_profile_set(EXAMPLES_DIR)
    with pytest.raises(dataclasses.FrozenInstanceError):
        ps.profiles[0].weight = 99  # type: ignore[misc]


def test_the_version_stamp_follows_content_not_file_names() -> None:
    a = profile("all:\n  - obs_fearful\n")
    first = profile_set_from_texts({"x.yaml": a})
    renamed = profile_set_from_texts({"y.yaml": a})
    changed = profile_set_from_texts({"x.yaml": a.replace("obs_fearful", "obs_little_luggage")})
    assert first.version == renamed.version != changed.version


def test_every_operator_has_messages_in_english_and_chinese_for_some_field() -> None:
    for op in OPERATORS.values():
        assert op.kinds
        assert op.en
        assert op.zh
        assert op.en_negated
        assert op.zh_negated
        assert any(spec.kind in op.kinds for spec in FIELDS.values())


@pytest.mark.parametrize(
    "module",
    [
        "palermo.profiles",
        "palermo.profiles.ast",
        "palermo.profiles.operators",
        "palermo.profiles.loader",
        "palermo.profiles.build",
        "palermo.profiles.validate",
        "palermo.profiles.explain",
        "palermo.profiles.compile_python",
        "palermo.screening.hits",
        "palermo.screening.realtime",
    ],
)
def test_the_examples_in_docstrings_run(module: str) -> None:
    result = doctest.testmod(importlib.import_module(module))
    assert result.failed == 0
    assert result.attempted > 0
