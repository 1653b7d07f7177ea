"""Cross-border exchange pages: packages sent and received, receiving and checking a package,
sending a case (with the person's consent to that partner), our key pair and partner keys."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.errors import PalermoError, language
from palermo.interchange.htcds import FIELDS
from palermo.interchange.package import MAX_KEY_BYTES, MAX_PACKAGE_BYTES
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.cases import selectors as case_selectors
from palermo.web.cases.models import CONSENT_CHECKLIST, ConsentPurpose
from palermo.web.cases.services import consent_record
from palermo.web.exchange import selectors, services
from palermo.web.exchange.models import Partner
from palermo.web.lib.confirm import confirmed, unconfirmed_page
from palermo.web.lib.errors import http_status, reasons
from palermo.web.lib.params import IdChoiceField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    AGENCY_KIND_CHOICES,
    CASE_OPENING_ROLES,
    CONSENT_OVERRIDE_ROLES,
    EXCHANGE_EXPORT_ROLES,
    EXCHANGE_IMPORT_ROLES,
    EXCHANGE_KEY_ROLES,
    EXCHANGE_ROLES,
)
from palermo.web.lib.submit import refusal_as_messages, submit_button, submit_form

REASON_CHOICES = [
    ("AdditionalServicesRequired", gettext_lazy("Additional services required")),
    ("MigrationOrChangeOfLocation", gettext_lazy("Migration or change of location")),
    ("Other", gettext_lazy("Other")),
]


def field_choices() -> list[tuple[str, str]]:
    """The fields a package can carry, labelled in the page's language."""
    chinese = language(get_language()) == "zh"
    return [(name, spec.label_zh if chinese else spec.label) for name, spec in FIELDS.items()]


class PackageForm(forms.Form):
    package = forms.FileField(
        label=gettext_lazy("Exchange package (.json)"),
        help_text=gettext_lazy("The file the partner agency sent; at most 1 MB."),
    )

    def clean_package(self) -> bytes:
        upload = self.cleaned_data["package"]
        if int(upload.size or 0) > MAX_PACKAGE_BYTES:
            raise forms.ValidationError(_("The file is larger than 1 MB."), code="too_large")
        return bytes(upload.read(MAX_PACKAGE_BYTES + 1))


class ConsentForm(forms.Form):
    partner = IdChoiceField(label=gettext_lazy("Partner agency"), queryset=Partner.objects.none())
    htcds_fields = forms.MultipleChoiceField(
        label=gettext_lazy("Fields the person agreed to send"),
        choices=(),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, request: AuthenticatedRequest, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "consent")
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["partner"]).queryset = _partners(request)
        cast(forms.MultipleChoiceField, self.fields["htcds_fields"]).choices = field_choices()
        for key, label in CONSENT_CHECKLIST:
            self.fields[key] = forms.BooleanField(label=label, required=False)


class ExportForm(forms.Form):
    partner = IdChoiceField(label=gettext_lazy("Partner agency"), queryset=Partner.objects.none())
    reason = forms.ChoiceField(
        label=gettext_lazy("Reason for the referral"), choices=REASON_CHOICES
    )
    details = forms.CharField(
        label=gettext_lazy("Purpose of the transfer"),
        max_length=300,
        help_text=gettext_lazy("What the partner agency is asked to do; it reads this."),
    )

    def __init__(self, *args: Any, request: AuthenticatedRequest, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", "export")
        super().__init__(*args, **kwargs)
        cast(Any, self.fields["partner"]).queryset = _partners(request)
        if request.user.role in CONSENT_OVERRIDE_ROLES:
            self.fields["legal_basis"] = forms.CharField(
                label=gettext_lazy("Legal basis (only without consent)"),
                max_length=300,
                required=False,
            )
            self.fields["override_reason"] = forms.CharField(
                label=gettext_lazy("Reason for sending without consent"),
                max_length=500,
                required=False,
            )
            self.fields["htcds_fields"] = forms.MultipleChoiceField(
                label=gettext_lazy("Fields to send (only without consent)"),
                choices=field_choices(),
                widget=forms.CheckboxSelectMultiple,
                required=False,
            )


def _partners(request: AuthenticatedRequest) -> Any:
    if request.user.role not in EXCHANGE_EXPORT_ROLES:
        return Partner.objects.none()
    return selectors.partners_in_use(user=request.user)


def _failure(exc: PalermoError) -> tuple[list[str], int]:
    return reasons(exc), http_status(exc)[0]


# --- packages ------------------------------------------------------------------------------


@allow(EXCHANGE_ROLES)
def package_list_view(request: AuthenticatedRequest) -> HttpResponse:
    packages = selectors.package_list(user=request.user)[:200]
    return render(
        request,
        "exchange/packages.html",
        {"packages": packages, "can_receive": request.user.role in EXCHANGE_IMPORT_ROLES},
    )


@allow(EXCHANGE_IMPORT_ROLES)
def import_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PackageForm(request.POST or None, request.FILES or None)

    def page(status: int, errors: list[str]) -> HttpResponse:
        context = {"form": form, "errors": errors, "mode": "import"}
        return render(request, "exchange/receive.html", context, status=status)

    if request.method != "POST":
        return page(200, [])
    return submit_form(
        request,
        form,
        lambda data: services.package_import(
            actor=request.user, data=data["package"], request=request
        ),
        done=lambda record: (
            _("Package received from %(agency)s: the case was opened.")
            % {"agency": record.partner.agency.name}
        ),
        then=lambda record: redirect("cases:detail", pk=record.case_id),
        again=page,
        problems_on_page=True,
    )


@allow(EXCHANGE_IMPORT_ROLES)
def verify_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PackageForm(request.POST or None, request.FILES or None)
    errors: list[str] = []
    status = 200
    report: dict[str, Any] | None = None
    if request.method == "POST":
        status = 422
        if form.is_valid():
            try:
                checked = services.package_verify(
                    actor=request.user, data=form.cleaned_data["package"], request=request
                )
            except PalermoError as exc:
                errors, status = _failure(exc)
            else:
                status = 200
                document = checked.document
                labels = dict(field_choices())
                report = {
                    "sender": checked.partner.agency.name,
                    "package_id": document["package_id"],
                    "created_at": document["created_at"],
                    "details": document["referral"]["cas_IncomingReferralDetails"],
                    "basis": document["consent"]["basis"],
                    "legal_basis": document["consent"]["legal_basis"],
                    "fields": [labels[name] for name in labels if name in document["fields"]],
                    "replayed": checked.replayed,
                }
    return render(
        request,
        "exchange/receive.html",
        {"form": form, "errors": errors, "mode": "verify", "report": report},
        status=status,
    )


# --- sending a case ------------------------------------------------------------------------


def _case_page(
    request: AuthenticatedRequest,
    pk: int,
    *,
    errors: list[str] | None = None,
    status: int = 200,
    **forms_: forms.Form,
) -> HttpResponse:
    case = case_selectors.case_get(user=request.user, pk=pk)
    own = case.agency_id == request.user.agency_id
    consents = [
        (consent, [dict(field_choices()).get(name, name) for name in consent.fields])
        for consent in case_selectors.case_consents(user=request.user, case=case)
        if consent.purpose == ConsentPurpose.CROSS_BORDER.value
    ]
    sent = selectors.package_list(user=request.user).filter(case=case)
    context = {
        "case": case,
        "own_case": own,
        "consents": consents,
        "sent": sent,
        "training": services.is_training(case),
        "can_consent": own and request.user.role in CASE_OPENING_ROLES,
        "consent_form": forms_.get("consent_form") or ConsentForm(request=request),
        "export_form": forms_.get("export_form") or ExportForm(request=request),
        "errors": errors or [],
    }
    return render(request, "exchange/case.html", context, status=status)


@allow(EXCHANGE_EXPORT_ROLES)
def case_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _case_page(request, pk)


@allow(CASE_OPENING_ROLES)
@require_POST
def consent_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get(user=request.user, pk=pk)
    form = ConsentForm(request.POST, request=request)

    def save(data: dict[str, Any]) -> None:
        consent_record(
            actor=request.user,
            case=case,
            purpose=ConsentPurpose.CROSS_BORDER.value,
            recipient=data["partner"].agency,
            fields=data["htcds_fields"],
            checklist={key: data[key] for key, _label in CONSENT_CHECKLIST},
            request=request,
        )

    return submit_form(
        request,
        form,
        save,
        done=_("The consent to the exchange was recorded."),
        then=redirect("exchange:case", pk=pk),
        again=lambda status, errors: _case_page(
            request, pk, errors=errors, status=status, consent_form=form
        ),
    )


@allow(EXCHANGE_EXPORT_ROLES)
@require_POST
def export_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = case_selectors.case_get(user=request.user, pk=pk)
    form = ExportForm(request.POST, request=request)
    if not form.is_valid():
        return _case_page(request, pk, status=422, export_form=form)
    data = form.cleaned_data
    wanted = services.ExportRequest(
        partner=data["partner"],
        reason=data["reason"],
        details=data["details"],
        legal_basis=data.get("legal_basis") or "",
        override_reason=data.get("override_reason") or "",
        override_fields=data.get("htcds_fields") or (),
    )
    try:
        record, package = services.package_export(
            actor=request.user, case=case, wanted=wanted, request=request
        )
    except PalermoError as exc:
        errors, status = _failure(exc)
        return _case_page(request, pk, errors=errors, status=status, export_form=form)
    response = HttpResponse(package, content_type="application/json")
    name = f"htcds-{record.partner.agency.code}-{record.package_id}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- keys ----------------------------------------------------------------------------------


class KeyPairForm(forms.Form):
    country = forms.CharField(
        label=gettext_lazy("Country of your agency (ISO 3166 code, e.g. CN)"),
        min_length=2,
        max_length=3,
    )


class PartnerForm(forms.Form):
    card = forms.FileField(
        label=gettext_lazy("The partner agency's key card (.json)"),
        help_text=gettext_lazy("The file the partner agency gave you; at most 4 kB."),
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind of agency"), choices=AGENCY_KIND_CHOICES)
    agreement = forms.CharField(
        label=gettext_lazy("Written data-sharing agreement (reference)"),
        max_length=120,
        help_text=gettext_lazy("The agreement with this agency that covers the transfers."),
    )

    def clean_card(self) -> bytes:
        upload = self.cleaned_data["card"]
        if int(upload.size or 0) > MAX_KEY_BYTES:
            raise forms.ValidationError(_("The file is larger than 4 kB."), code="too_large")
        return bytes(upload.read(MAX_KEY_BYTES + 1))


def _partners_page(
    request: AuthenticatedRequest, *, form: KeyPairForm | None = None, status: int = 200
) -> HttpResponse:
    history = list(selectors.key_pair_history(user=request.user))
    current = next((pair for pair in history if pair.retired_at is None), None)
    context = {
        "current": current,
        "history": history,
        "partners": selectors.partner_list(user=request.user),
        "key_form": form or KeyPairForm(initial={"country": current.country if current else ""}),
    }
    return render(request, "exchange/partners.html", context, status=status)


@allow(EXCHANGE_KEY_ROLES)
def partners_view(request: AuthenticatedRequest) -> HttpResponse:
    return _partners_page(request)


@allow(EXCHANGE_KEY_ROLES)
@require_POST
def key_generate_view(request: AuthenticatedRequest) -> HttpResponse:
    if not confirmed(request):
        return unconfirmed_page(request, "exchange:partners")
    form = KeyPairForm(request.POST)

    def again(status: int, errors: list[str]) -> HttpResponse:
        refusal_as_messages(request, errors)
        return _partners_page(request, form=form, status=status)

    return submit_form(
        request,
        form,
        lambda data: services.key_pair_generate(
            actor=request.user,
            agency=request.user.agency,
            country=data["country"],
            request=request,
        ),
        done=_("A new key pair was made: give the new key card to every partner agency."),
        then=redirect("exchange:partners"),
        again=again,
    )


@allow(EXCHANGE_KEY_ROLES)
def key_card_view(request: AuthenticatedRequest) -> HttpResponse:
    history = selectors.key_pair_history(user=request.user)
    current = history.filter(retired_at__isnull=True).select_related("agency").first()
    if current is None:
        messages.error(request, _("Your agency has no key pair yet: make one first."))
        return redirect("exchange:partners")
    response = HttpResponse(services.key_card(current), content_type="application/json")
    name = f"key-card-{current.agency.code}.json"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@allow(EXCHANGE_KEY_ROLES)
def partner_new_view(request: AuthenticatedRequest) -> HttpResponse:
    form = PartnerForm(request.POST or None, request.FILES or None)

    def page(status: int, errors: list[str]) -> HttpResponse:
        context = {"form": form, "errors": errors}
        return render(request, "exchange/partner_new.html", context, status=status)

    if request.method != "POST":
        return page(200, [])
    return submit_form(
        request,
        form,
        lambda data: services.partner_register(
            actor=request.user,
            card=data["card"],
            kind=data["kind"],
            agreement=data["agreement"],
            request=request,
        ),
        done=_(
            "The key was registered. A second administrator compares its "
            "fingerprint with the partner agency and confirms it."
        ),
        then=lambda partner: redirect("exchange:partner", pk=partner.pk),
        again=page,
        problems_on_page=True,
    )


@allow(EXCHANGE_KEY_ROLES)
def partner_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    partner = selectors.partner_get(user=request.user, pk=pk)
    context = {
        "partner": partner,
        "may_confirm": partner.confirmed_at is None
        and partner.retired_at is None
        and partner.registered_by_id != request.user.pk,
    }
    return render(request, "exchange/partner.html", context)


@allow(EXCHANGE_KEY_ROLES)
@require_POST
def partner_confirm_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _partner_step(
        request,
        pk,
        services.partner_confirm,
        _("The key is confirmed: packages to and from it are used."),
    )


@allow(EXCHANGE_KEY_ROLES)
@require_POST
def partner_retire_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _partner_step(
        request,
        pk,
        services.partner_retire,
        _("The key was retired: no package uses it any more."),
        reason=request.POST.get("reason", ""),
    )


def _partner_step(
    request: AuthenticatedRequest, pk: int, step: Callable[..., object], done: str, **given: str
) -> HttpResponse:
    """A confirmed button on a partner's key: ``step`` on it, then back to its page."""
    partner = selectors.partner_get(user=request.user, pk=pk)
    if not confirmed(request):
        return unconfirmed_page(request, "exchange:partner", pk)
    return submit_button(
        request,
        lambda: step(actor=request.user, partner=partner, request=request, **given),
        done=done,
        back=redirect("exchange:partner", pk=pk),
    )
