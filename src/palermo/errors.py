"""One domain error type, mapped to exit status 2 by the CLI and to 4xx by the web application.

An error carries every problem found, each naming where (file, line or row, field), what (the
value) and why (the rule broken), so that a person can fix the input in one pass. Every rule is
written in English and in Simplified Chinese: ``str()`` (the command line) shows both, and
``text(lang)`` shows one, for a page or an answer in the reader's language.

>>> err = InputError([Problem(where="people.csv row 3", field="sex", value="Q",
...                           rule="must be one of F, M, X", rule_zh="必须是 F、M、X 之一")])
>>> print(err)
people.csv row 3: field 'sex' value 'Q': must be one of F, M, X / 必须是 F、M、X 之一
>>> print(err.problems[0].text("zh-hans"))
people.csv row 3：字段 'sex'，值 'Q'：必须是 F、M、X 之一
>>> print(err.render(lang="en"))
people.csv row 3: field 'sex' value 'Q': must be one of F, M, X
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal, NamedTuple

Language = Literal["en", "zh"]

#: the kinds of place inside a file a problem can be at
PlaceKind = Literal[
    "row",
    "line",
    "segment",
    "after_segment",
    "element",
    "component",
    "passenger",
    "position",
    "entry",
    "list",
    "list_description",
]


def language(lang: str | None) -> Language:
    """The language of ``lang`` as Palermo writes it: any Chinese tag is ``"zh"``.

    >>> [language(x) for x in ("en", "en-gb", "zh-hans", "zh_Hans", "ZH", None, "fr")]
    ['en', 'en', 'zh', 'zh', 'zh', 'en', 'en']
    """
    return "zh" if lang is not None and lang.lower().startswith("zh") else "en"


class Rule(NamedTuple):
    """A rule in English and in Chinese, for code that decides the rule before the Problem."""

    en: str
    zh: str


_PLACE_WORDS: dict[str, tuple[str, str]] = {
    # kind: (English, Chinese); {n} the number, {end} the last of a range
    "row": ("row {n}", "第 {n} 行"),
    "line": ("line {n}", "第 {n} 行"),
    "segment": ("segment {n}", "第 {n} 段"),
    "after_segment": ("after segment {n}", "在第 {n} 段之后"),
    "element": ("element {n}", "第 {n} 个数据元"),  # EDIFACT
    "component": ("component {n}", "第 {n} 个成分"),
    "passenger": (", passenger {n}", "，第 {n} 名旅客"),
    "position": ("position {n}", "第 {n} 位"),
    "entry": ("entry {n}", "第 {n} 条"),
    "list": ("list", "名单说明"),  # a watchlist file's description (its ``list`` mapping)
    "list_description": ("(list description)", "（名单说明）"),  # given beside the file
}
_RANGE_WORDS: dict[str, tuple[str, str]] = {"position": ("positions {n}-{end}", "第 {n}-{end} 位")}


@dataclass(frozen=True, slots=True)
class Place:
    """One step of a location: a kind, its number (from 1), the last number of a range, and a
    tag the file itself uses (a PAXLST segment's ``NAD``)."""

    kind: PlaceKind
    number: int | None = None
    end: int | None = None
    tag: str | None = None

    def words(self, lang: Language) -> str:
        en, zh = (_RANGE_WORDS if self.end is not None else _PLACE_WORDS)[self.kind]
        said = (zh if lang == "zh" else en).format(n=self.number, end=self.end)
        if self.tag is None:
            return said
        return f"{said}（{self.tag}）" if lang == "zh" else f"{said} ({self.tag})"


@dataclass(frozen=True, slots=True)
class Location:
    """Where in a source a problem is, as data: the source (a file name, ``MRZ``) and the
    places inside it, outermost first. Pages and the command line say it in their language;
    code that needs the row or line reads ``places``, never the words.

    >>> at = Location.row("people.csv", 11)
    >>> at.text("en"), at.text("zh")
    ('people.csv row 11', 'people.csv 第 11 行')
    >>> at = Location("MRZ", (Place("line", 2), Place("position", 14, end=22)))
    >>> at.text("en"), at.text("zh")
    ('MRZ line 2 positions 14-22', 'MRZ 第 2 行第 14-22 位')
    >>> at.number("line"), at.number("row")
    (2, None)
    """

    source: str | None
    places: tuple[Place, ...] = ()

    @classmethod
    def row(cls, source: str | None, number: int) -> Location:
        return cls(source, (Place("row", number),))

    @classmethod
    def line(cls, source: str | None, number: int) -> Location:
        return cls(source, (Place("line", number),))

    def then(self, place: Place) -> Location:
        """This location with one more place inside it."""
        return Location(self.source, (*self.places, place))

    def number(self, kind: PlaceKind) -> int | None:
        """The number of the first place of ``kind``, if there is one."""
        return next((p.number for p in self.places if p.kind == kind), None)

    def text(self, lang: str | None = "en") -> str:
        said = language(lang)
        places = [p.words(said) for p in self.places]
        if said == "zh":
            inside = "".join(places)
            return " ".join(x for x in (self.source, inside) if x)
        out = self.source or ""
        for words in places:
            out += words if words.startswith(",") or not out else f" {words}"
        return out


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One rule broken by the input: where, which field, which value, and why in both languages.

    ``where`` names a place the reader can find (a file and row, a form); ``where_zh`` is its
    Chinese wording when it has words of its own (``None``: the same in both languages).
    ``line`` is the line of the source text the problem is on (from 1), when it has one, so a
    page can show the problem beside that line; ``where`` says it in words as well.
    ``at`` is the place as data (a file's row, line, segment, position): given it, ``where``
    and ``where_zh`` are its words unless given too.

    >>> Problem(at=Location.row("a.csv", 3), field="sex", rule="bad", rule_zh="有误").text("zh")
    "a.csv 第 3 行：字段 'sex'：有误"
    """

    rule: str
    rule_zh: str
    where: str = ""
    field: str | None = None
    value: object = None
    where_zh: str | None = None
    line: int | None = None
    at: Location | None = None

    def __post_init__(self) -> None:
        if self.at is not None:
            if not self.where:
                object.__setattr__(self, "where", self.at.text("en"))
            if self.where_zh is None:
                object.__setattr__(self, "where_zh", self.at.text("zh"))
        elif not self.where:
            raise ValueError("a Problem needs where or at")

    def __str__(self) -> str:
        """Both languages, for the command line: ``where: field 'f' value 'v': rule / 规则``."""
        if self.rule_zh == self.rule:
            return self.text("en")
        return f"{self.text('en')} / {self.rule_zh}"

    def text(self, lang: str | None = "en") -> str:
        """The problem in one language (``"en"``, or ``"zh"``/``"zh-hans"`` for Chinese)."""
        shown = self._shown_value()
        if language(lang) == "zh":
            details = []
            if self.field is not None:
                details.append(f"字段 '{self.field}'")
            if shown is not None:
                details.append(f"值 {shown}")
            where = self.where_zh if self.where_zh is not None else self.where
            return "：".join([where, *(["，".join(details)] if details else []), self.rule_zh])
        detail = " ".join(
            [
                *([f"field '{self.field}'"] if self.field is not None else []),
                *([f"value {shown}"] if shown is not None else []),
            ]
        )
        return ": ".join([self.where, *([detail] if detail else []), self.rule])

    def _shown_value(self) -> str | None:
        if self.value is None:
            return None
        shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
        return shown[:57] + "..." if len(shown) > 60 else shown


class PalermoError(Exception):
    """Base class of every error Palermo reports to a person."""

    def text(self, lang: str | None = None) -> str:
        """The message for a reader of ``lang``; ``None`` gives every language there is."""
        return str(self)


class InputError(PalermoError):
    """Input (a file, a form, a message) broke one or more rules; nothing was written."""

    def __init__(self, problems: Iterable[Problem], *, total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        super().__init__(self.render())

    def render(self, limit: int = 20, lang: str | None = None) -> str:
        """One line per problem (at most ``limit``): both languages, or only ``lang``'s."""
        lines = [str(p) if lang is None else p.text(lang) for p in self.problems[:limit]]
        more = self.total - min(limit, len(self.problems))
        if more > 0:
            english = f"... and {more} more problem(s)"
            chinese = f"……另有 {more} 个问题"
            if lang is None:
                lines.append(f"{english} / {chinese}")
            else:
                lines.append(chinese if language(lang) == "zh" else english)
        return "\n".join(lines)

    def text(self, lang: str | None = None) -> str:
        return self.render(lang=lang)
