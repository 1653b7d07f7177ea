"""A training scenario and its truth: who the traveller is, what an officer sees, how the person
answers the real interview, and what a trainee should conclude.

A scenario is built from a *truth* (the Delphi indicators that apply, child or adult, the kind of
situation) and a *willingness to disclose*. What the officer can observe at the desk is the
first-line items of the real screen (``palermo/indicators/instruments/first-line.yaml``); the
person's answers to every question of the real second-line instrument come from
:func:`palermo.indicators.simulate.simulate_answers` with the willingness as the disclosure
probability, so an unwilling person keeps some true indicators to themselves, as people do.

The expected results are computed by the real tools, never written by hand:

* the disposition from :func:`palermo.indicators.first_line.decide_offer` over what is observable
  (a child whose screen offers a closer look goes the child path: a child-protection officer);
* the assessment from :func:`palermo.indicators.assessment.assess` over the person's answers
  (what a correct interview reaches), beside the assessment of the whole truth (what the person's
  situation is, disclosed or not);
* the referrals from :func:`expected_referrals`.

>>> s = build_scenario(
...     id="demo", category=Category.LABOUR, title=Text("t", "t"), narrative=Text("n", "n"),
...     record={"event_kind": "entry"}, observed={"obs_document_held_by_other"},
...     indicators={"ADL-DR-01", "ADL-DR-08", "ADL-CD-01", "ADL-CD-02", "ADL-EX-01", "ADL-EX-04"},
...     child=False, willingness=1.0,
...     companion=Companion.EMPLOYER, needs_interpreter=True, arranged_by_other=True)
>>> s.truth.disposition.value, s.truth.assessment.value
('offer_interview', 'presumed_victim')
>>> sorted(r.value for r in s.truth.referrals)
['nrm']
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from typing import Any

from palermo.indicators.answers import Answers, AnswerValue, asked, chosen
from palermo.indicators.assessment import Outcome, assess, assess_indicators
from palermo.indicators.catalogue import Catalogue, Text, load_catalogue
from palermo.indicators.first_line import decide_offer
from palermo.indicators.instruments import Instrument, QuestionType, load_instrument
from palermo.indicators.simulate import HARDSHIP, Noise, Truth, simulate_answers
from palermo.records.schema import INPUT_FIELDS

FIRST_LINE = "first-line"
ADULT_INTERVIEW = "second-line-adult"
CHILD_INTERVIEW = "second-line-child"

# The willingness to disclose scales the simulated interview's probabilities: a willing person
# (1.0) tells every true indicator, a sensitive one (violence, sexual coercion, threats) with the
# same ratio to the others as in palermo.indicators.simulate.Noise (0.45 / 0.7).
SENSITIVE_RATIO = 0.45 / 0.7


class Category(StrEnum):
    """What the scenario is about: three kinds of trafficking, and the look-alikes that are not."""

    LABOUR = "labour"
    SEXUAL = "sexual"
    FORCED_MARRIAGE = "forced_marriage"
    SMUGGLED_MIGRANT = "smuggled_migrant"
    LAWFUL_WORKER = "lawful_worker"
    ONE_WAY_TOURIST = "one_way_tourist"
    EXPLOITED_NOT_TRAFFICKED = "exploited_not_trafficked"
    FAMILY_GROUP = "family_group"
    ORDINARY = "ordinary"

    @property
    def is_case(self) -> bool:
        return self in CASE_CATEGORIES

    @property
    def label(self) -> Text:
        return CATEGORY_LABELS[self]


CASE_CATEGORIES = frozenset({Category.LABOUR, Category.SEXUAL, Category.FORCED_MARRIAGE})
CATEGORY_LABELS: dict[Category, Text] = {
    Category.LABOUR: Text("trafficking for labour exploitation", "以劳动剥削为目的的人口贩运"),
    Category.SEXUAL: Text("trafficking for sexual exploitation", "以性剥削为目的的人口贩运"),
    Category.FORCED_MARRIAGE: Text("forced marriage", "强迫婚姻"),
    Category.SMUGGLED_MIGRANT: Text(
        "smuggled migrant (not trafficking: the person bought a crossing)",
        "被偷运的移民（不属于人口贩运：当事人购买了偷渡服务）",
    ),
    Category.LAWFUL_WORKER: Text(
        "lawfully recruited worker (not trafficking)", "合法招聘的劳动者（不属于人口贩运）"
    ),
    Category.ONE_WAY_TOURIST: Text(
        "traveller on a one-way ticket (not trafficking)", "持单程机票的旅客（不属于人口贩运）"
    ),
    Category.EXPLOITED_NOT_TRAFFICKED: Text(
        "worker exploited without force, deception or control (a labour-law case, not trafficking)",
        "在没有强迫、欺骗或控制的情况下受剥削的劳动者（属于劳动法个案，不属于人口贩运）",
    ),
    Category.FAMILY_GROUP: Text(
        "family travelling together (not trafficking)", "结伴出行的家庭（不属于人口贩运）"
    ),
    Category.ORDINARY: Text("ordinary traveller", "普通旅客"),
}


class Disposition(StrEnum):
    """What the first-line officer decides at the desk."""

    NO_FURTHER_ACTION = "no_further_action"
    OFFER_INTERVIEW = "offer_interview"
    CHILD_PROTECTION = "child_protection"

    @property
    def label(self) -> Text:
        return DISPOSITION_LABELS[self]

    @property
    def interviews(self) -> bool:
        return self is not Disposition.NO_FURTHER_ACTION


DISPOSITION_LABELS: dict[Disposition, Text] = {
    Disposition.NO_FURTHER_ACTION: Text("no further action", "无需进一步行动"),
    Disposition.OFFER_INTERVIEW: Text(
        "offer a private, voluntary second-line interview", "提供私下、自愿的第二线面谈"
    ),
    Disposition.CHILD_PROTECTION: Text(
        "hand over to a child-protection officer for a further check and a child interview",
        "移交儿童保护官员作进一步核查和儿童面谈",
    ),
}


class Referral(StrEnum):
    """Where a person may be referred (with their consent; a child always to child protection)."""

    NRM = "nrm"
    CHILD_PROTECTION = "child_protection"
    SHELTER = "shelter"
    HEALTH = "health"
    LABOUR_INSPECTION = "labour_inspection"
    LEGAL_AID = "legal_aid"
    ASYLUM = "asylum"
    HELP_INFORMATION = "help_information"

    @property
    def label(self) -> Text:
        return REFERRAL_LABELS[self]


REFERRAL_LABELS: dict[Referral, Text] = {
    Referral.NRM: Text(
        "national referral mechanism (anti-trafficking office) for identification and protection",
        "国家转介机制（反拐办公室），以进行身份识别和保护",
    ),
    Referral.CHILD_PROTECTION: Text("child-protection service", "儿童保护服务机构"),
    Referral.SHELTER: Text("safe accommodation (shelter)", "安全住所（庇护所）"),
    Referral.HEALTH: Text("medical care", "医疗护理"),
    Referral.LABOUR_INSPECTION: Text("labour inspectorate", "劳动监察机构"),
    Referral.LEGAL_AID: Text("legal aid", "法律援助"),
    Referral.ASYLUM: Text("access to the asylum procedure", "进入庇护程序"),
    Referral.HELP_INFORMATION: Text(
        "information on where to get help (hotline, support services)",
        "求助信息（热线、支持服务）",
    ),
}


class Companion(StrEnum):
    """Who travels with the person (the interview must be held without them)."""

    NONE = "none"
    FAMILY = "family"
    PARTNER = "partner"
    EMPLOYER = "employer"
    AGENT = "agent"
    TOUR_LEADER = "tour_leader"
    UNRELATED_ADULT = "unrelated_adult"
    FELLOW_TRAVELLERS = "fellow_travellers"

    @property
    def label(self) -> Text:
        return COMPANION_LABELS[self]


COMPANION_LABELS: dict[Companion, Text] = {
    Companion.NONE: Text("travelling alone", "独自旅行"),
    Companion.FAMILY: Text("a family member", "一名家庭成员"),
    Companion.PARTNER: Text("a husband, wife or partner", "丈夫、妻子或伴侣"),
    Companion.EMPLOYER: Text("an employer", "雇主"),
    Companion.AGENT: Text("an agent or broker", "中介或经纪人"),
    Companion.TOUR_LEADER: Text("a tour leader", "导游或领队"),
    Companion.UNRELATED_ADULT: Text(
        "an adult who is not a parent or guardian", "非父母或监护人的成年人"
    ),
    Companion.FELLOW_TRAVELLERS: Text("other travellers of the same group", "同一团组的其他旅客"),
}


@dataclass(frozen=True, slots=True)
class ScenarioTruth:
    """What is true of the scenario person and what a trainee should conclude.

    ``indicators``: the Delphi ids that truly apply. ``disclosed``: those the person's answers
    evidence (what an interview can find; hardship an ordinary person reports included).
    ``assessment``: the outcome the real assessment reaches on the person's answers;
    ``full_assessment``: the outcome on the whole truth (everything disclosed).
    """

    category: Category
    child: bool
    indicators: frozenset[str]
    observations: frozenset[str]  # first-line items (record fields) an officer would observe
    disclosed: frozenset[str]
    disposition: Disposition
    assessment: Outcome
    full_assessment: Outcome
    referrals: frozenset[Referral]
    explanation: Text

    @property
    def is_case(self) -> bool:
        return self.category.is_case


@dataclass(frozen=True, slots=True)
class Scenario:
    """One practice traveller: the record, what is seen, how they answer, and the truth."""

    id: str
    source: str  # "curated" or "generated"
    title: Text
    narrative: Text
    record: Mapping[str, Any]
    companion: Companion
    needs_interpreter: bool
    willingness: float
    arranged_by_other: bool
    instrument_id: str
    answers: Mapping[str, AnswerValue]
    truth: ScenarioTruth
    extra_referrals: frozenset[Referral] = field(default_factory=frozenset)
    hardship: Mapping[str, float] = field(default_factory=dict)

    def instrument(self) -> Instrument:
        return _instrument(self.instrument_id)

    def reply(self, question_id: str, language: str = "en") -> str:
        """What the person says to one question, in words (their answer's option texts)."""
        q = self.instrument().question(question_id)
        value = self.answers.get(question_id)
        if value is None:
            return NOT_ANSWERED.get(language)
        if q.type is QuestionType.YES_NO:
            return q.option("yes" if value else "no").text.get(language)
        sep = "；" if language == "zh" else "; "
        return sep.join(q.option(o).text.get(language) for o in sorted(chosen(q, value)))

    def asked_questions(self) -> list[str]:
        """The questions of the instrument the skip logic asks, given the person's answers."""
        inst = self.instrument()
        flags = asked(inst, Answers(inst.id, "en", dict(self.answers)))
        return [qid for qid, on in flags.items() if on]

    def definition(self) -> dict[str, Any]:
        """What the scenario is made from, in the curated YAML's shape (``palermo.training.io``
        reads it back and computes the rest with this installation's tools)."""
        t = self.truth
        out: dict[str, Any] = {
            "id": self.id,
            "category": t.category.value,
            "child": t.child,
            "title_en": self.title.en,
            "title_zh": self.title.zh,
            "narrative_en": self.narrative.en,
            "narrative_zh": self.narrative.zh,
            "explanation_en": t.explanation.en,
            "explanation_zh": t.explanation.zh,
            "record": dict(self.record),
            "observed": sorted(t.observations),
            "indicators": sorted(t.indicators),
            "willingness": self.willingness,
            "companion": self.companion.value,
            "needs_interpreter": self.needs_interpreter,
            "arranged_by_other": self.arranged_by_other,
            "referrals": sorted(r.value for r in self.extra_referrals),
        }
        if self.hardship:
            out["hardship"] = dict(sorted(self.hardship.items()))
        return out

    def desk_values(self) -> dict[str, str]:
        """The screening desk's boxes filled with this traveller's document and trip, as an
        officer types them from the passport and ticket: never the observations (ticking what
        they see is the trainee's part), nor the document number's keyed hash a generated
        record carries (there is no number to type); empty values left out, a list of
        countries written ``;``-separated as the desk reads it. One function for the curated
        and the generated scenarios, whose records differ in what they hold.

        >>> from palermo.training.generate import generate_scenarios
        >>> values = generate_scenarios(2, seed=3)[0].desk_values()
        >>> "document_number_hash" in values, any(k.startswith("obs_") for k in values)
        (False, False)
        """
        out: dict[str, str] = {}
        for name, value in self.record.items():
            spec = INPUT_FIELDS.get(name)
            if spec is None or spec.observation is not None or name == "document_number_hash":
                continue
            if value is None or value in ("", [], ()):
                continue
            if isinstance(value, (list, tuple)):
                out[name] = ";".join(str(v) for v in value)
            else:
                out[name] = str(value)
        return out

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: the definition, the person's answers and the truth with the results the
        tools expect (what ``palermo training scenarios`` writes)."""
        t = self.truth
        return {
            "id": self.id,
            "source": self.source,
            "definition": self.definition(),
            "instrument": self.instrument_id,
            "answers": {k: _json_value(v) for k, v in self.answers.items()},
            "truth": {
                "category": t.category.value,
                "child": t.child,
                "indicators": sorted(t.indicators),
                "observations": sorted(t.observations),
                "disclosed": sorted(t.disclosed),
                "disposition": t.disposition.value,
                "assessment": t.assessment.value,
                "full_assessment": t.full_assessment.value,
                "referrals": sorted(r.value for r in t.referrals),
                "explanation": t.explanation.to_dict(),
            },
        }


NOT_ANSWERED = Text("(does not answer)", "（不回答）")


def _json_value(value: AnswerValue) -> Any:
    return list(value) if isinstance(value, tuple) else value


@lru_cache(maxsize=8)
def _instrument(name: str) -> Instrument:
    return load_instrument(name, load_catalogue())


def interview_for(child: bool) -> Instrument:
    """The second-line instrument a person of this age is interviewed with."""
    return _instrument(CHILD_INTERVIEW if child else ADULT_INTERVIEW)


def first_line() -> Instrument:
    return _instrument(FIRST_LINE)


def exploitation_type(category: Category) -> str | None:
    return category.value if category.is_case else None


def disclosure_noise(
    willingness: float, *, arranged_by_other: bool, hardship: Mapping[str, float] | None = None
) -> Noise:
    """The simulated interview's assumptions for one person: discloses each true indicator with
    probability ``willingness`` (sensitive ones less, children a little less, as in ``Noise``),
    says someone else arranged the trip exactly when that is true, and reports ``hardship``
    (none unless given)."""
    act = 1.0 if arranged_by_other else 0.0
    return Noise(
        disclosure=willingness,
        sensitive_disclosure=willingness * SENSITIVE_RATIO,
        act_disclosure=act,
        ordinary_act=act,
        hardship=dict(hardship or {}),
    )


def seed_for(scenario_id: str) -> int:
    """A stable seed from a scenario's id (the same answers on every machine and run)."""
    return int.from_bytes(hashlib.sha256(scenario_id.encode()).digest()[:8], "big")


def expected_disposition(observed: Iterable[str], *, child: bool) -> Disposition:
    """What the first-line procedure asks for, given what an officer can observe."""
    fl = first_line()
    seen = set(observed)
    answers = Answers(fl.id, "en", {q.id: q.id in seen for q in fl.questions})
    if not decide_offer(fl, answers).offer:
        return Disposition.NO_FURTHER_ACTION
    return Disposition.CHILD_PROTECTION if child else Disposition.OFFER_INTERVIEW


def expected_referrals(
    *,
    disposition: Disposition,
    assessment: Outcome,
    child_protection: bool,
    observed: Iterable[str],
    extra: Iterable[Referral] = (),
) -> frozenset[Referral]:
    """The referrals that should follow.

    No interview, no referral (a negative screen; the person may still be given information).
    After an interview: presumed or possible victim → the national referral mechanism;
    indicators insufficient → information on where to get help. A child on the child path, or a
    child with exploitation indicators → child protection. Visible injuries → medical care.
    ``extra``: what a curated scenario's story adds (an asylum claim, wage arrears, ...).
    """
    if not disposition.interviews:
        return frozenset()
    out: set[Referral] = set(extra)
    if assessment in (Outcome.PRESUMED, Outcome.POSSIBLE):
        out.add(Referral.NRM)
    else:
        out.add(Referral.HELP_INFORMATION)
    if disposition is Disposition.CHILD_PROTECTION or child_protection:
        out.add(Referral.CHILD_PROTECTION)
    if "obs_visible_injuries" in set(observed):
        out.add(Referral.HEALTH)
    return frozenset(out)


def build_scenario(
    *,
    id: str,
    category: Category,
    title: Text,
    narrative: Text,
    record: Mapping[str, Any],
    observed: Iterable[str],
    indicators: Iterable[str],
    child: bool,
    willingness: float,
    companion: Companion,
    needs_interpreter: bool,
    arranged_by_other: bool,
    explanation: Text | None = None,
    extra_referrals: Iterable[Referral] = (),
    hardship: Mapping[str, float] | None = None,
    source: str = "curated",
    catalogue: Catalogue | None = None,
) -> Scenario:
    """A scenario with its answers and expected results computed from its truth."""
    cat = catalogue or load_catalogue()
    true_ids = frozenset(indicators)
    seen = frozenset(observed)
    instrument = interview_for(child)
    truth_in = Truth(true_ids, child=child, exploitation_type=exploitation_type(category))
    noise = disclosure_noise(
        willingness, arranged_by_other=arranged_by_other, hardship=hardship or None
    )
    answers = simulate_answers(instrument, truth_in, random.Random(seed_for(id)), noise, cat)
    reached = assess(instrument, answers, catalogue=cat)
    whole = assess_indicators(
        true_ids,
        child=child,
        act_evidence=("truth",) if arranged_by_other else (),
        catalogue=cat,
        sets=instrument.sets,
    )
    disposition = expected_disposition(seen, child=child)
    extra = frozenset(extra_referrals)
    referrals = expected_referrals(
        disposition=disposition,
        assessment=reached.outcome,
        child_protection=reached.child_protection_referral,
        observed=seen,
        extra=extra,
    )
    return Scenario(
        id=id,
        source=source,
        title=title,
        narrative=narrative,
        record=dict(record),
        companion=companion,
        needs_interpreter=needs_interpreter,
        willingness=willingness,
        arranged_by_other=arranged_by_other,
        instrument_id=instrument.id,
        answers=dict(answers.values),
        extra_referrals=extra,
        hardship=dict(hardship or {}),
        truth=ScenarioTruth(
            category=category,
            child=child,
            indicators=true_ids,
            observations=seen,
            disclosed=reached.present,
            disposition=disposition,
            assessment=reached.outcome,
            full_assessment=whole.outcome,
            referrals=referrals,
            explanation=explanation or category.label,
        ),
    )


def ordinary_hardship() -> dict[str, float]:
    """The hardship ordinary travellers report in the simulated interview (``HARDSHIP``)."""
    return dict(HARDSHIP)
