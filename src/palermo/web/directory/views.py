"""Service directory pages: the list with the routing filter (service, area, language), one
entry, and the administrators' forms to add and change entries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from palermo.web.accounts.models import Agency
from palermo.web.accounts.requests import AuthenticatedRequest
from palermo.web.directory import selectors, services
from palermo.web.directory.models import (
    LANGUAGE_CHOICES,
    LANGUAGE_LABELS,
    SERVICE_TYPE_CHOICES,
    SERVICE_TYPE_LABELS,
    ServiceProvider,
    ServiceType,
)
from palermo.web.lib.params import IdChoiceField
from palermo.web.lib.permissions import allow
from palermo.web.lib.roles import DIRECTORY_KEEPER_ROLES, DIRECTORY_ROLES
from palermo.web.lib.submit import submit_form


class RouteForm(forms.Form):
    service = forms.ChoiceField(
        label=gettext_lazy("Service"),
        required=False,
        choices=[("", gettext_lazy("Any")), *SERVICE_TYPE_CHOICES],
    )
    area = forms.CharField(label=gettext_lazy("Area"), max_length=100, required=False)
    language = forms.ChoiceField(
        label=gettext_lazy("Language"),
        required=False,
        choices=[("", gettext_lazy("Any")), *LANGUAGE_CHOICES],
    )


class ProviderForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name (English)"), max_length=200)
    name_zh = forms.CharField(label=gettext_lazy("Name (Chinese)"), max_length=200)
    agency = IdChoiceField(
        label=gettext_lazy("Agency in Palermo"),
        queryset=Agency.objects.all(),
        required=False,
        help_text=gettext_lazy(
            "Only a provider whose staff use Palermo can receive referrals here; leave empty "
            "for a provider that is contacted directly."
        ),
    )
    services = forms.MultipleChoiceField(
        label=gettext_lazy("Services"),
        choices=SERVICE_TYPE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    nationwide = forms.BooleanField(label=gettext_lazy("Serves the whole country"), required=False)
    areas = forms.CharField(
        label=gettext_lazy("Areas served"),
        max_length=1000,
        required=False,
        help_text=gettext_lazy("Provinces, cities or districts, separated by commas."),
    )
    languages = forms.MultipleChoiceField(
        label=gettext_lazy("Languages"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("Capacity (places)"), min_value=0, required=False
    )
    places_free = forms.IntegerField(label=gettext_lazy("Places free"), min_value=0, required=False)
    phone = forms.CharField(label=gettext_lazy("Telephone"), max_length=60, required=False)
    hotline = forms.CharField(label=gettext_lazy("24-hour hotline"), max_length=60, required=False)
    email = forms.EmailField(label=gettext_lazy("E-mail"), required=False)
    address = forms.CharField(label=gettext_lazy("Address"), max_length=300, required=False)
    hours = forms.CharField(label=gettext_lazy("Opening hours"), max_length=200, required=False)
    description = forms.CharField(
        label=gettext_lazy("Description (English)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    description_zh = forms.CharField(
        label=gettext_lazy("Description (Chinese)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    active = forms.BooleanField(
        label=gettext_lazy("Listed (offered when routing referrals)"), required=False
    )


def _initial(provider: ServiceProvider) -> dict[str, Any]:
    initial = {field: getattr(provider, field) for field in services.TEXT_FIELDS}
    initial.update(
        agency=provider.agency_id,
        services=provider.service_list,
        nationwide=provider.nationwide,
        areas=", ".join(provider.area_list),
        languages=provider.language_list,
        capacity=provider.capacity,
        places_free=provider.places_free,
        active=provider.active,
    )
    return initial


def _row(provider: ServiceProvider) -> dict[str, Any]:
    """An entry in words: names and descriptions in the page's language, labels for codes."""
    language = get_language()
    return {
        "provider": provider,
        "name": provider.name_in(language),
        "description": provider.description_in(language),
        "services": [SERVICE_TYPE_LABELS[ServiceType(s)] for s in provider.service_list],
        # not "languages": base.html names the language switcher's list so
        "provider_languages": [LANGUAGE_LABELS.get(code, code) for code in provider.language_list],
    }


@allow(DIRECTORY_ROLES)
def directory_list(request: AuthenticatedRequest) -> HttpResponse:
    form = RouteForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    keeper = request.user.role in DIRECTORY_KEEPER_ROLES
    providers = selectors.provider_list(
        user=request.user,
        service=filters.get("service", ""),
        area=filters.get("area", ""),
        language=filters.get("language", ""),
        include_unlisted=keeper,
    )
    page = Paginator(providers, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "rows": [_row(p) for p in page],
        "keeper": keeper,
        "query": query.urlencode(),
    }
    return render(request, "directory/list.html", context)


@allow(DIRECTORY_ROLES)
def directory_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    keeper = request.user.role in DIRECTORY_KEEPER_ROLES
    provider = selectors.provider_get(user=request.user, pk=pk, include_unlisted=keeper)
    context = {
        **_row(provider),
        "may_edit": services.may_keep(request.user, provider),
    }
    return render(request, "directory/detail.html", context)


def _submit(
    request: AuthenticatedRequest,
    form: ProviderForm,
    save: Callable[[dict[str, Any]], ServiceProvider],
    done: str,
    context: dict[str, Any],
) -> HttpResponse:
    """The entry's form posted: saved, then its page; else the form again (422) with each
    problem beside its field and a refusal at the top of the form."""
    return submit_form(
        request,
        form,
        save,
        done=done,
        then=lambda saved: redirect("directory:detail", pk=saved.pk),
        again=lambda status, _errors: render(
            request, "directory/form.html", {"form": form, **context}, status=status
        ),
        refusal_on_form=True,
    )


@allow(DIRECTORY_KEEPER_ROLES)
def directory_create(request: AuthenticatedRequest) -> HttpResponse:
    form = ProviderForm(request.POST or None, initial={"active": True})
    context = {"title": _("Add a service provider")}
    if request.method != "POST":
        return render(request, "directory/form.html", {"form": form, **context})
    return _submit(
        request,
        form,
        lambda data: services.provider_create(actor=request.user, values=data, request=request),
        _("The entry was added to the directory."),
        context,
    )


@allow(DIRECTORY_KEEPER_ROLES)
def directory_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    provider = selectors.provider_get(user=request.user, pk=pk, include_unlisted=True)
    form = ProviderForm(request.POST or None, initial=_initial(provider))
    context = {"provider": provider, "title": _("Change a directory entry")}
    if request.method == "POST":
        return _submit(
            request,
            form,
            lambda data: services.provider_update(
                actor=request.user, provider=provider, values=data, request=request
            ),
            _("The entry was saved."),
            context,
        )
    if not services.may_keep(request.user, provider):
        form.add_error(
            None,
            _("Only the administrators of %(agency)s keep this entry.")
            % {"agency": provider.kept_by.name},
        )
    return render(request, "directory/form.html", {"form": form, **context})
