"""Consular pages: the consulate's cases and follow-ups due, opening a case for a national
abroad, and one case from assistance to return, hand-over and follow-up."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases.models import OUTCOME_CHOICES
from palermo.web.consular import selectors, services
from palermo.web.consular.models import (
    ASSISTANCE_KIND_CHOICES,
    ORIGIN_CHOICES,
    RETURN_STAGE_CHOICES,
    RISK_LEVEL_CHOICES,
    ConsularCase,
    FollowUp,
    Origin,
    ReturnRiskAssessment,
    ReturnStage,
)
from palermo.web.lib.dates import DateBox
from palermo.web.lib.params import IdChoiceField, id_param, parsed_id
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    CONSULAR_OVERRIDE_ROLES,
    CONSULAR_READ_ROLES,
    CONSULAR_ROLES,
)
from palermo.web.lib.submit import FormPage, submit_form
from palermo.web.screening.models import Traveller

_DATE = DateBox()
_WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")


class OpenForm(forms.Form):
    origin = forms.ChoiceField(
        label=gettext_lazy("How the person came to us"), choices=ORIGIN_CHOICES
    )
    referred_by = forms.CharField(
        label=gettext_lazy("Identified or referred by"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("The foreign authority or the organisation, when there is one."),
    )
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=500)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"), max_length=100, required=False
    )
    contact = forms.CharField(label=gettext_lazy("Contact details"), max_length=500, required=False)
    country = forms.CharField(label=gettext_lazy("Country where the person is"), max_length=100)
    home_province = forms.CharField(label=gettext_lazy("Home province"), max_length=100)
    outcome = forms.ChoiceField(
        label=gettext_lazy("Assessment so far"),
        choices=OUTCOME_CHOICES,
        help_text=gettext_lazy(
            "Presumed victim when a foreign authority has identified the person."
        ),
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
    traveller = forms.IntegerField(widget=forms.HiddenInput, required=False)


class AssistanceForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind of assistance"), choices=ASSISTANCE_KIND_CHOICES
    )
    on = forms.DateField(label=gettext_lazy("Date"), widget=_DATE)
    note = forms.CharField(
        label=gettext_lazy("What was done"), max_length=5000, widget=forms.Textarea({"rows": 3})
    )


class TravelDocumentForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Document number"), max_length=40)
    issued_on = forms.DateField(label=gettext_lazy("Issued on"), widget=_DATE)
    valid_until = forms.DateField(label=gettext_lazy("Valid until"), widget=_DATE)


class RiskForm(forms.Form):
    safety = forms.ChoiceField(
        label=gettext_lazy("Safety at home"),
        choices=RISK_LEVEL_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Can the traffickers reach the person at home?"),
    )
    family = forms.ChoiceField(
        label=gettext_lazy("Family"),
        choices=RISK_LEVEL_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy(
            "Did the family take part in the trafficking; can it receive the person safely?"
        ),
    )
    retrafficking = forms.ChoiceField(
        label=gettext_lazy("Risk of being trafficked again"),
        choices=RISK_LEVEL_CHOICES,
        widget=forms.RadioSelect,
        help_text=gettext_lazy("Debts, the same recruiters, no income on return."),
    )
    notes = forms.CharField(
        label=gettext_lazy("What the assessment rests on"),
        max_length=5000,
        widget=forms.Textarea({"rows": 3}),
    )


class OverrideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("Why the return may go ahead"),
        min_length=services.MIN_REASON,
        max_length=1000,
        widget=forms.Textarea({"rows": 3}),
    )


class StageForm(forms.Form):
    stage = forms.ChoiceField(choices=RETURN_STAGE_CHOICES, widget=forms.HiddenInput)
    at = forms.DateTimeField(label=gettext_lazy("When"), widget=_WHEN)
    note = forms.CharField(label=gettext_lazy("Note"), max_length=500, required=False)
    receiving_agency = IdChoiceField(
        label=gettext_lazy("Receiving agency in the home province"),
        queryset=Agency.objects.order_by("name"),
        required=False,
    )


class FollowUpForm(forms.Form):
    reached = forms.TypedChoiceField(
        label=gettext_lazy("Was the person reached?"),
        choices=[("yes", gettext_lazy("Yes")), ("no", gettext_lazy("No"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    note = forms.CharField(
        label=gettext_lazy("How the person is doing"),
        max_length=5000,
        widget=forms.Textarea({"rows": 3}),
    )


# the stages a high risk not overridden stops (services.return_stage_record checks the same)
_STOPPED_BY_RISK = (ReturnStage.CONSENT, ReturnStage.TRAVEL_ARRANGED, ReturnStage.DEPARTED)


@dataclass(frozen=True, slots=True)
class NextStep:
    text: str
    anchor: str


@allow(CONSULAR_READ_ROLES)
def consular_list_view(request: AuthenticatedRequest) -> HttpResponse:
    cases = list(selectors.consular_case_list(user=request.user)[:200])
    overdue = list(selectors.follow_ups_overdue(user=request.user))
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="consular.consularcase",
        purpose="consular case list",
        request=request,
        detail={"shown": len(cases)},
    )
    return render(
        request,
        "consular/list.html",
        {"cases": cases, "overdue": overdue, "can_open": request.user.role in CONSULAR_ROLES},
    )


def _traveller(request: AuthenticatedRequest, raw: object) -> Traveller | None:
    """The screened visa application a case is opened from (the consulate's own), if any."""
    if raw in (None, ""):
        return None
    from palermo.web.screening.selectors import traveller_get

    return traveller_get(
        user=request.user,
        pk=id_param(raw, name="traveller"),
        purpose="consular case from a visa application",
        request=request,
    )


@allow(CONSULAR_ROLES)
def consular_open_view(request: AuthenticatedRequest) -> HttpResponse:
    if request.method != "POST":
        traveller = _traveller(request, request.GET.get("traveller"))
        initial: dict[str, Any] = {}
        if traveller is not None:
            initial = {"traveller": traveller.pk, "origin": Origin.VISA_SCREENING.value}
        form = OpenForm(initial=initial)
        return render(request, "consular/open.html", {"form": form, "traveller": traveller})
    form = OpenForm(request.POST)
    traveller = _traveller(request, request.POST.get("traveller"))

    def save(data: dict[str, Any]) -> ConsularCase:
        return services.consular_case_open(
            actor=request.user,
            full_name=data["full_name"],
            origin=data["origin"],
            referred_by=data["referred_by"],
            country=data["country"],
            home_province=data["home_province"],
            outcome=data["outcome"],
            document_number=data["document_number"],
            contact=data["contact"],
            note=data["note"],
            traveller=traveller,
            request=request,
        )

    return submit_form(
        request,
        form,
        save,
        done=lambda opened: (
            _("Consular case %(ref)s opened. Next: record the first contact.")
            % {"ref": opened.case.reference}
        ),
        then=lambda opened: redirect("consular:detail", pk=opened.case_id),
        again=lambda status, _errors: render(
            request, "consular/open.html", {"form": form, "traveller": traveller}, status=status
        ),
        refusal_on_form=True,
    )


def _next_step(consular_case: ConsularCase, state: dict[str, Any], role: str) -> NextStep:
    """What to do next on this case, in words, with the part of the page where it is done."""
    assessment: ReturnRiskAssessment | None = state["assessment"]
    plan = state["plan"]
    if not state["assistance"]:
        return NextStep(_("Record the first contact in the assistance log."), "assistance-h")
    if assessment is None:
        return NextStep(_("Assess the risk of return before planning a return."), "risk-h")
    before_departure = plan is None or state["next_stage"] in _STOPPED_BY_RISK
    if assessment.blocks_return and before_departure:
        if role in CONSULAR_OVERRIDE_ROLES:
            return NextStep(
                _(
                    "The risk of return is high: record why the return may go ahead, or leave it "
                    "stopped until a new assessment."
                ),
                "risk-h",
            )
        return NextStep(
            _(
                "The risk of return is high: the return is stopped. Keep assisting the person, "
                "assess again when things change, or ask a supervisor to record why it may go "
                "ahead."
            ),
            "risk-h",
        )
    if plan is None:
        return NextStep(_("Start the voluntary return plan."), "return-h")
    stage = state["next_stage"]
    if stage is ReturnStage.DEPARTED and not state["documents"]:
        return NextStep(
            _(
                "Issue the emergency travel document if the person has none, then record the "
                "departure."
            ),
            "document-h",
        )
    if stage is not None:
        return NextStep(
            _("Record the next stage of the return: %(stage)s.")
            % {"stage": services.stage_label(stage)},
            "return-h",
        )
    waiting = [f for f in state["follow_ups"] if f.done_at is None]
    if waiting:
        return NextStep(
            _("Next follow-up after return: %(months)d months, due on %(due)s.")
            % {"months": waiting[0].months, "due": waiting[0].due_on.isoformat()},
            "follow-h",
        )
    return NextStep(
        _(
            "Every follow-up is recorded. Close the case on the case page when the reintegration "
            "is complete."
        ),
        "case-h",
    )


def _hand_over_choices(form: forms.Form, request: AuthenticatedRequest) -> None:
    """The hand-over goes to another agency than the consulate itself."""
    field = cast(IdChoiceField, form.fields["receiving_agency"])
    field.queryset = Agency.objects.exclude(pk=request.user.agency_id).order_by("name")


def _context(request: AuthenticatedRequest, pk: int, **forms_: Any) -> dict[str, Any]:
    consular_case = selectors.consular_case_get(user=request.user, case_pk=pk)
    show_notes = selectors.consular_notes_read(
        user=request.user, consular_case=consular_case, request=request
    )
    if not show_notes:
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=consular_case,
            purpose="consular case work",
            request=request,
        )
    plan = getattr(consular_case, "return_plan", None)
    assessments = list(consular_case.risk_assessments.select_related("assessed_by", "override_by"))
    assessment = assessments[-1] if assessments else None
    stage = services.next_stage(plan) if plan is not None else None
    state: dict[str, Any] = {
        "assistance": list(consular_case.assistance.select_related("recorded_by")),
        "documents": list(consular_case.travel_documents.select_related("issued_by")),
        "assessment": assessment,
        "plan": plan,
        "next_stage": stage,
        "follow_ups": list(consular_case.follow_ups.select_related("done_by")),
    }
    role = request.user.role
    officer = role in CONSULAR_ROLES
    stage_form = forms_.get("stage_form") or StageForm(
        initial={
            "stage": stage.value if stage else "",
            "at": timezone.localtime().replace(second=0, microsecond=0),
        }
    )
    _hand_over_choices(stage_form, request)
    return {
        "cc": consular_case,
        "case": consular_case.case,
        "show_notes": show_notes,
        **state,
        "assessments": assessments,
        "stages": list(plan.stages.select_related("recorded_by", "receiving_agency", "referral"))
        if plan
        else [],
        "next_stage_label": services.stage_label(stage) if stage else "",
        "handing_over": stage is ReturnStage.HANDED_OVER,
        "next": _next_step(consular_case, state, role),
        "officer": officer,
        "can_override": role in CONSULAR_OVERRIDE_ROLES
        and assessment is not None
        and assessment.blocks_return,
        "today": timezone.localdate(),
        "assistance_form": forms_.get("assistance_form")
        or AssistanceForm(initial={"on": timezone.localdate()}),
        "document_form": forms_.get("document_form") or TravelDocumentForm(),
        "risk_form": forms_.get("risk_form") or RiskForm(),
        "override_form": forms_.get("override_form") or OverrideForm(),
        "stage_form": stage_form,
        "follow_up_form": forms_.get("follow_up_form") or FollowUpForm(),
        "open_follow_up": next((f for f in state["follow_ups"] if f.done_at is None), None),
        "errors": forms_.get("errors", []),
    }


@allow(CONSULAR_READ_ROLES)
def consular_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "consular/detail.html", _context(request, pk))


#: the forms of the consular case page post to views of their own and come back to it
_PAGE = FormPage("consular:detail", "consular/detail.html", _context)


def _case_step(
    request: AuthenticatedRequest,
    pk: int,
    form_name: str,
    form: forms.Form | None,
    service: Callable[..., object],
    *,
    done: str,
) -> HttpResponse:
    """A form of the consular case page whose fields are the arguments of its ``service``:
    the service runs on the case with them, as the user, then back to the page."""
    consular_case = selectors.consular_case_get(user=request.user, case_pk=pk)

    def save(data: dict[str, Any]) -> object:
        return service(actor=request.user, consular_case=consular_case, request=request, **data)

    return _PAGE.submit(request, pk, form_name, form, save, done=done)


@allow(CONSULAR_ROLES)
@require_POST
def assistance_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = AssistanceForm(request.POST)
    done = _("Added to the assistance log.")
    return _case_step(request, pk, "assistance_form", form, services.assistance_record, done=done)


@allow(CONSULAR_ROLES)
@require_POST
def travel_document_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = TravelDocumentForm(request.POST)
    done = _("The emergency travel document was recorded.")
    return _case_step(request, pk, "document_form", form, services.travel_document_issue, done=done)


@allow(CONSULAR_ROLES)
@require_POST
def risk_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = RiskForm(request.POST)
    done = _("The return risk assessment was recorded.")
    return _case_step(request, pk, "risk_form", form, services.return_risk_assess, done=done)


@allow(CONSULAR_OVERRIDE_ROLES)
@require_POST
def risk_override_view(request: AuthenticatedRequest, pk: int, assessment_pk: int) -> HttpResponse:
    consular_case = selectors.consular_case_get(user=request.user, case_pk=pk)
    assessment = (
        consular_case.risk_assessments.filter(pk=assessment_pk).first()
        if parsed_id(assessment_pk)
        else None
    )
    if assessment is None:
        from django.http import Http404

        raise Http404

    def save(data: dict[str, Any]) -> None:
        services.return_risk_override(
            actor=request.user, assessment=assessment, reason=data["reason"], request=request
        )

    return _PAGE.submit(
        request,
        pk,
        "override_form",
        OverrideForm(request.POST),
        save,
        done=_("Your reason was recorded: the return may go ahead."),
    )


@allow(CONSULAR_ROLES)
@require_POST
def return_plan_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    done = _("The return plan was started. Next: record the consent to return.")
    return _case_step(request, pk, "", None, services.return_plan_create, done=done)


@allow(CONSULAR_ROLES)
@require_POST
def return_stage_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    form = StageForm(request.POST)
    _hand_over_choices(form, request)
    done = _("The stage was recorded.")
    return _case_step(request, pk, "stage_form", form, services.return_stage_record, done=done)


@allow(CONSULAR_ROLES)
@require_POST
def follow_up_view(request: AuthenticatedRequest, pk: int, follow_up_pk: int) -> HttpResponse:
    consular_case = selectors.consular_case_get(user=request.user, case_pk=pk)
    follow_up: FollowUp | None = (
        consular_case.follow_ups.filter(pk=follow_up_pk).first()
        if parsed_id(follow_up_pk)
        else None
    )
    if follow_up is None:
        from django.http import Http404

        raise Http404

    def save(data: dict[str, Any]) -> None:
        services.follow_up_record(
            actor=request.user,
            follow_up=follow_up,
            reached=data["reached"],
            note=data["note"],
            request=request,
        )

    return _PAGE.submit(
        request,
        pk,
        "follow_up_form",
        FollowUpForm(request.POST),
        save,
        done=_("The follow-up was recorded."),
    )
