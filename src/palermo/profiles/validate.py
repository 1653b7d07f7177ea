"""Rules a profile must follow, including the rights guard.

Each check returns the problems it finds instead of stopping at the first, so an analyst sees
every mistake of a profile set in one pass. Messages are in English and Simplified Chinese.

**Rights guard** (../shared/reference/rights-and-data-protection.md §1, FRA 2018): a protected
attribute (nationality, sex, age, the document's issuing state...) never stands alone. The
guard looks at *every way* the criteria can be satisfied - ``any`` offers a choice, ``all``
needs every branch, ``not`` swaps the two (De Morgan) - and refuses the profile when one of those
ways uses only protected attributes and context (event kind, port, date). So
``any: [nationality eq VN, obs_fearful]`` is refused: nationality alone can fire it.

>>> from palermo.profiles.ast import AllOf, AnyOf, Comparison
>>> demographic = Comparison("nationality", "eq", "VN")
>>> behaviour = Comparison("obs_fearful", "eq", True)
>>> can_fire_on_protected_alone(AnyOf((demographic, behaviour)))
True
>>> can_fire_on_protected_alone(AllOf((demographic, behaviour)))
False
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Callable, Iterable

from palermo.errors import Problem, Rule
from palermo.profiles.ast import AllOf, Comparison, NamedList, Node, Not, Profile, Scalar
from palermo.records.schema import COUNTRY_CODES, FIELDS, FieldSpec, Kind

# Fields that describe the checkpoint, not the traveller: they never count as a circumstance.
CONTEXT_FIELDS = frozenset({"event_kind", "port", "event_date"})


def bilingual(en: str, zh: str) -> Rule:
    """One rule in both languages, as a ``Problem`` carries it (``rule``, ``rule_zh``)."""
    return Rule(en, zh)


def can_fire_on_protected_alone(node: Node, *, negated: bool = False) -> bool:
    """True when some way of satisfying ``node`` uses only protected or context fields."""
    if isinstance(node, Comparison):
        spec = FIELDS.get(node.field)
        return node.field in CONTEXT_FIELDS or (spec is not None and spec.protected)
    if isinstance(node, Not):
        return can_fire_on_protected_alone(node.child, negated=not negated)
    needs_every_child = isinstance(node, AllOf) != negated  # all, or not-any
    results = [can_fire_on_protected_alone(c, negated=negated) for c in node.children]
    return all(results) if needs_every_child else any(results)


def rights_problems(profile: Profile) -> list[Problem]:
    if not can_fire_on_protected_alone(profile.criteria):
        return []
    protected = sorted(
        {
            c.field
            for c in _leaves(profile.criteria)
            if (FIELDS.get(c.field) is not None and FIELDS[c.field].protected)
            or c.field in CONTEXT_FIELDS
        }
    )
    return [
        Problem(
            where=f"{profile.source} line {profile.criteria.line or profile.line}",
            line=profile.criteria.line or profile.line,
            field=", ".join(protected) or None,
            rule=f"rights guard: profile '{profile.id}' could fire on protected attributes "
            "alone; every way its criteria can be met needs at least one circumstance or "
            "behaviour criterion (rights-and-data-protection.md §1)",
            rule_zh=f"权利保护规则：风险画像“{profile.id}”可能仅凭受保护属性触发；"
            "其条件的每一种满足方式都必须至少包含一项情境或行为条件",
        )
    ]


def _leaves(node: Node) -> Iterable[Comparison]:
    if isinstance(node, Comparison):
        yield node
    elif isinstance(node, Not):
        yield from _leaves(node.child)
    else:
        for child in node.children:
            yield from _leaves(child)


def duplicate_id_problems(profiles: Iterable[Profile]) -> list[Problem]:
    profiles = list(profiles)
    counts = Counter(p.id for p in profiles)
    problems: list[Problem] = []
    for p in profiles:
        if counts[p.id] > 1:
            others = [f"{q.source} line {q.line}" for q in profiles if q.id == p.id and q is not p]
            problems.append(
                Problem(
                    where=f"{p.source} line {p.line}",
                    line=p.line,
                    field="id",
                    value=p.id,
                    rule="duplicate profile id, also defined in " + ", ".join(others),
                    rule_zh="风险画像编号重复，另见 " + ", ".join(others),
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
                    where=f"{p.source} line {p.line}",
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
                    where=f"{p.source} line {p.line}",
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
