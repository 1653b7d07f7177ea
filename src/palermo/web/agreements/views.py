"""Data-sharing agreement pages: the list, recording an agreement, one agreement with its
signatures, the button to sign for one's agency and the form to end it."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import InputError
from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.agreements import selectors, services
from palermo.web.agreements.models import TRANSFER_PURPOSE_CHOICES, DataSharingAgreement
from palermo.web.lib.dates import DateBox
from palermo.web.lib.errors import reasons
from palermo.web.lib.params import IdMultipleChoiceField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import AGREEMENT_ROLES
from palermo.web.lib.submit import submit_button


class AgreementForm(forms.Form):
    reference = forms.CharField(label=gettext_lazy("Agreement reference"), max_length=60)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    document_id = forms.CharField(
        label=gettext_lazy("Document id or file reference"),
        max_length=120,
        help_text=gettext_lazy("Where the signed document is kept."),
    )
    parties = IdMultipleChoiceField(
        label=gettext_lazy("Parties"),
        queryset=Agency.objects.all(),
        widget=forms.CheckboxSelectMultiple,
    )
    purposes = forms.MultipleChoiceField(
        label=gettext_lazy("Purposes covered"),
        choices=TRANSFER_PURPOSE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    valid_from = forms.DateField(label=gettext_lazy("Valid from"), widget=DateBox())
    valid_to = forms.DateField(label=gettext_lazy("Valid to"), widget=DateBox())
    signed_by = forms.CharField(
        label=gettext_lazy("Signed by"),
        max_length=300,
        help_text=gettext_lazy("Names and functions of the signatories."),
    )
    signed_on = forms.DateField(label=gettext_lazy("Signed on"), widget=DateBox())


@allow(AGREEMENT_ROLES)
def agreement_list(request: AuthenticatedRequest) -> HttpResponse:
    today = timezone.localdate()
    agreements = [(a, a.status_label(today)) for a in selectors.agreement_list(user=request.user)]
    return render(request, "agreements/list.html", {"agreements": agreements})


@allow(AGREEMENT_ROLES)
def agreement_create(request: AuthenticatedRequest) -> HttpResponse:
    form = AgreementForm(request.POST or None)
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            agreement = services.agreement_create(actor=request.user, request=request, **data)
        except InputError as exc:
            errors = reasons(exc)
        else:
            messages.success(request, _("The agreement was recorded."))
            return redirect("agreements:detail", pk=agreement.pk)
    status = 422 if request.method == "POST" else 200
    return render(
        request, "agreements/create.html", {"form": form, "errors": errors}, status=status
    )


@allow(AGREEMENT_ROLES)
def agreement_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=request.user, pk=pk)
    signatures = services.agreement_signatures(agreement)
    own_signed = any(
        party.pk == request.user.agency_id and signer is not None for party, signer in signatures
    )
    context = {
        "agreement": agreement,
        "status": agreement.status_label(timezone.localdate()),
        "signatures": signatures,
        "may_sign": agreement.revoked_at is None and not own_signed,
        "asked_to_end": agreement.end_requested_by_id == request.user.pk,
    }
    return render(request, "agreements/detail.html", context)


@allow(AGREEMENT_ROLES)
@require_POST
def agreement_sign(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=request.user, pk=pk)

    def done(signed: DataSharingAgreement) -> str:
        if signed.in_force_since is not None:
            return _("Signed: every party has signed, the agreement is in force.")
        return _("Signed for your agency: the other parties must sign too.")

    return submit_button(
        request,
        lambda: services.agreement_sign(actor=request.user, agreement=agreement, request=request),
        done=done,
        back=redirect("agreements:detail", pk=pk),
    )


@allow(AGREEMENT_ROLES)
@require_POST
def agreement_end(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agreement = selectors.agreement_get(user=request.user, pk=pk)

    def done(_result: object) -> str:
        ended = selectors.agreement_get(user=request.user, pk=pk)
        if ended.revoked_at is not None:
            return _("The agreement was ended: the sharing made under it has stopped.")
        return _("The end was asked for: a second signatory of a party confirms it.")

    return submit_button(
        request,
        lambda: services.agreement_end(
            actor=request.user,
            agreement=agreement,
            reason=request.POST.get("reason", ""),
            request=request,
        ),
        done=done,
        back=redirect("agreements:detail", pk=pk),
    )
