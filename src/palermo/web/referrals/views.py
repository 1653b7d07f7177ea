"""Referral pages: the list (sent and received), one referral with its steps and, for the
receiver, the shared fields; the form to refer a case (routing by service, area and
language); the steps accept, decline, complete and withdraw; the figures for supervisors."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.cases.selectors import case_get
from palermo.web.directory.models import LANGUAGE_CHOICES, SERVICE_TYPE_CHOICES, ServiceType
from palermo.web.directory.selectors import provider_list
from palermo.web.lib.confirm import confirmed
from palermo.web.lib.dates import DateBox
from palermo.web.lib.params import IdChoiceField, parsed_id
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    CONSENT_OVERRIDE_ROLES,
    REFERRAL_FIGURES_ROLES,
    REFERRAL_RESPOND_ROLES,
    REFERRAL_ROLES,
    REFERRAL_SEND_ROLES,
)
from palermo.web.lib.submit import FormPage, submit_form
from palermo.web.referrals import selectors, services
from palermo.web.referrals.models import (
    DEFAULT_TYPE,
    REFERRAL_KIND_CHOICES,
    REFERRAL_STATE_CHOICES,
    REFERRAL_TYPE_CHOICES,
    REFERRAL_TYPES,
    SHAREABLE_FIELDS,
    Referral,
    ReferralKind,
    ReferralState,
)


class ReferralFilterForm(forms.Form):
    direction = forms.ChoiceField(
        label=gettext_lazy("Referrals"),
        required=False,
        choices=[
            ("", gettext_lazy("Sent and received")),
            ("received", gettext_lazy("Received by my agency")),
            ("sent", gettext_lazy("Sent by my agency")),
        ],
    )
    state = forms.ChoiceField(
        label=gettext_lazy("State"),
        required=False,
        choices=[("", gettext_lazy("Any")), *REFERRAL_STATE_CHOICES],
    )


class RouteForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Service needed"), choices=SERVICE_TYPE_CHOICES)
    area = forms.CharField(label=gettext_lazy("Area"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language the person speaks"),
        required=False,
        choices=[("", gettext_lazy("Any")), *LANGUAGE_CHOICES],
    )


class SendForm(forms.Form):
    service = forms.ChoiceField(label=gettext_lazy("Service"), choices=SERVICE_TYPE_CHOICES)
    recipient = IdChoiceField(label=gettext_lazy("Receiving agency"), queryset=Agency.objects.all())
    provider = forms.IntegerField(widget=forms.HiddenInput, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"), choices=REFERRAL_KIND_CHOICES, initial=ReferralKind.REFERRAL
    )
    referral_type = forms.ChoiceField(
        label=gettext_lazy("What the receiving agency sees"),
        choices=REFERRAL_TYPE_CHOICES,
        help_text=gettext_lazy(
            "Send only what the service needs. The receiving agency sees these fields of the "
            "case and nothing else; a transfer sends the whole case file."
        ),
    )
    message = forms.CharField(
        label=gettext_lazy("Message to the receiving agency"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 3}),
    )
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis (only without consent)"), max_length=300, required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for referring without consent"), max_length=500, required=False
    )


class ReasonForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500)


@allow(REFERRAL_ROLES)
def referral_list_view(request: AuthenticatedRequest) -> HttpResponse:
    form = ReferralFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    referrals = selectors.referral_list(
        user=request.user, direction=data.get("direction", ""), state=data.get("state", "")
    )
    page = Paginator(referrals, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "now": timezone.now(),
        "may_see_figures": request.user.role in REFERRAL_FIGURES_ROLES,
    }
    return render(request, "referrals/list.html", context)


def _detail_context(request: AuthenticatedRequest, pk: int, **extra: Any) -> dict[str, Any]:
    referral = selectors.referral_get(user=request.user, pk=pk)
    user = request.user
    receiver = referral.recipient_id == user.agency_id
    sender = referral.sender_agency_id == user.agency_id
    state = ReferralState(referral.state)
    responder = receiver and user.role in REFERRAL_RESPOND_ROLES
    return {
        "referral": referral,
        "receiver": receiver,
        "sender": sender,
        "shared": selectors.referral_shared_fields(user=user, referral=referral, request=request),
        "sharing_holds": selectors.sharing_holds(referral),
        "field_labels": [SHAREABLE_FIELDS[f] for f in referral.fields],
        "may_answer": responder and state == ReferralState.SENT,
        "may_complete": responder and state == ReferralState.ACCEPTED,
        "may_revoke": sender
        and user.role in REFERRAL_SEND_ROLES
        and state in {ReferralState.SENT, ReferralState.ACCEPTED},
        "overdue": state == ReferralState.SENT and referral.respond_by < timezone.now(),
        "errors": extra.get("errors", []),
        "reason_form": extra.get("reason_form") or ReasonForm(),
    }


@allow(REFERRAL_ROLES)
def referral_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "referrals/detail.html", _detail_context(request, pk))


#: the steps on a referral are buttons of its page, and come back to it
_PAGE = FormPage("referrals:detail", "referrals/detail.html", _detail_context)


def _step(
    request: AuthenticatedRequest,
    pk: int,
    step: Callable[..., object],
    done: str,
    **given: str,
) -> HttpResponse:
    """One confirmed step on the referral: the service ``step`` runs on it as the user (with
    ``given``), then back to its page; the page again with the reason when refused."""
    referral = selectors.referral_get(user=request.user, pk=pk)
    if not confirmed(request):
        context = _detail_context(
            request, pk, errors=[_("Tick the box to confirm; nothing was changed.")]
        )
        return render(request, "referrals/detail.html", context, status=422)

    def save(_data: dict[str, Any]) -> object:
        return step(actor=request.user, referral=referral, request=request, **given)

    return _PAGE.submit(request, pk, "", None, save, done=done)


@allow(REFERRAL_RESPOND_ROLES)
@require_POST
def referral_accept_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = _("Referral accepted: the sending agency has been told.")
    return _step(request, pk, services.referral_accept, done)


@allow(REFERRAL_RESPOND_ROLES)
@require_POST
def referral_decline_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = _("Referral declined: the sending agency has been told the reason.")
    reason = request.POST.get("reason", "")
    return _step(request, pk, services.referral_decline, done, reason=reason)


@allow(REFERRAL_RESPOND_ROLES)
@require_POST
def referral_complete_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = _("Recorded: the service was delivered. The sending agency has been told.")
    return _step(request, pk, services.referral_complete, done, note=request.POST.get("note", ""))


@allow(REFERRAL_SEND_ROLES)
@require_POST
def referral_revoke_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = _("Referral withdrawn: the receiving agency can no longer see the case.")
    reason = request.POST.get("reason", "")
    return _step(request, pk, services.referral_revoke, done, reason=reason)


def _candidates(request: AuthenticatedRequest, route: RouteForm) -> list[dict[str, Any]]:
    if not route.is_valid():
        return []
    language = get_language()
    found = provider_list(
        user=request.user,
        service=route.cleaned_data["service"],
        area=route.cleaned_data["area"],
        language=route.cleaned_data["language"],
        receives_referrals=True,
    ).exclude(agency_id=request.user.agency_id)
    return [{"provider": p, "name": p.name_in(language)} for p in found]


@allow(REFERRAL_SEND_ROLES)
def referral_create_view(request: AuthenticatedRequest, case_pk: int) -> HttpResponse:
    """Step 1 (GET): route by service, area and language, pick a provider. Step 2 (POST):
    choose what is shared and send."""
    case = case_get(user=request.user, pk=case_pk)
    route = RouteForm(request.GET or None)
    service = route.data.get("service") or ServiceType.SHELTER.value
    try:
        default_type = DEFAULT_TYPE[ServiceType(service)].value
    except ValueError:
        default_type = ""
    initial: dict[str, Any] = {"service": service, "referral_type": default_type}
    chosen = parsed_id(request.GET.get("recipient", ""))
    if chosen is not None:
        initial["recipient"] = chosen  # "Choose" on a provider found by the route
    # its own ids: the route form above has fields of the same names
    send = SendForm(request.POST or None, initial=initial, auto_id="send_%s")

    def page(status: int, _errors: list[str]) -> HttpResponse:
        context = {
            "case": case,
            "route": route,
            "form": send,
            "candidates": _candidates(request, route),
            "may_override": request.user.role in CONSENT_OVERRIDE_ROLES,
            "types": [
                (code, spec.label, [SHAREABLE_FIELDS[f] for f in spec.fields])
                for code, spec in REFERRAL_TYPES.items()
            ],
        }
        return render(request, "referrals/create.html", context, status=status)

    if request.method != "POST":
        return page(200, [])
    return submit_form(
        request,
        send,
        lambda data: _send(request, case, data),
        done=lambda referral: (
            _("Referral %(reference)s sent; the receiving agency has been told.")
            % {"reference": referral.reference}
        ),
        then=lambda referral: redirect("referrals:detail", pk=referral.pk),
        again=page,
        refusal_on_form=True,
    )


def _send(request: AuthenticatedRequest, case: Any, data: dict[str, Any]) -> Referral:
    provider = None
    if data.get("provider"):
        provider = (
            provider_list(user=request.user, receives_referrals=True)
            .filter(pk=data["provider"])
            .first()
        )
    return services.referral_send(
        actor=request.user,
        case=case,
        recipient=data["recipient"],
        service=data["service"],
        referral_type=data["referral_type"],
        kind=data["kind"],
        provider=provider,
        message=data["message"],
        legal_basis=data["legal_basis"],
        override_reason=data["override_reason"],
        request=request,
    )


class PeriodForm(forms.Form):
    since = forms.DateField(label=gettext_lazy("Sent from"), required=False, widget=DateBox())
    until = forms.DateField(
        label=gettext_lazy("Sent until (inclusive)"),
        required=False,
        widget=DateBox(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and until < since:
            self.add_error("until", _("must not be before the start date"))
        return data


def _day_start(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@allow(REFERRAL_FIGURES_ROLES)
def referral_figures_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    since = until = None
    if form.is_valid():
        if form.cleaned_data.get("since"):
            since = _day_start(form.cleaned_data["since"])
        if form.cleaned_data.get("until"):
            until = _day_start(form.cleaned_data["until"] + dt.timedelta(days=1))
    figures = selectors.referral_figures(user=request.user, since=since, until=until)
    status = 422 if form.is_bound and not form.is_valid() else 200
    context = {"figures": figures, "form": form}
    return render(request, "referrals/figures.html", context, status=status)
