"""Dashboards and the action plan: figures for supervisors, the national coordinator and
auditors, printable, each chart with its table and a CSV of it."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings
from django.http import Http404, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.analytics.action_plan import EXAMPLE_PLAN, Standing, assess, read_plan
from palermo.errors import InputError
from palermo.interchange.ctdc_export import QUASI_IDENTIFIERS
from palermo.privacy.kanon import DEFAULT_K
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.charts import Chart, Column, bar_chart, chart_csv_response
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem_text
from palermo.web.lib.roles import REPORT_ROLES
from palermo.web.reports import selectors, services
from palermo.web.reports.dashboard import Section, dashboard_sections
from palermo.web.reports.forms import ReportFilterForm
from palermo.web.reports.pdf import dashboard_pdf


def _with_exports(request: AuthenticatedRequest, sections: list[Section]) -> list[Section]:
    query = request.GET.copy()
    query.pop("export", None)

    def link(chart: Chart) -> Chart:
        query["export"] = chart.id
        return chart.with_csv_url(f"?{query.urlencode()}")

    return [Section(s.title, tuple(link(c) for c in s.charts)) for s in sections]


def _scope_line(form: ReportFilterForm, scope: selectors.Scope) -> str:
    line = _("Figures from %(start)s to %(end)s") % {
        "start": date_format(scope.start, "DATE_FORMAT"),
        "end": date_format(scope.end, "DATE_FORMAT"),
    }
    line += f" · {form.agency_name(scope)}"
    if scope.port:
        line += " · " + _("port or post “%(port)s”") % {"port": scope.port}
    return line


@allow(REPORT_ROLES)
def report_pdf(request: AuthenticatedRequest) -> HttpResponseBase:
    """The dashboards with the same filters as a PDF in the reader's language: charts, tables
    and each figure's privacy statement, the CJK font embedded."""
    form = ReportFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        return dashboard(request)
    scope = form.scope()
    sections = dashboard_sections(scope, now=timezone.now())
    body = dashboard_pdf(
        sections, title=_("Palermo: dashboards"), scope_line=_scope_line(form, scope)
    )
    services.figures_download_record(
        actor=request.user,
        what="report.pdf",
        file_format="pdf",
        scope=scope,
        rows=sum(len(c.rows) for s in sections for c in s.charts),
        request=request,
    )
    response = HttpResponse(body, content_type="application/pdf")
    name = f"palermo-report-{scope.start.isoformat()}-{scope.end.isoformat()}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@allow(REPORT_ROLES)
def dashboard(request: AuthenticatedRequest) -> HttpResponse:
    """Screening, hits, the waiting queue and cases over the chosen period; ``?export=<chart>``
    answers one chart's table as CSV."""
    form = ReportFilterForm(request.GET or None, user=request.user)
    scope = form.scope()
    sections = dashboard_sections(scope, now=timezone.now())
    wanted = request.GET.get("export")
    if wanted:
        for section in sections:
            for chart in section.charts:
                if chart.id == wanted:
                    services.figures_download_record(
                        actor=request.user, what=chart.id, file_format="csv", scope=scope,
                        rows=len(chart.rows), request=request,
                    )  # fmt: skip
                    return chart_csv_response(chart, filename=f"palermo-{chart.id}")
        raise Http404
    context = {
        "form": form,
        "scope": scope,
        "agency_name": form.agency_name(scope),
        "pdf_query": request.GET.urlencode(),
        "sections": _with_exports(request, sections),
    }
    status = 422 if form.is_bound and not form.is_valid() else 200
    return render(request, "reports/dashboard.html", context, status=status)


def _plan_path() -> Path:
    return Path(settings.ACTION_PLAN) if settings.ACTION_PLAN else EXAMPLE_PLAN


STANDING_LABELS = {
    Standing.MET: gettext_lazy("Target met"),
    Standing.NOT_MET: gettext_lazy("Target missed"),
    Standing.ON_TRACK: gettext_lazy("On track so far"),
    Standing.BEHIND: gettext_lazy("Behind the target so far"),
    Standing.NOT_STARTED: gettext_lazy("Period not started"),
    Standing.NO_DATA: gettext_lazy("Nothing to measure yet"),
}


@allow(REPORT_ROLES)
def plan(request: AuthenticatedRequest) -> HttpResponse:
    """The action plan's indicators, each computed over its own period within the reader's
    scope and shown against its target; a plan file with problems is shown with them."""
    path = _plan_path()
    try:
        the_plan = read_plan(path)
    except InputError as exc:
        refused = {"path": path.name, "problems": [problem_text(p) for p in exc.problems]}
        return render(request, "reports/plan.html", refused, status=422)
    today = timezone.localdate()
    lang = get_language() or "en"
    results = []
    for indicator in the_plan.indicators:
        scope = selectors.report_scope(user=request.user, start=indicator.start, end=indicator.end)
        value = None
        if today >= indicator.start:
            value = selectors.measure_value(scope, indicator.measure.name, indicator.param)
        results.append(assess(indicator, value, today=today))
    rows = [
        {
            "indicator": r.indicator.title_in(lang),
            "percent": r.percent_of_target,
            "value": r.value,
            "target": r.indicator.target,
            "standing": str(STANDING_LABELS[r.standing]),
        }
        for r in results
    ]
    chart = bar_chart(
        id="plan",
        title=_("Indicators: share of the target reached"),
        rows=[row for row in rows if row["percent"] is not None],
        category=Column("indicator", _("Indicator")),
        value=Column("percent", _("Per cent of target"), numeric=True),
        extra=(Column("value", _("Value"), numeric=True),
               Column("target", _("Target"), numeric=True),
               Column("standing", _("Standing"))),
        sort=False,
    )  # fmt: skip
    if request.GET.get("export") == chart.id:
        services.figures_download_record(
            actor=request.user, what="action-plan", file_format="csv", scope=None,
            rows=len(chart.rows), request=request,
        )  # fmt: skip
        return chart_csv_response(chart, filename="palermo-action-plan")
    context: dict[str, object] = {
        "plan": the_plan,
        "plan_name": the_plan.name_in(lang),
        "results": results,
        "labels": STANDING_LABELS,
        "chart": chart.with_csv_url("?export=plan"),
        "agency_name": ReportFilterForm(user=request.user).agency_name(
            selectors.report_scope(user=request.user, start=today, end=today)
        ),
        "lang": lang,
    }
    return render(request, "reports/plan.html", context)


@allow(REPORT_ROLES)
def case_export(request: AuthenticatedRequest) -> HttpResponseBase:
    """Palermo's own cases for statistics: the CTDC layout and HTCDS fields, k-anonymised
    (k = 11), only cases whose person consents to statistics; ``?download=1`` gives the zip
    (audited)."""
    form = ReportFilterForm(request.GET or None, user=request.user)
    del form.fields["port"]
    scope = form.scope()
    invalid = form.is_bound and not form.is_valid()
    if request.GET.get("download") and not invalid:
        made = services.case_statistics_export(actor=request.user, scope=scope, request=request)
        response = HttpResponse(made.zip(), content_type="application/zip")
        response["Content-Disposition"] = f'attachment; filename="{made.file_name}"'
        return response
    query = request.GET.copy()
    query["download"] = "1"
    context = {
        "form": form,
        "scope": scope,
        "agency_name": form.agency_name(scope),
        "download_query": query.urlencode(),
        "k": DEFAULT_K,
        "columns": QUASI_IDENTIFIERS,
    }
    return render(request, "reports/case_export.html", context, status=422 if invalid else 200)
