"""Log-in, log-out and the home page."""

from __future__ import annotations

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.accounts.services import LoginRefusedError, user_login, user_logout
from palermo.web.lib.permissions import allow, public
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
    if request.method == "POST" and form.is_valid():
        try:
            user_login(
                request=request,
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
            )
        except LoginRefusedError as exc:
            form.add_error(None, str(exc))
            status = 401
        else:
            return redirect(next_url or "home")
    return render(request, "accounts/login.html", {"form": form, "next": next_url}, status=status)


@allow(ALL_ROLES)
@require_POST
def logout_view(request: AuthenticatedRequest) -> HttpResponse:
    user_logout(request=request)
    return redirect("accounts:login")


@allow(ALL_ROLES)
def home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "home.html")
