"""Building the immutable tree from parsed YAML, collecting every problem on the way.

``build_profile`` and ``build_list`` take a mapping read by ``yaml_lines.read_yaml`` and return
the node or the problems (with lines) that prevent it; ``lists_used`` names the lists a
profile's YAML refers to. Sets of files are read by ``loader``.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

from palermo.errors import Location, Problem, Rule
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
)
from palermo.profiles.operators import OPERATORS, Shape, resolve, spellings
from palermo.profiles.validate import (
    DEFAULT_POLICY,
    GuardPolicy,
    bilingual,
    check_scalar,
    list_kind_fits,
    rights_problems,
)
from palermo.profiles.yaml_lines import LineDict, LineList, read_yaml
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
                at=Location.line(self.source, line),
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

    def owner(self, doc: LineDict) -> str | None:
        owner = self.required(doc, "owner")
        if owner is None:
            return None
        if not isinstance(owner, str) or not owner.strip():
            self.problem(
                doc.lines.get("owner", doc.line),
                bilingual("expected a name", "应为名称"),
                field="owner",
            )
            return None
        return owner.strip()

    def validity(self, doc: LineDict) -> tuple[dt.date | None, dt.date | None]:
        """``valid_from`` and ``review_by``, the review not before the start."""
        valid_from = self.date(doc, "valid_from")
        review_by = self.date(doc, "review_by")
        if valid_from and review_by and review_by < valid_from:
            self.problem(
                doc.lines.get("review_by", doc.line),
                bilingual("review_by is before valid_from", "复核日期早于生效日期"),
                field="review_by",
            )
        return valid_from, review_by

    def applies_to(self, doc: LineDict) -> tuple[str, ...]:
        """The event kinds the profile screens (default: all), in ``EVENT_KINDS`` order."""
        if "applies_to" not in doc:
            return EVENT_KINDS
        raw = doc["applies_to"]
        if not isinstance(raw, list) or not raw or any(k not in EVENT_KINDS for k in raw):
            self.problem(
                doc.lines["applies_to"],
                bilingual(
                    "applies_to is a non-empty list of " + ", ".join(EVENT_KINDS),
                    "applies_to 应为以下事件类型的非空列表：" + "、".join(EVENT_KINDS),
                ),
                field="applies_to",
                value=_shown(raw),
            )
            return EVENT_KINDS
        return tuple(k for k in EVENT_KINDS if k in raw)

    def weight(self, doc: LineDict) -> float:
        if "weight" not in doc:
            return 1.0
        raw = doc["weight"]
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not 0 < raw <= 100:
            self.problem(
                doc.lines["weight"],
                bilingual(
                    "weight is a number above 0, at most 100", "权重应为大于0且不超过100的数"
                ),
                field="weight",
                value=raw,
            )
            return 1.0
        return float(raw)

    def indicator_ids(self, doc: LineDict) -> tuple[str, ...]:
        """The published indicator ids (BRD-01 ...) the profile rests on."""
        if "indicators" not in doc:
            return ()
        raw = doc["indicators"]
        if not isinstance(raw, list) or not all(isinstance(i, str) for i in raw):
            self.problem(
                doc.lines["indicators"],
                bilingual("indicators is a list of indicator ids", "indicators 应为指标编号列表"),
                field="indicators",
            )
            return ()
        return tuple(raw)

    def criteria(self, doc: LineDict) -> Node | None:
        if "criteria" not in doc or doc["criteria"] is None or doc["criteria"] == {}:
            self.problem(
                doc.lines.get("criteria", doc.line),
                bilingual("criteria are missing or empty", "条件缺失或为空"),
                field="criteria",
            )
            return None
        return self.node(doc["criteria"], doc.lines["criteria"])

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
        """The comparison's value checked against the operator's shape and the field's kind,
        or ``_INVALID`` (with the problems recorded)."""
        if shape == Shape.FLAG:
            if not isinstance(raw, bool):
                self.problem(
                    line, bilingual("expected true or false", "应为 true 或 false"), field=op
                )
                return _INVALID
            return raw
        if shape == Shape.LIST_NAME:
            return self.list_operand(spec, raw, line)
        # a transit point is a country code
        element_spec = FIELDS["origin"] if spec.kind == Kind.COUNTRY_LIST else spec
        if shape == Shape.SCALAR:
            value, rule = check_scalar(element_spec, raw)
            if rule is not None:
                self.problem(line, rule, field=spec.name, value=_shown(raw))
                return _INVALID
            return value
        return self.many_operand(shape, op, spec, raw, line, element_spec=element_spec)

    def list_operand(self, spec: Any, raw: object, line: int) -> object:
        """A named list that is loaded and holds values of the field's kind."""
        named = self.lists.get(raw) if isinstance(raw, str) else None
        if named is None:
            known = ", ".join(sorted(self.lists)) or "none loaded"
            known_zh = "、".join(sorted(self.lists)) or "尚未加载任何名单"
            self.problem(
                line,
                bilingual(f"unknown named list (known: {known})", f"未知名单（已有：{known_zh}）"),
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

    def many_operand(
        self, shape: Shape, op: str, spec: Any, raw: object, line: int, *, element_spec: Any
    ) -> object:
        """A set (sorted, without duplicates) or a range ``(low, high)`` of valid values."""
        if not isinstance(raw, list) or not raw:
            what = "[low, high]" if shape == Shape.RANGE else "a non-empty list [a, b, ...]"
            what_zh = "[下限, 上限]" if shape == Shape.RANGE else "非空列表 [a, b, ...]"
            self.problem(
                line, bilingual(f"'{op}' expects {what}", f"“{op}”需要{what_zh}"), field=spec.name
            )
            return _INVALID
        checked: list[Scalar] = []
        for item in raw:
            value, rule = check_scalar(element_spec, item)
            if rule is not None:
                self.problem(line, rule, field=spec.name, value=_shown(item))
            else:
                assert value is not None
                checked.append(value)
        if len(checked) < len(raw):
            return _INVALID
        if shape != Shape.RANGE:
            return tuple(sorted(set(checked), key=_sort_key))
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


_INVALID = object()


def _sort_key(value: Scalar) -> tuple[str, str]:
    return (type(value).__name__, repr(value))


def _shown(value: object) -> object:
    if isinstance(value, LineDict):
        return str(dict(value))
    return str(list(value)) if isinstance(value, LineList) else value


def build_profile(
    doc: LineDict,
    source: str,
    lists: Mapping[str, NamedList],
    policy: GuardPolicy = DEFAULT_POLICY,
) -> tuple[Profile | None, list[Problem]]:
    """One profile from a parsed YAML mapping, or the problems that prevent it."""
    b = _Builder(source, lists)
    b.unknown_keys(doc, PROFILE_KEYS)
    pid = b.identifier(doc)
    version = b.version(doc)
    title = b.text(doc, "title")
    rationale = b.text(doc, "rationale")
    owner = b.owner(doc)
    valid_from, review_by = b.validity(doc)
    applies_to = b.applies_to(doc)
    weight = b.weight(doc)
    indicators = b.indicator_ids(doc)
    criteria = b.criteria(doc)
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
    profile = Profile(
        id=pid,
        version=version,
        title=title,
        rationale=rationale,
        owner=owner,
        valid_from=valid_from,
        review_by=review_by,
        applies_to=applies_to,
        weight=weight,
        criteria=criteria,
        indicators=indicators,
        source=source,
        line=doc.line,
    )
    return profile, rights_problems(profile, lists, policy)


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
