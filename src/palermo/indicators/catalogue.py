"""The indicator catalogue: ILO/EC Delphi indicators and border observables, as versioned data.

The data lives in ``palermo/indicators/data/*.yaml`` (facts from ``reference/indicators.md``); this
module loads it into immutable objects and refuses a catalogue with duplicate ids, missing
translations, unknown dimensions or sets, or references to ids that do not exist. Every
assessment carries the catalogue's :attr:`Catalogue.stamp` (version plus a digest of the files).

>>> cat = load_catalogue()
>>> len(cat.in_set("ADL")), len(cat.in_set("CHL"))
(67, 65)
>>> cat.indicators["ADL-CD-01"].strength
<Strength.STRONG: 'strong'>
>>> chs = cat.indicators["CHS-CR-05"]
>>> chs.strength is None, chs.effective_strength.value, chs.strength_is_assumption
(True, 'medium', True)
>>> cat.observations["BRD-01"].evidences
('ADL-CR-03', 'ADL-CD-01')

Each indicator declares the HTCDS means of control it evidences (``()``: none):

>>> cat.indicators["ADL-CD-01"].htcds_control, cat.indicators["ADL-VR-06"].htcds_control
(('WithholdsDocuments',), ())
>>> cat.methods_of_control(["ADL-CD-02", "ADL-CD-01", "ADS-CD-01", "ADL-EX-03"])
('DebtBondage', 'WithholdsDocuments')
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml

from palermo.errors import InputError, Problem
from palermo.lib import yamlsafe

DATA_DIR = Path(__file__).resolve().parent / "data"
DIMENSION_CODES = ("DR", "CR", "VR", "EX", "CD", "VD")
RECRUITMENT_DIMENSIONS = ("DR", "CR", "VR")
DESTINATION_DIMENSIONS = ("CD", "VD")
LANGUAGES = ("en", "zh")
Language = Literal["en", "zh"]

UNVERIFIED = {"en": "(unverified)", "zh": "（未经核实）"}
ASSUMED_STRENGTH = {
    "en": "(provisional strength: configuration assumption, not ILO data)",
    "zh": "（暂定强度：配置假设，并非劳工组织数据）",
}


class Strength(StrEnum):
    STRONG = "strong"
    MEDIUM = "medium"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Text:
    """A string a person reads, in English and Simplified Chinese."""

    en: str
    zh: str

    def get(self, language: str) -> str:
        return self.zh if language == "zh" else self.en

    def to_dict(self) -> dict[str, str]:
        return {"en": self.en, "zh": self.zh}


@dataclass(frozen=True, slots=True)
class Dimension:
    code: str
    phase: str
    name: Text
    element: Text


@dataclass(frozen=True, slots=True)
class IndicatorSet:
    code: str
    population: Literal["adult", "child"]
    exploitation: str
    name: Text


@dataclass(frozen=True, slots=True)
class Indicator:
    """One Delphi indicator. ``strength`` is None where no source establishes it (CHS)."""

    id: str
    set_code: str
    dimension: str
    strength: Strength | None
    text: Text
    source: str
    confidence: str
    verified: bool
    provisional_strength: Strength | None = None
    provisional_from: str | None = None
    counterpart: str | None = None
    note: Text | None = None
    #: the HTCDS v2.0 ``vic_MethodsOfControl`` values this indicator evidences; ``()`` is the
    #: catalogue's explicit "no HTCDS counterpart" (every indicator declares one or the other)
    htcds_control: tuple[str, ...] = ()

    @property
    def effective_strength(self) -> Strength:
        """The strength the assessment counts: the sourced one, else the configured assumption."""
        if self.strength is not None:
            return self.strength
        assert self.provisional_strength is not None  # the loader guarantees one of the two
        return self.provisional_strength

    @property
    def strength_is_assumption(self) -> bool:
        return self.strength is None

    def label(self, language: str) -> str:
        """The text with its caveats, e.g. ``'Debt bondage (unverified)'``."""
        parts = [self.text.get(language)]
        if not self.verified:
            parts.append(UNVERIFIED["zh" if language == "zh" else "en"])
        if self.strength_is_assumption:
            parts.append(ASSUMED_STRENGTH["zh" if language == "zh" else "en"])
        sep = "" if language == "zh" else " "
        return sep.join(parts)


@dataclass(frozen=True, slots=True)
class Observation:
    """A border observable (BRD-xx) and the Delphi indicators it evidences."""

    id: str
    line: str
    record_field: str | None
    text: Text
    sources: tuple[str, ...]
    confidence: str
    verified: bool
    evidences: tuple[str, ...]
    design_links: tuple[str, ...]

    @property
    def linked(self) -> tuple[str, ...]:
        """Every indicator the observation points to: the reference's links, then Palermo's."""
        return self.evidences + tuple(i for i in self.design_links if i not in self.evidences)


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    dimensions: tuple[str, ...]
    name: Text


@dataclass(frozen=True, slots=True)
class Source:
    id: str
    confidence: str
    text: Text


@dataclass(frozen=True, slots=True)
class Catalogue:
    name: str
    version: str
    digest: str
    strengths: Mapping[Strength, Text]
    dimensions: Mapping[str, Dimension]
    sets: Mapping[str, IndicatorSet]
    indicators: Mapping[str, Indicator]
    observations: Mapping[str, Observation]
    topics: Mapping[str, Topic]
    sources: Mapping[str, Source]
    #: HTCDS ``vic_MethodsOfControl`` codes in the standard's order, with their words
    htcds_methods_of_control: Mapping[str, Text] = field(default_factory=dict)

    @property
    def stamp(self) -> str:
        """``version+digest``: what every assessment records about the catalogue it used."""
        return f"{self.version}+{self.digest[:12]}"

    def in_set(self, code: str) -> list[Indicator]:
        return [i for i in self.indicators.values() if i.set_code == code]

    def sets_for(self, population: str) -> list[IndicatorSet]:
        return [s for s in self.sets.values() if s.population == population]

    def methods_of_control(self, present: Iterable[str]) -> tuple[str, ...]:
        """The HTCDS means of control the ``present`` indicator ids evidence, each once, in the
        standard's order. An id this catalogue does not hold (an assessment made with an older
        one) evidences nothing."""
        found = {
            code
            for iid in present
            if iid in self.indicators
            for code in self.indicators[iid].htcds_control
        }
        return tuple(code for code in self.htcds_methods_of_control if code in found)


POPULATION_ZH: Mapping[str, str] = {"adult": "成人", "child": "儿童", "any": "所有人"}
"""The population an indicator set or instrument is for, in Chinese."""

_ID = re.compile(r"^(?P<set>[A-Z]{3})-(?P<dim>[A-Z]{2})-(?P<n>\d{2})$")


class _Reader:
    """Reads loosely typed YAML into typed values, collecting every problem instead of stopping."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(
        self, where: str, rule: str, rule_zh: str, field: str | None = None, value: object = None
    ) -> None:
        self.problems.append(
            Problem(where=where, field=field, value=value, rule=rule, rule_zh=rule_zh)
        )

    def mapping(self, value: object, where: str) -> Mapping[str, Any]:
        if isinstance(value, Mapping):
            return value
        self.problem(
            where,
            "must be a mapping of keys to values",
            "必须是键值映射",
            value=type(value).__name__,
        )
        return {}

    def entries(self, doc: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
        raw = doc.get(key)
        if not isinstance(raw, list):
            self.problem(where, "must be a list", "必须是列表", field=key)
            return []
        out = []
        for n, item in enumerate(raw, start=1):
            if isinstance(item, Mapping):
                out.append(item)
            else:
                self.problem(
                    f"{where} {key}[{n}]", "must be a mapping of keys to values", "必须是键值映射"
                )
        return out

    def string(
        self, entry: Mapping[str, Any], key: str, where: str, *, required: bool = True
    ) -> str | None:
        value = entry.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.problem(where, "is missing or empty", "缺失或为空", field=key)
            return None
        if not isinstance(value, str | int | float) or isinstance(value, bool):
            self.problem(where, "must be text", "必须是文本", field=key, value=value)
            return None
        return str(value)

    def text(self, entry: Mapping[str, Any], where: str, prefix: str = "") -> Text:
        """``en``/``zh`` (or ``PREFIX_en``/``PREFIX_zh``): both required, both non-empty."""
        values = []
        for lang in LANGUAGES:
            key = f"{prefix}_{lang}" if prefix else lang
            value = self.string(entry, key, where, required=False)
            if value is None:
                self.problem(
                    where, f"missing translation ({lang})", f"缺少译文（{lang}）", field=key
                )
            values.append(value or "")
        return Text(en=values[0], zh=values[1])

    def optional_text(self, entry: Mapping[str, Any], where: str, prefix: str) -> Text | None:
        if not any(f"{prefix}_{lang}" in entry for lang in LANGUAGES):
            return None
        return self.text(entry, where, prefix)

    def boolean(self, entry: Mapping[str, Any], key: str, where: str) -> bool:
        value = entry.get(key)
        if not isinstance(value, bool):
            self.problem(
                where, "must be true or false", "必须是 true 或 false", field=key, value=value
            )
            return False
        return value

    def id_list(self, entry: Mapping[str, Any], key: str, where: str) -> tuple[str, ...]:
        value = entry.get(key, [])
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.problem(where, "must be a list of ids", "必须是编号列表", field=key, value=value)
            return ()
        return tuple(value)

    def strength(self, entry: Mapping[str, Any], key: str, where: str) -> Strength | None:
        value = entry.get(key)
        if value is None:
            return None
        try:
            return Strength(value)
        except ValueError:
            self.problem(
                where,
                "must be one of strong, medium, weak",
                "必须是 strong、medium 或 weak",
                field=key,
                value=value,
            )
            return None


def _read_yaml(path: Path, reader: _Reader) -> tuple[Mapping[str, Any], bytes]:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        reader.problem(
            str(path), f"cannot be read: {exc.strerror or exc}", f"无法读取：{exc.strerror or exc}"
        )
        return {}, b""
    try:
        doc = yamlsafe.parse(raw)
    except yaml.YAMLError as exc:
        found = yamlsafe.problem_from(exc, path.name)
        reader.problem(found.where, found.rule, found.rule_zh)
        return {}, raw
    except UnicodeDecodeError:
        reader.problem(path.name, "not UTF-8 text", "不是 UTF-8 编码的文本")
        return {}, raw
    return reader.mapping(doc, path.name), raw


def load_catalogue(path: Path | None = None) -> Catalogue:
    """Load and validate the catalogue whose index file is ``path`` (default: the shipped one).

    Raises :class:`~palermo.errors.InputError` listing every problem (file, id, reason).
    """
    if path is None:
        return _default_catalogue()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_catalogue() -> Catalogue:
    return _load(DATA_DIR / "catalogue.yaml")


def _load(index_path: Path) -> Catalogue:
    r = _Reader()
    index, raw_index = _read_yaml(index_path, r)
    if r.problems:
        raise InputError(r.problems)
    where = index_path.name
    digest = hashlib.sha256(raw_index)
    name = r.string(index, "catalogue", where) or ""
    version = r.string(index, "version", where) or ""
    strengths = _strengths(r, index, where)
    dimensions = _dimensions(r, index, where)
    sets = _sets(r, index, where)
    topics = _topics(r, index, where)
    sources = _sources(r, index, where)
    control = _htcds_methods_of_control(r, index, where)
    files = _EntryFiles(sets=sets, dimensions=dimensions, sources=sources, control=control)
    for fname in r.id_list(index, "files", where):
        doc, raw = _read_yaml(index_path.parent / fname, r)
        digest.update(fname.encode() + b"\0" + raw)
        files.add(r, doc, fname)
    files.check_links(r)
    if r.problems:
        raise InputError(r.problems)
    return Catalogue(
        name=name,
        version=version,
        digest=digest.hexdigest(),
        strengths=strengths,
        dimensions=dimensions,
        sets=sets,
        indicators=files.indicators,
        observations=files.observations,
        topics=topics,
        sources=sources,
        htcds_methods_of_control=control,
    )


def _htcds_methods_of_control(r: _Reader, index: Mapping[str, Any], where: str) -> dict[str, Text]:
    """The HTCDS ``vic_MethodsOfControl`` codes the indicators may name, with their words."""
    codes: dict[str, Text] = {}
    for e in r.entries(index, "htcds_methods_of_control", where):
        code = r.string(e, "code", f"{where} htcds_methods_of_control") or ""
        w = f"{where} htcds_methods_of_control {code}"
        if code in codes:
            r.problem(w, "duplicate code", "代码重复")
        codes[code] = r.text(e, w)
    return codes


def _strengths(r: _Reader, index: Mapping[str, Any], where: str) -> dict[Strength, Text]:
    strengths: dict[Strength, Text] = {}
    for key, value in r.mapping(index.get("strengths", {}), f"{where} strengths").items():
        try:
            strengths[Strength(key)] = r.text(r.mapping(value, f"{where} strengths.{key}"), where)
        except ValueError:
            r.problem(f"{where} strengths", "unknown strength", "未知的强度", value=key)
    for s in Strength:
        if s not in strengths:
            r.problem(f"{where} strengths", "missing a label", "缺少标签", value=s.value)
    return strengths


def _dimensions(r: _Reader, index: Mapping[str, Any], where: str) -> dict[str, Dimension]:
    dimensions: dict[str, Dimension] = {}
    for e in r.entries(index, "dimensions", where):
        code = r.string(e, "code", f"{where} dimensions") or ""
        w = f"{where} {code}"
        if code in dimensions:
            r.problem(w, "duplicate dimension code", "维度代码重复")
        elif code not in DIMENSION_CODES:
            r.problem(
                w,
                f"unknown dimension (known: {', '.join(DIMENSION_CODES)})",
                f"未知的维度（已知维度：{'、'.join(DIMENSION_CODES)}）",
            )
        dimensions[code] = Dimension(
            code=code,
            phase=r.string(e, "phase", w) or "",
            name=r.text(e, w),
            element=r.text(e, w, "element"),
        )
    for code in DIMENSION_CODES:
        if code not in dimensions:
            r.problem(f"{where} dimensions", "dimension missing", "缺少维度", value=code)
    return dimensions


def _sets(r: _Reader, index: Mapping[str, Any], where: str) -> dict[str, IndicatorSet]:
    sets: dict[str, IndicatorSet] = {}
    for e in r.entries(index, "sets", where):
        code = r.string(e, "code", f"{where} sets") or ""
        w = f"{where} {code}"
        population = r.string(e, "population", w)
        if population not in ("adult", "child"):
            r.problem(
                w,
                "must be adult or child",
                "必须是 adult 或 child",
                field="population",
                value=population,
            )
        if code in sets:
            r.problem(w, "duplicate set code", "指标集代码重复")
        sets[code] = IndicatorSet(
            code=code,
            population="child" if population == "child" else "adult",
            exploitation=r.string(e, "exploitation", w) or "",
            name=r.text(e, w),
        )
    return sets


def _topics(r: _Reader, index: Mapping[str, Any], where: str) -> dict[str, Topic]:
    topics: dict[str, Topic] = {}
    for e in r.entries(index, "topics", where):
        tid = r.string(e, "id", f"{where} topics") or ""
        w = f"{where} topic {tid}"
        if tid in topics:
            r.problem(w, "duplicate topic id", "主题编号重复")
        dims = r.id_list(e, "dimensions", w)
        for d in dims:
            if d not in DIMENSION_CODES:
                r.problem(w, "unknown dimension", "未知的维度", field="dimensions", value=d)
        topics[tid] = Topic(id=tid, dimensions=dims, name=r.text(e, w))
    return topics


def _sources(r: _Reader, index: Mapping[str, Any], where: str) -> dict[str, Source]:
    sources: dict[str, Source] = {}
    for e in r.entries(index, "sources", where):
        sid = r.string(e, "id", f"{where} sources") or ""
        w = f"{where} source {sid}"
        if sid in sources:
            r.problem(w, "duplicate source id", "来源编号重复")
        sources[sid] = Source(
            id=sid, confidence=r.string(e, "confidence", w) or "", text=r.text(e, w)
        )
    return sources


@dataclass
class _EntryFiles:
    """The indicators and observations of the catalogue's files, collected file by file; the
    links between them are checked once all are read."""

    sets: Mapping[str, IndicatorSet]
    dimensions: Mapping[str, Dimension]
    sources: Mapping[str, Source]
    control: Mapping[str, Text]
    indicators: dict[str, Indicator] = field(default_factory=dict)
    observations: dict[str, Observation] = field(default_factory=dict)
    seen_in: dict[str, str] = field(default_factory=dict)
    references: list[tuple[str, str, str]] = field(default_factory=list)  # (where, field, id)

    def add(self, r: _Reader, doc: Mapping[str, Any], fname: str) -> None:
        if "indicators" in doc:
            file_set = r.string(doc, "set", fname)
            for e in r.entries(doc, "indicators", fname):
                ind = _indicator(
                    r,
                    e,
                    fname=fname,
                    file_set=file_set,
                    sets=self.sets,
                    dimensions=self.dimensions,
                    sources=self.sources,
                    control=self.control,
                    references=self.references,
                )
                if ind is not None and self._first(r, ind.id, fname):
                    self.indicators[ind.id] = ind
        if "observations" in doc:
            for e in r.entries(doc, "observations", fname):
                obs = _observation(
                    r, e, fname=fname, sources=self.sources, references=self.references
                )
                if obs is not None and self._first(r, obs.id, fname):
                    self.observations[obs.id] = obs

    def _first(self, r: _Reader, ident: str, fname: str) -> bool:
        """Whether ``ident`` is new; a problem naming the other file when it is not."""
        if ident in self.seen_in:
            r.problem(
                f"{fname} {ident}",
                f"duplicate id (also in {self.seen_in[ident]})",
                f"编号重复（另见 {self.seen_in[ident]}）",
            )
            return False
        self.seen_in[ident] = fname
        return True

    def check_links(self, r: _Reader) -> None:
        """Every reference names an indicator; a provisional strength equals its origin's."""
        indicators = self.indicators
        for w, ref_field, ref in self.references:
            if ref not in indicators:
                r.problem(
                    w,
                    "refers to an indicator that does not exist",
                    "引用了不存在的指标",
                    field=ref_field,
                    value=ref,
                )
        for ind in indicators.values():
            if ind.provisional_from in indicators:
                origin = indicators[ind.provisional_from]
                if origin.strength is not None and ind.provisional_strength != origin.strength:
                    r.problem(
                        f"{self.seen_in[ind.id]} {ind.id}",
                        f"provisional strength differs from its origin {origin.id} "
                        f"({origin.strength})",
                        f"暂定强度与其来源 {origin.id} 的强度（{origin.strength}）不一致",
                        field="provisional_strength",
                        value=ind.provisional_strength,
                    )


def _indicator(
    r: _Reader,
    e: Mapping[str, Any],
    *,
    fname: str,
    file_set: str | None,
    sets: Mapping[str, IndicatorSet],
    dimensions: Mapping[str, Dimension],
    sources: Mapping[str, Source],
    control: Mapping[str, Text],
    references: list[tuple[str, str, str]],
) -> Indicator | None:
    iid = r.string(e, "id", f"{fname} indicator")
    if iid is None:
        return None
    w = f"{fname} {iid}"
    m = _indicator_id(r, iid, w, file_set=file_set, sets=sets)
    if m is None:
        return None
    dim = r.string(e, "dimension", w) or ""
    if dim not in dimensions:
        r.problem(w, "unknown dimension", "未知的维度", field="dimension", value=dim)
    elif dim != m["dim"]:
        r.problem(
            w, "dimension does not match the id", "维度与编号不一致", field="dimension", value=dim
        )
    strength, provisional, provisional_from = _indicator_strength(r, e, w)
    source = r.string(e, "source", w) or ""
    if source and source not in sources:
        r.problem(w, "unknown source", "未知的来源", field="source", value=source)
    confidence = r.string(e, "confidence", w) or ""
    verified = r.boolean(e, "verified", w)
    if verified and confidence == "recollection-unverified":
        r.problem(
            w,
            "a recollection-unverified item must have verified: false",
            "凭回忆、未经核实的条目必须写 verified: false",
            field="verified",
        )
    counterpart = r.string(e, "counterpart", w, required=False)
    for ref_field, ref in (("counterpart", counterpart), ("provisional_from", provisional_from)):
        if ref is not None:
            references.append((w, ref_field, ref))
    return Indicator(
        id=iid,
        set_code=m["set"],
        dimension=dim,
        strength=strength,
        text=r.text(e, w),
        source=source,
        confidence=confidence,
        verified=verified,
        provisional_strength=provisional,
        provisional_from=provisional_from,
        counterpart=counterpart,
        note=r.optional_text(e, w, "note"),
        htcds_control=_htcds_control(r, e, w, control),
    )


def _htcds_control(
    r: _Reader, e: Mapping[str, Any], w: str, control: Mapping[str, Text]
) -> tuple[str, ...]:
    """The indicator's declared HTCDS means of control: required, ``[]`` for none, each a code
    of ``htcds_methods_of_control`` and named once."""
    if "htcds_control" not in e:
        r.problem(
            w,
            "is missing: name the HTCDS means of control it evidences, or [] for none",
            "缺失：请列出其所证明的 HTCDS 控制手段，若无则写 []",
            field="htcds_control",
        )
        return ()
    codes = r.id_list(e, "htcds_control", w)
    for code in codes:
        if code not in control:
            r.problem(
                w,
                "is not an HTCDS means of control (catalogue.yaml htcds_methods_of_control)",
                "不是 HTCDS 控制手段（见 catalogue.yaml 的 htcds_methods_of_control）",
                field="htcds_control",
                value=code,
            )
    if len(set(codes)) != len(codes):
        r.problem(w, "names a means of control twice", "重复列出控制手段", field="htcds_control")
    return codes


def _indicator_id(
    r: _Reader, iid: str, w: str, *, file_set: str | None, sets: Mapping[str, IndicatorSet]
) -> re.Match[str] | None:
    """The parts of an id ``SET-DIM-NN``, its set known and the one of its file; ``None`` when
    the id has another shape."""
    m = _ID.match(iid)
    if m is None:
        r.problem(
            w,
            "id must look like SET-DIM-NN (e.g. ADL-DR-01)",
            "编号格式应为 SET-DIM-NN（如 ADL-DR-01）",
        )
        return None
    if m["set"] not in sets:
        r.problem(w, f"unknown indicator set {m['set']}", f"未知的指标集 {m['set']}")
    if file_set is not None and m["set"] != file_set:
        r.problem(w, f"listed in the file of set {file_set}", f"列在指标集 {file_set} 的文件中")
    return m


def _indicator_strength(
    r: _Reader, e: Mapping[str, Any], w: str
) -> tuple[Strength | None, Strength | None, str | None]:
    """The published strength, or (when the source gives none: ``strength: null``) a
    provisional strength and the indicator it is taken from; never both."""
    if "strength" not in e:
        r.problem(
            w,
            "is missing (use null where no source establishes it)",
            "缺失（若无来源确认，请写 null）",
            field="strength",
        )
    strength = r.strength(e, "strength", w)
    provisional = r.strength(e, "provisional_strength", w)
    provisional_from = r.string(e, "provisional_from", w, required=False)
    no_strength = strength is None and "strength" in e and e["strength"] is None
    if no_strength and (provisional is None or provisional_from is None):
        r.problem(
            w,
            "has no established strength: give provisional_strength and provisional_from "
            "(a configuration assumption)",
            "没有已确立的强度：请给出 provisional_strength 和 provisional_from（属配置假设）",
        )
    if strength is not None and provisional is not None:
        r.problem(
            w,
            "has both a strength and a provisional strength",
            "同时给出了强度和暂定强度",
            field="provisional_strength",
        )
    return strength, provisional, provisional_from


def _observation(
    r: _Reader,
    e: Mapping[str, Any],
    *,
    fname: str,
    sources: Mapping[str, Source],
    references: list[tuple[str, str, str]],
) -> Observation | None:
    oid = r.string(e, "id", f"{fname} observation")
    if oid is None:
        return None
    w = f"{fname} {oid}"
    if not re.fullmatch(r"BRD-\d{2}", oid):
        r.problem(w, "observation id must look like BRD-NN", "观察项编号格式应为 BRD-NN")
    line = r.string(e, "line", w) or ""
    if line not in ("first", "second", "both"):
        r.problem(
            w,
            "must be first, second or both",
            "必须是 first、second 或 both",
            field="line",
            value=line,
        )
    obs_sources = r.id_list(e, "sources", w)
    for s in obs_sources:
        if s not in sources:
            r.problem(w, "unknown source", "未知的来源", field="sources", value=s)
    evidences = r.id_list(e, "evidences", w)
    design_links = r.id_list(e, "design_links", w)
    for ref_field, ids in (("evidences", evidences), ("design_links", design_links)):
        references.extend((w, ref_field, i) for i in ids)
    if not evidences and not design_links:
        r.problem(w, "must be linked to at least one indicator", "必须至少关联一个指标")
    return Observation(
        id=oid,
        line=line,
        record_field=r.string(e, "record_field", w, required=False),
        text=r.text(e, w),
        sources=obs_sources,
        confidence=r.string(e, "confidence", w) or "",
        verified=r.boolean(e, "verified", w),
        evidences=evidences,
        design_links=design_links,
    )


def strength_counts(indicators: Sequence[Indicator]) -> tuple[int, int, int]:
    """(strong, medium, weak) counted with each indicator's effective strength."""
    s = sum(1 for i in indicators if i.effective_strength is Strength.STRONG)
    m = sum(1 for i in indicators if i.effective_strength is Strength.MEDIUM)
    return s, m, len(indicators) - s - m
