"""Numbers and ids taken from a request: refused with a reason (4xx), never a server error.

A database id is a whole number from 1 to 2**63 - 1; anything else in a form or a query
(``hit=abc``, ``parties=99999999999999999999``) names the parameter and is refused before a
query is built (SQLite raises ``OverflowError`` past 64 bits, which was a 500).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeAlias

from django import forms
from django.utils.translation import gettext_lazy

from palermo.errors import InputError
from palermo.web.lib.problems import problem

MAX_ID = 2**63 - 1


class BadParameterError(InputError):
    """A request parameter is malformed (HTTP 400); it names the parameter and the rule."""


def parsed_id(value: object) -> int | None:
    """``value`` as a database id, or ``None`` when it is not one.

    >>> [parsed_id(v) for v in ("12", " 7 ", "abc", "0", "-3", "1e5", "99999999999999999999")]
    [12, 7, None, None, None, None, None]
    """
    text = str(value).strip()
    if not text.isascii() or not text.isdigit() or len(text) > 19:
        return None
    number = int(text)
    return number if 1 <= number <= MAX_ID else None


def id_param(value: object, *, name: str) -> int:
    """A database id from the request parameter ``name``; ``BadParameterError`` otherwise."""
    number = parsed_id(value)
    if number is None:
        raise BadParameterError(
            [
                problem(
                    where=gettext_lazy("request parameter"),
                    field=name,
                    value=str(value)[:40],
                    rule=gettext_lazy("must be the number of a record"),
                )
            ]
        )
    return number


class IdField(forms.IntegerField):
    """A whole number that fits a database id or counter (0 to 2**63 - 1 unless narrowed)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


if TYPE_CHECKING:
    _ModelChoiceField: TypeAlias = forms.ModelChoiceField[Any]
    _ModelMultipleChoiceField: TypeAlias = forms.ModelMultipleChoiceField[Any]
else:
    _ModelChoiceField = forms.ModelChoiceField
    _ModelMultipleChoiceField = forms.ModelMultipleChoiceField


class IdChoiceField(_ModelChoiceField):
    """A ``ModelChoiceField`` that refuses a value that cannot be an id before querying."""

    def to_python(self, value: Any) -> Any:
        if value in self.empty_values:
            return None
        if self.to_field_name is None and parsed_id(value) is None:
            raise forms.ValidationError(
                self.error_messages["invalid_choice"], code="invalid_choice"
            )
        return super().to_python(value)


class IdMultipleChoiceField(_ModelMultipleChoiceField):
    """A ``ModelMultipleChoiceField`` that refuses values that cannot be ids before querying."""

    def _check_values(self, value: Any) -> Any:
        if isinstance(value, str | bytes) or not hasattr(value, "__iter__"):
            raise forms.ValidationError(self.error_messages["invalid_list"], code="invalid_list")
        for each in value:
            if parsed_id(each) is None:
                raise forms.ValidationError(
                    self.error_messages["invalid_pk_value"],
                    code="invalid_pk_value",
                    params={"pk": str(each)[:40]},
                )
        return super()._check_values(value)  # type: ignore[misc]  # private, not in the stubs
