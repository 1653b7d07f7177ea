"""The semantic rights guard: no group defined by protected attributes is flagged wholesale.

A profile is refused when some *group* - a choice of protected attributes (nationality, sex,
date of birth, age...), of their declared proxies (``FieldSpec.proxy_of``: origin, document
issuing state), of the checkpoint context (event kind, port, event date) and of which other
fields happen to be recorded - is flagged **whatever the circumstances of its members**: the
profile fires for every value the field domains allow to the remaining (circumstance) fields.
Whether a field is recorded is part of the group, not a circumstance: ``declared_cash >= 0``
is true for everyone whose cash is recorded, and ``obs_fearful is_null: true`` for everyone at
a post that never records it (FRA 2018; ../shared/reference/rights-and-data-protection.md §1).

The question is decided exactly with the z3 SMT solver (``z3-solver``, the standard solver for
such formulas; no hand-written domain analysis to get wrong): "exists group G such that for all
circumstances C the criteria hold". It is answered without quantifiers by counter-example
guided refinement: propose a group, ask for circumstances under which the profile does not fire,
add "the profile fires under those circumstances" as a requirement on the next group, until no
group is left (accepted) or no escape exists (refused, with that group as the witness). Each
field has a typed variable with its domain (enumeration values, the country list, dates
1900-2100, the schema's bounds, booleans) and a presence flag; a comparison on a missing value is
false and ``not`` negates, as in ``operators.py`` and ``compile_python.py``. Derived fields are
expressions of their inputs (age in whole years from the dates of birth and travel).

>>> from palermo.profiles.ast import AllOf, AnyOf, Comparison, Not
>>> fearful = Comparison("obs_fearful", "eq", True)
>>> vn = Comparison("nationality", "eq", "VN")
>>> flagged_group(AllOf((vn, fearful)), {}) is None
True
>>> flagged_group(AllOf((vn, AnyOf((fearful, Not(fearful))))), {}).describe("en")
'nationality = VN'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import z3

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not, comparisons
from palermo.records.schema import (
    COUNTRY_CODES,
    DERIVED,
    FIELDS,
    INPUT_FIELDS,
    FieldSpec,
    Kind,
    derive,
)

# Fields that describe the checkpoint, not the traveller: part of a group, never a circumstance.
CONTEXT_FIELDS = frozenset({"event_kind", "port", "event_date"})
# Fields that say how old the traveller is; the policy may forbid them altogether.
AGE_FIELDS = frozenset({"age_at_travel", "is_minor", "date_of_birth"})
COUNTRIES: tuple[str, ...] = tuple(sorted(COUNTRY_CODES))
FIRST_DAY = dt.date(1900, 1, 1).toordinal()
LAST_DAY = dt.date(2100, 12, 31).toordinal()
MAX_ROUNDS = 400  # refinement rounds; each rules out one pattern of circumstances
TIMEOUT_MS = 20_000
_CUMULATIVE_DAYS = (0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334)


def is_group_field(name: str) -> bool:
    """True for fields that define a group: protected attributes, their proxies, the context."""
    spec = FIELDS[name]
    return spec.protected or spec.proxy_of is not None or name in CONTEXT_FIELDS


@dataclass(frozen=True, slots=True)
class Group:
    """A witness group: values of the group fields the profile uses, and what is recorded.

    ``values`` maps a field to its value (``None``: not recorded); ``recorded`` maps each
    circumstance field the profile uses to whether the group has it recorded. ``record`` is one
    input record of the group (circumstance fields left out), for tests and explanations.
    """

    values: Mapping[str, object]
    recorded: Mapping[str, bool]
    record: Mapping[str, object]

    def describe(self, lang: str) -> str:
        zh = lang == "zh"
        parts = [_describe_value(name, value, zh=zh) for name, value in self.values.items()]
        missing = [FIELDS[n].label_zh if zh else n for n, r in self.recorded.items() if not r]
        present = [FIELDS[n].label_zh if zh else n for n, r in self.recorded.items() if r]
        if present:
            parts.append(("已记录" if zh else "recorded: ") + ("、" if zh else ", ").join(present))
        if missing:
            parts.append(
                ("未记录" if zh else "not recorded: ") + ("、" if zh else ", ").join(missing)
            )
        if not parts:
            return "所有旅客" if zh else "every traveller"
        return ("，" if zh else ", ").join(parts)


def _describe_value(name: str, value: object, *, zh: bool) -> str:
    label = FIELDS[name].label_zh if zh else name
    if value is None:
        return f"{label}未记录" if zh else f"{name} not recorded"
    shown = value.isoformat() if isinstance(value, dt.date) else value
    return f"{label} = {shown}"


def _ordinal(y: Any, m: Any, d: Any) -> Any:
    """``date(y, m, d).toordinal()`` as a linear integer expression (division by constants)."""
    y1 = y - 1
    cumulative = z3.IntVal(0)
    for month in range(12, 0, -1):
        cumulative = z3.If(m == month, _CUMULATIVE_DAYS[month - 1], cumulative)
    leap = z3.And(y % 4 == 0, z3.Or(y % 100 != 0, y % 400 == 0))
    return (
        365 * y1 + y1 / 4 - y1 / 100 + y1 / 400 + cumulative + z3.If(z3.And(leap, m > 2), 1, 0) + d
    )


def _days_in_month(y: Any, m: Any) -> Any:
    leap = z3.And(y % 4 == 0, z3.Or(y % 100 != 0, y % 400 == 0))
    return z3.If(m == 2, z3.If(leap, 29, 28), z3.If(z3.Or(m == 4, m == 6, m == 9, m == 11), 30, 31))


class _Encoding:
    """Typed z3 variables for the fields a profile uses, their domains and its criteria."""

    def __init__(
        self,
        criteria: Node,
        lists: Mapping[str, NamedList],
        window: tuple[dt.date, dt.date] | None = None,
    ) -> None:
        self.lists = lists
        self.used = self._fields_used(criteria)
        self.strings: dict[str, list[str]] = {}
        self.transit_members: list[str] = []
        self.present: dict[str, Any] = {}
        self.value: dict[str, Any] = {}
        self.ymd: dict[str, tuple[Any, Any, Any]] = {}
        self.group: list[Any] = []
        self.circumstance: list[Any] = []
        self.group_domain: list[Any] = []
        self.circumstance_domain: list[Any] = []
        self.mentioned = {c.field for c in comparisons(criteria)}
        self._collect_literals(criteria)
        for name in sorted(self.inputs()):
            self._declare(INPUT_FIELDS[name])
        if "date_of_birth" in self.value:  # born before travelling
            self.group_domain.append(self.value["date_of_birth"] <= self.value["event_date"])
        if window is not None and "event_date" in self.value:
            first, last = (d.toordinal() for d in window)
            event = self.value["event_date"]
            self.group_domain += [event >= first, event <= last]
        self.formula = self.node(criteria)

    @staticmethod
    def _fields_used(criteria: Node) -> set[str]:
        used = {c.field for c in comparisons(criteria)}
        if used & {"age_at_travel", "is_minor", "date_of_birth"}:
            used |= {"date_of_birth", "event_date"}
        if "days_booking_to_travel" in used:
            used |= {"booking_date", "event_date"}
        if "passport_age_days" in used:
            used |= {"document_issue_date", "event_date"}
        if "transit_count" in used:
            used.add("transit")
        return used

    def inputs(self) -> set[str]:
        return {n for n in self.used if n in INPUT_FIELDS}

    def _collect_literals(self, criteria: Node) -> None:
        for c in comparisons(criteria):
            kind = FIELDS[c.field].kind
            if kind not in (Kind.STRING, Kind.COUNTRY_LIST) or c.op == "is_null":
                continue
            items = self._items(c)
            if kind == Kind.STRING:
                known = self.strings.setdefault(c.field, [])
                known.extend(str(i) for i in items if str(i) not in known)
            else:
                self.transit_members.extend(
                    str(i) for i in items if str(i) not in self.transit_members
                )

    def _items(self, c: Comparison) -> tuple[object, ...]:
        if c.op == "in_list":
            return tuple(sorted(self.lists[str(c.value)].items))
        return c.value if isinstance(c.value, tuple) else (c.value,)

    def _declare(self, spec: FieldSpec) -> None:
        name = spec.name
        grouped = is_group_field(name)
        side = self.group if grouped else self.circumstance
        domain = self.group_domain if grouped else self.circumstance_domain
        present = z3.Bool(f"present_{name}")
        self.group.append(present)  # whether a field is recorded is never a circumstance
        self.present[name] = present
        if spec.required:
            self.group_domain.append(present)
        if spec.kind == Kind.COUNTRY_LIST:
            self._declare_transit(side, domain)
            return
        var, bounds = self._typed(spec)
        self.value[name] = var
        side.append(var)
        domain.extend(bounds)
        if name in ("date_of_birth", "event_date"):
            self._declare_ymd(name, var)

    def _typed(self, spec: FieldSpec) -> tuple[Any, list[Any]]:
        name, kind = spec.name, spec.kind
        if kind == Kind.BOOL:
            return z3.Bool(name), []
        var = z3.Real(name) if kind == Kind.FLOAT else z3.Int(name)
        low, high = _bounds(spec, len(self.strings.get(name, ())))
        bounds = [var >= low] if low is not None else []
        return var, bounds + ([var <= high] if high is not None else [])

    def _declare_ymd(self, name: str, var: Any) -> None:
        y, m, d = z3.Int(f"{name}_y"), z3.Int(f"{name}_m"), z3.Int(f"{name}_d")
        self.ymd[name] = (y, m, d)
        self.group.extend((y, m, d))
        self.group_domain += [
            y >= 1899,
            y <= 2101,
            m >= 1,
            m <= 12,
            d >= 1,
            d <= _days_in_month(y, m),
            var == _ordinal(y, m, d),
        ]

    def _declare_transit(self, side: list[Any], domain: list[Any]) -> None:
        members = [z3.Bool(f"transit_{c}") for c in self.transit_members]
        other = z3.Bool("transit_other")
        count = z3.Int("transit_count")
        self.value["transit"] = (members, other, count)
        side.extend([*members, other, count])
        distinct = z3.Sum([z3.If(b, 1, 0) for b in [*members, other]])
        domain += [count >= distinct, count <= 1000, z3.Implies(count > 0, distinct > 0)]
        if set(self.transit_members) >= set(COUNTRIES):  # no country left for "other"
            domain.append(z3.Not(other))

    # --- the criteria ----------------------------------------------------------------------

    def node(self, n: Node) -> Any:
        if isinstance(n, Comparison):
            return self.atom(n)
        if isinstance(n, Not):
            return z3.Not(self.node(n.child))
        parts = [self.node(c) for c in n.children]
        assert isinstance(n, AllOf | AnyOf)
        return z3.And(parts) if isinstance(n, AllOf) else z3.Or(parts)

    def atom(self, c: Comparison) -> Any:
        present = self.presence(c.field)
        if c.op == "is_null":
            return z3.Not(present) if c.value else present
        if FIELDS[c.field].kind == Kind.COUNTRY_LIST:
            return z3.And(present, self._transit_test(c))
        return z3.And(present, self._scalar_test(c, self.expression(c.field)))

    def presence(self, name: str) -> Any:
        if name in INPUT_FIELDS:
            return self.present[name]
        inputs = {
            "age_at_travel": ("date_of_birth", "event_date"),
            "is_minor": ("date_of_birth", "event_date"),
            "days_booking_to_travel": ("booking_date", "event_date"),
            "passport_age_days": ("document_issue_date", "event_date"),
            "transit_count": ("transit",),
        }[name]
        return z3.And([self.present[i] for i in inputs])

    def expression(self, name: str) -> Any:
        if name in INPUT_FIELDS:
            return self.value[name]
        if name in ("age_at_travel", "is_minor"):
            (yb, mb, db), (ye, me, de) = self.ymd["date_of_birth"], self.ymd["event_date"]
            age = ye - yb - z3.If(me * 100 + de < mb * 100 + db, 1, 0)
            return age if name == "age_at_travel" else age < 18
        if name == "days_booking_to_travel":
            return self.value["event_date"] - self.value["booking_date"]
        if name == "passport_age_days":
            return self.value["event_date"] - self.value["document_issue_date"]
        return self.value["transit"][2]  # transit_count

    def _transit_test(self, c: Comparison) -> Any:
        members, _other, _count = self.value["transit"]
        wanted = {str(i) for i in self._items(c)}
        hit = z3.Or(
            [b for code, b in zip(self.transit_members, members, strict=True) if code in wanted]
        )
        return z3.Not(hit) if c.op == "not_in" else hit

    def _scalar_test(self, c: Comparison, x: Any) -> Any:
        spec = FIELDS[c.field]
        if c.op in ("in", "not_in", "in_list"):
            inside = z3.Or([x == self.encode(spec, v) for v in self._items(c)])
            return z3.Not(inside) if c.op == "not_in" else inside
        if c.op == "between":
            assert isinstance(c.value, tuple)
            low, high = (self.encode(spec, v) for v in c.value)
            return z3.And(x >= low, x <= high)
        v = self.encode(spec, c.value)
        return {
            "eq": lambda: x == v,
            "ne": lambda: x != v,
            "lt": lambda: x < v,
            "le": lambda: x <= v,
            "gt": lambda: x > v,
            "ge": lambda: x >= v,
        }[c.op]()

    def encode(self, spec: FieldSpec, value: object) -> Any:
        """A literal of the profile as the z3 value of ``spec``'s variable."""
        kind = spec.kind
        if kind == Kind.BOOL:
            return z3.BoolVal(bool(value))
        if kind in (Kind.ENUM, Kind.COUNTRY):  # a value outside the domain equals nothing: -1
            domain = spec.domain if kind == Kind.ENUM else COUNTRIES
            return z3.IntVal(domain.index(str(value)) if str(value) in domain else -1)
        if kind == Kind.STRING:
            return z3.IntVal(self.strings[spec.name].index(str(value)))
        if kind == Kind.DATE:
            assert isinstance(value, dt.date)
            return z3.IntVal(value.toordinal())
        if kind == Kind.FLOAT:
            return z3.RealVal(str(value))
        assert isinstance(value, int)
        return z3.IntVal(value)

    # --- decoding a model ------------------------------------------------------------------

    def decode(self, model: Any, names: Iterable[str]) -> dict[str, object]:
        """Input-record values of ``names`` in ``model`` (``None`` where not recorded)."""
        out: dict[str, object] = {}
        for name in names:
            if not z3.is_true(model.eval(self.present[name], model_completion=True)):
                out[name] = None
            elif name == "transit":
                out[name] = self._decode_transit(model)
            else:
                raw = model.eval(self.value[name], model_completion=True)
                out[name] = _decode_scalar(INPUT_FIELDS[name], raw, self.strings.get(name, []))
        return out

    def _decode_transit(self, model: Any) -> list[str]:
        members, other, count = self.value["transit"]
        chosen = [
            code
            for code, b in zip(self.transit_members, members, strict=True)
            if z3.is_true(model.eval(b, model_completion=True))
        ]
        if z3.is_true(model.eval(other, model_completion=True)):
            chosen.append(next(c for c in COUNTRIES if c not in self.transit_members))
        size = model.eval(count, model_completion=True).as_long()
        return chosen + [chosen[0]] * (size - len(chosen)) if chosen else []


def _bounds(spec: FieldSpec, known_strings: int) -> tuple[Any, Any]:
    kind = spec.kind
    if kind == Kind.ENUM:
        return 0, len(spec.domain) - 1
    if kind == Kind.COUNTRY:
        return 0, len(COUNTRIES) - 1
    if kind == Kind.STRING:
        return 0, None  # codes below known_strings are the profile's literals, others any text
    if kind == Kind.DATE:
        return FIRST_DAY, LAST_DAY
    low = spec.minimum if spec.minimum is not None else 0  # counts and amounts: never negative
    high = spec.maximum
    if kind == Kind.FLOAT:
        return z3.RealVal(str(low)), (z3.RealVal(str(high)) if high is not None else None)
    return int(low), (int(high) if high is not None else None)


def _decode_scalar(spec: FieldSpec, raw: Any, strings: list[str]) -> object:
    kind = spec.kind
    if kind == Kind.BOOL:
        return z3.is_true(raw)
    if kind == Kind.FLOAT:
        return float(raw.as_fraction())
    number = raw.as_long()
    if kind == Kind.ENUM:
        return spec.domain[number]
    if kind == Kind.COUNTRY:
        return COUNTRIES[number]
    if kind == Kind.STRING:
        return strings[number] if number < len(strings) else f"other-{number}"
    if kind == Kind.DATE:
        return dt.date.fromordinal(number)
    return number


def _solver(*constraints: Any) -> Any:
    solver = z3.Solver()
    solver.set("timeout", TIMEOUT_MS)
    solver.add(*constraints)
    return solver


def _fix(variables: Iterable[Any], model: Any) -> list[tuple[Any, Any]]:
    return [(v, model.eval(v, model_completion=True)) for v in variables]


class UndecidedError(Exception):
    """The solver gave no answer in time: the guard refuses rather than guess."""


def flagged_group(
    criteria: Node,
    lists: Mapping[str, NamedList],
    window: tuple[dt.date, dt.date] | None = None,
) -> Group | None:
    """A group flagged whatever its circumstances, or ``None`` when every group can escape.

    ``window``: the days the profile can fire (valid from, review by); events outside it are
    no group. Raises ``UndecidedError`` when the solver cannot decide in time (the caller
    refuses rather than guess).
    """
    enc = _Encoding(criteria, lists, window)
    proposer = _solver(*enc.group_domain)
    for _ in range(MAX_ROUNDS):
        verdict = proposer.check()
        if verdict == z3.unsat:
            return None
        if verdict != z3.sat:
            raise UndecidedError
        group_model = proposer.model()
        fixed = _fix(enc.group, group_model)
        escape = _solver(*enc.circumstance_domain, z3.Not(z3.substitute(enc.formula, *fixed)))
        verdict = escape.check()
        if verdict == z3.unsat:
            return _group(enc, group_model)
        if verdict != z3.sat:
            raise UndecidedError
        proposer.add(z3.substitute(enc.formula, *_fix(enc.circumstance, escape.model())))
    raise UndecidedError


def _group(enc: _Encoding, model: Any) -> Group:
    group_fields = sorted(n for n in enc.inputs() if is_group_field(n))
    circumstance_fields = sorted(n for n in enc.inputs() if not is_group_field(n))
    record = enc.decode(model, group_fields)
    with_age = {**record, **derive(record)}
    values = {n: with_age[n] for n in sorted(enc.mentioned) if is_group_field(n) and n in with_age}
    recorded = {
        n: z3.is_true(model.eval(enc.present[n], model_completion=True))
        for n in circumstance_fields
        if _presence_matters(enc, model, n)
    }
    return Group(values=values, recorded=recorded, record=record)


def _presence_matters(enc: _Encoding, model: Any, name: str) -> bool:
    """False when the group is flagged whether or not ``name`` is recorded (not worth naming)."""
    fixed = _fix([v for v in enc.group if not v.eq(enc.present[name])], model)
    escape = _solver(*enc.circumstance_domain, z3.Not(z3.substitute(enc.formula, *fixed)))
    return bool(escape.check() != z3.unsat)


def escape_record(
    criteria: Node, lists: Mapping[str, NamedList], group: Mapping[str, object]
) -> dict[str, object] | None:
    """An input record of ``group`` (values of the group fields) the criteria do not flag.

    Only the fields the criteria use are filled in; ``None`` when the group has no escape.
    """
    enc = _Encoding(criteria, lists)
    fixed = [_pin(enc, name, value) for name, value in group.items() if name in enc.value]
    solver = _solver(*enc.group_domain, *enc.circumstance_domain, z3.Not(enc.formula), *fixed)
    if solver.check() != z3.sat:
        return None
    return enc.decode(solver.model(), sorted(enc.inputs()))


def _pin(enc: _Encoding, name: str, value: object) -> Any:
    if value is None:
        return z3.Not(enc.present[name])
    spec = INPUT_FIELDS[name]
    if spec.kind == Kind.STRING and str(value) not in enc.strings.get(name, []):
        known = len(enc.strings.get(name, []))
        return z3.And(enc.present[name], enc.value[name] >= known)
    return z3.And(enc.present[name], enc.value[name] == enc.encode(spec, value))


__all__ = [
    "AGE_FIELDS",
    "CONTEXT_FIELDS",
    "DERIVED",
    "Group",
    "UndecidedError",
    "escape_record",
    "flagged_group",
    "is_group_field",
]
