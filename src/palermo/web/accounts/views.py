"""Log-in, log-out, the password change and second-factor pages, and the home page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from palermo.errors import InputError
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.accounts.second_factor import (
    second_factor_confirm,
    second_factor_enrolled,
    second_factor_enrolment,
    second_factor_new_recovery_codes,
    second_factor_verify,
)
from palermo.web.accounts.services import (
    LoginRateLimitedError,
    LoginRefusedError,
    password_change,
    user_login,
    user_logout,
)
from palermo.web.lib.login_steps import PASSWORD, SECOND_FACTOR, login_step, session_verified
from palermo.web.lib.permissions import allow, public
from palermo.web.lib.problems import show_on_form
from palermo.web.lib.roles import ALL_ROLES


class LoginForm(forms.Form):
    username = forms.CharField(
        label=_("User name"),
        max_length=150,
        widget=forms.TextInput({"autocomplete": "username", "autofocus": True}),
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )


@public
def login_view(request: HttpRequest) -> HttpResponse:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        next_url = ""
    form = LoginForm(request.POST or None)
    status = 200
    retry_after = 0
    if request.method == "POST" and form.is_valid():
        try:
            user_login(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except LoginRateLimitedError as exc:
            form.add_error(None, str(exc))
            status, retry_after = 429, exc.retry_after
        except LoginRefusedError as exc:
            form.add_error(None, str(exc))
            status = 401
        else:
            return redirect(next_url or "home")
    response = render(
        request, "accounts/login.html", {"form": form, "next": next_url}, status=status
    )
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


@login_step(SECOND_FACTOR, PASSWORD)
@allow(ALL_ROLES)
@require_POST
def logout_view(request: AuthenticatedRequest) -> HttpResponse:
    user_logout(request=request)
    return redirect("accounts:login")


class PasswordChangeForm(forms.Form):
    old_password = forms.CharField(
        label=_("Current password"),
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("New password"),
        strip=False,
        help_text=_("At least 10 characters, not only digits, not a common password."),
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )
    new_password_again = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput({"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        if data.get("new_password") != data.get("new_password_again"):
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Your code"),
        max_length=16,
        help_text=_("The six digits your authenticator app shows, or one of your recovery codes."),
        widget=forms.TextInput({"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next(request: HttpRequest) -> str:
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, allowed_hosts={request.get_host()}):
        return ""
    return next_url


@login_step(PASSWORD)
@allow(ALL_ROLES)
def password_change_view(request: AuthenticatedRequest) -> HttpResponse:
    """Everyone's own password; the page a one-time password leads to."""
    user = request.user
    form = PasswordChangeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                password_change(
                    user=user,
                    old_password=form.cleaned_data["old_password"],
                    new_password=form.cleaned_data["new_password"],
                    request=request,
                )
            except InputError as exc:
                show_on_form(form, exc)
            else:
                messages.success(request, _("Your password was changed."))
                return redirect(_next(request) or "home")
        status = 422
    context = {"form": form, "next": _next(request), "forced": user.must_change_password}
    return render(request, "accounts/password_change.html", context, status=status)


@login_step(SECOND_FACTOR, PASSWORD)
@allow(ALL_ROLES)
def second_factor_view(request: AuthenticatedRequest) -> HttpResponse:
    """Enrol an authenticator (no device yet), verify this session with a code, or, once
    verified, replace the recovery codes."""
    user = request.user
    enrolled = second_factor_enrolled(user)
    verified = enrolled and session_verified(user)
    if verified and request.method == "POST" and request.POST.get("action") == "new-codes":
        codes = second_factor_new_recovery_codes(user=user, request=request)
        return render(request, "accounts/recovery_codes.html", {"codes": codes, "next": ""})
    if verified:
        return render(request, "accounts/second_factor_status.html", {"next": _next(request)})
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            code = form.cleaned_data["code"]
            try:
                if enrolled:
                    left = second_factor_verify(user=user, code=code, request=request)
                else:
                    codes = second_factor_confirm(user=user, code=code, request=request)
            except InputError as exc:
                show_on_form(form, exc)
            else:
                if not enrolled:
                    shown = {"codes": codes, "next": _next(request)}
                    return render(request, "accounts/recovery_codes.html", shown)
                if left is not None:
                    messages.warning(
                        request,
                        _("You used a recovery code; %(left)d are left.") % {"left": left},
                    )
                return redirect(_next(request) or "home")
        status = 422
    context: dict[str, Any] = {"form": form, "next": _next(request), "enrolled": enrolled}
    if not enrolled:
        context["enrolment"] = second_factor_enrolment(user=user)
    return render(request, "accounts/second_factor.html", context, status=status)
