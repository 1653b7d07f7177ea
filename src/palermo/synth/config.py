"""What a synthetic population looks like: corridors, shares and embedded cases, from YAML.

>>> cfg = default_config()
>>> round(cfg.cases.share, 3)
0.005
>>> sorted({c.origin for c in cfg.corridors} & {c.destination for c in cfg.corridors})[:3]
['AE', 'CN', 'ID']
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from pydantic_core import ErrorDetails

from palermo.errors import InputError, Problem
from palermo.lib import yamlsafe
from palermo.records.schema import COUNTRY_CODES

EXPLOITATION_TYPES = ("labour", "sexual", "forced_marriage")
ExploitationType = Literal["labour", "sexual", "forced_marriage"]
# Travellers who look like cases without being cases (issue 11, "synthetic evidence with
# confounders"); how each looks is written down in ``palermo.synth.signals.LOOKALIKES``.
LOOKALIKE_KINDS = (
    "smuggled_migrant",
    "lawful_labour",
    "exploited_not_trafficked",
    "one_way_tourist",
    "family_group",
)
LookalikeKind = Literal[
    "smuggled_migrant",
    "lawful_labour",
    "exploited_not_trafficked",
    "one_way_tourist",
    "family_group",
]


class _InvalidError(ValueError):
    """A validator's complaint in English (the message) and in Chinese (``zh``)."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.zh = zh


def _country(code: str) -> str:
    upper = code.upper()
    if upper not in COUNTRY_CODES:
        raise _InvalidError(
            f"'{code}' is not an ISO 3166-1 alpha-2 country code",
            f"'{code}' 不是 ISO 3166-1 两字母国家代码",
        )
    return upper


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Corridor(_Strict):
    """A travel flow from one country to another, with its relative weight."""

    origin: str
    destination: str
    weight: float = Field(gt=0)
    visa_free: bool = False

    _check_origin = field_validator("origin", "destination")(_country)

    @model_validator(mode="after")
    def _distinct(self) -> Corridor:
        if self.origin == self.destination:
            raise _InvalidError("origin and destination must differ", "出发地和目的地必须不同")
        return self


class CaseType(_Strict):
    weight: float = Field(gt=0)
    corridors: tuple[Corridor, ...] = Field(min_length=1)


class Cases(_Strict):
    share: float = Field(ge=0, le=0.5)
    child_share: float = Field(ge=0, le=1)
    types: dict[ExploitationType, CaseType] = Field(min_length=1)


class EventMix(_Strict):
    entry: float = Field(ge=0)
    exit: float = Field(ge=0)
    visa_application: float = Field(ge=0)

    @model_validator(mode="after")
    def _some(self) -> EventMix:
        if self.entry + self.exit + self.visa_application <= 0:
            raise _InvalidError(
                "at least one event kind needs a positive share", "至少一种事件类型的占比须大于 0"
            )
        return self


class Realism(_Strict):
    """The realistic setting: look-alikes among ordinary travellers, weaker single signals.

    Absent (the default, "easy" setting), cases are cleanly separated from everyone else: the
    generator and the example profiles were written from the same assumptions. Present, a share
    of ordinary parties become travellers who look like cases (``lookalikes``), every first-line
    observable shows in ordinary travellers often enough that its likelihood ratio is about
    ``signal_likelihood_ratio`` (published screens reach about 2-5), recruitment agencies of
    concern also sponsor ordinary travellers, and fewer cases carry a visa that contradicts
    their purpose. Each number is an assumption, not a finding.
    """

    lookalike_share: float = Field(ge=0, le=0.5)
    lookalikes: dict[LookalikeKind, float] = Field(min_length=1)
    signal_likelihood_ratio: float = Field(gt=1, le=1000)
    concern_agency_among_ordinary: float = Field(ge=0, le=1)
    case_visa_mismatch: float = Field(ge=0, le=1)

    @field_validator("lookalikes")
    @classmethod
    def _positive(cls, weights: dict[str, float]) -> dict[str, float]:
        if any(w < 0 for w in weights.values()) or not any(w > 0 for w in weights.values()):
            raise _InvalidError(
                "look-alike weights must not be negative and at least one must be positive",
                "相似旅客的权重不得为负，且至少一个须大于 0",
            )
        return weights


class SynthConfig(_Strict):
    """A whole population recipe. ``palermo/synth/corridors.yaml`` is the default."""

    version: Literal[1] = 1
    start_date: dt.date
    days: int = Field(gt=0, le=3660)
    event_mix: EventMix
    origin_national_share: float = Field(ge=0, le=1)
    transit_share: float = Field(ge=0, le=1)
    transit_hubs: tuple[str, ...] = Field(min_length=3)
    corridors: tuple[Corridor, ...] = Field(min_length=1)
    cases: Cases
    realism: Realism | None = None

    @field_validator("transit_hubs")
    @classmethod
    def _hubs(cls, hubs: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(_country(h) for h in hubs)

    def with_case_share(self, share: float) -> SynthConfig:
        return self.model_copy(update={"cases": self.cases.model_copy(update={"share": share})})

    def realistic(self, realism: Realism | None = None) -> SynthConfig:
        """The same corridors in the realistic setting (``REALISTIC`` unless given)."""
        return self.model_copy(update={"realism": realism or REALISTIC})

    @property
    def setting(self) -> str:
        return "easy" if self.realism is None else "realistic"


_RULES_ZH = {
    "missing": "缺少必填项",
    "extra_forbidden": "未知的键",
    "greater_than": "必须大于 {gt}",
    "greater_than_equal": "不得小于 {ge}",
    "less_than": "必须小于 {lt}",
    "less_than_equal": "不得大于 {le}",
    "too_short": "至少需要 {min_length} 项",
    "too_long": "最多 {max_length} 项",
    "int_type": "必须是整数",
    "int_parsing": "必须是整数",
    "int_from_float": "必须是整数",
    "float_type": "必须是数字",
    "float_parsing": "必须是数字",
    "bool_type": "必须是 true 或 false",
    "bool_parsing": "必须是 true 或 false",
    "string_type": "必须是文本",
    "literal_error": "必须是以下之一：{expected}",
    "dict_type": "必须是映射",
    "model_type": "必须是映射",
    "model_attributes_type": "必须是映射",
    "tuple_type": "必须是列表",
    "list_type": "必须是列表",
    "finite_number": "必须是有限数值",
}
"""Chinese for pydantic's error types that a corridors file can produce; others quote pydantic."""


def _rule_zh(err: ErrorDetails) -> str:
    ctx = err.get("ctx") or {}
    cause = ctx.get("error")
    if isinstance(cause, _InvalidError):
        return cause.zh
    template = _RULES_ZH.get(err["type"])
    if template is None:
        return f"取值无效：{err['msg']}"
    shown = {k: f"{v:g}" if isinstance(v, float) else v for k, v in ctx.items()}
    return template.format(**shown)


def _parse(data: Any, source: str) -> SynthConfig:
    if not isinstance(data, dict):
        raise InputError(
            [
                Problem(
                    where=source, rule="expected a mapping at the top level", rule_zh="顶层应为映射"
                )
            ]
        )
    try:
        return SynthConfig.model_validate(data)
    except ValidationError as exc:
        raise InputError(
            [
                Problem(
                    where=source,
                    field=".".join(str(part) for part in err["loc"]) or None,
                    value=err.get("input") if not isinstance(err.get("input"), dict) else None,
                    rule=err["msg"],
                    rule_zh=_rule_zh(err),
                )
                for err in exc.errors()
            ]
        ) from None


def load_config(path: str | Path) -> SynthConfig:
    """Read a corridors YAML file; every problem is reported with where and why."""
    path = Path(path)
    if not path.is_file():
        raise InputError([Problem(where=str(path), rule="file not found", rule_zh="找不到文件")])
    try:
        data = yamlsafe.load(path.read_bytes(), str(path))
    except OSError as exc:
        raise InputError(
            [Problem(where=str(path), rule=f"cannot be read: {exc}", rule_zh=f"无法读取：{exc}")]
        ) from None
    return _parse(data, str(path))


@lru_cache(maxsize=4)
def shipped_config(name: str = "corridors.yaml") -> SynthConfig:
    """A configuration shipped in ``palermo/synth``: ``corridors.yaml`` (the default) or
    ``corridors-shifted.yaml`` (the same traffic, cases on other corridors: the transfer check)."""
    text = resources.files("palermo.synth").joinpath(name).read_text(encoding="utf-8")
    return _parse(yamlsafe.parse(text), f"palermo/synth/{name}")


def default_config() -> SynthConfig:
    return shipped_config("corridors.yaml")


# The realistic setting's assumptions (see ``Realism``). About one ordinary party in twelve looks
# like a case in some way; the weights follow the kinds the issue names, without a source for
# their relative sizes.
REALISTIC = Realism(
    lookalike_share=0.08,
    lookalikes={
        "smuggled_migrant": 0.25,
        "lawful_labour": 0.3,
        "exploited_not_trafficked": 0.15,
        "one_way_tourist": 0.15,
        "family_group": 0.15,
    },
    signal_likelihood_ratio=4.0,
    concern_agency_among_ordinary=0.2,
    case_visa_mismatch=0.25,
)
