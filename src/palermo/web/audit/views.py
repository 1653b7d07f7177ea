"""The auditors' search page."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from palermo.web.audit.chain import audit_verify
from palermo.web.audit.models import AUDIT_ACTION_CHOICES, AuditAction
from palermo.web.audit.selectors import AuditFilters, audit_search
from palermo.web.audit.services import audit_record
from palermo.web.audit.templatetags.palermo_audit import OBJECT_TYPE_LABELS
from palermo.web.lib.dates import DateBox
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import AUDIT_ROLES


class AuditSearchForm(forms.Form):
    actor = forms.CharField(label=_("User name"), required=False, max_length=200)
    action = forms.ChoiceField(
        label=_("Action"), required=False, choices=[("", _("Any")), *AUDIT_ACTION_CHOICES]
    )
    object_type = forms.ChoiceField(label=_("Object type"), required=False)
    object_id = forms.CharField(label=_("Object id"), required=False, max_length=60)
    case_reference = forms.CharField(
        label=_("Case reference"),
        required=False,
        max_length=20,
        help_text=_("Every entry about the case: the case, its notes, tasks, files and consents."),
    )
    purpose = forms.CharField(label=_("Purpose contains"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=DateBox())
    until = forms.DateField(label=_("Until"), required=False, widget=DateBox())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # object types by their name in the page's language, sorted as the reader reads them
        named = sorted(
            ((code, str(label)) for code, label in OBJECT_TYPE_LABELS.items()), key=lambda c: c[1]
        )
        cast(forms.ChoiceField, self.fields["object_type"]).choices = [("", _("Any")), *named]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period must not be before its start."))
        return data


@allow(AUDIT_ROLES)
def audit_search_view(request: HttpRequest) -> HttpResponse:
    """The search form and its results; an invalid filter shows its error and no entries.

    The CSV export (``exports:audit``) takes the same form and refuses the same filters.
    """
    form = AuditSearchForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        if request.headers.get("HX-Request"):
            # htmx swaps no 4xx answer and the errors belong next to the form's fields:
            # the browser loads the whole page for this search instead.
            response = HttpResponse(status=422)
            response["HX-Redirect"] = request.get_full_path()
            return response
        context = {"form": form, "page": None, "query": ""}
        return render(request, "audit/search.html", context, status=422)
    filters = AuditFilters(**form.cleaned_data) if form.is_bound else AuditFilters()
    page = Paginator(audit_search(user=request.user, filters=filters), 50).get_page(
        request.GET.get("page")
    )
    # Searching the log is itself audited: who looked at whose trail.
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="audit.search",
        purpose="audit",
        request=request,
        detail={k: str(v) for k, v in form.cleaned_data.items() if v} if form.is_bound else {},
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "audit/_results.html" if request.headers.get("HX-Request") else "audit/search.html"
    return render(request, template, {"form": form, "page": page, "query": query.urlencode()})


@allow(AUDIT_ROLES)
def audit_chain_view(request: HttpRequest) -> HttpResponse:
    """Verify the whole hash chain now (every entry, link, keyed signature and checkpoint) and
    say whether it is intact; the check is itself audited."""
    report = audit_verify()
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="audit.auditentry",
        purpose="audit chain verified",
        request=request,
        detail={"checked": report.checked, "ok": report.ok, "broken_at": report.broken_seq},
    )
    template = "audit/_chain.html" if request.headers.get("HX-Request") else "audit/chain.html"
    return render(request, template, {"report": report})
