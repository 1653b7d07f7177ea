"""The child-protection forms of the case page: age assessment, best interests, guardian. Each
posts back to the case page, which shows what happened (or why not) at the top."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.cases.selectors import case_get
from palermo.web.children import services
from palermo.web.children.models import (
    AGE_CONCLUSION_CHOICES,
    AGE_METHOD_CHOICES,
    BEST_INTERESTS_KIND_CHOICES,
    DURABLE_SOLUTION_CHOICES,
    GUARDIAN_KIND_CHOICES,
)
from palermo.web.lib.dates import DateBox
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import CHILD_PROTECTION_ROLES
from palermo.web.lib.submit import submit_button


class AgeAssessmentForm(forms.Form):
    conclusion = forms.ChoiceField(label=gettext_lazy("Conclusion"), choices=AGE_CONCLUSION_CHOICES)
    method = forms.ChoiceField(label=gettext_lazy("Method"), choices=AGE_METHOD_CHOICES)
    assessed_by = forms.CharField(label=gettext_lazy("Assessed by (body)"), max_length=200)
    reasons = forms.CharField(
        label=gettext_lazy("Reasons"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea({"rows": 3}),
    )


class BestInterestsForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=BEST_INTERESTS_KIND_CHOICES)
    findings = forms.CharField(
        label=gettext_lazy("Findings"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea({"rows": 4}),
    )
    solution = forms.ChoiceField(
        label=gettext_lazy("Durable solution (a determination)"),
        choices=DURABLE_SOLUTION_CHOICES,
        required=False,
    )
    child_heard = forms.BooleanField(
        label=gettext_lazy("The child's views were heard and taken into account"), required=False
    )


class GuardianForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Appointed as"), choices=GUARDIAN_KIND_CHOICES)
    name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    organisation = forms.CharField(
        label=gettext_lazy("Organisation or authority"), max_length=200, required=False
    )
    appointed_by = forms.CharField(
        label=gettext_lazy("Appointed by (court or authority)"), max_length=200
    )
    appointed_on = forms.DateField(label=gettext_lazy("Appointed on"), widget=DateBox())
    same_person_reason = forms.CharField(
        label=gettext_lazy("Only if this is the adult the child travelled with: why"),
        max_length=services.MAX_TEXT,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


def _post(
    request: AuthenticatedRequest,
    pk: int,
    form: forms.Form,
    save: Callable[[Any, dict[str, Any]], object],
    done: str,
) -> HttpResponse:
    case = case_get(user=request.user, pk=pk)
    if not form.is_valid():
        for name, errors in form.errors.items():
            label = form.fields[name].label if name in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}")
        return redirect("cases:detail", pk=pk)
    return submit_button(
        request,
        lambda: save(case, form.cleaned_data),
        done=done,
        back=redirect("cases:detail", pk=pk),
    )


@allow(CHILD_PROTECTION_ROLES)
@require_POST
def age_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        AgeAssessmentForm(request.POST),
        lambda case, data: services.age_assessment_record(
            actor=request.user, case=case, request=request, **data
        ),
        _("The age assessment was recorded."),
    )


@allow(CHILD_PROTECTION_ROLES)
@require_POST
def best_interests_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        BestInterestsForm(request.POST),
        lambda case, data: services.best_interests_record(
            actor=request.user, case=case, request=request, **data
        ),
        _("The best-interests record was saved."),
    )


@allow(CHILD_PROTECTION_ROLES)
@require_POST
def guardian_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _post(
        request,
        pk,
        GuardianForm(request.POST),
        lambda case, data: services.guardian_appoint(
            actor=request.user, case=case, request=request, **data
        ),
        _("The appointment was recorded."),
    )
