"""One domain error type, mapped to exit status 2 by the CLI and to 4xx by the web application.

An error carries every problem found, each naming where (file, line or row, field), what (the
value) and why (the rule broken), so that a person can fix the input in one pass.

>>> err = InputError([Problem(where="people.csv row 3", field="sex", value="Q",
...                           rule="must be one of F, M, X")])
>>> print(err)
people.csv row 3: field 'sex' value 'Q': must be one of F, M, X
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    where: str
    rule: str
    field: str | None = None
    value: object = None

    def __str__(self) -> str:
        parts = [self.where]
        detail = ""
        if self.field is not None:
            detail += f"field '{self.field}'"
        if self.value is not None:
            shown = repr(self.value) if isinstance(self.value, str) else str(self.value)
            if len(shown) > 60:
                shown = shown[:57] + "..."
            detail += (" " if detail else "") + f"value {shown}"
        if detail:
            parts.append(detail)
        return ": ".join([parts[0], *([parts[1]] if len(parts) > 1 else []), self.rule])


class PalermoError(Exception):
    """Base class of every error Palermo reports to a person."""


class InputError(PalermoError):
    """Input (a file, a form, a message) broke one or more rules; nothing was written."""

    def __init__(self, problems: Iterable[Problem], *, total: int | None = None) -> None:
        self.problems = list(problems)
        self.total = total if total is not None else len(self.problems)
        super().__init__(self.render())

    def render(self, limit: int = 20) -> str:
        lines = [str(p) for p in self.problems[:limit]]
        more = self.total - min(limit, len(self.problems))
        if more > 0:
            lines.append(f"... and {more} more problem(s)")
        return "\n".join(lines)
