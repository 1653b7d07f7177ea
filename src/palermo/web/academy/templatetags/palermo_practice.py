"""``{% practice_reply interview question_id %}``: on the interview pages of the training
sandbox, what the scenario person of the trainee's exercise says to a question.

A tag of the academy's, loaded by name in the interview template, so that ``interviews`` does
not import the academy (the academy reads interviews when it scores an exercise). Outside an
exercise, and always outside a training agency, it renders nothing.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.html import format_html
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.training.scenario import Scenario
from palermo.web.academy.selectors import exercise_for_record
from palermo.web.academy.services import practice_scenario

register = template.Library()

_CACHE = "palermo_practice_scenario"


def _scenario(context: template.Context, interview: Any) -> Scenario | None:
    cache = context.render_context
    if _CACHE not in cache:
        request = context.get("request")
        user = getattr(request, "user", None)
        hit = getattr(interview, "hit", None)
        record_id = hit.traveller.record_id if hit is not None else ""
        exercise = exercise_for_record(user=user, record_id=record_id) if user else None
        cache[_CACHE] = practice_scenario(exercise.scenario_id) if exercise else None
    found: Scenario | None = cache[_CACHE]
    return found


@register.simple_tag(takes_context=True)
def practice_reply(context: template.Context, interview: Any, question_id: str) -> str:
    scenario = _scenario(context, interview)
    if scenario is None or all(q.id != question_id for q in scenario.instrument().questions):
        return ""
    lang = "zh" if (get_language() or "en").startswith("zh") else "en"
    return format_html(
        '<p class="practice-reply" role="note"><strong>{}</strong> {}</p>',
        _("Practice — the person says:"),
        scenario.reply(question_id, lang),
    )
