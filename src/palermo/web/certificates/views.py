"""Certificate pages: a trainee asks for their certificate and downloads it; a trainer revokes
one with a reason; anyone (no log-in) checks a code on the public verification page, which
shows only the holder's name, the course, the dates and whether it is valid."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.web.academy.selectors import enrolment_get
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.certificates import selectors, services
from palermo.web.certificates.codes import certificate_code, certificate_verify
from palermo.web.certificates.pdf import certificate_pdf
from palermo.web.lib.params import id_param
from palermo.web.lib.permissions import allow, public
from palermo.web.lib.roles import ACADEMY_ROLES, ACADEMY_TRAINER_ROLES
from palermo.web.lib.submit import Again, submit_form


class VerifyForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Verification code"), max_length=64)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why it is revoked"), max_length=2000, widget=forms.TextInput
    )


def _again(request: HttpRequest, context: dict[str, Any]) -> Again:
    """The refusal's page: the reasons at the top (or the form with its errors) and the way
    back, with the status ``submit_form`` chose."""

    def again(status: int, errors: list[str]) -> HttpResponse:
        return render(
            request, "certificates/refused.html", {**context, "errors": errors}, status=status
        )

    return again


@allow(ACADEMY_ROLES)
@require_POST
def issue(request: AuthenticatedRequest) -> HttpResponse:
    """The trainee asks for the certificate of one of their enrolments."""
    enrolment = enrolment_get(
        user=request.user, pk=id_param(request.POST.get("enrolment"), name="enrolment")
    )
    return submit_form(
        request,
        None,
        lambda _data: services.certificate_issue(
            actor=request.user, enrolment=enrolment, request=request
        ),
        done=lambda certificate: (
            _("Your certificate was issued; its verification code is %(code)s.")
            % {"code": certificate_code(certificate)}
        ),
        then=redirect("academy:index"),
        again=_again(request, {"back": reverse("academy:index")}),
    )


@allow(ACADEMY_ROLES)
def download(request: AuthenticatedRequest) -> HttpResponse:
    """``?certificate=ID``: the PDF, for its holder or a trainer of the issuing agency."""
    if "certificate" not in request.GET:
        return redirect("academy:index")
    certificate = selectors.certificate_get(
        user=request.user, pk=id_param(request.GET.get("certificate"), name="certificate")
    )
    verify_url = request.build_absolute_uri(
        f"{reverse('certificates:verify')}?code={certificate_code(certificate)}"
    )
    body = certificate_pdf(certificate, agency_name=certificate.agency.name, verify_url=verify_url)
    services.certificate_download_audit(
        actor=request.user, certificate=certificate, request=request
    )
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="certificate-{certificate.serial.lower()}.pdf"'
    )
    return response


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    certificate = selectors.certificate_get(user=request.user, pk=pk)
    back = reverse("academy:cohort", kwargs={"pk": certificate.enrolment.cohort_id})
    form = RevokeForm(request.POST)
    return submit_form(
        request,
        form,
        lambda data: services.certificate_revoke(
            actor=request.user, certificate=certificate, reason=data["reason"], request=request
        ),
        done=_("The certificate was revoked; its code now says so."),
        then=redirect(back),
        again=_again(request, {"back": back, "form": form, "certificate": certificate}),
    )


@public
def verify(request: HttpRequest) -> HttpResponse:
    """``?code=``: whether the certificate is genuine and valid. Public: the code on paper is
    what a checker has; the answer shows nothing else about the holder."""
    form = VerifyForm(request.GET or None)
    result = None
    if form.is_valid():
        result = certificate_verify(code=form.cleaned_data["code"])
    context = {
        "form": form,
        "result": result,
        "course": result.course_in(get_language()) if result else "",
    }
    return render(request, "certificates/verify.html", context)
