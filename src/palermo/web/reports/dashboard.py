"""The dashboards' charts: selectors' rows turned into charts with words, in the reader's
language (``web/lib/charts.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.web.cases.models import CASE_STATUS_CHOICES, OUTCOME_CHOICES
from palermo.web.directory.models import SERVICE_TYPE_LABELS
from palermo.web.lib.charts import Chart, Column, bar_chart, line_chart
from palermo.web.nrm.models import STATE_CHOICES
from palermo.web.referrals.models import REFERRAL_STATE_CHOICES
from palermo.web.reports import selectors
from palermo.web.screening.models import DISPOSITION_CHOICES, HIT_STATUS_CHOICES

QUEUE_BAND_LABELS: dict[str, Promise] = {
    "lt_1h": gettext_lazy("under 1 hour"),
    "1h_4h": gettext_lazy("1 to 4 hours"),
    "4h_24h": gettext_lazy("4 to 24 hours"),
    "1d_3d": gettext_lazy("1 to 3 days"),
    "gt_3d": gettext_lazy("over 3 days"),
}


@dataclass(frozen=True)
class Section:
    title: str
    charts: tuple[Chart, ...]


def _words(choices: Sequence[tuple[str, object]]) -> Callable[[str], str]:
    table = {code: str(label) for code, label in choices}
    return lambda code: table.get(code, code)


def _zh() -> bool:
    return (get_language() or "en").lower().startswith("zh")


def screening_charts(scope: selectors.Scope, *, now: dt.datetime) -> Section:
    status = _words(HIT_STATUS_CHOICES)
    disposition = Column("status", _("Disposition"))
    hits = Column("n", _("Hits"), numeric=True)
    by_port = [
        {"port": r["key"] or _("(no port recorded)"), "status": status(r["status"]), "n": r["n"]}
        for r in selectors.hits_by(scope, "port")
    ]
    title_field = "title_zh" if _zh() else "title_en"
    by_profile = [
        {"profile": r["key"], "status": status(r["status"]), "n": r["n"]}
        for r in selectors.hits_by(scope, title_field)
    ]
    queue = [
        {"band": str(QUEUE_BAND_LABELS[r["band"]]), "n": r["n"]}
        for r in selectors.queue_age(scope, now=now)
    ]
    kinds = _words(DISPOSITION_CHOICES)
    waits = [{**r, "kind": kinds(r["kind"])} for r in selectors.time_to_disposition(scope)]
    batches = selectors.batch_records_per_month(scope)
    return Section(
        _("Screening, hits and dispositions"),
        (
            bar_chart(id="hits-by-port", title=_("Hits by port or post and disposition"),
                      rows=by_port, category=Column("port", _("Port or post")),
                      series=disposition, value=hits),
            bar_chart(id="hits-by-profile", title=_("Hits by risk profile and disposition"),
                      rows=by_profile, category=Column("profile", _("Risk profile")),
                      series=disposition, value=hits),
            line_chart(id="hits-per-month", title=_("Hits per month"),
                       rows=selectors.hits_per_month(scope), x=Column("month", _("Month")),
                       y=hits),
            bar_chart(id="queue-age", title=_("Hits waiting for a disposition now, by age"),
                      rows=queue, category=Column("band", _("Waiting for")),
                      value=Column("n", _("Hits waiting"), numeric=True), sort=False,
                      note=_("Today's queue; the period and port do not apply.")),
            bar_chart(id="time-to-disposition",
                      title=_("Median hours from hit to disposition"), rows=waits,
                      category=Column("kind", _("Disposition")),
                      value=Column("median_hours", _("Median hours"), numeric=True),
                      extra=(Column("count", _("Dispositions"), numeric=True),
                             Column("longest_hours", _("Longest, hours"), numeric=True))),
            line_chart(id="batch-records", title=_("Records screened in batches per month"),
                       rows=batches, x=Column("month", _("Month")),
                       y=Column("records", _("Records screened"), numeric=True),
                       note=_("Batches that finished; a batch mixes ports, so the port "
                              "filter does not apply.")),
        ),
    )  # fmt: skip


def case_charts(scope: selectors.Scope) -> Section:
    stage = _words(CASE_STATUS_CHOICES)
    outcome = _words(OUTCOME_CHOICES)
    cases = Column("n", _("Cases"), numeric=True)
    children = selectors.children_in_cases(scope)
    child_rows = [
        {"group": _("Referred to child protection"), "n": children["children"]},
        {"group": _("Other cases"), "n": children["cases"] - children["children"]},
    ]
    referral = selectors.summarise_waits(selectors.days_to_referral(scope))
    referral_rows = (
        [{"what": _("Case opened to referred"), **referral}] if referral["count"] else []
    )
    return Section(
        _("Cases"),
        (
            bar_chart(id="cases-by-stage", title=_("Cases opened in the period, by stage now"),
                      rows=[{"stage": stage(r["status"]), "n": r["n"]}
                            for r in selectors.cases_by_stage(scope)],
                      category=Column("stage", _("Stage")), value=cases, sort=False),
            line_chart(id="cases-per-month", title=_("Cases opened per month"),
                       rows=[{**r, "outcome": outcome(r["outcome"])}
                             for r in selectors.cases_per_month(scope)],
                       x=Column("month", _("Month")),
                       series=Column("outcome", _("Interview outcome")), y=cases),
            bar_chart(id="children", title=_("Children among the cases opened"),
                      rows=child_rows if children["cases"] else [],
                      category=Column("group", _("Cases")), value=cases, sort=False),
            bar_chart(id="days-to-referral", title=_("Days from opening a case to referral"),
                      rows=referral_rows, category=Column("what", _("Step")),
                      value=Column("median", _("Median days"), numeric=True),
                      extra=(Column("count", _("Cases referred"), numeric=True),
                             Column("longest", _("Longest, days"), numeric=True))),
        ),
    )  # fmt: skip


NRM_STEPS: dict[str, Promise] = {
    "hit_to_referral": gettext_lazy("Hit to referral to the competent authority"),
    "to_first_stage": gettext_lazy("Referral to the first-stage decision"),
    "to_conclusive": gettext_lazy("Referral to the conclusive decision"),
}


def identification_charts(scope: selectors.Scope) -> Section:
    state = _words(STATE_CHOICES)
    times = [
        {**r, "step": str(NRM_STEPS[r["step"]])} for r in selectors.identification_times(scope)
    ]
    return Section(
        _("Identification decisions (national referral mechanism)"),
        (
            bar_chart(id="identifications-by-state",
                      title=_("Cases referred to a competent authority, by where they stand"),
                      rows=[{"state": state(r["state"]), "n": r["n"]}
                            for r in selectors.identifications_by_state(scope)],
                      category=Column("state", _("State")),
                      value=Column("n", _("Cases"), numeric=True)),
            bar_chart(id="identification-times",
                      title=_("Days from hit to referral and to each decision"), rows=times,
                      category=Column("step", _("Step")),
                      value=Column("median", _("Median days"), numeric=True),
                      extra=(Column("count", _("Cases"), numeric=True),
                             Column("longest", _("Longest, days"), numeric=True)),
                      sort=False,
                      note=_("Cases referred in the period, by or to the agencies shown; the "
                             "port filter does not apply.")),
        ),
    )  # fmt: skip


def referral_charts(scope: selectors.Scope) -> Section:
    state = _words(REFERRAL_STATE_CHOICES)
    services = {str(code): str(label) for code, label in SERVICE_TYPE_LABELS.items()}
    by_service = [
        {**r, "service": services.get(r["service"], r["service"])}
        for r in selectors.referrals_by_service(scope)
    ]
    return Section(
        _("Referrals between agencies"),
        (
            bar_chart(id="referrals-by-agency",
                      title=_("Referrals by receiving agency and where they stand"),
                      rows=[{**r, "state": state(r["state"])}
                            for r in selectors.referrals_by_recipient(scope)],
                      category=Column("agency", _("Receiving agency")),
                      series=Column("state", _("State")),
                      value=Column("n", _("Referrals"), numeric=True)),
            bar_chart(id="referral-acceptance", title=_("Acceptance rate by service"),
                      rows=[r for r in by_service if r["rate"] is not None],
                      category=Column("service", _("Service")),
                      value=Column("rate", _("Accepted, per cent of answered"), numeric=True),
                      extra=(Column("sent", _("Sent"), numeric=True),
                             Column("accepted", _("Accepted"), numeric=True),
                             Column("declined", _("Declined"), numeric=True),
                             Column("median_hours", _("Median hours to an answer"),
                                    numeric=True)),
                      note=_("Referrals sent in the period by or to the agencies shown.")),
        ),
    )  # fmt: skip


def dashboard_sections(scope: selectors.Scope, *, now: dt.datetime) -> list[Section]:
    return [
        screening_charts(scope, now=now),
        case_charts(scope),
        referral_charts(scope),
        identification_charts(scope),
    ]
