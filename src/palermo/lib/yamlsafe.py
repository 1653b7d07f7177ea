"""YAML with bounds: every YAML file Palermo reads goes through this loader.

PyYAML's ``safe_load`` constructs no objects, but it still expands aliases (a 679-byte "billion
laughs" document grew the server by 2.5 GB) and composes nested collections recursively (5,000
levels give a ``RecursionError``). ``BoundedLoader`` refuses, before anything is built:

* aliases (``*name``): no Palermo file needs them, and refusing them bounds the document to
  its own size (anchors alone are harmless and allowed);
* nesting deeper than ``MAX_DEPTH`` collections;
* documents larger than ``MAX_BYTES`` characters;
* values that cannot be built (a date such as ``2026-13-45``, an integer of 5,000 digits),
  which PyYAML reports as ``ValueError`` without a line.

Each refusal is a ``YamlRefused`` (a ``yaml.MarkedYAMLError``, so callers catching
``yaml.YAMLError`` still catch it) carrying a bilingual ``Rule`` and the line;
``load(text, source)`` turns it into an ``InputError`` with one ``Problem``.

>>> load("a: [1, 2]", "ok.yaml")
{'a': [1, 2]}
>>> try:
...     load("a: &x [1]\\nb: *x", "alias.yaml")
... except InputError as exc:
...     print(exc.problems[0].text("en"))
alias.yaml line 2: YAML aliases (*name) are not accepted: write the value out
>>> load("[" * 100 + "]" * 100, "deep.yaml")
Traceback (most recent call last):
...
palermo.errors.InputError: deep.yaml line 1: nested more than 64 levels deep / 嵌套超过 64 层
"""

from __future__ import annotations

from typing import Any

import yaml
from yaml.error import Mark
from yaml.nodes import Node

from palermo.errors import InputError, Location, Problem, Rule

MAX_DEPTH = 64
"""Collections inside collections; the deepest shipped file (an instrument) uses 7."""
MAX_BYTES = 2 * 1024 * 1024
"""Characters in one document; the largest shipped file is about 60 kB, a watchlist of ten
thousand people about 2 MB. Larger lists are read as CSV or JSON Lines."""

ALIAS_RULE = Rule(
    "YAML aliases (*name) are not accepted: write the value out",
    "不接受 YAML 别名（*name）：请直接写出该值",
)


def depth_rule(limit: int) -> Rule:
    return Rule(f"nested more than {limit} levels deep", f"嵌套超过 {limit} 层")


def size_rule(limit: int) -> Rule:
    return Rule(
        f"the YAML document is larger than {limit:,} characters",
        f"YAML 文档超过 {limit:,} 个字符",
    )


class YamlRefused(yaml.MarkedYAMLError):
    """A bound was broken; ``rule`` says which, ``problem_mark`` where (may be ``None``)."""

    def __init__(self, mark: Mark | None, rule: Rule) -> None:
        super().__init__(problem=rule.en, problem_mark=mark)
        self.rule = rule

    @property
    def line(self) -> int | None:
        return self.problem_mark.line + 1 if self.problem_mark is not None else None

    def problem_at(self, source: str) -> Problem:
        at = Location.line(source, self.line) if self.line is not None else Location(source)
        return Problem(at=at, rule=self.rule.en, rule_zh=self.rule.zh, line=self.line)


class BoundedLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` without aliases, with a depth and a size bound.

    Subclass it to add constructors (the profile loader keeps line numbers this way); the
    bounds stay.
    """

    max_depth = MAX_DEPTH
    max_bytes = MAX_BYTES

    def __init__(self, stream: Any) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_document(self) -> Node | None:
        # the reader holds a str document whole in ``buffer`` (plus a closing NUL)
        if len(self.buffer) - 1 > self.max_bytes:
            raise YamlRefused(None, size_rule(self.max_bytes))
        node: Node | None = super().compose_document()
        return node

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            raise YamlRefused(self.peek_event().start_mark, ALIAS_RULE)  # type: ignore[no-untyped-call]
        self._depth += 1
        try:
            if self._depth > self.max_depth:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise YamlRefused(mark, depth_rule(self.max_depth))
            node: Node | None = super().compose_node(parent, index)
            return node
        finally:
            self._depth -= 1

    def construct_object(self, node: Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep=deep)
        except (ValueError, OverflowError, TypeError) as exc:
            value = str(getattr(node, "value", ""))[:40]
            reason = str(exc)[:80]
            raise YamlRefused(
                node.start_mark,
                Rule(
                    f"the value {value!r} cannot be read: {reason}",
                    f"无法读取值 {value!r}：{reason}",
                ),
            ) from None


def parse(text: str | bytes, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """One YAML document through ``loader``; raises ``yaml.YAMLError`` (``YamlRefused`` for a
    broken bound). Bytes are decoded as UTF-8 first so the size bound sees the whole text."""
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    instance = loader(text)
    try:
        return instance.get_single_data()
    finally:
        instance.dispose()


def problem_from(exc: yaml.YAMLError, source: str) -> Problem:
    """A parse error as a ``Problem`` naming the line: a bound's own rule, or PyYAML's reason."""
    if isinstance(exc, YamlRefused):
        return exc.problem_at(source)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark is not None else None
    at = Location.line(source, line) if line is not None else Location(source)
    reason = getattr(exc, "problem", None) or str(exc)
    return Problem(
        at=at, rule=f"malformed YAML: {reason}", rule_zh=f"YAML 格式错误：{reason}", line=line
    )


def load(text: str | bytes, source: str, loader: type[BoundedLoader] = BoundedLoader) -> Any:
    """Parse one document; any YAML problem (bounds included) is an ``InputError`` naming
    ``source`` and the line; bytes that are not UTF-8 too."""
    try:
        return parse(text, loader)
    except yaml.YAMLError as exc:
        raise InputError([problem_from(exc, source)]) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem(where=source, rule="not UTF-8 text", rule_zh="不是 UTF-8 编码的文本")]
        ) from None
