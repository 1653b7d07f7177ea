"""Scoring one exercise against the scenario's truth, with feedback in English and Chinese.

A trainee's :class:`ExerciseAnswer` is what they did: the first-line items they noted, the
disposition, how they ran the interview (consent first, private, interpreter, child path), the
answers they recorded (and any indicators they named), the assessment and the referrals.
:func:`score_exercise` compares it with the scenario's truth, part by part:

========================  ======  ===========================================================
part                      points  full marks when
========================  ======  ===========================================================
first-line observations   15      every observable item noted, none invented
disposition               15      the disposition the first-line procedure asks for
indicators                30      every indicator the person disclosed recorded (interviews)
interview conduct         15      consent first, private, a professional interpreter (never the
                                  companion), the child path for a child
assessment                10      the outcome the real assessment reaches on the answers
referrals                 15      the referrals that should follow, and no others
========================  ======  ===========================================================

Indicators and assessment count only where an interview is expected; conduct counts where an
interview is expected or was held. The score is the points won over the points that count, as a
percentage. Each missed indicator is explained with the catalogue's words, its strength and
dimension, the question that asks about it and what the person said. Indicators the person did
not disclose are named too, and not counted against the trainee. An exercise without a
disposition was not done: it scores zero, and the feedback still says what was there to find.
A credit over a set (observations, indicators, referrals) is ``(right - wrong / 2) / expected``,
at least zero; with nothing expected, each wrong item costs half.

>>> from palermo.training.curated import curated_scenarios
>>> s = curated_scenarios()[0]
>>> score_exercise(s, perfect_answer(s)).total
100.0
>>> empty = score_exercise(s, ExerciseAnswer())
>>> empty.total, len(empty.missed) > 0
(0.0, True)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from palermo.indicators.answers import Answers, AnswerValue, chosen
from palermo.indicators.assessment import Outcome, assess
from palermo.indicators.catalogue import Catalogue, Indicator, Text, load_catalogue
from palermo.indicators.instruments import Instrument
from palermo.training.scenario import (
    Companion,
    Disposition,
    Referral,
    Scenario,
    first_line,
)

WEIGHTS: Mapping[str, float] = {
    "observations": 15.0,
    "disposition": 15.0,
    "indicators": 30.0,
    "conduct": 15.0,
    "assessment": 10.0,
    "referrals": 15.0,
}
PART_LABELS: Mapping[str, Text] = {
    "observations": Text("First-line observations", "第一线观察"),
    "disposition": Text("Disposition", "处置"),
    "indicators": Text("Indicators", "指标"),
    "conduct": Text("Interview conduct", "面谈方式"),
    "assessment": Text("Assessment", "评估"),
    "referrals": Text("Referrals", "转介"),
}


class Interpreter(StrEnum):
    """Who interpreted in the interview."""

    NONE = "none"
    PROFESSIONAL = "professional"
    COMPANION = "companion"


@dataclass(frozen=True, slots=True)
class Conduct:
    """How the interview was run. ``interviewed``: an interview took place at all."""

    interviewed: bool = False
    consent_first: bool = False
    private: bool = False
    interpreter: Interpreter = Interpreter.NONE
    child_path: bool = False


@dataclass(frozen=True, slots=True)
class ExerciseAnswer:
    """What a trainee did with one scenario (all parts optional: an empty answer is valid)."""

    observed: frozenset[str] = frozenset()
    disposition: Disposition | None = None
    conduct: Conduct = field(default_factory=Conduct)
    interview: Mapping[str, AnswerValue] = field(default_factory=dict)
    indicators: frozenset[str] = frozenset()
    assessment: Outcome | None = None
    referrals: frozenset[Referral] = frozenset()


@dataclass(frozen=True, slots=True)
class Missed:
    """An indicator the person disclosed that the trainee did not record, in the catalogue's
    words."""

    indicator_id: str
    text: Text
    strength: Text
    dimension: Text
    explanation: Text


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    points: float
    out_of: float
    feedback: tuple[Text, ...]

    @property
    def label(self) -> Text:
        return PART_LABELS[self.name]


@dataclass(frozen=True, slots=True)
class Score:
    """The result of one exercise: the total (0-100), each part, and feedback in both languages."""

    scenario_id: str
    total: float
    parts: tuple[Part, ...]
    spotted: tuple[str, ...]
    missed: tuple[Missed, ...]
    invented: tuple[str, ...]
    undisclosed: tuple[str, ...]
    summary: Text

    def part(self, name: str) -> Part:
        for p in self.parts:
            if p.name == name:
                return p
        raise KeyError(name)

    def feedback(self, language: str = "en") -> list[str]:
        """The written feedback in one language: the summary, then each part's lines."""
        lines = [self.summary.get(language)]
        for p in self.parts:
            lines.extend(f"{p.label.get(language)}: {t.get(language)}" for t in p.feedback)
        return lines

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario_id,
            "total": self.total,
            "summary": self.summary.to_dict(),
            "parts": [
                {
                    "part": p.name,
                    "label": p.label.to_dict(),
                    "points": p.points,
                    "out_of": p.out_of,
                    "feedback": [t.to_dict() for t in p.feedback],
                }
                for p in self.parts
            ],
            "spotted": list(self.spotted),
            "missed": [
                {"id": m.indicator_id, "text": m.text.to_dict(), "why": m.explanation.to_dict()}
                for m in self.missed
            ],
            "invented": list(self.invented),
            "undisclosed": list(self.undisclosed),
        }


def set_credit(expected: Iterable[object], given: Iterable[object]) -> float:
    """``(right - wrong / 2) / expected`` clipped to 0..1; with nothing expected, 1 - wrong / 2.

    >>> set_credit({"a", "b"}, {"a"}), set_credit(set(), {"x"}), set_credit({"a"}, {"a", "x"})
    (0.5, 0.5, 0.5)
    """
    e, g = set(expected), set(given)
    wrong = len(g - e)
    if not e:
        return max(0.0, 1.0 - 0.5 * wrong)
    return max(0.0, min(1.0, (len(e & g) - 0.5 * wrong) / len(e)))


def canonical(catalogue: Catalogue, indicator_id: str) -> str:
    """The adult-labour indicator of the same meaning (counterparts followed), else the id: the
    adult interview's options evidence an ADL and an ADS id together, which are one finding."""
    current = indicator_id
    for _ in range(3):
        ind = catalogue.indicators.get(current)
        if ind is None or current.startswith("ADL") or ind.counterpart is None:
            return current
        current = ind.counterpart
    return current


def recorded_indicators(
    instrument: Instrument, interview: Mapping[str, AnswerValue]
) -> frozenset[str]:
    """The indicators a set of recorded interview answers evidences (skip logic ignored: what
    was recorded counts)."""
    found: set[str] = set()
    for q in instrument.questions:
        value = interview.get(q.id)
        for oid in chosen(q, value):
            try:
                found.update(q.option(oid).evidences)
            except KeyError:
                continue
    return frozenset(found)


def perfect_answer(scenario: Scenario) -> ExerciseAnswer:
    """What a trainee who does everything right records: the truth, as the tools see it."""
    t = scenario.truth
    interviewed = t.disposition.interviews
    return ExerciseAnswer(
        observed=t.observations,
        disposition=t.disposition,
        conduct=Conduct(
            interviewed=interviewed,
            consent_first=interviewed,
            private=interviewed,
            interpreter=Interpreter.PROFESSIONAL
            if interviewed and scenario.needs_interpreter
            else Interpreter.NONE,
            child_path=interviewed and t.child,
        ),
        interview=dict(scenario.answers) if interviewed else {},
        assessment=t.assessment if interviewed else None,
        referrals=t.referrals,
    )


def score_exercise(
    scenario: Scenario, answer: ExerciseAnswer, *, catalogue: Catalogue | None = None
) -> Score:
    """Score ``answer`` against ``scenario``'s truth (see the module's table)."""
    cat = catalogue or load_catalogue()
    t = scenario.truth
    interview_expected = t.disposition.interviews
    found = _indicator_findings(scenario, answer, cat)
    parts = [_observations(scenario, answer), _disposition(scenario, answer)]
    if interview_expected:
        parts.append(found.part)
    if interview_expected or answer.conduct.interviewed:
        parts.append(_conduct(scenario, answer))
    if interview_expected:
        parts.append(_assessment(scenario, answer))
    parts.append(_referrals(scenario, answer))
    if answer.disposition is None:
        parts = [Part(p.name, 0.0, p.out_of, p.feedback) for p in parts]
    won = sum(p.points for p in parts)
    out_of = sum(p.out_of for p in parts)
    total = round(100.0 * won / out_of, 1) if out_of else 0.0
    return Score(
        scenario_id=scenario.id,
        total=total,
        parts=tuple(parts),
        spotted=found.spotted,
        missed=found.missed if interview_expected else (),
        invented=found.invented,
        undisclosed=found.undisclosed,
        summary=_summary(scenario, answer, total),
    )


def _summary(scenario: Scenario, answer: ExerciseAnswer, total: float) -> Text:
    t = scenario.truth
    truth = Text(
        f"The truth: {t.category.label.en}{' (a child)' if t.child else ''}. {t.explanation.en}",
        f"真实情况：{t.category.label.zh}{'（儿童）' if t.child else ''}。{t.explanation.zh}",
    )
    if answer.disposition is None:
        head = Text(
            "Score 0: no disposition was recorded, so the exercise was not done.",
            "得分 0：未记录处置，练习未完成。",
        )
    else:
        head = Text(f"Score {total:g} of 100.", f"得分 {total:g}（满分 100）。")
    return Text(f"{head.en} {truth.en}", f"{head.zh}{truth.zh}")


def _observations(scenario: Scenario, answer: ExerciseAnswer) -> Part:
    fl = first_line()
    expected = scenario.truth.observations
    given = answer.observed
    lines: list[Text] = []
    for q in fl.questions:
        if q.id in expected and q.id not in given:
            lines.append(Text(f"missed: {q.text.en}", f"遗漏：{q.text.zh}"))
        elif q.id in given and q.id not in expected:
            lines.append(
                Text(
                    f"noted but not there: {q.text.en}. Note only what you observe.",
                    f"记录了并不存在的情况：{q.text.zh}。只记录您观察到的情况。",
                )
            )
    if not expected and not given:
        lines.append(
            Text(
                "nothing to observe, and you noted nothing: right.",
                "没有可观察的迹象，您也未记录：正确。",
            )
        )
    elif not lines:
        lines.append(Text("every observable sign noted.", "所有可观察的迹象均已记录。"))
    credit = set_credit(expected, given)
    return Part(
        "observations",
        round(credit * WEIGHTS["observations"], 2),
        WEIGHTS["observations"],
        tuple(lines),
    )


def _disposition(scenario: Scenario, answer: ExerciseAnswer) -> Part:
    expected = scenario.truth.disposition
    given = answer.disposition
    out_of = WEIGHTS["disposition"]
    if given is expected:
        return Part(
            "disposition",
            out_of,
            out_of,
            (Text(f"right: {expected.label.en}.", f"正确：{expected.label.zh}。"),),
        )
    want = Text(f"the procedure asks for: {expected.label.en}", f"程序要求：{expected.label.zh}")
    if given is None:
        return Part(
            "disposition",
            0.0,
            out_of,
            (Text(f"none recorded; {want.en}.", f"未记录；{want.zh}。"),),
        )
    if expected is Disposition.NO_FURTHER_ACTION:
        credit = 1 / 3
        why = Text(
            "the observable signs do not reach the first-line cut-off; an interview is voluntary "
            "and does no harm when offered, but nationality, sex or age are never a reason",
            "可观察的迹象未达到第一线判定阈值；面谈是自愿的，提出不会造成伤害，但国籍、性别或年龄绝不能作为理由",
        )
    elif given is Disposition.NO_FURTHER_ACTION:
        credit = 0.0
        why = Text(
            "a person showing these signs went through without the offer of a private interview",
            "出现这些迹象的人未获得私下面谈的机会就通过了",
        )
    else:
        credit = 0.5
        why = (
            Text(
                "a child goes the child path: a child-protection officer does the further check",
                "儿童应走儿童路径：由儿童保护官员进行进一步核查",
            )
            if expected is Disposition.CHILD_PROTECTION
            else Text(
                "the person is an adult: offer the adult interview",
                "当事人是成年人：提供成年人面谈",
            )
        )
    return Part(
        "disposition",
        round(credit * out_of, 2),
        out_of,
        (
            Text(
                f"you chose: {given.label.en}; {want.en}: {why.en}.",
                f"您选择了：{given.label.zh}；{want.zh}：{why.zh}。",
            ),
        ),
    )


@dataclass(frozen=True, slots=True)
class _Findings:
    part: Part
    spotted: tuple[str, ...]
    missed: tuple[Missed, ...]
    invented: tuple[str, ...]
    undisclosed: tuple[str, ...]


def _indicator_findings(scenario: Scenario, answer: ExerciseAnswer, cat: Catalogue) -> _Findings:
    t = scenario.truth
    inst = scenario.instrument()
    recorded = recorded_indicators(inst, answer.interview) | answer.indicators
    disclosed_keys: dict[str, list[str]] = {}
    for i in sorted(t.disclosed):
        disclosed_keys.setdefault(canonical(cat, i), []).append(i)
    given_keys = {canonical(cat, i) for i in recorded if i in cat.indicators}
    spotted = sorted(k for k in disclosed_keys if k in given_keys)
    invented = sorted(k for k in given_keys if k not in disclosed_keys)
    missed = [
        _missed(scenario, _representative(t.indicators, ids, inst.sets), cat)
        for k, ids in disclosed_keys.items()
        if k not in given_keys
    ]
    truth_keys = {canonical(cat, i): i for i in sorted(t.indicators)}
    undisclosed = sorted(i for k, i in truth_keys.items() if k not in disclosed_keys)
    lines: list[Text] = [m.explanation for m in missed]
    if invented:
        lines.append(
            Text(
                "recorded though the person did not say so: "
                + "; ".join(cat.indicators[i].text.en for i in invented if i in cat.indicators),
                "当事人并未这样说，却被记录："
                + "；".join(cat.indicators[i].text.zh for i in invented if i in cat.indicators),
            )
        )
    if undisclosed:
        lines.append(
            Text(
                "true but not disclosed in this interview (not counted against you; people often "
                "tell more later, in safety): "
                + "; ".join(cat.indicators[i].text.en for i in undisclosed),
                "属实但当事人在本次面谈中未透露（不计入扣分；人们往往在安全后才说出更多）："
                + "；".join(cat.indicators[i].text.zh for i in undisclosed),
            )
        )
    if not missed and not invented:
        lines.insert(
            0,
            Text(
                "every indicator the person disclosed was recorded.",
                "当事人透露的所有指标均已记录。",
            )
            if disclosed_keys
            else Text(
                "the person disclosed no indicator, and you recorded none: right.",
                "当事人未透露任何指标，您也未记录：正确。",
            ),
        )
    credit = set_credit(disclosed_keys, given_keys)
    part = Part(
        "indicators", round(credit * WEIGHTS["indicators"], 2), WEIGHTS["indicators"], tuple(lines)
    )
    return _Findings(part, tuple(spotted), tuple(missed), tuple(invented), tuple(undisclosed))


def _representative(truth: frozenset[str], ids: list[str], sets: tuple[str, ...]) -> str:
    """The id to explain a finding with: a true one, else one of the interview's first set."""
    for i in ids:
        if i in truth:
            return i
    for i in ids:
        if i.split("-")[0] == sets[0]:
            return i
    return ids[0]


def _missed(scenario: Scenario, indicator_id: str, cat: Catalogue) -> Missed:
    ind: Indicator = cat.indicators[indicator_id]
    strength = cat.strengths[ind.effective_strength]
    dimension = cat.dimensions[ind.dimension].name
    where_en: list[str] = []
    where_zh: list[str] = []
    inst = scenario.instrument()
    for q in inst.questions:
        value = scenario.answers.get(q.id)
        for oid in sorted(chosen(q, value)):
            if indicator_id in q.option(oid).evidences:
                where_en.append(f"asked '{q.text.en}', the person said '{q.option(oid).text.en}'")
                where_zh.append(f"问到“{q.text.zh}”时，当事人回答“{q.option(oid).text.zh}”")
    note_en = f" ({ind.note.en})" if ind.note else ""
    note_zh = f"（{ind.note.zh}）" if ind.note else ""
    explanation = Text(
        f"missed {indicator_id}: {ind.label('en')}{note_en} — a {strength.en} indicator of "
        f"{dimension.en}. " + ("; ".join(where_en) + "." if where_en else ""),
        f"遗漏 {indicator_id}：{ind.label('zh')}{note_zh}——{dimension.zh}的{strength.zh}指标。"
        + ("；".join(where_zh) + "。" if where_zh else ""),
    )
    return Missed(indicator_id, ind.text, strength, dimension, explanation)


def _conduct(scenario: Scenario, answer: ExerciseAnswer) -> Part:
    c = answer.conduct
    t = scenario.truth
    out_of = WEIGHTS["conduct"]
    if not c.interviewed:
        return Part(
            "conduct",
            0.0,
            out_of,
            (
                Text(
                    "no interview was held, though the procedure asks for one.",
                    "程序要求进行面谈，但未进行。",
                ),
            ),
        )
    checks: list[tuple[bool, Text]] = [
        (
            c.consent_first,
            Text(
                "ask for consent (for a child, assent) before the first question",
                "在第一个问题之前征得同意（儿童须本人同意）",
            ),
        ),
        (
            c.private,
            Text(
                f"interview in private, without {scenario.companion.label.en}"
                if scenario.companion is not Companion.NONE
                else "interview in private",
                f"在私密环境中面谈，不要有{scenario.companion.label.zh}在场"
                if scenario.companion is not Companion.NONE
                else "在私密环境中面谈",
            ),
        ),
    ]
    if scenario.needs_interpreter or c.interpreter is Interpreter.COMPANION:
        checks.append(
            (
                c.interpreter is Interpreter.PROFESSIONAL,
                Text(
                    "use a professional interpreter the person accepts, never the companion",
                    "使用当事人接受的专业翻译，绝不能由同行人翻译",
                ),
            )
        )
    if t.child:
        checks.append(
            (
                c.child_path,
                Text(
                    "a child is interviewed on the child path "
                    "(child instrument, child-protection officer)",
                    "儿童须走儿童路径（儿童问卷、儿童保护官员）",
                ),
            )
        )
    done = sum(1 for ok, _ in checks if ok)
    lines = [Text(f"not done: {what.en}.", f"未做到：{what.zh}。") for ok, what in checks if not ok]
    if not lines:
        lines.append(
            Text("every check of the interview's conduct passed.", "面谈方式的各项检查均已通过。")
        )
    return Part("conduct", round(out_of * done / len(checks), 2), out_of, tuple(lines))


def _assessment(scenario: Scenario, answer: ExerciseAnswer) -> Part:
    t = scenario.truth
    out_of = WEIGHTS["assessment"]
    expected = t.assessment
    given = answer.assessment
    lines: list[Text] = []
    if t.full_assessment is not expected:
        lines.append(
            Text(
                "on everything that is true the assessment would be: "
                f"{t.full_assessment.label.en}; "
                "the person did not tell all of it.",
                f"若依据全部真实情况，评估结果将是：{t.full_assessment.label.zh}；当事人并未全部说出。",
            )
        )
    if given is expected:
        lines.insert(0, Text(f"right: {expected.label.en}.", f"正确：{expected.label.zh}。"))
        return Part("assessment", out_of, out_of, tuple(lines))
    if given is None:
        lines.insert(
            0,
            Text(
                f"none recorded; the answers reach: {expected.label.en}.",
                f"未记录；依据回答应得出：{expected.label.zh}。",
            ),
        )
        return Part("assessment", 0.0, out_of, tuple(lines))
    credit = 0.5 if abs(given.rank - expected.rank) == 1 else 0.0
    direction = (
        Text("more serious than the answers support", "比回答所支持的更严重")
        if given.rank < expected.rank
        else Text("less serious than the answers show", "比回答所显示的更轻")
    )
    lines.insert(
        0,
        Text(
            f"you recorded {given.label.en}, {direction.en}; "
            f"the answers reach: {expected.label.en}.",
            f"您记录了{given.label.zh}，{direction.zh}；依据回答应得出：{expected.label.zh}。",
        ),
    )
    return Part("assessment", round(credit * out_of, 2), out_of, tuple(lines))


def _referrals(scenario: Scenario, answer: ExerciseAnswer) -> Part:
    expected = scenario.truth.referrals
    given = answer.referrals
    out_of = WEIGHTS["referrals"]
    lines = [
        Text(f"missing: {r.label.en}.", f"缺少：{r.label.zh}。") for r in sorted(expected - given)
    ]
    lines.extend(
        Text(f"not called for here: {r.label.en}.", f"此处不需要：{r.label.zh}。")
        for r in sorted(given - expected)
    )
    if not lines:
        lines.append(
            Text("the right referrals.", "转介正确。")
            if expected
            else Text("no referral called for, and none made.", "不需要转介，也未转介。")
        )
    credit = set_credit(expected, given)
    return Part("referrals", round(credit * out_of, 2), out_of, tuple(lines))


def assessment_of(scenario: Scenario, interview: Mapping[str, AnswerValue]) -> Outcome:
    """The outcome the real assessment gives a set of recorded answers (consent recorded)."""
    inst = scenario.instrument()
    consent = {c.id: True for c in inst.consent}
    return assess(inst, Answers(inst.id, "en", dict(interview), consent)).outcome
