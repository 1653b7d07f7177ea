"""Action-plan indicators: a national or provincial plan's indicators, targets and periods
declared in YAML, checked with every problem named, and compared with what the data say.

    plan: National plan of action against trafficking in persons 2026-2027
    plan_zh: 2026-2027 年国家打击拐卖人口行动计划
    indicators:
      - id: victims-identified
        title: Possible and presumed victims identified
        title_zh: 识别出的可能及推定受害者
        measure: cases_opened            # one of MEASURES
        period: {start: 2026-01-01, end: 2026-12-31}
        target: 120
        direction: at_least              # or at_most (e.g. the oldest waiting hit)
      - id: referred-within-7-days
        measure: share_cases_referred_within_days
        days: 7                          # the measure's parameter
        target: 80                       # a percentage
        ...

The values are computed by whoever holds the data (the web application's reports selectors)
for each indicator's own period; ``assess`` compares them with the targets. YAML is read
through ``palermo.lib.yamlsafe``; a bad file is an ``InputError`` naming each problem.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.lib import yamlsafe

MAX_INDICATORS = 200


class Unit(StrEnum):
    COUNT = "count"
    PERCENT = "percent"


@dataclass(frozen=True, slots=True)
class Measure:
    """What can be measured: its unit, its parameter (``days``/``hours``) and its words."""

    name: str
    unit: Unit
    param: str | None
    en: str
    zh: str


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "cases_opened",
            Unit.COUNT,
            None,
            "cases opened (possible or presumed victims identified)",
            "立案数（识别出的可能或推定受害者）",
        ),
        Measure(
            "presumed_victims",
            Unit.COUNT,
            None,
            "cases opened for presumed victims",
            "推定受害者立案数",
        ),
        Measure(
            "children_referred_to_child_protection",
            Unit.COUNT,
            None,
            "children referred to child protection",
            "转介至儿童保护机构的儿童",
        ),
        Measure(
            "share_cases_referred_within_days",
            Unit.PERCENT,
            "days",
            "share of cases opened that were referred within N days",
            "在 N 天内转介的个案所占比例",
        ),
        Measure(
            "share_hits_disposed_within_hours",
            Unit.PERCENT,
            "hours",
            "share of hits given a disposition within N hours",
            "在 N 小时内作出处置的命中所占比例",
        ),
        Measure(
            "officials_trained",
            Unit.COUNT,
            None,
            "officials who completed a course (took its after-course knowledge test)",
            "完成培训课程（参加了课后知识测验）的官员人数",
        ),
        Measure(
            "officials_trained_scoring_at_least",
            Unit.COUNT,
            "percent",
            "officials who completed a course scoring at least N% in its after-course test",
            "完成培训课程且课后测验得分不低于 N% 的官员人数",
        ),
        Measure(
            "officials_certified",
            Unit.COUNT,
            None,
            "officials who earned a training certificate (not revoked)",
            "获得培训证书（未被撤销）的官员人数",
        ),
        Measure(
            "records_screened",
            Unit.COUNT,
            None,
            "traveller records screened in batches",
            "批量筛查的旅客记录数",
        ),
    )
}


#: a measure's parameter and its largest value
PARAMETERS: dict[str, int] = {"days": 3650, "hours": 3650, "percent": 100}


class Direction(StrEnum):
    AT_LEAST = "at_least"
    AT_MOST = "at_most"


@dataclass(frozen=True, slots=True)
class Indicator:
    id: str
    title: str
    title_zh: str
    measure: Measure
    start: dt.date
    end: dt.date
    target: float
    direction: Direction = Direction.AT_LEAST
    param: int | None = None

    def title_in(self, lang: str) -> str:
        return self.title_zh if lang.lower().startswith("zh") else self.title


@dataclass(frozen=True, slots=True)
class Plan:
    name: str
    name_zh: str
    indicators: tuple[Indicator, ...]

    def name_in(self, lang: str) -> str:
        return self.name_zh if lang.lower().startswith("zh") else self.name


class Standing(StrEnum):
    MET = "met"  # the period is over and the target was reached
    NOT_MET = "not_met"  # the period is over and the target was missed
    ON_TRACK = "on_track"  # the period runs and the target is reached so far
    BEHIND = "behind"  # the period runs and the target is not reached yet
    NOT_STARTED = "not_started"
    NO_DATA = "no_data"  # a share with nothing to divide by


@dataclass(frozen=True, slots=True)
class Result:
    indicator: Indicator
    value: float | None
    standing: Standing

    @property
    def percent_of_target(self) -> float | None:
        if self.value is None or not self.indicator.target:
            return None
        return round(100 * self.value / self.indicator.target, 1)


def assess(indicator: Indicator, value: float | None, *, today: dt.date) -> Result:
    """How ``value`` stands against the indicator's target on ``today``: met or not once the
    period is over; on track or behind while it runs."""
    if today < indicator.start:
        return Result(indicator, value, Standing.NOT_STARTED)
    if value is None:
        return Result(indicator, None, Standing.NO_DATA)
    if indicator.direction is Direction.AT_LEAST:
        met = value >= indicator.target
    else:
        met = value <= indicator.target
    if today > indicator.end:
        return Result(indicator, value, Standing.MET if met else Standing.NOT_MET)
    return Result(indicator, value, Standing.ON_TRACK if met else Standing.BEHIND)


def _problem(
    where: str, rule: str, rule_zh: str, field: str | None = None, value: object = None
) -> Problem:
    return Problem(where=where, rule=rule, rule_zh=rule_zh, field=field, value=value)


class _Reader:
    """One indicator's fields, each problem collected with where it is."""

    def __init__(self, item: dict[str, Any], where: str, problems: list[Problem]) -> None:
        self.item, self.where, self.problems = item, where, problems

    def text(self, key: str, *, required: bool = True) -> str:
        value = self.item.get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.problems.append(
                _problem(self.where, "a text is required", "必须填写文字", key, value)
            )
            return ""
        return value.strip()

    def number(self, key: str) -> float:
        value = self.item.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            self.problems.append(
                _problem(
                    self.where,
                    "a number of at least 0 is required",
                    "必须为不小于 0 的数字",
                    key,
                    value,
                )
            )
            return 0.0
        return float(value)

    def date(self, period: object, key: str) -> dt.date:
        value = period.get(key) if isinstance(period, dict) else None
        if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
            self.problems.append(
                _problem(
                    self.where,
                    "a date (YYYY-MM-DD) is required",
                    "必须为日期（YYYY-MM-DD）",
                    f"period.{key}",
                    value,
                )
            )
            return dt.date.min
        return value


_KEYS = {
    "id",
    "title",
    "title_zh",
    "measure",
    "period",
    "target",
    "direction",
    "days",
    "hours",
    "percent",
}


def _indicator(item: object, where: str, problems: list[Problem]) -> Indicator | None:
    if not isinstance(item, dict):
        problems.append(
            _problem(
                where, "an indicator is a mapping of its fields", "指标必须是字段映射", value=item
            )
        )
        return None
    for key in sorted(set(map(str, item)) - _KEYS):
        problems.append(
            _problem(
                where,
                f"unknown field (known: {', '.join(sorted(_KEYS))})",
                f"未知字段（可用：{'、'.join(sorted(_KEYS))}）",
                key,
            )
        )
    read = _Reader(item, where, problems)
    ident, title = read.text("id"), read.text("title")
    title_zh = read.text("title_zh", required=False) or title
    measure = MEASURES.get(str(item.get("measure")))
    if measure is None:
        problems.append(
            _problem(
                where,
                f"unknown measure (known: {', '.join(MEASURES)})",
                f"未知的度量（可用：{'、'.join(MEASURES)}）",
                "measure",
                item.get("measure"),
            )
        )
    period = item.get("period")
    start, end = read.date(period, "start"), read.date(period, "end")
    if dt.date.min not in (start, end) and start > end:
        problems.append(
            _problem(
                where,
                "the period ends before it starts",
                "期间结束早于开始",
                "period",
                f"{start}..{end}",
            )
        )
    target = read.number("target")
    direction = item.get("direction", Direction.AT_LEAST.value)
    if direction not in {d.value for d in Direction}:
        problems.append(
            _problem(
                where,
                "direction is at_least or at_most",
                "direction 只能是 at_least 或 at_most",
                "direction",
                direction,
            )
        )
        direction = Direction.AT_LEAST.value
    param = _param(item, measure, where, problems)
    if measure and measure.unit is Unit.PERCENT and target > 100:
        problems.append(
            _problem(
                where,
                "a percentage target is at most 100",
                "百分比目标不能超过 100",
                "target",
                target,
            )
        )
    if measure is None:
        return None
    return Indicator(
        ident, title, title_zh, measure, start, end, target, Direction(direction), param
    )


def _param(
    item: dict[str, Any], measure: Measure | None, where: str, problems: list[Problem]
) -> int | None:
    for key in PARAMETERS:
        if key in item and (measure is None or measure.param != key):
            problems.append(
                _problem(
                    where,
                    "this measure takes no such parameter",
                    "此度量没有该参数",
                    key,
                    item[key],
                )
            )
    if measure is None or measure.param is None:
        return None
    value = item.get(measure.param)
    top = PARAMETERS[measure.param]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= top:
        problems.append(
            _problem(
                where,
                f"{measure.param}: a whole number from 1 to {top}",
                f"{measure.param}：必须为 1 至 {top} 的整数",
                measure.param,
                value,
            )
        )
        return None
    return value


def parse_plan(text: str | bytes, source: str) -> Plan:
    """A plan from YAML text; every problem named (``InputError``), nothing half-read."""
    data = yamlsafe.load(text, source)
    problems: list[Problem] = []
    if not isinstance(data, dict):
        raise InputError(
            [
                _problem(
                    source,
                    "a plan is a mapping with plan and indicators",
                    "行动计划必须是包含 plan 和 indicators 的映射",
                )
            ]
        )
    name = data.get("plan")
    if not isinstance(name, str) or not name.strip():
        problems.append(_problem(source, "the plan needs a name", "行动计划需要名称", "plan"))
        name = ""
    items = data.get("indicators")
    if not isinstance(items, list) or not items or len(items) > MAX_INDICATORS:
        problems.append(
            _problem(
                source,
                f"indicators: a list of 1 to {MAX_INDICATORS}",
                f"indicators：须为 1 至 {MAX_INDICATORS} 项的列表",
                "indicators",
            )
        )
        items = []
    indicators: list[Indicator] = []
    for number, item in enumerate(items, start=1):
        label = item.get("id") if isinstance(item, dict) else None
        where = f"{source} indicator {number}" + (f" ({label})" if label else "")
        found = _indicator(item, where, problems)
        if found is not None:
            indicators.append(found)
    seen: set[str] = set()
    for indicator in indicators:
        if indicator.id in seen:
            problems.append(
                _problem(
                    source, "two indicators share an id", "两个指标的 id 相同", "id", indicator.id
                )
            )
        seen.add(indicator.id)
    if problems:
        raise InputError(problems)
    name_zh = data.get("plan_zh")
    return Plan(
        name.strip(),
        name_zh.strip() if isinstance(name_zh, str) else name.strip(),
        tuple(indicators),
    )


def read_plan(path: Path) -> Plan:
    """A plan from a YAML file (bounded by the loader)."""
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise InputError(
            [_problem(str(path), f"cannot be read: {exc.strerror}", f"无法读取：{exc.strerror}")]
        ) from exc
    return parse_plan(text, path.name)


EXAMPLE_PLAN = Path(__file__).with_name("plans") / "national-example.yaml"
