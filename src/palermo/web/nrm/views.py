"""Pages of the national referral mechanism: the competent authority's decisions due (overdue
first, highlighted) with its times and counts, one identification (grounds, clock, decisions,
reconsideration), and submitting a case from the case page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import PalermoError
from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.cases.selectors import case_get
from palermo.web.lib.params import IdChoiceField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    COMPETENT_AUTHORITY_KINDS,
    NRM_DECISION_ROLES,
    NRM_REFERRING_ROLES,
    NRM_ROLES,
)
from palermo.web.lib.submit import refusal_as_messages, submit_form
from palermo.web.nrm import selectors, services
from palermo.web.nrm.models import Identification, Stage


class ReferForm(forms.Form):
    competent_authority = IdChoiceField(
        label=gettext_lazy("Competent authority"),
        queryset=Agency.objects.filter(kind__in=[k.value for k in COMPETENT_AUTHORITY_KINDS]),
    )
    summary = forms.CharField(
        label=gettext_lazy("Grounds for the referral"),
        help_text=gettext_lazy(
            "What the authority needs to know to decide: the indicators found, the "
            "interview's outcome. Not the whole case file."
        ),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea({"rows": 4}),
    )


DECISION_CHOICES = [
    ("yes", gettext_lazy("Grounds found")),
    ("no", gettext_lazy("No grounds found")),
]


class DecisionForm(forms.Form):
    stage = forms.ChoiceField(choices=[(s.value, s.value) for s in Stage], widget=forms.HiddenInput)
    positive = forms.ChoiceField(
        label=gettext_lazy("Decision"), choices=DECISION_CHOICES, widget=forms.RadioSelect
    )
    reasons = forms.CharField(
        label=gettext_lazy("Reasons"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea({"rows": 5}),
    )
    confirm = forms.BooleanField(
        label=gettext_lazy("I confirm this decision of the competent authority"),
        help_text=gettext_lazy(
            "A recorded decision stays on the file; only a new decision after a request for "
            "reconsideration can answer it."
        ),
    )


class ReconsiderForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why reconsideration is asked for"),
        max_length=services.MAX_TEXT,
        widget=forms.Textarea({"rows": 3}),
    )


@allow(NRM_DECISION_ROLES)
def due_view(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate(timezone.now())
    due = list(selectors.identifications_due(user=request.user))
    rows = [
        {
            "identification": i,
            "stage": services.stage_due(i),
            "overdue": i.due_on is not None and i.due_on < today,
            "days_left": (i.due_on - today).days if i.due_on is not None else None,
            "overdue_days": (today - i.due_on).days if i.due_on is not None else 0,
        }
        for i in due
    ]
    return render(
        request,
        "nrm/due.html",
        {
            "rows": rows,
            "authority": services.is_competent_authority(request.user.agency),
            "figures": selectors.identification_figures(user=request.user),
            "today": today,
        },
    )


def _detail_context(
    request: AuthenticatedRequest, identification: Identification, **forms_: Any
) -> dict[str, Any]:
    today = timezone.localdate(timezone.now())
    stage = services.stage_due(identification)
    user = request.user
    is_authority = (
        user.role in NRM_DECISION_ROLES
        and user.agency_id == identification.competent_authority_id
        and services.is_competent_authority(user.agency)
    )
    return {
        "identification": identification,
        "file": selectors.identification_file(
            user=user, identification=identification, request=request
        ),
        "stage": stage,
        "overdue": identification.due_on is not None and identification.due_on < today,
        "days_left": (identification.due_on - today).days if identification.due_on else None,
        "can_decide": is_authority and stage is not None,
        "can_reconsider": identification.state in {"negative_first_stage", "concluded_negative"},
        "decision_form": forms_.get("decision_form")
        or DecisionForm(initial={"stage": stage.value if stage else ""}),
        "reconsider_form": forms_.get("reconsider_form") or ReconsiderForm(),
        "errors": forms_.get("errors", []),
        "recovery_days_left": (identification.recovery_ends_on - today).days
        if identification.recovery_ends_on and identification.recovery_ends_on >= today
        else None,
    }


@allow(NRM_ROLES)
def detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    identification = selectors.identification_get(user=request.user, pk=pk)
    return render(request, "nrm/detail.html", _detail_context(request, identification))


def _again(
    request: AuthenticatedRequest,
    identification: Identification,
    status: int,
    **forms_: Any,
) -> HttpResponse:
    context = _detail_context(request, identification, **forms_)
    return render(request, "nrm/detail.html", context, status=status)


@allow(NRM_DECISION_ROLES)
@require_POST
def decide_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    identification = selectors.identification_get(user=request.user, pk=pk)
    form = DecisionForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: services.identification_decide(
            actor=request.user,
            identification=identification,
            stage=data["stage"],
            positive=data["positive"] == "yes",
            reasons=data["reasons"],
            request=request,
        ),
        done=_("The decision was recorded."),
        then=redirect("nrm:detail", pk=pk),
        again=lambda status, errors: _again(
            request, identification, status, decision_form=form, errors=errors
        ),
    )


@allow(NRM_ROLES)
@require_POST
def reconsider_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    identification = selectors.identification_get(user=request.user, pk=pk)
    form = ReconsiderForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: services.identification_reconsideration_request(
            actor=request.user,
            identification=identification,
            reason=data["reason"],
            request=request,
        ),
        done=_("The request for reconsideration was recorded."),
        then=redirect("nrm:detail", pk=pk),
        again=lambda status, errors: _again(
            request, identification, status, reconsider_form=form, errors=errors
        ),
    )


@allow(NRM_REFERRING_ROLES)
@require_POST
def refer_view(request: AuthenticatedRequest, case_pk: int) -> HttpResponse:
    case = case_get(user=request.user, pk=case_pk)
    form = ReferForm(request.POST)
    if form.is_valid():
        try:
            identification = services.identification_refer(
                actor=request.user,
                case=case,
                competent_authority=form.cleaned_data["competent_authority"],
                summary=form.cleaned_data["summary"],
                request=request,
            )
        except PalermoError as exc:
            refusal_as_messages(request, exc)
        else:
            messages.success(
                request,
                _("Submitted to %(agency)s: the first-stage decision is due by %(date)s.")
                % {
                    "agency": identification.competent_authority.name,
                    "date": identification.due_on,
                },
            )
            return redirect("nrm:detail", pk=identification.pk)
    else:
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields else ""
            for error in errors:
                messages.error(request, f"{label}: {error}")
    return redirect("cases:detail", pk=case.pk)
