"""Compiler from the profile tree to plain Python, for one record at a time.

The whole profile set becomes one generated function: each distinct comparison is evaluated once
into a local variable, then each profile is a short boolean expression over those locals. The
generated source uses only names bound to validated literals (never text from a file), so it is
safe to ``exec``. Semantics are those of ``operators.py``: a comparison on a missing value is
false; ``not`` negates; NaN counts as missing.

>>> from palermo.profiles.ast import AllOf, Comparison
>>> plan = compile_python([AllOf((Comparison("obs_fearful", "eq", True),
...                             Comparison("trip_type", "eq", "one_way")))])
>>> plan.fired({"obs_fearful": True, "trip_type": "one_way"})
[0]
>>> plan.fired({"obs_fearful": True, "trip_type": None})
[]
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from palermo.profiles.ast import AllOf, AnyOf, Comparison, NamedList, Node, Not
from palermo.records.schema import FIELDS, Kind

RecordFunction = Callable[[Mapping[str, Any]], tuple[tuple[bool, ...], list[int]]]


@dataclass(frozen=True, slots=True)
class PythonPlan:
    """Compiled criteria: ``run(record)`` gives (truth of each comparison, indexes that fired)."""

    comparisons: tuple[Comparison, ...]
    index: Mapping[Comparison, int]
    run: RecordFunction
    source: str

    def fired(self, record: Mapping[str, Any]) -> list[int]:
        return self.run(record)[1]


class _Codegen:
    def __init__(self, lists: Mapping[str, NamedList]) -> None:
        self.lists = lists
        self.consts: dict[str, object] = {}
        self.fields: dict[str, str] = {}
        self.atoms: dict[Comparison, str] = {}
        self.lines: list[str] = []

    def const(self, value: object) -> str:
        name = f"c{len(self.consts)}"
        self.consts[name] = value
        return name

    def field_var(self, field: str) -> str:
        if field not in self.fields:
            var = f"f{len(self.fields)}"
            self.fields[field] = var
            self.lines.append(f"    {var} = r.get({self.const(field)})")
            if FIELDS[field].kind == Kind.FLOAT:  # NaN is missing, as in the batch engines
                self.lines.append(f"    if {var} is not None and {var} != {var}: {var} = None")
        return self.fields[field]

    def atom(self, c: Comparison) -> str:
        if c in self.atoms:
            return self.atoms[c]
        x = self.field_var(c.field)
        is_list = FIELDS[c.field].kind == Kind.COUNTRY_LIST
        op, v = c.op, c.value
        if op == "is_null":
            expr = f"{x} is None" if v else f"{x} is not None"
        elif op in ("in", "not_in", "in_list"):
            items = self.lists[str(v)].items if op == "in_list" else v
            assert isinstance(items, tuple | frozenset)
            s = self.const(frozenset(items))
            if is_list:
                test = f"{s}.isdisjoint({x})"
                expr = f"{x} is not None and {'' if op == 'not_in' else 'not '}{test}"
            else:
                expr = f"{x} is not None and {x} {'not in' if op == 'not_in' else 'in'} {s}"
        elif op == "between":
            assert isinstance(v, tuple)
            expr = f"{x} is not None and {self.const(v[0])} <= {x} <= {self.const(v[1])}"
        else:
            symbol = {"eq": "==", "ne": "!=", "lt": "<", "le": "<=", "gt": ">", "ge": ">="}[op]
            expr = f"{x} is not None and {x} {symbol} {self.const(v)}"
        name = f"a{len(self.atoms)}"
        self.atoms[c] = name
        self.lines.append(f"    {name} = {expr}")
        return name

    def node(self, n: Node) -> str:
        if isinstance(n, Comparison):
            return self.atom(n)
        if isinstance(n, Not):
            return f"(not {self.node(n.child)})"
        joiner = " and " if isinstance(n, AllOf) else " or "
        assert isinstance(n, AllOf | AnyOf)
        return "(" + joiner.join(self.node(c) for c in n.children) + ")"


def compile_python(
    criteria: Sequence[Node], lists: Mapping[str, NamedList] | None = None
) -> PythonPlan:
    """Compile a sequence of criteria trees (one per profile) into one record function."""
    gen = _Codegen(lists or {})
    tests = [gen.node(n) for n in criteria]
    body = list(gen.lines)
    body.append("    fired = []")
    for i, test in enumerate(tests):
        body.append(f"    if {test}: fired.append({i})")
    atoms = ", ".join(gen.atoms.values())
    body.append(f"    return ({atoms}{',' if len(gen.atoms) == 1 else ''}), fired")
    source = "def screen_record(r):\n" + "\n".join(body) + "\n"
    namespace: dict[str, object] = dict(gen.consts)
    exec(compile(source, "<palermo profiles>", "exec"), namespace)  # noqa: S102 - see module doc
    run = namespace["screen_record"]
    assert callable(run)
    comps = tuple(gen.atoms)
    return PythonPlan(
        comparisons=comps,
        index={c: i for i, c in enumerate(comps)},
        run=run,
        source=source,
    )
