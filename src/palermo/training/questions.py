"""The bilingual knowledge-test question bank (``data/questions.yaml``) and grading.

>>> bank = question_bank()
>>> len(bank) >= 18, {q.module for q in bank} >= {"indicators", "children", "rights"}
(True, True)
>>> qs = questions_for(["children"])
>>> grade(qs, {q.id: q.answer for q in qs}).percent
100.0
>>> grade(qs, {}).percent
0.0
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.catalogue import Text
from palermo.lib import yamlsafe

QUESTIONS_PATH = Path(__file__).resolve().parent / "data" / "questions.yaml"


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: Text


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    module: str
    text: Text
    options: tuple[Option, ...]
    answer: str
    explanation: Text

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "module": self.module,
            "text": self.text.to_dict(),
            "options": [{"id": o.id, "text": o.text.to_dict()} for o in self.options],
            "answer": self.answer,
            "explanation": self.explanation.to_dict(),
        }


@dataclass(frozen=True, slots=True)
class Graded:
    """A graded test: right answers out of questions, and which questions were wrong."""

    right: int
    total: int
    wrong: tuple[str, ...]

    @property
    def percent(self) -> float:
        return round(100.0 * self.right / self.total, 1) if self.total else 0.0


def question_bank() -> list[Question]:
    return list(_bank())


@lru_cache(maxsize=1)
def _bank() -> tuple[Question, ...]:
    doc = yamlsafe.load(QUESTIONS_PATH.read_bytes(), QUESTIONS_PATH.name)
    return tuple(parse_questions(doc, QUESTIONS_PATH.name))


def parse_questions(doc: object, where: str) -> list[Question]:
    """Questions from ``{questions: [...]}``; ``InputError`` lists every problem."""
    raw = doc.get("questions") if isinstance(doc, Mapping) else None
    if not isinstance(raw, list):
        raise InputError(
            [Problem(where=where, field="questions", rule="must be a list", rule_zh="必须是列表")]
        )
    problems: list[Problem] = []
    out: list[Question] = []
    seen: set[str] = set()
    for n, entry in enumerate(raw, start=1):
        w = f"{where} questions[{n}]"
        try:
            q = _question(entry, w)
        except (KeyError, TypeError, AttributeError) as exc:
            problems.append(
                Problem(where=w, rule=f"incomplete question: {exc}", rule_zh=f"题目不完整：{exc}")
            )
            continue
        if q.id in seen:
            problems.append(
                Problem(where=w, field="id", value=q.id, rule="duplicate id", rule_zh="编号重复")
            )
        if q.answer not in {o.id for o in q.options}:
            problems.append(
                Problem(
                    where=w,
                    field="answer",
                    value=q.answer,
                    rule="is not one of the options",
                    rule_zh="不是选项之一",
                )
            )
        seen.add(q.id)
        out.append(q)
    if problems:
        raise InputError(problems)
    return out


def _text(entry: Mapping[str, Any], prefix: str = "") -> Text:
    en, zh = (f"{prefix}_en", f"{prefix}_zh") if prefix else ("en", "zh")
    a, b = entry[en], entry[zh]
    if not isinstance(a, str) or not isinstance(b, str) or not a.strip() or not b.strip():
        raise TypeError(f"{en}/{zh} must be non-empty text")
    return Text(a.strip(), b.strip())


def _question(entry: Any, where: str) -> Question:
    return Question(
        id=str(entry["id"]),
        module=str(entry["module"]),
        text=_text(entry),
        options=tuple(Option(str(o["id"]), _text(o)) for o in entry["options"]),
        answer=str(entry["answer"]),
        explanation=_text(entry, "explanation"),
    )


def questions_for(modules: Iterable[str]) -> list[Question]:
    """The bank's questions on ``modules``, in bank order."""
    wanted = set(modules)
    return [q for q in _bank() if q.module in wanted]


def grade(questions: Sequence[Question], chosen: Mapping[str, str]) -> Graded:
    """Right answers among ``questions`` given ``chosen`` (question id → option id)."""
    wrong = tuple(q.id for q in questions if chosen.get(q.id) != q.answer)
    return Graded(right=len(questions) - len(wrong), total=len(questions), wrong=wrong)
