"""Case pages: list and search, detail (identity for permitted roles), edit, status, consent,
sharing; case work (notes, assignment, tasks, attachments) and the printable summary."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any, TypeVar, cast

from django import forms
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import InputError
from palermo.indicators.catalogue import load_catalogue
from palermo.web.accounts.models import Agency, User
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.agreements.models import TRANSFER_PURPOSE_CHOICES
from palermo.web.audit.models import AuditAction
from palermo.web.audit.services import audit_record
from palermo.web.cases import selectors, services
from palermo.web.cases.models import (
    CASE_STATUS_CHOICES,
    CONSENT_CHECKLIST,
    CONSENT_PURPOSE_CHOICES,
    EXPLOITATION_TYPE_CHOICES,
    TRANSITIONS,
    CaseEventKind,
    CaseStatus,
    ConsentPurpose,
)
from palermo.web.directory.models import SERVICE_TYPE_CHOICES
from palermo.web.lib.dates import DateBox
from palermo.web.lib.params import IdChoiceField, IdField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import (
    CASE_ASSIGN_ROLES,
    CASE_ASSIGNEE_ROLES,
    CASE_OPENING_ROLES,
    CASE_ROLES,
    CASE_WORK_ROLES,
    CONSENT_OVERRIDE_ROLES,
    NAME_SEARCH_ROLES,
    PERSONAL_DATA_ROLES,
)
from palermo.web.lib.submit import FormPage
from palermo.web.lib.training import same_world
from palermo.web.lib.uploads import body_limit, refuse_large_upload


class CaseFilterForm(forms.Form):
    q = forms.CharField(
        label=gettext_lazy("Case reference or name"),
        required=False,
        max_length=200,
        help_text=gettext_lazy(
            "A case reference or pseudonymous id, whole or its beginning; roles that may read "
            "identities also find a name, in Latin or Chinese characters."
        ),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any")), *CASE_STATUS_CHOICES],
    )
    mine = forms.BooleanField(label=gettext_lazy("Only cases assigned to me"), required=False)

    def search(self) -> selectors.CaseSearch:
        if not self.is_valid():
            return selectors.CaseSearch()
        data = self.cleaned_data
        return selectors.CaseSearch(status=data["status"], query=data["q"], mine=data["mine"])


class NoteForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("New note"),
        max_length=services.MAX_NOTE,
        widget=forms.Textarea({"rows": 4}),
        help_text=gettext_lazy("Dated and signed with your name; notes are never changed."),
    )


def _case_workers(user: User) -> Any:
    return User.objects.filter(
        agency_id=user.agency_id, role__in=CASE_ASSIGNEE_ROLES, is_active=True
    ).order_by("username")


class UserChoiceField(IdChoiceField):
    """A user picked by their user name."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.get_username())


class AssignForm(forms.Form):
    assigned_to = UserChoiceField(
        label=gettext_lazy("Case worker"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Nobody"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(IdChoiceField, self.fields["assigned_to"])
        field.queryset = _case_workers(user)


class TaskForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Task or follow-up"), max_length=services.MAX_TASK)
    due_on = forms.DateField(label=gettext_lazy("Due"), widget=DateBox())
    assigned_to = UserChoiceField(
        label=gettext_lazy("For"),
        queryset=User.objects.none(),
        required=False,
        empty_label=gettext_lazy("Whoever carries the case"),
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # a follow-up in a week unless the case worker picks another day
        self.fields["due_on"].initial = timezone.localdate() + dt.timedelta(days=7)
        field = cast(IdChoiceField, self.fields["assigned_to"])
        field.queryset = User.objects.filter(
            agency_id=user.agency_id, role__in=CASE_WORK_ROLES, is_active=True
        ).order_by("username")


class ServiceForm(forms.Form):
    service = forms.ChoiceField(
        label=gettext_lazy("Service"), choices=[("", "—"), *SERVICE_TYPE_CHOICES]
    )
    provided_on = forms.DateField(label=gettext_lazy("Provided on"), widget=DateBox())
    provider = forms.CharField(
        label=gettext_lazy("Provided by"),
        required=False,
        max_length=services.MAX_PROVIDER,
        help_text=gettext_lazy("The organisation or service, e.g. the shelter's name."),
    )
    description = forms.CharField(
        label=gettext_lazy("What was provided"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.Textarea({"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["provided_on"].initial = timezone.localdate()


class ExploitationForm(forms.Form):
    exploitation_types = forms.MultipleChoiceField(
        label=gettext_lazy("Type of exploitation"),
        choices=EXPLOITATION_TYPE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "From the person's account, as you understand it; sent as HTCDS "
            "vic_TypeOfExploitation. The interview's indicators do not decide it."
        ),
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "PDF, PNG, JPEG or plain text; the content must be of the type its name says. "
            "Kept encrypted; only ever downloaded, never shown in the browser."
        ),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        refuse_large_upload(upload, "ATTACHMENT_MAX_BYTES")  # before a byte of it is read
        return upload


class CaseDetailsForm(forms.Form):
    version = IdField(widget=forms.HiddenInput, min_value=0)
    full_name = forms.CharField(label=gettext_lazy("Name"), max_length=500)
    document_number = forms.CharField(
        label=gettext_lazy("Document number"), max_length=100, required=False
    )
    contact = forms.CharField(
        label=gettext_lazy("Contact details"),
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )


class TransitionForm(forms.Form):
    version = IdField(widget=forms.HiddenInput, min_value=0)
    to_status = forms.ChoiceField(label=gettext_lazy("New status"), choices=CASE_STATUS_CHOICES)
    reason = forms.CharField(
        label=gettext_lazy("Reason"), max_length=500, widget=forms.Textarea({"rows": 2})
    )
    confirm_close = forms.BooleanField(
        label=gettext_lazy("I confirm: close this case"),
        required=False,
        help_text=gettext_lazy(
            "Only when closing. Closing is final: a closed case cannot be reopened or moved to "
            "another status. Its file, timeline and consents stay."
        ),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("to_status") == CaseStatus.CLOSED.value and not data.get("confirm_close"):
            self.add_error(
                "confirm_close",
                _("Tick the box to confirm closing the case; nothing was changed."),
            )
        return data


class ConsentForm(forms.Form):
    # consent to a cross-border exchange lists fields: recorded on the exchange page
    purpose = forms.ChoiceField(
        label=gettext_lazy("Purpose"),
        choices=[c for c in CONSENT_PURPOSE_CHOICES if c[0] != ConsentPurpose.CROSS_BORDER],
    )
    recipient = IdChoiceField(
        label=gettext_lazy("Receiving agency (sharing only)"),
        queryset=Agency.objects.all(),
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for key, label in CONSENT_CHECKLIST:
            self.fields[key] = forms.BooleanField(label=label, required=False)


class WithdrawForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=500, required=False)


class ShareForm(forms.Form):
    recipient = IdChoiceField(label=gettext_lazy("Receiving agency"), queryset=Agency.objects.all())
    transfer_purpose = forms.ChoiceField(
        label=gettext_lazy("Kind of transfer"),
        choices=TRANSFER_PURPOSE_CHOICES,
        help_text=gettext_lazy("A data-sharing agreement with the agency must cover it."),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose of the transfer"), max_length=300)
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis (only without consent)"), max_length=300, required=False
    )
    override_reason = forms.CharField(
        label=gettext_lazy("Reason for sharing without consent"), max_length=500, required=False
    )


@allow(CASE_ROLES)
def case_list_view(request: AuthenticatedRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    search = form.search()
    page = selectors.case_page(user=request.user, search=search, number=request.GET.get("page"))
    by_name = bool(search.query) and not selectors.is_reference(search.query)
    audit_record(
        actor=request.user,
        action=AuditAction.READ,
        object_type="cases.case",
        purpose="case search by name" if by_name else "case list",
        request=request,
        # the name searched for is personal data: never in the log
        detail={
            "page": page.number,
            "status": search.status,
            "reference": search.query if search.query and not by_name else "",
            "by_name": by_name,
            "mine": search.mine,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    template = "cases/_list_rows.html" if request.headers.get("HX-Request") else "cases/list.html"
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "name_refused": by_name and request.user.role not in NAME_SEARCH_ROLES,
    }
    return render(request, template, context)


F = TypeVar("F", bound=forms.Form)


def _in_world(form: F, request: AuthenticatedRequest) -> F:
    """Offer as recipients only the agencies of the user's world (training or live)."""
    field = cast(IdChoiceField, form.fields["recipient"])
    field.queryset = same_world(Agency.objects.all(), request.user, "")
    return form


def _detail_context(request: AuthenticatedRequest, pk: int, **forms_: Any) -> dict[str, Any]:
    case = selectors.case_get(user=request.user, pk=pk)
    personal = selectors.case_personal_data(
        user=request.user, case=case, purpose="case work", request=request
    )
    own = case.agency_id == request.user.agency_id
    role = request.user.role
    timeline = list(selectors.case_timeline(user=request.user, case=case))
    context: dict[str, Any] = {
        "case": case,
        "personal": personal,
        "own_case": own,
        "timeline": timeline,
        "child_protection": any(e.kind == CaseEventKind.CHILD_PROTECTION for e in timeline),
        "consents": selectors.case_consents(user=request.user, case=case),
        "shares": selectors.case_shares(user=request.user, case=case),
        "next_statuses": [
            (value, label)
            for value, label in CASE_STATUS_CHOICES
            if CaseStatus(value) in TRANSITIONS[CaseStatus(case.status)]
        ],
        "can_edit": own and role in PERSONAL_DATA_ROLES and personal is not None,
        "can_consent": own and role in CASE_OPENING_ROLES,
        "can_share": own and role in (CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES),
        "can_renew": own and role in CONSENT_OVERRIDE_ROLES,
        "now": timezone.now(),
        "can_move": own and bool(TRANSITIONS[CaseStatus(case.status)]),
    }
    if personal is None:
        # Without identity the read is still logged: who opened which case and why.
        audit_record(
            actor=request.user,
            action=AuditAction.READ,
            obj=case,
            purpose="case work",
            request=request,
        )
    context["details_form"] = forms_.get("details_form") or (
        CaseDetailsForm(
            initial={
                "version": case.version,
                "full_name": personal.full_name,
                "document_number": personal.document_number,
                "contact": personal.contact,
            }
        )
        if personal is not None
        else None
    )
    transition_form = forms_.get("transition_form") or TransitionForm(
        initial={"version": case.version}
    )
    cast(forms.ChoiceField, transition_form.fields["to_status"]).choices = context["next_statuses"]
    context["transition_form"] = transition_form
    context["consent_form"] = forms_.get("consent_form") or _in_world(ConsentForm(), request)
    context["share_form"] = forms_.get("share_form") or _in_world(ShareForm(), request)
    context["errors"] = forms_.get("errors", [])
    context["checklist_keys"] = [key for key, _label in CONSENT_CHECKLIST]
    _work_context(request, case, context, forms_)
    return context


def _control_labels(codes: list[str], chinese: bool) -> list[str]:
    """The HTCDS means of control in words (the catalogue's, in the page's language)."""
    words = load_catalogue().htcds_methods_of_control
    return [words[code].get("zh" if chinese else "en") for code in codes if code in words]


def _work_context(
    request: AuthenticatedRequest, case: Any, context: dict[str, Any], forms_: dict[str, Any]
) -> None:
    """Notes, tasks, attachments and assignment, and the forms that add to them."""
    user = request.user
    own, is_open = context["own_case"], case.status != CaseStatus.CLOSED.value
    readable = context["personal"] is not None
    context["notes"] = selectors.case_notes(user=user, case=case)
    context["tasks"] = selectors.case_tasks(user=user, case=case)
    context["services"] = selectors.case_services(user=user, case=case)
    context["attachments"] = selectors.case_attachments(user=user, case=case)
    context["today"] = timezone.localdate()
    context["can_work"] = own and readable and user.role in CASE_WORK_ROLES
    context["can_add"] = context["can_work"] and is_open
    context["can_assign"] = own and is_open and user.role in CASE_ASSIGN_ROLES
    context["note_form"] = forms_.get("note_form") or NoteForm()
    context["task_form"] = forms_.get("task_form") or TaskForm(user=user)
    context["service_form"] = forms_.get("service_form") or ServiceForm()
    context["attachment_form"] = forms_.get("attachment_form") or AttachmentForm()
    context["exploitation_form"] = forms_.get("exploitation_form") or ExploitationForm(
        initial={"exploitation_types": case.exploitation_types}
    )
    labels = dict(EXPLOITATION_TYPE_CHOICES)
    chinese = (translation.get_language() or "").startswith("zh")
    listed = "、" if chinese else ", "
    context["exploitation_labels"] = listed.join(
        str(labels[c]) for c in case.exploitation_types if c in labels
    )
    context["control_labels"] = listed.join(_control_labels(case.methods_of_control, chinese))
    context["assign_form"] = forms_.get("assign_form") or AssignForm(
        user=user, initial={"assigned_to": case.assigned_to_id}
    )


@allow(CASE_ROLES)
def case_detail_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return render(request, "cases/detail.html", _detail_context(request, pk))


#: the forms of the case page post to views of their own and come back to it
_PAGE = FormPage("cases:detail", "cases/detail.html", _detail_context)


@allow(PERSONAL_DATA_ROLES)
@require_POST
def case_edit_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = CaseDetailsForm(request.POST)

    def save(data: dict[str, Any]) -> None:
        changes = {
            key: data[key]
            for key in ("full_name", "document_number", "contact")
            if key in request.POST
        }
        services.case_update_details(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            changes=changes,
            request=request,
        )

    return _PAGE.submit(request, pk, "details_form", form, save, done=_("The case was saved."))


@allow(CASE_ROLES)
@require_POST
def case_transition_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = TransitionForm(request.POST)
    cast(forms.ChoiceField, form.fields["to_status"]).choices = CASE_STATUS_CHOICES

    def save(data: dict[str, Any]) -> None:
        services.case_transition(
            actor=request.user,
            case=case,
            expected_version=data["version"],
            to_status=data["to_status"],
            reason=data["reason"],
            request=request,
        )

    return _PAGE.submit(
        request, pk, "transition_form", form, save, done=_("The status was changed.")
    )


@allow(CASE_OPENING_ROLES)
@require_POST
def consent_record_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = _in_world(ConsentForm(request.POST), request)

    def save(data: dict[str, Any]) -> None:
        services.consent_record(
            actor=request.user,
            case=case,
            purpose=data["purpose"],
            recipient=data["recipient"],
            checklist={key: data[key] for key, _label in CONSENT_CHECKLIST},
            request=request,
        )

    return _PAGE.submit(
        request, pk, "consent_form", form, save, done=_("The consent was recorded.")
    )


@allow(CASE_OPENING_ROLES)
@require_POST
def consent_withdraw_view(request: AuthenticatedRequest, pk: int, consent_pk: int) -> HttpResponse:
    consent = selectors.consent_get(user=request.user, pk=consent_pk)
    if consent.case_id != pk:
        from django.http import Http404

        raise Http404
    form = WithdrawForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    if request.POST.get("confirm") != "yes":
        # what cannot be undone asks first: the box says what will happen
        context = _detail_context(
            request,
            pk,
            errors=[_("Tick the box to confirm the withdrawal; nothing was changed.")],
        )
        return render(request, "cases/detail.html", context, status=422)
    return _PAGE.submit(
        request,
        pk,
        "",
        None,
        lambda _data: services.consent_withdraw(
            actor=request.user, consent=consent, reason=reason, request=request
        ),
        done=_("The consent was withdrawn; sharing based on it has stopped."),
    )


@allow(CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = _in_world(ShareForm(request.POST), request)

    def save(data: dict[str, Any]) -> None:
        services.case_share(
            actor=request.user,
            case=case,
            recipient=data["recipient"],
            purpose=data["purpose"],
            transfer_purpose=data["transfer_purpose"],
            legal_basis=data["legal_basis"],
            override_reason=data["override_reason"],
            request=request,
        )

    return _PAGE.submit(request, pk, "share_form", form, save, done=_("The case was shared."))


def _share_step(
    request: AuthenticatedRequest, pk: int, share_pk: int, step: Any, done: str
) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    share = selectors.share_get(user=request.user, case=case, pk=share_pk)
    reason = request.POST.get("reason", "")

    def save(_data: dict[str, Any]) -> None:
        step(actor=request.user, share=share, reason=reason, request=request)

    return _PAGE.submit(request, pk, "", None, save, done=done)


@allow(CASE_OPENING_ROLES | CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_revoke_view(request: AuthenticatedRequest, pk: int, share_pk: int) -> HttpResponse:
    return _share_step(
        request,
        pk,
        share_pk,
        services.case_share_revoke,
        _("Sharing stopped: the agency can no longer open the case."),
    )


@allow(CONSENT_OVERRIDE_ROLES)
@require_POST
def case_share_renew_view(request: AuthenticatedRequest, pk: int, share_pk: int) -> HttpResponse:
    return _share_step(
        request,
        pk,
        share_pk,
        services.case_share_renew,
        _("Sharing without consent renewed."),
    )


@allow(CASE_WORK_ROLES)
@require_POST
def case_note_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)

    def save(data: dict[str, Any]) -> None:
        services.case_note_add(actor=request.user, case=case, text=data["text"], request=request)

    return _PAGE.submit(
        request, pk, "note_form", NoteForm(request.POST), save, done=_("The note was added.")
    )


@allow(CASE_WORK_ROLES)
@require_POST
def case_service_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)

    def save(data: dict[str, Any]) -> None:
        services.case_service_record(
            actor=request.user,
            case=case,
            service=data["service"],
            provided_on=data["provided_on"],
            provider=data["provider"],
            description=data["description"],
            request=request,
        )

    form = ServiceForm(request.POST)
    done = _("The service was recorded.")
    return _PAGE.submit(request, pk, "service_form", form, save, done=done)


@allow(CASE_WORK_ROLES)
@require_POST
def case_exploitation_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)

    def save(data: dict[str, Any]) -> None:
        services.case_exploitation_record(
            actor=request.user, case=case, types=data["exploitation_types"], request=request
        )

    form = ExploitationForm(request.POST)
    done = _("The type of exploitation was recorded.")
    return _PAGE.submit(request, pk, "exploitation_form", form, save, done=done)


@allow(CASE_ASSIGN_ROLES)
@require_POST
def case_assign_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)

    def save(data: dict[str, Any]) -> None:
        services.case_assign(
            actor=request.user, case=case, assignee=data["assigned_to"], request=request
        )

    form = AssignForm(request.POST, user=request.user)
    return _PAGE.submit(request, pk, "assign_form", form, save, done=_("The case was assigned."))


@allow(CASE_WORK_ROLES)
@require_POST
def case_task_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)

    def save(data: dict[str, Any]) -> None:
        services.case_task_add(
            actor=request.user,
            case=case,
            title=data["title"],
            due_on=data["due_on"],
            assignee=data["assigned_to"],
            request=request,
        )

    form = TaskForm(request.POST, user=request.user)
    return _PAGE.submit(request, pk, "task_form", form, save, done=_("The task was added."))


@allow(CASE_WORK_ROLES)
@require_POST
def case_task_done_view(request: AuthenticatedRequest, pk: int, task_pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    task = selectors.task_get(user=request.user, case=case, pk=task_pk)
    return _PAGE.submit(
        request,
        pk,
        "",
        None,
        lambda _data: services.case_task_done(actor=request.user, task=task, request=request),
        done=_("The task is done."),
    )


@body_limit("ATTACHMENT_MAX_BYTES")
@allow(CASE_WORK_ROLES)
@require_POST
def case_attachment_add_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk)
    form = AttachmentForm(request.POST, request.FILES)

    def save(data: dict[str, Any]) -> None:
        upload = data["file"]
        try:
            services.case_attachment_add(
                actor=request.user,
                case=case,
                file_name=upload.name,
                chunks=upload.chunks(),
                request=request,
            )
        except InputError as exc:  # every problem of an upload is about the file
            raise InputError([replace(p, field="file") for p in exc.problems]) from exc

    return _PAGE.submit(
        request, pk, "attachment_form", form, save, done=_("The file was attached.")
    )


@allow(CASE_WORK_ROLES)
def case_attachment_view(
    request: AuthenticatedRequest, pk: int, attachment_pk: int
) -> StreamingHttpResponse:
    """The file as a download (never shown inline), decrypted as it is sent."""
    case = selectors.case_get(user=request.user, pk=pk)
    attachment, chunks = selectors.attachment_open(
        user=request.user, case=case, pk=attachment_pk, request=request
    )
    response = StreamingHttpResponse(chunks, content_type="application/octet-stream")
    response["Content-Disposition"] = _download_name(attachment.file_name)
    response["Content-Length"] = str(attachment.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _download_name(name: str) -> str:
    from urllib.parse import quote

    ascii_name = name.encode("ascii", "replace").decode().replace('"', "_").replace("?", "_")
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name)}"


@allow(CASE_ROLES)
def case_summary_view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The case on paper: facts, person (roles that may read it), tasks, notes, consents,
    timeline; a print stylesheet hides the menu."""
    context = _detail_context(request, pk)
    context["printed_at"] = timezone.now()
    return render(request, "cases/summary.html", context)
