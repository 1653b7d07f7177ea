"""Instruments: the first-line questionnaire and the second-line interviews, as YAML data.

An instrument is a list of questions; every answer option names the catalogue indicators it
evidences, so an agency can reword a question without touching code. Loading checks the
instrument against the catalogue and refuses unknown indicators, topics, sets, observations and
skip-logic references to unknown or later questions.

>>> adult = load_instrument("second-line-adult")
>>> adult.population, adult.sets
('adult', ('ADL', 'ADS'))
>>> q = adult.question("debt_work_off")
>>> q.ask_if.question, q.option("yes").evidences
('debt_owes', ('ADL-CD-02', 'ADS-CD-02'))
>>> len(load_instrument("first-line").questions) <= 10
True
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal

import yaml

from palermo.errors import InputError, Problem
from palermo.indicators.catalogue import (
    POPULATION_ZH,
    Catalogue,
    Text,
    _Reader,
    load_catalogue,
)
from palermo.lib import yamlsafe

INSTRUMENTS_DIR = Path(__file__).resolve().parent / "instruments"
MAX_FIRST_LINE_ITEMS = 10
YES = Text(en="Yes", zh="是")
NO = Text(en="No", zh="否")


class QuestionType(StrEnum):
    YES_NO = "yes_no"
    CHOICE = "choice"
    MULTI = "multi"


@dataclass(frozen=True, slots=True)
class Option:
    id: str
    text: Text
    evidences: tuple[str, ...] = ()
    act: bool = False  # choosing it evidences the Palermo act element
    # a child instrument: choosing it calls for a child-protection referral whatever the
    # indicators (travelling alone or with an adult who is not a parent or guardian; taken,
    # sold, promised or threatened)
    child_protection: bool = False


@dataclass(frozen=True, slots=True)
class Condition:
    """Skip logic: ask a question only if an earlier answer includes (or excludes) options."""

    question: str
    any_of: tuple[str, ...] = ()
    none_of: tuple[str, ...] = ()

    def holds(self, chosen: frozenset[str]) -> bool:
        if self.any_of and not chosen.intersection(self.any_of):
            return False
        return not chosen.intersection(self.none_of)


@dataclass(frozen=True, slots=True)
class Question:
    id: str
    type: QuestionType
    text: Text
    guidance: Text
    options: tuple[Option, ...]
    topic: str | None = None
    ask_if: Condition | None = None
    observation: str | None = None  # first line: the BRD observable this item records

    def option(self, option_id: str) -> Option:
        for o in self.options:
            if o.id == option_id:
                return o
        raise KeyError(option_id)

    @property
    def indicators(self) -> tuple[str, ...]:
        seen: dict[str, None] = {}
        for o in self.options:
            seen.update(dict.fromkeys(o.evidences))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class ConsentItem:
    id: str
    text: Text
    required: bool


@dataclass(frozen=True, slots=True)
class OfferRule:
    """First-line cut-off: offer an interview on any decisive item, or on at least N items."""

    offer_if_any: tuple[str, ...]
    offer_if_count_at_least: int
    basis: Text

    def describe(self, texts: Mapping[str, Text] | None = None) -> Text:
        """The cut-off in words; with ``texts`` (question id -> its text) each decisive item
        is named by its words instead of its id."""
        named = texts or {}
        en = [named[i].en if i in named else i for i in self.offer_if_any]
        zh = [named[i].zh if i in named else i for i in self.offer_if_any]
        return Text(
            en=f"any of {'; '.join(en)}, or at least {self.offer_if_count_at_least} items",
            zh=f"{'；'.join(zh)} 中任意一项，或至少 {self.offer_if_count_at_least} 项",
        )


@dataclass(frozen=True, slots=True)
class Instrument:
    id: str
    version: str
    kind: Literal["first_line", "second_line"]
    population: Literal["adult", "child", "any"]
    sets: tuple[str, ...]
    title: Text
    guidance: Text | None
    introduction: Text | None
    consent: tuple[ConsentItem, ...]
    questions: tuple[Question, ...]
    offer_rule: OfferRule | None
    path: str
    digest: str

    def question(self, question_id: str) -> Question:
        for q in self.questions:
            if q.id == question_id:
                return q
        raise KeyError(question_id)

    @property
    def indicators(self) -> frozenset[str]:
        return frozenset(i for q in self.questions for i in q.indicators)


def builtin_instruments() -> list[str]:
    """Names accepted by ``load_instrument`` (and ``palermo assess --instrument``)."""
    return sorted(p.stem for p in INSTRUMENTS_DIR.glob("*.yaml"))


def load_instrument(name_or_path: str | Path, catalogue: Catalogue | None = None) -> Instrument:
    """Load a shipped instrument by name, or an agency's adapted copy by path, and validate it."""
    cat = catalogue or load_catalogue()
    text = str(name_or_path)
    if isinstance(name_or_path, Path) or text.endswith((".yaml", ".yml")) or "/" in text:
        path = Path(name_or_path)
        if not path.is_file():
            raise InputError(
                [Problem(where=text, rule="instrument file not found", rule_zh="找不到问卷文件")]
            )
    else:
        path = INSTRUMENTS_DIR / f"{text}.yaml"
        if text not in builtin_instruments():
            known = ", ".join(builtin_instruments())
            raise InputError(
                [
                    Problem(
                        where="--instrument",
                        value=text,
                        rule=f"unknown instrument ({known})",
                        rule_zh=f"未知的问卷（已有：{known}）",
                    )
                ]
            )
    return _parse_instrument(path, cat)


def _parse_instrument(path: Path, cat: Catalogue) -> Instrument:
    r = _Reader()
    doc_any, raw = _read_instrument_yaml(path)
    doc = r.mapping(doc_any, path.name)
    iid = r.string(doc, "instrument", path.name) or path.stem
    w = f"{path.name} {iid}"
    kind = r.string(doc, "kind", w)
    if kind not in ("first_line", "second_line"):
        r.problem(
            w,
            "must be first_line or second_line",
            "必须是 first_line 或 second_line",
            field="kind",
            value=kind,
        )
    population = r.string(doc, "population", w)
    if population not in ("adult", "child", "any"):
        r.problem(
            w,
            "must be adult, child or any",
            "必须是 adult、child 或 any",
            field="population",
            value=population,
        )
    sets = _instrument_sets(r, doc, w, kind=kind, population=population, cat=cat)
    consent = _consent(r, doc, w, kind=kind)
    questions = _questions(r, doc, w, fname=path.name, kind=kind, sets=sets, cat=cat)
    rule: OfferRule | None = None
    if kind == "first_line":
        rule = _offer_rule(r, doc, w, {q.id for q in questions})
    if r.problems:
        raise InputError(r.problems)
    return Instrument(
        id=iid,
        version=r.string(doc, "version", w) or "",
        kind="first_line" if kind == "first_line" else "second_line",
        population=_population(population),
        sets=sets,
        title=r.text(doc, w),
        guidance=r.optional_text(doc, w, "guidance"),
        introduction=r.optional_text(doc, w, "introduction"),
        consent=consent,
        questions=questions,
        offer_rule=rule,
        path=str(path),
        digest=hashlib.sha256(raw).hexdigest(),
    )


def _read_instrument_yaml(path: Path) -> tuple[object, bytes]:
    try:
        raw = path.read_bytes()
        return yamlsafe.parse(raw), raw
    except OSError as exc:
        raise InputError(
            [Problem(where=str(path), rule=f"cannot be read: {exc}", rule_zh=f"无法读取：{exc}")]
        ) from None
    except yaml.YAMLError as exc:
        raise InputError([yamlsafe.problem_from(exc, path.name)]) from None
    except UnicodeDecodeError:
        raise InputError(
            [Problem(where=path.name, rule="not UTF-8 text", rule_zh="不是 UTF-8 编码的文本")]
        ) from None


def _instrument_sets(
    r: _Reader,
    doc: Mapping[str, Any],
    w: str,
    *,
    kind: str | None,
    population: str | None,
    cat: Catalogue,
) -> tuple[str, ...]:
    """The indicator sets the instrument evidences: known, of its population; required for a
    second-line interview."""
    sets = r.id_list(doc, "sets", w)
    for s in sets:
        if s not in cat.sets:
            r.problem(w, "unknown indicator set", "未知的指标集", field="sets", value=s)
        elif population in ("adult", "child") and cat.sets[s].population != population:
            r.problem(
                w,
                f"set {s} is for the {cat.sets[s].population} population",
                f"指标集 {s} 适用于{POPULATION_ZH.get(cat.sets[s].population, '')}",
                field="sets",
            )
    if kind == "second_line" and not sets:
        r.problem(
            w,
            "a second-line interview must name its indicator sets",
            "二线访谈必须写明所用的指标集",
            field="sets",
        )
    return sets


def _consent(
    r: _Reader, doc: Mapping[str, Any], w: str, *, kind: str | None
) -> tuple[ConsentItem, ...]:
    """The consent checklist; a second-line interview needs at least one required item."""
    consent: list[ConsentItem] = []
    for e in r.entries(doc, "consent", w) if "consent" in doc else []:
        cid = r.string(e, "id", f"{w} consent") or ""
        consent.append(
            ConsentItem(
                id=cid, text=r.text(e, f"{w} consent {cid}"), required=e.get("required") is True
            )
        )
    if kind == "second_line" and not any(c.required for c in consent):
        r.problem(
            w,
            "a second-line interview needs a consent checklist with a required item",
            "二线访谈需要一份至少含一项必选事项的同意清单",
        )
    return tuple(consent)


def _questions(
    r: _Reader,
    doc: Mapping[str, Any],
    w: str,
    *,
    fname: str,
    kind: str | None,
    sets: Sequence[str],
    cat: Catalogue,
) -> tuple[Question, ...]:
    questions: list[Question] = []
    for e in r.entries(doc, "questions", w):
        q = _question(r, e, fname=fname, kind=kind, sets=sets, cat=cat, earlier=questions)
        if q is not None:
            questions.append(q)
    if kind == "first_line" and len(questions) > MAX_FIRST_LINE_ITEMS:
        r.problem(
            w,
            f"a first-line screen has at most {MAX_FIRST_LINE_ITEMS} items",
            f"一线初筛最多 {MAX_FIRST_LINE_ITEMS} 项",
        )
    return tuple(questions)


def _question(
    r: _Reader,
    e: Mapping[str, Any],
    *,
    fname: str,
    kind: str | None,
    sets: Sequence[str],
    cat: Catalogue,
    earlier: Sequence[Question],
) -> Question | None:
    qid = r.string(e, "id", f"{fname} question")
    if qid is None:
        return None
    w = f"{fname} {qid}"
    if any(q.id == qid for q in earlier):
        r.problem(w, "duplicate question id", "问题编号重复")
    raw_type = r.string(e, "type", w)
    try:
        qtype = QuestionType(raw_type or "")
    except ValueError:
        r.problem(
            w,
            "must be yes_no, choice or multi",
            "必须是 yes_no、choice 或 multi",
            field="type",
            value=raw_type,
        )
        return None
    topic = r.string(e, "topic", w, required=kind == "second_line")
    if topic is not None and topic not in cat.topics:
        r.problem(w, "unknown topic", "未知的主题", field="topic", value=topic)
    observation = r.string(e, "observation", w, required=kind == "first_line")
    if observation is not None and observation not in cat.observations:
        r.problem(
            w,
            "unknown border observation",
            "未知的边境观察项",
            field="observation",
            value=observation,
        )
    if qtype is QuestionType.YES_NO:
        options = _yes_no_options(r, e, w, observation=observation, cat=cat)
    else:
        options = _choice_options(r, e, w)
    _check_evidences(r, options, w, sets=sets, cat=cat)
    condition = _ask_if(r, e, w, earlier) if "ask_if" in e else None
    return Question(
        id=qid,
        type=qtype,
        text=r.text(e, w),
        guidance=r.text(e, w, "guidance"),
        options=tuple(options),
        topic=topic,
        ask_if=condition,
        observation=observation,
    )


def _yes_no_options(
    r: _Reader, e: Mapping[str, Any], w: str, *, observation: str | None, cat: Catalogue
) -> list[Option]:
    """Yes and no, each with the indicators it evidences (``evidence_when``); without it, yes
    evidences what the border observation is linked to."""
    if "options" in e:
        r.problem(
            w,
            "a yes_no question takes evidence_when, not options",
            "是非题使用 evidence_when，而不是 options",
            field="options",
        )
    # YAML 1.1 reads an unquoted yes/no key as a boolean; accept both spellings.
    when = {str(_yes_no(k)): v for k, v in r.mapping(e.get("evidence_when", {}), w).items()}
    for key in when:
        if key not in ("yes", "no"):
            r.problem(
                w,
                "evidence_when keys are yes and no",
                "evidence_when 的键只能是 yes 和 no",
                field="evidence_when",
                value=key,
            )
    yes_ids = r.id_list(when, "yes", w)
    if not when and observation is not None and observation in cat.observations:
        yes_ids = cat.observations[observation].linked
    return [Option("yes", YES, yes_ids), Option("no", NO, r.id_list(when, "no", w))]


def _choice_options(r: _Reader, e: Mapping[str, Any], w: str) -> list[Option]:
    """The options of a choice or multi question: at least two, ids unique."""
    options: list[Option] = []
    for raw_option in r.entries(e, "options", w):
        oid = r.string(raw_option, "id", f"{w} option") or ""
        ow = f"{w} option {oid}"
        if any(x.id == oid for x in options):
            r.problem(ow, "duplicate option id", "选项编号重复")
        flags = {}
        for key in ("act", "child_protection"):
            flags[key] = raw_option.get(key, False)
            if not isinstance(flags[key], bool):
                r.problem(
                    ow, "must be true or false", "必须是 true 或 false", field=key, value=flags[key]
                )
        options.append(
            Option(
                oid,
                r.text(raw_option, ow),
                r.id_list(raw_option, "evidences", ow),
                flags["act"] is True,
                flags["child_protection"] is True,
            )
        )
    if len(options) < 2:
        r.problem(
            w, "a choice needs at least two options", "单选题至少需要两个选项", field="options"
        )
    return options


def _check_evidences(
    r: _Reader, options: Sequence[Option], w: str, *, sets: Sequence[str], cat: Catalogue
) -> None:
    """Every evidenced indicator exists and belongs to the instrument's sets; the question
    evidences at least one."""
    for o in options:
        for ind in o.evidences:
            if ind not in cat.indicators:
                r.problem(
                    f"{w} option {o.id}",
                    "unknown indicator",
                    "未知的指标",
                    field="evidences",
                    value=ind,
                )
            elif sets and cat.indicators[ind].set_code not in sets:
                r.problem(
                    f"{w} option {o.id}",
                    f"indicator outside the instrument's sets ({', '.join(sets)})",
                    f"指标不属于本问卷的指标集（{'、'.join(sets)}）",
                    field="evidences",
                    value=ind,
                )
    if not any(o.evidences for o in options):
        r.problem(
            w,
            "maps to no indicator: every question must evidence at least one",
            "未对应任何指标：每个问题都必须至少为一个指标提供证据",
        )


def _ask_if(r: _Reader, e: Mapping[str, Any], w: str, earlier: Sequence[Question]) -> Condition:
    """Skip logic: ask only if an earlier question's answer is (or is not) one of its options."""
    c = r.mapping(e["ask_if"], w)
    ref = r.string(c, "question", f"{w} ask_if") or ""
    target = next((q for q in earlier if q.id == ref), None)
    if target is None:
        r.problem(
            w,
            "skip logic refers to an unknown or later question",
            "跳题逻辑引用了未知的或排在后面的问题",
            field="ask_if",
            value=ref,
        )
    lists = {k: [_yes_no(v) for v in c.get(k) or []] for k in ("any_of", "none_of")}
    any_of, none_of = r.id_list(lists, "any_of", w), r.id_list(lists, "none_of", w)
    if not any_of and not none_of:
        r.problem(
            w,
            "skip logic needs any_of or none_of",
            "跳题逻辑需要 any_of 或 none_of",
            field="ask_if",
        )
    if target is not None:
        valid = {o.id for o in target.options}
        for oid in (*any_of, *none_of):
            if oid not in valid:
                r.problem(
                    w,
                    f"skip logic names no option of {ref}",
                    f"跳题逻辑没有给出 {ref} 的任何选项",
                    field="ask_if",
                    value=oid,
                )
    return Condition(question=ref, any_of=any_of, none_of=none_of)


def _population(value: str | None) -> Literal["adult", "child", "any"]:
    return "adult" if value == "adult" else "child" if value == "child" else "any"


def _yes_no(value: object) -> object:
    """``True``/``False`` (YAML 1.1's reading of unquoted yes/no) back to option ids."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


def _offer_rule(r: _Reader, doc: Mapping[str, Any], w: str, items: set[str]) -> OfferRule:
    rule = r.mapping(doc.get("offer_rule"), f"{w} offer_rule")
    decisive = r.id_list(rule, "offer_if_any", f"{w} offer_rule")
    for i in decisive:
        if i not in items:
            r.problem(
                f"{w} offer_rule",
                "names an unknown item",
                "引用了未知的条目",
                field="offer_if_any",
                value=i,
            )
    count = rule.get("offer_if_count_at_least")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        r.problem(
            f"{w} offer_rule",
            "must be a whole number >= 1",
            "必须是大于等于 1 的整数",
            field="offer_if_count_at_least",
        )
        count = 1
    return OfferRule(decisive, count, r.text(rule, f"{w} offer_rule", "basis"))
