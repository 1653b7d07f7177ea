"""Problems built by the web application, and problems shown in the reader's language.

A service states a rule once, marked for translation (``gettext_lazy``); ``problem`` renders it
in English and in Simplified Chinese, so the ``Problem`` reads the same in a page, the API and
the audit trail whatever language the request that raised it used. Pages show one language
(``problem_text``, or the ``in_language`` template filter); the API gives both
(``problem_json``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from palermo.errors import InputError, PalermoError, Problem, language

CHINESE = "zh-hans"


def _say(message: str | Promise, lang: str, params: Mapping[str, object] | None) -> str:
    """A lazy (translatable) message in ``lang``; a plain string (a file name) as it is."""
    if isinstance(message, Promise):
        with translation.override(lang):
            text = str(message)
    else:
        text = message
    return text % params if params else text


def problem(
    *,
    where: str | Promise,
    rule: str | Promise,
    field: str | None = None,
    value: object = None,
    params: Mapping[str, object] | None = None,
) -> Problem:
    """A ``Problem`` whose ``where`` and ``rule`` are given in English and Chinese.

    ``params`` fill ``%(name)s`` placeholders of the rule after it is translated.
    """
    where_en = _say(where, "en", None)
    where_zh = _say(where, CHINESE, None)
    return Problem(
        where=where_en,
        where_zh=where_zh if where_zh != where_en else None,
        rule=_say(rule, "en", params),
        rule_zh=_say(rule, CHINESE, params),
        field=field,
        value=value,
    )


def request_language() -> str:
    return translation.get_language() or "en"


def problem_text(problem: Problem, lang: str | None = None) -> str:
    """The problem in ``lang``, by default the language of the current request."""
    return problem.text(lang or request_language())


def rule_text(problem: Problem, lang: str | None = None) -> str:
    """Only the rule (a form shows it next to its field), in ``lang`` or the request's."""
    return problem.rule_zh if language(lang or request_language()) == "zh" else problem.rule


def show_on_form(form: Any, exc: InputError) -> None:
    """Put each problem of ``exc`` on ``form``: beside its field when the form has that field,
    otherwise at the top; the rule in the request's language."""
    for each in exc.problems:
        field = each.field if each.field in form.fields else None
        form.add_error(field, rule_text(each))


def file_too_large(where: str, limit: int) -> InputError:
    """The refusal of an upload that passed ``limit`` bytes."""
    return InputError(
        [
            problem(
                where=where,
                rule=gettext_lazy("the file is larger than %(size)s"),
                params={"size": filesizeformat(limit)},
            )
        ]
    )


def checked_upload_name(
    file_name: str | None, *, default: str, suffixes: Iterable[str]
) -> tuple[str, str]:
    """The uploaded file's own name (no directories, at most 200 characters) and its lower-case
    suffix; ``InputError`` naming the file when the suffix is not one of ``suffixes``."""
    name = Path(file_name or default).name[:200]
    suffix = Path(name).suffix.lower()
    known = tuple(suffixes)
    if suffix not in known:
        raise InputError(
            [
                problem(
                    where=name,
                    rule=gettext_lazy("unknown file type; expected one of %(types)s"),
                    params={"types": ", ".join(known)},
                )
            ]
        )
    return name, suffix


def stored_text(problem: Problem, *, replace: tuple[str, str] | None = None) -> dict[str, str]:
    """A problem to keep (JSON) and show later in either language: ``{"en": ..., "zh": ...}``.

    ``replace`` swaps a text (a temporary path) for another (the name the person gave)."""
    texts = {"en": problem.text("en"), "zh": problem.text("zh")}
    if replace is not None:
        texts = {k: v.replace(*replace) for k, v in texts.items()}
    return texts


def stored_in_language(stored: object, lang: str | None = None) -> str:
    """A kept problem (``stored_text``) in ``lang`` or the request's; older plain text as is."""
    if isinstance(stored, dict):
        key = language(lang or request_language())
        return str(stored.get(key) or stored.get("en") or "")
    return str(stored)


def error_reasons(exc: PalermoError, lang: str | None) -> list[str]:
    """Each reason of a domain error in ``lang``; with ``None``, in both languages."""
    if isinstance(exc, InputError):
        return [str(p) if lang is None else p.text(lang) for p in exc.problems]
    return [exc.text(lang)]


def problem_json(problem: Problem) -> dict[str, Any]:
    """One problem for an API answer: both languages, and the value as JSON can carry it."""
    value = problem.value
    if value is not None and not isinstance(value, str | int | float | bool):
        value = str(value)
    return {
        "where": problem.where,
        "where_zh": problem.where_zh if problem.where_zh is not None else problem.where,
        "field": problem.field,
        "value": value,
        "rule": problem.rule,
        "rule_zh": problem.rule_zh,
    }
