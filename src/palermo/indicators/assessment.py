"""The assessment: indicators found → dimensions (ILO rule) → Palermo elements → an outcome.

The dimension rule (reference/indicators.md §1.3, read as "at least"): a dimension is positive
when its present indicators include two strong, or one strong plus one medium or weak, or three
medium, or two medium plus one weak.

>>> dimension_positive(strong=1, medium=0, weak=1), dimension_positive(strong=0, medium=2, weak=0)
(True, False)

How dimensions combine is a named, documented option (§1.4); the default is the ILO reading:

* :attr:`Variant.ILO` — adults: (DR or CR or VR) and EX and (CD or VD). Recollected, not yet
  checked against WCMS_105023 p. 3, so it is labelled unverified.
* :attr:`Variant.MOLDOVA` — the secondary reference's "Palermo / Moldova LFS" typology: (DR or CR)
  and EX and CD; abuse of vulnerability (VR, VD) only reinforces the means.
* Children (both variants): the means element is not required (Palermo Protocol Art. 3(c)); an
  act plus a positive EX dimension is enough. Any exploitation indicator (EX or CD) for a child
  leads to a referral to child protection, whatever the outcome; so do, whatever the indicator
  count, the answers a child instrument marks ``child_protection`` (travelling alone or with an
  adult who is not a parent or guardian; taken, sold, promised or threatened) and an age in
  doubt (the person is presumed a child until an age assessment says otherwise).

An assessment never concludes that a person is not a victim: the weakest outcome is "indicators
insufficient", which says what was not found.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.answers import Answers, asked, chosen
from palermo.indicators.catalogue import (
    DESTINATION_DIMENSIONS,
    DIMENSION_CODES,
    POPULATION_ZH,
    RECRUITMENT_DIMENSIONS,
    Catalogue,
    Indicator,
    IndicatorSet,
    Text,
    load_catalogue,
    strength_counts,
)
from palermo.indicators.instruments import Instrument


def dimension_positive(*, strong: int, medium: int, weak: int) -> bool:
    """The ILO dimension rule on counts of PRESENT strong, medium and weak indicators."""
    return positive_clause(strong=strong, medium=medium, weak=weak) is not None


def positive_clause(*, strong: int, medium: int, weak: int) -> int | None:
    """Which clause (1-4) of the dimension rule the counts satisfy first, or None."""
    if strong >= 2:
        return 1
    if strong >= 1 and (medium + weak) >= 1:
        return 2
    if medium >= 3:
        return 3
    if medium >= 2 and weak >= 1:
        return 4
    return None


CLAUSES: dict[int, Text] = {
    1: Text("two strong indicators", "两个强指标"),
    2: Text("one strong plus one medium or weak indicator", "一个强指标加一个中或弱指标"),
    3: Text("three medium indicators", "三个中等指标"),
    4: Text("two medium plus one weak indicator", "两个中等指标加一个弱指标"),
}
RULE_TEXT = Text(
    "needs two strong, one strong plus one medium or weak, three medium, "
    "or two medium plus one weak",
    "需要两个强指标，或一个强指标加一个中或弱指标，或三个中等指标，或两个中等指标加一个弱指标",
)


class Outcome(StrEnum):
    PRESUMED = "presumed_victim"
    POSSIBLE = "possible_victim"
    INSUFFICIENT = "indicators_insufficient"

    @property
    def label(self) -> Text:
        return OUTCOME_LABELS[self]

    @property
    def rank(self) -> int:
        return list(Outcome).index(self)


OUTCOME_LABELS: dict[Outcome, Text] = {
    Outcome.PRESUMED: Text("presumed victim: refer to protection", "推定受害人：转介保护"),
    Outcome.POSSIBLE: Text(
        "possible victim: continue the interview or refer for a fuller assessment",
        "可能的受害人：继续面谈或转介进行更全面的评估",
    ),
    Outcome.INSUFFICIENT: Text("indicators insufficient", "指标不足"),
}


class Variant(StrEnum):
    """How positive dimensions combine for adults (reference/indicators.md §1.4)."""

    ILO = "ilo"
    MOLDOVA = "moldova"

    @property
    def rule_text(self) -> Text:
        return VARIANT_TITLES[self]


# The variants' short names, for sentences ("the Moldova reading met"); never the code.
VARIANT_NAMES: dict[Variant, Text] = {
    Variant.ILO: Text("ILO", "国际劳工组织"),
    Variant.MOLDOVA: Text("Moldova", "摩尔多瓦"),
}
VARIANT_TITLES: dict[Variant, Text] = {
    Variant.ILO: Text(
        "ILO reading (unverified): (DR or CR or VR) and EX and (CD or VD)",
        "劳工组织解读（未经核实）：（DR 或 CR 或 VR）且 EX 且（CD 或 VD）",
    ),
    Variant.MOLDOVA: Text(
        "Secondary variant, Palermo/Moldova LFS typology: (DR or CR) and EX and CD",
        "二手参考变体，巴勒莫/摩尔多瓦劳动力调查分类：（DR 或 CR）且 EX 且 CD",
    ),
}
CHILD_RULE = Text(
    "Child rule: an act plus a positive EX dimension (means not required, Palermo Protocol "
    "Art. 3(c); ILO wording unverified)",
    "儿童规则：有行为且 EX 维度为阳性"
    "（不要求手段，《巴勒莫议定书》第3条(c)款；劳工组织原文未经核实）",
)


@dataclass(frozen=True, slots=True)
class Found:
    """An indicator found present, and the answers (question ids) that evidence it."""

    indicator: Indicator
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DimensionResult:
    code: str
    name: Text
    found: tuple[Found, ...]
    strong: int
    medium: int
    weak: int
    positive: bool
    reason: Text


@dataclass(frozen=True, slots=True)
class ElementResult:
    element: str  # act, means, purpose
    met: bool
    required: bool
    reason: Text


@dataclass(frozen=True, slots=True)
class SetResult:
    indicator_set: IndicatorSet
    dimensions: Mapping[str, DimensionResult]
    rules: Mapping[str, bool]  # variant (or "child") -> combination met
    typology: Text | None
    elements: tuple[ElementResult, ...]
    outcome: Outcome

    def positive(self, *codes: str) -> bool:
        return any(self.dimensions[c].positive for c in codes)

    @property
    def positive_dimensions(self) -> list[str]:
        return [c for c in DIMENSION_CODES if self.dimensions[c].positive]


@dataclass(frozen=True, slots=True)
class Assessment:
    outcome: Outcome
    variant: Variant
    population: str
    child_protection_referral: bool
    sets: tuple[SetResult, ...]
    reasoning: tuple[Text, ...]
    catalogue_version: str
    catalogue_stamp: str
    instrument_id: str | None = None
    instrument_version: str | None = None
    language: str | None = None
    act_evidence: tuple[str, ...] = ()
    skipped_answers: tuple[str, ...] = ()
    consent_missing: tuple[str, ...] = field(default_factory=tuple)
    # why a child-protection referral is needed, in words (empty: none is)
    child_protection_reasons: tuple[Text, ...] = ()
    age_in_doubt: bool = False

    @property
    def present(self) -> frozenset[str]:
        return frozenset(
            f.indicator.id for s in self.sets for d in s.dimensions.values() for f in d.found
        )

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready record of the whole assessment (what the case file stores)."""
        return {
            "outcome": self.outcome.value,
            "outcome_label": self.outcome.label.to_dict(),
            "variant": self.variant.value,
            "variant_title": self.variant.rule_text.to_dict(),
            "population": self.population,
            "child_protection_referral": self.child_protection_referral,
            "child_protection_reasons": [t.to_dict() for t in self.child_protection_reasons],
            "age_in_doubt": self.age_in_doubt,
            "instrument": {
                "id": self.instrument_id,
                "version": self.instrument_version,
                "language": self.language,
            },
            "catalogue": {"version": self.catalogue_version, "stamp": self.catalogue_stamp},
            "act_evidence": list(self.act_evidence),
            "skipped_answers": list(self.skipped_answers),
            "consent_missing": list(self.consent_missing),
            "sets": [_set_dict(s) for s in self.sets],
            "reasoning": [t.to_dict() for t in self.reasoning],
        }


def indicators_found(record: Mapping[str, Any]) -> frozenset[str]:
    """The ids of the indicators found in a stored assessment (``Assessment.to_dict``), as
    ``Assessment.present`` was; whatever is not of that shape is skipped, not guessed.

    >>> from palermo.indicators import load_instrument, parse_answers
    >>> inst = load_instrument("second-line-adult")
    >>> given = {"consent": {"consented": True}, "answers": {"docs_who_holds": "employer_or_agent"}}
    >>> done = assess(inst, parse_answers(given, inst))
    >>> indicators_found(done.to_dict()) == done.present
    True
    """
    found: set[str] = set()
    for entry in record.get("sets") or ():
        dimensions = entry.get("dimensions") if isinstance(entry, Mapping) else None
        for dimension in (dimensions or {}).values():
            for item in dimension.get("found") or () if isinstance(dimension, Mapping) else ():
                if isinstance(item, Mapping) and isinstance(item.get("id"), str):
                    found.add(item["id"])
    return frozenset(found)


def _set_dict(s: SetResult) -> dict[str, Any]:
    return {
        "set": s.indicator_set.code,
        "name": s.indicator_set.name.to_dict(),
        "outcome": s.outcome.value,
        "rules": dict(s.rules),
        "typology": s.typology.to_dict() if s.typology else None,
        "elements": [
            {
                "element": e.element,
                "met": e.met,
                "required": e.required,
                "reason": e.reason.to_dict(),
            }
            for e in s.elements
        ],
        "dimensions": {
            code: {
                "name": d.name.to_dict(),
                "positive": d.positive,
                "counts": {"strong": d.strong, "medium": d.medium, "weak": d.weak},
                "reason": d.reason.to_dict(),
                "found": [
                    {
                        "id": f.indicator.id,
                        "strength": f.indicator.effective_strength.value,
                        "strength_is_assumption": f.indicator.strength_is_assumption,
                        "verified": f.indicator.verified,
                        "text": f.indicator.text.to_dict(),
                        "via": list(f.via),
                    }
                    for f in d.found
                ],
            }
            for code, d in s.dimensions.items()
        },
    }


def evaluate_dimension(catalogue: Catalogue, code: str, found: Sequence[Found]) -> DimensionResult:
    """Apply the dimension rule to the indicators found in one dimension of one set."""
    s, m, w = strength_counts([f.indicator for f in found])
    clause = positive_clause(strong=s, medium=m, weak=w)
    counts = Text(f"{s} strong, {m} medium, {w} weak", f"强 {s} 个，中 {m} 个，弱 {w} 个")
    if clause is not None:
        reason = Text(
            f"positive: {counts.en} contains {CLAUSES[clause].en}",
            f"阳性：{counts.zh}，满足“{CLAUSES[clause].zh}”",
        )
    elif found:
        reason = Text(
            f"not positive: {counts.en}; {RULE_TEXT.en}", f"非阳性：{counts.zh}；{RULE_TEXT.zh}"
        )
    else:
        reason = Text("no indicator found", "未发现指标")
    return DimensionResult(
        code=code,
        name=catalogue.dimensions[code].name,
        found=tuple(found),
        strong=s,
        medium=m,
        weak=w,
        positive=clause is not None,
        reason=reason,
    )


def assess_indicators(
    present: Mapping[str, Sequence[str]] | Iterable[str],
    *,
    child: bool,
    act_evidence: Sequence[str] = (),
    variant: Variant = Variant.ILO,
    catalogue: Catalogue | None = None,
    sets: Sequence[str] | None = None,
) -> Assessment:
    """Assess a set of present indicator ids (optionally mapped to the answers evidencing them).

    ``act_evidence`` names the answers that show the Palermo act (someone else recruited,
    transported, transferred, harboured or received the person).

    >>> a = assess_indicators({"ADL-DR-01", "ADL-DR-08", "ADL-EX-01", "ADL-EX-04",
    ...                        "ADL-CD-01", "ADL-CD-02"}, child=False)
    >>> a.outcome.label.en
    'presumed victim: refer to protection'
    >>> assess_indicators({"ADL-VR-06"}, child=False).outcome.value
    'indicators_insufficient'
    """
    cat = catalogue or load_catalogue()
    via: dict[str, tuple[str, ...]] = (
        {k: tuple(v) for k, v in present.items()}
        if isinstance(present, Mapping)
        else dict.fromkeys(present, ())
    )
    unknown = sorted(i for i in via if i not in cat.indicators)
    if unknown:
        raise InputError(
            [
                Problem(
                    where="indicators",
                    value=i,
                    rule="unknown indicator id",
                    rule_zh="未知的指标编号",
                )
                for i in unknown
            ]
        )
    population = "child" if child else "adult"
    set_codes = list(sets) if sets is not None else [s.code for s in cat.sets_for(population)]
    results = []
    for code in set_codes:
        iset = cat.sets[code]
        if iset.population != population:
            raise InputError(
                [
                    Problem(
                        where="sets",
                        value=code,
                        rule=f"is not a set for the {population} population",
                        rule_zh=f"不是适用于{POPULATION_ZH.get(population, population)}的指标集",
                    )
                ]
            )
        dims = {
            d: evaluate_dimension(
                cat,
                d,
                [
                    Found(cat.indicators[i], via[i])
                    for i in sorted(via)
                    if cat.indicators[i].set_code == code and cat.indicators[i].dimension == d
                ],
            )
            for d in DIMENSION_CODES
        }
        results.append(_combine(iset, dims, child=child, act=bool(act_evidence), variant=variant))
    # The most serious outcome over the sets (PRESUMED has the lowest rank).
    outcome = min((r.outcome for r in results), key=lambda o: o.rank, default=Outcome.INSUFFICIENT)
    referral = child and any(r.dimensions["EX"].found or r.dimensions["CD"].found for r in results)
    return Assessment(
        outcome=outcome,
        variant=variant,
        population=population,
        child_protection_referral=referral,
        sets=tuple(results),
        reasoning=tuple(
            _reasoning(results, outcome, child=child, variant=variant, referral=referral)
        ),
        catalogue_version=cat.version,
        catalogue_stamp=cat.stamp,
        act_evidence=tuple(act_evidence),
    )


def _adult_rule(r: Mapping[str, DimensionResult], variant: Variant) -> bool:
    def pos(*codes: str) -> bool:
        return any(r[c].positive for c in codes)

    if variant is Variant.MOLDOVA:
        return pos("DR", "CR") and pos("EX") and pos("CD")
    return pos(*RECRUITMENT_DIMENSIONS) and pos("EX") and pos(*DESTINATION_DIMENSIONS)


def _typology(r: Mapping[str, DimensionResult]) -> Text:
    """The secondary reference's Palermo/Moldova LFS classification of the positive dimensions."""

    def pos(*codes: str) -> bool:
        return any(r[c].positive for c in codes)

    if pos("DR", "CR") and pos("EX") and pos("CD"):
        return Text("'trafficking for forced labour'", "“以强迫劳动为目的的贩运”")
    if pos("DR") and pos("EX"):
        return Text("'deception + exploitation'", "“欺骗 + 剥削”")
    if pos("EX"):
        return Text("'exploited migrant'", "“受剥削的移民”")
    if not any(d.positive for d in r.values()):
        return Text(
            "no dimension positive ('successful migrant' in the typology's words; not a finding)",
            "没有阳性维度（分类中称为“成功移民”；并非认定结论）",
        )
    return Text("a combination the typology does not name", "该分类未命名的组合")


def _combine(
    iset: IndicatorSet,
    dims: Mapping[str, DimensionResult],
    *,
    child: bool,
    act: bool,
    variant: Variant,
) -> SetResult:
    def pos(*codes: str) -> bool:
        return any(dims[c].positive for c in codes)

    act_met = act or pos(*RECRUITMENT_DIMENSIONS)
    means_met = pos("DR", "CR", "VR", "CD", "VD")
    purpose_met = pos("EX")
    act_reason = (
        Text("act shown by the answers", "回答显示存在行为")
        if act
        else Text("act shown by a positive recruitment dimension", "招募维度阳性显示存在行为")
        if act_met
        else Text(
            "no answer shows recruitment, transport, transfer, harbouring or receipt by others",
            "没有回答显示他人招募、运送、转移、窝藏或接收",
        )
    )
    means_dims = [c for c in ("DR", "CR", "VR", "CD", "VD") if dims[c].positive]
    means_reason = (
        Text(f"positive: {', '.join(means_dims)}", f"阳性：{'、'.join(means_dims)}")
        if means_met
        else Text("no means dimension positive", "没有手段维度为阳性")
    )
    if child:
        means_reason = Text(
            f"not required for a child (Palermo Protocol Art. 3(c)); {means_reason.en}",
            f"儿童不要求手段（《巴勒莫议定书》第3条(c)款）；{means_reason.zh}",
        )
    elements = (
        ElementResult("act", act_met, True, act_reason),
        ElementResult("means", means_met, not child, means_reason),
        ElementResult(
            "purpose",
            purpose_met,
            True,
            Text("EX positive", "EX 阳性") if purpose_met else Text("EX not positive", "EX 非阳性"),
        ),
    )
    if child:
        rules = {"child": act_met and purpose_met}
        met = rules["child"]
        exploitation_found = bool(dims["EX"].found or dims["CD"].found)
        elevated = exploitation_found or pos("DR", "CR", "EX", "CD")
        typology = None
    else:
        rules = {v.value: _adult_rule(dims, v) for v in Variant}
        met = rules[variant.value]
        elevated = pos("DR", "CR", "EX", "CD") or any(rules.values())
        typology = _typology(dims)
    outcome = Outcome.PRESUMED if met else Outcome.POSSIBLE if elevated else Outcome.INSUFFICIENT
    return SetResult(
        indicator_set=iset,
        dimensions=dims,
        rules=rules,
        typology=typology,
        elements=elements,
        outcome=outcome,
    )


def _missing_parts(s: SetResult, variant: Variant) -> Text:
    parts: list[Text] = []
    if variant is Variant.MOLDOVA:
        checks = [
            (("DR", "CR"), Text("DR or CR", "DR 或 CR")),
            (("EX",), Text("EX", "EX")),
            (("CD",), Text("CD", "CD")),
        ]
    else:
        checks = [
            (("DR", "CR", "VR"), Text("DR, CR or VR", "DR、CR 或 VR")),
            (("EX",), Text("EX", "EX")),
            (("CD", "VD"), Text("CD or VD", "CD 或 VD")),
        ]
    for codes, label in checks:
        if not s.positive(*codes):
            parts.append(label)
    return Text(", ".join(p.en for p in parts), "；".join(p.zh for p in parts))


def _reasoning(
    results: Sequence[SetResult],
    outcome: Outcome,
    *,
    child: bool,
    variant: Variant,
    referral: bool,
) -> list[Text]:
    lines: list[Text] = []
    if child:
        lines.append(
            Text(
                "The person is a child: the means element is not required (Palermo Protocol "
                "Art. 3(c)); an act plus a positive exploitation dimension is enough.",
                "当事人是儿童：不要求手段要素（《巴勒莫议定书》第3条(c)款）；有行为且剥削维度为阳性即可。",
            )
        )
    else:
        lines.append(
            Text(
                f"The person is an adult; combination rule: {variant.rule_text.en}.",
                f"当事人是成年人；组合规则：{variant.rule_text.zh}。",
            )
        )
    for s in results:
        name = s.indicator_set.name
        pos = s.positive_dimensions
        head = Text(
            f"{name.en} ({s.indicator_set.code}): "
            + (f"positive dimensions {', '.join(pos)}" if pos else "no dimension positive"),
            f"{name.zh}（{s.indicator_set.code}）："
            + (f"阳性维度 {'、'.join(pos)}" if pos else "没有阳性维度"),
        )
        if child:
            met = s.rules["child"]
            rule = Text(
                f"child rule {'met' if met else 'not met'}",
                f"儿童规则{'已满足' if met else '未满足'}",
            )
        else:
            met = s.rules[variant.value]
            missing = _missing_parts(s, variant)
            other = Variant.MOLDOVA if variant is Variant.ILO else Variant.ILO
            other_met = s.rules[other.value]
            rule = Text(
                ("combination met" if met else f"combination not met (missing {missing.en})")
                + f"; {VARIANT_NAMES[other].en} reading {'met' if other_met else 'not met'}"
                + (f"; typology: {s.typology.en}" if s.typology else ""),
                ("组合已满足" if met else f"组合未满足（缺少 {missing.zh}）")
                + f"；{VARIANT_NAMES[other].zh}解读{'已满足' if other_met else '未满足'}"
                + (f"；分类：{s.typology.zh}" if s.typology else ""),
            )
        lines.append(Text(f"{head.en}; {rule.en}.", f"{head.zh}；{rule.zh}。"))
    if outcome is Outcome.PRESUMED:
        lines.append(
            Text(
                "Outcome: presumed victim. Offer protection and, with the person's consent, refer "
                "through the national referral mechanism. This is not a legal determination.",
                "结果：推定受害人。提供保护，并在当事人同意下通过国家转介机制转介。这不是法律认定。",
            )
        )
    elif outcome is Outcome.POSSIBLE:
        lines.append(
            Text(
                "Outcome: possible victim. Some elements are present but not the full combination: "
                "continue the interview or refer for a fuller assessment.",
                "结果：可能的受害人。存在部分要素但未形成完整组合：继续面谈或转介进行更全面的评估。",
            )
        )
    else:
        lines.append(
            Text(
                "Outcome: indicators insufficient. This is not a finding that the person is not a "
                "victim: it records only what these answers did not show. Give the person "
                "information on where to get help, and stay attentive.",
                "结果：指标不足。这并不是认定当事人不是受害人：它只记录这些回答中未显示的情况。"
                "请向当事人提供求助信息，并保持关注。",
            )
        )
    if referral:
        lines.append(
            Text(
                "Exploitation indicators are present for a child: refer to child protection in "
                "every case.",
                "儿童存在剥削指标：在任何情况下都须转介儿童保护机构。",
            )
        )
    found = {f.indicator for s in results for d in s.dimensions.values() for f in d.found}
    unverified = sorted(i.id for i in found if not i.verified)
    assumed = sorted(i.id for i in found if i.strength_is_assumption)
    if unverified:
        lines.append(
            Text(
                f"{len(unverified)} indicator(s) counted are unverified: {', '.join(unverified)}.",
                f"计入的 {len(unverified)} 个指标未经核实：{'、'.join(unverified)}。",
            )
        )
    if assumed:
        lines.append(
            Text(
                f"{len(assumed)} strength(s) are configuration assumptions, not ILO data: "
                f"{', '.join(assumed)}.",
                f"{len(assumed)} 个强度是配置假设，并非劳工组织数据：{'、'.join(assumed)}。",
            )
        )
    return lines


def assess(
    instrument: Instrument,
    answers: Answers,
    *,
    variant: Variant = Variant.ILO,
    catalogue: Catalogue | None = None,
    age_in_doubt: bool = False,
) -> Assessment:
    """Assess the answers to a second-line interview.

    ``age_in_doubt``: the person may be under 18 whatever their document says; they are then
    interviewed with the child instrument and presumed a child, which calls for a
    child-protection referral (an adult instrument refuses it).

    Refuses (InputError) answers recorded without the person's consent or assent.
    """
    _refuse_unassessable(instrument, answers, age_in_doubt=age_in_doubt)
    missing_consent = tuple(
        c.id for c in instrument.consent if not c.required and answers.consent.get(c.id) is not True
    )
    present, act, triggers, skipped = _evidence(instrument, answers)
    result = assess_indicators(
        present,
        child=instrument.population == "child",
        act_evidence=act,
        variant=variant,
        catalogue=catalogue,
        sets=instrument.sets,
    )
    reasons = _protection_reasons(result, triggers, age_in_doubt=age_in_doubt)
    reasoning = list(result.reasoning)
    if reasons and not result.child_protection_referral:
        reasoning.append(
            Text(
                "Refer to child protection whatever the indicator count: "
                + "; ".join(r.en for r in reasons),
                "无论指标数量多少，都须转介儿童保护机构：" + "；".join(r.zh for r in reasons),
            )
        )
    if missing_consent:
        reasoning.append(
            Text(
                "Consent checklist incomplete: " + ", ".join(missing_consent) + ".",
                "同意核对清单不完整：" + "、".join(missing_consent) + "。",
            )
        )
    if skipped:
        reasoning.append(
            Text(
                "Answers ignored because the skip logic did not ask them: "
                + ", ".join(skipped)
                + ".",
                "以下回答因跳题逻辑未提问而被忽略：" + "、".join(skipped) + "。",
            )
        )
    return Assessment(
        outcome=result.outcome,
        variant=variant,
        population=result.population,
        child_protection_referral=bool(reasons),
        sets=result.sets,
        reasoning=tuple(reasoning),
        catalogue_version=result.catalogue_version,
        catalogue_stamp=result.catalogue_stamp,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        language=answers.language,
        act_evidence=result.act_evidence,
        skipped_answers=tuple(skipped),
        consent_missing=missing_consent,
        child_protection_reasons=tuple(reasons),
        age_in_doubt=age_in_doubt,
    )


def _refuse_unassessable(instrument: Instrument, answers: Answers, *, age_in_doubt: bool) -> None:
    """Refuse (InputError) an adult instrument for a person whose age is in doubt, the
    first-line questionnaire, and answers recorded without consent (or a child's assent)."""
    if age_in_doubt and instrument.population != "child":
        raise InputError(
            [
                Problem(
                    where="--instrument",
                    value=instrument.id,
                    rule="the person's age is in doubt: they are presumed a child until an age "
                    "assessment says otherwise; use the child instrument",
                    rule_zh="当事人年龄存疑：在年龄评估得出其他结论之前推定其为儿童；请使用儿童问卷",
                )
            ]
        )
    if instrument.kind != "second_line":
        raise InputError(
            [
                Problem(
                    where="--instrument",
                    value=instrument.id,
                    rule="is the first-line questionnaire; use decide_offer()",
                    rule_zh="这是一线初筛问卷，请使用 decide_offer()",
                )
            ]
        )
    required = [c for c in instrument.consent if c.required]
    refused = [c.id for c in required if answers.consent.get(c.id) is not True]
    if refused:
        raise InputError(
            [
                Problem(
                    where=f"{answers.source} consent",
                    field=cid,
                    rule="not recorded as true: no interview is assessed without consent "
                    "(or, for a child, assent)",
                    rule_zh="未记录为 true：未经同意（儿童须本人同意），任何访谈都不予评估",
                )
                for cid in refused
            ]
        )


def _evidence(
    instrument: Instrument, answers: Answers
) -> tuple[dict[str, list[str]], list[str], list[Text], list[str]]:
    """From the answers the skip logic asks: indicators present (with the questions evidencing
    them), answers showing the act, answers calling for child protection (in words), and the
    questions answered although not asked."""
    is_asked = asked(instrument, answers)
    present: dict[str, list[str]] = {}
    act: list[str] = []
    triggers: list[Text] = []
    skipped: list[str] = []
    for q in instrument.questions:
        value = answers.values.get(q.id)
        if value is None:
            continue
        if not is_asked[q.id]:
            skipped.append(q.id)
            continue
        for oid in sorted(chosen(q, value)):
            option = q.option(oid)
            if option.act:
                act.append(f"{q.id}={oid}")
            if option.child_protection:
                triggers.append(
                    Text(f"{q.text.en} {option.text.en}", f"{q.text.zh}{option.text.zh}")
                )
            for ind in option.evidences:
                present.setdefault(ind, []).append(q.id)
    return present, act, triggers, skipped


AGE_IN_DOUBT = Text(
    "the person's age is in doubt: presumed a child until an age assessment says otherwise",
    "当事人年龄存疑：在年龄评估得出其他结论之前推定为儿童",
)
EXPLOITATION_FOR_A_CHILD = Text(
    "exploitation indicators are present for a child", "儿童存在剥削指标"
)


def _protection_reasons(
    result: Assessment, triggers: Sequence[Text], *, age_in_doubt: bool
) -> list[Text]:
    """Why a child needs a referral to child protection (empty for an adult, or none):
    exploitation indicators, the answers the instrument marks, an age in doubt."""
    if result.population != "child":
        return []
    reasons = [EXPLOITATION_FOR_A_CHILD] if result.child_protection_referral else []
    reasons.extend(triggers)
    if age_in_doubt:
        reasons.append(AGE_IN_DOUBT)
    return reasons
