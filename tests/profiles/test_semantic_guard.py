"""The semantic rights guard against an adversarial corpus, with its decisions property-tested.

Each file of guard_corpus/refused is a profile's criteria that flags some protected group
whatever the circumstances of its members (its first line names the group the refusal must
name); each file of guard_corpus/accepted is one where protected attributes only narrow.
For a refusal, records of the witness group drawn at random are flagged, every one, by the
compiled profile; for an acceptance, the solver finds a record of any protected group that the
compiled profile does not flag.
"""

from __future__ import annotations

import datetime as dt
import functools
import textwrap
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from palermo.errors import InputError
from palermo.profiles import EXAMPLES_DIR, check_profile_set, load_profile_set
from palermo.profiles.ast import NamedList, Node
from palermo.profiles.build import build_profile
from palermo.profiles.compile_python import compile_python
from palermo.profiles.guard import COUNTRIES, escape_record, flagged_group, is_group_field
from palermo.profiles.loader import profile_set_from_texts
from palermo.profiles.validate import GuardPolicy
from palermo.profiles.yaml_lines import read_yaml
from palermo.records.schema import INPUT_FIELDS, FieldSpec, Kind, with_derived

CORPUS = Path(__file__).parent / "guard_corpus"
REFUSED = sorted((CORPUS / "refused").glob("*.yaml"))
ACCEPTED = sorted((CORPUS / "accepted").glob("*.yaml"))
LISTS = {str(p): p.read_text(encoding="utf-8") for p in sorted((CORPUS / "lists").glob("*.yaml"))}

HEADER = """\
id: {name}
version: 1
title: {{en: Test, zh: 测试}}
rationale: {{en: Because., zh: 因为。}}
owner: tests
valid_from: 2026-01-01
review_by: 2099-12-31
criteria:
"""


def _text(path: Path) -> str:
    body = path.read_text(encoding="utf-8")
    return HEADER.format(name=path.stem) + textwrap.indent(body, "  ")


def _expected_group(path: Path) -> str:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# group: "), f"{path.name} must name its group on line 1"
    return first.removeprefix("# group: ")


@functools.cache
def _lists() -> dict[str, NamedList]:
    accepted = ACCEPTED[0]
    return dict(profile_set_from_texts({"p.yaml": _text(accepted)}, LISTS).lists)


@functools.cache
def _criteria(path: Path) -> Node:
    """The criteria of a corpus file (the builder returns the profile beside its refusals)."""
    doc, problems = read_yaml(_text(path), path.name)
    assert doc is not None
    assert not problems
    profile, _refusals = build_profile(doc, path.name, _lists())
    assert profile is not None
    return profile.criteria


def test_the_corpus_has_at_least_forty_adversarial_profiles() -> None:
    assert len(REFUSED) >= 40


@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.stem)
def test_an_adversarial_profile_is_refused_naming_its_group_in_both_languages(path: Path) -> None:
    with pytest.raises(InputError) as err:
        profile_set_from_texts({f"{path.stem}.yaml": _text(path)}, LISTS)
    (problem,) = err.value.problems
    assert "rights guard" in problem.rule
    assert _expected_group(path) in problem.rule
    assert problem.rule_zh.startswith("权利保护规则")
    assert "无论其具体情况如何" in problem.rule_zh
    assert problem.line == 10  # the first line of the criteria, after the comment


@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.stem)
def test_a_profile_where_protected_attributes_only_narrow_is_accepted(path: Path) -> None:
    profile_set_from_texts({f"{path.stem}.yaml": _text(path)}, LISTS)


def test_every_shipped_profile_passes_the_guard() -> None:
    _result, problems = check_profile_set(EXAMPLES_DIR, on=dt.date(2026, 6, 1))
    assert problems == []


def test_a_set_whose_policy_forbids_age_refuses_the_profiles_that_use_it() -> None:
    _result, problems = check_profile_set(
        EXAMPLES_DIR, on=dt.date(2026, 6, 1), policy=GuardPolicy(age_may_narrow=False)
    )
    refused = sorted(Path(p.where.split(" line ")[0]).stem for p in problems)
    assert refused == ["entertainment-recruitment-third-party", "minor-with-suspect-document"]
    assert all("does not let age narrow" in p.rule and "年龄" in p.rule_zh for p in problems)
    load_profile_set(EXAMPLES_DIR)  # the default policy lets age narrow (child protection)


# --- property tests ---------------------------------------------------------------------------

_TEXTS = ["Golden Opportunity Jobs", "Star Talent Agency", "Tan Son Nhat", "Noi Bai", "Acme"]


def _value(spec: FieldSpec) -> st.SearchStrategy[Any]:
    kind = spec.kind
    strategies: dict[Kind, st.SearchStrategy[Any]] = {
        Kind.BOOL: st.booleans(),
        Kind.ENUM: st.sampled_from(spec.domain),
        Kind.COUNTRY: st.sampled_from(["VN", "KH", "LA", "MM", "NG", "PH", "TH", *COUNTRIES]),
        Kind.STRING: st.sampled_from(_TEXTS),
        Kind.DATE: st.dates(dt.date(1900, 1, 1), dt.date(2100, 12, 31)),
        Kind.INT: st.integers(int(spec.minimum or 0), int(spec.maximum or 1000)),
        Kind.FLOAT: st.floats(spec.minimum or 0, spec.maximum or 1e7),
        Kind.COUNTRY_LIST: st.lists(st.sampled_from(["TH", "MY", "TR", "AE", "VN"]), max_size=4),
    }
    return strategies[kind]


@st.composite
def _record(draw: st.DrawFn) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for name, spec in INPUT_FIELDS.items():
        if spec.identifying:
            continue
        value = draw(_value(spec))
        record[name] = value if spec.required or draw(st.booleans()) else None
    if record["date_of_birth"] is not None and record["date_of_birth"] > record["event_date"]:
        record["date_of_birth"] = record["event_date"]
    return record


@functools.cache
def _witness(path: Path) -> Any:
    group = flagged_group(_criteria(path), _lists())
    assert group is not None, f"{path.stem}: the solver found no flagged group"
    return group


@functools.cache
def _plan(path: Path) -> Any:
    return compile_python([_criteria(path)], _lists())


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("path", REFUSED, ids=lambda p: p.stem)
def test_every_member_of_the_witness_group_is_flagged(path: Path, data: st.DataObject) -> None:
    group = _witness(path)
    record = data.draw(_record())
    record.update(group.record)
    for name, recorded in group.recorded.items():
        if not recorded:
            record[name] = None
        elif record[name] is None:
            record[name] = data.draw(_value(INPUT_FIELDS[name]))
    assert _plan(path).fired(with_derived(record)) == [0], record


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
@pytest.mark.parametrize("path", ACCEPTED, ids=lambda p: p.stem)
def test_a_member_of_every_protected_group_escapes(path: Path, data: st.DataObject) -> None:
    record = data.draw(_record())
    group = {name: value for name, value in record.items() if is_group_field(name)}
    escape = escape_record(_criteria(path), _lists(), group)
    assert escape is not None, f"no record of {group} escapes"
    for name, value in escape.items():
        if not is_group_field(name):
            record[name] = value
    assert _plan(path).fired(with_derived(record)) == [], record
