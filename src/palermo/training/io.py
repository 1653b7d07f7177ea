"""Scenario definitions read and checked (curated YAML, imported sets), and scenario sets written.

A definition is the curated YAML's shape (see ``data/scenarios.yaml``). Every problem is
collected and reported at once as an :class:`~palermo.errors.InputError` naming the file, the
scenario and the field; nothing is built from a definition that has one. The answers and the
expected results are always computed here, by this installation's catalogue and instruments,
never taken from the file.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Location, Problem
from palermo.indicators.catalogue import Catalogue, Text, load_catalogue
from palermo.lib import yamlsafe
from palermo.lib.files import atomic_path
from palermo.records.validate_one import validate_record
from palermo.training.scenario import (
    Category,
    Companion,
    Referral,
    Scenario,
    build_scenario,
    first_line,
)

SET_FORMAT = "palermo-training-scenarios"
SET_VERSION = 1
KEYS = (
    "id", "category", "child", "title_en", "title_zh", "narrative_en", "narrative_zh",
    "explanation_en", "explanation_zh", "record", "observed", "indicators", "willingness",
    "companion", "needs_interpreter", "arranged_by_other", "referrals", "hardship",
)  # fmt: skip
REQUIRED = KEYS[:16]
MAX_SCENARIOS = 10_000


class _Checker:
    def __init__(self, where: str) -> None:
        self.where = where
        self.problems: list[Problem] = []

    def add(
        self, rule: str, rule_zh: str, *, field: str | None = None, value: object = None
    ) -> None:
        self.problems.append(
            Problem(where=self.where, field=field, value=value, rule=rule, rule_zh=rule_zh)
        )

    def text(self, doc: Mapping[str, Any], key: str) -> str:
        value = doc.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add("must be non-empty text", "必须是非空文本", field=key, value=value)
            return ""
        return value.strip()

    def flag(self, doc: Mapping[str, Any], key: str) -> bool:
        value = doc.get(key)
        if not isinstance(value, bool):
            self.add("must be true or false", "必须是 true 或 false", field=key, value=value)
            return False
        return value

    def choice(self, doc: Mapping[str, Any], key: str, allowed: Sequence[str]) -> str | None:
        value = doc.get(key)
        if value not in allowed:
            self.add(
                f"must be one of {', '.join(allowed)}",
                f"必须是以下之一：{'、'.join(allowed)}",
                field=key,
                value=value,
            )
            return None
        return str(value)

    def ids(
        self, doc: Mapping[str, Any], key: str, known: Mapping[str, object] | set[str]
    ) -> list[str]:
        value = doc.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.add("must be a list of ids", "必须是编号列表", field=key, value=value)
            return []
        for v in value:
            if v not in known:
                self.add("unknown id", "未知的编号", field=key, value=v)
        return [v for v in value if v in known]


def parse_definition(
    doc: object, where: str, *, source: str = "curated", catalogue: Catalogue | None = None
) -> Scenario:
    """Check one definition and build its scenario; ``InputError`` lists every problem."""
    cat = catalogue or load_catalogue()
    c = _Checker(where)
    if not isinstance(doc, Mapping):
        c.add("must be a mapping of keys to values", "必须是键值映射")
        raise InputError(c.problems)
    sid = doc.get("id")
    if isinstance(sid, str) and sid:
        c.where = f"{where} scenario {sid}"
    for key in doc:
        if key not in KEYS:
            c.add(
                f"unknown key (known: {', '.join(KEYS)})",
                f"未知的键（已知的键：{'、'.join(KEYS)}）",
                field=str(key),
            )
    for key in REQUIRED:
        if key not in doc:
            c.add("is missing", "缺失", field=key)
    if c.problems:
        raise InputError(c.problems)
    ident = c.text(doc, "id")
    category = c.choice(doc, "category", [x.value for x in Category])
    child = c.flag(doc, "child")
    companion = c.choice(doc, "companion", [x.value for x in Companion])
    texts = {k: c.text(doc, k) for k in KEYS[3:9]}
    observed = c.ids(doc, "observed", {q.id for q in first_line().questions})
    indicators = c.ids(doc, "indicators", dict(cat.indicators))
    referrals = c.ids(doc, "referrals", {r.value for r in Referral})
    willingness = _willingness(c, doc.get("willingness"))
    hardship = _hardship(c, doc.get("hardship", {}), cat)
    record = _record(c, doc.get("record"), ident)
    _check_population(c, indicators, child=child, cat=cat)
    needs_interpreter = c.flag(doc, "needs_interpreter")
    arranged = c.flag(doc, "arranged_by_other")
    if c.problems:
        raise InputError(c.problems)
    assert category is not None
    assert companion is not None
    return build_scenario(
        id=ident,
        category=Category(category),
        title=Text(texts["title_en"], texts["title_zh"]),
        narrative=Text(texts["narrative_en"], texts["narrative_zh"]),
        explanation=Text(texts["explanation_en"], texts["explanation_zh"]),
        record=record,
        observed=observed,
        indicators=indicators,
        child=child,
        willingness=willingness,
        companion=Companion(companion),
        needs_interpreter=needs_interpreter,
        arranged_by_other=arranged,
        extra_referrals=[Referral(r) for r in referrals],
        hardship=hardship,
        source=source,
        catalogue=cat,
    )


def _willingness(c: _Checker, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        c.add(
            "must be a number from 0 to 1",
            "必须是 0 到 1 之间的数",
            field="willingness",
            value=value,
        )
        return 0.0
    return float(value)


def _hardship(c: _Checker, value: object, cat: Catalogue) -> dict[str, float]:
    if not isinstance(value, Mapping):
        c.add(
            "must be a mapping of indicator ids to probabilities",
            "必须是指标编号到概率的映射",
            field="hardship",
        )
        return {}
    out: dict[str, float] = {}
    for k, p in value.items():
        if k not in cat.indicators:
            c.add("unknown indicator id", "未知的指标编号", field="hardship", value=k)
        elif isinstance(p, bool) or not isinstance(p, int | float) or not 0 <= p <= 1:
            c.add(
                "must be a probability from 0 to 1",
                "必须是 0 到 1 之间的概率",
                field=f"hardship.{k}",
                value=p,
            )
        else:
            out[str(k)] = float(p)
    return out


def _check_population(
    c: _Checker, indicators: Sequence[str], *, child: bool, cat: Catalogue
) -> None:
    population = "child" if child else "adult"
    for i in indicators:
        if cat.sets[cat.indicators[i].set_code].population != population:
            c.add(
                f"is an indicator for another population than this {population}",
                "该指标适用于另一人群（成人/儿童），与本情景不符",
                field="indicators",
                value=i,
            )


def _record(c: _Checker, value: object, ident: str) -> dict[str, Any]:
    """The traveller record, JSON-ready (dates as ISO text), checked like any record."""
    if not isinstance(value, Mapping):
        c.add("must be a mapping of record fields", "必须是记录字段的映射", field="record")
        return {}
    record: dict[str, Any] = {"record_id": f"training-{ident}"}
    for k, v in value.items():
        record[str(k)] = v.isoformat() if isinstance(v, dt.date) else v
    try:
        validate_record(record, source=f"{c.where} record")
    except InputError as exc:
        c.problems.extend(exc.problems)
    return record


def load_definitions(
    path: Path, *, source: str = "curated", catalogue: Catalogue | None = None
) -> list[Scenario]:
    """Every scenario of a YAML file ``{scenarios: [definition, ...]}``; ids unique."""
    doc = yamlsafe.load(_read(path), path.name)
    return definitions_from(doc, path.name, source=source, catalogue=catalogue)


def definitions_from(
    doc: object, where: str, *, source: str, catalogue: Catalogue | None = None
) -> list[Scenario]:
    raw = doc.get("scenarios") if isinstance(doc, Mapping) else None
    if not isinstance(raw, list):
        raise InputError(
            [
                Problem(
                    where=where,
                    field="scenarios",
                    rule="must be a list of scenarios",
                    rule_zh="必须是情景列表",
                )
            ]
        )
    if len(raw) > MAX_SCENARIOS:
        raise InputError(
            [
                Problem(
                    where=where,
                    field="scenarios",
                    value=len(raw),
                    rule=f"at most {MAX_SCENARIOS} scenarios",
                    rule_zh=f"最多 {MAX_SCENARIOS} 个情景",
                )
            ]
        )
    problems: list[Problem] = []
    out: list[Scenario] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        definition = entry.get("definition", entry) if isinstance(entry, Mapping) else entry
        try:
            scenario = parse_definition(
                definition, f"{where} scenarios[{n}]", source=source, catalogue=catalogue
            )
        except InputError as exc:
            problems.extend(exc.problems)
            continue
        if scenario.id in seen:
            problems.append(
                Problem(
                    where=f"{where} scenarios[{n}]",
                    field="id",
                    value=scenario.id,
                    rule="duplicate scenario id",
                    rule_zh="情景编号重复",
                )
            )
        seen.add(scenario.id)
        out.append(scenario)
    if problems:
        raise InputError(problems)
    return out


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise InputError(
            [
                Problem(
                    where=str(path),
                    rule=f"cannot be read: {exc.strerror or exc}",
                    rule_zh=f"无法读取：{exc.strerror or exc}",
                )
            ]
        ) from None


def set_document(
    scenarios: Sequence[Scenario], *, seed: int | None = None, catalogue: Catalogue | None = None
) -> dict[str, Any]:
    """A scenario set as one JSON-ready document (with the catalogue it was computed with)."""
    cat = catalogue or load_catalogue()
    return {
        "format": SET_FORMAT,
        "version": SET_VERSION,
        "catalogue": cat.stamp,
        "seed": seed,
        "scenarios": [s.to_dict() for s in scenarios],
    }


def write_set(path: Path, scenarios: Sequence[Scenario], *, seed: int | None = None) -> None:
    """Write a set atomically (a killed writer leaves no half file)."""
    text = json.dumps(
        set_document(scenarios, seed=seed), ensure_ascii=False, indent=1, sort_keys=True
    )
    with atomic_path(path) as tmp:
        tmp.write_text(text + "\n", encoding="utf-8")


def read_set(path: Path, *, catalogue: Catalogue | None = None) -> list[Scenario]:
    """Read a set written by :func:`write_set` (or a YAML file of definitions), recomputing each
    scenario's answers and truth with this installation's tools."""
    raw = _read(path)
    if path.suffix.lower() in (".yaml", ".yml"):
        return definitions_from(
            yamlsafe.load(raw, path.name), path.name, source="imported", catalogue=catalogue
        )
    try:
        doc = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        raise InputError(
            [
                Problem(
                    at=Location.line(path.name, line) if line else Location(path.name),
                    rule=f"not a JSON scenario set: {exc}",
                    rule_zh=f"不是 JSON 情景集：{exc}",
                    line=line,
                )
            ]
        ) from None
    if not isinstance(doc, Mapping) or doc.get("format") != SET_FORMAT:
        raise InputError(
            [
                Problem(
                    where=path.name,
                    field="format",
                    value=doc.get("format") if isinstance(doc, Mapping) else None,
                    rule=f"must be {SET_FORMAT}",
                    rule_zh=f"必须是 {SET_FORMAT}",
                )
            ]
        )
    return definitions_from(doc, path.name, source="imported", catalogue=catalogue)
