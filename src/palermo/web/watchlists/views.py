"""Watchlist pages: the agency's lists with their description and flags, upload with every
problem shown in the page's language, a version with its entries and workflow buttons, and the
supervisor's threshold form (htmx swaps it in place)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import InputError, PalermoError
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.lib.confirm import confirmed, unconfirmed_page
from palermo.web.lib.dates import DateBox
from palermo.web.lib.errors import reasons
from palermo.web.lib.permissions import allow
from palermo.web.lib.review import RETIREMENT_ASKED, ReviewStatus
from palermo.web.lib.roles import WATCHLIST_APPROVERS, WATCHLIST_ROLES
from palermo.web.lib.submit import refusal_as_messages, submit_button
from palermo.web.lib.uploads import body_limit, refuse_large_upload
from palermo.web.watchlists import selectors, services


class WatchlistUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Watchlist file"),
        help_text=gettext_lazy(
            "YAML with its 'list:' description and 'entries:', or CSV / JSON Lines of entries "
            "with the description below."
        ),
    )
    id = forms.CharField(
        label=gettext_lazy("List id"),
        required=False,
        max_length=64,
        help_text=gettext_lazy("Lower-case letters, digits, '-' or '_'."),
    )
    title = forms.CharField(label=gettext_lazy("Title"), required=False, max_length=300)
    owner = forms.CharField(
        label=gettext_lazy("Owner"),
        required=False,
        max_length=300,
        help_text=gettext_lazy("The authority that answers for the list."),
    )
    purpose = forms.CharField(label=gettext_lazy("Purpose"), required=False, max_length=1000)
    legal_basis = forms.CharField(
        label=gettext_lazy("Legal basis"), required=False, max_length=1000
    )
    expires = forms.DateField(
        label=gettext_lazy("Expires"),
        required=False,
        widget=DateBox(),
        help_text=gettext_lazy("The list is used up to and including this day, never after."),
    )
    threshold = forms.IntegerField(
        label=gettext_lazy("Threshold"),
        required=False,
        min_value=0,
        max_value=100,
        help_text=gettext_lazy("Score (0-100) a match must reach to be a hit; 88 if empty."),
    )

    def clean_file(self) -> object:
        upload = self.cleaned_data.get("file")
        refuse_large_upload(upload, "WATCHLIST_MAX_BYTES")  # before a byte of it is read
        return upload


class ThresholdForm(forms.Form):
    threshold = forms.IntegerField(label=gettext_lazy("Threshold"), min_value=0, max_value=100)


@allow(WATCHLIST_ROLES)
def watchlist_index(request: AuthenticatedRequest) -> HttpResponse:
    rows = selectors.watchlist_version_list(user=request.user)
    return render(request, "watchlists/index.html", {"rows": rows})


@body_limit("WATCHLIST_MAX_BYTES")
@allow(WATCHLIST_ROLES)
def watchlist_upload(request: AuthenticatedRequest) -> HttpResponse:
    form = WatchlistUploadForm(request.POST or None, request.FILES or None)
    context: dict[str, object] = {"form": form}
    status = 200
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        info = {
            name: form.cleaned_data.get(name)
            for name in ("id", "title", "owner", "purpose", "legal_basis", "expires", "threshold")
        }
        try:
            version = services.watchlist_upload(
                actor=request.user,
                file_name=upload.name,
                content=upload.chunks(),
                info=info,
                request=request,
            )
            messages.success(
                request, _("Saved. A supervisor of your agency must approve it before it is used.")
            )
            return redirect("watchlists:detail", pk=version.pk)
        except InputError as exc:
            context.update({"problems": exc.problems, "problem_total": exc.total})
            status = 422
    elif request.method == "POST":
        status = 422  # the form shows what is wrong (a file too large, a bad threshold)
    return render(request, "watchlists/upload.html", context, status=status)


@allow(WATCHLIST_ROLES)
def watchlist_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    row = selectors.watchlist_version_get(user=request.user, pk=pk)
    entries, total = selectors.watchlist_entries(
        user=request.user, version=row.version, request=request
    )
    return render(
        request,
        "watchlists/detail.html",
        {
            "row": row,
            "version": row.version,
            "others": selectors.watchlist_versions_of(user=request.user, version=row.version),
            "entries": entries,
            "entry_total": total,
            "threshold_form": ThresholdForm(initial={"threshold": row.version.threshold}),
        },
    )


def _step(request: AuthenticatedRequest, pk: int, step: str) -> HttpResponse:
    version = selectors.watchlist_version_get(user=request.user, pk=pk).version
    if step in {"activate", "retire"} and not confirmed(request):
        return unconfirmed_page(request, "watchlists:detail", version.pk)
    back = redirect("watchlists:detail", pk=version.pk)
    if step == "approve":
        return submit_button(
            request,
            lambda: services.watchlist_approve(
                actor=request.user, version=version, request=request
            ),
            done=_("Approved. It is used once activated."),
            back=back,
        )
    if step == "activate":
        return submit_button(
            request,
            lambda: services.watchlist_activate(
                actor=request.user, version=version, request=request
            ),
            done=_("Active: screening matches against this list from now on."),
            back=back,
        )
    return submit_button(
        request,
        lambda: services.watchlist_retire(
            actor=request.user,
            version=version,
            reason=request.POST.get("reason", ""),
            request=request,
        ),
        done=lambda retired: (
            str(RETIREMENT_ASKED)
            if retired.status == ReviewStatus.ACTIVE.value
            else _("Retired: this list version is no longer used.")
        ),
        back=back,
    )


@allow(WATCHLIST_APPROVERS)
@require_POST
def watchlist_approve(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "approve")


@allow(WATCHLIST_APPROVERS)
@require_POST
def watchlist_activate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "activate")


@allow(WATCHLIST_APPROVERS)
@require_POST
def watchlist_retire(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _step(request, pk, "retire")


@allow(WATCHLIST_APPROVERS)
@require_POST
def watchlist_threshold(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Set the threshold; with htmx only the form's fragment is swapped."""
    version = selectors.watchlist_version_get(user=request.user, pk=pk).version
    form = ThresholdForm(request.POST)
    errors: list[str] = []
    saved = False
    status = 200
    if form.is_valid():
        try:
            version = services.watchlist_threshold_set(
                actor=request.user,
                version=version,
                threshold=form.cleaned_data["threshold"],
                request=request,
            )
            saved = True
            form = ThresholdForm(initial={"threshold": version.threshold})
        except PalermoError as exc:
            errors = reasons(exc)
            status = 422
    else:
        status = 422
    if request.headers.get("HX-Request"):
        return render(
            request,
            "watchlists/_threshold.html",
            {"version": version, "threshold_form": form, "errors": errors, "saved": saved},
            status=status,
        )
    refusal_as_messages(request, errors)
    if saved:
        messages.success(request, _("Threshold changed."))
    return redirect("watchlists:detail", pk=version.pk)
