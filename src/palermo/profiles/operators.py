"""Every comparison operator of the profile language, declared once.

Each operator has a name, the aliases an analyst may write instead, the shape of its value, the
field kinds it applies to, and message templates (English and Simplified Chinese, positive and
negated) used to explain hits. The compilers (``compile_ibis``, ``compile_python``) implement
each operator by name; tests/screening/test_engines_agree.py draws every operator declared here
(it enumerates ``OPERATORS``) and requires the same hits from both.

Null semantics (the same in every engine, tested): a comparison whose field is missing is
**false** - except ``is_null``, which is exactly the test for missing. ``not`` is plain negation
of that two-valued result, so ``not: {field: visa_type, eq: work}`` is true when the visa type
is missing, while ``{field: visa_type, ne: work}`` is false then. A floating-point NaN counts as
missing.

>>> OPERATORS["eq"].message("en", negated=False, label="Trip", value="one_way")
'Trip is one_way'
>>> resolve("==").name
'eq'
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from palermo.records.schema import Kind


class Shape(StrEnum):
    """What an operator's value looks like in YAML."""

    SCALAR = "scalar"  # eq: one_way
    SET = "set"  # in: [TH, MY]
    RANGE = "range"  # between: [18, 25]
    FLAG = "flag"  # is_null: true
    LIST_NAME = "list_name"  # in_list: agencies_of_concern


SCALAR_KINDS = frozenset(
    {Kind.STRING, Kind.ENUM, Kind.COUNTRY, Kind.DATE, Kind.INT, Kind.FLOAT, Kind.BOOL}
)
ORDERED_KINDS = frozenset({Kind.DATE, Kind.INT, Kind.FLOAT})
DISCRETE_KINDS = frozenset({Kind.STRING, Kind.ENUM, Kind.COUNTRY, Kind.INT, Kind.FLOAT})
ALL_KINDS = frozenset(Kind)


@dataclass(frozen=True, slots=True)
class Operator:
    name: str
    aliases: tuple[str, ...]
    shape: Shape
    kinds: frozenset[Kind]
    en: str
    zh: str
    en_negated: str
    zh_negated: str

    def message(self, lang: str, *, negated: bool, label: str, value: str) -> str:
        """The sentence for one comparison, in ``lang`` ("en" or "zh")."""
        if lang == "zh":
            template = self.zh_negated if negated else self.zh
        else:
            template = self.en_negated if negated else self.en
        return template.format(label=label, value=value)


_DECLARED: tuple[Operator, ...] = (
    Operator(
        "eq",
        ("==", "equals", "is"),
        Shape.SCALAR,
        SCALAR_KINDS,
        "{label} is {value}",
        "{label}为{value}",
        "{label} is not {value} (or not recorded)",
        "{label}不为{value}（或未记录）",
    ),
    Operator(
        "ne",
        ("!=", "not_equals", "is_not"),
        Shape.SCALAR,
        SCALAR_KINDS,
        "{label} is recorded and is not {value}",
        "{label}已记录且不为{value}",
        "{label} is {value} (or not recorded)",
        "{label}为{value}（或未记录）",
    ),
    Operator(
        "in",
        ("one_of", "any_of"),
        Shape.SET,
        DISCRETE_KINDS | {Kind.COUNTRY_LIST},
        "{label} is one of {value}",
        "{label}属于{value}之一",
        "{label} is none of {value} (or not recorded)",
        "{label}不属于{value}（或未记录）",
    ),
    Operator(
        "not_in",
        ("none_of",),
        Shape.SET,
        DISCRETE_KINDS | {Kind.COUNTRY_LIST},
        "{label} is recorded and is none of {value}",
        "{label}已记录且不属于{value}",
        "{label} is one of {value} (or not recorded)",
        "{label}属于{value}之一（或未记录）",
    ),
    Operator(
        "lt",
        ("<", "less_than", "before"),
        Shape.SCALAR,
        ORDERED_KINDS,
        "{label} is less than {value}",
        "{label}小于{value}",
        "{label} is not less than {value} (or not recorded)",
        "{label}不小于{value}（或未记录）",
    ),
    Operator(
        "le",
        ("<=", "at_most"),
        Shape.SCALAR,
        ORDERED_KINDS,
        "{label} is at most {value}",
        "{label}不超过{value}",
        "{label} is more than {value} (or not recorded)",
        "{label}超过{value}（或未记录）",
    ),
    Operator(
        "gt",
        (">", "greater_than", "after"),
        Shape.SCALAR,
        ORDERED_KINDS,
        "{label} is more than {value}",
        "{label}大于{value}",
        "{label} is not more than {value} (or not recorded)",
        "{label}不大于{value}（或未记录）",
    ),
    Operator(
        "ge",
        (">=", "at_least"),
        Shape.SCALAR,
        ORDERED_KINDS,
        "{label} is at least {value}",
        "{label}不少于{value}",
        "{label} is less than {value} (or not recorded)",
        "{label}少于{value}（或未记录）",
    ),
    Operator(
        "between",
        ("range",),
        Shape.RANGE,
        ORDERED_KINDS,
        "{label} is between {value} (inclusive)",
        "{label}介于{value}之间（含两端）",
        "{label} is outside {value} (or not recorded)",
        "{label}不在{value}之间（或未记录）",
    ),
    Operator(
        "is_null",
        ("missing",),
        Shape.FLAG,
        ALL_KINDS,
        "{label} is {value}",
        "{label}{value}",
        "{label} is not {value}",
        "{label}并非{value}",
    ),
    Operator(
        "in_list",
        ("in_named_list", "listed_in"),
        Shape.LIST_NAME,
        frozenset({Kind.STRING, Kind.COUNTRY, Kind.COUNTRY_LIST}),
        "{label} is on the list {value}",
        "{label}在名单{value}中",
        "{label} is not on the list {value} (or not recorded)",
        "{label}不在名单{value}中（或未记录）",
    ),
)

OPERATORS: dict[str, Operator] = {op.name: op for op in _DECLARED}
_BY_SPELLING: dict[str, Operator] = {
    **{alias: op for op in _DECLARED for alias in op.aliases},
    **OPERATORS,
}


def resolve(spelling: str) -> Operator | None:
    """The operator an analyst meant by ``spelling`` (its name or an alias), or None."""
    return _BY_SPELLING.get(spelling)


def spellings() -> tuple[str, ...]:
    """Every accepted spelling, for error messages."""
    return tuple(sorted(_BY_SPELLING))
