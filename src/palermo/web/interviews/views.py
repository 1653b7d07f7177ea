"""Interview pages: the list (with referrals waiting), one question group per step saved as
the interviewer goes (htmx), the assessment with its reasoning, and opening a case.

The first-line screen and the second-line interview have their own URLs, so each declares
exactly the roles that run it."""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from palermo.errors import InputError, PalermoError
from palermo.indicators.instruments import Question
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.cases.models import CONSENT_CHECKLIST
from palermo.web.directory.models import LANGUAGE_CHOICES
from palermo.web.interviews import selectors, services
from palermo.web.interviews.models import Interview, InterviewKind
from palermo.web.interviews.presentation import assessment_view
from palermo.web.interviews.steps import (
    FIRST_LINE_INSTRUMENT,
    SECOND_LINE_INSTRUMENTS,
    Step,
    asked_now,
    assess_saved_answers,
    instrument,
    steps_of,
    stored,
)
from palermo.web.lib.errors import EditConflictError, reasons
from palermo.web.lib.params import id_param
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem
from palermo.web.lib.roles import FIRST_LINE_ROLES, OPEN_CASE_ROLES, SECOND_LINE_ROLES, has_role
from palermo.web.lib.submit import refusal_as_messages, submit_button


def lang() -> str:
    return "zh" if (get_language() or "en").startswith("zh") else "en"


def _url_prefix(kind: InterviewKind) -> str:
    return "interviews:screen" if kind is InterviewKind.FIRST_LINE else "interviews:interview"


@dataclass(frozen=True, slots=True)
class ShownOption:
    id: str
    text: str
    checked: bool


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    id: str
    text: str
    guidance: str
    multiple: bool
    options: tuple[ShownOption, ...]
    declined: bool


def _shown(question: Question, value: Any, language: str) -> ShownQuestion:
    if isinstance(value, bool):
        chosen = {"yes" if value else "no"}
    elif isinstance(value, list):
        chosen = set(value)
    elif isinstance(value, str):
        chosen = {value}
    else:
        chosen = set()
    return ShownQuestion(
        id=question.id,
        text=question.text.get(language),
        guidance=question.guidance.get(language) if question.guidance else "",
        multiple=question.type.value == "multi",
        options=tuple(
            ShownOption(o.id, o.text.get(language), o.id in chosen) for o in question.options
        ),
        declined=not chosen,
    )


@allow(FIRST_LINE_ROLES)
def interview_list(request: AuthenticatedRequest) -> HttpResponse:
    second_line = request.user.role in SECOND_LINE_ROLES
    return render(
        request,
        "interviews/list.html",
        {
            "interviews": selectors.interview_list(user=request.user)[:100],
            "referrals": selectors.referrals_waiting(user=request.user) if second_line else [],
            "second_line": second_line,
            "second_line_instruments": SECOND_LINE_INSTRUMENTS,
        },
    )


@allow(FIRST_LINE_ROLES)
@require_POST
def start(request: AuthenticatedRequest) -> HttpResponse:
    instrument_id = request.POST.get("instrument", FIRST_LINE_INSTRUMENT)
    hit = None
    screen_id = request.POST.get("screen", "")
    if screen_id.isdigit() and instrument_id in SECOND_LINE_INSTRUMENTS:
        # the screen offered a private interview: the interview concerns the same traveller
        screened = selectors.interview_get(
            user=request.user,
            pk=int(screen_id),
            kind=InterviewKind.FIRST_LINE,
            purpose="second-line interview from first-line screen",
            request=request,
        )
        hit = screened.hit
    hit_id = request.POST.get("hit", "")
    if hit_id:
        # a first-line screen starts from any hit of the traveller; a second-line interview
        # takes up a referral
        get = (
            selectors.screened_hit_get
            if instrument_id == FIRST_LINE_INSTRUMENT
            else selectors.referred_hit_get
        )
        hit = get(user=request.user, pk=id_param(hit_id, name="hit"))
    try:
        interview = services.interview_start(
            actor=request.user,
            instrument_id=instrument_id,
            hit=hit,
            age_in_doubt=request.POST.get("age_in_doubt") == "yes",
            request=request,
        )
    except PalermoError as exc:
        refusal_as_messages(request, exc)
        return redirect("interviews:list")
    kind = InterviewKind(interview.kind)
    return redirect(f"{_url_prefix(kind)}_step", pk=interview.pk, step=0)


def _step_context(interview: Interview, index: int, language: str) -> dict[str, Any]:
    inst = instrument(interview.instrument_id)
    steps = steps_of(inst)
    index = max(0, min(index, len(steps) - 1))
    step: Step = steps[index]
    doc = stored(interview.answers)
    is_asked = asked_now(inst, doc)
    kind = InterviewKind(interview.kind)
    return {
        "interview": interview,
        "instrument_title": inst.title.get(language),
        "guidance": inst.guidance.get(language) if inst.guidance else "",
        "steps": [(i, s.title.get(language)) for i, s in enumerate(steps)],
        "index": index,
        "step": step,
        "step_title": step.title.get(language),
        "is_last": index == len(steps) - 1,
        "consent": [
            (c.id, c.text.get(language), c.required, doc["consent"].get(c.id) is True)
            for c in inst.consent
        ]
        if step.is_consent
        else [],
        "questions": [
            _shown(q, doc["answers"].get(q.id), language) for q in step.questions if is_asked[q.id]
        ],
        "prefix": _url_prefix(kind),
    }


def missing_consent(interview: Interview, language: str) -> list[str]:
    """The required consent items not (yet) given, in ``language``."""
    doc = stored(interview.answers)
    return [
        c.text.get(language)
        for c in instrument(interview.instrument_id).consent
        if c.required and doc["consent"].get(c.id) is not True
    ]


def _go(request: HttpRequest, target: str) -> HttpResponse:
    """To ``target``: a redirect, or for htmx a 204 that tells htmx where to go."""
    if request.headers.get("HX-Request") == "true":
        response = HttpResponse(status=204)
        response["HX-Redirect"] = target
        return response
    return redirect(target)


def _posted_revision(request: AuthenticatedRequest) -> int | None:
    """The interview's revision the step's page was drawn with (``None``: not sent, as by a
    page drawn before the revision existed)."""
    raw = request.POST.get("revision", "")
    if raw == "":
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 9:
        raise InputError(
            [
                problem(
                    where=gettext_lazy("interview step"),
                    field="revision",
                    value=raw[:40],
                    rule=gettext_lazy("must be a whole number; reload the page"),
                )
            ]
        )
    return int(raw)


def _next_target(
    request: AuthenticatedRequest, interview: Interview, context: dict[str, Any], step: int
) -> str | None:
    """Where "Save and continue" (or "Back") leads after a save; ``None`` to stay. On the
    consent step, "continue" without every required consent stays, saying what to do."""
    go = request.POST.get("go", "")
    pk = interview.pk
    if go == "back" and step > 0:
        return reverse(f"{context['prefix']}_step", kwargs={"pk": pk, "step": step - 1})
    if go != "next":
        return None
    missing = missing_consent(interview, lang()) if context["step"].is_consent else []
    if missing:
        context["errors"] = [
            _("The interview cannot go on without the person's consent to: %(items)s.")
            % {"items": "; ".join(missing)}
        ]
        context["consent_refused"] = True
        return None
    if not context["is_last"]:
        return reverse(f"{context['prefix']}_step", kwargs={"pk": pk, "step": step + 1})
    if interview.case_id is None:
        # "Save and assess": the deliberate submit stores the assessment; answers that cannot
        # be assessed yet (no consent) show their reasons on the page.
        with contextlib.suppress(InputError):
            services.interview_assess(
                actor=request.user, interview=interview, language=lang(), request=request
            )
    return reverse(f"{context['prefix']}_result", kwargs={"pk": pk})


def _posted_answers(request: HttpRequest, context: dict[str, Any]) -> dict[str, Any]:
    answers: dict[str, Any] = {}
    for question in context["questions"]:
        if question.multiple:
            answers[question.id] = request.POST.getlist(question.id)
        else:
            answers[question.id] = request.POST.get(question.id, "")
    return answers


def _step(request: AuthenticatedRequest, pk: int, step: int, kind: InterviewKind) -> HttpResponse:
    interview = selectors.interview_get(
        user=request.user, pk=pk, kind=kind, purpose="interview", request=request
    )
    context = _step_context(interview, step, lang())
    status = 200
    if context["index"] > 0 and missing_consent(interview, lang()):
        # consent comes first: no question is asked before the person has agreed
        messages.warning(
            request, _("Consent comes first: the interview goes on only once it is given.")
        )
        return _go(request, reverse(f"{context['prefix']}_step", kwargs={"pk": pk, "step": 0}))
    if request.method == "POST":
        current: Step = context["step"]
        consent = (
            {cid: f"consent_{cid}" in request.POST for cid, *_rest in context["consent"]}
            if current.is_consent
            else None
        )
        try:
            interview = services.interview_save(
                actor=request.user,
                interview=interview,
                consent=consent,
                answers=_posted_answers(request, context),
                # the step's buttons submit; a change alone saves as one goes (autosave)
                revision=_posted_revision(request),
                submit="go" in request.POST,
                request=request,
            )
        except EditConflictError as exc:
            # an autosave from before the latest submit: the form as it is saved now, with
            # the revision that lets the next change be saved
            interview.refresh_from_db()
            context = _step_context(interview, step, lang())
            context["errors"] = reasons(exc)
            status = 409
        except PalermoError as exc:
            context["errors"] = reasons(exc)
            status = 422
        else:
            context = _step_context(interview, step, lang())
            context["saved_at"] = timezone.localtime()
            target = _next_target(request, interview, context, step)
            if target is not None:
                return _go(request, target)
            if context.get("consent_refused"):
                status = 422
        if request.headers.get("HX-Request") == "true":
            return render(request, "interviews/_step_form.html", context, status=status)
    return render(request, "interviews/step.html", context, status=status)


class OpenCaseForm(forms.Form):
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=300)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"), max_length=100, required=False
    )
    contact = forms.CharField(
        label=gettext_lazy("Contact details (safe to use)"), max_length=500, required=False
    )
    note = forms.CharField(
        label=gettext_lazy("First note on the case"),
        help_text=gettext_lazy(
            "Dated and signed with your name, and never changed; later notes are added on the "
            "case page."
        ),
        widget=forms.Textarea({"rows": 4}),
        required=False,
    )
    child_protection = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ChildCaseForm(OpenCaseForm):
    """Opening a child's case: the referral to child protection goes with it."""

    accompanying_adult = forms.CharField(
        label=gettext_lazy("The adult the child travelled with (name as given), if any"),
        help_text=gettext_lazy(
            "Kept to check that this adult is not made the guardian by default."
        ),
        max_length=300,
        required=False,
    )
    area = forms.CharField(
        label=gettext_lazy("Where the child is now (province or city)"),
        help_text=gettext_lazy(
            "The service directory routes the referral to a child-protection service there."
        ),
        max_length=200,
        required=False,
    )
    language = forms.ChoiceField(
        label=gettext_lazy("The language the child speaks best"),
        choices=[("", "—"), *LANGUAGE_CHOICES],
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CONSENT_CHECKLIST:
            self.fields[f"consent_{key}"] = forms.BooleanField(label=label, required=False)
        self.fields[f"consent_{CONSENT_CHECKLIST[0][0]}"].help_text = gettext_lazy(
            "The child's consent (with their representative) to the referral and to the "
            "service's help: tick every item, or none to record consent later on the case."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        ticked = {key: bool(data.pop(f"consent_{key}", False)) for key, _ in CONSENT_CHECKLIST}
        if any(ticked.values()) and not all(ticked.values()):
            raise forms.ValidationError(
                gettext_lazy(
                    "Consent is recorded when every item of the checklist was covered: tick "
                    "every item, or none."
                )
            )
        data["consent"] = ticked if all(ticked.values()) else None
        return data


def _result(request: AuthenticatedRequest, pk: int, kind: InterviewKind) -> HttpResponse:
    """GET shows the stored assessment (or, before one is stored, a preview that says so and
    stores nothing); POST assesses the saved answers and stores the result."""
    interview = selectors.interview_get(
        user=request.user, pk=pk, kind=kind, purpose="interview assessment", request=request
    )
    language = lang()
    prefix = _url_prefix(kind)
    context: dict[str, Any] = {
        "interview": interview,
        "prefix": prefix,
        "language": language,
        "steps": [
            (i, s.title.get(language))
            for i, s in enumerate(steps_of(instrument(interview.instrument_id)))
        ],
        "can_assess": interview.case_id is None,
    }
    if request.method == "POST":
        try:
            services.interview_assess(
                actor=request.user, interview=interview, language=language, request=request
            )
        except PalermoError as exc:
            context["errors"] = reasons(exc)
            return render(request, "interviews/result.html", context, status=422)
        return redirect(f"{prefix}_result", pk=pk)
    try:
        if interview.result:
            result = json.loads(interview.result)
            context["stored"] = True
        else:
            result, _outcome = assess_saved_answers(
                interview.instrument_id,
                interview.answers,
                language,
                age_in_doubt=interview.age_in_doubt,
            )
            context["stored"] = False
    except InputError as exc:
        context["errors"] = reasons(exc)
        return render(request, "interviews/result.html", context, status=422)
    view = assessment_view(result, language)
    context["view"] = view
    may_open = (
        kind is InterviewKind.SECOND_LINE
        and context.get("stored")
        and interview.case_id is None
        and has_role(request.user, OPEN_CASE_ROLES)
    )
    context["can_open_case"] = may_open and interview.outcome in services.CASE_OUTCOMES
    context["can_refer_child"] = may_open and view.child_protection_referral
    context["form"] = OpenCaseForm()
    context["child_form"] = ChildCaseForm(initial={"child_protection": True}, prefix="child")
    context["case_url"] = _case_url(interview)
    context.update(_next_steps(request, interview, view.outcome))
    return render(request, "interviews/result.html", context)


def _next_steps(request: HttpRequest, interview: Interview, outcome: str) -> dict[str, Any]:
    """What a first-line screen that offers an interview leads to: the second-line interview
    (for those who run it) or the referral of the traveller's hit (for the officer)."""
    if interview.kind != InterviewKind.FIRST_LINE.value or outcome != "offer_interview":
        return {}
    hit = interview.hit
    return {
        "offer": True,
        "may_interview": has_role(request.user, SECOND_LINE_ROLES),
        "may_refer": hit is not None and hit.status == "pending",
        "referred": hit is not None and hit.status == "referred",
        "second_line_instruments": SECOND_LINE_INSTRUMENTS,
    }


def _case_url(interview: Interview) -> str:
    if interview.case_id is None:
        return ""
    try:
        return reverse("cases:detail", kwargs={"pk": interview.case_id})
    except NoReverseMatch:
        return ""


@allow(OPEN_CASE_ROLES)
@require_POST
def open_case(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    interview = selectors.interview_get(
        user=request.user,
        pk=pk,
        kind=InterviewKind.SECOND_LINE,
        purpose="open case",
        request=request,
    )
    child = request.POST.get("child-child_protection") is not None
    form = ChildCaseForm(request.POST, prefix="child") if child else OpenCaseForm(request.POST)
    if form.is_valid():
        # the referral to child protection follows from the stored assessment, not the form
        data = {k: v for k, v in form.cleaned_data.items() if k != "child_protection"}
        try:
            case = services.interview_open_case(
                actor=request.user, interview=interview, request=request, **data
            )
        except PalermoError as exc:
            refusal_as_messages(request, exc)
        else:
            messages.success(request, _("Case %(ref)s opened.") % {"ref": case.reference})
            url = _case_url(interview)
            return redirect(url or reverse("interviews:interview_result", kwargs={"pk": pk}))
    else:
        for field, errors in form.errors.items():
            for error in errors:
                label = form.fields[field].label if field in form.fields else ""
                messages.error(request, f"{label}: {error}" if label else str(error))
    return redirect("interviews:interview_result", pk=pk)


@allow(FIRST_LINE_ROLES)
@require_POST
def screen_refer(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The screen offers a private interview: refer the traveller's hit to a second-line
    interview, naming what the officer recorded in the screen."""
    interview = selectors.interview_get(
        user=request.user,
        pk=pk,
        kind=InterviewKind.FIRST_LINE,
        purpose="refer from first-line screen",
        request=request,
    )
    return submit_button(
        request,
        lambda: services.screen_refer(actor=request.user, interview=interview, request=request),
        done=_("Referred: the traveller waits for a private second-line interview."),
        back=redirect("interviews:screen_result", pk=pk),
    )


@allow(FIRST_LINE_ROLES)
def by_reference(request: AuthenticatedRequest, reference: str) -> HttpResponse:
    """An interview by its reference (the case file names it): its result page."""
    interview = selectors.interview_by_reference(user=request.user, reference=reference)
    kind = InterviewKind(interview.kind)
    return redirect(f"{_url_prefix(kind)}_result", pk=interview.pk)


@allow(FIRST_LINE_ROLES)
def screen_step(request: AuthenticatedRequest, pk: int, step: int) -> HttpResponse:
    return _step(request, pk, step, InterviewKind.FIRST_LINE)


@allow(FIRST_LINE_ROLES)
@require_http_methods(["GET", "POST"])
def screen_result(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _result(request, pk, InterviewKind.FIRST_LINE)


@allow(SECOND_LINE_ROLES)
def interview_step(request: AuthenticatedRequest, pk: int, step: int) -> HttpResponse:
    return _step(request, pk, step, InterviewKind.SECOND_LINE)


@allow(SECOND_LINE_ROLES)
@require_http_methods(["GET", "POST"])
def interview_result(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _result(request, pk, InterviewKind.SECOND_LINE)
