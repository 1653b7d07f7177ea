"""Rights guard: demographic attributes never stand alone (FRA 2018)."""

from __future__ import annotations

import textwrap

import pytest

from palermo.errors import InputError
from palermo.profiles.loader import profile_set_from_texts

HEADER = """\
id: guard
version: 1
title: {en: Test, zh: 测试}
rationale: {en: Because., zh: 因为。}
owner: tests
valid_from: 2026-01-01
review_by: 2099-12-31
criteria:
"""


def load(criteria: str) -> None:
    profile_set_from_texts({"p.yaml": HEADER + textwrap.indent(textwrap.dedent(criteria), "  ")})


def refused(criteria: str) -> str:
    with pytest.raises(InputError) as err:
        load(criteria)
    (problem,) = err.value.problems
    return str(problem)


def test_a_profile_using_only_nationality_is_refused_with_the_reason_in_both_languages() -> None:
    message = refused("all:\n  - {field: nationality, eq: VN}\n")
    assert "rights guard" in message
    assert "circumstances or behaviour" in message
    assert "group “nationality = VN”" in message
    assert "［国籍 = VN］" in message
    assert "权利保护规则" in message
    assert "nationality" in message


def test_sex_and_age_together_are_still_demographics_only() -> None:
    refused("all:\n  - {field: sex, eq: F}\n  - {field: age_at_travel, lt: 25}\n")


def test_a_behaviour_offered_only_as_an_alternative_does_not_save_nationality() -> None:
    refused("any:\n  - {field: nationality, eq: VN}\n  - obs_fearful\n")


def test_checkpoint_context_does_not_count_as_a_circumstance() -> None:
    refused("all:\n  - {field: nationality, eq: VN}\n  - {field: event_kind, eq: exit}\n")


def test_not_is_pushed_through_so_a_negated_all_is_an_any() -> None:
    # not(all(nationality ne VN, fearful)) == any(nationality is VN, not fearful): refused
    refused("not:\n  all:\n    - {field: nationality, ne: VN}\n    - obs_fearful\n")


def test_nationality_beside_a_behaviour_in_every_branch_is_accepted() -> None:
    load(
        """\
        all:
          - {field: nationality, in: [VN, KH]}
          - any:
              - obs_fearful
              - {field: ticket_paid_by, eq: recruitment_agency}
        """
    )


def test_a_profile_without_any_demographic_attribute_is_accepted() -> None:
    load("all:\n  - obs_document_held_by_other\n")
