"""``{{ problem|in_language }}``: a domain ``Problem`` (or one kept as ``{"en", "zh"}``) in
the language of the page."""

from __future__ import annotations

from django import template

from palermo.errors import Problem
from palermo.web.lib.problems import problem_text, stored_in_language

register = template.Library()


@register.filter
def in_language(problem: object) -> str:
    """The problem's text in the active language; text that is already a string as it is."""
    return problem_text(problem) if isinstance(problem, Problem) else stored_in_language(problem)
