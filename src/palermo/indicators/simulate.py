"""Simulated interviews from ground truth, and the sensitivity / false-escalation report.

A trafficking case's ground truth (``palermo.synth``: the Delphi ids that apply, child or adult,
exploitation type) or an ordinary traveller becomes a set of interview answers with realistic
noise: a victim discloses each indicator only with some probability (less for violence and
sexual exploitation), and ordinary travellers report common hardship (needing money, a family
that depends on them, long hours) that maps to vulnerability or exploitation indicators. The
answers then go through the real instrument and assessment, so the report measures the whole
chain. Every probability is an assumption of the model, listed in :class:`Noise`.

>>> import random
>>> from palermo.indicators.instruments import load_instrument
>>> adult = load_instrument("second-line-adult")
>>> truth = Truth(frozenset({"ADL-DR-01", "ADL-DR-08", "ADL-EX-01", "ADL-EX-04", "ADL-CD-02",
...                          "ADL-CD-14"}),
...               child=False, exploitation_type="labour")
>>> answers = simulate_answers(adult, truth, random.Random(1), Noise.full_disclosure())
>>> assess(adult, answers).outcome.value
'presumed_victim'
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from palermo.indicators.answers import Answers, AnswerValue, asked
from palermo.indicators.assessment import Outcome, Variant, assess, assess_indicators
from palermo.indicators.catalogue import DATA_DIR, Catalogue, load_catalogue
from palermo.indicators.first_line import decide_offer
from palermo.indicators.instruments import (
    Instrument,
    Option,
    Question,
    QuestionType,
    load_instrument,
)
from palermo.lib import yamlsafe

# Items a victim discloses less readily (violence, sexual coercion, threats), by adult-labour id.
SENSITIVE = frozenset(
    {
        "ADL-CR-01", "ADL-CR-02", "ADL-CR-07", "ADL-CR-09", "ADL-CD-04", "ADL-CD-06",
        "ADL-CD-11", "ADL-CD-13", "ADL-CD-05",
    }
)  # fmt: skip

# How often an ordinary traveller reports a hardship that maps to an indicator (adult-labour id).
HARDSHIP: Mapping[str, float] = {
    "ADL-VR-06": 0.25,  # needs money urgently
    "ADL-VR-09": 0.20,  # family depends on them
    "ADL-VR-03": 0.08,  # language
    "ADL-VR-04": 0.05,
    "ADL-VR-10": 0.05,
    "ADL-VR-13": 0.05,
    "ADL-VR-14": 0.05,
    "ADL-VR-16": 0.05,
    "ADL-VD-02": 0.08,
    "ADL-VD-03": 0.03,
    "ADL-VD-04": 0.10,
    "ADL-VD-07": 0.03,
    "ADL-VD-01": 0.03,
    "ADL-EX-01": 0.06,  # long hours
    "ADL-EX-02": 0.04,
    "ADL-EX-03": 0.02,
    "ADL-EX-04": 0.05,
    "ADL-EX-05": 0.02,
    "ADL-EX-06": 0.05,
    "ADL-EX-09": 0.03,
    "ADL-CR-04": 0.05,  # owes a recruitment fee or a loan
    "ADL-CD-02": 0.01,
    "ADL-CR-03": 0.02,  # a tour leader held the passports
    "ADL-DR-02": 0.03,
    "ADL-DR-05": 0.03,
    "ADL-DR-08": 0.03,
}


@dataclass(frozen=True, slots=True)
class Truth:
    """What is true of one traveller: the Delphi ids that apply (empty for ordinary travellers)."""

    indicator_ids: frozenset[str]
    child: bool
    exploitation_type: str | None = None  # labour, sexual, forced_marriage; None = ordinary

    @property
    def is_case(self) -> bool:
        return self.exploitation_type is not None


@dataclass(frozen=True, slots=True)
class Noise:
    """Assumptions of the simulated interview (probabilities)."""

    disclosure: float = 0.7
    sensitive_disclosure: float = 0.45
    child_factor: float = 0.85  # children disclose less in a first interview
    act_disclosure: float = 0.85  # a case says someone else arranged the trip
    ordinary_act: float = 0.35  # an ordinary traveller's trip was arranged by family or an agency
    child_work_factor: float = 0.2  # scales work-related hardship for ordinary children
    hardship: Mapping[str, float] = field(default_factory=lambda: dict(HARDSHIP))

    @staticmethod
    def full_disclosure() -> Noise:
        """Every true indicator disclosed, no hardship reported: the rule's own ceiling."""
        return Noise(1.0, 1.0, 1.0, 1.0, 0.0, 0.0, {})


def _adult_labour_id(catalogue: Catalogue, ind_id: str) -> str | None:
    """Follow counterparts to the adult-labour item of the same meaning (if any)."""
    current: str | None = ind_id
    for _ in range(3):
        if current is None or current.startswith("ADL"):
            return current
        current = catalogue.indicators[current].counterpart
    return None


def simulate_answers(
    instrument: Instrument,
    truth: Truth,
    rng: random.Random,
    noise: Noise | None = None,
    catalogue: Catalogue | None = None,
) -> Answers:
    """Answers one traveller would give to ``instrument``, following its skip logic."""
    nz = noise or Noise()
    respondent = _Respondent(
        cat=catalogue or load_catalogue(),
        noise=nz,
        truth=truth,
        rng=rng,
        implied=_implied_gates(instrument, truth),
    )
    values: dict[str, AnswerValue] = {}
    consent = {c.id: True for c in instrument.consent}
    act_p = nz.act_disclosure if truth.is_case else nz.ordinary_act
    arranged_by_other = rng.random() < act_p
    for q in instrument.questions:
        partial = Answers(instrument.id, "en", dict(values), consent)
        if not asked(instrument, partial)[q.id]:
            continue
        if q.type is QuestionType.YES_NO:
            values[q.id] = respondent.yes_no(q)
        elif q.type is QuestionType.MULTI:
            values[q.id] = respondent.multi(q, arranged_by_other=arranged_by_other)
        else:
            choice = respondent.choice(q, arranged_by_other=arranged_by_other)
            if choice is not None:
                values[q.id] = choice
    return Answers(instrument.id, "en", values, consent, source="simulated")


def _implied_gates(instrument: Instrument, truth: Truth) -> dict[str, set[str]]:
    """The gate options a person answers because of what they have to tell later.

    A person with something to tell in a follow-up question answers its gate accordingly
    (someone in debt bondage says they owe money), so skip logic never hides a true indicator.
    """
    implied: dict[str, set[str]] = {}
    for q in reversed(instrument.questions):
        holds = any(i in truth.indicator_ids for i in q.indicators) or bool(implied.get(q.id))
        if holds and q.ask_if is not None:
            implied.setdefault(q.ask_if.question, set()).update(q.ask_if.any_of)
    return implied


@dataclass(frozen=True)
class _Respondent:
    """One simulated traveller answering: discloses true indicators with the noise's
    probabilities (less for sensitive ones and for children) and reports ordinary hardship."""

    cat: Catalogue
    noise: Noise
    truth: Truth
    rng: random.Random
    implied: Mapping[str, set[str]]

    def hardship(self, ind_id: str) -> float:
        adult_id = _adult_labour_id(self.cat, ind_id) or ""
        p = self.noise.hardship.get(adult_id, 0.0)
        # children travelling normally rarely work: exploitation-type hardship is much rarer
        if self.truth.child and adult_id.startswith("ADL-EX"):
            return p * self.noise.child_work_factor
        return p

    def option_state(self, option: Option, question_id: str = "") -> bool:
        """Whether this person picks ``option``: a disclosed true indicator, or hardship."""
        nz = self.noise
        true_ids = [i for i in option.evidences if i in self.truth.indicator_ids]
        if option.id in self.implied.get(question_id, ()) and option.evidences:
            true_ids = true_ids or list(option.evidences)
        if true_ids:
            base = (
                nz.sensitive_disclosure
                if any(_adult_labour_id(self.cat, i) in SENSITIVE for i in true_ids)
                else nz.disclosure
            )
            factor = nz.child_factor if self.truth.child else 1.0
            if self.rng.random() < base * factor:
                return True
        p_hard = max((self.hardship(i) for i in option.evidences), default=0.0)
        return p_hard > 0 and self.rng.random() < p_hard

    def yes_no(self, q: Question) -> bool:
        yes, no = q.option("yes"), q.option("no")
        if yes.evidences:
            return self.option_state(yes, q.id)
        return not self.option_state(no, q.id)

    def multi(self, q: Question, *, arranged_by_other: bool) -> tuple[str, ...]:
        evidenced = [o for o in q.options if o.evidences and self.option_state(o, q.id)]
        acts = [o for o in q.options if o.act and not o.evidences]
        plain = [o for o in q.options if not o.act and not o.evidences and o.id != "none"]
        picked = [o.id for o in evidenced]
        if arranged_by_other and acts:
            picked.append(self.rng.choice(acts).id)
        elif plain and not picked:
            picked.append(plain[0].id)
        if not picked and any(o.id == "none" for o in q.options):
            picked = ["none"]
        return tuple(picked)

    def choice(self, q: Question, *, arranged_by_other: bool) -> str | None:
        evidenced = [o for o in q.options if o.evidences and self.option_state(o, q.id)]
        acts = [o for o in q.options if o.act and not o.evidences]
        plain = [o for o in q.options if not o.act and not o.evidences and o.id != "none"]
        if evidenced:
            return self.rng.choice(evidenced).id
        if arranged_by_other and acts:
            return self.rng.choice(acts).id
        if plain:
            return plain[0].id
        return None


@dataclass(frozen=True, slots=True)
class Rates:
    n: int
    counts: Mapping[str, int]

    def share(self, *keys: str) -> float:
        return sum(self.counts.get(k, 0) for k in keys) / self.n if self.n else float("nan")


@dataclass(frozen=True, slots=True)
class EvaluationReport:
    n_population: int
    seed: int
    variant: Variant
    first_line_cases: Rates
    first_line_ordinary: Rates
    interview_cases: Mapping[str, Rates]  # group -> outcomes
    interview_ordinary: Mapping[str, Rates]
    ceiling_cases: Mapping[str, Rates]
    catalogue_stamp: str
    published: list[dict[str, Any]]

    def to_dict(self) -> dict[str, Any]:
        def rates(m: Mapping[str, Rates]) -> dict[str, Any]:
            return {g: {"n": r.n, "counts": dict(r.counts)} for g, r in m.items()}

        return {
            "population": self.n_population,
            "seed": self.seed,
            "variant": self.variant.value,
            "catalogue": self.catalogue_stamp,
            "first_line": {
                "cases": {
                    "n": self.first_line_cases.n,
                    "offered": self.first_line_cases.share("offer"),
                },
                "ordinary": {
                    "n": self.first_line_ordinary.n,
                    "offered": self.first_line_ordinary.share("offer"),
                },
            },
            "interview_cases": rates(self.interview_cases),
            "interview_ordinary": rates(self.interview_ordinary),
            "full_disclosure_cases": rates(self.ceiling_cases),
            "published": self.published,
        }


def published_tools() -> list[dict[str, Any]]:
    doc = yamlsafe.parse((DATA_DIR / "published-screening-tools.yaml").read_text(encoding="utf-8"))
    tools: list[dict[str, Any]] = doc["tools"]
    return tools


def _group(truth: Truth) -> str:
    who = "child" if truth.child else "adult"
    return f"{who} {truth.exploitation_type}" if truth.is_case else f"{who} ordinary"


def simulate_identification(
    n: int,
    seed: int,
    *,
    ordinary_sample: int = 2000,
    noise: Noise | None = None,
    variant: Variant = Variant.ILO,
) -> EvaluationReport:
    """Generate a synthetic population (palermo.synth), screen and interview it, count outcomes.

    First line uses each record's officer observations; second line simulates answers for every
    case and for a random sample of ordinary travellers (adults and children).
    """
    from palermo.synth import generate

    cat = load_catalogue()
    first = load_instrument("first-line", cat)
    interviews = {
        False: load_instrument("second-line-adult", cat),
        True: load_instrument("second-line-child", cat),
    }
    records, truth_table = generate(n, seed, key=b"palermo-indicators-evaluate")
    obs_fields = [q.id for q in first.questions]
    obs_cols = {f: records.column(f).to_pylist() for f in obs_fields}
    is_case = truth_table.column("is_case").to_pylist()
    is_child = truth_table.column("is_child").to_pylist()
    types = truth_table.column("exploitation_type").to_pylist()
    ids = truth_table.column("indicator_ids").to_pylist()

    rng = random.Random(seed)
    ordinary_rows = [i for i, c in enumerate(is_case) if not c]
    sample = sorted(rng.sample(ordinary_rows, min(ordinary_sample, len(ordinary_rows))))
    case_rows = [i for i, c in enumerate(is_case) if c]

    def first_line(rows: Iterable[int]) -> Rates:
        counts: Counter[str] = Counter()
        total = 0
        for i in rows:
            seen = {f: bool(obs_cols[f][i]) for f in obs_fields}
            result = decide_offer(first, Answers(first.id, "en", seen), catalogue=cat)
            counts["offer" if result.offer else "none"] += 1
            total += 1
        return Rates(total, dict(counts))

    interview_cases: dict[str, Counter[str]] = {}
    interview_ordinary: dict[str, Counter[str]] = {}
    ceiling: dict[str, Counter[str]] = {}
    for i in [*case_rows, *sample]:
        truth = Truth(
            frozenset(x for x in (ids[i] or []) if x in cat.indicators),
            child=bool(is_child[i]),
            exploitation_type=types[i] if is_case[i] else None,
        )
        instrument = interviews[truth.child]
        answers = simulate_answers(instrument, truth, rng, noise, cat)
        outcome = assess(instrument, answers, variant=variant, catalogue=cat).outcome
        target = interview_cases if truth.is_case else interview_ordinary
        target.setdefault(_group(truth), Counter())[outcome.value] += 1
        if truth.is_case:
            full = assess_indicators(
                truth.indicator_ids,
                child=truth.child,
                act_evidence=("truth",),
                variant=variant,
                catalogue=cat,
            ).outcome
            ceiling.setdefault(_group(truth), Counter())[full.value] += 1

    def freeze(m: Mapping[str, Counter[str]]) -> dict[str, Rates]:
        out = {g: Rates(sum(c.values()), dict(c)) for g, c in sorted(m.items())}
        total: Counter[str] = Counter()
        for c in m.values():
            total.update(c)
        out["all"] = Rates(sum(total.values()), dict(total))
        return out

    return EvaluationReport(
        n_population=n,
        seed=seed,
        variant=variant,
        first_line_cases=first_line(case_rows),
        first_line_ordinary=first_line(sample),
        interview_cases=freeze(interview_cases),
        interview_ordinary=freeze(interview_ordinary),
        ceiling_cases=freeze(ceiling),
        catalogue_stamp=cat.stamp,
        published=published_tools(),
    )


def _pct(x: float) -> str:
    return "   -  " if math.isnan(x) else f"{100 * x:5.1f}%"


def render_report(report: EvaluationReport) -> str:
    """The report as plain text, in English and Chinese."""
    p, q = Outcome.PRESUMED.value, Outcome.POSSIBLE.value
    lines = [
        "Palermo indicators: simulated screening performance / 模拟筛查表现",
        (
            f"population 人群 {report.n_population:,}, seed 种子 {report.seed}, variant 规则 "
            f"{report.variant.value}, catalogue 目录 {report.catalogue_stamp}"
        ),
        (
            "Synthetic travellers (palermo.synth) and simulated answers: a model, not a field "
            "validation. / 合成旅客与模拟回答：这是模型，不是实地验证。"
        ),
        "",
        "First line (officer observations) / 第一线（官员观察）",
        (
            f"  cases offered an interview (sensitivity) 获面谈的个案（灵敏度）: "
            f"{_pct(report.first_line_cases.share('offer'))}  n={report.first_line_cases.n}"
        ),
        (
            f"  ordinary travellers offered (false escalation) 获面谈的普通旅客（误升级）: "
            f"{_pct(report.first_line_ordinary.share('offer'))}  n={report.first_line_ordinary.n}"
        ),
        "",
        "Second line (simulated interview) / 第二线（模拟面谈）",
        (
            "  group 组别                  n   presumed 推定   presumed+possible 推定+可能   "
            "full-disclosure presumed 完全披露时推定"
        ),
    ]
    for group, rates in report.interview_cases.items():
        ceiling = report.ceiling_cases.get(group)
        lines.append(
            f"  {group:<24}{rates.n:>5}   {_pct(rates.share(p))}        {_pct(rates.share(p, q))}"
            f"                 {_pct(ceiling.share(p)) if ceiling else '   -  '}"
        )
    lines.append("  ordinary travellers wrongly escalated / 普通旅客被误升级:")
    for group, rates in report.interview_ordinary.items():
        lines.append(
            f"  {group:<24}{rates.n:>5}   {_pct(rates.share(p))}        {_pct(rates.share(p, q))}"
        )
    allc, allo = report.interview_cases["all"], report.interview_ordinary["all"]
    lines += [
        "",
        (
            f"Sensitivity (presumed) 灵敏度（推定）: {_pct(allc.share(p))}; "
            f"(presumed or possible 推定或可能): {_pct(allc.share(p, q))}"
        ),
        (
            "Ordinary travellers escalated (presumed) 普通旅客被升级（推定）: "
            f"{_pct(allo.share(p))}; "
            f"(presumed or possible 推定或可能): {_pct(allo.share(p, q))}"
        ),
        "",
        "Published screening tools (reference §4) / 已发表的筛查工具（参考资料第4节）",
        "  tool 工具              sensitivity 灵敏度  specificity 特异度  population 人群",
    ]
    for t in report.published:
        sens = "   -  " if t["sensitivity"] is None else f"{t['sensitivity']:5.1f}%"
        spec = "   -  " if t["specificity"] is None else f"{t['specificity']:5.1f}%"
        lines.append(f"  {t['id']:<20}{sens:>10}        {spec:>10}       {t['en']} / {t['zh']}")
    lines += [
        (
            "Specificity = 1 - false escalation. Published figures come from other populations and "
            "reference standards; they frame the simulated numbers, they do not validate them."
        ),
        "特异度 = 1 - 误升级率。已发表数据来自其他人群和参考标准，仅作参照，不能验证模拟结果。",
    ]
    return "\n".join(lines)


def write_report(report: EvaluationReport, path: Path) -> None:
    """Write the report as JSON, atomically."""
    import json

    from palermo.lib.files import atomic_path

    with atomic_path(path) as tmp:
        Path(tmp).write_text(
            json.dumps(report.to_dict(), ensure_ascii=False, indent=2), encoding="utf-8"
        )
