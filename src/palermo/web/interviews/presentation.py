"""What the assessment page shows, built from the stored assessment (``Assessment.to_dict()``
or ``OfferDecision.to_dict()``): per indicator set a table per dimension, the Palermo elements,
the combination variant used and the other variant's reading, the outcome and the reasoning,
all in the page's language.

The texts about indicators, dimensions, outcomes and reasoning come from ``palermo.indicators``
(English and Chinese there); only the table headings and short words are Django messages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from palermo.errors import PalermoError
from palermo.indicators.assessment import CHILD_RULE, Outcome, Variant
from palermo.indicators.catalogue import ASSUMED_STRENGTH, DIMENSION_CODES, UNVERIFIED
from palermo.indicators.instruments import load_instrument

# Short labels for the outcome codes stored on an interview (lists, badges).
OUTCOME_LABELS: dict[str, Promise] = {
    Outcome.PRESUMED.value: _("Presumed victim"),
    Outcome.POSSIBLE.value: _("Possible victim"),
    Outcome.INSUFFICIENT.value: _("Indicators insufficient"),
    "offer_interview": _("Offer a private interview"),
    "no_further_action": _("No further action"),
}
# The badge colour of each outcome: "alert" asks for action, "warn" for attention.
OUTCOME_TONES: dict[str, str] = {
    Outcome.PRESUMED.value: "alert",
    Outcome.POSSIBLE.value: "warn",
    Outcome.INSUFFICIENT.value: "neutral",
    "offer_interview": "warn",
    "no_further_action": "neutral",
}
STRENGTH_LABELS: dict[str, Promise] = {
    "strong": _("strong"),
    "medium": _("medium"),
    "weak": _("weak"),
}
ELEMENT_LABELS: dict[str, Promise] = {
    "act": _("Act (recruitment, transport, transfer, harbouring or receipt)"),
    "means": _("Means (threat, force, deception, abuse of vulnerability ...)"),
    "purpose": _("Purpose (exploitation)"),
}


def outcome_label(code: str) -> str:
    """The translated short label of an outcome code; an unknown code is shown as it is."""
    return str(OUTCOME_LABELS.get(code, code))


def outcome_tone(code: str) -> str:
    return OUTCOME_TONES.get(code, "neutral")


def _text(value: Any, language: str) -> str:
    if isinstance(value, Mapping):
        return str(value.get(language) or value.get("en") or "")
    return str(value or "")


@dataclass(frozen=True, slots=True)
class FoundRow:
    id: str
    text: str
    strength: str
    strength_code: str
    verified: bool
    unverified_mark: str
    assumption_mark: str
    via: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DimensionTable:
    code: str
    name: str
    positive: bool
    reason: str
    found: tuple[FoundRow, ...]


@dataclass(frozen=True, slots=True)
class ElementRow:
    label: str
    met: bool
    required: bool
    reason: str


@dataclass(frozen=True, slots=True)
class RuleRow:
    title: str
    met: bool
    used: bool


@dataclass(frozen=True, slots=True)
class SetView:
    code: str
    name: str
    outcome: str
    outcome_label: str
    outcome_tone: str
    dimensions: tuple[DimensionTable, ...]
    elements: tuple[ElementRow, ...]
    rules: tuple[RuleRow, ...]
    typology: str


@dataclass(frozen=True, slots=True)
class AssessmentView:
    kind: str  # "assessment" (second line) or "screen" (first line)
    outcome: str
    outcome_label: str
    outcome_tone: str
    reasoning: tuple[str, ...]
    variant_title: str
    population: str
    child_protection_referral: bool
    sets: tuple[SetView, ...]
    catalogue_version: str
    child_protection_reasons: tuple[str, ...] = ()


QuestionTexts = Mapping[str, Mapping[str, str]]
"""question id -> {"en": ..., "zh": ...} of the instrument that produced a result"""


@lru_cache(maxsize=16)
def _question_texts(instrument_id: str) -> QuestionTexts:
    """The questions of a shipped instrument, so that evidence reads as the question asked.

    An instrument that no longer loads (renamed, adapted elsewhere) leaves the ids as they are.
    """
    try:
        instrument = load_instrument(instrument_id)
    except (PalermoError, OSError):
        return {}
    return {q.id: q.text.to_dict() for q in instrument.questions}


def _found(
    row: Mapping[str, Any], language: str, questions: QuestionTexts | None = None
) -> FoundRow:
    lang = "zh" if language == "zh" else "en"
    strength = str(row.get("strength", ""))
    verified = bool(row.get("verified", False))
    return FoundRow(
        id=str(row.get("id", "")),
        text=_text(row.get("text"), language),
        strength=str(STRENGTH_LABELS.get(strength, strength)),
        strength_code=strength,
        verified=verified,
        unverified_mark="" if verified else UNVERIFIED[lang],
        assumption_mark=ASSUMED_STRENGTH[lang] if row.get("strength_is_assumption") else "",
        via=tuple(_text((questions or {}).get(str(v)), lang) or str(v) for v in row.get("via", ())),
    )


def _rules(rules: Mapping[str, bool], variant: str, language: str) -> tuple[RuleRow, ...]:
    if "child" in rules:
        return (RuleRow(CHILD_RULE.get(language), bool(rules["child"]), True),)
    out = []
    for v in Variant:
        if v.value in rules:
            out.append(RuleRow(v.rule_text.get(language), bool(rules[v.value]), v.value == variant))
    out.sort(key=lambda r: not r.used)  # the variant used first, then the other reading
    return tuple(out)


def _set_view(
    s: Mapping[str, Any], variant: str, language: str, questions: QuestionTexts | None = None
) -> SetView:
    dims = s.get("dimensions", {})
    code = str(s.get("outcome", ""))
    return SetView(
        code=str(s.get("set", "")),
        name=_text(s.get("name"), language),
        outcome=code,
        outcome_label=outcome_label(code),
        outcome_tone=outcome_tone(code),
        dimensions=tuple(
            DimensionTable(
                code=c,
                name=_text(dims[c].get("name"), language),
                positive=bool(dims[c].get("positive")),
                reason=_text(dims[c].get("reason"), language),
                found=tuple(_found(f, language, questions) for f in dims[c].get("found", ())),
            )
            for c in DIMENSION_CODES
            if c in dims
        ),
        elements=tuple(
            ElementRow(
                label=str(ELEMENT_LABELS.get(e.get("element", ""), e.get("element", ""))),
                met=bool(e.get("met")),
                required=bool(e.get("required", True)),
                reason=_text(e.get("reason"), language),
            )
            for e in s.get("elements", ())
        ),
        rules=_rules(s.get("rules", {}), variant, language),
        typology=_text(s.get("typology"), language) if s.get("typology") else "",
    )


def assessment_view(result: Mapping[str, Any], language: str) -> AssessmentView:
    """The page's view of a stored assessment or first-line screen result."""
    lang = "zh" if language.startswith("zh") else "en"
    if "outcome" in result:
        code = str(result["outcome"])
        variant = str(result.get("variant", Variant.ILO.value))
        questions = _question_texts(str(result.get("instrument", {}).get("id", "")))
        return AssessmentView(
            kind="assessment",
            outcome=code,
            outcome_label=_text(result.get("outcome_label"), lang) or outcome_label(code),
            outcome_tone=outcome_tone(code),
            reasoning=tuple(_text(r, lang) for r in result.get("reasoning", ())),
            variant_title=_text(result.get("variant_title"), lang),
            population=str(result.get("population", "")),
            child_protection_referral=bool(result.get("child_protection_referral")),
            sets=tuple(_set_view(s, variant, lang, questions) for s in result.get("sets", ())),
            catalogue_version=str(result.get("catalogue", {}).get("version", "")),
            child_protection_reasons=tuple(
                _text(r, lang) for r in result.get("child_protection_reasons", ())
            ),
        )
    code = str(result.get("decision", ""))
    return AssessmentView(
        kind="screen",
        outcome=code,
        outcome_label=_text(result.get("decision_label"), lang) or outcome_label(code),
        outcome_tone=outcome_tone(code),
        reasoning=tuple(_text(r, lang) for r in result.get("reasons", ())),
        variant_title="",
        population="",
        child_protection_referral=False,
        sets=(),
        catalogue_version="",
    )
