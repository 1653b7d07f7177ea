"""The profile tree: immutable, typed nodes. The language core imports no engine.

A profile's criteria are a tree of ``AllOf``, ``AnyOf`` and ``Not`` over ``Comparison`` leaves. Two
comparisons with the same field, operator and value are equal (their source line is ignored), so
the compilers can evaluate each distinct comparison once however many profiles use it.

>>> a = Comparison("trip_type", "eq", "one_way", line=3)
>>> b = Comparison("trip_type", "eq", "one_way", line=40)
>>> a == b and hash(a) == hash(b)
True
>>> sorted(c.field for c in comparisons(AllOf((a, Not(Comparison("obs_fearful", "eq", True))))))
['obs_fearful', 'trip_type']
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field as _field
from typing import TypeAlias

Scalar: TypeAlias = str | int | float | bool | dt.date
Value: TypeAlias = Scalar | tuple[Scalar, ...] | None


@dataclass(frozen=True, slots=True)
class Comparison:
    """One atomic test of one field: ``field`` ``op`` ``value``.

    ``value`` is a scalar (``eq``, ``lt``...), a sorted tuple (``in``, ``not_in``), a pair
    ``(low, high)`` (``between``), a bool (``is_null``) or a list name (``in_list``).
    """

    field: str
    op: str
    value: Value
    line: int = _field(default=0, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class AllOf:
    children: tuple[Node, ...]
    line: int = _field(default=0, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class AnyOf:
    children: tuple[Node, ...]
    line: int = _field(default=0, compare=False, hash=False, repr=False)


@dataclass(frozen=True, slots=True)
class Not:
    child: Node
    line: int = _field(default=0, compare=False, hash=False, repr=False)


Node: TypeAlias = Comparison | AllOf | AnyOf | Not


@dataclass(frozen=True, slots=True)
class Text:
    """A text a person reads, in English and Simplified Chinese."""

    en: str
    zh: str


@dataclass(frozen=True, slots=True)
class Profile:
    """One risk profile: a combination of circumstances that invites a closer look."""

    id: str
    version: int
    title: Text
    rationale: Text
    owner: str
    valid_from: dt.date
    review_by: dt.date
    applies_to: tuple[str, ...]
    weight: float
    criteria: Node
    indicators: tuple[str, ...] = ()  # published indicator ids the profile rests on (BRD-01...)
    source: str = _field(default="", compare=False)
    line: int = _field(default=0, compare=False)

    def in_force(self, on: dt.date) -> bool:
        """True when the profile may fire on ``on``: valid from, and not past its review date."""
        return self.valid_from <= on <= self.review_by


@dataclass(frozen=True, slots=True)
class NamedList:
    """A named list of values (e.g. recruitment agencies of concern) used with ``in_list``."""

    id: str
    version: int
    title: Text
    rationale: Text
    owner: str
    kind: str  # "string" or "country": what the items are
    items: frozenset[str]
    source: str = _field(default="", compare=False)


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    yield node
    if isinstance(node, AllOf | AnyOf):
        for child in node.children:
            yield from walk(child)
    elif isinstance(node, Not):
        yield from walk(node.child)


def comparisons(node: Node) -> Iterator[Comparison]:
    """Every comparison leaf of the tree (duplicates included), left to right."""
    for n in walk(node):
        if isinstance(n, Comparison):
            yield n
