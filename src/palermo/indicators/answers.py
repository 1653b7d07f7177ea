"""Answers to an instrument: reading, type checks against the instrument, and skip logic.

An answer file is JSON::

    {"instrument": "second-line-adult", "language": "zh",
     "consent": {"consented": true, "told_purpose": true},
     "answers": {"debt_owes": true, "docs_who_holds": "employer_or_agent",
                 "work_conditions": ["long_hours", "little_pay"], "ctrl_money": null}}

``yes_no`` answers are true/false, ``choice`` answers one option id, ``multi`` answers a list of
option ids; ``null`` (or leaving the question out) means declined or not asked.

>>> from palermo.indicators.instruments import load_instrument
>>> inst = load_instrument("second-line-adult")
>>> a = parse_answers({"consent": {"consented": True}, "answers": {"debt_owes": True}}, inst)
>>> a.values["debt_owes"], a.language
(True, 'en')
>>> parse_answers({"answers": {"debt_owes": "often"}}, inst)
Traceback (most recent call last):
...
palermo.errors.InputError: answers.debt_owes: value 'often': must be true or false (yes_no)
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.catalogue import LANGUAGES, Language
from palermo.indicators.instruments import Instrument, Question, QuestionType

AnswerValue = bool | str | tuple[str, ...] | None
TOP_LEVEL_KEYS = ("instrument", "instrument_version", "language", "consent", "answers", "comment")


@dataclass(frozen=True, slots=True)
class Answers:
    """Answers checked against one instrument."""

    instrument_id: str
    language: Language
    values: Mapping[str, AnswerValue]
    consent: Mapping[str, bool] = field(default_factory=dict)
    source: str = "answers"


def read_answers(path: Path, instrument: Instrument) -> Answers:
    """Read and check an answer file; every problem is reported at once (InputError)."""
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(
            [Problem(where=str(path), rule="answer file not found", rule_zh="找不到回答文件")]
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(
            [Problem(where=str(path), rule=f"cannot be read: {exc}", rule_zh=f"无法读取：{exc}")]
        ) from None
    try:
        doc = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise InputError(
            [
                Problem(
                    where=f"{path} line {exc.lineno} column {exc.colno}",
                    rule=f"not valid JSON: {exc.msg}",
                    rule_zh=f"不是有效的 JSON：{exc.msg}",
                    line=exc.lineno,
                )
            ]
        ) from None
    return parse_answers(doc, instrument, where=str(path))


def parse_answers(doc: object, instrument: Instrument, *, where: str = "answers") -> Answers:
    """Check a decoded answer document against ``instrument``."""
    if not isinstance(doc, dict):
        raise InputError(
            [
                Problem(
                    where=where,
                    rule="must be a JSON object with an 'answers' object",
                    rule_zh="必须是含有 'answers' 对象的 JSON 对象",
                )
            ]
        )
    problems: list[Problem] = []
    language = _header(doc, instrument, where, problems)
    consent = _consent_given(doc.get("consent", {}), instrument, where, problems)
    values = _answer_values(doc.get("answers"), instrument, where, problems)
    if problems:
        raise InputError(problems)
    return Answers(
        instrument_id=instrument.id,
        language="zh" if language == "zh" else "en",
        values=values,
        consent=consent,
        source=where,
    )


def _header(
    doc: Mapping[str, Any], instrument: Instrument, where: str, problems: list[Problem]
) -> str:
    """Known top-level keys, the instrument named (if any) is this one; the language (en when
    it is not en or zh)."""
    for key in doc:
        if key not in TOP_LEVEL_KEYS:
            problems.append(
                Problem(
                    where=where,
                    field=key,
                    rule=f"unknown key (known: {', '.join(TOP_LEVEL_KEYS)})",
                    rule_zh=f"未知的键（已知的键：{'、'.join(TOP_LEVEL_KEYS)}）",
                )
            )
    named = doc.get("instrument")
    if named is not None and named != instrument.id:
        problems.append(
            Problem(
                where=where,
                field="instrument",
                value=named,
                rule=f"the answers are for another instrument than {instrument.id}",
                rule_zh=f"这些回答属于另一份问卷，而不是 {instrument.id}",
            )
        )
    language = doc.get("language", "en")
    if language not in LANGUAGES:
        problems.append(
            Problem(
                where=where,
                field="language",
                value=language,
                rule="must be en or zh",
                rule_zh="必须是 en 或 zh",
            )
        )
        return "en"
    return str(language)


def _consent_given(
    raw_consent: object, instrument: Instrument, where: str, problems: list[Problem]
) -> dict[str, bool]:
    """The consent items answered, each a known item of the instrument, true or false."""
    consent: dict[str, bool] = {}
    if not isinstance(raw_consent, dict):
        problems.append(
            Problem(
                where=where,
                field="consent",
                rule="must be an object of true/false",
                rule_zh="必须是由 true/false 组成的对象",
            )
        )
        return consent
    known_consent = {c.id for c in instrument.consent}
    for key, value in raw_consent.items():
        if key not in known_consent:
            problems.append(
                Problem(
                    where=f"{where} consent",
                    field=key,
                    rule="unknown consent item",
                    rule_zh="未知的同意事项",
                )
            )
        elif not isinstance(value, bool):
            problems.append(
                Problem(
                    where=f"{where} consent",
                    field=key,
                    value=value,
                    rule="must be true or false",
                    rule_zh="必须是 true 或 false",
                )
            )
        else:
            consent[key] = value
    return consent


def _answer_values(
    raw_answers: object, instrument: Instrument, where: str, problems: list[Problem]
) -> dict[str, AnswerValue]:
    """The answers by question id, each question known and each value of its type."""
    values: dict[str, AnswerValue] = {}
    if not isinstance(raw_answers, dict):
        problems.append(
            Problem(
                where=where,
                field="answers",
                rule="must be an object of question ids",
                rule_zh="必须是以问题编号为键的对象",
            )
        )
        return values
    questions = {q.id: q for q in instrument.questions}
    for qid, value in raw_answers.items():
        w = f"answers.{qid}" if where == "answers" else f"{where} answers.{qid}"
        question = questions.get(qid)
        if question is None:
            problems.append(
                Problem(
                    where=w,
                    rule=f"unknown question id for instrument {instrument.id}",
                    rule_zh=f"问卷 {instrument.id} 中没有这个问题编号",
                )
            )
            continue
        ok, checked = _check_value(question, value, w, problems)
        if ok:
            values[qid] = checked
    return values


def _check_value(
    question: Question, value: object, where: str, problems: list[Problem]
) -> tuple[bool, AnswerValue]:
    """(valid, normalised value); a problem is appended when the value does not fit."""
    if value is None:
        return True, None
    valid = [o.id for o in question.options]
    if question.type is QuestionType.YES_NO:
        if isinstance(value, bool):
            return True, value
        problems.append(
            Problem(
                where=where,
                value=value,
                rule="must be true or false (yes_no)",
                rule_zh="必须是 true 或 false（是非题）",
            )
        )
        return False, None
    if question.type is QuestionType.CHOICE:
        if isinstance(value, str) and value in valid:
            return True, value
        problems.append(
            Problem(
                where=where,
                value=value,
                rule=f"must be one of {', '.join(valid)} (choice)",
                rule_zh=f"必须是以下之一：{'、'.join(valid)}（单选题）",
            )
        )
        return False, None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append(
            Problem(
                where=where,
                value=value,
                rule="must be a list of option ids (multi)",
                rule_zh="必须是选项编号列表（多选题）",
            )
        )
        return False, None
    unknown = [v for v in value if v not in valid]
    if unknown:
        problems.append(
            Problem(
                where=where,
                value=", ".join(unknown),
                rule=f"unknown option(s); valid: {', '.join(valid)}",
                rule_zh=f"未知选项；有效选项：{'、'.join(valid)}",
            )
        )
        return False, None
    return True, tuple(dict.fromkeys(value))


def chosen(question: Question, value: AnswerValue) -> frozenset[str]:
    """The option ids an answer selects (``yes``/``no`` for a yes_no question)."""
    if value is None:
        return frozenset()
    if isinstance(value, bool):
        return frozenset({"yes" if value else "no"})
    if isinstance(value, str):
        return frozenset({value})
    return frozenset(value)


def asked(instrument: Instrument, answers: Answers) -> dict[str, bool]:
    """Which questions the skip logic asks, given the answers (in instrument order)."""
    result: dict[str, bool] = {}
    for q in instrument.questions:
        if q.ask_if is None:
            result[q.id] = True
            continue
        parent = instrument.question(q.ask_if.question)
        parent_asked = result.get(parent.id, False)
        result[q.id] = parent_asked and q.ask_if.holds(
            chosen(parent, answers.values.get(parent.id))
        )
    return result
