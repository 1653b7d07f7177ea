"""A profile set: the profiles and named lists screened together, with a version stamp.

The stamp is a hash of the canonical form of every profile and list, so two sets with the same
content have the same stamp wherever they were loaded, and every hit can say which set made it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from palermo.profiles.ast import AllOf, Comparison, NamedList, Node, Not, Profile, comparisons
from palermo.profiles.operators import OPERATORS, Shape
from palermo.records.schema import EVENT_KINDS


def canonical(node: Node) -> Any:
    """A JSON-ready form of a criteria tree (dates as ISO text)."""
    if isinstance(node, Comparison):
        value = node.value
        if isinstance(value, tuple):
            shown: Any = [_plain(v) for v in value]
        else:
            shown = _plain(value)
        return {"field": node.field, node.op: shown}
    if isinstance(node, Not):
        return {"not": canonical(node.child)}
    key = "all" if isinstance(node, AllOf) else "any"
    return {key: [canonical(c) for c in node.children]}


def _plain(value: object) -> object:
    return value.isoformat() if isinstance(value, dt.date) else value


def profile_document(p: Profile) -> dict[str, Any]:
    """The profile as a plain mapping (the YAML an analyst would write)."""
    return {
        "id": p.id,
        "version": p.version,
        "title": {"en": p.title.en, "zh": p.title.zh},
        "rationale": {"en": p.rationale.en, "zh": p.rationale.zh},
        "owner": p.owner,
        "valid_from": p.valid_from.isoformat(),
        "review_by": p.review_by.isoformat(),
        "applies_to": list(p.applies_to),
        "weight": p.weight,
        "indicators": list(p.indicators),
        "criteria": canonical(p.criteria),
    }


def profile_lists(p: Profile) -> frozenset[str]:
    """The named lists a profile's criteria use (``in_list``)."""
    return frozenset(
        str(c.value) for c in comparisons(p.criteria) if OPERATORS[c.op].shape == Shape.LIST_NAME
    )


def screening_day() -> dt.date:
    """Today, the day whose profiles are in force (UTC, so every server agrees)."""
    return dt.datetime.now(tz=dt.UTC).date()


def screening_criteria(p: Profile) -> Node:
    """What the engines evaluate: the criteria, gated by the event kinds the profile applies to.

    Both compilers receive this same tree, so a record with no event kind behaves alike in all.
    """
    if set(p.applies_to) >= set(EVENT_KINDS):
        return p.criteria
    return AllOf((Comparison("event_kind", "in", tuple(sorted(p.applies_to))), p.criteria))


@dataclass(frozen=True, slots=True)
class ProfileSet:
    profiles: tuple[Profile, ...]
    lists: Mapping[str, NamedList]
    version: str

    @classmethod
    def of(cls, profiles: Iterable[Profile], lists: Iterable[NamedList] = ()) -> ProfileSet:
        profiles = tuple(profiles)
        named = {n.id: n for n in lists}
        doc = {
            "profiles": sorted((profile_document(p) for p in profiles), key=lambda d: str(d["id"])),
            "lists": [
                {"id": n.id, "version": n.version, "kind": n.kind, "items": sorted(n.items)}
                for n in sorted(named.values(), key=lambda n: n.id)
            ],
        }
        digest = hashlib.sha256(
            json.dumps(doc, sort_keys=True, ensure_ascii=False).encode("utf-8")
        ).hexdigest()
        return cls(profiles=profiles, lists=MappingProxyType(named), version=digest[:16])

    def __len__(self) -> int:
        return len(self.profiles)

    def get(self, profile_id: str) -> Profile:
        for p in self.profiles:
            if p.id == profile_id:
                return p
        raise KeyError(profile_id)

    def in_force(self, on: dt.date) -> tuple[Profile, ...]:
        return tuple(p for p in self.profiles if p.in_force(on))

    def lists_used(self) -> frozenset[str]:
        """The named lists used by any profile of the set."""
        return frozenset().union(*(profile_lists(p) for p in self.profiles))

    def profiles_using(self, list_id: str) -> tuple[Profile, ...]:
        """The profiles whose criteria use the named list ``list_id``."""
        return tuple(p for p in self.profiles if list_id in profile_lists(p))

    def not_in_force(self, on: dt.date) -> tuple[Profile, ...]:
        return tuple(p for p in self.profiles if not p.in_force(on))
