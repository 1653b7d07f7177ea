"""Reading profile YAML into the immutable tree, with a file and line for every problem.

A profile set is a directory: one profile per ``*.yaml`` file, named lists in ``lists/*.yaml``.
``load_profile_set`` raises ``InputError`` listing every problem of every file; profiles past
their review date are loaded but do not fire (see ``ProfileSet.in_force``), and
``check_profile_set`` reports them as problems too.

>>> doc = '''
... id: demo
... version: 1
... title: {en: Demo, zh: 演示}
... rationale: {en: Documents held by someone else., zh: 证件由他人保管。}
... owner: analyst
... valid_from: 2026-01-01
... review_by: 2099-01-01
... criteria:
...   all:
...     - obs_document_held_by_other
...     - {field: trip_type, eq: one_way}
... '''
>>> ps = profile_set_from_texts({"demo.yaml": doc})
>>> ps.profiles[0].criteria.children[1]
Comparison(field='trip_type', op='eq', value='one_way')
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from palermo.errors import InputError, Problem, Rule
from palermo.profiles.ast import (
    AllOf,
    AnyOf,
    Comparison,
    NamedList,
    Node,
    Not,
    Profile,
    Scalar,
    Text,
    comparisons,
)
from palermo.profiles.operators import OPERATORS, Shape, resolve, spellings
from palermo.profiles.profile_set import ProfileSet, screening_day
from palermo.profiles.validate import (
    bilingual,
    check_scalar,
    duplicate_id_problems,
    expiry_problems,
    list_kind_fits,
    rights_problems,
)
from palermo.records.schema import COUNTRY_CODES, EVENT_KINDS, FIELDS, Kind

ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
PROFILE_KEYS = {
    "id",
    "version",
    "title",
    "rationale",
    "owner",
    "valid_from",
    "review_by",
    "applies_to",
    "weight",
    "indicators",
    "criteria",
}
LIST_KEYS = {"id", "version", "title", "rationale", "owner", "kind", "items"}


# ---------------------------------------------------------------- YAML with line numbers


class LineDict(dict[Any, Any]):
    """A YAML mapping that remembers its own line and the line of each value."""

    line: int
    lines: dict[Any, int]


class LineList(list[Any]):
    line: int
    lines: list[int]


class _LineLoader(yaml.SafeLoader):
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
    loader = _LineLoader(text)
    loader.duplicate_keys = []
    try:
        doc = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        reason = exc.problem or str(exc)
        return None, [
            Problem(
                where=source if line is None else f"{source} line {line}",
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
            where=f"{source} line {line}",
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
                where=f"{source} line 1",
                rule="expected a mapping of keys (id, title, ...)",
                rule_zh="应为键值映射",
                line=1,
            )
        )
        return None, problems
    return doc, problems


# ---------------------------------------------------------------- building the tree


class _Builder:
    """Builds one document into tree nodes, collecting every problem on the way."""

    def __init__(self, source: str, lists: Mapping[str, NamedList]) -> None:
        self.source = source
        self.lists = lists
        self.problems: list[Problem] = []
        self.list_names: set[str] = set()  # every list a comparison names, known or not

    def problem(
        self, line: int, rule: Rule, *, field: str | None = None, value: object = None
    ) -> None:
        self.problems.append(
            Problem(
                where=f"{self.source} line {line}",
                rule=rule.en,
                rule_zh=rule.zh,
                field=field,
                value=value,
                line=line,
            )
        )

    # -- header fields

    def required(self, doc: LineDict, key: str) -> object:
        if key not in doc or doc[key] is None:
            self.problem(doc.line, bilingual("required key is missing", "缺少必填项"), field=key)
            return None
        return doc[key]

    def text(self, doc: LineDict, key: str) -> Text | None:
        value = self.required(doc, key)
        if value is None:
            return None
        line = doc.lines.get(key, doc.line)
        if not isinstance(value, dict) or set(value) != {"en", "zh"}:
            self.problem(
                line,
                bilingual(
                    "expected English and Chinese text: {en: ..., zh: ...}",
                    "应同时提供英文和中文：{en: ..., zh: ...}",
                ),
                field=key,
            )
            return None
        en, zh = value["en"], value["zh"]
        if not (isinstance(en, str) and en.strip() and isinstance(zh, str) and zh.strip()):
            self.problem(
                line,
                bilingual("English and Chinese text must not be empty", "中英文均不能为空"),
                field=key,
            )
            return None
        return Text(en=en.strip(), zh=zh.strip())

    def identifier(self, doc: LineDict) -> str | None:
        value = self.required(doc, "id")
        if value is None:
            return None
        if not isinstance(value, str) or not ID_PATTERN.match(value):
            self.problem(
                doc.lines.get("id", doc.line),
                bilingual(
                    "an id is letters, digits, '_', '-' or '.', at most 64 characters",
                    "编号只能包含字母、数字、'_'、'-'、'.'，最多64个字符",
                ),
                field="id",
                value=value,
            )
            return None
        return value

    def version(self, doc: LineDict) -> int | None:
        value = self.required(doc, "version")
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            self.problem(
                doc.lines.get("version", doc.line),
                bilingual("version must be a whole number from 1", "版本号应为从1开始的整数"),
                field="version",
                value=value,
            )
            return None
        return value

    def date(self, doc: LineDict, key: str) -> dt.date | None:
        value = self.required(doc, key)
        if value is None:
            return None
        if isinstance(value, dt.datetime):
            return value.date()
        if isinstance(value, dt.date):
            return value
        self.problem(
            doc.lines.get(key, doc.line),
            bilingual("expected a date written YYYY-MM-DD", "应为日期，格式 YYYY-MM-DD"),
            field=key,
            value=value,
        )
        return None

    def unknown_keys(self, doc: LineDict, allowed: set[str]) -> None:
        for key in doc:
            if key not in allowed:
                self.problem(
                    doc.lines.get(key, doc.line),
                    bilingual(
                        "unknown key: expected one of " + ", ".join(sorted(allowed)),
                        "未知的键，应为：" + "、".join(sorted(allowed)),
                    ),
                    field=str(key),
                )

    # -- criteria

    def node(self, raw: object, line: int) -> Node | None:
        if isinstance(raw, str):
            return self.bare_flag(raw, line)
        if not isinstance(raw, LineDict):
            self.problem(
                line,
                bilingual(
                    "expected a criterion: all, any, not, or {field: ..., <operator>: ...}",
                    "应为条件：all、any、not 或 {field: ..., 运算符: ...}",
                ),
                value=raw,
            )
            return None
        line = raw.line
        if "field" in raw:
            return self.comparison(raw)
        keys = set(raw)
        if len(keys) != 1 or not keys <= {"all", "any", "not"}:
            self.problem(
                line,
                bilingual(
                    "a criterion is exactly one of all, any, not, or a comparison with 'field'",
                    "每个条件只能是 all、any、not 之一，或带 'field' 的比较",
                ),
                value=", ".join(str(k) for k in raw),
            )
            return None
        (key,) = keys
        body = raw[key]
        body_line = raw.lines[key]
        if key == "not":
            child = self.node(body, body_line)
            return Not(child, line=line) if child is not None else None
        if not isinstance(body, LineList) or not body:
            self.problem(
                body_line,
                bilingual(
                    f"'{key}' needs a non-empty list of criteria", f"“{key}”需要非空的条件列表"
                ),
            )
            return None
        children = [
            self.node(item, item_line) for item, item_line in zip(body, body.lines, strict=True)
        ]
        if any(c is None for c in children):
            return None
        kids = tuple(c for c in children if c is not None)
        return AllOf(kids, line=line) if key == "all" else AnyOf(kids, line=line)

    def bare_flag(self, name: str, line: int) -> Comparison | None:
        spec = self.field_spec(name, line)
        if spec is None:
            return None
        if spec.kind != Kind.BOOL:
            self.problem(
                line,
                bilingual(
                    "only a true/false field may stand alone; write {field: ..., eq: ...}",
                    "只有是/否字段可以单独使用；请写成 {field: ..., eq: ...}",
                ),
                field=name,
            )
            return None
        return Comparison(name, "eq", True, line=line)

    def field_spec(self, name: object, line: int) -> Any:
        if not isinstance(name, str) or name not in FIELDS:
            self.problem(
                line,
                bilingual(
                    "unknown field (see 'palermo records fields')",
                    "未知字段（见 'palermo records fields'）",
                ),
                field=str(name),
            )
            return None
        spec = FIELDS[name]
        if spec.identifying:
            self.problem(
                line,
                bilingual(
                    "an identifying field may never be used in a risk profile "
                    "(use a watchlist for named persons)",
                    "风险画像不得使用身份识别字段（针对特定人员请使用监控名单）",
                ),
                field=name,
            )
            return None
        return spec

    def comparison(self, raw: LineDict) -> Comparison | None:
        line = raw.line
        name = raw["field"]
        spec = self.field_spec(name, raw.lines["field"])
        op_keys = [k for k in raw if k != "field"]
        if len(op_keys) != 1:
            self.problem(
                line,
                bilingual(
                    "a comparison has 'field' and exactly one operator ("
                    + ", ".join(OPERATORS)
                    + ")",
                    "比较应包含 'field' 和且仅一个运算符（" + "、".join(OPERATORS) + "）",
                ),
                field=str(name),
            )
            return None
        (spelling,) = op_keys
        op = resolve(str(spelling))
        op_line = raw.lines[spelling]
        if op is not None and op.shape == Shape.LIST_NAME and isinstance(raw[spelling], str):
            self.list_names.add(raw[spelling])
        if op is None:
            self.problem(
                op_line,
                bilingual(
                    f"unknown operator '{spelling}': expected one of " + ", ".join(spellings()),
                    f"未知运算符“{spelling}”：应为以下之一：" + "、".join(spellings()),
                ),
                field=str(name),
            )
            return None
        if spec is None:
            return None
        if spec.kind not in op.kinds:
            self.problem(
                op_line,
                bilingual(
                    f"operator '{op.name}' does not apply to a {spec.kind.value} field",
                    f"运算符“{op.name}”不适用于{spec.kind.value}类型字段",
                ),
                field=spec.name,
            )
            return None
        value = self.operand(op.shape, op.name, spec, raw[spelling], op_line)
        if value is _INVALID:
            return None
        return Comparison(spec.name, op.name, value, line=line)  # type: ignore[arg-type]

    def operand(self, shape: Shape, op: str, spec: Any, raw: object, line: int) -> object:
        element_spec = spec
        if spec.kind == Kind.COUNTRY_LIST:
            element_spec = FIELDS["origin"]  # a transit point is a country code
        if shape == Shape.FLAG:
            if not isinstance(raw, bool):
                self.problem(
                    line, bilingual("expected true or false", "应为 true 或 false"), field=op
                )
                return _INVALID
            return raw
        if shape == Shape.LIST_NAME:
            named = self.lists.get(raw) if isinstance(raw, str) else None
            if named is None:
                known = ", ".join(sorted(self.lists)) or "none loaded"
                known_zh = "、".join(sorted(self.lists)) or "尚未加载任何名单"
                self.problem(
                    line,
                    bilingual(
                        f"unknown named list (known: {known})", f"未知名单（已有：{known_zh}）"
                    ),
                    field=spec.name,
                    value=raw,
                )
                return _INVALID
            if not list_kind_fits(spec.kind, named):
                self.problem(
                    line,
                    bilingual(
                        f"list '{named.id}' holds {named.kind} values, which do not fit a "
                        f"{spec.kind.value} field",
                        f"名单“{named.id}”的取值类型与字段类型不符",
                    ),
                    field=spec.name,
                )
                return _INVALID
            return named.id
        if shape == Shape.SCALAR:
            value, rule = check_scalar(element_spec, raw)
            if rule is not None:
                self.problem(line, rule, field=spec.name, value=_shown(raw))
                return _INVALID
            return value
        if not isinstance(raw, list) or not raw:
            what = "[low, high]" if shape == Shape.RANGE else "a non-empty list [a, b, ...]"
            what_zh = "[下限, 上限]" if shape == Shape.RANGE else "非空列表 [a, b, ...]"
            self.problem(
                line, bilingual(f"'{op}' expects {what}", f"“{op}”需要{what_zh}"), field=spec.name
            )
            return _INVALID
        checked: list[Scalar] = []
        ok = True
        for item in raw:
            value, rule = check_scalar(element_spec, item)
            if rule is not None:
                self.problem(line, rule, field=spec.name, value=_shown(item))
                ok = False
            else:
                assert value is not None
                checked.append(value)
        if not ok:
            return _INVALID
        if shape == Shape.RANGE:
            if len(checked) != 2 or checked[0] > checked[1]:  # type: ignore[operator]
                self.problem(
                    line,
                    bilingual(
                        "'between' expects [low, high] with low <= high",
                        "“between”需要 [下限, 上限] 且下限不大于上限",
                    ),
                    field=spec.name,
                )
                return _INVALID
            return (checked[0], checked[1])
        return tuple(sorted(set(checked), key=_sort_key))


_INVALID = object()


def _sort_key(value: Scalar) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


def _shown(value: object) -> object:
    return value if not isinstance(value, LineDict | LineList) else str(dict(value))


def build_profile(
    doc: LineDict, source: str, lists: Mapping[str, NamedList]
) -> tuple[Profile | None, list[Problem]]:
    """One profile from a parsed YAML mapping, or the problems that prevent it."""
    b = _Builder(source, lists)
    b.unknown_keys(doc, PROFILE_KEYS)
    pid = b.identifier(doc)
    version = b.version(doc)
    title = b.text(doc, "title")
    rationale = b.text(doc, "rationale")
    owner = b.required(doc, "owner")
    if owner is not None and (not isinstance(owner, str) or not owner.strip()):
        b.problem(
            doc.lines.get("owner", doc.line),
            bilingual("expected a name", "应为名称"),
            field="owner",
        )
        owner = None
    valid_from = b.date(doc, "valid_from")
    review_by = b.date(doc, "review_by")
    if valid_from and review_by and review_by < valid_from:
        b.problem(
            doc.lines.get("review_by", doc.line),
            bilingual("review_by is before valid_from", "复核日期早于生效日期"),
            field="review_by",
        )
    applies_to: tuple[str, ...] = EVENT_KINDS
    if "applies_to" in doc:
        raw = doc["applies_to"]
        if not isinstance(raw, list) or not raw or any(k not in EVENT_KINDS for k in raw):
            b.problem(
                doc.lines["applies_to"],
                bilingual(
                    "applies_to is a non-empty list of " + ", ".join(EVENT_KINDS),
                    "applies_to 应为以下事件类型的非空列表：" + "、".join(EVENT_KINDS),
                ),
                field="applies_to",
                value=_shown(raw),
            )
        else:
            applies_to = tuple(k for k in EVENT_KINDS if k in raw)
    weight = 1.0
    if "weight" in doc:
        raw_w = doc["weight"]
        if isinstance(raw_w, bool) or not isinstance(raw_w, int | float) or not 0 < raw_w <= 100:
            b.problem(
                doc.lines["weight"],
                bilingual(
                    "weight is a number above 0, at most 100", "权重应为大于0且不超过100的数"
                ),
                field="weight",
                value=raw_w,
            )
        else:
            weight = float(raw_w)
    indicators: tuple[str, ...] = ()
    if "indicators" in doc:
        raw_i = doc["indicators"]
        if not isinstance(raw_i, list) or not all(isinstance(i, str) for i in raw_i):
            b.problem(
                doc.lines["indicators"],
                bilingual("indicators is a list of indicator ids", "indicators 应为指标编号列表"),
                field="indicators",
            )
        else:
            indicators = tuple(raw_i)
    criteria: Node | None = None
    if "criteria" not in doc or doc["criteria"] is None or doc["criteria"] == {}:
        b.problem(
            doc.lines.get("criteria", doc.line),
            bilingual("criteria are missing or empty", "条件缺失或为空"),
            field="criteria",
        )
    else:
        criteria = b.node(doc["criteria"], doc.lines["criteria"])
    if (
        pid is None
        or version is None
        or title is None
        or rationale is None
        or owner is None
        or valid_from is None
        or review_by is None
        or criteria is None
        or b.problems
    ):
        return None, b.problems
    assert isinstance(owner, str)
    profile = Profile(
        id=pid,
        version=version,
        title=title,
        rationale=rationale,
        owner=owner.strip(),
        valid_from=valid_from,
        review_by=review_by,
        applies_to=applies_to,
        weight=weight,
        criteria=criteria,
        indicators=indicators,
        source=source,
        line=doc.line,
    )
    return profile, rights_problems(profile)


def build_list(doc: LineDict, source: str) -> tuple[NamedList | None, list[Problem]]:
    b = _Builder(source, {})
    b.unknown_keys(doc, LIST_KEYS)
    lid = b.identifier(doc)
    version = b.version(doc)
    title = b.text(doc, "title")
    rationale = b.text(doc, "rationale")
    owner = b.required(doc, "owner")
    kind = b.required(doc, "kind")
    if kind is not None and kind not in ("string", "country"):
        b.problem(
            doc.lines["kind"],
            bilingual("kind is 'string' or 'country'", "kind 应为 'string' 或 'country'"),
            field="kind",
            value=kind,
        )
    raw_items = b.required(doc, "items")
    items: set[str] = set()
    if raw_items is not None:
        if not isinstance(raw_items, LineList) or not raw_items:
            b.problem(
                doc.lines["items"],
                bilingual("items is a non-empty list", "items 应为非空列表"),
                field="items",
            )
        else:
            for item, line in zip(raw_items, raw_items.lines, strict=True):
                if not isinstance(item, str) or not item.strip():
                    b.problem(
                        line,
                        bilingual("expected text (in quotes)", "应为文本（请加引号）"),
                        field="items",
                        value=_shown(item),
                    )
                elif kind == "country" and item.strip().upper() not in COUNTRY_CODES:
                    b.problem(
                        line,
                        bilingual("unknown country code", "未知国家代码"),
                        field="items",
                        value=item,
                    )
                else:
                    items.add(item.strip().upper() if kind == "country" else item.strip())
    if b.problems or lid is None or version is None or title is None or rationale is None:
        return None, b.problems
    return (
        NamedList(
            id=lid,
            version=version,
            title=title,
            rationale=rationale,
            owner=str(owner),
            kind=str(kind),
            items=frozenset(items),
            source=source,
        ),
        [],
    )


def lists_used(text: str, source: str = "profile") -> frozenset[str]:
    """The named lists a profile's YAML names with ``in_list`` (any of its spellings), read as
    the loader reads criteria, whether or not those lists exist; none when it does not parse.

    >>> sorted(lists_used("criteria: {not: {field: sponsor_name, listed_in: agencies}}"))
    ['agencies']
    """
    doc, _problems = read_yaml(text, source)
    if doc is None or doc.get("criteria") is None:
        return frozenset()
    builder = _Builder(source, {})
    builder.node(doc["criteria"], doc.lines["criteria"])
    return frozenset(builder.list_names)


# ---------------------------------------------------------------- sets


def profile_set_from_texts(
    profiles: Mapping[str, str],
    lists: Mapping[str, str] | None = None,
    *,
    on: dt.date | None = None,
    strict: bool = False,
) -> ProfileSet:
    """A profile set from YAML texts keyed by their source name; ``InputError`` on problems.

    ``strict`` also refuses profiles that are not in force on ``on`` (default today).
    """
    result, problems = check_texts(profiles, lists or {})
    if result is not None and strict:
        problems += expiry_problems(result.profiles, on or screening_day())
    if problems or result is None:
        raise InputError(problems)
    return result


def check_texts(
    profiles: Mapping[str, str], lists: Mapping[str, str]
) -> tuple[ProfileSet | None, list[Problem]]:
    """Every problem of a set of YAML texts, and the set itself when there is none.

    Whether a profile is in force is not checked here: it depends on the day of screening.
    """
    problems: list[Problem] = []
    named: list[NamedList] = []
    for source, text in lists.items():
        doc, found = read_yaml(text, source)
        problems += found
        if doc is not None:
            built, found = build_list(doc, source)
            problems += found
            if built is not None:
                named.append(built)
    problems += _duplicate_list_problems(named)
    by_id = {n.id: n for n in named}
    built_profiles: list[Profile] = []
    for source, text in profiles.items():
        doc, found = read_yaml(text, source)
        problems += found
        if doc is None:
            continue
        profile, found = build_profile(doc, source, by_id)
        problems += found
        if profile is not None:
            built_profiles.append(profile)
    problems += duplicate_id_problems(built_profiles)
    if not profiles:
        problems.append(
            Problem(where="profile set", rule="no profiles found", rule_zh="未找到风险画像")
        )
    if problems:
        return None, problems
    return ProfileSet.of(built_profiles, named), problems


def _duplicate_list_problems(named: Iterable[NamedList]) -> list[Problem]:
    seen: dict[str, str] = {}
    problems: list[Problem] = []
    for n in named:
        if n.id in seen:
            problems.append(
                Problem(
                    where=n.source,
                    field="id",
                    value=n.id,
                    rule=f"duplicate list id, also in {seen[n.id]}",
                    rule_zh=f"名单编号重复，另见 {seen[n.id]}",
                )
            )
        seen[n.id] = n.source
    return problems


def _read_directory(directory: Path) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    if not directory.exists():
        raise InputError(
            [
                Problem(
                    where=str(directory),
                    rule="profile directory not found",
                    rule_zh="找不到风险画像目录",
                )
            ]
        )
    if not directory.is_dir():
        raise InputError(
            [Problem(where=str(directory), rule="not a directory", rule_zh="不是目录")]
        )
    problems: list[Problem] = []

    def texts(folder: Path) -> dict[str, str]:
        out: dict[str, str] = {}
        for path in sorted([*folder.glob("*.yaml"), *folder.glob("*.yml")]):
            try:
                out[str(path)] = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                problems.append(
                    Problem(where=str(path), rule="not UTF-8 text", rule_zh="不是 UTF-8 文本")
                )
        return out

    lists_dir = directory / "lists"
    return texts(directory), texts(lists_dir) if lists_dir.is_dir() else {}, problems


def load_profile_set(
    directory: str | Path, *, on: dt.date | None = None, strict: bool = False
) -> ProfileSet:
    """Load and validate the profile set in ``directory``; ``InputError`` lists every problem.

    Profiles not in force on ``on`` (default today) are loaded and never fire; with ``strict``
    they are problems too.
    """
    profiles, lists, problems = _read_directory(Path(directory))
    if problems:
        raise InputError(problems)
    return profile_set_from_texts(profiles, lists, on=on, strict=strict)


def check_profile_set(
    directory: str | Path, *, on: dt.date | None = None
) -> tuple[ProfileSet | None, list[Problem]]:
    """Every problem of the set in ``directory``, expired profiles included."""
    profiles, lists, problems = _read_directory(Path(directory))
    result, found = check_texts(profiles, lists)
    problems += found
    if result is not None:
        problems += expiry_problems(result.profiles, on or screening_day())
    return result, problems


def distinct_comparisons(profile_set: ProfileSet) -> tuple[Comparison, ...]:
    """Each distinct comparison of the set once, in first-use order."""
    seen: dict[Comparison, None] = {}
    for p in profile_set.profiles:
        seen.update(dict.fromkeys(comparisons(p.criteria)))
    return tuple(seen)


__all__ = [
    "LineDict",
    "LineList",
    "build_list",
    "build_profile",
    "check_profile_set",
    "check_texts",
    "distinct_comparisons",
    "lists_used",
    "load_profile_set",
    "profile_set_from_texts",
    "read_yaml",
]
