"""The mining page (issue 11 item 7): analysts mine identified cases - this installation's own,
a CTDC data set or HTCDS case records - against the traffic (stored screenings of the period,
or a population file), see every candidate with its lift, support and interval in their
language, the candidates the rights guard dropped with its reason, and make a draft profile of
a candidate, which then takes the normal four-eyes path.

Mining runs in the request: on what an agency stores it takes well under a second of
arithmetic (the README gives the figures); reading the stored records is the slow part, and it
is bounded by retention. Uploaded files live only for the run (``lib/uploads.opened_upload``).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
from django import forms
from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.analytics.mining import Candidate, MiningResult, check_drafts, mine_candidates
from palermo.analytics.mining_sources import (
    CTDC_MIN_CASES,
    CTDC_SOURCE,
    HTCDS_SOURCE,
    OWN_SOURCE,
    cases_from_ctdc,
    cases_from_htcds,
)
from palermo.errors import InputError
from palermo.interchange.ctdc import read_ctdc
from palermo.records.readers import FORMATS, read_records
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.dates import DateBox
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem_text
from palermo.web.lib.roles import PROFILE_ROLES
from palermo.web.lib.submit import submit_form
from palermo.web.lib.uploads import (
    body_limit,
    named_problems,
    opened_upload,
    refuse_large_upload,
)
from palermo.web.outcomes import selectors, services
from palermo.web.outcomes.selectors import Period
from palermo.web.screening.services import page_run_limits

DEFAULT_DAYS = 365
POPULATION_SUFFIXES = tuple(sorted(s for s, f in FORMATS.items() if f != "paxlst"))
SOURCE_CHOICES = (
    ("own", gettext_lazy("This installation's identified cases")),
    ("ctdc", gettext_lazy("A CTDC data set (CSV)")),
    ("htcds", gettext_lazy("HTCDS case records (CSV or JSON Lines)")),
)
BASELINE_CHOICES = (
    ("stored", gettext_lazy("Screenings stored in the period")),
    ("file", gettext_lazy("A population file")),
)


class MiningForm(forms.Form):
    source = forms.ChoiceField(
        label=gettext_lazy("Identified cases"), choices=SOURCE_CHOICES, initial="own"
    )
    cases_file = forms.FileField(
        label=gettext_lazy("File of cases"),
        required=False,
        help_text=gettext_lazy("For CTDC or HTCDS cases only."),
    )
    since = forms.DateField(label=gettext_lazy("From"), required=False, widget=DateBox())
    until = forms.DateField(label=gettext_lazy("To"), required=False, widget=DateBox())
    baseline = forms.ChoiceField(
        label=gettext_lazy("Traffic to compare with"), choices=BASELINE_CHOICES, initial="stored"
    )
    population_file = forms.FileField(
        label=gettext_lazy("Population file"),
        required=False,
        help_text=gettext_lazy("Traveller records: CSV, Parquet or JSON Lines."),
    )
    min_cases = forms.IntegerField(
        label=gettext_lazy("Cases a combination needs"), min_value=1, max_value=10_000, initial=10
    )
    min_lift = forms.FloatField(
        label=gettext_lazy("Lower 95% bound of the lift at least"),
        min_value=1.0,
        max_value=10_000.0,
        initial=5.0,
    )
    narrow_by_protected = forms.BooleanField(
        label=gettext_lazy(
            "Let nationality, sex and age narrow a combination (the rights guard drops any "
            "candidate that stands on them)"
        ),
        required=False,
    )

    def clean_cases_file(self) -> object:
        upload = self.cleaned_data.get("cases_file")
        refuse_large_upload(upload, "MANIFEST_MAX_BYTES")
        return upload

    def clean_population_file(self) -> object:
        upload = self.cleaned_data.get("population_file")
        refuse_large_upload(upload, "MANIFEST_MAX_BYTES")
        return upload

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("source") in {"ctdc", "htcds"} and not data.get("cases_file"):
            self.add_error("cases_file", _("Choose the file of cases."))
        if data.get("baseline") == "file" and not data.get("population_file"):
            self.add_error("population_file", _("Choose the population file."))
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period is before its start."))
        return data

    def period(self) -> Period:
        until = self.cleaned_data.get("until") or timezone.localdate()
        since = self.cleaned_data.get("since") or until - dt.timedelta(days=DEFAULT_DAYS - 1)
        return Period(since, until)


class DraftForm(forms.Form):
    token = forms.CharField(widget=forms.HiddenInput, max_length=20_000)
    rationale_en = forms.CharField(
        label=gettext_lazy("Rationale (English)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rationale_zh = forms.CharField(
        label=gettext_lazy("Rationale (Chinese)"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


@dataclass
class ShownCandidate:
    words: str
    candidate: Candidate
    form: DraftForm | None = None
    reason: str = ""


@dataclass
class MiningRun:
    source: tuple[str, str]
    cases: int
    baseline_rows: int
    baseline_travellers: float
    weighted: bool
    seconds: float
    notes: list[str] = field(default_factory=list)
    drafts: list[ShownCandidate] = field(default_factory=list)
    dropped: list[ShownCandidate] = field(default_factory=list)

    @property
    def source_words(self) -> str:
        return self.source[1] if _zh() else self.source[0]


def _zh() -> bool:
    return (get_language() or "en").startswith("zh")


def _lang() -> str:
    return "zh" if _zh() else "en"


def _cases(
    request: AuthenticatedRequest, data: dict[str, Any], period: Period, notes: list[str]
) -> tuple[pa.Table, tuple[str, str]]:
    source = data["source"]
    if source == "own":
        own = selectors.mining_own_cases(user=request.user, period=period)
        if own.without_record or own.masked:
            notes.append(
                _(
                    "%(cases)d identified cases in the period; left out: %(none)d opened without "
                    "a screened traveller, %(masked)d whose record retention has masked."
                )
                % {"cases": own.cases, "none": own.without_record, "masked": own.masked}
            )
        return own.records, OWN_SOURCE
    upload = data["cases_file"]
    if source == "ctdc":
        with opened_upload(upload, default="ctdc.csv", suffixes=(".csv",),
                           setting="MANIFEST_MAX_BYTES") as path:  # fmt: skip
            try:
                table = read_ctdc(path)
            except InputError as exc:
                raise _FileProblemsError(named_problems(exc, path)) from None
        return cases_from_ctdc(
            table, since_year=period.since.year, until_year=period.until.year
        ), CTDC_SOURCE
    with opened_upload(upload, default="htcds.csv", suffixes=(".csv", ".jsonl"),
                       setting="MANIFEST_MAX_BYTES") as path:  # fmt: skip
        try:
            # the period's years only when the person gave a period: a file of undated HTCDS
            # cases is still minable with the default one (the traffic's last days)
            chosen = bool(data.get("since") or data.get("until"))
            table = cases_from_htcds(
                path.read_bytes(),
                path.name,
                since_year=period.since.year if chosen else None,
                until_year=period.until.year if chosen else None,
            )
            return table, HTCDS_SOURCE
        except InputError as exc:
            raise _FileProblemsError(named_problems(exc, path)) from None


class _FileProblemsError(Exception):
    """Problems of an uploaded file, already in the reader's words."""

    def __init__(self, texts: list[str]) -> None:
        super().__init__("; ".join(texts))
        self.texts = texts


def _baseline(
    request: AuthenticatedRequest, data: dict[str, Any], period: Period, notes: list[str]
) -> tuple[pa.Table, list[float] | None]:
    if data["baseline"] == "file":
        with opened_upload(data["population_file"], default="population.csv",
                           suffixes=POPULATION_SUFFIXES,
                           setting="MANIFEST_MAX_BYTES") as path:  # fmt: skip
            try:
                return read_records(path, limits=page_run_limits()), None
            except InputError as exc:
                raise _FileProblemsError(named_problems(exc, path)) from None
    stored = selectors.mining_baseline(user=request.user, period=period)
    window = stored.window
    if not stored.enough:
        raise _FileProblemsError(
            [
                _(
                    "Too few stored travellers: the control sample from %(since)s to %(until)s "
                    "holds %(n)d travellers and a baseline needs at least %(floor)d. Choose a "
                    "longer period or a population file."
                )
                % {
                    "since": window.since.isoformat(),
                    "until": window.until.isoformat(),
                    "n": len(window.screenings.control),
                    "floor": int(settings.BACKTEST_MIN_CONTROL),
                }
            ]
        )
    if window.since > period.since:
        notes.append(
            _("Stored screenings are read from %(since)s: older records are masked by retention.")
            % {"since": window.since.isoformat()}
        )
    return stored.records, stored.weights


def _run(request: AuthenticatedRequest, data: dict[str, Any]) -> MiningRun:
    period = data["period"]
    notes: list[str] = []
    cases, source = _cases(request, data, period, notes)
    base, weights = _baseline(request, data, period, notes)
    min_cases = int(data["min_cases"])
    if source == CTDC_SOURCE and min_cases < CTDC_MIN_CASES:
        min_cases = CTDC_MIN_CASES
        notes.append(
            _(
                "CTDC data: a combination needs at least %(k)d cases (the release's "
                "k-anonymity), so small cells of a sample are never shown."
            )
            % {"k": CTDC_MIN_CASES}
        )
    started = time.perf_counter()
    found = mine_candidates(
        cases,
        base,
        min_cases=min_cases,
        min_lift=float(data["min_lift"]),
        top=20,
        baseline_weights=weights,
        narrow_by_protected=bool(data["narrow_by_protected"]),
    )
    today = timezone.localdate()
    result: MiningResult = check_drafts(
        found, owner="-", valid_from=today, review_by=today, source=source
    )
    seconds = time.perf_counter() - started
    run = MiningRun(
        source=source,
        cases=cases.num_rows,
        baseline_rows=base.num_rows,
        baseline_travellers=sum(weights) if weights is not None else float(base.num_rows),
        weighted=weights is not None,
        seconds=seconds,
        notes=notes,
    )
    lang = _lang()
    for i, (candidate, _text) in enumerate(result.drafts, start=1):
        token = services.candidate_token(
            user=request.user, candidate=candidate, source=source, index=i
        )
        run.drafts.append(
            ShownCandidate(
                words=_words(candidate, lang),
                candidate=candidate,
                form=DraftForm(initial={"token": token}, prefix=f"c{i}"),
            )
        )
    for (candidate, reason), reason_zh in zip(result.refused, result.refused_zh, strict=True):
        run.dropped.append(
            ShownCandidate(
                words=_words(candidate, lang),
                candidate=candidate,
                reason=reason_zh if lang == "zh" else reason,
            )
        )
    return run


def _words(candidate: Candidate, lang: str) -> str:
    joiner = "且" if lang == "zh" else " and "
    return joiner.join(it.words(lang) for it in candidate.items)


@body_limit("MANIFEST_MAX_BYTES")
@allow(PROFILE_ROLES)
def mine_view(request: AuthenticatedRequest) -> HttpResponse:
    """Choose the cases, the traffic and the period; run; see the candidates."""
    form = MiningForm(request.POST or None, request.FILES or None)
    status, run, errors = 200, None, []
    if request.method == "POST":
        if form.is_valid():
            data = {**form.cleaned_data, "period": form.period()}
            try:
                run = _run(request, data)
            except InputError as exc:
                errors = [problem_text(p) for p in exc.problems]
                status = 422
            except _FileProblemsError as shown:
                errors = shown.texts
                status = 422
            else:
                selectors.mining_audit(user=request.user, source=data["source"], request=request)
        else:
            status = 422
    return render(
        request, "outcomes/mine.html", {"form": form, "run": run, "errors": errors}, status=status
    )


@allow(PROFILE_ROLES)
def mine_draft_view(request: AuthenticatedRequest) -> HttpResponse:
    """Make a draft profile of one candidate (its evidence from the signed token)."""
    prefix = next((k.split("-", 1)[0] for k in request.POST if k.endswith("-token")), None)
    form = DraftForm(request.POST or None, prefix=prefix)
    return submit_form(
        request,
        form,
        lambda data: services.mined_draft_create(
            actor=request.user,
            token=data["token"],
            rationale_en=data["rationale_en"],
            rationale_zh=data["rationale_zh"],
            request=request,
        ),
        done=_(
            "The draft profile is made. It goes to approval once its rationale is written in "
            "both languages; a second person approves it."
        ),
        then=lambda version: redirect("profiles:detail", pk=version.pk),
        again=lambda status, errors: render(
            request,
            "outcomes/mine.html",
            {"form": MiningForm(), "run": None, "errors": errors, "draft_form": form},
            status=status,
        ),
        refusal_on_form=True,
        problems_on_page=True,
    )
