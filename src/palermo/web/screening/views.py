"""Screening pages: the desk (one traveller), a traveller's hits with their dispositions, the
batch upload and its jobs, and the hit queue with filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import lazy
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from palermo.errors import InputError, PalermoError
from palermo.records.mrz import parse_mrz
from palermo.records.readers import FORMATS
from palermo.web.accounts.models import User
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.dates import DateBox
from palermo.web.lib.errors import NotPermittedError
from palermo.web.lib.params import IdField
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem_text, rule_text
from palermo.web.lib.roles import BATCH_ROLES, DESK_ROLES, HIT_ROLES
from palermo.web.lib.submit import refusal_on_form_fields
from palermo.web.lib.training import in_training
from palermo.web.lib.uploads import body_limit, refuse_large_upload
from palermo.web.screening import selectors, services
from palermo.web.screening.forms import (
    CorrectionForm,
    DispositionForm,
    GroupDispositionForm,
    TravellerForm,
    country_options,
    mrz_values,
)
from palermo.web.screening.models import HIT_STATUS_CHOICES, PENDING, Hit, JobStatus, Traveller
from palermo.web.screening.presentation import traveller_document

QUEUE_PAGE_SIZE = 50


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _desk_context(form: TravellerForm, **more: object) -> dict[str, object]:
    return {"form": form, "countries": country_options(get_language() or "en"), **more}


def _read_zone(request: HttpRequest) -> tuple[TravellerForm, dict[str, object], int]:
    """The desk form filled from the machine-readable zone typed or scanned into it (the other
    values typed so far kept); the zone's problems (each failed check digit) beside it."""
    values = {k: v for k, v in request.POST.items() if k not in ("csrfmiddlewaretoken", "read")}
    try:
        mrz = parse_mrz(request.POST.get("mrz", ""))
    except InputError as exc:
        form = TravellerForm(initial=values)
        return form, {"mrz_errors": [problem_text(p) for p in exc.problems]}, 422
    values.update(mrz_values(mrz))
    form = TravellerForm(initial=values)
    lang = get_language() or "en"
    notes = [n.zh if lang.startswith("zh") else n.en for n in mrz.notes]
    return form, {"mrz_read": True, "mrz_notes": notes}, 200


def _training_prefill(request: AuthenticatedRequest) -> dict[str, str] | None:
    """In the training sandbox the desk opens filled from the query string (an exercise's
    scenario traveller: ``academy``'s briefing links here); nothing is screened until the
    trainee submits. Never for live work: a real record does not travel in a URL, which
    server logs keep."""
    if request.method != "GET" or not request.GET or not in_training(request.user):
        return None
    return request.GET.dict()


@allow(DESK_ROLES)
def desk(request: AuthenticatedRequest) -> HttpResponse:
    """Enter a traveller (by hand, or from the machine-readable zone); the hits appear below
    the form with their dispositions. With htmx the form and the result are swapped together,
    so a refused value shows its message beside its field."""
    if request.method == "POST" and request.POST.get("read"):
        form, more, status = _read_zone(request)
        template = "screening/_desk.html" if _is_htmx(request) else "screening/desk.html"
        return render(request, template, _desk_context(form, **more), status=status)
    form = TravellerForm(request.POST or None, initial=_training_prefill(request))
    context = _desk_context(form)
    status = 200
    if request.method == "POST":
        if form.is_valid() and form.record is not None:
            traveller, _hits = services.desk_screen(
                actor=request.user, record=form.record, request=request
            )
            if traveller is not None and not _is_htmx(request):
                return redirect("screening:traveller", pk=traveller.pk)
            context.update({"screened": True, "traveller": traveller})
            if traveller is not None:
                context.update(_hits_context(request, traveller, fold_own_forms=True))
        else:
            status = 422
        if _is_htmx(request):
            return render(request, "screening/_desk.html", context, status=status)
    return render(request, "screening/desk.html", context, status=status)


HitCard = tuple[Hit, DispositionForm | None, CorrectionForm | None]


def _with_reasons(request: AuthenticatedRequest, hits: list[Hit], purpose: str) -> list[Hit]:
    """Give each hit its reasons in the page's language (``reason_lines``): one audited read."""
    lines = selectors.hit_reasons(
        user=request.user,
        hits=hits,
        language=get_language() or "en",
        purpose=purpose,
        request=request,
    )
    for hit in hits:
        hit.reason_lines = lines.get(hit.pk, [])  # type: ignore[attr-defined]
    return hits


def _hit_cards(
    request: AuthenticatedRequest, traveller: Traveller, *, with_forms: bool = True
) -> list[HitCard]:
    hits = list(selectors.traveller_hits(user=request.user, traveller=traveller))
    hits = _with_reasons(request, hits, "review hits")
    waiting = sum(1 for hit in hits if hit.status == PENDING)
    if not with_forms and waiting > 1:
        return [(hit, None, None) if hit.status == PENDING else _card(request, hit) for hit in hits]
    return [_card(request, hit) for hit in hits]


def _card(
    request: AuthenticatedRequest,
    hit: Hit,
    form: DispositionForm | None = None,
    correction: CorrectionForm | None = None,
) -> HitCard:
    """A hit with its disposition form (while pending) or its correction form (when the user
    may correct the recorded disposition)."""
    # nothing ticked: the officer ticks only what they saw (the profile's indicators are a hint
    # shown on the card, never an observation)
    form = form or DispositionForm(prefix=f"hit{hit.pk}", source=hit.source)
    if correction is None and services.disposition_can_correct(actor=request.user, hit=hit):
        d = hit.disposition
        correction = CorrectionForm(
            prefix=f"fix{hit.pk}",
            source=hit.source,
            initial={"kind": d.kind, "observed": list(d.observed), "reason": d.reason},
        )
    return hit, form, correction


def _render_card(request: AuthenticatedRequest, card: HitCard, status: int = 200) -> HttpResponse:
    hit, form, correction = card
    _with_reasons(request, [hit], "review hits")
    return render(
        request,
        "screening/_hit.html",
        {"hit": hit, "form": form, "correction": correction},
        status=status,
    )


def _hits_context(
    request: AuthenticatedRequest,
    traveller: Traveller,
    group: GroupDispositionForm | None = None,
    *,
    fold_own_forms: bool = False,
) -> dict[str, object]:
    """A traveller's hits as one group: every card, the combined profile weight and best
    watchlist score (never added together), and one form for all the hits still waiting.

    ``fold_own_forms`` (the desk): while the group form is shown, a card links to its own form
    on the traveller's page instead of carrying it; the officer records one disposition for
    all, and the hits left out come back with their own forms. (Thirty full forms made the
    desk's answer 100 KB and most of its time.)"""
    cards = _hit_cards(request, traveller, with_forms=not fold_own_forms)
    waiting = [
        (h.pk, h.title_zh if _zh() else h.title_en) for h, *_ in cards if h.status == PENDING
    ]
    if group is None and len(waiting) > 1:
        group = GroupDispositionForm(prefix=f"all{traveller.pk}", waiting=waiting)
    profile_hits = [h for h, *_ in cards if h.source != "watchlist"]
    watchlist_hits = [h for h, *_ in cards if h.source == "watchlist"]
    return {
        "traveller": traveller,
        "hits": cards,
        "group_form": group if len(waiting) > 1 else None,
        "waiting": len(waiting),
        "combined_weight": sum(h.weight for h in profile_hits),
        "profile_hits": len(profile_hits),
        "best_score": max((h.weight for h in watchlist_hits), default=None),
        "watchlist_hits": len(watchlist_hits),
        "versions": selectors.version_labels([h for h, *_ in cards], lang="zh" if _zh() else "en"),
    }


def _zh() -> bool:
    return (get_language() or "en").startswith("zh")


@allow(HIT_ROLES)
def traveller(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    person = selectors.traveller_get(
        user=request.user, pk=pk, purpose="review hits", request=request
    )
    context = _hits_context(request, person)
    context["document"] = traveller_document(selectors.traveller_record(person), zh=_zh())
    context["interviews"] = selectors.traveller_interviews(user=request.user, traveller=person)
    return render(request, "screening/traveller.html", context)


@allow(HIT_ROLES)
@require_POST
def traveller_dispose(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One disposition for all of a traveller's waiting hits, except those left out."""
    person = selectors.traveller_get(
        user=request.user, pk=pk, purpose="hit disposition", request=request
    )
    waiting = [
        (h.pk, h.title_zh if _zh() else h.title_en)
        for h in selectors.traveller_hits(user=request.user, traveller=person)
        if h.status == PENDING
    ]
    form = GroupDispositionForm(request.POST, prefix=f"all{person.pk}", waiting=waiting)
    status = 200
    if form.is_valid():
        try:
            services.traveller_hits_dispose(
                actor=request.user,
                traveller=person,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                observed=form.cleaned_data["observed"],
                exceptions=form.left_out(),
                age_in_doubt=form.cleaned_data.get("age_in_doubt", False),
                request=request,
            )
        except PalermoError as exc:
            refusal_on_form_fields(form, exc)
            status = 422 if isinstance(exc, InputError) else 409
        else:
            if not _is_htmx(request):
                return redirect("screening:traveller", pk=person.pk)
            return render(request, "screening/_hits.html", _hits_context(request, person))
    else:
        status = 422
    if not _is_htmx(request):
        context = _hits_context(request, person, group=form)
        context["document"] = traveller_document(selectors.traveller_record(person), zh=_zh())
        context["interviews"] = selectors.traveller_interviews(user=request.user, traveller=person)
        return render(request, "screening/traveller.html", context, status=status)
    return render(
        request, "screening/_hits.html", _hits_context(request, person, group=form), status=status
    )


def _save_hit_form(
    request: AuthenticatedRequest,
    hit: Hit,
    form: forms.Form,
    save: Callable[[dict[str, Any]], None],
    *,
    not_permitted_status: int,
) -> tuple[Hit, int]:
    """Save a hit's disposition form with ``save``; the hit (read again when saved) and the
    status of the answer: 200 saved, 422 bad input, 409 (or ``not_permitted_status``) refused,
    the reasons shown on ``form``."""
    if not form.is_valid():
        return hit, 422
    try:
        save(form.cleaned_data)
    except PalermoError as exc:
        refusal_on_form_fields(form, exc)
        if isinstance(exc, InputError):
            return hit, 422
        return hit, not_permitted_status if isinstance(exc, NotPermittedError) else 409
    return selectors.hit_get(user=request.user, pk=hit.pk), 200


@allow(HIT_ROLES)
@require_POST
def hit_dispose(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    hit = selectors.hit_get(user=request.user, pk=pk)
    form = DispositionForm(request.POST, prefix=f"hit{hit.pk}", source=hit.source)

    def save(data: dict[str, Any]) -> None:
        services.hit_dispose(
            actor=request.user,
            hit=hit,
            kind=data["kind"],
            reason=data["reason"],
            observed=data["observed"],
            minutes=data.get("minutes"),
            age_in_doubt=data.get("age_in_doubt", False),
            request=request,
        )

    hit, status = _save_hit_form(request, hit, form, save, not_permitted_status=409)
    if status == 200 and not _is_htmx(request):
        return redirect("screening:traveller", pk=hit.traveller_id)
    return _render_card(request, _card(request, hit, form=form), status)


@allow(HIT_ROLES)
@require_POST
def disposition_correct(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Correct a recorded disposition (its recorder or a supervisor); the previous one stays in
    the hit's history."""
    hit = selectors.hit_get(user=request.user, pk=pk)
    form = CorrectionForm(request.POST, prefix=f"fix{hit.pk}", source=hit.source)

    def save(data: dict[str, Any]) -> None:
        services.disposition_correct(
            actor=request.user,
            hit=hit,
            kind=data["kind"],
            reason=data["reason"],
            observed=data["observed"],
            correction_reason=data["correction_reason"],
            request=request,
        )

    hit, status = _save_hit_form(request, hit, form, save, not_permitted_status=403)
    if status != 200:
        return _render_card(request, _card(request, hit, correction=form), status)
    if not _is_htmx(request):
        return redirect("screening:traveller", pk=hit.traveller_id)
    return _render_card(request, _card(request, hit))


class HitFilterForm(forms.Form):
    profile = forms.ChoiceField(label=_("Profile"), required=False)
    status = forms.ChoiceField(
        label=_("Disposition"), required=False, choices=[("", _("Any")), *HIT_STATUS_CHOICES]
    )
    port = forms.CharField(label=_("Port or post"), required=False, max_length=100)
    since = forms.DateField(label=_("From"), required=False, widget=DateBox())
    until = forms.DateField(label=_("Until"), required=False, widget=DateBox())
    q = forms.CharField(
        label=_("Record id or name"),
        required=False,
        max_length=200,
        help_text=_("A record id (whole or its beginning) or the traveller's name in any script."),
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("newest", _("Newest screening first")),
            ("oldest", _("Oldest screening first")),
            ("weight", _("Highest combined weight first")),
            ("event", _("Latest travel date first")),
        ],
    )
    batch = IdField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end of the period must not be before its start."))
        return data

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["profile"]).choices = [
            ("", _("Any")),
            *selectors.hit_profiles(user=user, zh=_zh()),
        ]

    def filters(self) -> selectors.HitFilters:
        """The queue filters the form holds (none when it is unbound or invalid)."""
        if not (self.is_bound and self.is_valid()):
            return selectors.HitFilters()
        data = self.cleaned_data
        return selectors.HitFilters(
            profile=data["profile"] or "",
            status=data["status"] or "",
            port=(data["port"] or "").strip(),
            since=data["since"],
            until=data["until"],
            batch=data["batch"],
            query=(data["q"] or "").strip(),
            sort=data["sort"] or "newest",
        )


@allow(HIT_ROLES)
def hit_queue(request: AuthenticatedRequest) -> HttpResponse:
    """The queue one traveller per row: who, every hit by title, the combined profile weight
    and the best watchlist score apart, how many wait for a disposition."""
    form = HitFilterForm(request.GET or None, user=request.user)
    if form.is_bound and not form.is_valid():
        if _is_htmx(request):
            # the errors belong next to the form's fields: the whole page for this search
            response = HttpResponse(status=422)
            response["HX-Redirect"] = request.get_full_path()
            return response
        context: dict[str, Any] = {"form": form, "page": None, "groups": [], "query": ""}
        return render(request, "screening/queue.html", context, status=422)
    filters = form.filters()
    page = Paginator(
        selectors.hit_groups(user=request.user, filters=filters), QUEUE_PAGE_SIZE
    ).get_page(request.GET.get("page"))
    groups = selectors.traveller_groups(
        user=request.user,
        filters=filters,
        traveller_ids=[row["traveller_id"] for row in page],
        request=request,
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "screening/_queue.html" if _is_htmx(request) else "screening/queue.html"
    return render(
        request,
        template,
        {"form": form, "page": page, "groups": groups, "query": query.urlencode()},
    )


class UploadForm(forms.Form):
    manifest = forms.FileField(
        label=_("Manifest"),
        # formatted when shown, not at import: a lazy string formatted here stays English
        help_text=lazy(
            lambda: (
                _("CSV, Parquet, JSON Lines or a UN/EDIFACT PAXLST message (%(types)s).")
                % {"types": ", ".join(sorted(FORMATS))}
            ),
            str,
        )(),
    )

    def clean_manifest(self) -> object:
        upload = self.cleaned_data.get("manifest")
        refuse_large_upload(upload, "MANIFEST_MAX_BYTES")  # before a byte of it is read
        return upload


@body_limit("MANIFEST_MAX_BYTES")
@allow(BATCH_ROLES)
def batch_list(request: AuthenticatedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            upload = form.cleaned_data["manifest"]
            try:
                job = services.batch_job_create(
                    actor=request.user,
                    file_name=upload.name,
                    chunks=upload.chunks(),
                    request=request,
                )
            except InputError as exc:
                for problem in exc.problems:
                    form.add_error("manifest", rule_text(problem))
                status = 422
            else:
                return redirect("screening:batch", pk=job.pk)
        else:
            status = 422
    jobs = Paginator(selectors.batch_job_list(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "screening/batches.html", {"form": form, "page": jobs}, status=status)


@allow(BATCH_ROLES)
def batch(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = selectors.batch_job_get(user=request.user, pk=pk)
    running = job.status in {JobStatus.QUEUED.value, JobStatus.RUNNING.value}
    template = "screening/_batch_status.html" if _is_htmx(request) else "screening/batch.html"
    return render(request, template, {"job": job, "running": running})
