"""Form rendering helpers: a field's widget tied to its help text and error message.

``{{ field|described }}`` renders the widget with ``aria-describedby`` naming the ids the
field template gives the help text (``<auto_id>-help``) and the error (``<auto_id>-error``),
and ``aria-invalid`` when the field has errors, so a screen reader reads them with the field.
"""

from __future__ import annotations

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


def description_ids(field: BoundField) -> str:
    """The ids of the help text and error message of a field, space-separated."""
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    return " ".join(ids)


@register.filter
def described(field: BoundField) -> SafeString:
    attrs: dict[str, str | bool] = {}
    ids = description_ids(field)
    if ids:
        attrs["aria-describedby"] = ids
    if field.errors:
        attrs["aria-invalid"] = "true"
    return field.as_widget(attrs=attrs)


@register.filter
def describedby(field: BoundField) -> str:
    return description_ids(field)


@register.filter
def anchor(field: BoundField) -> str:
    """The id an error summary links to: the input itself, or the first of a choice group."""
    if field.widget_type in ("radioselect", "checkboxselectmultiple"):
        return f"{field.auto_id}_0"
    return str(field.auto_id)
