"""Victim identification: indicator catalogue, instruments and the ILO assessment (no Django).

>>> inst = load_instrument("second-line-adult")
>>> answers = parse_answers({"consent": {"consented": True}, "answers": {"debt_owes": True}}, inst)
>>> assess(inst, answers).outcome.value
'indicators_insufficient'
"""

from __future__ import annotations

from palermo.indicators.answers import Answers, parse_answers, read_answers
from palermo.indicators.assessment import (
    Assessment,
    Outcome,
    Variant,
    assess,
    assess_indicators,
    dimension_positive,
    indicators_found,
)
from palermo.indicators.catalogue import Catalogue, Indicator, Observation, load_catalogue
from palermo.indicators.first_line import OfferDecision, decide_offer
from palermo.indicators.instruments import Instrument, builtin_instruments, load_instrument

__all__ = [
    "Answers",
    "Assessment",
    "Catalogue",
    "Indicator",
    "Instrument",
    "Observation",
    "OfferDecision",
    "Outcome",
    "Variant",
    "assess",
    "assess_indicators",
    "builtin_instruments",
    "decide_offer",
    "dimension_positive",
    "indicators_found",
    "load_catalogue",
    "load_instrument",
    "parse_answers",
    "read_answers",
]
