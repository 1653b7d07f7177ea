"""URL map. Every view here declares its roles (``allow``) or is ``public``; see
``palermo.web.lib.permissions`` and tests/web/test_permission_matrix.py."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, include, path
from django.views.i18n import set_language

from palermo.web.api.api import api
from palermo.web.lib.permissions import public
from palermo.web.workqueue import views as workqueue_views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", workqueue_views.home, name="home"),
    path("accounts/", include("palermo.web.accounts.urls")),
    path("audit/", include("palermo.web.audit.urls")),
    path("cases/", include("palermo.web.cases.urls")),
    path("consular/", include("palermo.web.consular.urls")),
    path("api/", api.urls),
    path("screening/", include("palermo.web.screening.urls")),
    path("interviews/", include("palermo.web.interviews.urls")),
    path("profiles/", include("palermo.web.profiles.urls")),
    path("agreements/", include("palermo.web.agreements.urls")),
    path("administration/", include("palermo.web.administration.urls")),
    path("watchlists/", include("palermo.web.watchlists.urls")),
    path("exports/", include("palermo.web.exports.urls")),
    path("exchange/", include("palermo.web.exchange.urls")),
    path("notifications/", include("palermo.web.notifications.urls")),
    path("directory/", include("palermo.web.directory.urls")),
    path("identification/", include("palermo.web.nrm.urls")),
    path("reports/", include("palermo.web.reports.urls")),
    path("outcomes/", include("palermo.web.outcomes.urls")),
    path("referrals/", include("palermo.web.referrals.urls")),
    path("children/", include("palermo.web.children.urls")),
    path("academy/", include("palermo.web.academy.urls")),
    path("certificates/", include("palermo.web.certificates.urls")),
    path("i18n/setlang/", public(set_language), name="set_language"),
]
