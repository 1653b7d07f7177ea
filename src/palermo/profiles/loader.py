"""Reading profile sets into the immutable tree, with a file and line for every problem.

Three steps, three modules: ``yaml_lines`` reads YAML with line numbers, ``build`` builds one
profile or named list, and this module reads sets (texts, or a directory) and checks them as a
whole (duplicate ids, lists used). A profile set is a directory: one profile per ``*.yaml``
file, named lists in ``lists/*.yaml``.
``load_profile_set`` raises ``InputError`` listing every problem of every file; profiles past
their review date are loaded but do not fire (see ``ProfileSet.in_force``), and
``check_profile_set`` reports them as problems too.

>>> doc = '''
... id: demo
... version: 1
... title: {en: Demo, zh: 演示}
... rationale: {en: Documents held by someone else., zh: 证件由他人保管。}
... owner: analyst
... valid_from: 2026-01-01
... review_by: 2099-01-01
... criteria:
...   all:
...     - obs_document_held_by_other
...     - {field: trip_type, eq: one_way}
... '''
>>> ps = profile_set_from_texts({"demo.yaml": doc})
>>> ps.profiles[0].criteria.children[1]
Comparison(field='trip_type', op='eq', value='one_way')
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from pathlib import Path

from palermo.errors import InputError, Problem
from palermo.profiles.ast import Comparison, NamedList, Profile, comparisons
from palermo.profiles.build import build_list, build_profile, lists_used
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.profiles.validate import (
    DEFAULT_POLICY,
    GuardPolicy,
    duplicate_id_problems,
    expiry_problems,
)
from palermo.profiles.yaml_lines import LineDict, LineList, read_yaml


def profile_set_from_texts(
    profiles: Mapping[str, str],
    lists: Mapping[str, str] | None = None,
    *,
    on: dt.date | None = None,
    strict: bool = False,
    policy: GuardPolicy = DEFAULT_POLICY,
) -> ProfileSet:
    """A profile set from YAML texts keyed by their source name; ``InputError`` on problems.

    ``strict`` also refuses profiles that are not in force on ``on`` (default today);
    ``policy`` sets the rights guard (whether age may narrow a profile).
    """
    result, problems = check_texts(profiles, lists or {}, policy)
    if result is not None and strict:
        problems += expiry_problems(result.profiles, on or screening_day())
    if problems or result is None:
        raise InputError(problems)
    return result


def read_lists(texts: Mapping[str, str]) -> tuple[list[NamedList], list[Problem]]:
    """The named lists of YAML texts (by source) that build, and every problem of the others."""
    problems: list[Problem] = []
    named: list[NamedList] = []
    for source, text in texts.items():
        doc, found = read_yaml(text, source)
        problems += found
        if doc is not None:
            built, found = build_list(doc, source)
            problems += found
            if built is not None:
                named.append(built)
    return named, problems


def check_texts(
    profiles: Mapping[str, str],
    lists: Mapping[str, str],
    policy: GuardPolicy = DEFAULT_POLICY,
) -> tuple[ProfileSet | None, list[Problem]]:
    """Every problem of a set of YAML texts, and the set itself when there is none.

    Whether a profile is in force is not checked here: it depends on the day of screening.
    """
    named, problems = read_lists(lists)
    problems += _duplicate_list_problems(named)
    by_id = {n.id: n for n in named}
    built_profiles: list[Profile] = []
    for source, text in profiles.items():
        doc, found = read_yaml(text, source)
        problems += found
        if doc is None:
            continue
        profile, found = build_profile(doc, source, by_id, policy)
        problems += found
        if profile is not None:
            built_profiles.append(profile)
    problems += duplicate_id_problems(built_profiles)
    if not profiles:
        problems.append(
            Problem(where="profile set", rule="no profiles found", rule_zh="未找到风险画像")
        )
    if problems:
        return None, problems
    return ProfileSet.of(built_profiles, named), problems


def _duplicate_list_problems(named: Iterable[NamedList]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for n in named:
        if n.id in seen:
            problems.append(
                Problem(
                    where=n.source,
                    field="id",
                    value=n.id,
                    rule=f"duplicate list id, also in {seen[n.id]}",
                    rule_zh=f"名单编号重复，另见 {seen[n.id]}",
                )
            )
        seen[n.id] = n.source
    return problems


def _read_directory(directory: Path) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    if not directory.exists():
        raise InputError(
            [
                Problem(
                    where=str(directory),
                    rule="profile directory not found",
                    rule_zh="找不到风险画像目录",
                )
            ]
        )
    if not directory.is_dir():
        raise InputError(
            [Problem(where=str(directory), rule="not a directory", rule_zh="不是目录")]
        )
    problems: list[Problem] = []

    def texts(folder: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                out[str(path)] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.append(
                    Problem(where=str(path), rule="not UTF-8 text", rule_zh="不是 UTF-8 文本")
                )
        return out

    lists_dir = directory / "lists"
    return texts(directory), texts(lists_dir) if lists_dir.is_dir() else {}, problems


def load_profile_set(
    directory: str | Path,
    *,
    on: dt.date | None = None,
    strict: bool = False,
    policy: GuardPolicy = DEFAULT_POLICY,
) -> ProfileSet:
    """Load and validate the profile set in ``directory``; ``InputError`` lists every problem.

    Profiles not in force on ``on`` (default today) are loaded and never fire; with ``strict``
    they are problems too.
    """
    profiles, lists, problems = _read_directory(Path(directory))
    if problems:
        raise InputError(problems)
    return profile_set_from_texts(profiles, lists, on=on, strict=strict, policy=policy)


def check_profile_set(
    directory: str | Path,
    *,
    on: dt.date | None = None,
    policy: GuardPolicy = DEFAULT_POLICY,
) -> tuple[ProfileSet | None, list[Problem]]:
    """Every problem of the set in ``directory``, expired profiles included."""
    profiles, lists, problems = _read_directory(Path(directory))
    result, found = check_texts(profiles, lists, policy)
    problems += found
    if result is not None:
        problems += expiry_problems(result.profiles, on or screening_day())
    return result, problems


def distinct_comparisons(profile_set: ProfileSet) -> tuple[Comparison, ...]:
    """Each distinct comparison of the set once, in first-use order."""
    seen: dict[Comparison, None] = {}
    for p in profile_set.profiles:
        seen.update(dict.fromkeys(comparisons(p.criteria)))
    return tuple(seen)


__all__ = [
    "LineDict",
    "LineList",
    "build_list",
    "build_profile",
    "check_profile_set",
    "check_texts",
    "distinct_comparisons",
    "lists_used",
    "load_profile_set",
    "profile_set_from_texts",
    "read_yaml",
]
