"""Case pages: list, detail (identity for permitted roles), edit, status, consent, sharing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import PalermoError
from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.agreements.models import TRANSFER_PURPOSE_CHOICES
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases import selectors, services
from palermo.web.cases.models import (
    CASE_STATUS_CHOICES,
    CONSENT_CHECKLIST,
    CONSENT_PURPOSE_CHOICES,
    TRANSITIONS,
    CaseEventKind,
    CaseStatus,
)
from palermo.web.lib.errors import reasons
from palermo.web.lib.params import IdChoiceField, IdField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    CASE_OPENING_ROLES,
    CASE_ROLES,
    CONSENT_OVERRIDE_ROLES,
    PERSONAL_DATA_ROLES,
)


class CaseFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *CASE_STATUS_CHOICES],
    )


class CaseDetailsForm(forms.Form):
    version = IdField(widget=forms.HiddenInput, min_value=0)
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=500)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"), max_length=100, required=False
    )
    contact = forms.CharField(
        label=gettext_lazy("Contact details"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    notes = forms.CharField(
        label=gettext_lazy("Narrative notes"), required=False, widget=forms.Textarea({"rows": 6})
    )


class TransitionForm(forms.Form):
    version = IdField(widget=forms.HiddenInput, min_value=0)
    to_status = forms.ChoiceField(label=gettext_lazy("New status"), choices=CASE_STATUS_CHOICES)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea({"rows": 2})
    )
    confirm_close = forms.BooleanField(
        label=gettext_lazy("I confirm: close this case"),
        required=False,
        help_text=gettext_lazy(
            "Only when closing. Closing is final: a closed case cannot be reopened or moved to "
            "another status. Its file, timeline and consents stay."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == CaseStatus.CLOSED.value and not data.get("confirm_close"):
            self.add_error(
                "confirm_close",
                _("Tick the box to confirm closing the case; nothing was changed."),
            )
        return data


class ConsentForm(forms.Form):
    purpose = forms.ChoiceField(label=gettext_lazy("Purpose"), choices=CONSENT_PURPOSE_CHOICES)
    recipient = IdChoiceField(
        label=gettext_lazy("Receiving agency (sharing only)"),
        queryset=Agency.objects.all(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CONSENT_CHECKLIST:
            self.fields[key] = forms.BooleanField(label=label, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


class ShareForm(forms.Form):
    recipient = IdChoiceField(label=gettext_lazy("Receiving agency"), queryset=Agency.objects.all())
    transfer_purpose = forms.ChoiceField(
        label=gettext_lazy("Kind of transfer"),
        choices=TRANSFER_PURPOSE_CHOICES,
        help_text=gettext_lazy("A data-sharing agreement with the agency must cover it."),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose of the transfer"), max_length=300)
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis (only without consent)"), max_length=300, required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for sharing without consent"), max_length=500, required=False
    )


@allow(CASE_ROLES)
def case_list_view(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    cases = selectors.case_list(user=request.user, status=status)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="cases.case",
        purpose="case list",
        request=request,
        detail={"page": page.number, "status": status},
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "cases/_list_rows.html" if request.headers.get("HX-Request") else "cases/list.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


def _detail_context(request: AuthenticatedRequest, pk: int, **forms_: Any) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, pk=pk)
    personal = selectors.case_personal_data(
        user=request.user, case=case, purpose="case work", request=request
    )
    own = case.agency_id == request.user.agency_id
    role = request.user.role
    timeline = list(selectors.case_timeline(user=request.user, case=case))
    context: dict[str, Any] = {
        "case": case,
        "personal": personal,
        "own_case": own,
        "timeline": timeline,
        "child_protection": any(e.kind == CaseEventKind.CHILD_PROTECTION for e in timeline),
        "consents": selectors.case_consents(user=request.user, case=case),
        "shares": selectors.case_shares(user=request.user, case=case),
        "next_statuses": [
            (value, label)
            for value, label in CASE_STATUS_CHOICES
            if CaseStatus(value) in TRANSITIONS[CaseStatus(case.status)]
        ],
        "can_edit": own and role in PERSONAL_DATA_ROLES and personal is not None,
        "can_consent": own and role in CASE_OPENING_ROLES,
        "can_share": own and role in (CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES),
        "can_renew": own and role in CONSENT_OVERRIDE_ROLES,
        "now": timezone.now(),
        "can_move": own and bool(TRANSITIONS[CaseStatus(case.status)]),
    }
    if personal is None:
        # Without identity the read is still logged: who opened which case and why.
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=case,
            purpose="case work",
            request=request,
        )
    context["details_form"] = forms_.get("details_form") or (
        CaseDetailsForm(
            initial={
                "version": case.version,
                "full_name": personal.full_name,
                "document_number": personal.document_number,
                "contact": personal.contact,
                "notes": personal.notes,
            }
        )
        if personal is not None
        else None
    )
    transition_form = forms_.get("transition_form") or TransitionForm(
        initial={"version": case.version}
    )
    cast(forms.ChoiceField, transition_form.fields["to_status"]).choices = context["next_statuses"]
    context["transition_form"] = transition_form
    context["consent_form"] = forms_.get("consent_form") or ConsentForm()
    context["share_form"] = forms_.get("share_form") or ShareForm()
    context["errors"] = forms_.get("errors", [])
    context["checklist_keys"] = [key for key, _label in CONSENT_CHECKLIST]
    return context


@allow(CASE_ROLES)
def case_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "cases/detail.html", _detail_context(request, pk))


def _invalid(request: AuthenticatedRequest, pk: int, **forms_: Any) -> HttpResponse:
    """The case page again with a form's errors in place (422)."""
    return render(request, "cases/detail.html", _detail_context(request, pk, **forms_), status=422)


def _failed(
    request: AuthenticatedRequest, pk: int, exc: PalermoError, **forms_: Any
) -> HttpResponse:
    from palermo.web.lib.errors import http_status

    status, _title = http_status(exc)
    context = _detail_context(request, pk, errors=reasons(exc), **forms_)
    return render(request, "cases/detail.html", context, status=status)


def _submit(
    request: AuthenticatedRequest,
    pk: int,
    form_name: str,
    form: forms.Form,
    save: Callable[[dict[str, Any]], object],
    *,
    done: str,
) -> HttpResponse:
    """A case form posted: ``save`` its data, then the case page with ``done``; or the page
    again with the form (named ``form_name`` in the page) and its errors or the refusal."""
    if not form.is_valid():
        return _invalid(request, pk, **{form_name: form})
    try:
        save(form.cleaned_data)
    except PalermoError as exc:
        return _failed(request, pk, exc, **{form_name: form})
    messages.success(request, done)
    return redirect("cases:detail", pk=pk)


@allow(PERSONAL_DATA_ROLES)
@require_POST
def case_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = CaseDetailsForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        changes = {
            key: data[key]
            for key in ("full_name", "document_number", "contact", "notes")
            if key in request.POST
        }
        services.case_update_details(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            changes=changes,
            request=request,
        )

    return _submit(request, pk, "details_form", form, save, done=_("The case was saved."))


@allow(CASE_ROLES)
@require_POST
def case_transition_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    cast(forms.ChoiceField, form.fields["to_status"]).choices = CASE_STATUS_CHOICES

    def save(data: dict[str, Any]) -> None:
        services.case_transition(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            to_status=data["to_status"],
            reason=data["reason"],
            request=request,
        )

    return _submit(request, pk, "transition_form", form, save, done=_("The status was changed."))


@allow(CASE_OPENING_ROLES)
@require_POST
def consent_record_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = ConsentForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        services.consent_record(
            actor=request.user,
            case=case,
            purpose=data["purpose"],
            recipient=data["recipient"],
            checklist={key: data[key] for key, _label in CONSENT_CHECKLIST},
            request=request,
        )

    return _submit(request, pk, "consent_form", form, save, done=_("The consent was recorded."))


@allow(CASE_OPENING_ROLES)
@require_POST
def consent_withdraw_view(request: AuthenticatedRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = selectors.consent_get(user=request.user, pk=consent_pk)
    if consent.case_id != pk:
        from django.http import Http404

        raise Http404
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if request.POST.get("confirm") != "yes":
        # what cannot be undone asks first: the box says what will happen
        context = _detail_context(
            request,
            pk,
            errors=[_("Tick the box to confirm the withdrawal; nothing was changed.")],
        )
        return render(request, "cases/detail.html", context, status=422)
    try:
        services.consent_withdraw(
            actor=request.user, consent=consent, reason=reason, request=request
        )
    except PalermoError as exc:
        return _failed(request, pk, exc)
    messages.success(request, _("The consent was withdrawn; sharing based on it has stopped."))
    return redirect("cases:detail", pk=pk)


@allow(CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = ShareForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        services.case_share(
            actor=request.user,
            case=case,
            recipient=data["recipient"],
            purpose=data["purpose"],
            transfer_purpose=data["transfer_purpose"],
            legal_basis=data["legal_basis"],
            override_reason=data["override_reason"],
            request=request,
        )

    return _submit(request, pk, "share_form", form, save, done=_("The case was shared."))


def _share_step(
    request: AuthenticatedRequest, pk: int, share_pk: int, step: Any, done: str
) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    share = selectors.share_get(user=request.user, case=case, pk=share_pk)
    try:
        step(
            actor=request.user, share=share, reason=request.POST.get("reason", ""), request=request
        )
    except PalermoError as exc:
        return _failed(request, pk, exc)
    messages.success(request, done)
    return redirect("cases:detail", pk=pk)


@allow(CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_revoke_view(request: AuthenticatedRequest, pk: int, share_pk: int) -> HttpResponse:
    return _share_step(
        request,
        pk,
        share_pk,
        services.case_share_revoke,
        _("Sharing stopped: the agency can no longer open the case."),
    )


@allow(CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_renew_view(request: AuthenticatedRequest, pk: int, share_pk: int) -> HttpResponse:
    return _share_step(
        request,
        pk,
        share_pk,
        services.case_share_renew,
        _("Sharing without consent renewed."),
    )
