"""Rules a profile must follow, including the rights guard.

Each check returns the problems it finds instead of stopping at the first, so an analyst sees
every mistake of a profile set in one pass. Messages are in English and Simplified Chinese.

**Rights guard** (../shared/reference/rights-and-data-protection.md §1, FRA 2018): protected
attributes (nationality, sex, age...) and their declared proxies may only *narrow* a profile
that already stands on circumstances. ``guard.flagged_group`` decides exactly (z3) whether some
group defined by them would be flagged whatever its members' circumstances; such a profile is
refused, naming the group. Whether age may narrow at all is ``GuardPolicy.age_may_narrow``.

>>> from palermo.profiles.ast import AllOf, AnyOf, Comparison, Text
>>> demographic = Comparison("nationality", "eq", "VN")
>>> behaviour = Comparison("obs_fearful", "eq", True)
>>> p = lambda node: Profile("p", 1, Text("P", "P"), Text("R", "R"), "o",
...     dt.date(2026, 1, 1), dt.date(2099, 1, 1), ("entry",), 1.0, node)
>>> rights_problems(p(AllOf((demographic, behaviour))), {})
[]
>>> print(rights_problems(p(AnyOf((demographic, behaviour))), {})[0].field)
nationality
"""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from palermo.errors import Location, Problem, Rule
from palermo.profiles.ast import NamedList, Node, Profile, Scalar, Text, comparisons
from palermo.profiles.guard import (
    AGE_FIELDS,
    CONTEXT_FIELDS,
    Group,
    UndecidedError,
    flagged_group,
    is_group_field,
)
from palermo.records.schema import COUNTRY_CODES, FieldSpec, Kind

__all__ = ["CONTEXT_FIELDS", "GuardPolicy", "rights_problems"]


@dataclass(frozen=True, slots=True)
class GuardPolicy:
    """Settings of the rights guard for a profile set (a loader option).

    ``age_may_narrow``: age (date of birth, age at travel, minor) may narrow a profile that
    stands on circumstances - child-protection profiles need it. Off, any use of age is refused.
    """

    age_may_narrow: bool = True


DEFAULT_POLICY = GuardPolicy()


def bilingual(en: str, zh: str) -> Rule:
    """One rule in both languages, as a ``Problem`` carries it (``rule``, ``rule_zh``)."""
    return Rule(en, zh)


def rights_problems(
    profile: Profile, lists: Mapping[str, NamedList], policy: GuardPolicy = DEFAULT_POLICY
) -> list[Problem]:
    """The rights guard's refusals of ``profile`` (empty when it may be used)."""
    line = profile.criteria.line or profile.line
    where = Location.line(profile.source, line)
    used = {str(c.value) for c in comparisons(profile.criteria) if c.op == "in_list"}
    group_fields = sorted(
        {c.field for c in comparisons(profile.criteria) if is_group_field(c.field)}
    )
    if not policy.age_may_narrow:
        ages = sorted({c.field for c in comparisons(profile.criteria)} & AGE_FIELDS)
        if ages:
            return [_age_refused(profile, where, line, ages)]
    try:
        group = _flagged_group(
            profile.criteria,
            tuple(sorted((n.id, n.kind, n.items) for n in lists.values() if n.id in used)),
            (profile.valid_from, profile.review_by),
        )
    except UndecidedError:
        return [_undecided(profile, where, line, group_fields)]
    if group is None:
        return []
    en, zh = group.describe("en"), group.describe("zh")
    return [
        Problem(
            at=where,
            line=line,
            field=", ".join(group_fields) or None,
            rule=f"rights guard: profile '{profile.id}' flags every traveller of the group "
            f"“{en}” whatever their circumstances; protected attributes and their proxies "
            "(origin, document issuing state) may only narrow criteria that stand on "
            "circumstances or behaviour (rights-and-data-protection.md §1)",
            rule_zh=f"权利保护规则：风险画像“{profile.id}”会标记群体［{zh}］中的每一位旅客，"
            "无论其具体情况如何；受保护属性及其替代属性（出发地、证件签发国）"
            "只能用于缩小以情境或行为为依据的条件范围",
        )
    ]


@functools.lru_cache(maxsize=4096)
def _flagged_group(
    criteria: Node,
    lists: tuple[tuple[str, str, frozenset[str]], ...],
    window: tuple[dt.date, dt.date],
) -> Group | None:
    """``flagged_group``, remembered: the same criteria are loaded again and again (web, tests)."""
    named = {
        lid: NamedList(lid, 1, Text("", ""), Text("", ""), "", kind, items)
        for lid, kind, items in lists
    }
    return flagged_group(criteria, named, window)


def _age_refused(profile: Profile, where: Location, line: int, ages: list[str]) -> Problem:
    return Problem(
        at=where,
        line=line,
        field=", ".join(ages),
        rule=f"rights guard: profile '{profile.id}' uses age, and this profile set's policy "
        "does not let age narrow a profile (rights-and-data-protection.md §1)",
        rule_zh=f"权利保护规则：风险画像“{profile.id}”使用了年龄，而本风险画像集的政策不允许以年龄缩小范围",
    )


def _undecided(profile: Profile, where: Location, line: int, fields: list[str]) -> Problem:
    return Problem(
        at=where,
        line=line,
        field=", ".join(fields) or None,
        rule=f"rights guard: profile '{profile.id}' is too complex to prove that no protected "
        "group is flagged whatever its circumstances; simplify its criteria",
        rule_zh=f"权利保护规则：风险画像“{profile.id}”过于复杂，无法证明不会无论情况如何都标记某一受保护群体；"
        "请简化其条件",
    )


def duplicate_id_problems(profiles: Iterable[Profile]) -> list[Problem]:
    profiles = list(profiles)
    counts = Counter(p.id for p in profiles)
    problems: list[Problem] = []
    for p in profiles:
        if counts[p.id] > 1:
            others = [
                Location.line(q.source, q.line) for q in profiles if q.id == p.id and q is not p
            ]
            problems.append(
                Problem(
                    at=Location.line(p.source, p.line),
                    line=p.line,
                    field="id",
                    value=p.id,
                    rule="duplicate profile id, also defined in "
                    + ", ".join(o.text("en") for o in others),
                    rule_zh="风险画像编号重复，另见 " + "、".join(o.text("zh") for o in others),
                )
            )
    return problems


def expiry_problems(profiles: Iterable[Profile], on: dt.date) -> list[Problem]:
    """Profiles past their review date (they stop firing) or not yet valid."""
    problems: list[Problem] = []
    for p in profiles:
        if p.review_by < on:
            problems.append(
                Problem(
                    at=Location.line(p.source, p.line),
                    line=p.line,
                    field="review_by",
                    value=p.review_by.isoformat(),
                    rule=f"profile '{p.id}' is past its review date and does not fire until "
                    "it is reviewed",
                    rule_zh=f"风险画像“{p.id}”已过复核日期，复核前不会触发",
                )
            )
        elif p.valid_from > on:
            problems.append(
                Problem(
                    at=Location.line(p.source, p.line),
                    line=p.line,
                    field="valid_from",
                    value=p.valid_from.isoformat(),
                    rule=f"profile '{p.id}' is not valid yet and does not fire before that date",
                    rule_zh=f"风险画像“{p.id}”尚未生效，生效日前不会触发",
                )
            )
    return problems


def _type_name(value: object) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return "nothing" if value is None else type(value).__name__


def check_scalar(spec: FieldSpec, value: object) -> tuple[Scalar | None, Rule | None]:
    """Normalise one literal for ``spec``; return (value, None) or (None, rule broken)."""
    return _SCALAR_CHECKS[spec.kind](spec, value, _type_name(value))


_Checked = tuple[Scalar | None, Rule | None]


def _country(spec: FieldSpec, value: object, got: str) -> _Checked:
    if isinstance(value, bool):
        hint = " (YAML reads NO, ON, YES unquoted as true/false: write 'NO' in quotes)"
        return None, bilingual(
            f"expected a country code, got {got}{hint}",
            "应为国家代码（挪威等代码请加引号，如 'NO'）",
        )
    if not isinstance(value, str):
        return None, bilingual(f"expected a country code, got {got}", "应为国家代码")
    code = value.strip().upper()
    if code not in COUNTRY_CODES:
        return None, bilingual(
            f"unknown country code {value!r}: expected ISO 3166-1 alpha-2",
            "未知国家代码：应为 ISO 3166-1 两位字母代码",
        )
    return code, None


def _enum(spec: FieldSpec, value: object, got: str) -> _Checked:
    if not isinstance(value, str) or value not in spec.domain:
        return None, bilingual(
            f"{value!r} is not a value of {spec.name}: expected one of " + ", ".join(spec.domain),
            f"不是{spec.label_zh}的取值，应为：" + "、".join(spec.domain),
        )
    return value, None


def _string(spec: FieldSpec, value: object, got: str) -> _Checked:
    if not isinstance(value, str):
        return None, bilingual(
            f"expected text, got {got} (put it in quotes)", "应为文本（请加引号）"
        )
    return value, None


def _date(spec: FieldSpec, value: object, got: str) -> _Checked:
    if isinstance(value, dt.datetime):
        return value.date(), None
    if isinstance(value, dt.date):
        return value, None
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()), None
        except ValueError:
            pass
    return None, bilingual(
        f"expected a date written YYYY-MM-DD, got {got}", "应为日期，格式 YYYY-MM-DD"
    )


def _int(spec: FieldSpec, value: object, got: str) -> _Checked:
    if isinstance(value, bool) or not isinstance(value, int):
        return None, bilingual(f"expected a whole number, got {got}", "应为整数")
    return value, None


def _float(spec: FieldSpec, value: object, got: str) -> _Checked:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None, bilingual(f"expected a number, got {got}", "应为数字")
    if math.isnan(value) or math.isinf(value):
        return None, bilingual("expected a finite number", "应为有限数值")
    return float(value), None


def _bool(spec: FieldSpec, value: object, got: str) -> _Checked:
    if not isinstance(value, bool):
        return None, bilingual(f"expected true or false, got {got}", "应为 true 或 false")
    return value, None


# one check per field kind: a kind missing here is a KeyError at the first profile using it
_SCALAR_CHECKS: dict[Kind, Callable[[FieldSpec, object, str], _Checked]] = {
    Kind.COUNTRY: _country,
    Kind.COUNTRY_LIST: _country,  # a transit point is a country code
    Kind.ENUM: _enum,
    Kind.STRING: _string,
    Kind.DATE: _date,
    Kind.INT: _int,
    Kind.FLOAT: _float,
    Kind.BOOL: _bool,
}


def list_kind_fits(field_kind: Kind, named: NamedList) -> bool:
    if field_kind in (Kind.COUNTRY, Kind.COUNTRY_LIST):
        return named.kind == "country"
    return named.kind == "string"
