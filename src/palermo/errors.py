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


@dataclass(frozen=True, slots=True, kw_only=True)
class Problem:
    """One rule broken by the input: where, which field, which value, and why in both languages.

    ``where`` names a place the reader can find (a file and row, a form); ``where_zh`` is its
    Chinese wording when it has words of its own (``None``: the same in both languages).
    ``line`` is the line of the source text the problem is on (from 1), when it has one, so a
    page can show the problem beside that line; ``where`` says it in words as well.
    """

    where: str
    rule: str
    rule_zh: str
    field: str | None = None
    value: object = None
    where_zh: str | None = None
    line: int | None = None

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
