"""Administration pages: agencies, users (create, role, deactivate, one-time password) and
API tokens (shown once, expiry, rotate, revoke), second-factor reset. Administrators only;
they never see case content."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from palermo.errors import PalermoError
from palermo.web.accounts.models import (
    Agency,
    Qualification,
    QualificationKind,
    User,
    qualification_held,
)
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.administration import selectors, services
from palermo.web.administration.models import ConfirmationKind
from palermo.web.lib.confirm import confirmed, unconfirmed_page
from palermo.web.lib.errors import reasons
from palermo.web.lib.params import IdChoiceField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import ADMIN_ROLES, AGENCY_KIND_CHOICES, ROLE_CHOICES
from palermo.web.lib.submit import refusal_as_messages

_GRANT_WORDS = {
    "second_line_interviewer": gettext_lazy("Second-line interviewer"),
    "child_interview": gettext_lazy("Child interviews"),
}
_WAITS = gettext_lazy(
    "%(what)s waits for a second administrator of its agency to confirm; the password or "
    "token will be shown to them."
)


class AgencyForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AGENCY_KIND_CHOICES)
    code = forms.SlugField(label=gettext_lazy("Code"), max_length=40)
    is_training = forms.BooleanField(
        label=gettext_lazy("Training agency (a sandbox for practice; cannot be changed later)"),
        required=False,
        help_text=gettext_lazy(
            "Its travellers, hits, interviews and cases are practice: never shown to live "
            "agencies, never shared with them."
        ),
    )


class AgencyEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=AGENCY_KIND_CHOICES)


class _AgencyScoped(forms.Form):
    """The agency field lists only the agencies the administrator manages."""

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["agency"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = selectors.agency_list(user=user)


class UserForm(_AgencyScoped):
    username = forms.CharField(label=gettext_lazy("User name"), max_length=150)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    agency = IdChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.all())
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)


class TokenForm(_AgencyScoped):
    name = forms.CharField(
        label=gettext_lazy("System"),
        max_length=120,
        help_text=gettext_lazy("The system that will use the token."),
    )
    agency = IdChoiceField(label=gettext_lazy("Agency"), queryset=Agency.objects.all())
    role = forms.ChoiceField(label=gettext_lazy("Role"), choices=ROLE_CHOICES)


def _form_page(
    request: HttpRequest, form: forms.Form, title: str | Promise, errors: list[str]
) -> HttpResponse:
    status = 422 if request.method == "POST" else 200
    context = {"form": form, "title": title, "errors": errors}
    return render(request, "administration/form.html", context, status=status)


def _secret_page(request: HttpRequest, title: str, what: str, secret: str) -> HttpResponse:
    response = render(
        request, "administration/secret.html", {"title": title, "what": what, "secret": secret}
    )
    response["Cache-Control"] = "no-store"
    return response


@allow(ADMIN_ROLES)
def index(request: AuthenticatedRequest) -> HttpResponse:
    accounts = selectors.account_list(user=request.user)
    context = {
        "agencies": selectors.agency_list(user=request.user),
        "accounts": accounts,
        "tokens": selectors.token_list(user=request.user),
        "confirmations": selectors.confirmation_list(user=request.user),
        "roles": ROLE_CHOICES,
        "child_qualified": set(
            Qualification.objects.filter(
                user__in=accounts,
                kind=QualificationKind.CHILD_INTERVIEW.value,
                revoked_at__isnull=True,
            ).values_list("user_id", flat=True)
        ),
        "now": timezone.now(),
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "administration/index.html", context)


def _form_action(
    request: HttpRequest,
    form: forms.Form,
    title: str | Promise,
    act: Callable[[dict[str, Any]], HttpResponse],
) -> HttpResponse:
    """A form page: on a valid POST ``act`` (a service call) answers, else the form again with
    the reasons a service refused."""
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        try:
            return act(form.cleaned_data)
        except PalermoError as exc:
            errors = reasons(exc)
    return _form_page(request, form, title, errors)


def _saved(request: HttpRequest, done: str) -> HttpResponse:
    messages.success(request, done)
    return redirect("administration:index")


def _back(request: HttpRequest, pk: int) -> HttpResponse:
    """Back to the account's page when the form was posted from it, else the index."""
    if request.POST.get("back") == "user":
        return redirect("administration:user", pk=pk)
    return redirect("administration:index")


def _post_action(
    request: HttpRequest,
    act: Callable[[], HttpResponse | None],
    done: str = "",
    back: Callable[[], HttpResponse] | None = None,
    refused: Callable[[], HttpResponse] | None = None,
) -> HttpResponse:
    """A button on the index page (or an account's page: ``back``): ``act`` (a service call),
    then the page it answers, or else ``done`` as a message; a refusal as a message (on the
    page ``refused`` answers, else where it came from)."""
    try:
        answer = act()
    except PalermoError as exc:
        refusal_as_messages(request, exc)
        if refused is not None:
            return refused()
        return back() if back else redirect("administration:index")
    if answer is not None:
        return answer
    if back is None:
        return _saved(request, done)
    messages.success(request, done)
    return back()


def _secret_or_waiting(
    request: HttpRequest, secret: str | None, name: str, title: str, what: str
) -> HttpResponse:
    """The new password or token shown once, or: it waits for a second administrator."""
    if secret is None:
        return _saved(request, _WAITS % {"what": name})
    return _secret_page(request, title, what, secret)


@allow(ADMIN_ROLES)
def agency_create(request: AuthenticatedRequest) -> HttpResponse:
    def act(data: dict[str, Any]) -> HttpResponse:
        services.admin_agency_create(actor=request.user, request=request, **data)
        return _saved(request, _("The agency was created."))

    form = AgencyForm(request.POST or None)
    return _form_action(request, form, _("New agency"), act)


@allow(ADMIN_ROLES)
def agency_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    agency = selectors.agency_get(user=request.user, pk=pk)

    def act(data: dict[str, Any]) -> HttpResponse:
        services.admin_agency_update(actor=request.user, agency=agency, request=request, **data)
        return _saved(request, _("The agency was saved."))

    form = AgencyEditForm(request.POST or None, initial={"name": agency.name, "kind": agency.kind})
    return _form_action(request, form, agency.name, act)


@allow(ADMIN_ROLES)
def user_create(request: AuthenticatedRequest) -> HttpResponse:
    def act(data: dict[str, Any]) -> HttpResponse:
        user, password = services.admin_user_create(actor=request.user, request=request, **data)
        what = _("One-time password for %(user)s") % {"user": user.username}
        return _secret_or_waiting(request, password, user.username, _("User created"), what)

    form = UserForm(request.POST or None, user=request.user)
    return _form_action(request, form, _("New user"), act)


@allow(ADMIN_ROLES)
@require_POST
def user_role(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.account_get(user=request.user, pk=pk)
    role = request.POST.get("role", "")

    def act() -> HttpResponse | None:
        waiting = services.admin_user_set_role(
            actor=request.user,
            user=user,
            role=role,
            override_reason=request.POST.get("override_reason", ""),
            request=request,
        )
        if waiting is None:
            return None
        messages.success(request, _WAITS % {"what": user.username})
        return _back(request, user.pk)

    return _post_action(
        request,
        act,
        _("The role was changed."),
        back=lambda: _back(request, user.pk),
        # a refusal (a certificate missing) is answered on the account's page, where the
        # reason for an override is written
        refused=lambda: redirect("administration:user", pk=user.pk),
    )


@allow(ADMIN_ROLES)
@require_POST
def user_deactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.account_get(user=request.user, pk=pk)
    if not confirmed(request):
        return unconfirmed_page(request, "administration:index")

    def act() -> None:
        services.admin_user_deactivate(actor=request.user, user=user, request=request)

    return _post_action(request, act, _("The user can no longer log in."))


@allow(ADMIN_ROLES)
@require_POST
def user_qualification(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Grant or withdraw the child-interview qualification."""
    user = selectors.account_get(user=request.user, pk=pk)
    grant = request.POST.get("action") == "grant"

    def act() -> None:
        if grant:
            services.qualification_grant(
                actor=request.user,
                user=user,
                kind=QualificationKind.CHILD_INTERVIEW,
                note=request.POST.get("note", ""),
                override_reason=request.POST.get("override_reason", ""),
                request=request,
            )
        else:
            services.qualification_revoke(
                actor=request.user,
                user=user,
                kind=QualificationKind.CHILD_INTERVIEW,
                request=request,
            )

    return _post_action(
        request,
        act,
        _("%(user)s may now interview children.") % {"user": user.username}
        if grant
        else _("%(user)s may no longer interview children.") % {"user": user.username},
        back=lambda: _back(request, user.pk),
        refused=lambda: redirect("administration:user", pk=user.pk),
    )


@allow(ADMIN_ROLES)
def user_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """One account: its role and qualifications, the person's training certificates (what the
    certificate rule reads), what was given without one and why, and the linked training or
    live account; the role and qualification forms with the reason for an override."""
    account = selectors.account_get(user=request.user, pk=pk)
    context = {
        "account": account,
        "roles": ROLE_CHOICES,
        "qualifications": selectors.account_qualifications(user=request.user, account=account),
        "overrides": [
            (o, _GRANT_WORDS.get(o.grant, o.grant))
            for o in selectors.account_overrides(user=request.user, account=account)
        ],
        "child_qualified": qualification_held(account, QualificationKind.CHILD_INTERVIEW),
        "needs": {
            grant: services.certificate_missing(account, grant)
            for grant in ("second_line_interviewer", "child_interview")
        },
        "training_accounts": account.training_accounts.select_related("agency"),
    }
    return render(request, "administration/user.html", context)


@allow(ADMIN_ROLES)
@require_POST
def user_reactivate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.account_get(user=request.user, pk=pk)

    def act() -> None:
        services.admin_user_reactivate(actor=request.user, user=user, request=request)

    return _post_action(request, act, _("The user can log in again."))


@allow(ADMIN_ROLES)
@require_POST
def user_reset_password(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.account_get(user=request.user, pk=pk)

    def act() -> HttpResponse:
        password = services.admin_user_reset_password(
            actor=request.user, user=user, request=request
        )
        what = _("One-time password for %(user)s") % {"user": user.username}
        return _secret_or_waiting(request, password, user.username, _("Password reset"), what)

    return _post_action(request, act)


@allow(ADMIN_ROLES)
def token_create(request: AuthenticatedRequest) -> HttpResponse:
    def act(data: dict[str, Any]) -> HttpResponse:
        record, token = services.admin_token_create(actor=request.user, request=request, **data)
        what = _("API token for %(name)s") % {"name": record.name}
        return _secret_or_waiting(request, token, record.name, _("API token created"), what)

    form = TokenForm(request.POST or None, user=request.user)
    return _form_action(request, form, _("New API token"), act)


@allow(ADMIN_ROLES)
@require_POST
def token_revoke(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    token = selectors.token_get(user=request.user, pk=pk)

    def act() -> None:
        services.admin_token_revoke(actor=request.user, token=token, request=request)

    return _post_action(request, act, _("The token was revoked."))


@allow(ADMIN_ROLES)
@require_POST
def confirmation_confirm(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """The second administrator confirms; a password or token is shown to them once."""
    confirmation = selectors.confirmation_get(user=request.user, pk=pk)
    try:
        done, secret = services.admin_confirm(
            actor=request.user, confirmation=confirmation, request=request
        )
    except PalermoError as exc:
        refusal_as_messages(request, exc)
        return redirect("administration:index")
    account = done.account
    if secret is None:
        return _saved(request, _("The change was confirmed."))
    if done.kind == ConfirmationKind.NEW_TOKEN:
        what = _("API token for %(name)s") % {"name": account.first_name}
        return _secret_page(request, _("API token confirmed"), what, secret)
    what = _("One-time password for %(user)s") % {"user": account.username}
    return _secret_page(request, _("Change confirmed"), what, secret)


@allow(ADMIN_ROLES)
@require_POST
def confirmation_refuse(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    confirmation = selectors.confirmation_get(user=request.user, pk=pk)

    def act() -> None:
        services.admin_refuse(actor=request.user, confirmation=confirmation, request=request)

    return _post_action(request, act, _("The request was refused."))


@allow(ADMIN_ROLES)
@require_POST
def token_rotate(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """A new token in place of an old (or expired) one; the old one stops at once. The new
    secret is shown once, or goes to the second administrator when the role needs one."""
    token = selectors.token_get(user=request.user, pk=pk)
    try:
        record, secret = services.admin_token_rotate(
            actor=request.user, token=token, request=request
        )
    except PalermoError as exc:
        refusal_as_messages(request, exc)
        return redirect("administration:index")
    if secret is None:
        return _saved(
            request,
            _(
                "The old token is revoked; the new one waits for a second administrator, "
                "who receives it."
            ),
        )
    what = _("New API token for %(name)s (the old one is revoked)") % {"name": record.name}
    return _secret_page(request, _("API token rotated"), what, secret)


@allow(ADMIN_ROLES)
@require_POST
def user_reset_second_factor(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    user = selectors.account_get(user=request.user, pk=pk)

    def act() -> None:
        services.admin_user_reset_second_factor(actor=request.user, user=user, request=request)

    return _post_action(
        request, act, _("The second factor was reset: the user sets it up at the next log-in.")
    )
