"""An instrument cut into steps: one question group per page.

Second-line interviews start with the consent checklist, then one step per topic in the order
the instrument asks them; the first-line screen is one group of observations.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from palermo.indicators.answers import Answers, AnswerValue, asked, parse_answers
from palermo.indicators.assessment import assess
from palermo.indicators.catalogue import Text, load_catalogue
from palermo.indicators.first_line import decide_offer
from palermo.indicators.instruments import Instrument, Question, load_instrument

CONSENT_STEP = "consent"
FIRST_LINE_INSTRUMENT = "first-line"
CHILD_INSTRUMENT = "second-line-child"
SECOND_LINE_INSTRUMENTS = ("second-line-adult", CHILD_INSTRUMENT)


@dataclass(frozen=True, slots=True)
class Step:
    key: str
    title: Text
    questions: tuple[Question, ...]

    @property
    def is_consent(self) -> bool:
        return self.key == CONSENT_STEP


@cache
def instrument(name: str) -> Instrument:
    return load_instrument(name)


def steps_of(inst: Instrument) -> tuple[Step, ...]:
    if inst.kind == "first_line":
        return (Step("observations", inst.title, inst.questions),)
    topics = load_catalogue().topics
    out: list[Step] = [Step(CONSENT_STEP, Text("Consent", "知情同意"), ())]
    groups: dict[str, list[Question]] = {}
    for q in inst.questions:
        groups.setdefault(q.topic or "other", []).append(q)
    for key, questions in groups.items():
        topic = topics.get(key)
        title = topic.name if topic is not None else Text(key.replace("_", " "), key)
        out.append(Step(key, title, tuple(questions)))
    return tuple(out)


def stored(text: str) -> dict[str, Any]:
    doc = json.loads(text or "{}")
    return {"consent": dict(doc.get("consent", {})), "answers": dict(doc.get("answers", {}))}


def as_answers(inst: Instrument, doc: dict[str, Any], language: str) -> Answers:
    return parse_answers(
        {"consent": doc["consent"], "answers": doc["answers"], "language": language}, inst
    )


def asked_now(inst: Instrument, doc: dict[str, Any]) -> dict[str, bool]:
    """Which questions the skip logic asks given the answers saved so far."""
    return asked(inst, as_answers(inst, doc, "en"))


def to_value(question: Question, raw: Any) -> AnswerValue:
    """A posted value as the answer type (``None`` for declined or left empty)."""
    if question.type.value == "multi":
        values = [v for v in raw if v] if isinstance(raw, list) else []
        return tuple(values) if values else None
    if raw in (None, ""):
        return None
    if question.type.value == "yes_no":
        return bool(raw == "yes")
    return str(raw)


def to_json_value(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


def assess_saved_answers(
    instrument_id: str, answers_text: str, language: str, *, age_in_doubt: bool = False
) -> tuple[dict[str, Any], str]:
    """The assessment (second line) or the screen's cut-off (first line) of saved answers, as
    a JSON-ready record and its outcome code. Computes only; storing is the services' job.

    Raises ``InputError`` when the answers cannot be assessed (e.g. no consent recorded).
    """
    inst = instrument(instrument_id)
    answers = as_answers(inst, stored(answers_text), "zh" if language.startswith("zh") else "en")
    if inst.kind == "first_line":
        screened = decide_offer(inst, answers).to_dict()
        return screened, str(screened["decision"])
    assessed = assess(inst, answers, age_in_doubt=age_in_doubt).to_dict()
    return assessed, str(assessed["outcome"])
