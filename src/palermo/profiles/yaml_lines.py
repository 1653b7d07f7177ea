"""YAML with line numbers: every mapping and list remembers the line of itself and of each value,
so a problem in a profile or list names the line it is on.
"""

from __future__ import annotations

from collections.abc import Hashable
from typing import Any

import yaml

from palermo.errors import Location, Problem
from palermo.lib.yamlsafe import BoundedLoader, YamlRefused, problem_from


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each value."""

    line: int
    lines: dict[Any, int]


class LineList(list[Any]):
    line: int
    lines: list[int]


class _LineLoader(BoundedLoader):  # no aliases, bounded depth and size
    duplicate_keys: list[tuple[int, object]]


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    out.lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a plain value", key_node.start_mark
            )
        if key in out:
            loader.duplicate_keys.append((key_node.start_mark.line + 1, key))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = value_node.start_mark.line + 1
    return out


def _construct_sequence(loader: _LineLoader, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.line = node.start_mark.line + 1
    out.lines = [child.start_mark.line + 1 for child in node.value]
    return out


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)


def read_yaml(text: str, source: str) -> tuple[LineDict | None, list[Problem]]:
    """Parse one YAML document; a syntax error becomes a Problem with its line."""
    try:
        loader = _LineLoader(text)
    except yaml.YAMLError as exc:  # a character YAML does not allow (NUL, control codes)
        return None, [problem_from(exc, source)]
    loader.duplicate_keys = []
    try:
        doc = loader.get_single_data()
    except YamlRefused as exc:
        return None, [exc.problem_at(source)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        return None, [
            Problem(
                at=Location(source) if line is None else Location.line(source, line),
                rule=f"malformed YAML: {reason}",
                rule_zh=f"YAML 格式错误：{reason}",
                line=line,
            )
        ]
    except (yaml.YAMLError, ValueError) as exc:
        return None, [
            Problem(where=source, rule=f"malformed YAML: {exc}", rule_zh=f"YAML 格式错误：{exc}")
        ]
    finally:
        loader.dispose()
    problems = [
        Problem(
            at=Location.line(source, line),
            field=str(key),
            rule="key given twice",
            rule_zh="键重复出现",
            line=line,
        )
        for line, key in loader.duplicate_keys
    ]
    if not isinstance(doc, LineDict):
        problems.append(
            Problem(
                at=Location.line(source, 1),
                rule="expected a mapping of keys (id, title, ...)",
                rule_zh="应为键值映射",
                line=1,
            )
        )
        return None, problems
    return doc, problems
