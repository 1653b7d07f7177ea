"""Profiles and hits in words, in English and Simplified Chinese.

Batch and real-time screening both explain a hit with ``matched_criteria``, from the truth of
the profile's comparisons for that record, so the same record gets the same words everywhere.
A hit lists the comparisons that made the profile fire: every branch of an ``all``, the branches
of an ``any`` that held, and a negated comparison where a ``not`` held.

>>> from palermo.profiles.ast import AnyOf, Comparison
>>> fearful = Comparison("obs_fearful", "eq", True)
>>> cash = Comparison("declared_cash", "lt", 100.0)
>>> en, zh = matched_criteria(AnyOf((fearful, cash)), {fearful: True, cash: False}.__getitem__, {})
>>> en
('Fearful, anxious or submissive',)
>>> zh
('恐惧、焦虑或顺从',)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence

from palermo.profiles.ast import (
    AllOf,
    Comparison,
    NamedList,
    Node,
    Not,
    Profile,
    Scalar,
    comparisons,
)
from palermo.profiles.operators import OPERATORS, Shape
from palermo.records.schema import FIELDS, Kind
from palermo.records.value_labels import value_label

Truth = Callable[[Comparison], bool]


def _scalar_words(value: Scalar, lang: str, field: str = "") -> str:
    spec = FIELDS.get(field)
    if isinstance(value, str) and spec is not None and spec.kind is Kind.ENUM:
        return value_label(field, value, lang)  # "one way", not "one_way"
    if isinstance(value, bool):
        if lang == "zh":
            return "是" if value else "否"
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def value_words(c: Comparison, lists: Mapping[str, NamedList], lang: str) -> str:
    op = OPERATORS[c.op]
    if op.shape == Shape.LIST_NAME:
        named = lists.get(str(c.value))
        if named is None:
            return str(c.value)
        return f"“{named.title.zh}”" if lang == "zh" else f"'{named.title.en}'"
    if op.shape == Shape.FLAG:
        missing = bool(c.value)
        if lang == "zh":
            return "未记录" if missing else "已记录"
        return "missing" if missing else "recorded"
    if op.shape == Shape.RANGE:
        assert isinstance(c.value, tuple)
        low, high = (_scalar_words(v, lang, c.field) for v in c.value)
        return f"{low}至{high}" if lang == "zh" else f"{low} and {high}"
    if op.shape == Shape.SET:
        assert isinstance(c.value, tuple)
        sep = "、" if lang == "zh" else ", "
        return sep.join(_scalar_words(v, lang, c.field) for v in c.value)
    assert not isinstance(c.value, tuple)
    assert c.value is not None
    return _scalar_words(c.value, lang, c.field)


def describe(
    c: Comparison, lists: Mapping[str, NamedList], lang: str, *, negated: bool = False
) -> str:
    """One comparison as a sentence, e.g. 'Ticket paid by is one of employer, family'."""
    spec = FIELDS[c.field]
    label = spec.label_zh if lang == "zh" else spec.label_en
    op = OPERATORS[c.op]
    if op.shape == Shape.FLAG and negated:  # "not missing" reads better as "recorded"
        c = Comparison(c.field, c.op, not c.value)
        negated = False
    if c.op in ("eq", "ne") and isinstance(c.value, bool):
        observed = c.value if c.op == "eq" else not c.value
        if observed and not negated:
            return label
        if lang == "zh":
            return f"{label}：否" if not negated else f"{label}：未记录为是"
        return f"{label}: no" if not negated else f"{label}: not recorded as yes"
    return op.message(lang, negated=negated, label=label, value=value_words(c, lists, lang))


def holds(node: Node, truth: Truth) -> bool:
    """Evaluate a tree from the truth of its comparisons (two-valued, see operators.py)."""
    if isinstance(node, Comparison):
        return truth(node)
    if isinstance(node, Not):
        return not holds(node.child, truth)
    if isinstance(node, AllOf):
        return all(holds(c, truth) for c in node.children)
    return any(holds(c, truth) for c in node.children)


def evidence(node: Node, truth: Truth, *, negated: bool = False) -> list[tuple[Comparison, bool]]:
    """The comparisons (with their polarity) that make ``node`` hold; [] when it does not."""
    if isinstance(node, Comparison):
        return [(node, negated)] if truth(node) != negated else []
    if isinstance(node, Not):
        return evidence(node.child, truth, negated=not negated)
    out: list[tuple[Comparison, bool]] = []
    needs_every_child = isinstance(node, AllOf) != negated
    for child in node.children:
        found = evidence(child, truth, negated=negated)
        if needs_every_child and not found:
            return []
        out += found
    return list(dict.fromkeys(out))


def matched_criteria(
    criteria: Node, truth: Truth, lists: Mapping[str, NamedList]
) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The words (English, Chinese) for why ``criteria`` held."""
    found = evidence(criteria, truth)
    en = tuple(describe(c, lists, "en", negated=neg) for c, neg in found)
    zh = tuple(describe(c, lists, "zh", negated=neg) for c, neg in found)
    return en, zh


def describe_tree(node: Node, lists: Mapping[str, NamedList], lang: str, indent: int = 0) -> str:
    """A whole criteria tree as indented text, for review."""
    pad = "  " * indent
    if isinstance(node, Comparison):
        return pad + describe(node, lists, lang)
    if isinstance(node, Not):
        head = "并非以下情况：" if lang == "zh" else "NOT:"
        return f"{pad}{head}\n" + describe_tree(node.child, lists, lang, indent + 1)
    if isinstance(node, AllOf):
        head = "同时满足：" if lang == "zh" else "ALL of:"
    else:
        head = "满足其一：" if lang == "zh" else "ANY of:"
    lines = [pad + head] + [describe_tree(c, lists, lang, indent + 1) for c in node.children]
    return "\n".join(lines)


def describe_profile(profile: Profile, lists: Mapping[str, NamedList], lang: str) -> str:
    title = profile.title.zh if lang == "zh" else profile.title.en
    why = profile.rationale.zh if lang == "zh" else profile.rationale.en
    return f"{profile.id} v{profile.version}: {title}\n{why}\n" + describe_tree(
        profile.criteria, lists, lang, 1
    )


class Explainer:
    """Explanations for a sequence of profiles, cached by the truth of each one's comparisons.

    ``comparisons_of[j]`` lists profile j's distinct comparisons; ``explain(j, bits)`` takes
    their truth in that order. Many records share a pattern, so words are built once per pattern.
    """

    def __init__(self, profiles: Sequence[Profile], lists: Mapping[str, NamedList]) -> None:
        self.profiles = tuple(profiles)
        self.lists = lists
        self.comparisons_of: tuple[tuple[Comparison, ...], ...] = tuple(
            tuple(dict.fromkeys(comparisons(p.criteria))) for p in self.profiles
        )
        self._cache: dict[tuple[int, tuple[bool, ...]], tuple[tuple[str, ...], tuple[str, ...]]]
        self._cache = {}

    def explain(self, j: int, bits: tuple[bool, ...]) -> tuple[tuple[str, ...], tuple[str, ...]]:
        key = (j, bits)
        found = self._cache.get(key)
        if found is None:
            truth = dict(zip(self.comparisons_of[j], bits, strict=True))
            found = matched_criteria(self.profiles[j].criteria, truth.__getitem__, self.lists)
            self._cache[key] = found  # a race only recomputes the same value
        return found
