"""Scenarios generated from the synthetic population's ground truth (``palermo.synth``).

``generate_scenarios(n, seed)`` draws a small population in the synthetic generator's realistic
setting (look-alikes among ordinary travellers, ``SynthConfig.realistic``) in which half the
travellers are embedded cases (``SynthConfig.with_case_share``), takes about half cases and half
others (up to half of those look-alikes), and turns each row into a
:class:`~palermo.training.scenario.Scenario`: the record
as the desk shows it, the first-line items the generator marked as observable, the case's true
Delphi indicators, and the person's answers from a willingness to disclose drawn per case.

What this adds to the generator's own assumptions (``palermo/synth/signals.py``), each a
choice of the training model, not data:

* willingness to disclose: cases uniform on 0.3-1.0 in steps of 0.05; ordinary travellers 1.0;
* ordinary travellers report hardship with ``palermo.indicators.simulate.HARDSHIP``'s rates;
* someone else arranged the trip when a third party paid the ticket, else with the simulated
  interview's probabilities (0.85 for cases, 0.35 for ordinary travellers);
* an interpreter is needed for half the travellers;
* look-alikes keep the generator's label; a worker exploited without being trafficked carries
  each of four exploitation items (long hours, low pay, contract not respected, no social
  protection) with probability 0.6 and is due a labour-inspection referral;
* other ordinary travellers are labelled lawful workers (work purpose, employer or agency
  sponsor), one-way tourists (one-way ticket) or ordinary.

The same ``(n, seed)`` gives the same scenarios.

>>> a = generate_scenarios(4, seed=7)
>>> [s.id for s in a] == [s.id for s in generate_scenarios(4, seed=7)]
True
>>> len(a), sum(s.truth.is_case for s in a)
(4, 2)
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.catalogue import Catalogue, Text, load_catalogue
from palermo.indicators.simulate import HARDSHIP, Noise
from palermo.records.countries import country_name
from palermo.records.value_labels import value_label
from palermo.training.scenario import (
    Category,
    Companion,
    Referral,
    Scenario,
    build_scenario,
    first_line,
)

MAX_SCENARIOS = 5_000
CASE_SHARE = 0.5
SYNTH_KEY = b"palermo-training-scenarios"
LOOKALIKES: Mapping[str, Category] = {
    "smuggled_migrant": Category.SMUGGLED_MIGRANT,
    "lawful_labour": Category.LAWFUL_WORKER,
    "exploited_not_trafficked": Category.EXPLOITED_NOT_TRAFFICKED,
    "one_way_tourist": Category.ONE_WAY_TOURIST,
    "family_group": Category.FAMILY_GROUP,
}
EXPLOITATION_ONLY = ("EX-01", "EX-04", "EX-05", "EX-06")
THIRD_PARTY_PAYERS = frozenset({"employer", "recruitment_agency", "family", "unknown_third_party"})


def generate_scenarios(
    n: int, seed: int = 0, *, catalogue: Catalogue | None = None
) -> list[Scenario]:
    """``n`` scenarios from a synthetic population drawn with ``seed`` (deterministic)."""
    from palermo.synth import default_config, generate

    if isinstance(n, bool) or not 0 <= n <= MAX_SCENARIOS:
        raise InputError(
            [
                Problem(
                    where="--n",
                    value=n,
                    rule=f"must be a whole number from 0 to {MAX_SCENARIOS}",
                    rule_zh=f"必须是 0 到 {MAX_SCENARIOS} 之间的整数",
                )
            ]
        )
    if seed < 0:
        raise InputError(
            [Problem(where="--seed", value=seed, rule="must not be negative", rule_zh="不能为负数")]
        )
    cat = catalogue or load_catalogue()
    if n == 0:
        return []
    cfg = default_config().with_case_share(CASE_SHARE).realistic()
    records, truth = generate(max(40, 4 * n), seed, cfg, key=SYNTH_KEY)
    rows = records.to_pylist()
    facts = truth.to_pylist()
    rng = random.Random(seed)
    cases = [i for i, t in enumerate(facts) if t["is_case"]]
    alike = [i for i, t in enumerate(facts) if not t["is_case"] and t.get("lookalike")]
    plain = [i for i, t in enumerate(facts) if not t["is_case"] and not t.get("lookalike")]
    want_cases = min(len(cases), (n + 1) // 2)
    want_alike = min(len(alike), (n - want_cases) // 2)
    picked = (
        rng.sample(cases, want_cases)
        + rng.sample(alike, want_alike)
        + rng.sample(plain, min(len(plain), n - want_cases - want_alike))
    )
    return [
        _scenario(k, seed, row=rows[i], fact=facts[i], rng=rng, cat=cat)
        for k, i in enumerate(picked[:n], start=1)
    ]


def _scenario(
    k: int,
    seed: int,
    *,
    row: Mapping[str, Any],
    fact: Mapping[str, Any],
    rng: random.Random,
    cat: Catalogue,
) -> Scenario:
    ident = f"gen-{seed}-{k:04d}"
    record = _record(row, ident)
    observed = sorted(q.id for q in first_line().questions if row.get(q.id) is True)
    is_case = bool(fact["is_case"])
    child = bool(fact["is_child"])
    category = _category(row, fact)
    indicators = [i for i in fact["indicator_ids"] or [] if i in cat.indicators]
    extra: list[Referral] = []
    if category is Category.EXPLOITED_NOT_TRAFFICKED:
        prefix = "CHL" if child else "ADL"
        indicators = [f"{prefix}-{i}" for i in EXPLOITATION_ONLY if rng.random() < 0.6]
        extra.append(Referral.LABOUR_INSPECTION)
    noise = Noise()
    willingness = rng.randrange(6, 21) * 0.05 if is_case else 1.0
    arranged = row.get("ticket_paid_by") in THIRD_PARTY_PAYERS or rng.random() < (
        noise.act_disclosure if is_case else noise.ordinary_act
    )
    return build_scenario(
        id=ident,
        category=category,
        title=_title(category, child, row),
        narrative=_narrative(row, observed, child),
        explanation=Text(
            f"{category.label.en}; generated from the synthetic population (seed {seed}).",
            f"{category.label.zh}；由合成人群生成（种子 {seed}）。",
        ),
        record=record,
        observed=observed,
        indicators=indicators,
        extra_referrals=extra,
        child=child,
        willingness=round(willingness, 2),
        companion=_companion(row, category, child),
        needs_interpreter=rng.random() < 0.5,
        arranged_by_other=arranged,
        hardship=dict(HARDSHIP),
        source="generated",
        catalogue=cat,
    )


def _record(row: Mapping[str, Any], ident: str) -> dict[str, Any]:
    """The record JSON-ready: dates as ISO text, empty fields left out, a training id."""
    out: dict[str, Any] = {}
    for key, value in row.items():
        if value is None:
            continue
        out[key] = value.isoformat() if isinstance(value, dt.date) else value
    out["record_id"] = f"training-{ident}"
    return out


def _category(row: Mapping[str, Any], fact: Mapping[str, Any]) -> Category:
    if fact["is_case"]:
        return Category(fact["exploitation_type"])
    return LOOKALIKES.get(str(fact.get("lookalike"))) or _look_alike(row)


def _look_alike(row: Mapping[str, Any]) -> Category:
    if row.get("declared_purpose") == "work" and row.get("sponsor_kind") in (
        "employer",
        "recruitment_agency",
    ):
        return Category.LAWFUL_WORKER
    if row.get("trip_type") == "one_way":
        return Category.ONE_WAY_TOURIST
    return Category.ORDINARY


def _companion(row: Mapping[str, Any], category: Category, child: bool) -> Companion:
    if category is Category.FAMILY_GROUP:
        return Companion.FAMILY
    if child:
        return (
            Companion.UNRELATED_ADULT
            if row.get("obs_child_with_non_guardian")
            else Companion.FAMILY
        )
    controlled = row.get("obs_companion_answers") or row.get("obs_document_held_by_other")
    if category is Category.FORCED_MARRIAGE:
        return Companion.PARTNER if controlled else Companion.NONE
    if category.is_case and controlled:
        return Companion.AGENT
    if row.get("group_booking_ref"):
        return (
            Companion.TOUR_LEADER
            if category is Category.ONE_WAY_TOURIST
            else Companion.FELLOW_TRAVELLERS
        )
    size = row.get("group_size") or 1
    return Companion.FELLOW_TRAVELLERS if size > 1 else Companion.NONE


def _age(row: Mapping[str, Any]) -> int | None:
    born, on = row.get("date_of_birth"), row.get("event_date")
    if not isinstance(born, dt.date) or not isinstance(on, dt.date):
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _title(category: Category, child: bool, row: Mapping[str, Any]) -> Text:
    age = _age(row)
    country = str(row.get("nationality") or "")
    who = Text("child" if child else "traveller", "儿童" if child else "旅客")
    return Text(
        f"{country_name(country, 'en')}, {who.en}" + (f" of {age}" if age is not None else ""),
        f"{country_name(country, 'zh')}{who.zh}" + (f"，{age} 岁" if age is not None else ""),
    )


def _narrative(row: Mapping[str, Any], observed: list[str], child: bool) -> Text:
    """The desk's view in words: who, which journey, what was declared, what is seen."""
    fl = first_line()
    parts_en: list[str] = []
    parts_zh: list[str] = []
    age = _age(row)
    sex = str(row.get("sex") or "X")
    if age is not None:
        parts_en.append(f"Age {age}, sex {value_label('sex', sex, 'en')}.")
        parts_zh.append(f"年龄 {age} 岁，性别{value_label('sex', sex, 'zh')}。")
    for fld, en, zh in (
        ("event_kind", "Event", "事件"),
        ("declared_purpose", "Declared purpose", "申报目的"),
        ("visa_type", "Visa", "签证"),
        ("trip_type", "Ticket", "机票"),
        ("ticket_paid_by", "Ticket paid by", "机票付款方"),
        ("offered_job_sector", "Offered job", "所提供工作"),
    ):
        value = row.get(fld)
        if value:
            parts_en.append(f"{en}: {value_label(fld, str(value), 'en')}.")
            parts_zh.append(f"{zh}：{value_label(fld, str(value), 'zh')}。")
    for fld, en, zh in (("origin", "From", "出发地"), ("destination", "To", "目的地")):
        value = row.get(fld)
        if value:
            parts_en.append(f"{en}: {country_name(str(value), 'en')}.")
            parts_zh.append(f"{zh}：{country_name(str(value), 'zh')}。")
    size = row.get("group_size")
    if size and size > 1:
        parts_en.append(f"Travelling in a group of {size}.")
        parts_zh.append(f"随 {size} 人团组出行。")
    seen = [fl.question(o).text for o in observed]
    if seen:
        parts_en.append("At the desk you notice: " + "; ".join(t.en for t in seen) + ".")
        parts_zh.append("在柜台您注意到：" + "；".join(t.zh for t in seen) + "。")
    else:
        parts_en.append("At the desk nothing stands out.")
        parts_zh.append("在柜台没有发现异常。")
    if child:
        parts_en.append("The traveller is a child.")
        parts_zh.append("该旅客是儿童。")
    return Text(" ".join(parts_en), "".join(parts_zh))
