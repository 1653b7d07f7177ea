"""Training academy pages: the module library, courses, cohorts (enrolment, attendance), the
trainee's knowledge tests and the trainer's dashboard."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlencode

from django import forms
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from palermo.errors import InputError, PalermoError
from palermo.indicators.catalogue import Text, load_catalogue
from palermo.records.schema import INPUT_FIELDS
from palermo.records.value_labels import value_label
from palermo.training.modules import MODULE_KEYS, builtin_modules, module
from palermo.training.package import assemble, package_bytes
from palermo.training.questions import Question, questions_for
from palermo.training.scenario import Scenario
from palermo.training.scoring import Interpreter
from palermo.web.academy import selectors, services
from palermo.web.academy.bank import scenario_bank
from palermo.web.academy.imports import scenarios_generate as scenarios_generate_service
from palermo.web.academy.models import Cohort, Course, Enrolment, Exercise, Phase
from palermo.web.accounts.models import User
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.charts import Chart, Column, bar_chart, line_chart
from palermo.web.lib.dates import DateBox
from palermo.web.lib.params import id_param
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    ACADEMY_ROLES,
    ACADEMY_TRAINER_ROLES,
    DESK_ROLES,
    OPEN_CASE_ROLES,
    REFERRAL_SEND_ROLES,
    SECOND_LINE_ROLES,
    has_role,
)
from palermo.web.lib.submit import refusal_as_messages, refusal_on_form_fields, submit_form
from palermo.web.lib.training import in_training


def _lang() -> str:
    return "zh" if (get_language() or "en").startswith("zh") else "en"


class CourseForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title (English)"), max_length=200)
    title_zh = forms.CharField(label=gettext_lazy("Title (Chinese)"), max_length=200)
    summary = forms.CharField(
        label=gettext_lazy("Summary (English)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )
    summary_zh = forms.CharField(
        label=gettext_lazy("Summary (Chinese)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea({"rows": 2}),
    )
    modules = forms.MultipleChoiceField(
        label=gettext_lazy("Modules"), widget=forms.CheckboxSelectMultiple
    )
    scenarios = forms.MultipleChoiceField(
        label=gettext_lazy("Practice scenarios"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = _lang()
        mods = builtin_modules()
        self.fields["modules"].choices = [(k, mods[k].title.get(lang)) for k in MODULE_KEYS]  # type: ignore[attr-defined]
        self.fields["scenarios"].choices = [  # type: ignore[attr-defined]
            (s.id, f"{s.title.get(lang)} ({s.truth.category.label.get(lang)})")
            for s in scenario_bank()
        ]


class GenerateForm(forms.Form):
    n = forms.IntegerField(
        label=gettext_lazy("Number of scenarios"), min_value=1, max_value=24, initial=6
    )
    seed = forms.IntegerField(
        label=gettext_lazy("Random seed"), min_value=0, max_value=2**31, initial=1
    )


class CohortForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Cohort name"), max_length=200)
    starts_on = forms.DateField(label=gettext_lazy("Starts on"), widget=DateBox())


class EnrolForm(forms.Form):
    username = forms.CharField(label=gettext_lazy("User name of the trainee"), max_length=150)


class SessionForm(forms.Form):
    held_on = forms.DateField(label=gettext_lazy("Day held"), widget=DateBox())
    topic = forms.CharField(label=gettext_lazy("Topic"), max_length=200)
    present = forms.MultipleChoiceField(
        label=gettext_lazy("Present"), widget=forms.CheckboxSelectMultiple, required=False
    )

    def __init__(self, *args: Any, cohort: Cohort, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["present"].choices = [  # type: ignore[attr-defined]
            (str(e.pk), e.display_name) for e in cohort.enrolments.all()
        ]


T = TypeVar("T")


class SimulateForm(forms.Form):
    size = forms.IntegerField(label=gettext_lazy("Trainees"), min_value=1, max_value=200)
    exercises = forms.IntegerField(
        label=gettext_lazy("Exercises per trainee"), min_value=1, max_value=50
    )
    seed = forms.IntegerField(label=gettext_lazy("Random seed"), min_value=0, max_value=2**31)


class KnowledgeTestForm(forms.Form):
    def __init__(self, *args: Any, questions: list[Question], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lang = _lang()
        for q in questions:
            self.fields[q.id] = forms.ChoiceField(
                label=q.text.get(lang),
                choices=[(o.id, o.text.get(lang)) for o in q.options],
                widget=forms.RadioSelect,
            )


def _trainer_form(
    request: AuthenticatedRequest,
    form_name: str,
    form: forms.Form,
    save: Callable[[dict[str, Any]], T],
    *,
    done: str,
    then: HttpResponse | Callable[[T], HttpResponse],
    page: tuple[str, Callable[[], dict[str, Any]]],
) -> HttpResponse:
    """A trainer's form posted: ``submit_form`` with the refusal at the top of the form; on
    failure the ``page`` (template, context) again with the form as ``form_name``."""
    template, context = page
    return submit_form(
        request,
        form,
        save,
        done=done,
        then=then,
        again=lambda status, _errors: render(
            request, template, {**context(), form_name: form}, status=status
        ),
        refusal_on_form=True,
    )


@allow(ACADEMY_ROLES)
def index(request: AuthenticatedRequest) -> HttpResponse:
    trainer = request.user.role in ACADEMY_TRAINER_ROLES
    enrolments = list(selectors.enrolment_list(user=request.user))
    taken = {(t.enrolment_id, t.kind) for e in enrolments for t in e.tests.all()}
    rows = [
        {
            "enrolment": e,
            "course": e.cohort.course.title_in(get_language()),
            "pre_done": (e.pk, Phase.PRE.value) in taken,
            "post_done": (e.pk, Phase.POST.value) in taken,
        }
        for e in enrolments
    ]
    context: dict[str, Any] = {"rows": rows, "trainer": trainer}
    if trainer:
        context["courses"] = selectors.course_list(user=request.user)
        context["cohorts"] = selectors.cohort_list(user=request.user)
    return render(request, "academy/index.html", context)


@allow(ACADEMY_ROLES)
def library(request: AuthenticatedRequest) -> HttpResponse:
    lang = _lang()
    mods = [
        {"key": m.key, "title": m.title.get(lang), "summary": m.summary.get(lang), "size": m.size}
        for m in builtin_modules().values()
    ]
    return render(request, "academy/library.html", {"modules": mods})


@allow(ACADEMY_ROLES)
def module_detail(request: AuthenticatedRequest, key: str) -> HttpResponse:
    try:
        found = module(key)
    except InputError:
        raise Http404 from None
    return render(request, "academy/module.html", {"module": found, "lang": _lang()})


@allow(ACADEMY_TRAINER_ROLES)
def course_create(request: AuthenticatedRequest) -> HttpResponse:
    form = CourseForm(request.POST or None)
    if request.method != "POST":
        return render(
            request, "academy/course_form.html", {"form": form, "generate_form": GenerateForm()}
        )
    return _trainer_form(
        request,
        "form",
        form,
        lambda data: services.course_create(actor=request.user, values=data, request=request),
        done=_("The course was created. Next: start a cohort."),
        then=lambda course: redirect("academy:course", pk=course.pk),
        page=("academy/course_form.html", lambda: {"generate_form": GenerateForm()}),
    )


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def scenarios_generate(request: AuthenticatedRequest) -> HttpResponse:
    """Scenarios from the synthetic population's ground truth into the bank; back to the
    course form, where they can be ticked."""
    form = GenerateForm(request.POST)
    return _trainer_form(
        request,
        "generate_form",
        form,
        lambda data: scenarios_generate_service(
            actor=request.user, n=data["n"], seed=data["seed"], request=request
        ),
        done=_(
            "Scenarios drawn from the synthetic population were added to the list: tick those "
            "to practise."
        ),
        then=redirect("academy:course_create"),
        page=("academy/course_form.html", lambda: {"form": CourseForm()}),
    )


def _course_context(request: AuthenticatedRequest, course: Course) -> dict[str, Any]:
    lang = _lang()
    wanted = set(course.scenario_ids)
    return {
        "course": course,
        "title": course.title_in(get_language()),
        "summary": course.summary_in(get_language()),
        "modules": [module(k) for k in course.module_keys],
        "scenarios": [s for s in scenario_bank() if s.id in wanted],
        "questions": len(questions_for(course.module_keys)),
        "cohorts": course.cohorts.filter(agency_id=request.user.agency_id),
        "lang": lang,
        "cohort_form": CohortForm(initial={"starts_on": timezone.localdate()}),
        "simulate_form": SimulateForm(initial={"size": 12, "exercises": 8, "seed": 1}),
    }


@allow(ACADEMY_TRAINER_ROLES)
def course_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(user=request.user, pk=pk)
    return render(request, "academy/course.html", _course_context(request, course))


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def course_export(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The course as a self-contained offline package (zip): pages, scenarios, test."""
    course = selectors.course_get(user=request.user, pk=pk)
    wanted = set(course.scenario_ids)
    built = assemble(
        key=slugify(course.title) or f"course-{course.pk}",
        title=_text(course.title, course.title_zh),
        summary=_text(course.summary, course.summary_zh),
        modules=course.module_keys,
        scenarios=[s for s in scenario_bank() if s.id in wanted],
    )
    services.course_export_audit(actor=request.user, course=course, request=request)
    response = HttpResponse(package_bytes(built), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{built.key}.zip"'
    return response


def _text(en: str, zh: str) -> Text:
    return Text(en or zh, zh or en)


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def cohort_create(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(user=request.user, pk=pk)
    form = CohortForm(request.POST)
    return _trainer_form(
        request,
        "cohort_form",
        form,
        lambda data: services.cohort_create(
            actor=request.user,
            course=course,
            name=data["name"],
            starts_on=data["starts_on"],
            request=request,
        ),
        done=_("The cohort was created. Next: enrol the trainees."),
        then=lambda cohort: redirect("academy:cohort", pk=cohort.pk),
        page=("academy/course.html", lambda: _course_context(request, course)),
    )


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def cohort_simulate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    course = selectors.course_get(user=request.user, pk=pk)
    form = SimulateForm(request.POST)
    return _trainer_form(
        request,
        "simulate_form",
        form,
        lambda data: services.cohort_simulate(
            actor=request.user,
            course=course,
            starts_on=timezone.localdate(),
            request=request,
            **data,
        ),
        done=_("A simulated cohort was created: see its dashboard."),
        then=lambda cohort: redirect("academy:dashboard", pk=cohort.pk),
        page=("academy/course.html", lambda: _course_context(request, course)),
    )


def _trainee_rows(cohort: Cohort, request: AuthenticatedRequest) -> list[dict[str, Any]]:
    enrolments, tests, exercises = selectors.cohort_results(user=request.user, cohort=cohort)
    sessions = cohort.sessions.count()
    present = Counter(
        a.enrolment_id for s in cohort.sessions.all() for a in s.attendance.all() if a.present
    )
    by_test = {(t.enrolment_id, t.kind): t.percent for t in tests}
    scores: dict[int, list[float]] = {}
    for x in exercises:
        scores.setdefault(x.enrolment_id, []).append(x.total)
    rows = []
    for e in enrolments:
        mine = scores.get(e.pk, [])
        pre, post = by_test.get((e.pk, "pre")), by_test.get((e.pk, "post"))
        rows.append(
            {
                "enrolment": e,
                "attended": present.get(e.pk, 0),
                "sessions": sessions,
                "pre": pre,
                "post": post,
                "gain": None if pre is None or post is None else round(post - pre, 1),
                "exercises": len(mine),
                "mean": round(sum(mine) / len(mine), 1) if mine else None,
            }
        )
    return rows


def _cohort_context(request: AuthenticatedRequest, cohort: Cohort) -> dict[str, Any]:
    _e, _t, exercises = selectors.cohort_results(user=request.user, cohort=cohort)
    names = {e.pk: e.display_name for e in _e}
    titles = {s.id: s.title.get(_lang()) for s in scenario_bank()}
    return {
        "cohort": cohort,
        "course_title": cohort.course.title_in(get_language()),
        "rows": _trainee_rows(cohort, request),
        "results": [
            {
                "result": x,
                "trainee": names.get(x.enrolment_id, ""),
                "title": titles.get(x.scenario_id, x.scenario_id),
            }
            for x in reversed(exercises)
        ][:100],
        "sessions": cohort.sessions.all(),
        "enrol_form": EnrolForm(),
        "session_form": SessionForm(cohort=cohort, initial={"held_on": timezone.localdate()}),
    }


@allow(ACADEMY_TRAINER_ROLES)
def cohort_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    return render(request, "academy/cohort.html", _cohort_context(request, cohort))


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def cohort_enrol(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    form = EnrolForm(request.POST)
    return _trainer_form(
        request,
        "enrol_form",
        form,
        lambda data: services.enrolment_create(
            actor=request.user, cohort=cohort, username=data["username"], request=request
        ),
        done=_("The trainee was enrolled."),
        then=redirect("academy:cohort", pk=cohort.pk),
        page=("academy/cohort.html", lambda: _cohort_context(request, cohort)),
    )


@allow(ACADEMY_TRAINER_ROLES)
@require_POST
def cohort_session(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    form = SessionForm(request.POST, cohort=cohort)
    return _trainer_form(
        request,
        "session_form",
        form,
        lambda data: services.session_record(
            actor=request.user,
            cohort=cohort,
            held_on=data["held_on"],
            topic=data["topic"],
            present=[int(p) for p in data["present"]],
            request=request,
        ),
        done=_("The day and its attendance were recorded."),
        then=redirect("academy:cohort", pk=cohort.pk),
        page=("academy/cohort.html", lambda: _cohort_context(request, cohort)),
    )


def dashboard_charts(rows: list[dict[str, Any]], exercises: list[Any]) -> list[Chart]:
    """The trainer's three charts: each trainee's exercise scores in order, each trainee's
    test gain, and the indicators most often missed."""
    trainee, number = Column("trainee", _("Trainee")), Column("n", _("Exercise"))
    names = {r["enrolment"].pk: r["enrolment"].display_name for r in rows}
    seen: Counter[int] = Counter()
    curve = []
    for x in exercises:
        seen[x.enrolment_id] += 1
        curve.append(
            {"trainee": names.get(x.enrolment_id, "?"), "n": seen[x.enrolment_id], "score": x.total}
        )
    gains = [
        {"trainee": r["enrolment"].display_name, "gain": r["gain"]}
        for r in rows
        if r["gain"] is not None
    ]
    cat = load_catalogue()
    lang = _lang()
    missed: Counter[str] = Counter(i for x in exercises for i in x.missed)
    top = [
        {
            "indicator": f"{i} {cat.indicators[i].text.get(lang)}" if i in cat.indicators else i,
            "count": c,
        }
        for i, c in missed.most_common(10)
    ]
    pre = [r["pre"] for r in rows if r["pre"] is not None]
    post = [r["post"] for r in rows if r["post"] is not None]
    note = ""
    if pre and post:
        note = _("Cohort mean: %(pre)s%% before, %(post)s%% after, gain %(gain)s points.") % {
            "pre": round(sum(pre) / len(pre), 1),
            "post": round(sum(post) / len(post), 1),
            "gain": round(sum(post) / len(post) - sum(pre) / len(pre), 1),
        }
    return [
        line_chart(
            id="exercise-scores",
            title=_("Each trainee's exercise scores, in the order done"),
            rows=curve,
            x=number,
            y=Column("score", _("Score (of 100)"), numeric=True),
            series=trainee,
        ),
        bar_chart(
            id="test-gain",
            title=_("Knowledge test: gain from before to after the course"),
            rows=gains,
            category=trainee,
            value=Column("gain", _("Gain (percentage points)"), numeric=True),
            note=note,
        ),
        bar_chart(
            id="missed-indicators",
            title=_("Indicators most often missed"),
            rows=top,
            category=Column("indicator", _("Indicator")),
            value=Column("count", _("Times missed"), numeric=True),
        ),
    ]


@allow(ACADEMY_TRAINER_ROLES)
def cohort_dashboard(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    cohort = selectors.cohort_get(user=request.user, pk=pk)
    rows = _trainee_rows(cohort, request)
    _e, _t, exercises = selectors.cohort_results(user=request.user, cohort=cohort)
    context = {
        "cohort": cohort,
        "course_title": cohort.course.title_in(get_language()),
        "rows": rows,
        "charts": dashboard_charts(rows, exercises),
    }
    return render(request, "academy/dashboard.html", context)


@allow(ACADEMY_ROLES)
def knowledge_test(request: AuthenticatedRequest) -> HttpResponse:
    """A trainee's own test: ``?enrolment=ID&kind=pre|post``; the result with the reasons."""
    source = request.POST if request.method == "POST" else request.GET
    if "enrolment" not in source:
        return redirect("academy:index")
    enrolment: Enrolment = selectors.enrolment_get(
        user=request.user, pk=id_param(source.get("enrolment"), name="enrolment")
    )
    kind = source.get("kind", "")
    if kind not in Phase.values:
        return redirect("academy:index")
    questions = questions_for(enrolment.cohort.course.module_keys)
    done = enrolment.tests.filter(kind=kind).first()
    form = KnowledgeTestForm(
        request.POST if request.method == "POST" else None, questions=questions
    )
    if done is None and request.method == "POST" and form.is_valid():
        try:
            done = services.knowledge_test_take(
                actor=request.user,
                enrolment=enrolment,
                kind=kind,
                chosen=form.cleaned_data,
                request=request,
            )
        except PalermoError as exc:
            refusal_on_form_fields(form, exc)
    lang = _lang()
    review = []
    if done is not None:
        for q in questions:
            picked = done.answers.get(q.id, "")
            review.append(
                {
                    "text": q.text.get(lang),
                    "right": picked == q.answer,
                    "picked": q.option(picked).text.get(lang) if picked else "",
                    "answer": q.option(q.answer).text.get(lang),
                    "why": q.explanation.get(lang),
                }
            )
    context = {
        "enrolment": enrolment,
        "course_title": enrolment.cohort.course.title_in(get_language()),
        "kind": kind,
        "kind_label": Phase(kind).label,
        "form": form,
        "done": done,
        "review": review,
    }
    status = 422 if request.method == "POST" and done is None else 200
    return render(request, "academy/test.html", context, status=status)


# --- practice on the real pages --------------------------------------------------------------


class FinishForm(forms.Form):
    """What the real pages cannot see of an interview, stated by the trainee on finishing."""

    private = forms.BooleanField(
        label=gettext_lazy(
            "I interviewed the person in private, without anyone who came with them"
        ),
        required=False,
    )
    interpreter = forms.ChoiceField(
        label=gettext_lazy("Who interpreted"),
        choices=[
            (Interpreter.NONE.value, gettext_lazy("No one: no interpreter was needed or used")),
            (Interpreter.PROFESSIONAL.value, gettext_lazy("A professional interpreter")),
            (Interpreter.COMPANION.value, gettext_lazy("The person who came with them")),
        ],
        widget=forms.RadioSelect,
        initial=Interpreter.NONE.value,
    )
    gave_information = forms.BooleanField(
        label=gettext_lazy("I told the person where to get help (hotline, support services)"),
        required=False,
    )
    asylum_information = forms.BooleanField(
        label=gettext_lazy("I told the person how to apply for asylum"), required=False
    )


def _scenario_rows(enrolment: Enrolment) -> list[dict[str, Any]]:
    lang = _lang()
    wanted = enrolment.cohort.course.scenario_ids
    return [
        {"id": s.id, "title": s.title.get(lang), "category": s.truth.category.label.get(lang)}
        for s in scenario_bank()
        if s.id in wanted
    ]


@allow(ACADEMY_ROLES)
def practice(request: AuthenticatedRequest) -> HttpResponse:
    """The trainee's practice: each course's scenarios to start, and their exercises."""
    enrolments = list(selectors.enrolment_list(user=request.user))
    context = {
        "courses": [
            {
                "enrolment": e,
                "course": e.cohort.course.title_in(get_language()),
                "scenarios": _scenario_rows(e),
            }
            for e in enrolments
        ],
        "exercises": _exercise_rows(selectors.exercise_list(user=request.user)),
        "sandbox": in_training(request.user),
    }
    return render(request, "academy/practice.html", context)


def _exercise_rows(exercises: Any) -> list[dict[str, Any]]:
    lang = _lang()
    titles = {s.id: s.title.get(lang) for s in scenario_bank()}
    return [{"exercise": x, "title": titles.get(x.scenario_id, x.scenario_id)} for x in exercises]


@allow(ACADEMY_ROLES)
@require_POST
def practice_start(request: AuthenticatedRequest) -> HttpResponse:
    enrolment = selectors.enrolment_get(
        user=request.user, pk=id_param(request.POST.get("enrolment"), name="enrolment")
    )
    try:
        exercise = services.exercise_start(
            actor=request.user,
            enrolment=enrolment,
            scenario_id=request.POST.get("scenario", ""),
            request=request,
        )
    except PalermoError as exc:
        refusal_as_messages(request, exc)
        return redirect("academy:practice")
    return redirect(exercise_url(exercise.pk))


def _desk_query(scenario: Scenario, record_id: str) -> str:
    """The desk's form filled with the scenario traveller's document and trip (what the trainee
    would read from the passport and ticket); never what they must observe themselves."""
    values = scenario.desk_values()
    values["record_id"] = record_id
    return urlencode(values)


def _progress(request: AuthenticatedRequest, exercise: Exercise) -> list[dict[str, Any]]:
    """Each step of the exercise and whether the pages show it done (read as the trainee)."""
    answer = selectors.exercise_answer(user=request.user, exercise=exercise)
    return [
        {"label": _("Screened at the desk and the hit disposed of"), "done": answer.disposition},
        {"label": _("Second-line interview held"), "done": answer.conduct.interviewed},
        {"label": _("Assessment recorded"), "done": answer.assessment is not None},
        {"label": _("Referrals made from the case"), "done": bool(answer.referrals)},
    ]


def _id(request: AuthenticatedRequest) -> int | None:
    """The ``id`` of the query string (own exercises and results, like the tests: each person's
    own rows, so their address carries no path argument); none: ``None``."""
    raw = request.GET.get("id")
    return None if raw is None else id_param(raw, name="id")


def exercise_url(pk: int) -> str:
    return f"{reverse('academy:exercise')}?id={pk}"


def result_url(pk: int) -> str:
    return f"{reverse('academy:result')}?id={pk}"


def _steps_out_of_role(user: User) -> list[str]:
    """The exercise's steps the user's role cannot do on the real pages (they score as not
    done): said on the briefing, before the trainee starts."""
    steps = (
        (DESK_ROLES, _("screening at the desk and the disposition")),
        (SECOND_LINE_ROLES, _("the second-line interview")),
        (OPEN_CASE_ROLES, _("opening the case")),
        (REFERRAL_SEND_ROLES, _("the referrals")),
    )
    return [label for roles, label in steps if not has_role(user, roles)]


@allow(ACADEMY_ROLES)
def exercise_detail(request: AuthenticatedRequest) -> HttpResponse:
    """The exercise's briefing (``?id=``), the steps on the real pages, and the form that
    finishes it."""
    pk = _id(request)
    if pk is None:
        return redirect("academy:practice")
    exercise = selectors.exercise_get(user=request.user, pk=pk)
    if exercise.result_id is not None:
        return redirect(result_url(exercise.result_id))
    scenario = services.practice_scenario(exercise.scenario_id)
    form = FinishForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                result = services.exercise_finish(
                    actor=request.user, exercise=exercise, request=request, **form.cleaned_data
                )
            except PalermoError as exc:
                refusal_on_form_fields(form, exc)
            else:
                return redirect(result_url(result.pk))
        status = 422
    lang = _lang()
    record = [
        (
            INPUT_FIELDS[k].label_zh if lang == "zh" else INPUT_FIELDS[k].label_en,
            value_label(k, str(v), lang),
        )
        for k, v in scenario.record.items()
        if k in INPUT_FIELDS and k != "record_id"
    ]
    context = {
        "exercise": exercise,
        "scenario": scenario,
        "title": scenario.title.get(lang),
        "narrative": scenario.narrative.get(lang),
        "companion": scenario.companion.label.get(lang),
        "record": record,
        "desk_url": f"{reverse('screening:desk')}?{_desk_query(scenario, exercise.record_id)}",
        "progress": _progress(request, exercise),
        "form": form,
        "steps_out_of_role": _steps_out_of_role(request.user),
    }
    return render(request, "academy/exercise.html", context, status=status)


@allow(ACADEMY_ROLES)
def result_detail(request: AuthenticatedRequest) -> HttpResponse:
    """A scored exercise (``?id=``): each part with its points and feedback in the reader's
    language, the indicators missed in the catalogue's words, the truth, what to do next."""
    pk = _id(request)
    if pk is None:
        return redirect("academy:practice")
    result = selectors.exercise_result_get(user=request.user, pk=pk)
    lang = _lang()
    score = result.score
    titles = {s.id: s.title.get(lang) for s in scenario_bank()}
    trainee = result.enrolment.trainee_id == request.user.pk
    context = {
        "result": result,
        "title": titles.get(result.scenario_id, result.scenario_id),
        "summary": score["summary"][lang],
        "parts": [
            {
                "label": p["label"][lang],
                "points": p["points"],
                "out_of": p["out_of"],
                "feedback": [f[lang] for f in p["feedback"]],
            }
            for p in score["parts"]
        ],
        "missed": [m["why"][lang] for m in score["missed"]],
        "spotted": len(score["spotted"]),
        "trainee": trainee,
        "enrolment": result.enrolment,
    }
    return render(request, "academy/result.html", context)
