"""Export pages: the hit queue (CSV), the audit log search (CSV), one case file (JSON)."""

from __future__ import annotations

from django.http import HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from palermo.errors import InputError, PalermoError
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.audit.selectors import AuditFilters
from palermo.web.audit.views import AuditSearchForm
from palermo.web.exports import selectors, services
from palermo.web.exports.forms import CaseExportForm, HitExportForm
from palermo.web.lib.errors import http_status, reasons
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import show_on_form
from palermo.web.lib.roles import AUDIT_EXPORT_ROLES, CASE_EXPORT_ROLES, HIT_EXPORT_ROLES
from palermo.web.lib.training import in_training
from palermo.web.screening.selectors import hit_list


def _language() -> str:
    return get_language() or "en"


def _attachment(response: HttpResponseBase, file_name: str) -> HttpResponseBase:
    response["Content-Disposition"] = f'attachment; filename="{file_name}"'
    response["Cache-Control"] = "no-store"
    return response


def _csv(export: services.CsvExport) -> HttpResponseBase:
    response = StreamingHttpResponse(export.chunks, content_type="text/csv; charset=utf-8")
    return _attachment(response, export.file_name)


@allow(HIT_EXPORT_ROLES)
def hit_export_view(request: AuthenticatedRequest) -> HttpResponseBase:
    """GET: the export form with the queue's filters; POST: the CSV file."""
    status = 200
    if request.method == "POST":
        form = HitExportForm(request.POST, user=request.user)
        status = 422
        if form.is_valid():
            try:
                export = services.hit_queue_export(
                    actor=request.user,
                    filters=form.filters(),
                    include_personal=form.cleaned_data["include_personal"],
                    purpose=form.cleaned_data["purpose"],
                    language=_language(),
                    request=request,
                )
            except InputError as exc:
                show_on_form(form, exc)
            else:
                return _csv(export)
    else:
        form = HitExportForm(request.GET or None, user=request.user)
    matching = hit_list(user=request.user, filters=form.filters()).count()
    query = request.GET.urlencode() if request.method == "GET" else ""
    return render(
        request,
        "exports/hits.html",
        {"form": form, "matching": matching, "query": query},
        status=status,
    )


@allow(AUDIT_EXPORT_ROLES)
def audit_export_view(request: AuthenticatedRequest) -> HttpResponseBase:
    """The auditors' current search as CSV (the link under the search results)."""
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        problems = [
            f"{form[name].label}: {' '.join(str(m) for m in messages)}"
            for name, messages in form.errors.items()
        ]
        context = {"status": 422, "title": _("The input was not accepted"), "reasons": problems}
        return render(request, "error.html", context, status=422)
    filters = AuditFilters(**form.cleaned_data) if form.is_bound else AuditFilters()
    export = services.audit_log_export(
        actor=request.user, filters=filters, language=_language(), request=request
    )
    return _csv(export)


@allow(CASE_EXPORT_ROLES)
def case_export_view(request: AuthenticatedRequest, pk: int) -> HttpResponseBase:
    """GET: what the file holds and the form; POST: the JSON file, or the refusal in place."""
    case = selectors.case_export_get(user=request.user, pk=pk)
    personal = selectors.may_export_personal_data(request.user, case)
    form = CaseExportForm(
        request.POST if request.method == "POST" else None,
        own_agency_id=case.agency_id,
        personal=personal,
        training=in_training(request.user),
    )
    errors: list[str] = []
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            data = form.cleaned_data
            try:
                exported = services.case_file_export(
                    actor=request.user,
                    case=case,
                    purpose=data["purpose"],
                    include_personal=bool(data.get("include_personal")),
                    recipient=data["recipient"],
                    transfer_purpose=data["transfer_purpose"],
                    language=_language(),
                    request=request,
                )
            except InputError as exc:
                show_on_form(form, exc)
            except PalermoError as exc:
                errors = reasons(exc)
                status = http_status(exc)[0]
            else:
                response = HttpResponse(
                    exported.content, content_type="application/json; charset=utf-8"
                )
                return _attachment(response, exported.file_name)
    return render(
        request,
        "exports/case.html",
        {"case": case, "form": form, "errors": errors, "personal": personal},
        status=status,
    )
