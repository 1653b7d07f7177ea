"""Course modules built from Palermo's own material, in English and Chinese.

Seven modules: the indicator catalogue (each indicator with its words, strength, dimension and
examples of how it shows in an interview and at the border), the border observables, the risk
profiles and why each exists, the instruments and interviewing guidance, children, rights and
non-discrimination, and the referral chain. Most of the text comes from the data the tools use
(``palermo/indicators``, ``palermo/profiles/examples``); what Palermo writes itself is in
``data/material.yaml``. A trainer's course is a choice of modules and scenarios.

>>> mods = builtin_modules()
>>> list(mods)
['indicators', 'observables', 'profiles', 'interviewing', 'children', 'rights', 'referral']
>>> item = mods["indicators"].find("ADL-CD-02")
>>> item.title.en, "strong" in item.body.en
('ADL-CD-02 Debt bondage', True)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from palermo.errors import InputError, Problem
from palermo.indicators.assessment import CHILD_RULE, OUTCOME_LABELS, Outcome
from palermo.indicators.catalogue import UNVERIFIED, Catalogue, Text, load_catalogue
from palermo.indicators.instruments import Instrument, load_instrument
from palermo.lib import yamlsafe
from palermo.training.scenario import REFERRAL_LABELS

MATERIAL_PATH = Path(__file__).resolve().parent / "data" / "material.yaml"
MODULE_KEYS = (
    "indicators",
    "observables",
    "profiles",
    "interviewing",
    "children",
    "rights",
    "referral",
)
LINE_WORDS: Mapping[str, Text] = {
    "first": Text("first line (booth, visa desk)", "第一线（查验台、签证柜台）"),
    "second": Text("second line (private interview)", "第二线（私下面谈）"),
    "both": Text("first and second line", "第一线和第二线"),
}


@dataclass(frozen=True, slots=True)
class Item:
    """One entry of a module: a title, the body, and (optionally) its caveats or source."""

    ref: str
    title: Text
    body: Text
    meta: Text | None = None


@dataclass(frozen=True, slots=True)
class Section:
    heading: Text
    items: tuple[Item, ...]
    intro: Text | None = None


@dataclass(frozen=True, slots=True)
class Module:
    key: str
    title: Text
    summary: Text
    sections: tuple[Section, ...]

    def find(self, ref: str) -> Item:
        for s in self.sections:
            for i in s.items:
                if i.ref == ref:
                    return i
        raise KeyError(ref)

    @property
    def size(self) -> int:
        return sum(len(s.items) for s in self.sections)


def builtin_modules() -> dict[str, Module]:
    """Every module, in teaching order (cached: built from shipped data)."""
    return dict(_modules())


def module(key: str) -> Module:
    """One module by key; ``InputError`` naming the known keys otherwise."""
    mods = _modules()
    if key not in mods:
        raise InputError(
            [
                Problem(
                    where="module",
                    value=key,
                    rule=f"unknown module (known: {', '.join(MODULE_KEYS)})",
                    rule_zh=f"未知的单元（已有：{'、'.join(MODULE_KEYS)}）",
                )
            ]
        )
    return mods[key]


@lru_cache(maxsize=1)
def _modules() -> dict[str, Module]:
    cat = load_catalogue()
    material = _material()
    first = load_instrument("first-line", cat)
    adult = load_instrument("second-line-adult", cat)
    child = load_instrument("second-line-child", cat)
    built: dict[str, tuple[Section, ...]] = {
        "indicators": _indicator_sections(cat, (adult, child)),
        "observables": (_observable_section(cat),),
        "profiles": (_profile_section(),),
        "interviewing": tuple(_instrument_section(i) for i in (first, adult, child)),
        "children": (
            *material.sections.get("children", ()),
            Section(
                Text("The child rule", "儿童规则"),
                (Item("child-rule", Text("Act and exploitation", "行为和剥削"), CHILD_RULE),),
            ),
            _instrument_section(child),
        ),
        "rights": (
            *material.sections.get("rights", ()),
            Section(
                Text("At the desk", "在柜台"),
                (Item("first-line-guidance", first.title, first.guidance or first.title),),
            ),
        ),
        "referral": (*material.sections.get("referral", ()), _referral_section()),
    }
    return {
        key: Module(key, material.titles[key], material.summaries[key], built[key])
        for key in MODULE_KEYS
    }


@dataclass(frozen=True, slots=True)
class _Material:
    titles: Mapping[str, Text]
    summaries: Mapping[str, Text]
    sections: Mapping[str, tuple[Section, ...]]


def _text(entry: Mapping[str, Any], prefix: str) -> Text:
    return Text(str(entry[f"{prefix}_en"]).strip(), str(entry[f"{prefix}_zh"]).strip())


@lru_cache(maxsize=1)
def _material() -> _Material:
    doc = yamlsafe.load(MATERIAL_PATH.read_bytes(), MATERIAL_PATH.name)
    titles = {k: _text(v, "title") for k, v in doc["modules"].items()}
    summaries = {k: _text(v, "summary") for k, v in doc["modules"].items()}
    sections = {
        key: tuple(
            Section(
                _text(s, "heading"),
                tuple(
                    Item(f"{key}-{n}-{m}", _text(i, "title"), _text(i, "body"))
                    for m, i in enumerate(s["items"], start=1)
                ),
            )
            for n, s in enumerate(entries, start=1)
        )
        for key, entries in doc["sections"].items()
    }
    return _Material(titles, summaries, sections)


def _examples(cat: Catalogue, instruments: tuple[Instrument, ...]) -> dict[str, list[Text]]:
    """For each indicator: the interview answers and border observables that evidence it."""
    out: dict[str, list[Text]] = {}
    for inst in instruments:
        for q in inst.questions:
            for o in q.options:
                for ind in o.evidences:
                    out.setdefault(ind, []).append(
                        Text(
                            f"In the interview: '{q.text.en}' — '{o.text.en}'",
                            f"面谈中：“{q.text.zh}”——“{o.text.zh}”",
                        )
                    )
    for obs in cat.observations.values():
        for ind in obs.linked:
            out.setdefault(ind, []).append(
                Text(f"At the border: {obs.id} {obs.text.en}", f"边境上：{obs.id} {obs.text.zh}")
            )
    return out


def _indicator_sections(cat: Catalogue, instruments: tuple[Instrument, ...]) -> tuple[Section, ...]:
    examples = _examples(cat, instruments)
    sections = []
    for iset in cat.sets.values():
        items = []
        for ind in cat.in_set(iset.code):
            dim = cat.dimensions[ind.dimension]
            strength = cat.strengths[ind.effective_strength]
            seen = examples.get(ind.id, [])[:3]
            body = Text(
                f"A {strength.en} indicator of {dim.name.en} ({dim.element.en})."
                + "".join(f" {t.en}." for t in seen),
                f"{dim.name.zh}的{strength.zh}指标（{dim.element.zh}）。"
                + "".join(f"{t.zh}。" for t in seen),
            )
            caveats = Text(
                (
                    ind.label("en")[len(ind.text.en) :] + (f" {ind.note.en}" if ind.note else "")
                ).strip(),
                ind.label("zh")[len(ind.text.zh) :] + (ind.note.zh if ind.note else ""),
            )
            items.append(
                Item(
                    ind.id,
                    Text(f"{ind.id} {ind.text.en}", f"{ind.id} {ind.text.zh}"),
                    body,
                    caveats if caveats.en.strip() else None,
                )
            )
        sections.append(Section(iset.name, tuple(items)))
    return tuple(sections)


def _observable_section(cat: Catalogue) -> Section:
    items = []
    for obs in cat.observations.values():
        linked = [cat.indicators[i] for i in obs.evidences]
        points = (
            Text(
                "Evidences: " + "; ".join(f"{i.id} {i.text.en}" for i in linked) + ".",
                "指向：" + "；".join(f"{i.id} {i.text.zh}" for i in linked) + "。",
            )
            if linked
            else Text(
                "The source relates it to no Delphi indicator; Palermo's links are a design "
                "assumption.",
                "来源未将其关联到德尔菲指标；Palermo 的关联属于设计假设。",
            )
        )
        line = LINE_WORDS.get(obs.line, Text(obs.line, obs.line))
        items.append(
            Item(
                obs.id,
                Text(f"{obs.id} {obs.text.en}", f"{obs.id} {obs.text.zh}"),
                Text(f"Seen at the {line.en}. {points.en}", f"观察于{line.zh}。{points.zh}"),
                None if obs.verified else Text(UNVERIFIED["en"], UNVERIFIED["zh"]),
            )
        )
    return Section(
        Text("Every observable is a prompt, never proof", "每一项可观察迹象都只是提示，绝非证据"),
        tuple(items),
    )


def _profile_section() -> Section:
    from palermo.profiles import EXAMPLES_DIR, load_profile_set

    profiles = load_profile_set(EXAMPLES_DIR).profiles
    items = tuple(
        Item(
            p.id,
            Text(p.title.en, p.title.zh),
            Text(p.rationale.en.strip(), p.rationale.zh.strip()),
            Text(
                f"Rests on {', '.join(p.indicators) or 'no published item'}; owner: {p.owner}; "
                f"review by {p.review_by.isoformat()}.",
                f"依据 {'、'.join(p.indicators) or '无公开条目'}；负责人：{p.owner}；"
                f"复审日期：{p.review_by.isoformat()}。",
            ),
        )
        for p in profiles
    )
    return Section(
        Text("The example profile set", "示例风险画像集"),
        items,
        Text(
            "A profile never fires on nationality, sex, age or religion alone: the rights guard "
            "refuses it before it can be approved.",
            "风险画像绝不会仅因国籍、性别、年龄或宗教而命中：权利守卫会在批准前拒绝这样的画像。",
        ),
    )


def _instrument_section(inst: Instrument) -> Section:
    items: list[Item] = []
    if inst.introduction:
        items.append(Item(f"{inst.id}-intro", Text("How to open", "如何开场"), inst.introduction))
    for c in inst.consent:
        items.append(
            Item(
                f"{inst.id}-consent-{c.id}",
                Text("Consent checklist", "同意核对清单"),
                c.text,
                Text("required", "必填") if c.required else None,
            )
        )
    for q in inst.questions:
        items.append(Item(f"{inst.id}-{q.id}", q.text, q.guidance))
    if inst.offer_rule is not None:
        cut = inst.offer_rule.describe()
        items.append(
            Item(
                f"{inst.id}-cutoff",
                Text("When to offer an interview", "何时提供面谈"),
                Text(
                    f"Offer on {cut.en}. {inst.offer_rule.basis.en}.",
                    f"满足{cut.zh}时提供。{inst.offer_rule.basis.zh}。",
                ),
            )
        )
    return Section(inst.title, tuple(items), inst.guidance)


def _referral_section() -> Section:
    outcomes = tuple(
        Item(f"outcome-{o.value}", Text("Outcome", "结果"), OUTCOME_LABELS[o]) for o in Outcome
    )
    places = tuple(
        Item(f"referral-{r.value}", Text("Referral", "转介"), label)
        for r, label in REFERRAL_LABELS.items()
    )
    return Section(Text("Outcomes and where they lead", "结果及其去向"), outcomes + places)
