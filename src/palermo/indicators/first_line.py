"""The first-line questionnaire: observations at a booth or visa desk → offer a private interview,
or not (``decide_offer``). "Screening" in Palermo is profile screening (``palermo.screening``).

A positive screen only ever means "offer a private, voluntary second-line interview"; it is never
a reason for an adverse immigration decision, and a negative screen does not rule trafficking out
(reference/indicators.md §4.3). The result stores the instrument, its version, the language and
the cut-off.

>>> from palermo.indicators.instruments import load_instrument
>>> from palermo.indicators.answers import parse_answers
>>> fl = load_instrument("first-line")
>>> seen = {"answers": {"obs_fearful": True, "obs_little_luggage": True}}
>>> r = decide_offer(fl, parse_answers(seen, fl))
>>> r.offer, r.decision.en
(True, 'offer a private second-line interview')
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.answers import Answers
from palermo.indicators.catalogue import UNVERIFIED, Catalogue, Text, load_catalogue
from palermo.indicators.instruments import Instrument

OFFER = Text("offer a private second-line interview", "提供私下的第二线面谈")
NO_ACTION = Text("no further action", "无需进一步行动")


@dataclass(frozen=True, slots=True)
class OfferDecision:
    offer: bool
    observed: tuple[str, ...]  # item ids (record fields)
    observations: tuple[str, ...]  # BRD ids
    indicators: tuple[str, ...]
    reasons: tuple[Text, ...]
    cutoff: Text
    instrument_id: str
    instrument_version: str
    language: str
    catalogue_stamp: str

    @property
    def decision(self) -> Text:
        return OFFER if self.offer else NO_ACTION

    def to_dict(self) -> dict[str, Any]:
        return {
            "decision": "offer_interview" if self.offer else "no_further_action",
            "decision_label": self.decision.to_dict(),
            "observed": list(self.observed),
            "observations": list(self.observations),
            "indicators": list(self.indicators),
            "cutoff": self.cutoff.to_dict(),
            "instrument": {
                "id": self.instrument_id,
                "version": self.instrument_version,
                "language": self.language,
            },
            "catalogue": {"stamp": self.catalogue_stamp},
            "reasons": [r.to_dict() for r in self.reasons],
        }


def decide_offer(
    instrument: Instrument, answers: Answers, *, catalogue: Catalogue | None = None
) -> OfferDecision:
    """Whether to offer a second-line interview: the first-line cut-off over the observed items."""
    cat = catalogue or load_catalogue()
    rule = instrument.offer_rule
    if instrument.kind != "first_line" or rule is None:
        raise InputError(
            [
                Problem(
                    where="--instrument",
                    value=instrument.id,
                    rule="is not a first-line screen",
                    rule_zh="不是一线初筛问卷",
                )
            ]
        )
    observed = [q for q in instrument.questions if answers.values.get(q.id) is True]
    decisive = [q for q in observed if q.id in rule.offer_if_any]
    offer = bool(decisive) or len(observed) >= rule.offer_if_count_at_least
    reasons: list[Text] = []
    indicators: dict[str, None] = {}
    for q in observed:
        obs = cat.observations[q.observation] if q.observation else None
        linked = q.option("yes").evidences
        indicators.update(dict.fromkeys(linked))
        flag_en = "" if obs is None or obs.verified else f" {UNVERIFIED['en']}"
        flag_zh = "" if obs is None or obs.verified else UNVERIFIED["zh"]
        design = [i for i in linked if obs is not None and i not in obs.evidences]
        note_en = (
            f"; Palermo design links {UNVERIFIED['en']}: {', '.join(design)}" if design else ""
        )
        note_zh = f"；Palermo 设计关联{UNVERIFIED['zh']}：{'、'.join(design)}" if design else ""
        sourced = [i for i in linked if i not in design]
        ev_en = (
            f"evidences {', '.join(sourced)}" if sourced else "no Delphi indicator in the source"
        )
        ev_zh = f"指向 {'、'.join(sourced)}" if sourced else "来源未关联德尔菲指标"
        reasons.append(
            Text(
                f"{q.observation}: {q.text.en}{flag_en} ({ev_en}{note_en})",
                f"{q.observation}：{q.text.zh}{flag_zh}（{ev_zh}{note_zh}）",
            )
        )
    cutoff = rule.describe({q.id: q.text for q in instrument.questions})
    if offer:
        why = (
            Text(
                f"decisive observation: {'; '.join(q.text.en for q in decisive)}",
                f"决定性观察：{'；'.join(q.text.zh for q in decisive)}",
            )
            if decisive
            else Text(
                f"{len(observed)} observations (cut-off: {cutoff.en})",
                f"{len(observed)} 项观察（判定阈值：{cutoff.zh}）",
            )
        )
        reasons.append(
            Text(
                f"Offer a private, voluntary second-line interview: {why.en}. "
                "This is an invitation to look closer, never a reason to refuse entry or a visa.",
                f"提供私下、自愿的第二线面谈：{why.zh}。"
                "这只是进一步了解的邀请，绝不能作为拒绝入境或签证的理由。",
            )
        )
    else:
        reasons.append(
            Text(
                f"No further action: {len(observed)} observation(s), "
                f"below the cut-off ({cutoff.en}). "
                "A negative screen does not rule trafficking out.",
                f"无需进一步行动：{len(observed)} 项观察，低于判定阈值（{cutoff.zh}）。"
                "筛查阴性并不排除人口贩运。",
            )
        )
    return OfferDecision(
        offer=offer,
        observed=tuple(q.id for q in observed),
        observations=tuple(q.observation or "" for q in observed),
        indicators=tuple(indicators),
        reasons=tuple(reasons),
        cutoff=cutoff,
        instrument_id=instrument.id,
        instrument_version=instrument.version,
        language=answers.language,
        catalogue_stamp=cat.stamp,
    )
