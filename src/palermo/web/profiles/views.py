"""Risk-profile pages: list (with review flags), upload with errors in place, a version with
its workflow buttons, and the difference between two versions."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import InputError, PalermoError, Problem
from palermo.profiles.loader import check_texts
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.confirm import confirmed, unconfirmed_page
from palermo.web.lib.permissions import allow
from palermo.web.lib.problems import problem_text
from palermo.web.lib.review import RETIREMENT_ASKED, REVIEW_STATUS_CHOICES, ReviewStatus
from palermo.web.lib.roles import PROFILE_ROLES
from palermo.web.lib.submit import refusal_as_messages
from palermo.web.lib.uploads import body_limit, refuse_large_upload
from palermo.web.profiles import selectors, services
from palermo.web.profiles.registry import named_list_texts
from palermo.web.review.models import ReviewedVersion
from palermo.web.review.workflow import ReviewWorkflow


class UnechoedTextarea(forms.Textarea):
    """Shows pasted text again after a problem, unless it is larger than a profile may be:
    a page never echoes a large upload back."""

    def format_value(self, value: Any) -> str | None:
        if value is not None and len(str(value).encode("utf-8")) > settings.PROFILE_MAX_BYTES:
            return None
        return super().format_value(value)


class UploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Profile file (YAML)"),
        required=False,
        help_text=gettext_lazy("One profile per file."),
    )
    text = forms.CharField(
        label=gettext_lazy("…or paste the YAML here"),
        required=False,
        widget=UnechoedTextarea({"rows": 16, "spellcheck": "false", "class": "code"}),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        refuse_large_upload(upload, "PROFILE_MAX_BYTES")  # before a byte of it is read
        return upload

    def clean(self) -> dict[str, object]:
        data: dict[str, object] = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            try:
                data["text"] = upload.read().decode("utf-8")  # type: ignore[attr-defined]
            except UnicodeDecodeError:
                raise forms.ValidationError(gettext_lazy("The file is not UTF-8 text.")) from None
            data["source_name"] = upload.name  # type: ignore[attr-defined]
        else:
            data["source_name"] = "profile.yaml"
        if not str(data.get("text") or "").strip():
            raise forms.ValidationError(gettext_lazy("Choose a file or paste a profile."))
        return data


@dataclass
class NumberedLine:
    number: int
    text: str
    problems: list[str] = field(default_factory=list)


def problems_in_place(text: str, problems: list[Problem]) -> tuple[list[NumberedLine], list[str]]:
    """The YAML lines, each with the problems reported on it; problems without a line apart."""
    lines = [NumberedLine(i, line) for i, line in enumerate(text.splitlines(), start=1)]
    general: list[str] = []
    for problem in problems:
        if problem.line is not None and 1 <= problem.line <= len(lines):
            lines[problem.line - 1].problems.append(problem_text(problem))
        else:
            general.append(problem_text(problem))
    return lines, general


@allow(PROFILE_ROLES)
def profile_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    if status not in {value for value, _label in REVIEW_STATUS_CHOICES}:
        status = ""
    rows = selectors.profile_version_list(user=request.user, status=status)
    return render(
        request,
        "profiles/list.html",
        {"rows": rows, "status": status, "statuses": REVIEW_STATUS_CHOICES},
    )


def _upload_page(
    request: HttpRequest,
    form: UploadForm,
    *,
    template: str,
    upload: Callable[..., ReviewedVersion],
    detail: str,
    check: Callable[[str, str], None] | None = None,
) -> HttpResponse:
    """Upload a profile or a list: saved as a draft, or every problem shown at its line."""
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        text = str(form.cleaned_data["text"])
        name = str(form.cleaned_data["source_name"])
        try:
            if check is not None and "check" in request.POST:
                check(name, text)
                context["checked"] = True
            else:
                version = upload(actor=request.user, source_name=name, text=text, request=request)
                messages.success(request, _("Draft saved. Submit it for approval when ready."))
                return redirect(detail, pk=version.pk)
        except InputError as exc:
            if len(text.encode("utf-8")) > settings.PROFILE_MAX_BYTES:
                text = ""  # too large to show again: only the reason
            lines, general = problems_in_place(text, exc.problems)
            context.update({"lines": lines, "general": general, "problem_count": len(exc.problems)})
            status = 422
        context["form"] = type(form)(initial={"text": text})
    return render(request, template, context, status=status)


def _check_profile(name: str, text: str) -> None:
    result, problems = check_texts({name: text}, named_list_texts())
    if problems or result is None:
        raise InputError(problems)


@body_limit("PROFILE_MAX_BYTES")
@allow(PROFILE_ROLES)
def profile_upload(request: AuthenticatedRequest) -> HttpResponse:
    form = UploadForm(request.POST or None, request.FILES or None)
    return _upload_page(
        request,
        form,
        template="profiles/upload.html",
        upload=services.profile_upload,
        detail="profiles:detail",
        check=_check_profile,
    )


@allow(PROFILE_ROLES)
def profile_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = selectors.profile_version_get(user=request.user, pk=pk)
    others = selectors.profile_versions_of(user=request.user, version=version)
    rows = {row.version.pk: row for row in selectors.profile_version_list(user=request.user)}
    return render(
        request,
        "profiles/detail.html",
        {
            "version": version,
            "row": rows.get(version.pk),
            "others": others,
            "lines": problems_in_place(version.yaml_text, [])[0],
        },
    )


@allow(PROFILE_ROLES)
def profile_diff(request: AuthenticatedRequest, pk: int, other: int) -> HttpResponse:
    new = selectors.profile_version_get(user=request.user, pk=pk)
    old = selectors.profile_version_get(user=request.user, pk=other)
    if old.version > new.version:
        old, new = new, old
    lines = selectors.profile_diff(user=request.user, old=old, new=new)
    return render(request, "profiles/diff.html", {"old": old, "new": new, "lines": lines})


@dataclass(frozen=True)
class _StepPages:
    """The workflow buttons of one kind of version: its selector, services, version page
    and what each step says when done."""

    get: Callable[..., ReviewedVersion]
    workflow: ReviewWorkflow[Any]
    detail: str
    done: dict[str, Promise]


#: steps that cannot be undone: the form's confirmation box must be ticked
CONFIRMED_STEPS = frozenset({"activate", "retire"})


def _workflow_step(
    request: AuthenticatedRequest, pk: int, step: str, pages: _StepPages
) -> HttpResponse:
    version = pages.get(user=request.user, pk=pk)
    work = pages.workflow
    if step in CONFIRMED_STEPS and not confirmed(request):
        return unconfirmed_page(request, pages.detail, version.pk)
    try:
        if step == "retire":
            reason = request.POST.get("reason", "")
            version = work.retire(
                actor=request.user, version=version, reason=reason, request=request
            )
            if version.status == ReviewStatus.ACTIVE.value:
                messages.success(request, str(RETIREMENT_ASKED))
                return redirect(pages.detail, pk=version.pk)
        else:
            {"submit": work.submit, "approve": work.approve, "activate": work.activate}[step](
                actor=request.user, version=version, request=request
            )
        messages.success(request, str(pages.done[step]))
    except PalermoError as exc:
        refusal_as_messages(request, exc)
    return redirect(pages.detail, pk=version.pk)


def _step_view(pages: _StepPages, step: str) -> Callable[..., HttpResponseBase]:
    @allow(PROFILE_ROLES)
    @require_POST
    def view(request: AuthenticatedRequest, pk: int) -> HttpResponse:
        return _workflow_step(request, pk, step, pages)

    return view


_PROFILE_STEPS = _StepPages(
    get=selectors.profile_version_get,
    workflow=services.PROFILES,
    detail="profiles:detail",
    done={
        "submit": gettext_lazy("Submitted for approval."),
        "approve": gettext_lazy("Approved. It fires once activated."),
        "activate": gettext_lazy("Active: screening uses this version from now on."),
        "retire": gettext_lazy("Retired: this version no longer fires."),
    },
)
profile_submit = _step_view(_PROFILE_STEPS, "submit")
profile_approve = _step_view(_PROFILE_STEPS, "approve")
profile_activate = _step_view(_PROFILE_STEPS, "activate")
profile_retire = _step_view(_PROFILE_STEPS, "retire")


# ---------------------------------------------------------------- named lists


class ListUploadForm(UploadForm):
    file = forms.FileField(
        label=gettext_lazy("List file (YAML)"),
        required=False,
        help_text=gettext_lazy("One named list per file, as in profiles/examples/lists."),
    )

    def clean(self) -> dict[str, object]:
        data = super().clean()
        if data.get("source_name") == "profile.yaml":
            data["source_name"] = "list.yaml"
        return data


@allow(PROFILE_ROLES)
def list_index(request: AuthenticatedRequest) -> HttpResponse:
    versions = selectors.list_version_list(user=request.user)
    return render(request, "profiles/lists.html", {"versions": versions})


@body_limit("PROFILE_MAX_BYTES")
@allow(PROFILE_ROLES)
def list_upload(request: AuthenticatedRequest) -> HttpResponse:
    """Upload a new list, or (``?from=<pk>``) edit a copy of a stored version as the next one."""
    initial: dict[str, object] = {}
    source = request.GET.get("from", "")
    if source.isdigit():
        base = selectors.list_version_get(user=request.user, pk=int(source))
        initial["text"] = re.sub(
            r"(?m)^version:\s*\d+", f"version: {base.version + 1}", base.yaml_text, count=1
        )
    form = ListUploadForm(request.POST or None, request.FILES or None, initial=initial)
    return _upload_page(
        request,
        form,
        template="profiles/list_upload.html",
        upload=services.list_upload,
        detail="profiles:list_detail",
    )


@allow(PROFILE_ROLES)
def list_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    version = selectors.list_version_get(user=request.user, pk=pk)
    others = selectors.list_versions_of(user=request.user, version=version)
    older = [o for o in others if o.version < version.version]
    diff = selectors.list_diff(user=request.user, old=older[0], new=version) if older else []
    return render(
        request,
        "profiles/list_detail.html",
        {
            "version": version,
            "others": others,
            "previous": older[0] if older else None,
            "diff": diff,
            "lines": problems_in_place(version.yaml_text, [])[0],
        },
    )


_LIST_STEPS = _StepPages(
    get=selectors.list_version_get,
    workflow=services.LISTS,
    detail="profiles:list_detail",
    done={
        "submit": gettext_lazy("Submitted for approval."),
        "approve": gettext_lazy("Approved. Profiles may use it once it is activated."),
        "activate": gettext_lazy("Active: screening uses this list version from now on."),
        "retire": gettext_lazy("Retired: this list version is no longer used."),
    },
)
list_submit = _step_view(_LIST_STEPS, "submit")
list_approve = _step_view(_LIST_STEPS, "approve")
list_activate = _step_view(_LIST_STEPS, "activate")
list_retire = _step_view(_LIST_STEPS, "retire")
